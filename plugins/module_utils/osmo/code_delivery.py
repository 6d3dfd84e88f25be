# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Code delivery for workflows: a content-addressed archive uploaded once to blob storage, passed as a URL.

Never as base64 in an environment variable (Linux caps one argument or
variable at 128 KiB, ``MAX_ARG_STRLEN``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.azure_robotics.stack.plugins.module_utils import code_archive
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.blob import (
    BlobLocation,
    BlobLocationError,
    blob_exists,
    service_client,
    untrusted_certificate,
    upload_if_absent,
)

CODE_ARGS = dict(
    code_dir=dict(type="path"),
    code_url=dict(type="str"),
    code_excludes=dict(type="list", elements="str", default=[]),
    code_archive_dir=dict(type="path"),
    code_variable=dict(type="str", default="code_url"),
    code_storage_connection_string=dict(type="str", no_log=True,
                                        fallback=(env_fallback, ["AZURE_STORAGE_CONNECTION_STRING"])),
    code_storage_auth_source=dict(type="str", default="auto",
                                  choices=["auto", "cli", "env", "msi", "workload_identity"]),
    code_storage_client_id=dict(type="str"),
    code_storage_tenant_id=dict(type="str"),
    code_storage_cloud=dict(type="str", default="public"),
    code_storage_ca_bundle=dict(type="path"),
)


class CodeDeliveryError(Exception):
    pass


def validate(params):
    errors = []
    if params.get("code_dir") and not params.get("code_url"):
        errors.append("code_dir needs code_url, the blob location the archive is uploaded to "
                      "(azure://<account>/<container>/<prefix>)")
    if params.get("code_url") and not params.get("code_dir"):
        errors.append("code_url needs code_dir, the local directory to package")
    if params.get("code_dir") and not os.path.isdir(params["code_dir"]):
        errors.append("code_dir=%s does not exist or is not a directory" % params["code_dir"])
    if params.get("code_url"):
        try:
            BlobLocation.parse(params["code_url"], "code_url")
        except BlobLocationError as exc:
            errors.append(str(exc))
    if params.get("code_dir"):
        errors.extend(_storage_errors(params))
    return errors


def _storage_errors(params):
    """The code_storage_* options, checked before anything is packaged, uploaded or sent."""
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import CloudError, resolve_cloud
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import auth_problems

    errors = []
    try:
        resolve_cloud(params.get("code_storage_cloud") or "public", option="code_storage_cloud")
    except CloudError as exc:
        errors.append(str(exc))
    ca_bundle = params.get("code_storage_ca_bundle")
    if ca_bundle and not os.path.isfile(ca_bundle):
        errors.append("code_storage_ca_bundle=%s does not exist or is not a file" % ca_bundle)
    if not params.get("code_storage_connection_string"):
        errors.extend(auth_problems(params.get("code_storage_auth_source") or "auto",
                                    tenant_id=params.get("code_storage_tenant_id"),
                                    client_id=params.get("code_storage_client_id"),
                                    prefix="code_storage_", token_file_option=False))
    return errors


def default_archive_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "azure_robotics", "code-archives")


def unused_options(params):
    """code_storage_* options that are set but that the chosen auth source does not read (for a warning)."""
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import IDENTITY_OPTIONS_READ

    if not params.get("code_dir") or params.get("code_storage_connection_string"):
        return []
    read = IDENTITY_OPTIONS_READ.get(params.get("code_storage_auth_source") or "auto", ())
    return ["code_storage_%s" % name for name in ("tenant_id", "client_id")
            if params.get("code_storage_%s" % name) and name not in read]


def _credential_and_suffix(params):
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import resolve_cloud
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import build_credential

    cloud = resolve_cloud(params.get("code_storage_cloud") or "public", option="code_storage_cloud")
    if params.get("code_storage_connection_string"):
        return None, cloud.storage_suffix
    credential, unused_source = build_credential(params.get("code_storage_auth_source") or "auto", cloud,
                                                 tenant_id=params.get("code_storage_tenant_id"),
                                                 client_id=params.get("code_storage_client_id"))
    return credential, cloud.storage_suffix


def deliver(params, check_mode):
    """Packages ``code_dir`` and makes sure ``<code_url>/<sha256>.tar.gz`` exists. Returns a result dict.

    In check mode the archive is only described (hashed) and the blob only looked up.
    """
    location = BlobLocation.parse(params["code_url"], "code_url")
    excludes = tuple(code_archive.DEFAULT_EXCLUDES) + tuple(params.get("code_excludes") or ())
    try:
        if check_mode:
            archive = code_archive.describe(params["code_dir"], excludes)
        else:
            archive = code_archive.build(params["code_dir"], params.get("code_archive_dir") or default_archive_dir(),
                                         excludes)
    except (code_archive.ArchiveError, OSError) as exc:
        raise CodeDeliveryError("Failed to package code_dir=%s: %s" % (params["code_dir"], exc))

    url = location.url(archive.name)
    result = dict(archive.as_dict(), url=url, uploaded=False)
    try:
        credential, suffix = _credential_and_suffix(params)
        service = service_client(location, credential=credential,
                                 connection_string=params.get("code_storage_connection_string"),
                                 storage_suffix=suffix, ca_bundle=params.get("code_storage_ca_bundle"))
        if check_mode:
            result["exists"] = blob_exists(service, location, archive.name)
            result["uploaded"] = not result["exists"]
            return result
        result["uploaded"] = upload_if_absent(service, location, archive.name, archive.path,
                                              metadata={"content_sha256": archive.digest})
        result["exists"] = True
        return result
    except BlobLocationError as exc:
        raise CodeDeliveryError("code_url=%s: %s" % (params["code_url"], exc))
    except ImportError as exc:
        raise CodeDeliveryError("code delivery needs the Python package azure-storage-blob (and azure-identity): %s"
                                % exc)
    except Exception as exc:  # azure-core errors of every kind, reported with where and what to do
        name = type(exc).__name__
        if "Auth" in name or "403" in str(exc):
            hint = ("grant the identity 'Storage Blob Data Contributor' on the storage account, or pass "
                    "code_storage_connection_string")
        elif untrusted_certificate(exc):
            hint = "pass the CA bundle that signed the blob endpoint's certificate as code_storage_ca_bundle"
        else:
            hint = "check code_url and that the storage account is reachable"
        raise CodeDeliveryError("Failed to upload the code archive to %s (%s): %s - %s"
                                % (url, name, str(exc).splitlines()[0] if str(exc) else name, hint))

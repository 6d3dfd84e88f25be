# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Blob storage locations written as ``azure://<account>/<container>[/<prefix>]`` and upload-if-absent.

That URL form is what OSMO (and its workflow inputs/outputs) use for Azure Blob Storage.
Keyless by default: the collection's credential chain (``DefaultAzureCredential``);
a connection string is accepted for Azurite and other local stand-ins.
azure-storage-blob is imported only when a client is built.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import ssl

AZURE_URL_RE = re.compile(r"^azure://(?P<account>[a-z0-9]{3,24})/(?P<container>[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9]))"
                          r"(?:/(?P<prefix>.*?))?/*$")


class BlobLocationError(ValueError):
    pass


class BlobLocation(object):
    def __init__(self, account, container, prefix=""):
        self.account = account
        self.container = container
        self.prefix = prefix.strip("/")

    @classmethod
    def parse(cls, url, option="url"):
        match = AZURE_URL_RE.match(url or "")
        if not match:
            raise BlobLocationError(
                "%s=%r is not an Azure Blob location: write azure://<account>/<container>[/<prefix>] with a storage "
                "account name of 3-24 lower-case letters or digits and a container name of 3-63 lower-case letters, "
                "digits or '-'" % (option, url))
        return cls(match.group("account"), match.group("container"), match.group("prefix") or "")

    def blob_name(self, name):
        return "%s/%s" % (self.prefix, name) if self.prefix else name

    def url(self, name=None):
        path = self.blob_name(name) if name else self.prefix
        return "azure://%s/%s%s" % (self.account, self.container, "/" + path if path else "")

    def https_url(self, name, storage_suffix="core.windows.net"):
        return "https://%s.blob.%s/%s/%s" % (self.account, storage_suffix, self.container, self.blob_name(name))


def connection_string_account(connection_string):
    for part in (connection_string or "").split(";"):
        if part.lower().startswith("accountname="):
            return part.split("=", 1)[1]
    return None


def untrusted_certificate(error):
    """Whether ``error`` (or what caused it) is a TLS certificate the client does not trust."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(error):
            return True
        error = getattr(error, "inner_exception", None) or error.__cause__ or error.__context__
    return False


def _retry_policy(retries):
    """Storage's exponential retry, except for a certificate the client does not trust: that does not change
    between attempts, so the error comes at once instead of after about a minute and a half of backoff."""
    from azure.storage.blob import ExponentialRetry

    class RetryUnlessUntrusted(ExponentialRetry):
        def increment(self, settings, request, response=None, error=None):
            if error is not None and untrusted_certificate(error):
                return False
            return super(RetryUnlessUntrusted, self).increment(settings, request, response=response, error=error)

    return RetryUnlessUntrusted(retry_total=retries)


def service_client(location, credential=None, connection_string=None, storage_suffix="core.windows.net",
                   account_url=None, ca_bundle=None, retries=5):
    """A BlobServiceClient for ``location``'s account."""
    from azure.storage.blob import BlobServiceClient

    kwargs = dict(retry_policy=_retry_policy(retries), user_agent="azure_robotics.stack")
    if ca_bundle:
        kwargs["connection_verify"] = ca_bundle
    if connection_string:
        named = connection_string_account(connection_string)
        if named and named != location.account:
            raise BlobLocationError(
                "the connection string is for storage account '%s' but the location names account '%s'; the "
                "workflow would read from a different place than the upload went to - make them match"
                % (named, location.account))
        return BlobServiceClient.from_connection_string(connection_string, **kwargs)
    url = account_url or "https://%s.blob.%s" % (location.account, storage_suffix)
    return BlobServiceClient(account_url=url, credential=credential, **kwargs)


def blob_exists(service, location, name):
    return service.get_blob_client(location.container, location.blob_name(name)).exists()


def upload_if_absent(service, location, name, path, content_type="application/gzip", metadata=None):
    """Uploads ``path`` as ``name`` unless a blob of that name exists. Returns True when it uploaded.

    A missing container is created. Content-addressed names make an existing blob the same content, so a
    concurrent upload that wins the race is not an error.
    """
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
    from azure.storage.blob import ContentSettings

    blob = service.get_blob_client(location.container, location.blob_name(name))
    if blob.exists():
        return False
    settings = ContentSettings(content_type=content_type)
    for attempt in (1, 2):
        try:
            with open(path, "rb") as handle:
                blob.upload_blob(handle, overwrite=False, content_settings=settings, metadata=metadata or None)
            return True
        except ResourceExistsError:
            return False
        except ResourceNotFoundError as exc:
            if attempt == 2 or "ContainerNotFound" not in str(getattr(exc, "error_code", "") or exc):
                raise
            try:
                service.create_container(location.container)
            except ResourceExistsError:
                pass
    return False

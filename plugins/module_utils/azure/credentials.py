# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential factory on azure-identity only (never azure-cli-core).

Every auth source is keyless by default: the Azure CLI's login, a managed
identity, a workload-identity federated token, or the environment. The
``access_token`` source takes a bearer token minted elsewhere (CI, an
emulator, a sovereign-cloud front door).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import time

AUTH_SOURCES = ("auto", "cli", "env", "msi", "workload_identity", "access_token")


class CredentialError(ValueError):
    """Auth options that cannot work together; the message names the option."""


class StaticTokenCredential:
    """A TokenCredential for a token obtained outside this process.

    The token is returned for any scope; expiry is unknown, so it is reported
    as one hour from now and never refreshed.
    """

    def __init__(self, token):
        self._token = token

    def _access_token(self):
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def get_token(self, *scopes, **kwargs):
        return self._access_token()

    def get_token_info(self, *scopes, **kwargs):
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(time.time()) + 3600)

    def close(self):
        return None

    def __repr__(self):  # never print the token
        return "StaticTokenCredential(<redacted>)"


# The identity options each auth source reads (``build_credential``); the Azure CLI and the environment bring
# their own, a static token needs neither.
IDENTITY_OPTIONS_READ = {"auto": ("tenant_id", "client_id"), "workload_identity": ("tenant_id", "client_id"),
                         "msi": ("client_id",), "cli": ("tenant_id",), "env": (), "access_token": ()}


def auth_problems(auth_source, tenant_id=None, client_id=None, access_token=None, federated_token_file=None,
                  prefix="", token_file_option=True):
    """Every reason the auth options cannot work together, each naming the option as ``<prefix><name>``.

    ``token_file_option``: False where the module has no ``federated_token_file`` option (only the environment
    variable can give the token file).
    """
    source = "%sauth_source=%s" % (prefix, auth_source)
    if auth_source not in AUTH_SOURCES:
        return ["%sauth_source=%r is not supported; use one of: %s" % (prefix, auth_source, ", ".join(AUTH_SOURCES))]
    problems = []
    if auth_source == "access_token" and not access_token:
        problems.append("%s needs %saccess_token (or the AZURE_ACCESS_TOKEN environment variable)" % (source, prefix))
    if auth_source == "workload_identity":
        for option, value, variable in (("tenant_id", tenant_id, "AZURE_TENANT_ID"),
                                        ("client_id", client_id, "AZURE_CLIENT_ID")):
            if not (value or os.environ.get(variable)):
                problems.append("%s needs %s%s (or %s)" % (source, prefix, option, variable))
        if not (federated_token_file or os.environ.get("AZURE_FEDERATED_TOKEN_FILE")):
            problems.append("%s needs %sfederated_token_file (or AZURE_FEDERATED_TOKEN_FILE)" % (source, prefix)
                            if token_file_option else
                            "%s needs the AZURE_FEDERATED_TOKEN_FILE environment variable (the projected service "
                            "account token)" % source)
    return problems


def validate_auth(auth_source, tenant_id=None, client_id=None, access_token=None, federated_token_file=None):
    """Checks option combinations before any network call. Raises CredentialError naming the option."""
    problems = auth_problems(auth_source, tenant_id, client_id, access_token, federated_token_file)
    if problems:
        raise CredentialError(problems[0])


def build_credential(auth_source, cloud, tenant_id=None, client_id=None, access_token=None,
                     federated_token_file=None, identity=None):
    """Returns ``(credential, description)`` for the auth source.

    ``identity`` lets tests pass a stand-in for the ``azure.identity`` module.
    ``description`` says which source is used, for -vvv output; it never
    contains a secret.
    """
    validate_auth(auth_source, tenant_id, client_id, access_token, federated_token_file)
    if auth_source == "access_token" or (auth_source == "auto" and access_token):
        return StaticTokenCredential(access_token), "access_token"

    if identity is None:
        from azure import identity  # lazy: only when a credential is needed

    authority = cloud.authority
    if auth_source == "cli":
        return identity.AzureCliCredential(tenant_id=tenant_id), "Azure CLI"
    if auth_source == "env":
        return identity.EnvironmentCredential(authority=authority), "environment"
    if auth_source == "msi":
        if client_id:
            return identity.ManagedIdentityCredential(client_id=client_id), "managed identity %s" % client_id
        return identity.ManagedIdentityCredential(), "system-assigned managed identity"
    if auth_source == "workload_identity":
        return identity.WorkloadIdentityCredential(
            tenant_id=tenant_id or os.environ.get("AZURE_TENANT_ID"),
            client_id=client_id or os.environ.get("AZURE_CLIENT_ID"),
            token_file_path=federated_token_file or os.environ.get("AZURE_FEDERATED_TOKEN_FILE"),
            authority=authority,
        ), "workload identity"
    # auto: environment, workload identity, managed identity, Azure CLI (no interactive prompts).
    kwargs = dict(authority=authority, exclude_interactive_browser_credential=True)
    if client_id:
        kwargs["managed_identity_client_id"] = client_id
        kwargs["workload_identity_client_id"] = client_id
    if tenant_id:
        kwargs["workload_identity_tenant_id"] = tenant_id
    return identity.DefaultAzureCredential(**kwargs), "default chain (environment, workload identity, managed identity, Azure CLI)"


def token_claims(token):
    """Decodes a JWT's payload without verifying it (the token is ours, for reporting only)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload.encode()).decode())
    except (IndexError, ValueError):
        return {}

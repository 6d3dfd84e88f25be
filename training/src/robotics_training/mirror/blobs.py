"""Blob Storage clients for sources and targets, and translation of storage errors into mirror errors.

Auth, in order: a SAS on the URL; a connection string for the same account
(Azurite, or key-based accounts); otherwise ``DefaultAzureCredential`` without
interactive prompts (workload identity in pods, the Azure CLI locally).
azure-storage-blob is imported here only, when a blob location is used.
"""

from __future__ import annotations

from typing import Any

from robotics_training.mirror.errors import SourceError

# Large enough to keep a round trip's overhead small, small enough to keep memory flat.
BLOCK_SIZE = 8 * 1024 * 1024


def connection_string_account(connection_string: str | None) -> str | None:
    """AccountName of a connection string (None when absent)."""
    for part in (connection_string or "").split(";"):
        key, dummy, value = part.partition("=")
        if key.strip().lower() == "accountname":
            return value.strip()
    return None


def default_credential(credential: Any = None) -> Any:
    if credential is not None:
        return credential
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def container_client(account: str, account_url: str, container: str, *, sas: str | None = None,
                     connection_string: str | None = None, credential: Any = None) -> Any:
    """A ContainerClient for ``container`` in ``account``, authenticated as described in the module docstring."""
    from azure.storage.blob import BlobServiceClient, ContainerClient

    options = dict(max_block_size=BLOCK_SIZE, max_single_put_size=BLOCK_SIZE, max_chunk_get_size=BLOCK_SIZE,
                   max_single_get_size=BLOCK_SIZE)
    if sas:
        return ContainerClient(account_url, container, credential=sas, **options)
    if connection_string and connection_string_account(connection_string) == account:
        return BlobServiceClient.from_connection_string(connection_string, **options).get_container_client(container)
    return ContainerClient(account_url, container, credential=default_credential(credential), **options)


def describe_storage_error(exc: Exception, action: str, where: str) -> str:
    """One line naming what failed, where, the service's error code, and what to do."""
    code = getattr(exc, "error_code", None) or getattr(getattr(exc, "error", None), "code", None)
    status = getattr(exc, "status_code", None)
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "ResourceNotFoundError" in names or status == 404:
        hint = "check the account, container and prefix"
    elif "ClientAuthenticationError" in names or status in (401, 403):
        hint = ("the identity may not read it: grant 'Storage Blob Data Reader' (or Contributor for targets), "
                "or give a SAS URL or a connection string for the account")
    elif "CredentialUnavailableError" in names:
        hint = "no Azure credential is available: sign in with 'az login', use workload identity, or give a connection string"
    elif "ServiceRequestError" in names or "ServiceResponseError" in names:
        hint = "the storage endpoint is unreachable; check the URL and the network"
    else:
        hint = "see the error for details"
    detail = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
    label = f" ({code})" if code else (f" (HTTP {status})" if status else "")
    return f"cannot {action} {where}{label}: {detail}; {hint}"


def storage_errors() -> tuple[type[BaseException], ...]:
    """Exception classes that mean 'storage said no or was unreachable'."""
    from azure.core.exceptions import AzureError

    errors: list[type[BaseException]] = [AzureError]
    try:
        from azure.identity import CredentialUnavailableError

        errors.append(CredentialUnavailableError)
    except ImportError:  # pragma: no cover - azure-identity is a dependency
        pass
    return tuple(errors)


def source_error(exc: Exception, action: str, where: str) -> SourceError:
    return SourceError(describe_storage_error(exc, action, where))

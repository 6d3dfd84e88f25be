"""Parsing of checkpoint locations (pure; no network).

Accepted forms:

* ``runs:/<run_id>/<artifact path>`` and ``models:/<name>/<version|alias>`` (MLflow);
* ``azure://<account>/<container>/<path>`` (Azure Blob Storage, the form the OSMO tooling uses);
* ``https://<account>.blob.core.windows.net/<container>/<path>`` (any ``*.blob.<suffix>`` host), and
  path-style blob URLs such as Azurite's ``http://127.0.0.1:10000/<account>/<container>/<path>``;
* a local path, or ``file://<path>``.

A blob path may name one blob or a prefix (a "folder"); a local path a file or a directory.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse

KINDS = ("mlflow", "blob", "local")
_BLOB_HOST = re.compile(r"^(?P<account>[a-z0-9]{3,24})\.blob\.(?P<suffix>.+)$")
_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_CONTAINER = re.compile(r"^(\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$")


class CheckpointUriError(ValueError):
    """The checkpoint location cannot be understood; the message says which part and why."""


@dataclasses.dataclass(frozen=True)
class CheckpointSource:
    kind: str
    uri: str
    # blob
    account: str | None = None
    container: str | None = None
    blob_path: str = ""
    endpoint: str | None = None  # https://<account>.blob.<suffix> or http://host:port/<account>
    # local
    path: str | None = None

    @property
    def display(self) -> str:
        """The URI without query string (a SAS token must never reach a log)."""
        return strip_query(self.uri)


def strip_query(uri: str) -> str:
    parts = urllib.parse.urlsplit(uri)
    if parts.query and parts.scheme in ("http", "https"):
        return urllib.parse.urlunsplit(parts._replace(query="<redacted>"))
    return uri


def parse_checkpoint_uri(uri: str) -> CheckpointSource:
    """Classifies ``uri`` and splits it into the parts a downloader needs."""
    if not isinstance(uri, str) or not uri.strip():
        raise CheckpointUriError("checkpoint URI is empty")
    uri = uri.strip()
    if uri.startswith(("runs:/", "models:/")):
        return _parse_mlflow(uri)
    if uri.startswith("mlflow-artifacts:/"):
        return CheckpointSource(kind="mlflow", uri=uri)
    if uri.startswith("azure://"):
        return _parse_azure(uri)
    if uri.startswith(("https://", "http://")):
        return _parse_blob_url(uri)
    if uri.startswith("file://"):
        path = urllib.parse.unquote(urllib.parse.urlsplit(uri).path)
        if not path:
            raise CheckpointUriError(f"checkpoint URI {uri!r}: file:// URI without a path")
        return CheckpointSource(kind="local", uri=uri, path=path)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", uri):
        scheme = uri.split("://", 1)[0]
        raise CheckpointUriError(
            f"checkpoint URI {strip_query(uri)!r}: unsupported scheme '{scheme}'; use runs:/, models:/, "
            "azure://, an https blob URL or a local path"
        )
    return CheckpointSource(kind="local", uri=uri, path=uri)


def _parse_mlflow(uri: str) -> CheckpointSource:
    scheme, rest = uri.split(":/", 1)
    parts = [p for p in rest.split("/") if p]
    if scheme == "runs" and len(parts) < 1:
        raise CheckpointUriError(f"checkpoint URI {uri!r}: expected runs:/<run_id>/<artifact path>")
    if scheme == "runs" and not re.fullmatch(r"[0-9a-zA-Z_-]+", parts[0]):
        raise CheckpointUriError(f"checkpoint URI {uri!r}: '{parts[0]}' is not an MLflow run id")
    if scheme == "models" and not (len(parts) >= 2 or (len(parts) == 1 and "@" in parts[0])):
        raise CheckpointUriError(
            f"checkpoint URI {uri!r}: expected models:/<name>/<version>, models:/<name>/latest or models:/<name>@<alias>"
        )
    return CheckpointSource(kind="mlflow", uri=uri)


def _parse_azure(uri: str) -> CheckpointSource:
    rest = uri[len("azure://"):]
    if "?" in rest:
        raise CheckpointUriError(
            "checkpoint URI azure://...: a query string is not accepted here; use DefaultAzureCredential "
            "or a connection string"
        )
    parts = rest.split("/", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise CheckpointUriError(f"checkpoint URI {uri!r}: expected azure://<account>/<container>/<path>")
    account, container = parts[0], parts[1]
    _check_account(uri, account)
    _check_container(uri, container)
    return CheckpointSource(
        kind="blob", uri=uri, account=account, container=container, blob_path=(parts[2] if len(parts) > 2 else "").strip("/"),
        endpoint=None,
    )


def _parse_blob_url(uri: str) -> CheckpointSource:
    parts = urllib.parse.urlsplit(uri)
    host = parts.hostname or ""
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
    match = _BLOB_HOST.match(host)
    if match:
        account = match["account"]
        endpoint = f"{parts.scheme}://{parts.netloc}"
    else:
        # Path-style (Azurite, private endpoints): /<account>/<container>/<path>
        if not segments:
            raise CheckpointUriError(
                f"checkpoint URI {strip_query(uri)!r}: not a blob URL; expected https://<account>.blob.<suffix>/"
                "<container>/<path> or a path-style URL http://host:port/<account>/<container>/<path>"
            )
        account = segments.pop(0)
        endpoint = f"{parts.scheme}://{parts.netloc}/{account}"
    if not segments:
        raise CheckpointUriError(f"checkpoint URI {strip_query(uri)!r}: the URL names no container")
    _check_account(strip_query(uri), account)
    container = segments.pop(0)
    _check_container(strip_query(uri), container)
    return CheckpointSource(
        kind="blob", uri=uri, account=account, container=container, blob_path="/".join(segments), endpoint=endpoint,
    )


def _check_account(uri: str, account: str) -> None:
    if not _ACCOUNT.match(account):
        raise CheckpointUriError(
            f"checkpoint URI {uri!r}: '{account}' is not a storage account name (3-24 lower-case letters and digits)"
        )


def _check_container(uri: str, container: str) -> None:
    if not _CONTAINER.match(container):
        raise CheckpointUriError(
            f"checkpoint URI {uri!r}: '{container}' is not a blob container name (3-63 lower-case letters, digits "
            "and single hyphens)"
        )

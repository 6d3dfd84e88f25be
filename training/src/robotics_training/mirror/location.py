"""Where a training run's output lives: a local path, ``azure://account/container/prefix`` or a blob URL.

Parsing is pure; readers (``readers.py``) turn a location into files. A SAS
query string on a blob URL is kept out of everything that is printed or
tagged (``display``).
"""

from __future__ import annotations

import dataclasses
import os
import urllib.parse

from robotics_training.mirror.errors import SourceError

DEFAULT_BLOB_SUFFIX = "blob.core.windows.net"


@dataclasses.dataclass(frozen=True)
class Location:
    kind: str  # "local" or "blob"
    display: str  # safe to print and to store as a tag (no SAS)
    path: str | None = None  # local: absolute path
    account: str | None = None  # blob: storage account name
    container: str | None = None
    prefix: str = ""  # blob: "dir/sub" without leading or trailing slash
    account_url: str | None = None  # blob: endpoint of the account, e.g. https://acct.blob.core.windows.net
    sas: str | None = dataclasses.field(default=None, repr=False)  # blob: SAS token from the URL, a secret

    @property
    def name(self) -> str:
        """The last path component: the default source run id."""
        tail = (self.path or "").rstrip(os.sep) if self.kind == "local" else self.prefix or self.container or ""
        return tail.rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]


def parse_location(text: str, blob_suffix: str = DEFAULT_BLOB_SUFFIX) -> Location:
    """Parses a source location; raises SourceError naming the accepted forms."""
    if not text or not text.strip():
        raise SourceError("the source location is empty: give a directory, azure://<account>/<container>/<prefix> "
                          "or https://<account>.blob.core.windows.net/<container>/<prefix>")
    text = text.strip()
    parsed = urllib.parse.urlsplit(text)
    scheme = parsed.scheme.lower()
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        path = parsed.path if scheme == "file" else text
        path = os.path.abspath(os.path.expanduser(path))
        return Location(kind="local", display=path, path=path)
    if scheme == "azure":
        account = parsed.netloc
        parts = [p for p in parsed.path.split("/") if p]
        if not account or not parts:
            raise SourceError(f"source {text!r}: an azure:// location is azure://<account>/<container>[/<prefix>]")
        container, prefix = parts[0], "/".join(parts[1:])
        return Location(kind="blob", display=_join("azure://" + account, container, prefix), account=account,
                        container=container, prefix=prefix, account_url=f"https://{account}.{blob_suffix}")
    if scheme in ("https", "http"):
        host = parsed.netloc
        parts = [urllib.parse.unquote(p) for p in parsed.path.split("/") if p]
        label = host.split(":")[0].split(".")[0]
        if ".blob." in host:  # https://<account>.blob.<suffix>/<container>/<prefix>
            account, base = label, f"{scheme}://{host}"
        else:  # path style, as Azurite and IP endpoints serve: http://host:port/<account>/<container>/<prefix>
            if not parts:
                raise SourceError(f"source {_strip_query(text)!r}: the URL names no storage account")
            account, parts = parts[0], parts[1:]
            base = f"{scheme}://{host}/{account}"
        if not parts:
            raise SourceError(f"source {_strip_query(text)!r}: the URL names no container")
        container, prefix = parts[0], "/".join(parts[1:])
        return Location(kind="blob", display=_join(base, container, prefix), account=account, container=container,
                        prefix=prefix, account_url=base, sas=parsed.query or None)
    raise SourceError(f"source {_strip_query(text)!r}: scheme {scheme}:// is not supported; give a directory, "
                      "azure://<account>/<container>/<prefix> or a blob https:// URL")


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p)


def _strip_query(text: str) -> str:
    return text.split("?", 1)[0]

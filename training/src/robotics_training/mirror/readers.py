"""One reader interface over a run's output, wherever it lives: ``list_files``, ``open``, ``download_to``."""

from __future__ import annotations

import dataclasses
import os
import shutil
from typing import Any, BinaryIO, Protocol

from robotics_training.mirror import blobs
from robotics_training.mirror.errors import SourceError
from robotics_training.mirror.location import Location


@dataclasses.dataclass(frozen=True)
class SourceFile:
    relpath: str  # "/"-separated, relative to the location
    size: int
    version: str  # changes whenever the content may have changed: mtime for files, ETag for blobs
    md5: bytes | None = None  # Content-MD5 published by the store, checked against the bytes read


class SourceReader(Protocol):
    location: Location

    def list_files(self) -> list[SourceFile]: ...

    def open(self, item: SourceFile) -> BinaryIO: ...

    def local_path(self, item: SourceFile) -> str | None: ...

    def download_to(self, item: SourceFile, path: str) -> None: ...


class LocalReader:
    def __init__(self, location: Location) -> None:
        self.location = location
        self.root = location.path or ""

    def list_files(self) -> list[SourceFile]:
        if not os.path.exists(self.root):
            raise SourceError(f"source {self.root} does not exist; give the output directory of a training run")
        if not os.path.isdir(self.root):
            raise SourceError(f"source {self.root} is not a directory; give the output directory of a training run")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise SourceError(f"source {self.root} is not readable by this user")
        found = []
        for directory, dirs, names in os.walk(self.root, onerror=self._walk_error):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(directory, name)
                try:
                    st = os.stat(path)
                except OSError as exc:
                    raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
                if not os.path.isfile(path):
                    continue
                rel = os.path.relpath(path, self.root).replace(os.sep, "/")
                found.append(SourceFile(rel, st.st_size, f"{st.st_size}:{st.st_mtime_ns}"))
        return found

    @staticmethod
    def _walk_error(exc: OSError) -> None:
        raise SourceError(f"cannot read {exc.filename}: {exc.strerror}")

    def local_path(self, item: SourceFile) -> str:
        return os.path.join(self.root, *item.relpath.split("/"))

    def open(self, item: SourceFile) -> BinaryIO:
        try:
            return open(self.local_path(item), "rb")
        except OSError as exc:
            raise SourceError(f"cannot read {self.local_path(item)}: {exc.strerror}") from exc

    def download_to(self, item: SourceFile, path: str) -> None:
        shutil.copyfile(self.local_path(item), path)


class _BlobStream:
    """``read(n)`` over a StorageStreamDownloader, translating storage errors."""

    def __init__(self, downloader: Any, where: str) -> None:
        self._downloader = downloader
        self._where = where

    def read(self, size: int = -1) -> bytes:
        try:
            return self._downloader.read(size)
        except blobs.storage_errors() as exc:
            raise blobs.source_error(exc, "read", self._where) from exc

    def close(self) -> None:
        return None


class BlobReader:
    def __init__(self, location: Location, connection_string: str | None = None, credential: Any = None,
                 max_concurrency: int = 4) -> None:
        self.location = location
        self.max_concurrency = max_concurrency
        self._container = blobs.container_client(
            location.account or "", location.account_url or "", location.container or "", sas=location.sas,
            connection_string=connection_string, credential=credential)
        self._prefix = f"{location.prefix}/" if location.prefix else ""

    def _where(self, item: SourceFile | None = None) -> str:
        return f"{self.location.display}/{item.relpath}" if item else self.location.display

    def list_files(self) -> list[SourceFile]:
        found = []
        try:
            for blob in self._container.list_blobs(name_starts_with=self._prefix or None, include=["metadata"]):
                if (blob.metadata or {}).get("hdi_isfolder") == "true":  # directory markers of HNS accounts
                    continue
                rel = blob.name[len(self._prefix):]
                if not rel or rel.endswith("/"):
                    continue
                md5 = blob.content_settings.content_md5 if blob.content_settings else None
                found.append(SourceFile(rel, int(blob.size or 0), str(blob.etag), bytes(md5) if md5 else None))
        except blobs.storage_errors() as exc:
            raise blobs.source_error(exc, "list", self._where()) from exc
        return sorted(found, key=lambda f: f.relpath)

    def local_path(self, item: SourceFile) -> None:
        return None

    def _downloader(self, item: SourceFile, max_concurrency: int) -> Any:
        from azure.core import MatchConditions

        client = self._container.get_blob_client(self._prefix + item.relpath)
        try:
            # The ETag from the listing: a blob rewritten since then fails instead of mixing versions.
            return client.download_blob(max_concurrency=max_concurrency, etag=item.version,
                                        match_condition=MatchConditions.IfNotModified)
        except blobs.storage_errors() as exc:
            raise blobs.source_error(exc, "read", self._where(item)) from exc

    def open(self, item: SourceFile) -> BinaryIO:
        return _BlobStream(self._downloader(item, 1), self._where(item))  # type: ignore[return-value]

    def download_to(self, item: SourceFile, path: str) -> None:
        downloader = self._downloader(item, self.max_concurrency)
        try:
            with open(path, "wb") as handle:
                downloader.readinto(handle)
        except blobs.storage_errors() as exc:
            raise blobs.source_error(exc, "read", self._where(item)) from exc


def open_reader(location: Location, connection_string: str | None = None, credential: Any = None,
                max_concurrency: int = 4) -> SourceReader:
    if location.kind == "local":
        return LocalReader(location)
    return BlobReader(location, connection_string=connection_string, credential=credential,
                      max_concurrency=max_concurrency)

"""Checksums: per-file digests computed while bytes stream through, and the run-level hashes built from them.

* ``sha256`` identifies a file's content; ``md5`` is what Azure Blob Storage
  stores and checks (Content-MD5), so both are computed in one pass.
* ``content_hash`` identifies a model: the sha256 of the sorted
  ``(path, sha256, size)`` of its files. Two mirrors of the same checkpoint
  give the same hash wherever the bytes came from.
* ``fingerprint`` identifies what a listing *says* (path, size, mtime or
  ETag) without reading a byte, so a no-op re-mirror costs one listing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import BinaryIO, Iterable

from robotics_training.mirror.errors import ChecksumError

CHUNK = 8 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Digest:
    sha256: str
    md5: bytes
    size: int


class HashingReader:
    """A read-only, forward-only stream that digests what passes through it.

    Not seekable on purpose: uploaders then read it once, in order, so the
    digest is of exactly the bytes that were sent.
    """

    def __init__(self, raw: BinaryIO, expected_size: int | None = None, name: str = "") -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._size = 0
        self.expected_size = expected_size
        self.name = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._raw.read()
        else:
            # Fill the request: a network stream may return short reads before the end.
            parts, wanted = [], size
            while wanted > 0:
                part = self._raw.read(wanted)
                if not part:
                    break
                parts.append(part)
                wanted -= len(part)
            data = b"".join(parts)
        self._sha.update(data)
        self._md5.update(data)
        self._size += len(data)
        return data

    def digest(self) -> Digest:
        """The digest of everything read; raises ChecksumError when fewer or more bytes came than expected."""
        if self.expected_size is not None and self._size != self.expected_size:
            raise ChecksumError(f"{self.name or 'stream'}: read {self._size} bytes, the source listed "
                                f"{self.expected_size}; the file changed or the read was cut short, rerun the mirror")
        return Digest(self._sha.hexdigest(), self._md5.digest(), self._size)


def drain(stream: HashingReader) -> Digest:
    while stream.read(CHUNK):
        pass
    return stream.digest()


def hash_file(path: str, expected_size: int | None = None) -> Digest:
    with open(path, "rb") as handle:
        return drain(HashingReader(handle, expected_size, name=path))


def content_hash(entries: Iterable[tuple[str, str, int]]) -> str:
    """sha256 over the sorted ``(path, sha256, size)`` of a model's files, as ``sha256:<hex>``."""
    canonical = json.dumps(sorted([p, h, int(s)] for p, h, s in entries), separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint(entries: Iterable[tuple[str, int, str]], *extra: str) -> str:
    """sha256 over the sorted ``(path, size, version)`` of a listing plus ``extra`` words (layout, step)."""
    canonical = json.dumps([list(extra), sorted([p, int(s), str(v)] for p, s, v in entries)], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]

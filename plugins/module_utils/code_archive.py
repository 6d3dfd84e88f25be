# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic, content-addressed archives of a source directory (code delivery for every backend).

The same files always give the same name and the same bytes: entries sorted,
fixed mtimes, owners and modes normalised, gzip without a timestamp. The name
is the SHA-256 of a manifest of the contents (paths, kinds, modes and file
hashes), so it depends on what is packaged, not on how a given zlib compresses
it; an upload can be skipped whenever that name already exists remotely.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import gzip
import hashlib
import io
import os
import stat
import tarfile
import tempfile

# Never part of a code archive: VCS data, caches, virtual environments, build outputs of Python tooling.
DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", "__pycache__", "*.pyc", "*.pyo", ".venv", "venv", ".tox", ".nox", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", "*.egg-info", ".ipynb_checkpoints", ".DS_Store", "node_modules",
)
# 1980-01-01T00:00:00Z, the earliest time every archive format (and zip) can represent.
FIXED_MTIME = 315532800
CHUNK = 1024 * 1024


class ArchiveError(ValueError):
    pass


class CodeArchive(object):
    """What was (or would be) packaged."""

    def __init__(self, digest, entries, path=None, size=None, archive_sha256=None):
        self.digest = digest
        self.entries = entries
        self.path = path
        self.size = size
        self.archive_sha256 = archive_sha256

    @property
    def name(self):
        return "%s.tar.gz" % self.digest

    @property
    def file_count(self):
        return sum(1 for e in self.entries if e[1] == "file")

    def as_dict(self):
        return dict(sha256=self.digest, name=self.name, path=self.path, size=self.size, files=self.file_count,
                    archive_sha256=self.archive_sha256)


def _relative_pattern(pattern):
    """A pattern with ``/`` is a path relative to the code directory: ``./x``, ``/x`` and ``x/`` all mean ``x``."""
    while pattern.startswith("./") or pattern.startswith("/"):
        pattern = pattern[2:] if pattern.startswith("./") else pattern[1:]
    return pattern.rstrip("/")


def _excluded(relpath, name, patterns):
    for pattern in patterns:
        if "/" in pattern:
            path = _relative_pattern(pattern)
            if path and (fnmatch.fnmatchcase(relpath, path) or relpath.startswith(path + "/")):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scan(src, excludes=DEFAULT_EXCLUDES):
    """Sorted entries ``(relpath, kind, mode, size, sha256 or link target)`` of ``src``; kind is dir|file|symlink.

    Symlinks are kept as links (never followed); other special files are refused.
    """
    if not os.path.isdir(src):
        raise ArchiveError("code directory %s does not exist or is not a directory" % src)
    src = os.path.abspath(src)
    entries = []
    for root, dirs, files in os.walk(src, followlinks=False):
        rel_root = os.path.relpath(root, src)
        rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/")
        kept = []
        for name in sorted(dirs):
            rel = (rel_root + "/" + name) if rel_root else name
            if _excluded(rel, name, excludes):
                continue
            full = os.path.join(root, name)
            if os.path.islink(full):
                entries.append((rel, "symlink", 0o777, 0, os.readlink(full)))
                continue
            kept.append(name)
            entries.append((rel, "dir", 0o755, 0, ""))
        dirs[:] = kept
        for name in sorted(files):
            rel = (rel_root + "/" + name) if rel_root else name
            if _excluded(rel, name, excludes):
                continue
            full = os.path.join(root, name)
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                entries.append((rel, "symlink", 0o777, 0, os.readlink(full)))
            elif stat.S_ISREG(info.st_mode):
                mode = 0o755 if info.st_mode & stat.S_IXUSR else 0o644
                entries.append((rel, "file", mode, info.st_size, _file_sha256(full)))
            else:
                raise ArchiveError("%s is neither a file, a directory nor a symlink; exclude it from the code archive"
                                   % full)
    entries.sort(key=lambda e: e[0])
    return entries


def manifest_digest(entries):
    digest = hashlib.sha256()
    for rel, kind, mode, size, extra in entries:
        digest.update(("%s\0%s\0%o\0%d\0%s\n" % (kind, rel, mode, size, extra)).encode("utf-8"))
    return digest.hexdigest()


def describe(src, excludes=DEFAULT_EXCLUDES):
    """The archive's identity without writing it (for check mode)."""
    entries = scan(src, excludes)
    if not any(e[1] == "file" for e in entries):
        raise ArchiveError("code directory %s contains no files (after excludes %s)" % (src, ", ".join(excludes)))
    return CodeArchive(manifest_digest(entries), entries)


def _tarinfo(rel, kind, mode, size, extra):
    info = tarfile.TarInfo(rel)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = mode
    if kind == "dir":
        info.type = tarfile.DIRTYPE
    elif kind == "symlink":
        info.type = tarfile.SYMTYPE
        info.linkname = extra
    else:
        info.size = size
    return info


def build(src, dest_dir, excludes=DEFAULT_EXCLUDES):
    """Writes ``<dest_dir>/<digest>.tar.gz`` (kept when it already exists) and returns the CodeArchive."""
    archive = describe(src, excludes)
    if not os.path.isdir(dest_dir):
        os.makedirs(dest_dir)
    path = os.path.join(dest_dir, archive.name)
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(prefix=".code-", suffix=".tar.gz", dir=dest_dir)
        try:
            with os.fdopen(fd, "wb") as raw:
                # No file name and mtime 0 in the gzip header: the bytes depend on the contents only.
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                    with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
                        for rel, kind, mode, size, extra in archive.entries:
                            info = _tarinfo(rel, kind, mode, size, extra)
                            if kind == "file":
                                with open(os.path.join(src, rel), "rb") as handle:
                                    data = handle.read()
                                if hashlib.sha256(data).hexdigest() != extra:
                                    raise ArchiveError("%s changed while it was being packaged; retry"
                                                       % os.path.join(src, rel))
                                tar.addfile(info, io.BytesIO(data))
                            else:
                                tar.addfile(info)
            os.rename(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    archive.path = path
    archive.size = os.path.getsize(path)
    archive.archive_sha256 = _file_sha256(path)
    return archive

"""Uploads of run artifacts, with checksums verified, to where the target run keeps its artifacts.

* ``BlobSink``: the run's artifact URI is a blob location (``wasbs://``, as
  with an MLflow server whose artifact root is Blob Storage). Bytes stream
  from the source through a hashing reader into staged blocks, each block
  checked by the service against its MD5 (``validate_content``); the blob then
  carries the file's Content-MD5, read back and compared.
* ``MlflowSink``: any other artifact URI (the server's proxy, AzureML's
  ``azureml://``, a local path). MLflow's artifact repository takes a local
  file; blob sources are staged in a temporary directory first. Afterwards
  the target's listing must show the file with its size.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import posixpath
import re
import shutil
import tempfile
from typing import Any

from robotics_training.mirror import blobs
from robotics_training.mirror.errors import ChecksumError, TargetError
from robotics_training.mirror.hashing import Digest, HashingReader, hash_file
from robotics_training.mirror.readers import SourceFile, SourceReader

_WASBS = re.compile(r"^wasbs?://(?P<container>[^@/]+)@(?P<account>[^./]+)\.(?P<host>[^/]+)(?:/(?P<path>.*))?$")
# Small files are read whole and sent in one request with their MD5.
SMALL = blobs.BLOCK_SIZE


@dataclasses.dataclass(frozen=True)
class Uploaded:
    artifact: str
    digest: Digest


def check_source_md5(item: SourceFile, digest: Digest, where: str) -> None:
    if item.md5 and item.md5 != digest.md5:
        raise ChecksumError(f"{where}: the bytes read do not match the Content-MD5 the store publishes "
                            f"({base64.b64encode(item.md5).decode()} vs {base64.b64encode(digest.md5).decode()}); "
                            "rerun the mirror")


class BlobSink:
    kind = "blob"

    def __init__(self, artifact_uri: str, connection_string: str | None = None, credential: Any = None,
                 max_concurrency: int = 4) -> None:
        m = _WASBS.match(artifact_uri)
        if not m:
            raise ValueError(f"not a wasbs:// artifact URI: {artifact_uri}")
        self.artifact_uri = artifact_uri.rstrip("/")
        self.max_concurrency = max_concurrency
        self._base = (m["path"] or "").strip("/")
        self._container = blobs.container_client(
            m["account"], f"https://{m['account']}.{m['host']}", m["container"],
            connection_string=connection_string, credential=credential)

    @staticmethod
    def handles(artifact_uri: str) -> bool:
        return bool(_WASBS.match(artifact_uri or ""))

    def _name(self, artifact: str) -> str:
        return f"{self._base}/{artifact}" if self._base else artifact

    def _fail(self, exc: Exception, action: str, artifact: str) -> TargetError:
        return TargetError(blobs.describe_storage_error(exc, action, f"{self.artifact_uri}/{artifact}"))

    def listing(self) -> dict[str, tuple[int, bytes | None]]:
        """artifact path -> (size, Content-MD5) of what the target holds."""
        prefix = f"{self._base}/" if self._base else ""
        try:
            return {
                b.name[len(prefix):]: (int(b.size), bytes(b.content_settings.content_md5)
                                       if b.content_settings and b.content_settings.content_md5 else None)
                for b in self._container.list_blobs(name_starts_with=prefix or None)
            }
        except blobs.storage_errors() as exc:
            raise self._fail(exc, "list", "") from exc

    def upload(self, reader: SourceReader, item: SourceFile, artifact: str) -> Uploaded:
        from azure.storage.blob import ContentSettings

        where = f"{reader.location.display}/{item.relpath}"
        blob = self._container.get_blob_client(self._name(artifact))
        raw = reader.open(item)
        try:
            stream = HashingReader(raw, item.size, name=where)
            try:
                if item.size <= SMALL:
                    data = stream.read()
                    digest = stream.digest()
                    check_source_md5(item, digest, where)
                    blob.upload_blob(data, overwrite=True, validate_content=True,
                                     content_settings=ContentSettings(content_md5=bytearray(digest.md5)))
                else:
                    blob.upload_blob(stream, length=item.size, overwrite=True, validate_content=True,
                                     max_concurrency=self.max_concurrency)
                    digest = stream.digest()
                    check_source_md5(item, digest, where)
                    # The whole-file MD5 is known only now; readers of the blob can check it.
                    blob.set_http_headers(content_settings=ContentSettings(content_md5=bytearray(digest.md5)))
                props = blob.get_blob_properties()
            except blobs.storage_errors() as exc:
                raise self._fail(exc, "upload", artifact) from exc
        finally:
            raw.close()
        stored = props.content_settings.content_md5 if props.content_settings else None
        if int(props.size) != digest.size or not stored or bytes(stored) != digest.md5:
            raise ChecksumError(f"{self.artifact_uri}/{artifact}: the stored blob ({props.size} bytes) does not match "
                                f"what was sent ({digest.size} bytes); rerun the mirror")
        return Uploaded(artifact, digest)

    def verify(self, artifact: str, size: int, md5: bytes, listing: dict) -> bool:
        held = listing.get(artifact)
        return bool(held) and held[0] == size and held[1] == md5

    def close(self) -> None:
        return None


class MlflowSink:
    kind = "mlflow"

    def __init__(self, client: Any, run_id: str, artifact_uri: str, staging_dir: str | None = None) -> None:
        self.client = client
        self.run_id = run_id
        self.artifact_uri = artifact_uri
        self._staging = tempfile.mkdtemp(prefix="robotics-mirror-", dir=staging_dir)

    def _fail(self, exc: Exception, action: str, artifact: str) -> TargetError:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return TargetError(f"cannot {action} artifact {artifact or '.'} of run {self.run_id} "
                           f"({self.artifact_uri}): {text}")

    def listing(self) -> dict[str, tuple[int, None]]:
        found: dict[str, tuple[int, None]] = {}
        pending = [None]
        try:
            while pending:
                path = pending.pop()
                for info in self.client.list_artifacts(self.run_id, path):
                    if info.is_dir:
                        pending.append(info.path)
                    else:
                        found[info.path] = (int(info.file_size or 0), None)
        except Exception as exc:  # MLflow raises MlflowException and transport errors alike
            raise self._fail(exc, "list", "") from exc
        return found

    def upload(self, reader: SourceReader, item: SourceFile, artifact: str) -> Uploaded:
        where = f"{reader.location.display}/{item.relpath}"
        directory, name = posixpath.split(artifact)
        local = reader.local_path(item)
        scratch = None
        if local is None or os.path.basename(local) != name:
            # MLflow names the artifact after the file: stage under the artifact's name.
            scratch = tempfile.mkdtemp(dir=self._staging)
            target = os.path.join(scratch, name)
            if local is not None:
                shutil.copyfile(local, target)
            else:
                reader.download_to(item, target)
            local = target
        try:
            digest = hash_file(local, item.size)
            check_source_md5(item, digest, where)
            try:
                self.client.log_artifact(self.run_id, local, directory or None)
                held = {p: s for p, (s, dummy) in self._list_dir(directory).items()}
            except Exception as exc:
                raise self._fail(exc, "upload", artifact) from exc
        finally:
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
        if held.get(artifact) != digest.size:
            raise ChecksumError(f"artifact {artifact} of run {self.run_id}: the target holds "
                                f"{held.get(artifact)} bytes, {digest.size} were sent; rerun the mirror")
        return Uploaded(artifact, digest)

    def _list_dir(self, directory: str) -> dict[str, tuple[int, None]]:
        return {i.path: (int(i.file_size or 0), None) for i in self.client.list_artifacts(self.run_id, directory or None)
                if not i.is_dir}

    def verify(self, artifact: str, size: int, md5: bytes, listing: dict) -> bool:
        held = listing.get(artifact)
        return bool(held) and held[0] == size

    def close(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)


def make_sink(client: Any, run_id: str, artifact_uri: str, connection_string: str | None = None,
              credential: Any = None, max_concurrency: int = 4, staging_dir: str | None = None):
    if BlobSink.handles(artifact_uri):
        return BlobSink(artifact_uri, connection_string=connection_string, credential=credential,
                        max_concurrency=max_concurrency)
    return MlflowSink(client, run_id, artifact_uri, staging_dir=staging_dir)

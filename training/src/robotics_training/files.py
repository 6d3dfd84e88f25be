"""Small file helpers shared by the commands."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import tempfile


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_json_if_changed(path: str | os.PathLike, data: dict, ignore: tuple[str, ...] = ()) -> bool:
    """Writes ``data`` unless the file already holds the same content (``ignore`` keys aside); True if written."""
    path = pathlib.Path(path)
    if path.is_file():
        try:
            current = json.loads(path.read_text())
        except (OSError, ValueError):
            current = None
        if isinstance(current, dict):
            if _without(current, ignore) == _without(data, ignore):
                return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
    os.replace(handle.name, path)
    return True


def _without(data: dict, keys: tuple[str, ...]) -> dict:
    return {k: v for k, v in data.items() if k not in keys}

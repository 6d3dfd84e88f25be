"""The resume manifest: which files of a target run are already uploaded and verified, with their hashes.

An append-only JSON-lines file per target run, one line per verified upload,
flushed and fsynced before the next file starts, so a process killed at any
point leaves a valid prefix (a torn last line is ignored). A file is skipped on
resume only when the journal, the source listing and the target's own listing
all agree; anything else is uploaded again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading


@dataclasses.dataclass(frozen=True)
class Entry:
    artifact: str
    sha256: str
    md5: str  # hex
    size: int
    source_version: str


def default_state_dir() -> str:
    explicit = os.environ.get("ROBOTICS_MIRROR_STATE_DIR")
    if explicit:
        return explicit
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "robotics-training", "mirror")


class Journal:
    def __init__(self, state_dir: str, tracking_uri: str, run_id: str) -> None:
        target = hashlib.sha256(tracking_uri.encode()).hexdigest()[:12]
        self.path = os.path.join(state_dir, f"{target}-{run_id}.jsonl")
        self._lock = threading.Lock()
        self.entries: dict[str, Entry] = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        entry = Entry(**json.loads(line))
                    except (ValueError, TypeError):
                        continue  # a line torn by a kill
                    self.entries[entry.artifact] = entry

    def get(self, artifact: str) -> Entry | None:
        return self.entries.get(artifact)

    def record(self, entry: Entry) -> None:
        with self._lock:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(dataclasses.asdict(entry), sort_keys=True) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            self.entries[entry.artifact] = entry

    def remove(self) -> None:
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass

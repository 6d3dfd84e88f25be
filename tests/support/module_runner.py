"""Runs one of the collection's modules the way Ansible does: a separate Python process, arguments as JSON."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile

from support.paths import PROJECT_ROOT


@dataclasses.dataclass
class ModuleRun:
    rc: int
    result: dict
    stdout: str
    stderr: str
    seconds: float

    @property
    def failed(self) -> bool:
        return bool(self.result.get("failed")) or self.rc != 0

    def __str__(self) -> str:  # shown by pytest on assertion failures
        return "rc=%s\n--- result\n%s\n--- stderr\n%s" % (self.rc, json.dumps(self.result, indent=1)[-6000:],
                                                          self.stderr[-3000:])


def run_module(name: str, args: dict, check: bool = False, diff: bool = False, env: dict | None = None,
               timeout: int = 600) -> ModuleRun:
    """Executes ``plugins/modules/<name>.py`` with ``args`` (plus check/diff flags) and parses its JSON result."""
    import time

    payload = {"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=diff)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload, handle)
        path = handle.name
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT / ".collections"),
                                                 environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    environment.update(env or {})
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "plugins" / "modules" / ("%s.py" % name)), path],
                              capture_output=True, text=True, env=environment, timeout=timeout, check=False)
    finally:
        os.unlink(path)
    seconds = time.monotonic() - start
    result = {}
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                result = json.loads(line)
                break
            except ValueError:
                continue
    return ModuleRun(proc.returncode, result, proc.stdout, proc.stderr, seconds)

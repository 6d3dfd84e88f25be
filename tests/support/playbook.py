"""Runs ansible-playbook the way a user does and reads the outcome."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import tempfile

from support.paths import PROJECT_ROOT, tool

RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)
TASK = re.compile(r"^TASK \[(?P<name>[^\]]+)\] \*+$")
STATUS = re.compile(r"^(?P<status>ok|changed|skipping|failed|fatal): \[")


def task_statuses(stdout: str) -> list[tuple[str, str]]:
    """(task name, status) of every task result in the default callback's output, loop items included."""
    found, task = [], None
    for line in stdout.splitlines():
        if match := TASK.match(line):
            task = match["name"]
        elif task and (match := STATUS.match(line)):
            found.append((task, match["status"]))
    return found


@dataclasses.dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    recap: dict

    def stats(self, host: str = "localhost") -> dict:
        return self.recap.get(host, {})

    @property
    def changed(self) -> int:
        return sum(h["changed"] for h in self.recap.values())

    @property
    def failed(self) -> int:
        return sum(h["failed"] + h["unreachable"] for h in self.recap.values())

    def __str__(self) -> str:  # shown by pytest on assertion failures
        return f"rc={self.rc}\n--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-3000:]}"


def ansible_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(PROJECT_ROOT / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCAL_TEMP=os.path.join(tempfile.gettempdir(), "ansible-local"),
        PYTHONWARNINGS="ignore",
    )
    env.update(extra or {})
    return env


def run_playbook(playbook: str, *args: str, extra_vars: dict | None = None, inventory: str | None = None,
                 env: dict | None = None, check: bool = False, diff: bool = False, timeout: int = 900,
                 cwd: str | os.PathLike | None = None) -> PlaybookRun:
    cmd = [tool("ansible-playbook"), playbook]
    if inventory:
        cmd += ["-i", inventory]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    cmd += list(args)
    proc = subprocess.run(cmd, cwd=cwd or PROJECT_ROOT, env=ansible_env(env), capture_output=True, text=True, check=False,
                          timeout=timeout)
    recap = {
        m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"}
        for m in RECAP.finditer(proc.stdout)
    }
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, recap)

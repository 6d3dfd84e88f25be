"""Pytest fixtures for the AWX emulator (registered in tests/conftest.py ``pytest_plugins``).

- ``awx_emulator``: an HTTPS emulator (certificate from the test CA) whose project updates check out this
  repository; stopped after the test.
- ``awx_emulator_process``: ``python -m emulators.awx`` as a separate process on a free port (HTTPS), stopped
  after the test; yields ``{"url", "port", "ca_bundle"}``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support.paths import PROJECT_ROOT
from support.ports import free_port

from .server import AwxEmulator

TOKEN = "awx-emulator-token"


@pytest.fixture
def awx_emulator():
    from support import tls

    emulator = AwxEmulator(tokens=[TOKEN], project_dir=PROJECT_ROOT, ssl_context=tls.server_context(),
                           update_seconds=0.2).start()
    emulator.ca_bundle = tls.ca_bundle_path()
    emulator.token = TOKEN
    yield emulator
    emulator.stop()


@pytest.fixture
def awx_emulator_process(tmp_path):
    from support import tls

    cert, key = tls.write_server_files(tmp_path / "tls")
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators.awx", "--port", str(free_port()), "--token", TOKEN,
         "--project-dir", str(PROJECT_ROOT), "--cert", cert, "--key", key, "--update-seconds", "0.2"],
        cwd=PROJECT_ROOT / "tests", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        info = json.loads(proc.stdout.readline())
        info["ca_bundle"] = tls.ca_bundle_path()
        info["token"] = TOKEN
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

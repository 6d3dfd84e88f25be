"""Pytest fixtures for the AWX emulator (registered in tests/conftest.py ``pytest_plugins``).

- ``awx_emulator``: an HTTPS emulator (certificate from the test CA) whose project updates check out this
  repository; stopped after the test.
"""

from __future__ import annotations

import pytest

from support.paths import PROJECT_ROOT

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

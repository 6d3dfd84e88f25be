"""Pytest fixtures: the OSMO emulator (in-process and as a process), the real OSMO target, and Azurite.

``osmo_target`` is parametrised: the emulator always, a real OSMO when OSMO_URL and OSMO_TOKEN are set
(marker ``cloud``; OSMO_POOL picks the pool, default ``default``, OSMO_CA_BUNDLE a private CA).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from support.paths import PROJECT_ROOT
from support.local_servers import start_azurite
from support.ports import free_port

from .server import OsmoEmulator
from .state import Timing

TOKEN = "emulator-token"
ACCESS_TOKEN = "osmo_emulated_access_token"


@dataclasses.dataclass
class OsmoTarget:
    """Where the tests send OSMO requests."""

    kind: str  # emulator | cloud
    url: str
    token: str
    pool: str
    ca_bundle: str | None
    emulator: OsmoEmulator | None = None

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    def env(self) -> dict:
        """Environment for ansible-playbook runs: the modules read these as option fallbacks."""
        env = {"OSMO_URL": self.url, "OSMO_TOKEN": self.token, "OSMO_POOL": self.pool}
        if self.ca_bundle:
            env["OSMO_CA_BUNDLE"] = self.ca_bundle
        return env

    def module_args(self) -> dict:
        args = {"url": self.url, "token": self.token, "pool": self.pool}
        if self.ca_bundle:
            args["ca_bundle"] = self.ca_bundle
        return args


def start_emulator(**kwargs) -> OsmoEmulator:
    from support import tls

    kwargs.setdefault("timing", Timing(queue_seconds=0.2, run_seconds=0.5, sleep_scale=0.05))
    kwargs.setdefault("tokens", {TOKEN: "ansible"})
    kwargs.setdefault("access_tokens", {ACCESS_TOKEN: "ansible"})
    return OsmoEmulator(ssl_context=tls.server_context(), **kwargs).start()


@pytest.fixture(scope="module")
def osmo_emulator():
    """An HTTPS emulator (certificate from the test CA) for the whole test module; the request log is per test."""
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def osmo_api(osmo_emulator):
    osmo_emulator.clear_requests()
    osmo_emulator.store.failure_rules.clear()
    return osmo_emulator


def _cloud_target() -> OsmoTarget | None:
    url, token = os.environ.get("OSMO_URL"), os.environ.get("OSMO_TOKEN")
    if not (url and token):
        return None
    return OsmoTarget("cloud", url.rstrip("/"), token, os.environ.get("OSMO_POOL", "default"),
                      os.environ.get("OSMO_CA_BUNDLE"))


@pytest.fixture(params=["emulator", pytest.param("cloud", marks=pytest.mark.cloud)])
def osmo_target(request):
    """The same test against the emulator and, when OSMO_URL/OSMO_TOKEN are set, a real OSMO."""
    if request.param == "cloud":
        target = _cloud_target()
        if target is None:
            pytest.skip("set OSMO_URL and OSMO_TOKEN (and OSMO_POOL) to run against a real OSMO")
        return target
    from support import tls

    emulator = request.getfixturevalue("osmo_api")
    return OsmoTarget("emulator", emulator.url, TOKEN, "default", tls.ca_bundle_path(), emulator)


@pytest.fixture
def osmo_emulator_target(osmo_api):
    """The emulator only, for tests that need its request log or local stand-ins (Azurite) a real OSMO cannot reach."""
    from support import tls

    return OsmoTarget("emulator", osmo_api.url, TOKEN, "default", tls.ca_bundle_path(), osmo_api)


@pytest.fixture
def osmo_emulator_process(tmp_path):
    """``python -m emulators.osmo`` as a separate process on a free port (HTTP), stopped after the test."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators.osmo", "--port", str(port), "--run-seconds", "0.3",
         "--queue-seconds", "0.1"],
        cwd=PROJECT_ROOT / "tests", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        info = json.loads(line)
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- Azurite ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    """A real Azurite blob service on a free port; yields its connection string."""
    from support import azurite as account

    server = start_azurite(tmp_path_factory.mktemp("azurite"))
    yield {"port": server.port, "connection_string": account.connection_string(server.port), "account": account.ACCOUNT}
    server.stop()

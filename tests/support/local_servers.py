"""A real MLflow tracking server and a real Azurite blob service on free loopback ports, for tests and benchmarks.

They are started the way the ``local_platform`` role starts them (same
command lines), but directly, without a playbook run, so a test pays only the
services' own start-up. Each is a process group started here and stopped here
by its id.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from support import azurite as azurite_account
from support.paths import PROJECT_ROOT
from support.ports import free_port

AZURITE_VERSION = "3.37.0"
NODE_DIR = PROJECT_ROOT / ".cache" / "test-node"


@dataclasses.dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    url: str
    log: pathlib.Path

    def stop(self) -> None:
        """SIGTERM to the whole process group (MLflow's server forks job runners), SIGKILL to what stays."""
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            self.process.poll()  # reap the leader so that only live members keep the group alive
            if not _group_alive(group):
                return
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=5)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _start(name: str, command: list[str], port: int, health_url: str, ok: tuple[int, ...], data_dir: pathlib.Path,
           url: str, timeout: float = 120) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / f"{name}.log"
    with open(log, "ab") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
                                   cwd=data_dir)
    server = Server(name, process, port, url, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: {log.read_text()[-2000:]}")
        if _status(health_url) in ok:
            return server
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} did not become healthy within {timeout} s: {log.read_text()[-2000:]}")


def azurite_binary() -> str:
    """The azurite-blob binary, installed from npm into the suite's node folder once (under a lock)."""
    binary = NODE_DIR / "node_modules" / ".bin" / "azurite-blob"
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    with open(NODE_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        package = NODE_DIR / "node_modules" / "azurite" / "package.json"
        if not binary.exists() or f'"version": "{AZURITE_VERSION}"' not in package.read_text():
            subprocess.run(["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--loglevel=error",
                            f"azurite@{AZURITE_VERSION}"], check=True, capture_output=True, timeout=600)
    return str(binary)


def role_node_dir() -> str:
    """``local_platform_node_dir`` for playbook runs: the suite's node folder with Azurite already installed, so
    that the role finds it and never runs npm into a folder another test process is installing into."""
    azurite_binary()
    return str(NODE_DIR)


def start_azurite(data_dir: pathlib.Path, port: int | None = None) -> Server:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/{azurite_account.ACCOUNT}"
    command = [azurite_binary(), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(data_dir),
               "--skipApiVersionCheck", "--disableTelemetry", "--silent"]
    return _start("azurite", command, port, f"{url}?comp=list", (200, 403), data_dir, url, timeout=60)


def start_mlflow(data_dir: pathlib.Path, port: int | None = None) -> Server:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
               "--backend-store-uri", f"sqlite:///{data_dir}/mlflow.db",
               "--artifacts-destination", str(data_dir / "artifacts")]
    return _start("mlflow", command, port, f"{url}/health", (200,), data_dir, url)


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory):
    server = start_azurite(tmp_path_factory.mktemp("azurite"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def azurite_connection_string(azurite_server):
    return azurite_account.connection_string(azurite_server.port)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    server = start_mlflow(tmp_path_factory.mktemp("mlflow"))
    yield server
    server.stop()

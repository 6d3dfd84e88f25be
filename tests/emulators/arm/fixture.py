"""pytest fixtures for the ARM emulator (registered in tests/conftest.py ``pytest_plugins``).

* ``arm_emulator_server`` (session): one in-process emulator over TLS with the test CA.
* ``arm_emulator`` (function): the same emulator, emptied, with instant latencies, for one test.
* ``arm_emulator_process`` (module): ``python -m emulators.arm`` as a process, driven through AdminClient.
* ``arm_target`` (function, parametrised): the emulator, or the real subscription when Azure credentials are in
  the environment (``cloud`` marker; skipped otherwise). Tests use ``arm_target.module_args`` for the common
  module options and ``arm_target.requests()`` for the request log (None against the cloud).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from support.paths import PROJECT_ROOT
from support.ports import free_port
from support.tls import ca_bundle_path, server_context, write_server_files

from .admin import AdminClient
from .server import ArmEmulator
from .specs import default_specs_root

CLOUD_LOCATION = os.environ.get("AZURE_ROBOTICS_TEST_LOCATION", "westeurope")


def fake_access_token(tenant_id: str, object_id: str = "11111111-2222-4333-8444-555555555555") -> str:
    """A JWT-shaped bearer token (unsigned) with the claims the collection reads."""
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    now = int(time.time())
    return ".".join([part({"alg": "none", "typ": "JWT"}),
                     part({"tid": tenant_id, "oid": object_id, "appid": "emulator", "iat": now, "exp": now + 86400}),
                     "c2lnbmF0dXJl"])


def emulator_module_args(url: str, subscription_id: str, tenant_id: str) -> dict:
    return {
        "cloud": url,
        "ca_bundle": ca_bundle_path(),
        "subscription_id": subscription_id,
        "auth_source": "access_token",
        "access_token": fake_access_token(tenant_id),
        "tenant_id": tenant_id,
    }


def cloud_credentials_present() -> bool:
    env = os.environ
    if not env.get("AZURE_SUBSCRIPTION_ID"):
        return False
    return bool(env.get("AZURE_ACCESS_TOKEN") or env.get("AZURE_AUTH_SOURCE")
                or (env.get("AZURE_CLIENT_ID") and env.get("AZURE_TENANT_ID")
                    and (env.get("AZURE_CLIENT_SECRET") or env.get("AZURE_FEDERATED_TOKEN_FILE")
                         or env.get("AZURE_CLIENT_CERTIFICATE_PATH"))))


@dataclasses.dataclass
class ArmTarget:
    """Where a test's Azure modules point: the emulator or a real subscription."""

    name: str
    module_args: dict
    location: str
    emulator: object = None
    prefix: str = ""

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    @property
    def subscription_id(self) -> str:
        return self.module_args["subscription_id"]

    def requests(self, method=None, path=None):
        return self.emulator.requests(method, path) if self.emulator is not None else None

    def clear_requests(self):
        if self.emulator is not None:
            self.emulator.clear_requests()

    def unique(self, stem: str) -> str:
        """A resource name unique to this run (cloud runs share a subscription)."""
        return "%s%s" % (stem, self.prefix)

    def env(self) -> dict:
        """The same settings as environment variables (for ansible-playbook runs)."""
        mapping = {"cloud": "AZURE_CLOUD", "ca_bundle": "AZURE_CA_BUNDLE", "subscription_id": "AZURE_SUBSCRIPTION_ID",
                   "auth_source": "AZURE_AUTH_SOURCE", "access_token": "AZURE_ACCESS_TOKEN", "tenant_id": "AZURE_TENANT_ID"}
        return {mapping[k]: str(v) for k, v in self.module_args.items() if k in mapping and v is not None}


@pytest.fixture(scope="session")
def arm_emulator_server():
    emulator = ArmEmulator(ssl_context=server_context(), specs_root=default_specs_root()).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def arm_emulator(arm_emulator_server):
    arm_emulator_server.reset()
    arm_emulator_server.set_latency(profile="instant")
    arm_emulator_server.configure(principal_replication_delay=0.0)
    yield arm_emulator_server
    arm_emulator_server.clear_faults()
    arm_emulator_server.settle()


@pytest.fixture(scope="module")
def arm_emulator_process(tmp_path_factory):
    """The emulator as a separate process, as playbooks and other tools see it."""
    directory = tmp_path_factory.mktemp("arm-emulator")
    cert, key = write_server_files(directory)
    port = free_port()
    cmd = [sys.executable, "-m", "emulators.arm", "--port", str(port), "--cert", cert, "--key", key]
    specs = default_specs_root()
    if specs:
        cmd += ["--specs", specs]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT / "tests", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("ARM emulator did not start: %s" % proc.stderr.read())
    info = json.loads(line)
    admin = AdminClient(info["url"], ca_bundle_path())
    admin.info = info
    yield admin
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(params=["emulator", pytest.param("cloud", marks=pytest.mark.cloud)])
def arm_target(request):
    if request.param == "emulator":
        emulator = request.getfixturevalue("arm_emulator")
        args = emulator_module_args(emulator.url, emulator.subscription_id, emulator.tenant_id)
        yield ArmTarget("emulator", args, "westeurope", emulator=emulator)
        return
    if not cloud_credentials_present():
        pytest.skip("no Azure credentials in the environment (AZURE_SUBSCRIPTION_ID and a credential)")
    args = {"subscription_id": os.environ["AZURE_SUBSCRIPTION_ID"], "cloud": os.environ.get("AZURE_CLOUD", "public"),
            "auth_source": os.environ.get("AZURE_AUTH_SOURCE", "auto")}
    yield ArmTarget("cloud", args, CLOUD_LOCATION, prefix="-" + uuid.uuid4().hex[:6])

"""pytest fixtures: the emulated AzureML workspace, Azurite behind it, and the real workspace when configured.

``azureml_target`` is what tests use: the emulator by default, a real workspace
(marker ``cloud``) when AZURE_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP and
AZUREML_WORKSPACE_NAME are set together with credentials the ``auto`` auth
source finds (environment, workload identity, managed identity, Azure CLI).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import uuid

import pytest

from emulators.azureml.server import AzuriteStorage, EmulatorServer
from emulators.azureml.state import Workspace
from support import azurite
from support.local_servers import start_azurite
from support.tls import ca_bundle_path, server_context

CLOUD_VARIABLES = ("AZURE_SUBSCRIPTION_ID", "AZUREML_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME")


@pytest.fixture(scope="session")
def azureml_blob_storage(tmp_path_factory):
    """A real Azurite blob service: the storage account behind the emulated workspace's default datastore."""
    server = start_azurite(tmp_path_factory.mktemp("azureml-azurite"))
    yield AzuriteStorage(server.url, azurite.ACCOUNT, azurite.KEY)
    server.stop()


@pytest.fixture(scope="session")
def azureml_emulator_server():
    workspace = Workspace(queued_seconds=0.5, running_seconds=1.5)
    server = EmulatorServer(workspace, server_context()).start()
    yield server
    server.stop()


@pytest.fixture
def azureml_emulator(azureml_emulator_server):
    """The emulator with a fresh workspace (no assets, no jobs, empty request log) for each test."""
    azureml_emulator_server.workspace.storage = None
    azureml_emulator_server.workspace.reset()
    return azureml_emulator_server


@dataclasses.dataclass
class AzureMLTarget:
    """Where a test's jobs go, and the options every module call needs to get there."""

    emulated: bool
    module_args: dict
    compute: str
    instance_type: str
    image: str
    workspace: Workspace | None = None

    def requests(self, method: str | None = None, contains: str = "") -> list[dict]:
        """The emulator's request log, filtered by method and path fragment (case-insensitive)."""
        assert self.workspace is not None, "the request log exists only for the emulator"
        with self.workspace.lock:
            entries = list(self.workspace.requests)
        return [e for e in entries if (method is None or e["method"] == method)
                and contains.lower() in e["path"].lower()]

    def mutating_requests(self) -> list[dict]:
        """Requests that change something: PUT/PATCH/DELETE, and POSTs other than read-style actions."""
        reads = ("/listsecrets",)
        return [e for e in self.requests() if e["method"] in ("PUT", "PATCH", "DELETE")
                or (e["method"] == "POST" and not e["path"].lower().endswith(reads))]


def _cloud_target() -> AzureMLTarget:
    missing = [name for name in CLOUD_VARIABLES if not os.environ.get(name)]
    if missing:
        pytest.skip("real AzureML workspace not configured (set %s)" % ", ".join(missing))
    args = {
        "subscription_id": os.environ["AZURE_SUBSCRIPTION_ID"],
        "resource_group": os.environ["AZUREML_RESOURCE_GROUP"],
        "workspace_name": os.environ["AZUREML_WORKSPACE_NAME"],
        "auth_source": os.environ.get("AZURE_AUTH_SOURCE", "auto"),
    }
    return AzureMLTarget(emulated=False, module_args=args,
                         compute=os.environ.get("AZUREML_COMPUTE", "k8s-robotics"),
                         instance_type=os.environ.get("AZUREML_INSTANCE_TYPE", "defaultinstancetype"),
                         image=os.environ.get("AZUREML_TEST_IMAGE", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"))


def emulator_target(server: EmulatorServer) -> AzureMLTarget:
    ws = server.workspace
    args = {
        "subscription_id": ws.subscription_id,
        "resource_group": ws.resource_group,
        "workspace_name": ws.workspace_name,
        "auth_source": "access_token",
        "access_token": ws.token,
        "cloud": server.url,
        "ca_bundle": ca_bundle_path(),
    }
    return AzureMLTarget(emulated=True, module_args=args, compute=ws.compute_name, instance_type="gpuspot",
                         image="nvcr.io/nvidia/isaac-lab:2.3.2", workspace=ws)


@pytest.fixture(params=["emulator", pytest.param("cloud", marks=pytest.mark.cloud)])
def azureml_target(request):
    if request.param == "cloud":
        return _cloud_target()
    return emulator_target(request.getfixturevalue("azureml_emulator"))


@pytest.fixture
def azureml_code_dir(tmp_path) -> pathlib.Path:
    """A small code directory (a script and a package file) as a job's code snapshot."""
    code = tmp_path / "code"
    (code / "pkg").mkdir(parents=True)
    (code / "train.py").write_text("print('training')\n")
    (code / "pkg" / "settings.yaml").write_text("num_envs: 16\n")
    (code / ".amlignore").write_text("*.tmp\n")
    (code / "scratch.tmp").write_text("not uploaded\n")
    return code


def job_args(target, **overrides) -> dict:
    """Module arguments of a small complete job for ``target``; unique names and tags keep test runs apart on a
    real workspace (AzureML versions are immutable)."""
    args = dict(
        target.module_args,
        compute=target.compute,
        instance_type=target.instance_type,
        environment=dict(name="robotics-test-env", version="1.0.%s" % uuid.uuid4().hex[:8], image=target.image),
        command="echo training $SEED_FROM_ENV ${{inputs.steps}}",
        inputs={"steps": 10},
        environment_variables={"SEED_FROM_ENV": 7, "ACCEPT_EULA": "Y"},
        experiment_name="azure-robotics-tests",
        display_name="module test",
        tags={"suite": "azure_robotics.stack", "run": uuid.uuid4().hex[:8]},
        poll_interval=1,
        wait_timeout=900,
    )
    args.update(overrides)
    return args

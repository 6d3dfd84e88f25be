"""Checkpoints read from blob storage (real Azurite, started by the local_platform role) and local paths."""

from __future__ import annotations

import hashlib
import pathlib
import uuid

import pytest

from support import azurite
from support.local_servers import role_node_dir
from support.playbook import run_playbook
from support.ports import free_port
from support.training import FAST_TASK_ARGS, cli, read_result

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def blob_service(tmp_path_factory):
    vars_ = {
        "local_platform_data_dir": str(tmp_path_factory.mktemp("blob-platform")),
        "local_platform_node_dir": role_node_dir(),
        "local_platform_mlflow_enabled": False,
        "local_platform_azurite_port": free_port(),
        "demo_loop": False,  # the platform only, without the training loop
    }
    run = run_playbook("playbooks/workstation.yml", extra_vars=vars_)
    assert run.rc == 0, run
    yield azurite.connection_string(vars_["local_platform_azurite_port"]), vars_["local_platform_azurite_port"]
    run_playbook("playbooks/local-stop.yml", extra_vars=vars_)


@pytest.fixture(scope="module")
def uploaded_run(blob_service, tmp_path_factory):
    """A short rsl_rl run uploaded to Azurite under runs/<prefix>/ (checkpoints and TensorBoard files)."""
    from azure.storage.blob import BlobServiceClient

    out = tmp_path_factory.mktemp("blob-source") / "run"
    proc = cli("train", "--task", "HalfCheetah-v5", "--output-dir", str(out), "--max-iterations", "3",
               "--save-interval", "2", *FAST_TASK_ARGS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    container = BlobServiceClient.from_connection_string(blob_service[0]).get_container_client(
        f"runs-{uuid.uuid4().hex[:8]}")
    container.create_container()
    prefix = "halfcheetah/run-1"
    for path in sorted(out.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                container.upload_blob(f"{prefix}/{path.relative_to(out).as_posix()}", handle)
    return {"dir": out, "container": container.container_name, "prefix": prefix, "result": read_result(out)}


def digest(path) -> str:
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def test_azure_uri_of_a_run_prefix_brings_the_latest_checkpoint(blob_service, uploaded_run, tmp_path):
    from robotics_training.checkpoints.fetch import fetch_checkpoint

    uri = f"azure://{azurite.ACCOUNT}/{uploaded_run['container']}/{uploaded_run['prefix']}"
    local = fetch_checkpoint(uri, tmp_path, blob_connection_string=blob_service[0])
    assert local.name == "model_2.pt"
    assert digest(local) == digest(uploaded_run["dir"] / "model_2.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model_2.pt"], "only the chosen checkpoint is downloaded"


def test_path_style_blob_url_of_one_file(blob_service, uploaded_run, tmp_path, monkeypatch):
    from robotics_training.checkpoints.fetch import fetch_checkpoint

    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", blob_service[0])
    url = (f"http://127.0.0.1:{blob_service[1]}/{azurite.ACCOUNT}/{uploaded_run['container']}/"
           f"{uploaded_run['prefix']}/model_0.pt")
    local = fetch_checkpoint(url, tmp_path)
    assert digest(local) == digest(uploaded_run["dir"] / "model_0.pt")


def test_a_missing_blob_names_the_container_and_account(blob_service, uploaded_run, tmp_path):
    from robotics_training.checkpoints.fetch import CheckpointFetchError, fetch_checkpoint

    uri = f"azure://{azurite.ACCOUNT}/{uploaded_run['container']}/no/such/run"
    with pytest.raises(CheckpointFetchError) as error:
        fetch_checkpoint(uri, tmp_path, blob_connection_string=blob_service[0])
    assert f"container '{uploaded_run['container']}' of account '{azurite.ACCOUNT}'" in str(error.value)


def test_training_resumes_from_a_blob(blob_service, uploaded_run, tmp_path):
    uri = f"azure://{azurite.ACCOUNT}/{uploaded_run['container']}/{uploaded_run['prefix']}"
    proc = cli("train", "--task", "HalfCheetah-v5", "--output-dir", str(tmp_path / "resumed"), "--max-iterations", "2",
               *FAST_TASK_ARGS, "--checkpoint-mode", "resume", "--checkpoint-uri", uri,
               env={"AZURE_STORAGE_CONNECTION_STRING": blob_service[0]})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = read_result(tmp_path / "resumed")
    assert (result["resumed_from_iteration"], result["final_iteration"]) == (2, 4)
    assert result["checkpoint_uri"] == uri
    assert not list((tmp_path / "resumed").rglob("model_2.pt")), "the input checkpoint stays out of the run directory"

"""The local platform for real: MLflow and Azurite started by site.yml, used, stopped and started again."""

from __future__ import annotations

import socket
import uuid

import pytest

from support import azurite
from support.local_servers import role_node_dir
from support.playbook import run_playbook
from support.ports import free_port

pytestmark = pytest.mark.slow


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    data = tmp_path_factory.mktemp("platform")
    vars_ = {
        "local_platform_data_dir": str(data),
        # Azurite's npm install is shared by the suite's runs; the service data is not.
        "local_platform_node_dir": role_node_dir(),
        "local_platform_mlflow_port": free_port(),
        "local_platform_azurite_port": free_port(),
        # The platform tier only (the training loop has its own tests).
        "demo_loop": False,
    }
    yield vars_
    run_playbook("playbooks/local-stop.yml", extra_vars=vars_)


def test_site_starts_both_services_and_prints_their_urls(platform):
    run = run_playbook("site.yml", extra_vars=platform)
    assert run.rc == 0, run
    assert run.stats()["changed"] >= 1
    assert f"MLflow UI:      http://127.0.0.1:{platform['local_platform_mlflow_port']}" in run.stdout
    assert f"Blob endpoint:  http://127.0.0.1:{platform['local_platform_azurite_port']}/devstoreaccount1" in run.stdout
    assert is_listening(platform["local_platform_mlflow_port"])
    assert is_listening(platform["local_platform_azurite_port"])


def test_second_run_changes_nothing(platform):
    run = run_playbook("site.yml", extra_vars=platform)
    assert run.rc == 0, run
    assert run.changed == 0, run


def test_a_blob_round_trips_through_azurite(platform):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite.connection_string(platform["local_platform_azurite_port"]))
    container = service.get_container_client(f"t-{uuid.uuid4().hex[:12]}")
    container.create_container()
    payload = uuid.uuid4().bytes * 1000
    container.upload_blob("dir/data.bin", payload)
    assert container.download_blob("dir/data.bin").readall() == payload
    assert [b.name for b in container.list_blobs()] == ["dir/data.bin"]


def test_an_mlflow_run_with_an_artifact_is_logged_and_read_back(platform, tmp_path):
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = f"http://127.0.0.1:{platform['local_platform_mlflow_port']}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment(f"platform-test-{uuid.uuid4().hex[:8]}")
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "reward", 1.5, step=3)
    artifact = tmp_path / "note.txt"
    artifact.write_text("hello from the workstation")
    client.log_artifact(run.info.run_id, str(artifact), "notes")
    client.set_terminated(run.info.run_id)

    fetched = client.get_run(run.info.run_id)
    assert fetched.data.metrics["reward"] == 1.5
    # Artifacts are proxied through the server (mlflow-artifacts:), not written by the client to disk.
    assert fetched.info.artifact_uri.startswith("mlflow-artifacts:")
    mlflow.set_tracking_uri(uri)
    local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="notes/note.txt",
                                                dst_path=str(tmp_path / "dl"))
    assert open(local).read() == "hello from the workstation"
    stored = list((__import__("pathlib").Path(platform["local_platform_data_dir"]) / "mlflow" / "artifacts").rglob("note.txt"))
    assert stored, "the server stores artifacts in its --artifacts-destination"


def test_stop_then_start_again(platform):
    stop = run_playbook("playbooks/local-stop.yml", extra_vars=platform)
    assert stop.rc == 0, stop
    assert stop.changed == 1, stop  # one looped task stopped both services
    assert not is_listening(platform["local_platform_mlflow_port"])
    assert not is_listening(platform["local_platform_azurite_port"])

    again = run_playbook("playbooks/local-stop.yml", extra_vars=platform)
    assert again.rc == 0 and again.changed == 0, again

    check = run_playbook("site.yml", extra_vars=platform, check=True)
    assert check.rc == 0, check
    assert not is_listening(platform["local_platform_mlflow_port"]), "check mode must not start anything"

    start = run_playbook("site.yml", extra_vars=platform)
    assert start.rc == 0 and start.changed >= 1, start
    assert is_listening(platform["local_platform_mlflow_port"])
    assert is_listening(platform["local_platform_azurite_port"])


def test_a_taken_port_fails_naming_the_variable_and_starts_nothing(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    vars_ = {
        "local_platform_data_dir": str(tmp_path / "data"),
        "local_platform_node_dir": role_node_dir(),
        "local_platform_mlflow_port": free_port(),
        "local_platform_azurite_port": port,
    }
    try:
        run = run_playbook("site.yml", extra_vars=vars_)
    finally:
        taken.close()
    assert run.rc != 0
    assert f"local_platform_azurite_port={port}" in run.stdout
    assert "already in use by another process" in run.stdout
    # MLflow's port was free, yet nothing was started half-way.
    assert not is_listening(vars_["local_platform_mlflow_port"])
    assert not (tmp_path / "data" / "mlflow.pid").exists()

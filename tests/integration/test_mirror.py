"""The model mirror against a real MLflow server and a real Azurite, through the real CLI.

Runs are written by torch.save and TensorBoard's SummaryWriter in each
framework's layout (support/training_runs.py). Most calls go through
``robotics_training.cli.main`` in-process (the same code as the console
script, without paying MLflow's import per call); the kill test and one error
case run the console script as a process.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import uuid

import pytest

from support import training_runs
from support.paths import tool

pytestmark = pytest.mark.slow

LAYOUT_FILES = {
    # layout: (artifacts that must be there, artifacts that must not, a TensorBoard tag, its points)
    "rsl_rl": ({"model/model_100.pt"}, {"model/model_0.pt", "model/model_50.pt"}, "Train/mean_reward", 12),
    "skrl": ({"model/agent_2000.pt"}, {"model/agent_1000.pt", "model/best_agent.pt"},
             "Reward / Total reward _mean_", 6),  # MLflow does not allow parentheses in metric names
    "hf_trainer": ({"model/config.json", "model/pytorch_model.bin", "model/trainer_state.json"},
                   {"model/optimizer.pt", "model/scheduler.pt", "model/rng_state.pth", "model/training_args.bin"},
                   "train/loss", 4),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run per layout, written once for the module."""
    root = tmp_path_factory.mktemp("runs")
    return {layout: training_runs.write_layout(layout, root / layout) for layout in LAYOUT_FILES}


@pytest.fixture
def env(mlflow_server, azurite_connection_string, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string)
    monkeypatch.setenv("ROBOTICS_MIRROR_STATE_DIR", str(tmp_path / "state"))
    for var in ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME", "AZUREML_MODEL_NAME"):
        monkeypatch.delenv(var, raising=False)
    return dict(os.environ)


@pytest.fixture
def client(mlflow_server):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=mlflow_server.url, registry_uri=mlflow_server.url)


def cli(capsys, *argv: str) -> tuple[int, dict, str]:
    from robotics_training.cli import main

    capsys.readouterr()
    code = main(["mirror", *argv])
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, f"stdout must hold exactly the JSON summary:\n{out}\n{err}"
    return code, json.loads(lines[0]), err


def model_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def versions(client, name):
    return list(client.search_model_versions(f"name='{name}'"))


def runs_of(client, experiment):
    exp = client.get_experiment_by_name(experiment)
    return [] if exp is None else list(client.search_runs([exp.experiment_id]))


def artifacts(client, run_id, path=None) -> dict[str, int]:
    found = {}
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            found.update(artifacts(client, run_id, info.path))
        else:
            found[info.path] = info.file_size
    return found


def state(mlflow_client) -> tuple:
    """Everything the mirror could have written: experiments, runs and model versions."""
    from mlflow.entities import ViewType

    exps = mlflow_client.search_experiments(view_type=ViewType.ALL)
    run_count = sum(len(mlflow_client.search_runs([e.experiment_id], run_view_type=ViewType.ALL)) for e in exps)
    return len(exps), run_count, len(list(mlflow_client.search_model_versions()))


@pytest.mark.parametrize("layout", list(LAYOUT_FILES))
def test_each_layout_gives_one_tagged_version_without_training_state_and_with_metrics(
        layout, runs, env, client, capsys):
    name = model_name(f"policy-{layout.replace('_', '-')}")
    present, absent, tag, points = LAYOUT_FILES[layout]
    code, summary, err = cli(capsys, str(runs[layout]), "--model-name", name, "--source-run-id", f"train-{layout}-7",
                             "--osmo-workflow-id", f"train-{layout}-7", "--source-kind", "osmo-train",
                             "--task", "Isaac-Velocity-Flat-Anymal-C-v0")
    assert code == 0, err
    assert summary["status"] == "created" and summary["version_created"] and summary["layout"] == layout

    found = versions(client, name)
    assert len(found) == 1
    version = found[0]
    assert version.run_id == summary["run_id"] and version.version == summary["model_version"] == "1"
    assert version.tags["source_run_id"] == f"train-{layout}-7"
    assert version.tags["osmo_workflow_id"] == f"train-{layout}-7"
    assert version.tags["framework"] == layout
    assert version.tags["task"] == "Isaac-Velocity-Flat-Anymal-C-v0"
    assert version.tags["source"] == "osmo-train"
    assert version.tags["content_hash"] == summary["content_hash"] and version.tags["content_hash"].startswith("sha256:")
    assert version.source.endswith("/model")

    held = artifacts(client, summary["run_id"])
    assert present <= set(held), held
    assert not (absent & set(held)), held
    assert any(p.startswith("tensorboard/") and "tfevents" in p for p in held)
    # Every uploaded file is listed in the manifest with the sha256 of the source file.
    manifest = _read_manifest(client, summary["run_id"])
    assert {f["artifact"] for f in manifest["files"]} == {p for p in held if p != "mirror/manifest.json"}
    assert manifest["content_hash"] == summary["content_hash"]
    for entry in manifest["files"]:
        assert entry["sha256"] == sha256(source_file(runs[layout], summary, entry["artifact"])), entry

    history = client.get_metric_history(summary["run_id"], tag)
    assert len(history) == points
    run = client.get_run(summary["run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["mirror_state"] == "complete"


def sha256(path: pathlib.Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_file(run: pathlib.Path, summary: dict, artifact: str) -> pathlib.Path:
    kind, dummy, rest = artifact.partition("/")
    if kind == "tensorboard":
        return run / rest
    checkpoint = run / summary["checkpoint"]
    return checkpoint / rest if checkpoint.is_dir() else checkpoint


def _read_manifest(client, run_id):
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        path = client.download_artifacts(run_id, "mirror/manifest.json", scratch)
        return json.loads(pathlib.Path(path).read_text())


def test_mirroring_the_same_run_again_uploads_and_creates_nothing(runs, env, client, capsys):
    name = model_name("again")
    code, first, err = cli(capsys, str(runs["rsl_rl"]), "--model-name", name)
    assert code == 0, err
    before = (len(versions(client, name)), len(runs_of(client, name)))

    code, second, err = cli(capsys, str(runs["rsl_rl"]), "--model-name", name)
    assert code == 0, err
    assert second["status"] == "reused"
    assert second["bytes_uploaded"] == 0 and second["files_uploaded"] == 0
    assert not second["run_created"] and not second["version_created"]
    assert second["model_version"] == first["model_version"] and second["run_id"] == first["run_id"]
    assert (len(versions(client, name)), len(runs_of(client, name))) == before == (1, 1)


def test_a_no_op_re_mirror_is_decided_without_importing_mlflow(runs, env, capsys):
    name = model_name("light")
    assert cli(capsys, str(runs["skrl"]), "--model-name", name)[0] == 0
    probe = ("import json, sys\n"
             "from robotics_training.cli import main\n"
             f"code = main(['mirror', {str(runs['skrl'])!r}, '--model-name', {name!r}, '--quiet'])\n"
             "print(json.dumps({'code': code, 'mlflow_imported': 'mlflow' in sys.modules}))\n")
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    summary, probe_result = (json.loads(line) for line in proc.stdout.strip().splitlines()[-2:])
    assert probe_result == {"code": 0, "mlflow_imported": False}, proc.stderr
    assert summary["status"] == "reused" and summary["bytes_uploaded"] == 0


def test_a_changed_checkpoint_gives_a_new_version_and_touched_files_do_not(runs, env, client, capsys, tmp_path):
    import torch

    run = tmp_path / "run"
    shutil.copytree(runs["rsl_rl"], run)
    name = model_name("changed")
    assert cli(capsys, str(run), "--model-name", name)[0] == 0

    # Same bytes, new modification times: the listing differs, the content hash does not.
    for path in run.iterdir():
        if path.is_file():
            os.utime(path, (path.stat().st_atime + 5, path.stat().st_mtime + 5))
    code, touched, err = cli(capsys, str(run), "--model-name", name)
    assert code == 0, err
    assert touched["status"] == "reused" and touched["bytes_uploaded"] == 0

    # Training went on: a later checkpoint is a new model.
    torch.save({"model_state_dict": {"w": torch.ones(10)}, "optimizer_state_dict": {}}, run / "model_150.pt")
    code, changed, err = cli(capsys, str(run), "--model-name", name)
    assert code == 0, err
    assert changed["status"] == "created" and changed["model_version"] == "2" and changed["step"] == 150
    assert changed["content_hash"] != touched["content_hash"]
    assert [v.version for v in sorted(versions(client, name), key=lambda v: int(v.version))] == ["1", "2"]


def test_reuse_unchanged_registers_a_new_run_only_when_its_checkpoint_differs(runs, env, client, capsys, tmp_path):
    import torch

    name = model_name("unchanged")
    first_run, second_run, third_run = (tmp_path / f"run-{i}" for i in (1, 2, 3))
    shutil.copytree(runs["rsl_rl"], first_run)
    shutil.copytree(runs["rsl_rl"], second_run)  # another run that trained the same weights
    code, first, err = cli(capsys, str(first_run), "--model-name", name, "--reuse-unchanged")
    assert code == 0 and first["status"] == "created", err

    # Without the option a new run is always a new version (checked on a second model); with it, the same
    # content as the latest version registers nothing.
    other = model_name("always")
    assert cli(capsys, str(first_run), "--model-name", other)[0] == 0
    assert cli(capsys, str(second_run), "--model-name", other)[1]["model_version"] == "2"
    code, same, err = cli(capsys, str(second_run), "--model-name", name, "--reuse-unchanged")
    assert code == 0, err
    assert same["status"] == "reused" and same["model_version"] == "1" and same["run_id"] == first["run_id"]
    assert same["bytes_uploaded"] == 0 and "same content as model" in err
    assert len(versions(client, name)) == 1 and len(runs_of(client, name)) == 1

    # A third run whose final checkpoint differs gets a version of its own.
    shutil.copytree(runs["rsl_rl"], third_run)
    torch.save({"model_state_dict": {"w": torch.full((10,), 3.0)}, "optimizer_state_dict": {}},
               third_run / "model_100.pt")
    code, changed, err = cli(capsys, str(third_run), "--model-name", name, "--reuse-unchanged")
    assert code == 0, err
    assert changed["status"] == "created" and changed["model_version"] == "2"
    assert changed["content_hash"] != first["content_hash"]


def test_killed_mid_upload_then_rerun_completes_without_a_duplicate(env, client, capsys, tmp_path):
    # Sixteen 6 MiB shards uploaded one at a time: the kill lands after the second finished file.
    run = training_runs.hf_trainer_run(tmp_path / "big", steps=(30,), model_bytes=6 * training_runs.MiB, shards=16)
    name = model_name("killed")
    proc = subprocess.Popen([tool("robotics-training"), "mirror", str(run), "--model-name", name, "--parallel", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    uploaded = 0
    try:
        for line in proc.stderr:
            if line.startswith("mirror: uploaded model/"):
                uploaded += 1
                if uploaded == 2:
                    proc.send_signal(signal.SIGKILL)
                    break
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the mirror finished before it could be killed"
    assert versions(client, name) == [], "a killed mirror must not have registered anything"
    killed_runs = runs_of(client, name)
    assert len(killed_runs) == 1 and killed_runs[0].data.tags["mirror_state"] == "uploading"

    code, summary, err = cli(capsys, str(run), "--model-name", name)
    assert code == 0, err
    assert summary["status"] == "resumed" and summary["run_id"] == killed_runs[0].info.run_id
    assert summary["files_already_uploaded"] >= 3  # the logs and at least two shards
    assert 0 < summary["bytes_uploaded"] < summary["bytes_total"]
    assert len(versions(client, name)) == 1 and len(runs_of(client, name)) == 1
    held = artifacts(client, summary["run_id"])
    for shard in range(16):
        path = run / "checkpoint-30" / f"pytorch_model-{shard + 1:05d}-of-00016.bin"
        assert held[f"model/{path.name}"] == path.stat().st_size
    assert client.get_run(summary["run_id"]).info.status == "FINISHED"


def _write_events_only(directory: pathlib.Path) -> pathlib.Path:
    training_runs.write_scalars(directory, {"Train/mean_reward": [1.0, 2.0]})
    return directory


@pytest.mark.parametrize("case", ["missing coordinates", "empty directory", "no checkpoint", "missing directory",
                                  "unreadable blob", "missing container"])
def test_bad_inputs_fail_clearly_and_register_nothing(
        case, runs, env, client, capsys, tmp_path, monkeypatch, azurite_server):
    from support import azurite

    source, expected, code_wanted = str(runs["rsl_rl"]), None, 3
    if case == "missing coordinates":
        monkeypatch.delenv("MLFLOW_TRACKING_URI")
        expected, code_wanted = "missing coordinates", 2
    elif case == "empty directory":
        (tmp_path / "empty").mkdir()
        source, expected = str(tmp_path / "empty"), "holds no files"
    elif case == "no checkpoint":
        source, expected = str(_write_events_only(tmp_path / "logs-only")), "no checkpoint"
    elif case == "missing directory":
        source, expected = str(tmp_path / "nowhere"), "does not exist"
    elif case == "unreadable blob":
        wrong_key = azurite.connection_string(azurite_server.port).replace(azurite.KEY[:10], "A" * 10)
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", wrong_key)
        source, expected = f"azure://{azurite.ACCOUNT}/runs/any", "cannot list"
    elif case == "missing container":
        source, expected = f"azure://{azurite.ACCOUNT}/no-such-container/run", "ContainerNotFound"
    before = state(client)
    code, summary, err = cli(capsys, source, "--model-name", model_name("bad"))
    assert code == code_wanted, err
    assert summary["status"] == "failed" and expected in summary["error"], summary
    assert expected in err
    assert state(client) == before


def test_the_console_script_exits_non_zero_and_best_effort_only_warns(env, tmp_path):
    (tmp_path / "empty").mkdir()
    command = [tool("robotics-training"), "mirror", str(tmp_path / "empty"), "--model-name", "never", "--quiet"]
    failed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert failed.returncode == 3 and "holds no files" in failed.stderr
    warned = subprocess.run(command + ["--best-effort"], env=env, capture_output=True, text=True, check=False)
    assert warned.returncode == 0 and "warning" in warned.stderr
    assert json.loads(warned.stdout)["status"] == "failed"


@pytest.fixture
def blob_run(runs, azurite_connection_string):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string)
    container = service.get_container_client(f"runs-{uuid.uuid4().hex[:8]}")
    container.create_container()
    training_runs.upload_dir(container, runs["hf_trainer"], "osmo/train-hf-3/output")
    return container


@pytest.mark.parametrize("form", ["azure", "url"])
def test_a_run_in_blob_storage_is_mirrored_by_azure_uri_or_url(form, blob_run, env, client, capsys, azurite_server):
    from support import azurite

    if form == "azure":
        source = f"azure://{azurite.ACCOUNT}/{blob_run.container_name}/osmo/train-hf-3/output"
    else:
        source = f"{azurite_server.url}/{blob_run.container_name}/osmo/train-hf-3/output"
    name = model_name(f"blob-{form}")
    code, summary, err = cli(capsys, source, "--model-name", name, "--source-run-id", "train-hf-3",
                             "--source-kind", "osmo-replay")
    assert code == 0, err
    assert summary["status"] == "created" and summary["checkpoint"] == "checkpoint-20"
    held = artifacts(client, summary["run_id"])
    assert {"model/config.json", "model/pytorch_model.bin"} <= set(held)
    assert "model/optimizer.pt" not in held
    assert len(client.get_metric_history(summary["run_id"], "train/loss")) == 4
    (version,) = versions(client, name)
    assert version.tags["source"] == "osmo-replay" and version.tags["source_uri"] == source

    code, again, err = cli(capsys, source, "--model-name", name, "--source-run-id", "train-hf-3")
    assert code == 0 and again["status"] == "reused" and again["bytes_uploaded"] == 0, err


def test_artifacts_in_blob_storage_are_streamed_and_carry_their_md5(
        runs, env, client, capsys, azurite_connection_string):
    """An experiment whose artifact root is Blob Storage (as AzureML's is): uploads go straight to the blobs."""
    import hashlib

    from azure.storage.blob import BlobServiceClient

    from support import azurite

    service = BlobServiceClient.from_connection_string(azurite_connection_string)
    container = service.get_container_client(f"mlflow-{uuid.uuid4().hex[:8]}")
    container.create_container()
    root = f"wasbs://{container.container_name}@{azurite.ACCOUNT}.blob.core.windows.net/artifacts"
    name = model_name("wasbs")
    code, summary, err = cli(capsys, str(runs["skrl"]), "--model-name", name, "--artifact-location", root)
    assert code == 0, err
    blob = container.get_blob_client(f"artifacts/{summary['run_id']}/artifacts/model/agent_2000.pt")
    props = blob.get_blob_properties()
    local = runs["skrl"] / "checkpoints" / "agent_2000.pt"
    assert props.size == local.stat().st_size
    assert bytes(props.content_settings.content_md5) == hashlib.md5(local.read_bytes()).digest()
    (version,) = versions(client, name)
    assert version.source.startswith("wasbs://") and version.source.endswith("/model")
    code, again, err = cli(capsys, str(runs["skrl"]), "--model-name", name, "--artifact-location", root)
    assert code == 0 and again["bytes_uploaded"] == 0, err


def test_plan_reports_the_work_and_writes_nothing(runs, env, client, capsys):
    name = model_name("plan")
    before = state(client)
    code, planned, err = cli(capsys, str(runs["hf_trainer"]), "--model-name", name, "--plan")
    assert code == 0, err
    assert planned["action"] == "create"
    assert "model/pytorch_model.bin" in planned["files_to_upload"]
    assert "checkpoint-20/optimizer.pt" in planned["files_skipped"]
    assert planned["bytes_to_upload"] > 0
    assert state(client) == before

    assert cli(capsys, str(runs["hf_trainer"]), "--model-name", name)[0] == 0
    code, planned, err = cli(capsys, str(runs["hf_trainer"]), "--model-name", name, "--plan")
    assert planned["action"] == "reuse" and planned["model_version"] == "1" and planned["bytes_to_upload"] == 0

"""playbooks/mirror.yml and the azureml_mirror module, run as a user runs them, against a real MLflow server."""

from __future__ import annotations

import re
import uuid

import pytest

from support import training_runs
from support.playbook import run_playbook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return training_runs.rsl_rl_run(tmp_path_factory.mktemp("pb") / "2026-05-01_12-00-00_anymal")


@pytest.fixture
def base_vars(mlflow_server, tmp_path):
    return {
        # No tracking URI given: the playbook must default to the local platform's MLflow on this port.
        "local_platform_mlflow_port": mlflow_server.port,
        "model_mirror_state_dir": str(tmp_path / "state"),
    }


@pytest.fixture
def no_registry_env(monkeypatch):
    for var in ("MLFLOW_TRACKING_URI", "AZUREML_WORKSPACE_NAME", "AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP"):
        monkeypatch.delenv(var, raising=False)


def versions(mlflow_server, name):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server.url, registry_uri=mlflow_server.url)
    return list(client.search_model_versions(f"name='{name}'"))


def test_check_mode_predicts_the_change_and_writes_nothing_then_a_rerun_changes_nothing(
        run_dir, base_vars, mlflow_server, no_registry_env):
    name = f"anymal-{uuid.uuid4().hex[:8]}"
    extra = dict(base_vars, model_mirror_source=str(run_dir), model_mirror_model_name=name,
                 model_mirror_task="Isaac-Velocity-Flat-Anymal-C-v0")

    check = run_playbook("playbooks/mirror.yml", extra_vars=extra, check=True, diff=True)
    assert check.rc == 0, check
    assert check.changed == 1, check
    assert "model/model_100.pt" in check.stdout and "(new)" in check.stdout  # the diff names what would come
    assert versions(mlflow_server, name) == []

    first = run_playbook("playbooks/mirror.yml", extra_vars=extra, env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert first.rc == 0 and first.changed == 1, first
    (version,) = versions(mlflow_server, name)
    # the validation step of an AWX workflow gets the version from these stats
    stats = first.stdout.split("CUSTOM STATS")[1]
    assert re.search(r'validate_policy"?: "?models:/%s/%s\b' % (name, version.version), stats), stats
    assert version.tags["source_run_id"] == "2026-05-01_12-00-00_anymal"
    assert version.tags["task"] == "Isaac-Velocity-Flat-Anymal-C-v0"

    again = run_playbook("playbooks/mirror.yml", extra_vars=extra, diff=True)
    assert again.rc == 0 and again.changed == 0, again
    assert len(versions(mlflow_server, name)) == 1


def test_the_module_names_missing_workspace_coordinates(run_dir, base_vars, mlflow_server, no_registry_env):
    name = f"anymal-{uuid.uuid4().hex[:8]}"
    extra = dict(base_vars, model_mirror_source=str(run_dir), model_mirror_model_name=name,
                 model_mirror_target="azureml", model_mirror_workspace_name="mlw-robotics")
    run = run_playbook("playbooks/mirror.yml", extra_vars=extra)
    assert run.rc != 0 and run.failed == 1, run
    assert "missing coordinates of the AzureML workspace" in run.stdout
    assert "AZURE_SUBSCRIPTION_ID" in run.stdout and "AZURE_RESOURCE_GROUP" in run.stdout
    assert versions(mlflow_server, name) == []


def test_the_role_wants_exactly_one_of_source_and_workflow(base_vars, no_registry_env):
    run = run_playbook("playbooks/mirror.yml", extra_vars=dict(base_vars, model_mirror_model_name="x"))
    assert run.rc != 0
    assert "give exactly one of model_mirror_source" in run.stdout


def test_replay_of_an_osmo_run_mounts_its_output_and_a_rerun_submits_nothing(
        osmo_emulator_target, base_vars, no_registry_env):
    emulator = osmo_emulator_target.emulator
    output_uri = "azure://stroboticsdev001/osmo/outputs/train-anymal-12"
    extra = dict(
        base_vars,
        model_mirror_model_name="anymal-policy",
        model_mirror_osmo_workflow_id="train-anymal-12",
        model_mirror_osmo_output_uri=output_uri,
        model_mirror_osmo_url=osmo_emulator_target.url,
        model_mirror_osmo_token=osmo_emulator_target.token,
        model_mirror_osmo_ca_bundle=osmo_emulator_target.ca_bundle,
        model_mirror_osmo_poll_interval=0.5,
        model_mirror_wait_timeout=120,
        model_mirror_subscription_id="00000000-0000-0000-0000-000000000001",
        model_mirror_resource_group="rg-robotics-dev-001",
        model_mirror_workspace_name="mlw-robotics-dev-001",
    )
    first = run_playbook("playbooks/mirror.yml", "-vvv", extra_vars=extra)
    assert first.rc == 0 and first.changed == 1, first
    assert osmo_emulator_target.token not in first.stdout
    (submission,) = [r for r in emulator.requests_to("POST", r"/api/pool/default/workflow")
                     if "validation_only" not in r["query"]]
    spec = submission["body"]["file"]
    # The source run's durable output is an explicit input, and the mirror reads it from {{input:0}}.
    assert f"url: \"{output_uri}\"" in spec or f"url: {output_uri}" in spec
    assert "mirror {{input:0}}" in spec and "--source-kind osmo-replay" in spec
    assert "AZUREML_WORKSPACE_NAME" in spec

    again = run_playbook("playbooks/mirror.yml", extra_vars=extra)
    assert again.rc == 0 and again.changed == 0, again
    assert len([r for r in emulator.requests_to("POST", r"/api/pool/default/workflow")
                if "validation_only" not in r["query"]]) == 1

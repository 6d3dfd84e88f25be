"""The training_job role's AzureML backend, run by ansible-playbook against the emulated workspace."""

from __future__ import annotations

import json
import pathlib

import pytest

from support.playbook import run_playbook

pytestmark = pytest.mark.slow

PLAYBOOK = str(pathlib.Path(__file__).parent / "playbooks" / "train_azureml.yml")


@pytest.fixture
def training_vars(azureml_emulator, tmp_path):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    target.workspace.add_model("anymal-policy", "3", tags={"task": "Isaac-Velocity-Rough-Anymal-C-v0"})
    args = target.module_args
    variables = {
        "azureml_test_auth_source": args["auth_source"],
        "azureml_test_access_token": args["access_token"],
        "azureml_test_cloud": args["cloud"],
        "azureml_test_ca_bundle": args["ca_bundle"],
        "azureml_test_result_file": str(tmp_path / "result.json"),
        "training_job_task": "Isaac-Velocity-Rough-Anymal-C-v0",
        "training_job_framework": "rsl_rl",
        "training_job_num_envs": 64,
        "training_job_max_iterations": 10,
        "training_job_seed": 7,
        "training_job_checkpoint_uri": "models:/anymal-policy/3",
        "training_job_checkpoint_mode": "warm-start",
        "training_job_model_name": "anymal-policy",
        "training_job_experiment": "isaaclab-anymal",
        "training_job_image": "nvcr.io/nvidia/isaac-lab:2.3.2",
        "training_job_stream": False,
        "training_job_wait": True,
        "training_job_wait_timeout": 300,
        "training_job_azureml_subscription_id": args["subscription_id"],
        "training_job_azureml_resource_group": args["resource_group"],
        "training_job_azureml_workspace_name": args["workspace_name"],
        "training_job_azureml_compute": target.compute,
        "training_job_azureml_poll_interval": 1,
    }
    return target, variables


def test_the_role_submits_the_training_job_and_a_rerun_changes_nothing(training_vars):
    target, variables = training_vars
    run = run_playbook(PLAYBOOK, extra_vars=variables)
    assert run.rc == 0, run
    assert run.changed >= 1, run

    env_puts = target.requests("PUT", "/environments/isaaclab-training-env/versions/2.3.2")
    assert len(env_puts) == 1
    assert env_puts[0]["body"]["properties"]["image"] == "nvcr.io/nvidia/isaac-lab:2.3.2"
    job_puts = target.requests("PUT", "/jobs/")
    assert len(job_puts) == 1
    body = job_puts[0]["body"]["properties"]
    assert body["command"] == (
        "robotics-training train --task Isaac-Velocity-Rough-Anymal-C-v0 --framework rsl_rl --num-envs 64 "
        "--max-iterations 10 --seed 7 --experiment isaaclab-anymal --device cuda "
        "--output-dir ${{outputs.checkpoints}} --checkpoint-uri ${{inputs.checkpoint}} --checkpoint-mode warm-start")
    assert body["computeId"].endswith("/computes/%s" % target.compute)
    assert body["resources"]["instanceType"] == "gpuspot"
    assert body["inputs"]["checkpoint"]["jobInputType"] == "custom_model"
    assert body["inputs"]["checkpoint"]["uri"].endswith("/models/anymal-policy/versions/3")
    assert body["outputs"]["checkpoints"]["jobOutputType"] == "uri_folder"
    assert body["outputs"]["checkpoints"]["mode"] == "Upload"
    assert body["identity"]["identityType"] == "Managed"
    env = body["environmentVariables"]
    assert env["AZURE_SUBSCRIPTION_ID"] == target.module_args["subscription_id"]
    assert env["AZUREML_WORKSPACE_NAME"] == target.module_args["workspace_name"]
    assert env["ACCEPT_EULA"] == "Y"
    assert body["experimentName"] == "isaaclab-anymal"
    assert body["tags"]["checkpoint_mode"] == "warm-start" and body["tags"]["model_name"] == "anymal-policy"

    result = json.loads(pathlib.Path(variables["azureml_test_result_file"]).read_text())
    assert result["backend"] == "azureml"
    assert result["status"] == "Completed"
    assert result["job_name"].startswith("isaaclab-anymal-")
    # The service fills in the output's datastore path when the job is created.
    assert result["output_location"] == "azureml://datastores/workspaceblobstore/paths/azureml/%s/checkpoints/" % (
        result["job_name"])
    assert result["mlflow_artifacts"] == "azureml://jobs/%s/outputs/artifacts/paths/" % result["job_name"]
    assert result["studio_url"].startswith("https://ml.azure.com/runs/%s" % result["job_name"])
    assert result["environment"] == "azureml:isaaclab-training-env:2.3.2"

    again = run_playbook(PLAYBOOK, extra_vars=variables)
    assert again.rc == 0, again
    assert again.changed == 0, again
    assert len(target.requests("PUT")) == 2  # still the first environment and job
    assert json.loads(pathlib.Path(variables["azureml_test_result_file"]).read_text())["job_name"] == result["job_name"]


def test_check_mode_submits_nothing(training_vars):
    target, variables = training_vars
    run = run_playbook(PLAYBOOK, extra_vars=variables, check=True, diff=True)
    assert run.rc == 0, run
    assert run.changed >= 1
    assert target.mutating_requests() == []


def test_a_runs_uri_checkpoint_is_passed_to_the_command(training_vars):
    target, variables = training_vars
    variables.update(training_job_checkpoint_uri="runs:/abc123/checkpoints/model_100.pt",
                     training_job_checkpoint_mode="resume", training_job_wait=False)
    run = run_playbook(PLAYBOOK, extra_vars=variables)
    assert run.rc == 0, run
    body = target.requests("PUT", "/jobs/")[0]["body"]["properties"]
    assert "--checkpoint-uri runs:/abc123/checkpoints/model_100.pt --checkpoint-mode resume" in body["command"]
    assert "checkpoint" not in body["inputs"]


@pytest.mark.parametrize("missing", ["training_job_azureml_workspace_name", "training_job_azureml_compute"])
def test_missing_azureml_variables_fail_before_any_request(training_vars, missing):
    target, variables = training_vars
    variables.pop(missing)
    run = run_playbook(PLAYBOOK, extra_vars=variables)
    assert run.rc != 0
    assert missing in run.stdout
    assert target.requests() == []


def test_a_bad_instance_type_names_the_variable(training_vars):
    target, variables = training_vars
    variables["training_job_azureml_instance_type"] = "GPU Spot"
    run = run_playbook(PLAYBOOK, extra_vars=variables)
    assert run.rc != 0
    assert "training_job_azureml_instance_type" in run.stdout
    assert target.requests() == []

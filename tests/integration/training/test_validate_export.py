"""playbooks/validate.yml and playbooks/export.yml on a short real training run tracked in the local MLflow."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from support.playbook import run_playbook
from support.training import FAST_TASK_ARGS, cli, platform_vars, read_result

pytestmark = pytest.mark.slow

EPISODES = 4


@pytest.fixture(scope="module")
def policy_run(mlflow_platform, tmp_path_factory):
    out = tmp_path_factory.mktemp("policy") / "run"
    proc = cli("train", "--task", "HalfCheetah-v5", "--output-dir", str(out), "--max-iterations", "12",
               "--save-interval", "6", *FAST_TASK_ARGS, "--tracking-uri", mlflow_platform["tracking_uri"],
               "--experiment", "validate-export-tests")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return read_result(out)


@pytest.fixture(scope="module")
def measured(policy_run):
    """The policy's deterministic mean return with the validation defaults (seed 1000)."""
    proc = cli("evaluate", "--checkpoint", policy_run["final_checkpoint"], "--episodes", str(EPISODES),
               "--num-envs", "4")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["mean_return"]


def validate(platform, output, **vars_):
    return run_playbook("playbooks/validate.yml", extra_vars={
        **platform_vars(platform), "validate_output": str(output), "validate_episodes": EPISODES,
        "validate_num_envs": 4, **vars_})


def test_passes_at_the_threshold_and_writes_per_episode_returns(policy_run, measured, mlflow_platform, tmp_path):
    output = tmp_path / "validation.json"
    run = validate(mlflow_platform, output, validate_policy=policy_run["output_dir"],
                   validate_success_threshold=measured - 1.0)
    assert run.rc == 0, run
    assert "Validation passed" in run.stdout
    result = json.loads(output.read_text())
    assert len(result["returns"]) == EPISODES and result["episodes"] == EPISODES
    assert result["mean_return"] == pytest.approx(measured)
    assert result["passed"] is True and result["threshold_source"] == "argument"
    assert result["checkpoint_file"] == pathlib.Path(policy_run["final_checkpoint"]).name

    again = validate(mlflow_platform, output, validate_policy=policy_run["output_dir"],
                     validate_success_threshold=measured - 1.0)
    assert again.rc == 0 and again.changed == 0, again


def test_fails_below_the_threshold(policy_run, measured, mlflow_platform, tmp_path):
    output = tmp_path / "validation.json"
    run = validate(mlflow_platform, output, validate_policy=policy_run["final_checkpoint"],
                   validate_success_threshold=measured + 1.0)
    assert run.rc != 0
    assert "Validation failed: mean_return" in run.stdout and "is below the threshold" in run.stdout
    assert json.loads(output.read_text())["passed"] is False


def test_threshold_comes_from_the_model_tags(policy_run, measured, mlflow_platform, mlflow_client, tmp_path):
    name = "validate-tags-test"
    mlflow_client.create_registered_model(name, tags={"success_threshold": str(measured - 1.0)})
    source = f"runs:/{policy_run['run_id']}/checkpoints/{pathlib.Path(policy_run['final_checkpoint']).name}"
    untagged = mlflow_client.create_model_version(name, source, run_id=policy_run["run_id"])
    tagged = mlflow_client.create_model_version(name, source, run_id=policy_run["run_id"],
                                                tags={"success_threshold": str(measured + 1.0)})

    passing = validate(mlflow_platform, tmp_path / "a.json", validate_policy=f"models:/{name}/{untagged.version}")
    assert passing.rc == 0, passing
    assert json.loads((tmp_path / "a.json").read_text())["threshold_source"] == f"registered model {name} tag"

    failing = validate(mlflow_platform, tmp_path / "b.json", validate_policy=f"models:/{name}/{tagged.version}")
    assert failing.rc != 0
    assert f"model version {name}/{tagged.version} tag" in failing.stdout

    # The variable wins over the tags.
    overridden = validate(mlflow_platform, tmp_path / "c.json", validate_policy=f"models:/{name}/latest",
                          validate_success_threshold=measured - 5.0)
    assert overridden.rc == 0, overridden


def test_no_threshold_at_all_is_an_error(policy_run, mlflow_platform, tmp_path):
    run = validate(mlflow_platform, tmp_path / "v.json", validate_policy=policy_run["final_checkpoint"])
    assert run.rc != 0
    assert "No success threshold" in run.stdout and "validate_success_threshold" in run.stdout


def test_export_writes_onnx_and_torchscript_equal_to_the_policy(policy_run, mlflow_platform, tmp_path):
    import onnx
    import torch
    from onnx.reference import ReferenceEvaluator

    from robotics_training.policy import load_policy

    out = tmp_path / "export"
    uri = f"runs:/{policy_run['run_id']}/checkpoints"
    run = run_playbook("playbooks/export.yml", extra_vars={
        **platform_vars(mlflow_platform), "export_policy": uri, "export_output_dir": str(out)})
    assert run.rc == 0, run
    assert run.changed == 1
    policy = load_policy(policy_run["final_checkpoint"])
    obs = torch.randn(64, policy.obs_dim) * 3
    with torch.inference_mode():
        expected = policy.module(obs).numpy()

    scripted = torch.jit.load(str(out / "policy.pt"))
    with torch.inference_mode():
        np.testing.assert_allclose(scripted(obs).numpy(), expected, atol=1e-5)

    model = onnx.load(str(out / "policy.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["obs"] and [o.name for o in model.graph.output] == ["actions"]
    actual = ReferenceEvaluator(model).run(None, {"obs": obs.numpy()})[0]
    np.testing.assert_allclose(actual, expected, atol=1e-4)

    report = json.loads((out / "export.json").read_text())
    assert report["passed"] and report["checkpoint_file"] == pathlib.Path(policy_run["final_checkpoint"]).name

    again = run_playbook("playbooks/export.yml", extra_vars={
        **platform_vars(mlflow_platform), "export_policy": uri, "export_output_dir": str(out)})
    assert again.rc == 0 and again.changed == 0, again

"""training_job's OSMO backend end to end: ansible-playbook, the OSMO emulator and a real Azurite."""

from __future__ import annotations

import json

import pytest

from support.playbook import run_playbook

pytestmark = pytest.mark.slow

PLAYBOOK = "tests/integration/playbooks/osmo_training.yml"
SECRET = "s3cr3t-osmo-token-for-the-role"


@pytest.fixture
def training(osmo_emulator_target, azurite, tmp_path):
    emulator = osmo_emulator_target.emulator
    emulator.tokens[SECRET] = "ansible"
    result_file = tmp_path / "result.json"
    extra = {
        "training_job_task": "Isaac-Velocity-Rough-Anymal-C-v0",
        "training_job_framework": "rsl_rl",
        "training_job_num_envs": 64,
        "training_job_max_iterations": 10,
        "training_job_seed": 7,
        "training_job_experiment": "Anymal Rough",
        "training_job_resources": {"gpu": 1, "cpu": 8, "memory": "32Gi", "storage": "50Gi"},
        "training_job_wait": True,
        "training_job_wait_timeout": 120,
        "training_job_stream": True,
        "training_job_osmo_token": SECRET,
        "training_job_osmo_ca_bundle": osmo_emulator_target.ca_bundle,
        "training_job_osmo_pool": "default",
        "training_job_osmo_code_storage_url": "azure://devstoreaccount1/osmo/osmo-code",
        "training_job_osmo_storage_connection_string": azurite["connection_string"],
        "training_job_osmo_output_url": "azure://devstoreaccount1/runs/",
        "training_job_osmo_poll_interval": 1,
        "osmo_training_result_file": str(result_file),
    }
    env = {"OSMO_URL": osmo_emulator_target.url, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def run(*args, check=False, drop=(), **overrides):
        values = {k: v for k, v in dict(extra, **overrides).items() if k not in drop}
        return run_playbook(PLAYBOOK, *args, extra_vars=values, env=env, check=check)

    run.result = lambda: json.loads(result_file.read_text())
    run.emulator = emulator
    return run


def submissions(emulator):
    return [r for r in emulator.requests_to("POST", r"/api/pool/default/workflow")
            if "validation_only" not in r["query"]]


def test_train_on_osmo_then_rerun_changes_nothing(training):
    first = training("-vvv")
    assert first.rc == 0, first
    result = training.result()
    assert result["backend"] == "osmo" and result["status"] == "COMPLETED" and result["submitted"] is True
    workflow_id = result["workflow_id"]
    assert workflow_id.startswith("anymal-rough-k")
    assert result["output_url"] == f"azure://devstoreaccount1/runs/{workflow_id}"
    assert result["code_url"].startswith("azure://devstoreaccount1/osmo/osmo-code/")
    # The task ran the training CLI from the uploaded archive with the shared variables.
    assert (f"robotics-training train --task Isaac-Velocity-Rough-Anymal-C-v0 --framework rsl_rl --num-envs 64 "
            f"--seed 7 in {workflow_id}") in first.stdout  # training_job_stream shows the log
    spec = submissions(training.emulator)[0]["body"]["file"]
    assert f"url: {result['code_url']}" in spec and "ENCODED" not in spec
    assert SECRET not in first.stdout + first.stderr, "the OSMO token must never be shown, even at -vvv"

    second = training()
    assert second.rc == 0 and second.changed == 0, second
    assert training.result()["workflow_id"] == workflow_id
    assert len(submissions(training.emulator)) == 1


def test_check_mode_only_validates(training):
    run = training(check=True, training_job_seed=8)
    assert run.rc == 0, run
    posts = training.emulator.requests_to("POST")
    assert len(posts) == 1 and posts[0]["query"]["validation_only"] == ["true"]
    assert training.result()["workflow_id"] is None


def test_a_failing_training_fails_the_play_with_the_task_log(training):
    run = training(training_job_seed=9, training_job_osmo_environment={"CRASH": "OSMO_EMULATOR_FAIL"})
    assert run.rc != 0
    assert "ended FAILED" in run.stdout and "task 'train' (group 'train-group') FAILED, exit code 1" in run.stdout
    assert "OSMO_EMULATOR_FAIL: emulated failure" in run.stdout


def test_a_bad_variable_fails_before_anything_is_sent(training):
    run = training(training_job_framework="tensorflow")
    assert run.rc != 0 and "training_job_framework" in run.stdout
    run = training(training_job_resources={"gpu": 1, "cpu": 8, "memory": "lots", "storage": "50Gi"})
    assert run.rc != 0 and "workflow.resources.default.memory" in run.stdout
    run = training(drop=["training_job_osmo_code_storage_url"])
    assert run.rc != 0 and "training_job_osmo_code_storage_url" in run.stdout
    assert training.emulator.requests == []

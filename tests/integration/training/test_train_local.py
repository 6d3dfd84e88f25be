"""The local backend for real: playbooks/train.yml trains on CPU against the local MLflow server.

One run learns (a fixed seed, 120 iterations of HalfCheetah-v5 with 200-step episodes); the others are a few
iterations each and start from its checkpoints: resume (runs:/ URI) and warm-start (models:/ URI).
"""

from __future__ import annotations

import pathlib
import re
import time

import pytest

from support.playbook import run_playbook
from support.training import FAST_TASK_ARGS, adam_steps, platform_vars, read_result, tensorboard_scalars

pytestmark = pytest.mark.slow

LEARNING_ITERATIONS = 120
SAVE_INTERVAL = 40
# Minimum gain of the mean episode return from its first value to its last one (an untrained HalfCheetah
# scores about -50 on 200-step episodes; this seed reaches about +50 after 120 iterations).
LEARNING_MARGIN = 40.0
# rsl_rl PPO defaults here: 5 epochs x 4 mini-batches = 20 optimizer steps per iteration.
OPTIMIZER_STEPS_PER_ITERATION = 20


def train(platform, output_root, **job_vars):
    extra = {
        **platform_vars(platform),
        "training_job_output_dir": str(output_root),
        "training_job_extra_args": [*FAST_TASK_ARGS, "--save-interval", str(SAVE_INTERVAL)],
        **job_vars,
    }
    return run_playbook("playbooks/train.yml", "-e", "training_hosts=localhost", extra_vars=extra,
                        env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})


def run_dir_of(run) -> pathlib.Path:
    match = re.search(r"Run directory:\s+(\S+?)'?$", run.stdout, re.M)
    assert match, run
    return pathlib.Path(match[1])


@pytest.fixture(scope="module")
def learned(mlflow_platform, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    run = train(mlflow_platform, root, training_job_max_iterations=LEARNING_ITERATIONS, training_job_seed=42)
    assert run.rc == 0, run
    run_dir = run_dir_of(run)
    return {"run": run, "dir": run_dir, "result": read_result(run_dir), "root": root}


def test_training_improves_the_policy(learned):
    result = learned["result"]
    # the mirror step of an AWX workflow gets the run from these stats
    stats = learned["run"].stdout.split("CUSTOM STATS")[1]
    assert re.search(r'model_mirror_source"?: "?%s\b' % re.escape(str(learned["dir"])), stats), stats
    assert result["stop_reason"] == "completed"
    assert result["final_iteration"] == LEARNING_ITERATIONS - 1
    assert result["first_mean_reward"] is not None and result["first_mean_reward_iteration"] < 20
    assert result["final_mean_reward"] > result["first_mean_reward"] + LEARNING_MARGIN, result


def test_progress_is_streamed_one_line_per_iteration(learned):
    lines = re.findall(r"^localhost \| \[train\] iteration (\d+)/(\d+) mean_reward=\S+ .*steps/s=\d+",
                       learned["run"].stdout, re.M)
    assert [int(i) for i, _total in lines] == list(range(LEARNING_ITERATIONS))
    assert "Mean reward:" in learned["run"].stdout


def test_checkpoints_and_tensorboard_files_are_on_disk(learned):
    run_dir = learned["dir"]
    names = sorted(p.name for p in run_dir.glob("model_*.pt"))
    assert names == sorted(f"model_{i}.pt" for i in (0, 40, 80, 119))
    assert learned["result"]["final_checkpoint"] == str(run_dir / "model_119.pt")
    rewards = tensorboard_scalars(run_dir, "Train/mean_reward")
    assert rewards and rewards[-1][0] == LEARNING_ITERATIONS - 1
    assert len(tensorboard_scalars(run_dir, "Loss/learning_rate")) == LEARNING_ITERATIONS
    assert (run_dir / "config" / "agent.yaml").is_file()


def test_metrics_params_tags_and_artifacts_are_in_mlflow(learned, mlflow_client):
    result = learned["result"]
    run = mlflow_client.get_run(result["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["task"] == "HalfCheetah-v5" and run.data.params["checkpoint_mode"] == "from-scratch"
    assert run.data.params["agent.algorithm.class_name"] == "PPO"
    assert run.data.tags["checkpoint_mode"] == "from-scratch"
    assert run.data.tags["training_outcome"] == "completed"
    for name in ("mean_reward", "mean_episode_length", "loss_value", "loss_surrogate", "learning_rate",
                 "steps_per_second", "system/cpu_percent", "system/memory_percent"):
        assert name in run.data.metrics, name
    history = mlflow_client.get_metric_history(result["run_id"], "steps_per_second")
    assert sorted(m.step for m in history) == list(range(LEARNING_ITERATIONS))
    reward_history = sorted(mlflow_client.get_metric_history(result["run_id"], "mean_reward"), key=lambda m: m.step)
    assert reward_history[-1].value == pytest.approx(result["final_mean_reward"], abs=1e-3)

    def artifacts(path=None):
        for info in mlflow_client.list_artifacts(result["run_id"], path):
            yield from artifacts(info.path) if info.is_dir else [info.path]

    stored = set(artifacts())
    assert {f"checkpoints/model_{i}.pt" for i in (0, 40, 80, 119)} <= stored
    assert any(p.startswith("tensorboard/events.out.tfevents.") for p in stored)
    assert {"config/agent.yaml", "config/settings.yaml", "training_result.json"} <= stored
    # Training never registers a model.
    assert mlflow_client.search_model_versions(f"run_id='{result['run_id']}'") == []


def test_resume_continues_the_iteration_counter_and_the_optimizer(
        learned, mlflow_platform, mlflow_client, tmp_path):
    source = learned["result"]
    run = train(mlflow_platform, tmp_path, training_job_max_iterations=5, training_job_checkpoint_mode="resume",
                training_job_checkpoint_uri=f"runs:/{source['run_id']}/checkpoints")
    assert run.rc == 0, run
    assert run.changed == 1, "only the training task changes anything (the platform already runs)"
    resumed = read_result(run_dir_of(run))
    assert resumed["resumed_from_iteration"] == 119
    assert (resumed["start_iteration"], resumed["final_iteration"]) == (120, 124)
    saved = sorted(p.name for p in pathlib.Path(resumed["output_dir"]).glob("model_*.pt"))
    assert saved == ["model_120.pt", "model_124.pt"]
    # The optimizer state went on from the checkpoint's: 120 + 5 iterations of Adam steps.
    assert adam_steps(source["final_checkpoint"]) == 120 * OPTIMIZER_STEPS_PER_ITERATION
    assert adam_steps(resumed["final_checkpoint"]) == 125 * OPTIMIZER_STEPS_PER_ITERATION
    tracked = mlflow_client.get_run(resumed["run_id"])
    assert tracked.data.tags["checkpoint_mode"] == "resume"
    assert tracked.data.tags["resumed_from_iteration"] == "119"
    assert tracked.data.params["checkpoint_uri"] == f"runs:/{source['run_id']}/checkpoints"
    steps = sorted(m.step for m in mlflow_client.get_metric_history(resumed["run_id"], "steps_per_second"))
    assert steps == [120, 121, 122, 123, 124]


def test_warm_start_loads_the_weights_and_restarts_the_counter(learned, mlflow_platform, mlflow_client, tmp_path):
    source = learned["result"]
    # Stand in for the mirror step: register the learned run's final checkpoint as a model version.
    name = "halfcheetah-warm-start-test"
    mlflow_client.create_registered_model(name)
    version = mlflow_client.create_model_version(
        name, f"runs:/{source['run_id']}/checkpoints/model_119.pt", run_id=source["run_id"])
    run = train(mlflow_platform, tmp_path, training_job_max_iterations=5, training_job_checkpoint_mode="warm-start",
                training_job_checkpoint_uri=f"models:/{name}/{version.version}")
    assert run.rc == 0, run
    warm = read_result(run_dir_of(run))
    assert warm["resumed_from_iteration"] is None
    assert (warm["start_iteration"], warm["final_iteration"]) == (0, 4)
    assert sorted(p.name for p in pathlib.Path(warm["output_dir"]).glob("model_*.pt")) == ["model_0.pt", "model_4.pt"]
    assert adam_steps(warm["final_checkpoint"]) == 5 * OPTIMIZER_STEPS_PER_ITERATION, "a fresh optimizer"
    tracked = mlflow_client.get_run(warm["run_id"])
    assert tracked.data.tags["checkpoint_mode"] == "warm-start"
    assert sorted(m.step for m in mlflow_client.get_metric_history(warm["run_id"], "steps_per_second")) == [0, 1, 2, 3, 4]
    # The weights came along: the first rollout already earns what the learned policy earns, far more than
    # the untrained policy's first rollout did.
    first_rollout = {k: mlflow_client.get_metric_history(r, "mean_step_reward") for k, r in
                     (("warm", warm["run_id"]), ("scratch", source["run_id"]))}
    warm_first = min(first_rollout["warm"], key=lambda m: m.step).value
    scratch_first = min(first_rollout["scratch"], key=lambda m: m.step).value
    assert warm_first > scratch_first + 0.3, (warm_first, scratch_first)


def test_check_mode_trains_nothing(mlflow_platform, tmp_path):
    check = run_playbook("playbooks/train.yml", "-e", "training_hosts=localhost", check=True, extra_vars={
        **platform_vars(mlflow_platform), "training_job_output_dir": str(tmp_path / "check"),
        "training_job_max_iterations": 5, "training_start_platform": False})
    assert check.rc == 0, check
    assert not (tmp_path / "check").exists()
    assert check.changed == 1, "check mode predicts the training run"


def test_without_waiting_the_job_runs_in_the_background(mlflow_platform, tmp_path):
    run = train(mlflow_platform, tmp_path, training_job_max_iterations=3, training_job_wait=False)
    assert run.rc == 0, run
    run_dir = run_dir_of(run)
    deadline = time.monotonic() + 300
    while not (run_dir / "training_result.json").exists():
        assert time.monotonic() < deadline, "the background run did not finish"
        time.sleep(2)
    assert read_result(run_dir)["final_iteration"] == 2


def test_invalid_mode_combination_fails_before_anything_runs(mlflow_platform, tmp_path):
    run = run_playbook("playbooks/train.yml", "-e", "training_hosts=localhost", extra_vars={
        **platform_vars(mlflow_platform), "training_job_output_dir": str(tmp_path),
        "training_job_checkpoint_mode": "resume", "training_start_platform": False})
    assert run.rc != 0
    assert "training_job_checkpoint_mode=resume" in run.stdout and "training_job_checkpoint_uri" in run.stdout
    assert not any(tmp_path.iterdir())

"""The package's CLI without Ansible: skrl runs, the time budget, SIGTERM, checkpoint mismatches.

Every run is a handful of iterations of HalfCheetah-v5 with 200-step episodes and no MLflow.
"""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from support.paths import PROJECT_ROOT
from support.training import FAST_TASK_ARGS, adam_steps, cli, read_result, tensorboard_scalars

pytestmark = pytest.mark.slow

SKRL_ROLLOUTS = 24
# skrl PPO here: 5 epochs x 4 mini-batches = 20 optimizer steps per iteration.
SKRL_OPTIMIZER_STEPS = 20


def train(out, *args):
    proc = cli("train", "--task", "HalfCheetah-v5", "--output-dir", str(out), *FAST_TASK_ARGS, *args)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return read_result(out), proc


@pytest.fixture(scope="module")
def skrl_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("skrl") / "run"
    return train(out, "--framework", "skrl", "--max-iterations", "6", "--save-interval", "3")[0]


def test_skrl_keeps_its_layout_and_writes_tensorboard(skrl_run):
    out = pathlib.Path(skrl_run["output_dir"])
    assert sorted(p.name for p in (out / "checkpoints").glob("agent_*.pt")) == ["agent_144.pt", "agent_72.pt"]
    assert skrl_run["final_checkpoint"] == str(out / "checkpoints" / "agent_144.pt")
    assert (skrl_run["final_iteration"], skrl_run["stop_reason"]) == (5, "completed")
    assert tensorboard_scalars(out, "Loss / Policy loss")


def test_skrl_resume_continues_timesteps_and_optimizer(skrl_run, tmp_path):
    resumed = train(tmp_path / "resumed", "--framework", "skrl", "--max-iterations", "3", "--save-interval", "3",
                    "--checkpoint-mode", "resume", "--checkpoint-uri", skrl_run["output_dir"])[0]
    assert (resumed["start_iteration"], resumed["final_iteration"], resumed["resumed_from_iteration"]) == (6, 8, 5)
    assert pathlib.Path(resumed["final_checkpoint"]).name == "agent_216.pt"
    assert adam_steps(skrl_run["final_checkpoint"], "optimizer") == 6 * SKRL_OPTIMIZER_STEPS
    assert adam_steps(resumed["final_checkpoint"], "optimizer") == 9 * SKRL_OPTIMIZER_STEPS


def test_skrl_warm_start_restarts_from_zero(skrl_run, tmp_path):
    warm = train(tmp_path / "warm", "--framework", "skrl", "--max-iterations", "3", "--save-interval", "3",
                 "--checkpoint-mode", "warm-start", "--checkpoint-uri", skrl_run["final_checkpoint"])[0]
    assert (warm["start_iteration"], warm["final_iteration"]) == (0, 2)
    assert pathlib.Path(warm["final_checkpoint"]).name == "agent_72.pt"
    assert adam_steps(warm["final_checkpoint"], "optimizer") == 3 * SKRL_OPTIMIZER_STEPS


def test_skrl_policy_exports_and_evaluates(skrl_run, tmp_path):
    export = cli("export", "--checkpoint", skrl_run["output_dir"], "--output-dir", str(tmp_path / "exp"))
    assert export.returncode == 0, export.stderr[-2000:]
    report = json.loads(export.stdout)
    assert report["framework"] == "skrl" and report["passed"]
    assert report["checks"]["torchscript_max_abs_diff"] < 1e-5 and report["checks"]["onnx_max_abs_diff"] < 1e-4
    evaluation = cli("evaluate", "--checkpoint", skrl_run["final_checkpoint"], "--episodes", "2", "--num-envs", "2",
                     "--success-threshold", "1e9", "--fail-below-threshold")
    assert evaluation.returncode == 1
    assert json.loads(evaluation.stdout)["passed"] is False and len(json.loads(evaluation.stdout)["returns"]) == 2


def test_a_framework_mismatch_is_refused(skrl_run, tmp_path):
    proc = cli("train", "--task", "HalfCheetah-v5", "--output-dir", str(tmp_path / "x"), "--max-iterations", "1",
               "--checkpoint-mode", "warm-start", "--checkpoint-uri", skrl_run["final_checkpoint"])
    assert proc.returncode == 2
    assert "is not an rsl_rl checkpoint (it looks like skrl)" in proc.stdout + proc.stderr


def test_time_budget_ends_training_cleanly_with_a_final_checkpoint(tmp_path):
    started = time.monotonic()
    result, proc = train(tmp_path / "budget", "--max-iterations", "100000", "--time-budget", "4",
                         "--save-interval", "1000")
    assert result["stop_reason"] == "time_budget"
    assert 0 < result["iterations"] < 100000
    assert result["train_seconds"] <= 4.0 + 1.0
    final = pathlib.Path(result["final_checkpoint"])
    assert final.name == f"model_{result['final_iteration']}.pt" and final.is_file()
    assert "[train] done: time_budget" in proc.stdout
    assert time.monotonic() - started < 120


def test_sigterm_stops_after_the_current_iteration(tmp_path):
    out = tmp_path / "sigterm"
    process = subprocess.Popen(
        [sys.executable, "-m", "robotics_training", "train", "--task", "HalfCheetah-v5", "--output-dir", str(out),
         "--max-iterations", "100000", "--save-interval", "1000", *FAST_TASK_ARGS],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:
            if line.startswith("[train] iteration 3/"):
                process.send_signal(signal.SIGTERM)
                break
        output = process.communicate(timeout=120)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    result = read_result(out)
    assert result["stop_reason"] == "signal:SIGTERM"
    assert pathlib.Path(result["final_checkpoint"]).is_file()


def test_an_output_dir_with_checkpoints_is_refused(skrl_run):
    proc = cli("train", "--task", "HalfCheetah-v5", "--output-dir", skrl_run["output_dir"], "--max-iterations", "1")
    assert proc.returncode == 2 and "already holds checkpoints" in proc.stdout + proc.stderr


def test_isaac_lab_task_without_isaac_lab_fails_with_the_fallback(tmp_path):
    proc = cli("train", "--task", "Isaac-Velocity-Rough-Anymal-C-v0", "--output-dir", str(tmp_path / "isaac"))
    assert proc.returncode == 2
    assert "needs Isaac Lab" in proc.stdout + proc.stderr and "HalfCheetah-v5" in proc.stdout + proc.stderr

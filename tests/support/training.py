"""Helpers of the training tests: the package's CLI, run results, TensorBoard scalars, checkpoints."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

from support.paths import PROJECT_ROOT

# Short episodes make the first episode returns appear after a few iterations.
FAST_TASK_ARGS = ["--max-episode-steps", "200"]


def platform_vars(platform: dict) -> dict:
    """A platform fixture's variables as extra vars for a playbook (test-only keys left out)."""
    return {k: v for k, v in platform.items() if k.startswith("local_platform_")}


def cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Runs ``robotics-training`` with the test interpreter, as the local backend does."""
    import os

    # mlflow.set_tracking_uri() in an earlier in-process test exports MLFLOW_TRACKING_URI, possibly of a server
    # that is gone: a run is tracked only where its test says.
    full_env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "robotics_training", *args], cwd=PROJECT_ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def read_result(run_dir: str | pathlib.Path) -> dict:
    return json.loads((pathlib.Path(run_dir) / "training_result.json").read_text())


def tensorboard_scalars(run_dir: str | pathlib.Path, tag: str) -> list[tuple[int, float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    events.Reload()
    if tag not in events.Tags()["scalars"]:
        return []
    return [(e.step, e.value) for e in events.Scalars(tag)]


def adam_steps(checkpoint: str | pathlib.Path, key: str = "optimizer_state_dict") -> int:
    """Optimizer steps recorded in a checkpoint's Adam state (first parameter)."""
    import torch

    state = torch.load(str(checkpoint), map_location="cpu", weights_only=False)[key]["state"]
    first = state[min(state)]
    return int(first["step"])

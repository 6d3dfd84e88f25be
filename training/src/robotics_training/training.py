"""One training run end to end: task, checkpoint input, runner, tracking, result file.

The run directory (``--output-dir``) receives the framework's own layout (checkpoints, TensorBoard event
files), ``config/`` (settings and agent configuration) and ``training_result.json`` (what a caller such as the
Ansible role reads back). The same files go to the MLflow run: ``checkpoints/``, ``tensorboard/``,
``config/`` and ``training_result.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import random
import shutil
import tempfile
import time

import yaml

from robotics_training import __version__
from robotics_training.budget import TimeBudget, install_stop_signals
from robotics_training.checkpoints.layout import has_checkpoints
from robotics_training.checkpoints.uri import strip_query
from robotics_training.config import TrainSettings, rsl_rl_train_cfg, skrl_agent_cfg
from robotics_training.envs.tasks import resolve_task
from robotics_training.progress import IterationReporter
from robotics_training.system_metrics import SystemMetrics
from robotics_training.tracking import Tracker

RESULT_FILE = "training_result.json"


class OutputDirError(RuntimeError):
    pass


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


def set_torch_threads(threads: int | None, device: str) -> None:
    import torch

    if threads is None and device.startswith("cpu"):
        threads = 1
    if threads:
        torch.set_num_threads(threads)


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_training(settings: TrainSettings) -> dict:
    settings.validate()
    output_dir = pathlib.Path(settings.output_dir).resolve()
    if has_checkpoints(output_dir):
        raise OutputDirError(
            f"--output-dir {output_dir} already holds checkpoints of another run; give each run its own directory")
    task = resolve_task(settings.task)
    output_dir.mkdir(parents=True, exist_ok=True)
    device = resolve_device(settings.device)

    checkpoint_path = None
    cleanup: list[str] = []
    if settings.checkpoint_uri:
        from robotics_training.checkpoints.fetch import fetch_checkpoint

        # Downloaded outside the run directory: a copied model_<N>.pt there would pass for this run's own.
        download_dir = tempfile.mkdtemp(prefix="checkpoint-input-")
        cleanup.append(download_dir)
        checkpoint_path = str(fetch_checkpoint(settings.checkpoint_uri, download_dir,
                                               tracking_uri=settings.tracking_uri))
        print(f"[train] checkpoint {strip_query(settings.checkpoint_uri)} -> {checkpoint_path} "
              f"({settings.checkpoint_mode})", flush=True)

    set_torch_threads(settings.torch_threads, device)
    seed_everything(settings.seed)
    if settings.framework == "rsl_rl":
        agent_cfg = rsl_rl_train_cfg(settings)
        if task.kind == "isaaclab":
            from robotics_training.config import apply_overrides
            from robotics_training.envs import isaaclab

            agent_cfg = apply_overrides(isaaclab.rsl_rl_agent_cfg(task.name) or agent_cfg, settings.overrides)
    else:
        agent_cfg = skrl_agent_cfg(settings)
    config_dir = output_dir / "config"
    config_dir.mkdir(exist_ok=True)
    settings_dict = dataclasses.asdict(settings)
    settings_dict["checkpoint_uri"] = strip_query(settings.checkpoint_uri) if settings.checkpoint_uri else None
    (config_dir / "settings.yaml").write_text(yaml.safe_dump(settings_dict, sort_keys=False))
    (config_dir / "agent.yaml").write_text(yaml.safe_dump(agent_cfg, sort_keys=False))

    env = _make_env(task, settings, device)
    metadata = {
        "package_version": __version__, "framework": settings.framework, "task": settings.task,
        "task_kind": task.kind, "hidden_dims": [int(d) for d in settings.hidden_dims],
        "max_episode_steps": settings.max_episode_steps, "seed": settings.seed,
    }
    if settings.framework == "rsl_rl":
        metadata["actor"] = agent_cfg.get("actor")
    else:
        metadata["activation"] = agent_cfg["models"].get("activation", "elu")

    tracker = Tracker(settings.tracking_uri, settings.experiment_name, settings.run_name)
    budget = TimeBudget(settings.time_budget)
    reporter = IterationReporter(budget, tracker, SystemMetrics())
    params = {
        "task": settings.task, "framework": settings.framework, "num_envs": settings.num_envs,
        "max_iterations": settings.max_iterations, "seed": settings.seed, "device": device,
        "num_steps_per_env": settings.num_steps_per_env, "checkpoint_mode": settings.checkpoint_mode,
        "checkpoint_uri": settings_dict["checkpoint_uri"] or "none", "time_budget": settings.time_budget or "none",
        "max_episode_steps": settings.max_episode_steps or "task default", "agent": agent_cfg,
    }
    tags = {
        "task": settings.task, "framework": settings.framework, "checkpoint_mode": settings.checkpoint_mode,
        "checkpoint_source_uri": settings_dict["checkpoint_uri"], "output_dir": str(output_dir),
        "entrypoint": "robotics-training train", "robotics_training_version": __version__,
        "training_outcome": "running",
    }
    run_id = tracker.start(params, tags)
    if run_id:
        print(f"[train] MLflow run {run_id} in experiment '{settings.experiment_name}'", flush=True)
    restore_signals = install_stop_signals(budget)
    started = time.time()
    status = "FAILED"
    try:
        runner_kwargs = dict(
            output_dir=str(output_dir), device=device, iterations=settings.max_iterations, reporter=reporter,
            metadata=metadata, on_checkpoint=lambda path: tracker.upload_later(path, "checkpoints"),
            checkpoint=checkpoint_path, checkpoint_mode=settings.checkpoint_mode,
        )
        if settings.framework == "rsl_rl":
            from robotics_training.runners import rsl_rl

            outcome = rsl_rl.train(env, agent_cfg, **runner_kwargs)
        else:
            from robotics_training.runners import skrl

            outcome = skrl.train(env, agent_cfg, **runner_kwargs)
        loop_seconds = budget.elapsed  # wall clock of the training loop, logging and checkpoints included
        loop_cpu_seconds = budget.cpu_elapsed
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        tracker.set_tags({"training_outcome": "interrupted"})
        raise
    except BaseException:
        tracker.set_tags({"training_outcome": "failed"})
        raise
    finally:
        restore_signals()
        _close_env(env, task)
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)
        if status != "FINISHED":
            tracker.finish(status)

    result = _result(settings, output_dir, outcome, reporter, tracker, time.time() - started)
    result["loop_seconds"] = round(loop_seconds, 3)
    result["loop_cpu_seconds"] = round(loop_cpu_seconds, 3)
    _write_atomically(output_dir / RESULT_FILE, json.dumps(result, indent=2) + "\n")
    tracker.drain_uploads()
    tracker.upload_changed([pathlib.Path(p) for p in outcome.checkpoints if os.path.exists(p)], "checkpoints")
    for event_file in sorted(pathlib.Path(outcome.tensorboard_dir).glob("events.out.tfevents.*")):
        tracker.upload_now(event_file, "tensorboard")
    tracker.upload_now(config_dir, None)
    tracker.upload_now(output_dir / RESULT_FILE, None)
    tracker.set_tags({
        "training_outcome": outcome.stop_reason, "final_checkpoint": result["final_checkpoint"],
        "final_iteration": outcome.final_iteration,
        "resumed_from_iteration": outcome.resumed_from_iteration,
    })
    tracker.finish("FINISHED")
    print(f"[train] done: {outcome.stop_reason} at iteration {outcome.final_iteration}, "
          f"final mean reward {_fmt(result['final_mean_reward'])}, checkpoint {result['final_checkpoint']}",
          flush=True)
    return result


def _make_env(task, settings: TrainSettings, device: str):
    if task.kind == "isaaclab":
        from robotics_training.envs import isaaclab

        return isaaclab.make_env(task.name, settings.num_envs, settings.seed, device, settings.framework)
    from robotics_training.envs.gym_vector import as_rsl_rl_vec_env, make_vector_env

    vector_env = make_vector_env(task.name, settings.num_envs, max_episode_steps=settings.max_episode_steps)
    if settings.framework == "rsl_rl":
        return as_rsl_rl_vec_env(vector_env, seed=settings.seed, device=device)
    from skrl.envs.wrappers.torch import wrap_env
    from skrl.utils import set_seed

    set_seed(settings.seed)
    return wrap_env(vector_env, wrapper="gymnasium")


def _close_env(env, task) -> None:
    try:
        env.close()
    except Exception:
        pass
    if task.kind == "isaaclab":
        from robotics_training.envs import isaaclab

        isaaclab.close()


def _write_atomically(path: pathlib.Path, text: str) -> None:
    # A caller polling for the result file never reads half of it.
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _result(settings, output_dir, outcome, reporter, tracker, wall_seconds) -> dict:
    final_name = os.path.relpath(outcome.final_checkpoint, output_dir)
    first = reporter.first_mean_reward
    last = reporter.last_mean_reward
    return {
        "task": settings.task,
        "framework": settings.framework,
        "checkpoint_mode": settings.checkpoint_mode,
        "checkpoint_uri": strip_query(settings.checkpoint_uri) if settings.checkpoint_uri else None,
        "output_dir": str(output_dir),
        "final_checkpoint": str(outcome.final_checkpoint),
        "checkpoints": [str(p) for p in outcome.checkpoints],
        "start_iteration": outcome.start_iteration,
        "final_iteration": outcome.final_iteration,
        "iterations": reporter.iterations_done,
        "resumed_from_iteration": outcome.resumed_from_iteration,
        "stop_reason": outcome.stop_reason,
        "first_mean_reward": round(first[1], 4) if first else None,
        "first_mean_reward_iteration": first[0] if first else None,
        "final_mean_reward": round(last[1], 4) if last else None,
        "final_mean_reward_iteration": last[0] if last else None,
        "total_env_steps": reporter.total_env_steps,
        "train_seconds": round(reporter.train_time, 3),
        "wall_seconds": round(wall_seconds, 3),
        "steps_per_second": round(reporter.mean_steps_per_second, 1),
        "tensorboard_dir": outcome.tensorboard_dir,
        "tracking_uri": settings.tracking_uri,
        "experiment": settings.experiment_name if tracker.run_id else None,
        "experiment_id": tracker.experiment_id,
        "run_id": tracker.run_id,
        "final_checkpoint_artifact_uri": (
            f"runs:/{tracker.run_id}/checkpoints/{os.path.basename(final_name)}" if tracker.run_id else None),
        "upload_errors": tracker.upload_errors,
    }

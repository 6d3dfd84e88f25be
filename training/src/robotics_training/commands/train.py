"""``robotics-training train``: train a policy with rsl_rl or skrl, tracked in MLflow."""

from __future__ import annotations

import argparse
import os
import sys

from . import arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a policy (rsl_rl or skrl) on a gymnasium MuJoCo or Isaac Lab task",
        description="Trains a PPO policy and writes the framework's checkpoints and TensorBoard files to "
        "--output-dir, logs parameters, per-iteration metrics and artefacts to MLflow when a tracking URI is "
        "set, and prints one progress line per iteration. Never registers a model.",
    )
    parser.add_argument("--task", required=True,
                        help="gymnasium task (HalfCheetah-v5, Ant-v5, ...) or Isaac Lab task (Isaac-*)")
    parser.add_argument("--framework", default="rsl_rl", help="rsl_rl (default) or skrl")
    parser.add_argument("--output-dir", required=True, help="run directory (must not hold checkpoints yet)")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--max-iterations", type=int, default=300,
                        help="iterations to run in this job (a resumed run continues counting from its checkpoint)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--device", default="auto", help="cpu, cuda:0, ... or auto (default)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="intra-op threads of torch (default: 1 on CPU, where small policy networks gain nothing "
                        "from more and a busy machine loses a lot; torch's default on GPU)")
    parser.add_argument("--num-steps-per-env", type=int, default=24, help="rollout length per iteration")
    parser.add_argument("--hidden-dims", default="64,64", help="MLP layer sizes, comma-separated")
    parser.add_argument("--save-interval", type=int, default=50, help="checkpoint every N iterations (and at the end)")
    parser.add_argument("--max-episode-steps", type=int, default=None,
                        help="episode time limit of gymnasium tasks (default: the task's own)")
    parser.add_argument("--checkpoint-uri", default=os.environ.get("CHECKPOINT_URI") or None,
                        help="runs:/..., models:/..., azure://account/container/path, a blob https URL or a path")
    parser.add_argument("--checkpoint-mode", default=os.environ.get("CHECKPOINT_MODE") or "from-scratch",
                        help="from-scratch (default), warm-start (weights only) or resume (weights, optimizer, "
                        "iteration counter)")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                        help="stop cleanly after the iteration that uses up this many seconds; the final "
                        "checkpoint is still written")
    arguments.add_tracking_uri(parser, "$MLFLOW_TRACKING_URI; none: no MLflow logging")
    parser.add_argument("--experiment", default=os.environ.get("MLFLOW_EXPERIMENT_NAME") or None,
                        help="MLflow experiment (default: derived from the task)")
    parser.add_argument("--run-name", default=None)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                        help="override an agent setting, e.g. algorithm.learning_rate=3e-4 (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from robotics_training.config import SettingsError, TrainSettings

    try:
        hidden = tuple(int(x) for x in str(args.hidden_dims).split(",") if x.strip())
    except ValueError:
        print(f"error: --hidden-dims: '{args.hidden_dims}' is not a comma-separated list of integers", file=sys.stderr)
        return 2
    settings = TrainSettings(
        task=args.task, output_dir=args.output_dir, framework=args.framework, num_envs=args.num_envs,
        max_iterations=args.max_iterations, seed=args.seed, device=args.device,
        num_steps_per_env=args.num_steps_per_env, hidden_dims=hidden, save_interval=args.save_interval,
        max_episode_steps=args.max_episode_steps, checkpoint_uri=args.checkpoint_uri,
        checkpoint_mode=args.checkpoint_mode, time_budget=args.time_budget, tracking_uri=args.tracking_uri,
        experiment=args.experiment, run_name=args.run_name, overrides=args.overrides,
        torch_threads=args.torch_threads,
    )
    try:
        settings.validate()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2

    from robotics_training.checkpoints.fetch import CheckpointFetchError
    from robotics_training.checkpoints.uri import CheckpointUriError
    from robotics_training.envs.tasks import TaskUnavailableError
    from robotics_training.runners import CheckpointMismatchError
    from robotics_training.training import OutputDirError, run_training

    try:
        run_training(settings)
    except (TaskUnavailableError, CheckpointUriError, CheckpointFetchError, CheckpointMismatchError,
            OutputDirError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    return 0

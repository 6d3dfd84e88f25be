"""``robotics-training evaluate``: N episodes with the deterministic policy, a JSON verdict."""

from __future__ import annotations

import argparse
import json
import sys

from . import arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="run N evaluation episodes of a policy and compare against a success threshold",
        description="Loads a checkpoint (path, runs:/, models:/, blob URL), runs --episodes episodes with "
        "deterministic actions and writes a JSON result with per-episode returns. The threshold comes from "
        "--success-threshold or, for models:/ URIs, from the model version's (or registered model's) "
        "'success_threshold' tag. Exits 1 below the threshold only with --fail-below-threshold.",
    )
    arguments.add_checkpoint(parser)
    parser.add_argument("--task", default=None, help="task to evaluate on (default: the one the policy was trained on)")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--num-envs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1000, help="evaluation seed (distinct from training seeds)")
    parser.add_argument("--max-episode-steps", type=int, default=None,
                        help="episode time limit (default: the one used in training, else the task's)")
    parser.add_argument("--success-threshold", type=float, default=None)
    parser.add_argument("--threshold-metric", default="mean_return", choices=["mean_return", "success_rate"])
    parser.add_argument("--fail-below-threshold", action="store_true",
                        help="exit with status 1 when the result is below the threshold")
    parser.add_argument("--output", default=None, help="write the JSON result to this file as well")
    arguments.add_tracking_uri(parser)
    parser.set_defaults(func=run)


def model_threshold(uri: str, tracking_uri: str | None) -> tuple[float | None, str | None]:
    """``success_threshold`` from a models:/ URI's version tags, else its registered model's tags."""
    if not uri.startswith("models:/"):
        return None, None
    from mlflow.tracking import MlflowClient

    from robotics_training.checkpoints.fetch import resolve_model_version

    version = resolve_model_version(uri, tracking_uri)
    registered = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri).get_registered_model(version.name)
    for source, tags in ((f"model version {version.name}/{version.version} tag", version.tags),
                         (f"registered model {version.name} tag", registered.tags)):
        if tags and "success_threshold" in tags:
            try:
                return float(tags["success_threshold"]), source
            except ValueError:
                raise ValueError(f"{source} success_threshold={tags['success_threshold']!r} is not a number") from None
    return None, None


def run(args: argparse.Namespace) -> int:
    if not args.checkpoint:
        print("error: --checkpoint (or $CHECKPOINT_URI) is required", file=sys.stderr)
        return 2
    if args.episodes < 1 or args.num_envs < 1:
        print("error: --episodes and --num-envs must be positive", file=sys.stderr)
        return 2
    from robotics_training.checkpoints.fetch import CheckpointFetchError, fetch_checkpoint
    from robotics_training.checkpoints.uri import CheckpointUriError, strip_query
    from robotics_training.envs.tasks import TaskUnavailableError
    from robotics_training.evaluation import evaluate
    from robotics_training.policy import PolicyLoadError, load_policy

    import contextlib
    import tempfile

    from robotics_training.files import sha256_file, write_json_if_changed

    try:
        with tempfile.TemporaryDirectory(prefix="evaluate-") as download_dir:
            path = fetch_checkpoint(args.checkpoint, download_dir, tracking_uri=args.tracking_uri)
            policy = load_policy(str(path))
            checkpoint_name, checkpoint_sha256 = path.name, sha256_file(path)
        task = args.task or policy.metadata.get("task")
        if not task:
            raise ValueError("the checkpoint does not say which task it was trained on; give --task")
        threshold, source = args.success_threshold, "argument" if args.success_threshold is not None else None
        if threshold is None:
            threshold, source = model_threshold(args.checkpoint, args.tracking_uri)
        max_steps = args.max_episode_steps or policy.metadata.get("max_episode_steps")
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON result
            result = evaluate(policy, task, args.episodes, args.num_envs, args.seed, threshold,
                              args.threshold_metric, max_steps)
    except (CheckpointUriError, CheckpointFetchError, PolicyLoadError, TaskUnavailableError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = {
        "checkpoint": strip_query(args.checkpoint), "checkpoint_file": checkpoint_name,
        "checkpoint_sha256": checkpoint_sha256, "framework": policy.framework,
        "task": task, "seed": args.seed, "max_episode_steps": max_steps, "threshold_source": source, **result,
    }
    written = write_json_if_changed(args.output, result, ignore=("wall_seconds",)) if args.output else False
    print(json.dumps({**result, "output": args.output, "written": written}, indent=2), flush=True)
    verdict = {None: "no threshold", True: "passed", False: "below threshold"}[result["passed"]]
    print(f"[evaluate] {result['episodes']} episodes: mean return {result['mean_return']:.2f} "
          f"(success rate {result['success_rate']:.2f}); {verdict}", file=sys.stderr, flush=True)
    if args.fail_below_threshold and result["passed"] is False:
        return 1
    return 0

"""Env steps/s of the package's local runner against a bare rsl_rl OnPolicyRunner loop.

Both sides train the same task with the same rsl_rl configuration (the package's own ``rsl_rl_train_cfg``),
the same number of envs, rollout length, seed and torch threads, on the same gymnasium vector env adapter
(rsl_rl has no gymnasium adapter of its own). The bare side is ``OnPolicyRunner(env, cfg, log_dir).learn(N)``
with its console output discarded; the package side is ``robotics_training.training.run_training`` with its
progress lines, TensorBoard files, checkpoints and, with --tracking-uri, MLflow logging. Each measurement
runs in a fresh process and the two alternate, so that a machine shared with other work affects both alike.
Throughput is environment steps divided by the wall-clock time of the training loop (setup excluded), and
also per CPU second of the training process (all its threads), which other work on the machine disturbs
far less than wall-clock time.

    .venv/bin/python scripts/benchmark-training.py --iterations 150 --repeats 3 [--tracking-uri http://...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def settings_for(args, output_dir):
    from robotics_training.config import TrainSettings

    return TrainSettings(
        task=args.task, output_dir=output_dir, num_envs=args.num_envs, max_iterations=args.iterations,
        seed=args.seed, device="cpu", num_steps_per_env=args.steps_per_env, save_interval=args.save_interval,
        max_episode_steps=args.max_episode_steps, torch_threads=args.threads, tracking_uri=args.tracking_uri,
        experiment="benchmark-training" if args.tracking_uri else None,
    ).validate()


def run_bare(args) -> dict:
    import torch
    from rsl_rl.runners import OnPolicyRunner

    from robotics_training.config import rsl_rl_train_cfg
    from robotics_training.envs.gym_vector import as_rsl_rl_vec_env, make_vector_env
    from robotics_training.training import seed_everything

    with tempfile.TemporaryDirectory() as out:
        settings = settings_for(args, out)
        torch.set_num_threads(args.threads)
        seed_everything(args.seed)
        env = as_rsl_rl_vec_env(make_vector_env(args.task, args.num_envs, max_episode_steps=args.max_episode_steps),
                                seed=args.seed)
        with contextlib.redirect_stdout(io.StringIO()):
            runner = OnPolicyRunner(env, rsl_rl_train_cfg(settings), log_dir=out, device="cpu")
        sink = open(os.devnull, "w")
        started, cpu_started = time.monotonic(), time.process_time()
        with contextlib.redirect_stdout(sink):
            runner.learn(num_learning_iterations=args.iterations)
        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
        sink.close()
        env.close()
    steps = args.iterations * args.num_envs * args.steps_per_env
    return {"side": "bare", "env_steps": steps, "loop_seconds": seconds, "steps_per_second": steps / seconds,
            "steps_per_cpu_second": steps / cpu_seconds}


def run_package(args) -> dict:
    from robotics_training.training import run_training

    with tempfile.TemporaryDirectory() as out:
        with contextlib.redirect_stdout(io.StringIO()):
            result = run_training(settings_for(args, os.path.join(out, "run")))
    return {"side": "package", "env_steps": result["total_env_steps"], "loop_seconds": result["loop_seconds"],
            "steps_per_second": result["total_env_steps"] / result["loop_seconds"],
            "steps_per_cpu_second": result["total_env_steps"] / result["loop_cpu_seconds"],
            "mlflow": bool(result["run_id"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="HalfCheetah-v5")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--steps-per-env", type=int, default=24)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--max-episode-steps", type=int, default=None)
    parser.add_argument("--save-interval", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tracking-uri", default=None, help="also log the package side to this MLflow server")
    parser.add_argument("--worker", choices=["bare", "package"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(run_bare(args) if args.worker == "bare" else run_package(args)))
        return 0

    passthrough = list(sys.argv[1:])
    samples: dict[str, list[float]] = {"bare": [], "package": []}
    cpu_samples: dict[str, list[float]] = {"bare": [], "package": []}
    for repeat in range(args.repeats):
        order = ("bare", "package") if repeat % 2 == 0 else ("package", "bare")
        for side in order:
            proc = subprocess.run([sys.executable, __file__, *passthrough, "--worker", side],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            measured = json.loads(proc.stdout.strip().splitlines()[-1])
            samples[side].append(measured["steps_per_second"])
            cpu_samples[side].append(measured["steps_per_cpu_second"])
            print(f"repeat {repeat + 1}/{args.repeats} {side:8s} {measured['steps_per_second']:8.0f} env steps/s "
                  f"({measured['env_steps']} steps in {measured['loop_seconds']:.1f} s), "
                  f"{measured['steps_per_cpu_second']:8.0f} env steps per CPU second", flush=True)
    bare, package = statistics.median(samples["bare"]), statistics.median(samples["package"])
    bare_cpu, package_cpu = statistics.median(cpu_samples["bare"]), statistics.median(cpu_samples["package"])
    summary = {
        "task": args.task, "num_envs": args.num_envs, "steps_per_env": args.steps_per_env,
        "iterations": args.iterations, "threads": args.threads, "mlflow": bool(args.tracking_uri),
        "bare_steps_per_second_median": round(bare), "package_steps_per_second_median": round(package),
        "ratio": round(package / bare, 3), "within_10_percent": package >= 0.9 * bare,
        "bare_steps_per_cpu_second_median": round(bare_cpu), "package_steps_per_cpu_second_median": round(package_cpu),
        "cpu_ratio": round(package_cpu / bare_cpu, 3),
        "samples": {k: [round(v) for v in vs] for k, vs in samples.items()},
        "cpu_samples": {k: [round(v) for v in vs] for k, vs in cpu_samples.items()},
        "load_average": os.getloadavg(),
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

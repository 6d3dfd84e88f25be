"""Evaluation of a policy: N episodes with deterministic actions, returns and a pass/fail verdict.

The threshold applies to ``mean_return`` (default) or ``success_rate`` (the share of episodes that ran to the
time limit instead of ending in a terminal state, e.g. a fallen robot). Episodes are spread evenly over the
vector envs and each env stops counting once it has run its share, so short episodes are not over-sampled.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

THRESHOLD_METRICS = ("mean_return", "success_rate")


def episode_shares(episodes: int, num_envs: int) -> list[int]:
    """How many episodes each env runs (as even as possible, summing to ``episodes``)."""
    if episodes < 1 or num_envs < 1:
        raise ValueError("episodes and num_envs must be positive")
    base, extra = divmod(episodes, num_envs)
    return [base + (1 if i < extra else 0) for i in range(num_envs)]


def summarize(returns: list[float], lengths: list[int], reached_time_limit: list[bool],
              threshold: float | None, metric: str = "mean_return") -> dict:
    if metric not in THRESHOLD_METRICS:
        raise ValueError(f"threshold metric '{metric}' is not one of {', '.join(THRESHOLD_METRICS)}")
    summary = {
        "episodes": len(returns),
        "returns": [round(float(r), 4) for r in returns],
        "lengths": [int(n) for n in lengths],
        "mean_return": float(statistics.fmean(returns)) if returns else math.nan,
        "std_return": float(statistics.pstdev(returns)) if len(returns) > 1 else 0.0,
        "min_return": float(min(returns)) if returns else math.nan,
        "max_return": float(max(returns)) if returns else math.nan,
        "mean_length": float(statistics.fmean(lengths)) if lengths else math.nan,
        "success_rate": (sum(reached_time_limit) / len(reached_time_limit)) if reached_time_limit else math.nan,
        "threshold": threshold,
        "threshold_metric": metric,
    }
    summary["passed"] = None if threshold is None else bool(summary[metric] >= threshold)
    return summary


def run_episodes(policy, task: str, episodes: int, num_envs: int, seed: int,
                 max_episode_steps: int | None = None) -> tuple[list[float], list[int], list[bool]]:
    import torch

    from robotics_training.envs.gym_vector import make_vector_env

    num_envs = max(1, min(num_envs, episodes))
    env = make_vector_env(task, num_envs, max_episode_steps=max_episode_steps)
    try:
        space = env.single_action_space
        obs_space = env.single_observation_space
        if int(np.prod(obs_space.shape)) != policy.obs_dim or int(np.prod(space.shape)) != policy.num_actions:
            raise ValueError(
                f"the policy expects {policy.obs_dim} observations and {policy.num_actions} actions, task '{task}' "
                f"has {int(np.prod(obs_space.shape))} and {int(np.prod(space.shape))}")
        low, high = np.asarray(space.low, dtype=np.float32), np.asarray(space.high, dtype=np.float32)
        shares = episode_shares(episodes, num_envs)
        done_counts = [0] * num_envs
        running = np.zeros(num_envs, dtype=np.float64)
        steps = np.zeros(num_envs, dtype=np.int64)
        returns: list[float] = []
        lengths: list[int] = []
        reached_limit: list[bool] = []
        obs, _info = env.reset(seed=seed)
        with torch.inference_mode():
            while sum(done_counts) < episodes:
                actions = policy.module(torch.as_tensor(np.asarray(obs, dtype=np.float32))).numpy()
                obs, reward, terminated, truncated, _info = env.step(np.clip(actions, low, high))
                running += reward
                steps += 1
                for i in np.flatnonzero(np.logical_or(terminated, truncated)):
                    if done_counts[i] < shares[i]:
                        returns.append(float(running[i]))
                        lengths.append(int(steps[i]))
                        reached_limit.append(bool(truncated[i] and not terminated[i]))
                        done_counts[i] += 1
                    running[i] = 0.0
                    steps[i] = 0
        return returns, lengths, reached_limit
    finally:
        env.close()


def evaluate(policy, task: str, episodes: int, num_envs: int, seed: int, threshold: float | None,
             metric: str = "mean_return", max_episode_steps: int | None = None) -> dict:
    from robotics_training.envs.tasks import resolve_task

    started = time.monotonic()
    if resolve_task(task).kind == "isaaclab":
        returns, lengths, reached = run_episodes_isaaclab(policy, task, episodes, num_envs, seed)
    else:
        returns, lengths, reached = run_episodes(policy, task, episodes, num_envs, seed, max_episode_steps)
    result = summarize(returns, lengths, reached, threshold, metric)
    result["wall_seconds"] = round(time.monotonic() - started, 3)
    return result


def run_episodes_isaaclab(policy, task: str, episodes: int, num_envs: int, seed: int,
                          ) -> tuple[list[float], list[int], list[bool]]:
    """The same loop on an Isaac Lab task (cluster images), through its rsl_rl VecEnv wrapper."""
    import torch

    from robotics_training.envs import isaaclab

    env = isaaclab.make_env(task, num_envs, seed, "cuda:0" if torch.cuda.is_available() else "cpu", "rsl_rl")
    try:
        shares = episode_shares(episodes, env.num_envs)
        done_counts = [0] * env.num_envs
        running = torch.zeros(env.num_envs)
        steps = torch.zeros(env.num_envs, dtype=torch.long)
        returns, lengths, reached = [], [], []
        obs = env.get_observations()
        module = policy.module.to(env.device)
        with torch.inference_mode():
            while sum(done_counts) < episodes:
                obs, reward, dones, extras = env.step(module(obs["policy"]))
                running += reward.cpu()
                steps += 1
                time_outs = extras.get("time_outs", torch.zeros_like(dones)).cpu()
                for i in torch.nonzero(dones.cpu() > 0).flatten().tolist():
                    if done_counts[i] < shares[i]:
                        returns.append(float(running[i]))
                        lengths.append(int(steps[i]))
                        reached.append(bool(time_outs[i]))
                        done_counts[i] += 1
                    running[i] = 0.0
                    steps[i] = 0
        return returns, lengths, reached
    finally:
        env.close()
        isaaclab.close()

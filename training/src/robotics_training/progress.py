"""Per-iteration bookkeeping shared by the runners: metrics, the progress line, the stop decision.

One line per iteration goes to stdout, flushed, in ``key=value`` form so that a log streamer (Ansible,
OSMO, AzureML) shows it as it happens and a script can parse it::

    [train] iteration 12/300 mean_reward=-120.31 episode_length=200.0 step_reward=-0.123 steps/s=7210 elapsed=5.1s
"""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import TextIO

from robotics_training.budget import TimeBudget


@dataclasses.dataclass
class IterationStats:
    iteration: int
    last_iteration: int          # the iteration at which training ends if nothing stops it earlier
    env_steps: int               # environment steps collected in this iteration (all envs)
    collect_time: float
    learn_time: float
    mean_reward: float | None = None          # mean return of recently finished episodes
    mean_episode_length: float | None = None
    mean_step_reward: float | None = None     # mean per-step reward of this iteration's rollout
    losses: dict[str, float] = dataclasses.field(default_factory=dict)
    learning_rate: float | None = None
    action_std: float | None = None


def format_progress(stats: IterationStats, steps_per_second: float, elapsed: float) -> str:
    def num(value, fmt):
        return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)

    return (
        f"[train] iteration {stats.iteration}/{stats.last_iteration} "
        f"mean_reward={num(stats.mean_reward, '.2f')} "
        f"episode_length={num(stats.mean_episode_length, '.1f')} "
        f"step_reward={num(stats.mean_step_reward, '.3f')} "
        f"steps/s={steps_per_second:.0f} elapsed={elapsed:.1f}s"
    )


def iteration_metrics(stats: IterationStats, steps_per_second: float, total_env_steps: int) -> dict[str, float]:
    """MLflow metric names shared by every framework (the report and the mirror read these)."""
    metrics: dict[str, float] = {
        "steps_per_second": steps_per_second,
        "iteration_time": stats.collect_time + stats.learn_time,
        "collection_time": stats.collect_time,
        "learning_time": stats.learn_time,
        "total_env_steps": float(total_env_steps),
    }
    optional = {
        "mean_reward": stats.mean_reward,
        "mean_episode_length": stats.mean_episode_length,
        "mean_step_reward": stats.mean_step_reward,
        "learning_rate": stats.learning_rate,
        "mean_noise_std": stats.action_std,
    }
    metrics.update({k: float(v) for k, v in optional.items() if v is not None and not math.isnan(v)})
    for name, value in stats.losses.items():
        metrics[f"loss_{_metric_key(name)}"] = float(value)
    return metrics


def _metric_key(name: str) -> str:
    return "_".join(part for part in "".join(c.lower() if c.isalnum() else " " for c in name).split())


class IterationReporter:
    """Called by a runner once per finished iteration; answers whether to stop."""

    def __init__(self, budget: TimeBudget, tracker=None, system_metrics=None, stream: TextIO | None = None) -> None:
        self.budget = budget
        self.tracker = tracker
        self.system_metrics = system_metrics
        self.stream = stream or sys.stdout
        self.total_env_steps = 0
        self.iterations_done = 0
        self.first_iteration: int | None = None
        self.last_iteration: int | None = None
        self.first_mean_reward: tuple[int, float] | None = None
        self.last_mean_reward: tuple[int, float] | None = None
        self.train_time = 0.0

    def report(self, stats: IterationStats) -> bool:
        iteration_time = max(stats.collect_time + stats.learn_time, 1e-9)
        steps_per_second = stats.env_steps / iteration_time
        self.total_env_steps += stats.env_steps
        self.iterations_done += 1
        self.train_time += iteration_time
        if self.first_iteration is None:
            self.first_iteration = stats.iteration
        self.last_iteration = stats.iteration
        if stats.mean_reward is not None and not math.isnan(stats.mean_reward):
            if self.first_mean_reward is None:
                self.first_mean_reward = (stats.iteration, float(stats.mean_reward))
            self.last_mean_reward = (stats.iteration, float(stats.mean_reward))
        self.budget.iteration_done()
        if self.tracker is not None:
            metrics = iteration_metrics(stats, steps_per_second, self.total_env_steps)
            if self.system_metrics is not None:
                metrics.update(self.system_metrics.sample(force=self.iterations_done == 1))
            self.tracker.log_metrics(metrics, step=stats.iteration)
        print(format_progress(stats, steps_per_second, self.budget.elapsed), file=self.stream, flush=True)
        return self.budget.should_stop()

    @property
    def mean_steps_per_second(self) -> float:
        return self.total_env_steps / self.train_time if self.train_time else 0.0

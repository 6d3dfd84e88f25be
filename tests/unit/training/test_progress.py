"""Per-iteration metrics, the progress line, and the reporter's bookkeeping."""

from __future__ import annotations

import io
import math

from robotics_training.budget import TimeBudget
from robotics_training.progress import IterationReporter, IterationStats, format_progress, iteration_metrics


def stats(iteration=3, mean_reward=-12.5, **kwargs):
    base = dict(iteration=iteration, last_iteration=99, env_steps=384, collect_time=0.03, learn_time=0.02,
                mean_reward=mean_reward, mean_episode_length=200.0, mean_step_reward=-0.0625,
                losses={"value": 1.5, "surrogate": -0.01, "Policy loss": 0.2}, learning_rate=1e-3, action_std=0.9)
    base.update(kwargs)
    return IterationStats(**base)


def test_progress_line_is_one_parseable_line():
    line = format_progress(stats(), steps_per_second=7680.0, elapsed=12.34)
    assert line == ("[train] iteration 3/99 mean_reward=-12.50 episode_length=200.0 step_reward=-0.062 "
                    "steps/s=7680 elapsed=12.3s")
    assert "\n" not in line


def test_missing_values_print_as_na():
    line = format_progress(stats(mean_reward=None, mean_episode_length=math.nan), 100.0, 1.0)
    assert "mean_reward=n/a" in line and "episode_length=n/a" in line


def test_metric_names():
    metrics = iteration_metrics(stats(), steps_per_second=7680.0, total_env_steps=1536)
    assert metrics["mean_reward"] == -12.5
    assert metrics["mean_episode_length"] == 200.0
    assert metrics["steps_per_second"] == 7680.0
    assert metrics["learning_rate"] == 1e-3
    assert metrics["mean_noise_std"] == 0.9
    assert metrics["loss_value"] == 1.5 and metrics["loss_surrogate"] == -0.01
    assert metrics["loss_policy_loss"] == 0.2
    assert metrics["total_env_steps"] == 1536.0
    assert "mean_reward" not in iteration_metrics(stats(mean_reward=None), 1.0, 1)


class FakeTracker:
    def __init__(self):
        self.logged = []

    def log_metrics(self, metrics, step):
        self.logged.append((step, metrics))


def test_reporter_logs_prints_and_remembers_first_and_last_reward():
    tracker, out = FakeTracker(), io.StringIO()
    reporter = IterationReporter(TimeBudget(None), tracker, None, out)
    for i, reward in enumerate([None, None, -50.0, -20.0, 10.0]):
        assert reporter.report(stats(iteration=i, mean_reward=reward)) is False
    assert reporter.first_mean_reward == (2, -50.0)
    assert reporter.last_mean_reward == (4, 10.0)
    assert reporter.total_env_steps == 5 * 384
    assert [step for step, _metrics in tracker.logged] == [0, 1, 2, 3, 4]
    assert len(out.getvalue().splitlines()) == 5
    assert reporter.mean_steps_per_second == 384 / 0.05


def test_reporter_says_stop_when_the_budget_is_used_up():
    clock = [0.0]
    budget = TimeBudget(1.0, clock=lambda: clock[0])
    budget.start()
    reporter = IterationReporter(budget, None, None, io.StringIO())
    clock[0] = 0.6
    assert reporter.report(stats()) is True
    assert budget.stop_reason == "time_budget"

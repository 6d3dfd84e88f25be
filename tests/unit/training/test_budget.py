"""The time budget stops training on an iteration boundary, before the budget is overrun."""

from __future__ import annotations

import os
import signal

import pytest

from robotics_training.budget import TimeBudget, install_stop_signals


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def run_iterations(budget, clock, durations):
    """Simulates a training loop; returns how many iterations ran."""
    budget.start()
    done = 0
    for duration in durations:
        clock.now += duration
        budget.iteration_done()
        done += 1
        if budget.should_stop():
            break
    return done


def test_no_budget_never_stops():
    clock = Clock()
    budget = TimeBudget(None, clock)
    assert run_iterations(budget, clock, [1.0] * 50) == 50
    assert budget.stop_reason is None and budget.remaining is None


def test_stops_before_an_iteration_that_would_overrun():
    clock = Clock()
    budget = TimeBudget(10.0, clock)
    # 3 s per iteration: after 3 iterations (9 s) a fourth would end at 12 s > 10 s.
    assert run_iterations(budget, clock, [3.0] * 10) == 3
    assert budget.stop_reason == "time_budget"
    assert budget.elapsed == pytest.approx(9.0)


def test_uses_the_slowest_iteration_as_the_estimate():
    clock = Clock()
    budget = TimeBudget(10.0, clock)
    # A slow first iteration (setup) makes the estimate conservative: after 7 s, 7 + 4 > 10.
    assert run_iterations(budget, clock, [4.0, 1.0, 1.0, 1.0, 1.0, 1.0]) == 4
    assert budget.elapsed == pytest.approx(7.0)


def test_at_least_one_iteration_runs_even_with_a_tiny_budget():
    clock = Clock()
    budget = TimeBudget(0.5, clock)
    assert run_iterations(budget, clock, [2.0] * 5) == 1
    assert budget.remaining == 0.0


def test_a_stop_request_wins_and_keeps_its_reason():
    clock = Clock()
    budget = TimeBudget(100.0, clock)
    budget.start()
    budget.request_stop("signal:SIGTERM")
    budget.request_stop("time_budget")
    assert budget.should_stop() and budget.stop_reason == "signal:SIGTERM"


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        TimeBudget(0)


def test_sigterm_becomes_a_stop_request_and_handlers_are_restored():
    budget = TimeBudget(None)
    before = signal.getsignal(signal.SIGTERM)
    restore = install_stop_signals(budget)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        assert budget.stop_reason == "signal:SIGTERM"
        with pytest.raises(KeyboardInterrupt):  # a second signal interrupts at once
            os.kill(os.getpid(), signal.SIGTERM)
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) == before

"""When to stop training: a wall-clock budget and stop requests (SIGTERM on Spot eviction, Ctrl-C).

Training checks :meth:`TimeBudget.should_stop` after each iteration, so a run always ends on an iteration
boundary and still writes its final checkpoint. An iteration is not started when the time left is shorter
than the slowest iteration seen so far, which keeps the overshoot of a budget near zero.
"""

from __future__ import annotations

import signal
import time
from typing import Callable


class TimeBudget:
    """A wall-clock budget in seconds (``None``: unlimited) plus external stop requests."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds is not None and seconds <= 0:
            raise ValueError(f"time budget must be positive, got {seconds}")
        self.seconds = seconds
        self._clock = clock
        self._start: float | None = None
        self._last_mark: float | None = None
        self._slowest_iteration = 0.0
        self.stop_reason: str | None = None

    def start(self) -> None:
        self._start = self._last_mark = self._clock()
        self._cpu_start = time.process_time()

    @property
    def cpu_elapsed(self) -> float:
        """CPU seconds of this process (all threads) since start(): throughput measure robust to other load."""
        start = getattr(self, "_cpu_start", None)
        return 0.0 if start is None else time.process_time() - start

    @property
    def elapsed(self) -> float:
        if self._start is None:
            return 0.0
        return self._clock() - self._start

    @property
    def remaining(self) -> float | None:
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - self.elapsed)

    def request_stop(self, reason: str) -> None:
        """Ask training to stop after the current iteration (first reason wins)."""
        if self.stop_reason is None:
            self.stop_reason = reason

    def iteration_done(self) -> None:
        """Record the end of an iteration (its duration feeds the estimate of the next one)."""
        if self._start is None:
            self.start()
        now = self._clock()
        self._slowest_iteration = max(self._slowest_iteration, now - self._last_mark)
        self._last_mark = now

    def should_stop(self) -> bool:
        """True when training must not start another iteration."""
        if self.stop_reason is not None:
            return True
        if self.seconds is None:
            return False
        if self.elapsed + self._slowest_iteration > self.seconds:
            self.stop_reason = "time_budget"
            return True
        return False


def install_stop_signals(budget: TimeBudget) -> Callable[[], None]:
    """Turn SIGTERM/SIGINT into a stop request (a second signal interrupts at once).

    Returns a function that restores the previous handlers.
    """
    previous: dict[int, object] = {}

    def handler(signum, _frame):
        name = signal.Signals(signum).name
        if budget.stop_reason is not None and budget.stop_reason.startswith("signal"):
            raise KeyboardInterrupt(name)
        budget.request_stop(f"signal:{name}")
        print(f"[train] {name} received: stopping after the current iteration", flush=True)

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not in the main thread
            pass

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore

"""Framework runners: each trains with its library's own algorithm and writes that library's run layout."""

from __future__ import annotations

import dataclasses
import gc


class StopTraining(Exception):
    """Raised at an iteration boundary when the budget or a signal says to stop; the runner saves and ends."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint cannot be loaded into this run (other framework, other shapes, missing state for resume)."""


@dataclasses.dataclass
class RunOutcome:
    final_checkpoint: str
    final_iteration: int
    start_iteration: int
    stop_reason: str            # completed | time_budget | signal:SIGTERM | signal:SIGINT
    checkpoints: list[str]
    tensorboard_dir: str
    resumed_from_iteration: int | None = None


def freeze_startup_objects() -> None:
    """Moves everything allocated so far out of the garbage collector's generations.

    The libraries a run imports (torch, MLflow, ...) leave hundreds of thousands of long-lived objects; every
    full collection triggered by the training loop's allocations would scan them again. Freezing them after
    set-up makes the loop as fast as a bare framework loop in a minimal process.
    """
    gc.collect()
    gc.freeze()

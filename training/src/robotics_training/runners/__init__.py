"""Framework runners: each trains with its library's own algorithm and writes that library's run layout."""

from __future__ import annotations

import dataclasses


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

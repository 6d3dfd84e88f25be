"""The latest checkpoint of a run is found for both frameworks' layouts."""

from __future__ import annotations

import pytest

from robotics_training.checkpoints.layout import (
    NoCheckpointError,
    checkpoint_step,
    has_checkpoints,
    latest_checkpoint,
    resolve_checkpoint_file,
)


def test_checkpoint_step_reads_both_layouts():
    assert checkpoint_step("model_120.pt") == ("rsl_rl", 120)
    assert checkpoint_step("run/checkpoints/agent_4800.pt") == ("skrl", 4800)
    assert checkpoint_step("best_agent.pt") is None
    assert checkpoint_step("model_final.pt") is None


def test_highest_step_wins_numerically_not_alphabetically():
    assert latest_checkpoint(["model_9.pt", "model_100.pt", "model_50.pt"]) == "model_100.pt"
    assert latest_checkpoint(["checkpoints/agent_960.pt", "checkpoints/agent_1200.pt",
                              "checkpoints/best_agent.pt"]) == "checkpoints/agent_1200.pt"


def test_best_agent_then_single_file_are_fallbacks():
    assert latest_checkpoint(["checkpoints/best_agent.pt", "events.out.tfevents.1"]) == "checkpoints/best_agent.pt"
    assert latest_checkpoint(["policy.pt", "config/agent.yaml"]) == "policy.pt"


def test_ambiguous_or_empty_locations_are_errors():
    with pytest.raises(NoCheckpointError, match="found 2 .pt files"):
        latest_checkpoint(["a.pt", "b.pt"])
    with pytest.raises(NoCheckpointError, match="no checkpoint found"):
        latest_checkpoint(["events.out.tfevents.1", "config/agent.yaml"])


def test_resolve_checkpoint_file_in_a_run_directory(tmp_path):
    for name in ("model_0.pt", "model_50.pt", "model_99.pt"):
        (tmp_path / name).write_bytes(b"x")
    assert resolve_checkpoint_file(tmp_path) == tmp_path / "model_99.pt"
    assert resolve_checkpoint_file(tmp_path / "model_50.pt") == tmp_path / "model_50.pt"
    assert has_checkpoints(tmp_path)
    assert not has_checkpoints(tmp_path / "missing")
    with pytest.raises(NoCheckpointError, match="does not exist"):
        resolve_checkpoint_file(tmp_path / "missing")

"""Evaluation bookkeeping: how episodes are spread over envs and how the verdict is reached."""

from __future__ import annotations

import json

import pytest

from robotics_training.evaluation import episode_shares, summarize
from robotics_training.files import write_json_if_changed


@pytest.mark.parametrize("episodes, envs, shares", [
    (10, 4, [3, 3, 2, 2]), (4, 4, [1, 1, 1, 1]), (3, 8, [1, 1, 1, 0, 0, 0, 0, 0]), (1, 1, [1]),
])
def test_episode_shares(episodes, envs, shares):
    assert episode_shares(episodes, envs) == shares
    assert sum(shares) == episodes


def test_summary_with_a_return_threshold():
    result = summarize([10.0, 20.0, 30.0], [200, 200, 150], [True, True, False], threshold=15.0)
    assert result["mean_return"] == 20.0
    assert result["returns"] == [10.0, 20.0, 30.0]
    assert result["success_rate"] == pytest.approx(2 / 3)
    assert result["passed"] is True
    assert summarize([10.0], [200], [True], threshold=10.5)["passed"] is False


def test_summary_with_a_success_rate_threshold_and_without_threshold():
    result = summarize([1.0, 2.0], [50, 200], [False, True], threshold=0.7, metric="success_rate")
    assert result["success_rate"] == 0.5 and result["passed"] is False
    assert summarize([1.0], [1], [True], threshold=None)["passed"] is None
    with pytest.raises(ValueError, match="threshold metric"):
        summarize([1.0], [1], [True], 0.0, metric="median")


def test_result_file_is_rewritten_only_when_it_changes(tmp_path):
    path = tmp_path / "out" / "validation.json"
    assert write_json_if_changed(path, {"mean_return": 1.0, "wall_seconds": 3.0}, ignore=("wall_seconds",))
    assert not write_json_if_changed(path, {"mean_return": 1.0, "wall_seconds": 9.0}, ignore=("wall_seconds",))
    assert json.loads(path.read_text())["wall_seconds"] == 3.0
    assert write_json_if_changed(path, {"mean_return": 2.0, "wall_seconds": 9.0}, ignore=("wall_seconds",))

"""The run report: plots and page from fixed inputs, byte-stable, escaped, rewritten only on change."""

from __future__ import annotations

import json
import pathlib

import pytest

from robotics_training import report
from robotics_training.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


def inputs(tmp_path: pathlib.Path, validation: dict | None = None, task: str = "HalfCheetah-v5") -> report.ReportInputs:
    training = {"task": task, "framework": "rsl_rl", "run_id": "abc123", "experiment": "halfcheetah-v5",
                "stop_reason": "time_budget", "final_iteration": 9, "iterations": 10, "first_mean_reward": -45.0,
                "final_mean_reward": 120.5, "total_env_steps": 3840, "train_seconds": 3.2, "steps_per_second": 1200.0}
    series = {"mean_reward": [(i, -45.0 + 16.5 * i) for i in range(10)],
              "mean_episode_length": [(i, 200.0) for i in range(10)]}
    return report.ReportInputs(run_dir=tmp_path, training=training, series=series, metrics_source="MLflow run abc123",
                               validation=validation, model_name="halfcheetah-v5", model_version="3",
                               run_url=report.run_url("http://127.0.0.1:5000", "1", "abc123"))


VALIDATION = {"episodes": 3, "returns": [210.0, 190.5, 250.0], "mean_return": 216.83, "std_return": 24.7,
              "min_return": 190.5, "max_return": 250.0, "success_rate": 1.0, "threshold": 200.0,
              "threshold_metric": "mean_return", "threshold_source": "argument", "passed": True,
              "checkpoint": "models:/halfcheetah-v5/3"}


def test_run_url_is_the_mlflow_ui_page_of_the_run():
    assert report.run_url("http://127.0.0.1:5000/", "4", "r1") == "http://127.0.0.1:5000/#/experiments/4/runs/r1"
    assert report.run_url("file:///tmp/mlruns", "4", "r1") is None
    assert report.run_url("http://127.0.0.1:5000", None, "r1") is None


def test_verdicts():
    assert report.verdict(None) == "not validated"
    assert report.verdict({"passed": True}) == "passed"
    assert report.verdict({"passed": False}) == "failed"
    assert report.verdict({"passed": None}) == "no threshold"


def test_render_gives_three_plots_and_a_page_that_names_them(tmp_path):
    files = report.render(inputs(tmp_path, VALIDATION))
    assert set(files) == {"reward.png", "episode_length.png", "evaluation.png", "report.html"}
    for name in ("reward.png", "episode_length.png", "evaluation.png"):
        assert files[name].startswith(PNG)
    page = files["report.html"].decode()
    for expected in ('src="reward.png"', 'src="episode_length.png"', 'src="evaluation.png"', "halfcheetah-v5 version 3",
                     'href="http://127.0.0.1:5000/#/experiments/1/runs/abc123"', ">passed<", "216.83", "≥ 200"):
        assert expected in page, expected


def test_without_validation_there_is_no_evaluation_plot(tmp_path):
    files = report.render(inputs(tmp_path))
    assert "evaluation.png" not in files and "not validated" in files["report.html"].decode()


def test_the_same_inputs_give_the_same_bytes_and_other_data_other_bytes(tmp_path):
    first, second = report.render(inputs(tmp_path, VALIDATION)), report.render(inputs(tmp_path, VALIDATION))
    assert first == second
    changed = dict(VALIDATION, returns=[1.0, 2.0, 3.0])
    third = report.render(inputs(tmp_path, changed))
    assert third["evaluation.png"] != first["evaluation.png"]
    assert third["report.html"] != first["report.html"]  # the page carries the plots' digest


def test_text_is_escaped(tmp_path):
    page = report.page(inputs(tmp_path, task="<script>alert(1)</script>"))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_write_if_changed_writes_only_what_differs(tmp_path):
    out = tmp_path / "report"
    assert report.write_if_changed(out, {"a.png": b"1", "b.html": b"2"}) == ["a.png", "b.html"]
    assert report.write_if_changed(out, {"a.png": b"1", "b.html": b"2"}) == []
    assert report.write_if_changed(out, {"a.png": b"1", "b.html": b"3"}) == ["b.html"]
    assert (out / "b.html").read_bytes() == b"3" and (out / "a.png").stat().st_mode & 0o777 == 0o644


def test_the_command_needs_a_training_result(tmp_path, capsys):
    assert main(["report", "--run-dir", str(tmp_path)]) == 2
    assert "training_result.json" in capsys.readouterr().err


def test_model_name_and_version_go_together(tmp_path, capsys):
    (tmp_path / "training_result.json").write_text(json.dumps({"task": "HalfCheetah-v5"}))
    assert main(["report", "--run-dir", str(tmp_path), "--model-name", "x"]) == 2
    assert "--model-version" in capsys.readouterr().err


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_a_bad_validation_file_is_named(tmp_path, capsys, content):
    (tmp_path / "training_result.json").write_text(json.dumps({"task": "HalfCheetah-v5"}))
    (tmp_path / "v.json").write_text(content)
    assert main(["report", "--run-dir", str(tmp_path), "--validation", str(tmp_path / "v.json")]) == 2
    assert "v.json" in capsys.readouterr().err

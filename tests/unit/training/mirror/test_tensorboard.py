from support import training_runs

from robotics_training.mirror import tensorboard


def test_metric_keys_keep_what_mlflow_allows():
    assert tensorboard.metric_key("Train/mean_reward") == "Train/mean_reward"
    assert tensorboard.metric_key("Reward / Total reward (mean)") == "Reward / Total reward _mean_"
    assert tensorboard.metric_key("loss", prefix="runs/May01") == "runs/May01/loss"


def test_scalars_written_by_summary_writer_come_back_with_steps_and_without_non_finite_values(tmp_path):
    training_runs.write_scalars(tmp_path / "tb", {"Train/mean_reward": [1.0, 2.5, float("nan"), 4.0]},
                                start_step=10, step_every=10)
    points = tensorboard.read_scalars({"": str(tmp_path / "tb")})
    assert [(p.key, p.step, p.value) for p in points] == [
        ("Train/mean_reward", 10, 1.0), ("Train/mean_reward", 20, 2.5), ("Train/mean_reward", 40, 4.0)]
    assert all(p.timestamp_ms > 1_600_000_000_000 for p in points)


def test_several_log_directories_get_prefixes():
    assert tensorboard.directories_of(["events.a"], "/r") == {"": "/r/"}
    assert tensorboard.directories_of(["runs/a/events.1", "runs/b/events.2"], "/r") == {
        "runs/a": "/r/runs/a", "runs/b": "/r/runs/b"}

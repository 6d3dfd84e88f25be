"""Training settings, their validation, and the framework configurations built from them."""

from __future__ import annotations

import pytest

from robotics_training.config import (
    SettingsError,
    TrainSettings,
    apply_overrides,
    flatten,
    parse_override,
    rsl_rl_train_cfg,
    skrl_agent_cfg,
    task_slug,
)


def settings(**kwargs) -> TrainSettings:
    base = {"task": "HalfCheetah-v5", "output_dir": "/tmp/run"}
    base.update(kwargs)
    return TrainSettings(**base)


def test_rsl_rl_cfg_has_the_5x_layout():
    cfg = rsl_rl_train_cfg(settings(hidden_dims=(128, 64), num_steps_per_env=32, save_interval=10, seed=7))
    assert cfg["actor"]["class_name"] == "MLPModel" and cfg["critic"]["class_name"] == "MLPModel"
    assert cfg["actor"]["hidden_dims"] == [128, 64] and cfg["critic"]["hidden_dims"] == [128, 64]
    assert cfg["actor"]["distribution_cfg"]["class_name"] == "GaussianDistribution"
    assert "distribution_cfg" not in cfg["critic"]
    assert cfg["obs_groups"] == {"actor": ["policy"], "critic": ["policy"]}
    assert cfg["algorithm"]["class_name"] == "PPO"
    assert (cfg["num_steps_per_env"], cfg["save_interval"], cfg["seed"]) == (32, 10, 7)
    assert "policy" not in cfg, "the pre-5.x 'policy: ActorCritic' section must not appear"


def test_overrides_reach_the_framework_config():
    cfg = rsl_rl_train_cfg(settings(overrides=["algorithm.learning_rate=3e-4", "actor.activation=tanh",
                                               "algorithm.schedule=fixed", "num_steps_per_env=48"]))
    assert cfg["algorithm"]["learning_rate"] == 3e-4
    assert cfg["algorithm"]["schedule"] == "fixed"
    assert cfg["actor"]["activation"] == "tanh"
    assert cfg["num_steps_per_env"] == 48


def test_skrl_cfg():
    cfg = skrl_agent_cfg(settings(framework="skrl", num_steps_per_env=16, save_interval=5,
                                  overrides=["agent.learning_epochs=8"]))
    assert cfg["agent"]["rollouts"] == 16
    assert cfg["agent"]["learning_epochs"] == 8
    assert cfg["checkpoint_interval_iterations"] == 5
    assert cfg["models"]["hidden_dims"] == [64, 64]


def test_apply_overrides_copies_and_refuses_unknown_sections():
    original = {"algorithm": {"lr": 1}, "seed": 1}
    changed = apply_overrides(original, ["algorithm.lr=2", "algorithm.new.key=[1, 2]"])
    assert original == {"algorithm": {"lr": 1}, "seed": 1}
    assert changed["algorithm"] == {"lr": 2, "new": {"key": [1, 2]}}
    with pytest.raises(SettingsError, match="unknown section 'algoritm'"):
        apply_overrides(original, ["algoritm.lr=2"])
    with pytest.raises(SettingsError, match="unknown key 'sed'"):
        apply_overrides(original, ["sed=2"])
    with pytest.raises(SettingsError, match="'seed' is not a section"):
        apply_overrides(original, ["seed.x=2"])


@pytest.mark.parametrize("item", ["noequals", "=1", "a..b=1", ".a=1"])
def test_malformed_overrides(item):
    with pytest.raises(SettingsError, match="key.path=value"):
        parse_override(item)


def test_override_values_are_yaml():
    assert parse_override("a.b=true") == (["a", "b"], True)
    assert parse_override("a=0.5") == (["a"], 0.5)
    assert parse_override("a=adaptive") == (["a"], "adaptive")


@pytest.mark.parametrize("kwargs, message", [
    ({"framework": "sb3"}, "--framework: 'sb3'"),
    ({"checkpoint_mode": "continue"}, "--checkpoint-mode: 'continue'"),
    ({"checkpoint_mode": "resume"}, "needs --checkpoint-uri"),
    ({"checkpoint_uri": "runs:/abc/checkpoints"}, "choose warm-start"),
    ({"num_envs": 0}, "--num-envs: must be a positive integer"),
    ({"max_iterations": -1}, "--max-iterations"),
    ({"time_budget": 0}, "--time-budget"),
    ({"max_episode_steps": 0}, "--max-episode-steps"),
    ({"hidden_dims": ()}, "--hidden-dims"),
    ({"torch_threads": 0}, "--torch-threads"),
    ({"overrides": ["oops"]}, "--set"),
])
def test_invalid_settings_name_the_option(kwargs, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        settings(**kwargs).validate()


def test_aliases_are_normalised():
    s = settings(framework="rsl-rl", checkpoint_mode="fresh").validate()
    assert (s.framework, s.checkpoint_mode) == ("rsl_rl", "from-scratch")


def test_experiment_defaults_to_the_task_slug():
    assert settings().experiment_name == "halfcheetah-v5"
    assert settings(experiment="mine").experiment_name == "mine"
    assert task_slug("Isaac-Velocity-Rough-Anymal-C-v0") == "isaac-velocity-rough-anymal-c-v0"
    assert task_slug("A__B  c") == "a-b-c"


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}


def test_isaac_lab_tasks_fail_cleanly_without_isaac_lab():
    from robotics_training.envs.tasks import TaskUnavailableError, isaaclab_available, resolve_task

    if isaaclab_available():
        pytest.skip("Isaac Lab is installed here")
    with pytest.raises(TaskUnavailableError, match="needs Isaac Lab.*HalfCheetah-v5"):
        resolve_task("Isaac-Velocity-Rough-Anymal-C-v0")

"""Training settings and the agent configurations built from them (pure functions, unit-tested).

The same settings drive both frameworks: ``rsl_rl_train_cfg`` produces rsl_rl 5.x's ``train_cfg`` (actor and
critic ``MLPModel`` with a ``distribution_cfg``, ``obs_groups``), ``skrl_agent_cfg`` skrl 2.x's PPO
configuration. Dotted ``--set`` overrides (``algorithm.learning_rate=3e-4``) apply to the framework's config.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import yaml

FRAMEWORKS = ("rsl_rl", "skrl")
CHECKPOINT_MODES = ("from-scratch", "warm-start", "resume")
# Accepted spellings of the modes (the reference scripts also took "fresh").
CHECKPOINT_MODE_ALIASES = {"fresh": "from-scratch", "scratch": "from-scratch", "warm_start": "warm-start"}
FRAMEWORK_ALIASES = {"rsl-rl": "rsl_rl", "rslrl": "rsl_rl"}


class SettingsError(ValueError):
    """A setting is invalid; the message names the option."""


@dataclasses.dataclass
class TrainSettings:
    task: str
    output_dir: str
    framework: str = "rsl_rl"
    num_envs: int = 16
    max_iterations: int = 300
    seed: int = 42
    device: str = "cpu"
    num_steps_per_env: int = 24
    hidden_dims: tuple[int, ...] = (64, 64)
    save_interval: int = 50
    max_episode_steps: int | None = None
    checkpoint_uri: str | None = None
    checkpoint_mode: str = "from-scratch"
    time_budget: float | None = None
    tracking_uri: str | None = None
    experiment: str | None = None
    run_name: str | None = None
    overrides: list[str] = dataclasses.field(default_factory=list)
    torch_threads: int | None = None

    def validate(self) -> "TrainSettings":
        self.framework = FRAMEWORK_ALIASES.get(self.framework, self.framework)
        self.checkpoint_mode = CHECKPOINT_MODE_ALIASES.get(self.checkpoint_mode, self.checkpoint_mode)
        if self.framework not in FRAMEWORKS:
            raise SettingsError(f"--framework: '{self.framework}' is not one of {', '.join(FRAMEWORKS)}")
        if self.checkpoint_mode not in CHECKPOINT_MODES:
            raise SettingsError(f"--checkpoint-mode: '{self.checkpoint_mode}' is not one of {', '.join(CHECKPOINT_MODES)}")
        if self.checkpoint_mode != "from-scratch" and not self.checkpoint_uri:
            raise SettingsError(f"--checkpoint-mode {self.checkpoint_mode} needs --checkpoint-uri")
        if self.checkpoint_mode == "from-scratch" and self.checkpoint_uri:
            raise SettingsError(
                "--checkpoint-uri is given but --checkpoint-mode is from-scratch; choose warm-start (weights only) "
                "or resume (weights, optimizer and iteration counter)")
        for name in ("num_envs", "max_iterations", "num_steps_per_env", "save_interval"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise SettingsError(f"--{name.replace('_', '-')}: must be a positive integer, got {value!r}")
        if self.torch_threads is not None and self.torch_threads < 1:
            raise SettingsError(f"--torch-threads: must be positive, got {self.torch_threads}")
        if self.max_episode_steps is not None and self.max_episode_steps < 1:
            raise SettingsError(f"--max-episode-steps: must be positive, got {self.max_episode_steps}")
        if self.time_budget is not None and self.time_budget <= 0:
            raise SettingsError(f"--time-budget: must be a positive number of seconds, got {self.time_budget}")
        if not self.hidden_dims or any(int(d) < 1 for d in self.hidden_dims):
            raise SettingsError(f"--hidden-dims: must be positive layer sizes, got {self.hidden_dims!r}")
        for item in self.overrides:
            parse_override(item)
        return self

    @property
    def experiment_name(self) -> str:
        return self.experiment or task_slug(self.task)


def task_slug(task: str) -> str:
    """Lower-case, ``[a-z0-9-]`` only: ``Isaac-Velocity-Rough-Anymal-C-v0`` -> ``isaac-velocity-rough-anymal-c-v0``."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", task.lower())).strip("-") or "task"


def parse_override(item: str) -> tuple[list[str], object]:
    """``"a.b.c=value"`` -> (["a", "b", "c"], value), the value read as YAML (numbers, booleans, lists)."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise SettingsError(f"--set: '{item}' is not of the form key.path=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise SettingsError(f"--set: the value of '{key}' is not valid YAML: {exc}") from None
    if isinstance(value, str):
        try:  # YAML 1.1 reads 3e-4 (no dot) as a string
            value = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            pass
    return key.split("."), value


def apply_overrides(cfg: dict, overrides: list[str]) -> dict:
    """A copy of ``cfg`` with dotted overrides applied; unknown top-level keys are refused (typo protection)."""
    result = copy.deepcopy(cfg)
    for item in overrides:
        path, value = parse_override(item)
        node = result
        for depth, part in enumerate(path[:-1]):
            child = node.get(part)
            if child is None:
                if depth == 0:
                    raise SettingsError(f"--set {item}: unknown section '{part}' (known: {', '.join(sorted(result))})")
                child = node[part] = {}
            if not isinstance(child, dict):
                raise SettingsError(f"--set {item}: '{'.'.join(path[:depth + 1])}' is not a section")
            node = child
        if len(path) == 1 and path[0] not in result:
            raise SettingsError(f"--set {item}: unknown key '{path[0]}' (known: {', '.join(sorted(result))})")
        node[path[-1]] = value
    return result


def rsl_rl_train_cfg(settings: TrainSettings) -> dict:
    """rsl_rl 5.x ``train_cfg`` for an MLP actor-critic trained with PPO."""
    hidden = [int(d) for d in settings.hidden_dims]
    cfg = {
        "seed": settings.seed,
        "num_steps_per_env": settings.num_steps_per_env,
        "save_interval": settings.save_interval,
        "obs_groups": {"actor": ["policy"], "critic": ["policy"]},
        "actor": {
            "class_name": "MLPModel",
            "hidden_dims": hidden,
            "activation": "elu",
            "obs_normalization": True,
            "distribution_cfg": {"class_name": "GaussianDistribution", "init_std": 1.0},
        },
        "critic": {
            "class_name": "MLPModel",
            "hidden_dims": hidden,
            "activation": "elu",
            "obs_normalization": True,
        },
        "algorithm": {
            "class_name": "PPO",
            "num_learning_epochs": 5,
            "num_mini_batches": 4,
            "learning_rate": 1.0e-3,
            "schedule": "adaptive",
            "desired_kl": 0.01,
            "gamma": 0.99,
            "lam": 0.95,
            "clip_param": 0.2,
            "entropy_coef": 0.0,
            "value_loss_coef": 1.0,
            "max_grad_norm": 1.0,
            "use_clipped_value_loss": True,
        },
        "logger": "tensorboard",
        "check_for_nan": True,
    }
    return apply_overrides(cfg, settings.overrides)


def skrl_agent_cfg(settings: TrainSettings) -> dict:
    """skrl 2.x PPO settings (plain data; the runner turns the names into classes)."""
    cfg = {
        "models": {"hidden_dims": [int(d) for d in settings.hidden_dims], "activation": "elu", "initial_log_std": 0.0},
        "agent": {
            "rollouts": settings.num_steps_per_env,
            "learning_epochs": 5,
            "mini_batches": 4,
            "discount_factor": 0.99,
            "gae_lambda": 0.95,
            "learning_rate": 1.0e-3,
            "learning_rate_scheduler": "KLAdaptiveLR",
            "learning_rate_scheduler_kwargs": {"kl_threshold": 0.01},
            "observation_preprocessor": "RunningStandardScaler",
            "value_preprocessor": "RunningStandardScaler",
            "grad_norm_clip": 1.0,
            "ratio_clip": 0.2,
            "value_clip": 0.2,
            "entropy_loss_scale": 0.0,
            "value_loss_scale": 1.0,
            "time_limit_bootstrap": False,
        },
        "seed": settings.seed,
        "checkpoint_interval_iterations": settings.save_interval,
    }
    return apply_overrides(cfg, settings.overrides)


def flatten(cfg: dict, prefix: str = "") -> dict[str, object]:
    """Nested dict -> {"a.b": value} (for MLflow parameters)."""
    flat: dict[str, object] = {}
    for key, value in cfg.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat

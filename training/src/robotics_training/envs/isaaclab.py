"""Isaac Lab tasks (cluster images only): the simulator app, the environment and the task's agent config.

Imported only when a task is an Isaac Lab task and ``isaaclab`` is importable; Isaac Sim must be launched
before any ``isaaclab_tasks`` import.
"""

from __future__ import annotations

_APP = None


def launch_app(device: str):
    global _APP
    if _APP is None:
        from isaaclab.app import AppLauncher

        _APP = AppLauncher(headless=True, device=device).app
    return _APP


def make_env(task: str, num_envs: int, seed: int, device: str, framework: str):
    """The task's environment wrapped for ``framework`` (rsl_rl VecEnv or skrl wrapper)."""
    launch_app(device)
    import gymnasium as gym
    import isaaclab_tasks  # noqa: F401  (registers the Isaac-* tasks)
    from isaaclab_tasks.utils import parse_env_cfg

    env_cfg = parse_env_cfg(task, device=device, num_envs=num_envs)
    env_cfg.seed = seed
    env = gym.make(task, cfg=env_cfg)
    if framework == "rsl_rl":
        from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper

        return RslRlVecEnvWrapper(env)
    from isaaclab_rl.skrl import SkrlVecEnvWrapper

    return SkrlVecEnvWrapper(env, ml_framework="torch")


def rsl_rl_agent_cfg(task: str) -> dict | None:
    """The task's own rsl_rl runner config as a dict (None when the task registers none)."""
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    try:
        cfg = load_cfg_from_registry(task, "rsl_rl_cfg_entry_point")
    except (ValueError, KeyError, AttributeError):
        return None
    try:  # newer isaaclab_rl converts pre-5.x layouts (policy: ActorCritic) to rsl_rl 5.x
        from importlib.metadata import version

        from isaaclab_rl.rsl_rl import handle_deprecated_rsl_rl_cfg

        cfg = handle_deprecated_rsl_rl_cfg(cfg, version("rsl-rl-lib"))
    except ImportError:
        pass
    return cfg.to_dict() if hasattr(cfg, "to_dict") else dict(cfg)


def close() -> None:
    if _APP is not None:
        _APP.close()

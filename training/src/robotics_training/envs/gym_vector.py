"""gymnasium vector environments for training on CPU, and an rsl_rl ``VecEnv`` over them.

Sync vector envs are used on purpose: on a few cores the async (subprocess) variant is slower. Autoreset is
SAME_STEP, so the observation returned with ``done`` is already the first one of the next episode, which is what
both rsl_rl and skrl expect from a vectorised simulator.
"""

from __future__ import annotations

import sys

import numpy as np


_SEEN_WARNINGS: set[str] = set()


def _print_mujoco_warning_once(message: str) -> None:
    # MuJoCo repeats model-compiler warnings for every env copy; one line each is enough.
    if message not in _SEEN_WARNINGS:
        _SEEN_WARNINGS.add(message)
        print(f"[mujoco] warning: {message.strip()}", file=sys.stderr, flush=True)


def _deduplicate_mujoco_warnings() -> None:
    try:
        import mujoco
    except ImportError:
        return
    mujoco.set_mju_user_warning(_print_mujoco_warning_once)


def make_vector_env(task: str, num_envs: int, *, max_episode_steps: int | None = None):
    import gymnasium as gym

    _deduplicate_mujoco_warnings()
    kwargs = {"max_episode_steps": max_episode_steps} if max_episode_steps else {}

    def make_one():
        return gym.make(task, **kwargs)

    return gym.vector.SyncVectorEnv(
        [make_one] * num_envs, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )


def episode_limit(vector_env) -> int:
    """The time limit of one episode in steps (0 when the task has none)."""
    spec = getattr(vector_env.envs[0], "spec", None) if hasattr(vector_env, "envs") else None
    return int(getattr(spec, "max_episode_steps", None) or 0)


class GymVecEnv:
    """rsl_rl's ``VecEnv`` interface over a gymnasium vector env with a Box action space.

    Observations come as a TensorDict with one group, ``policy``; actions are clipped to the action bounds;
    ``extras['time_outs']`` marks episodes cut by the time limit (not by a terminal state).
    """

    def __init__(self, vector_env, *, seed: int | None = None, device: str = "cpu") -> None:
        import torch

        self.env = vector_env
        self.device = device
        self.num_envs = vector_env.num_envs
        action_space = vector_env.single_action_space
        if len(action_space.shape) != 1:
            raise ValueError(f"only flat Box action spaces are supported, got {action_space}")
        self.num_actions = int(action_space.shape[0])
        self._low = np.asarray(action_space.low, dtype=np.float32)
        self._high = np.asarray(action_space.high, dtype=np.float32)
        self.max_episode_length = episode_limit(vector_env) or 1000
        self.episode_length_buf = torch.zeros(self.num_envs, dtype=torch.long, device=device)
        self.cfg = {"task": getattr(vector_env.envs[0].spec, "id", None), "num_envs": self.num_envs}
        obs, _info = vector_env.reset(seed=seed)
        self._obs = self._wrap(obs)

    def _wrap(self, obs):
        import torch
        from tensordict import TensorDict

        tensor = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device)
        return TensorDict({"policy": tensor}, batch_size=[self.num_envs], device=self.device)

    def get_observations(self):
        return self._obs

    def step(self, actions):
        import torch

        clipped = np.clip(actions.detach().cpu().numpy(), self._low, self._high)
        obs, reward, terminated, truncated, _info = self.env.step(clipped)
        self._obs = self._wrap(obs)
        terminated = torch.as_tensor(terminated, device=self.device)
        truncated = torch.as_tensor(truncated, device=self.device)
        dones = terminated | truncated
        self.episode_length_buf += 1
        self.episode_length_buf[dones] = 0
        rewards = torch.as_tensor(np.asarray(reward, dtype=np.float32), device=self.device)
        extras = {"time_outs": (truncated & ~terminated), "log": {}}
        return self._obs, rewards, dones.to(torch.long), extras

    def close(self) -> None:
        self.env.close()


def as_rsl_rl_vec_env(vector_env, *, seed: int | None = None, device: str = "cpu"):
    """A GymVecEnv registered as a virtual subclass of rsl_rl's VecEnv (isinstance checks pass)."""
    from rsl_rl.env import VecEnv

    VecEnv.register(GymVecEnv)
    return GymVecEnv(vector_env, seed=seed, device=device)

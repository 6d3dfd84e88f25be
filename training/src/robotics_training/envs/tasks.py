"""Which simulator a task name belongs to, and a clear message when it is not available here.

``Isaac-*`` tasks need Isaac Lab (the cluster images); everything else is looked up in gymnasium's registry,
where the MuJoCo locomotion tasks (``HalfCheetah-v5``, ``Ant-v5``, ...) train on a CPU.
"""

from __future__ import annotations

import dataclasses
import importlib.util

CPU_TASKS = ("HalfCheetah-v5", "Ant-v5", "Hopper-v5", "Walker2d-v5", "Swimmer-v5", "Humanoid-v5")


class TaskUnavailableError(RuntimeError):
    """The task cannot run in this environment; the message says why and what to use instead."""


@dataclasses.dataclass(frozen=True)
class TaskInfo:
    name: str
    kind: str  # "gymnasium" | "isaaclab"


def isaaclab_available() -> bool:
    return importlib.util.find_spec("isaaclab") is not None


def resolve_task(task: str) -> TaskInfo:
    if task.startswith("Isaac-"):
        if not isaaclab_available():
            raise TaskUnavailableError(
                f"task '{task}' needs Isaac Lab, which is not installed in this environment (the Python package "
                f"'isaaclab' is not importable). Run it on a cluster image (training_job_backend osmo or azureml), "
                f"or train a CPU task here: {', '.join(CPU_TASKS)}"
            )
        return TaskInfo(task, "isaaclab")
    try:
        import gymnasium as gym
    except ImportError:
        raise TaskUnavailableError(
            "gymnasium is not installed; install the training package with its 'rl' extra") from None
    try:
        spec = gym.spec(task)
    except gym.error.Error:
        raise TaskUnavailableError(
            f"task '{task}' is neither an Isaac Lab task (Isaac-*) nor registered in gymnasium; CPU tasks: "
            f"{', '.join(CPU_TASKS)}"
        ) from None
    if "mujoco" in str(spec.entry_point) and importlib.util.find_spec("mujoco") is None:
        raise TaskUnavailableError(
            f"task '{task}' needs MuJoCo; install gymnasium[mujoco] (the training package's 'rl' extra)")
    return TaskInfo(task, "gymnasium")

"""Where runs keep their checkpoints, and which one is the latest (pure functions over file names).

* rsl_rl: ``model_<iteration>.pt`` in the run directory;
* skrl: ``checkpoints/agent_<timestep>.pt`` (and ``best_agent.pt``) under the run directory.
"""

from __future__ import annotations

import pathlib
import re

RSL_RL_PATTERN = re.compile(r"(?:^|/)model_(?P<step>\d+)\.pt$")
SKRL_PATTERN = re.compile(r"(?:^|/)agent_(?P<step>\d+)\.pt$")


class NoCheckpointError(FileNotFoundError):
    """A location holds no checkpoint of a known layout."""


def checkpoint_step(name: str) -> tuple[str, int] | None:
    """(framework, step) for a checkpoint file name of a known layout, else None."""
    name = name.replace("\\", "/")
    for framework, pattern in (("rsl_rl", RSL_RL_PATTERN), ("skrl", SKRL_PATTERN)):
        match = pattern.search(name)
        if match:
            return framework, int(match["step"])
    return None


def latest_checkpoint(names: list[str]) -> str:
    """The highest-step checkpoint among relative file names (rsl_rl or skrl layout).

    Falls back to ``best_agent.pt``, then to a single ``*.pt``/``*.pth`` file. Raises NoCheckpointError otherwise.
    """
    ranked = []
    for name in names:
        parsed = checkpoint_step(name)
        if parsed:
            # Shallower paths win ties (a run dir's own checkpoint over a copy in a subfolder).
            ranked.append((parsed[1], -name.count("/"), name))
    if ranked:
        return max(ranked)[2]
    best = [n for n in names if n.replace("\\", "/").rsplit("/", 1)[-1] == "best_agent.pt"]
    if best:
        return sorted(best, key=lambda n: n.count("/"))[0]
    weights = [n for n in names if n.endswith((".pt", ".pth"))]
    if len(weights) == 1:
        return weights[0]
    if weights:
        raise NoCheckpointError(
            f"found {len(weights)} .pt files but none named model_<N>.pt or checkpoints/agent_<N>.pt; "
            f"name the file directly (e.g. {weights[0]})"
        )
    raise NoCheckpointError("no checkpoint found (expected model_<N>.pt or checkpoints/agent_<N>.pt)")


def resolve_checkpoint_file(path: str | pathlib.Path) -> pathlib.Path:
    """A checkpoint file: ``path`` itself, or the latest checkpoint below the directory ``path``."""
    path = pathlib.Path(path)
    if path.is_file():
        return path
    if not path.exists():
        raise NoCheckpointError(f"{path} does not exist")
    names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
    try:
        return path / latest_checkpoint(names)
    except NoCheckpointError as exc:
        raise NoCheckpointError(f"{path}: {exc}") from None


def has_checkpoints(directory: str | pathlib.Path) -> bool:
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return False
    return any(checkpoint_step(p.relative_to(directory).as_posix()) for p in directory.rglob("*.pt"))

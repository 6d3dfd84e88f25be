"""Which files of a run are the model and which are its TensorBoard logs, for each supported layout.

Pure functions over a listing (no I/O):

* ``rsl_rl``: ``<run>/model_<N>.pt`` (+ ``events.out.tfevents.*`` in the run directory)
* ``skrl``: ``<run>/checkpoints/agent_<N>.pt`` or ``best_agent.pt`` (+ events in the run directory)
* ``hf_trainer``: ``<run>/checkpoint-<N>/`` directories (+ events under ``<run>/runs/``)

The final checkpoint is the one with the highest step. Files that only serve
to resume training (optimizer, scheduler, gradient scaler, RNG state,
training arguments, DeepSpeed optimizer shards) are left out of the model.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import re

from robotics_training.mirror.errors import EmptySourceError, NoCheckpointError
from robotics_training.mirror.hashing import fingerprint
from robotics_training.mirror.readers import SourceFile

LAYOUTS = ("rsl_rl", "skrl", "hf_trainer")

# Basename patterns of training-only state, never part of a registered model.
TRAINING_STATE = (
    "optimizer.pt",
    "optimizer.bin",
    "optimizer.safetensors",
    "scheduler.pt",
    "scaler.pt",
    "rng_state.pth",
    "rng_state_*.pth",
    "training_args.bin",
    "*optim_states.pt",
)
# Directory patterns of training-only state (DeepSpeed ZeRO shards).
TRAINING_STATE_DIRS = ("global_step*",)

TENSORBOARD = re.compile(r"(^|/)events\.out\.tfevents\.[^/]+$")
_RSL = re.compile(r"^(?P<dir>(?:.*/)?)model_(?P<step>\d+)\.pt$")
_SKRL = re.compile(r"^(?P<dir>(?:.*/)?)checkpoints/(?:agent_(?P<step>\d+)|best_agent)\.pt$")
_HF = re.compile(r"^(?P<dir>(?:.*/)?)checkpoint-(?P<step>\d+)/(?P<rest>.+)$")


@dataclasses.dataclass(frozen=True)
class Planned:
    """A source file and where it goes in the run's artifacts."""

    source: SourceFile
    artifact: str  # "model/..." or "tensorboard/..."


@dataclasses.dataclass(frozen=True)
class Selection:
    layout: str
    run_dir: str  # "" for the location itself
    step: int | None
    checkpoint: str  # the final checkpoint, relative to the location
    model: tuple[Planned, ...]
    tensorboard: tuple[Planned, ...]
    filtered: tuple[str, ...]  # training-state files of the final checkpoint that were left out
    older_checkpoints: int  # checkpoints other than the final one (not mirrored)

    @property
    def files(self) -> tuple[Planned, ...]:
        return self.tensorboard + self.model

    @property
    def bytes(self) -> int:
        return sum(p.source.size for p in self.files)

    def fingerprint(self) -> str:
        return fingerprint(((p.artifact, p.source.size, p.source.version) for p in self.files),
                           self.layout, str(self.step), self.checkpoint)


def is_training_state(relpath: str) -> bool:
    parts = relpath.split("/")
    if any(fnmatch.fnmatch(d, pattern) for d in parts[:-1] for pattern in TRAINING_STATE_DIRS):
        return True
    return any(fnmatch.fnmatch(parts[-1], pattern) for pattern in TRAINING_STATE)


def _candidates(layout: str, files: list[SourceFile]) -> dict[str, dict]:
    """run directory -> {step -> [files of that checkpoint]}; step -1 is skrl's best_agent.pt."""
    runs: dict[str, dict] = {}
    for item in files:
        rel = item.relpath
        if layout == "rsl_rl":
            m = _RSL.match(rel)
        elif layout == "skrl":
            m = _SKRL.match(rel)
        else:
            m = _HF.match(rel)
        if not m:
            continue
        step = int(m["step"]) if m["step"] is not None else -1
        runs.setdefault(m["dir"].rstrip("/"), {}).setdefault(step, []).append(item)
    return runs


def _sample(files: list[SourceFile], n: int = 5) -> str:
    names = [f.relpath for f in files[:n]]
    return ", ".join(names) + (f" and {len(files) - n} more" if len(files) > n else "")


def select(files: list[SourceFile], layout: str = "auto", where: str = "the source") -> Selection:
    """Picks the final checkpoint and the TensorBoard logs; raises when there is nothing or too much to pick."""
    if not files:
        raise EmptySourceError(f"{where} holds no files; point at the output directory of a finished training run")
    if layout != "auto" and layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}: use auto or one of {', '.join(LAYOUTS)}")
    found = {name: _candidates(name, files) for name in (LAYOUTS if layout == "auto" else (layout,))}
    found = {name: runs for name, runs in found.items() if runs}
    if not found:
        raise NoCheckpointError(
            f"no checkpoint in {where}: looked for rsl_rl model_<N>.pt, skrl checkpoints/agent_<N>.pt or "
            f"best_agent.pt, and Hugging Face Trainer checkpoint-<N>/ directories"
            + (f" (layout={layout})" if layout != "auto" else "")
            + f"; found {len(files)} file(s): {_sample(files)}")
    if len(found) > 1:
        raise NoCheckpointError(f"{where} holds checkpoints of several layouts ({', '.join(sorted(found))}); "
                                "choose one with layout/--layout")
    name, runs = next(iter(found.items()))
    if len(runs) > 1:
        dirs = ", ".join(d or "." for d in sorted(runs))
        raise NoCheckpointError(f"{where} holds several {name} runs ({dirs}); point at one run directory")
    run_dir, steps = next(iter(runs.items()))
    step = max(steps)
    final = steps[step]
    prefix = f"{run_dir}/" if run_dir else ""
    if name == "hf_trainer":
        root = f"{prefix}checkpoint-{step}"
    elif name == "skrl":
        root = f"{prefix}checkpoints"
    else:
        root = run_dir
    model, filtered = [], []
    for item in sorted(final, key=lambda f: f.relpath):
        inside = posixpath.relpath(item.relpath, root) if root else item.relpath
        if is_training_state(inside):
            filtered.append(item.relpath)
        else:
            model.append(Planned(item, f"model/{inside}"))
    if not model:
        raise NoCheckpointError(f"the final checkpoint {root} in {where} holds only training state "
                                f"({_sample(final)}); nothing to register")
    tensorboard = [
        Planned(item, "tensorboard/" + item.relpath[len(prefix):])
        for item in files
        if item.relpath.startswith(prefix) and TENSORBOARD.search(item.relpath)
    ]
    checkpoint = root if name == "hf_trainer" else final[0].relpath
    return Selection(
        layout=name,
        run_dir=run_dir,
        step=None if step < 0 else step,
        checkpoint=checkpoint,
        model=tuple(model),
        tensorboard=tuple(sorted(tensorboard, key=lambda p: p.artifact)),
        filtered=tuple(filtered),
        older_checkpoints=len(steps) - 1,
    )

"""TensorBoard scalars as MLflow metrics.

Reads event files with tensorboard's ``EventAccumulator`` (tbparse is not
needed); both classic ``simple_value`` scalars (torch's SummaryWriter, as
rsl_rl, skrl and the Hugging Face Trainer write them) and rank-0 tensor
summaries (TF2 style) are read. Non-finite values are dropped: AzureML does not
accept them.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import os
import re

_KEY = re.compile(r"[^A-Za-z0-9_\-. :/]")
MAX_KEY = 250


@dataclasses.dataclass(frozen=True)
class Point:
    key: str
    value: float
    timestamp_ms: int
    step: int


def metric_key(tag: str, prefix: str = "") -> str:
    """A TensorBoard tag as an MLflow metric name (characters MLflow rejects become ``_``)."""
    key = _KEY.sub("_", f"{prefix}/{tag}" if prefix else tag)
    return key[:MAX_KEY]


def available() -> bool:
    try:
        import tensorboard.backend.event_processing.event_accumulator  # noqa: F401
    except ImportError:
        return False
    return True


def read_scalars(directories: dict[str, str]) -> list[Point]:
    """Scalars of each directory's event files. ``directories`` maps a key prefix ("" for none) to a path."""
    from tensorboard.backend.event_processing import event_accumulator as ea

    points: list[Point] = []
    for prefix, path in sorted(directories.items()):
        acc = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
        acc.Reload()
        tags = acc.Tags()
        for tag in tags.get(ea.SCALARS, []):
            for event in acc.Scalars(tag):
                _add(points, metric_key(tag, prefix), event.value, event.wall_time, event.step)
        for tag in tags.get(ea.TENSORS, []):
            for event in acc.Tensors(tag):
                value = _scalar_tensor(event.tensor_proto)
                if value is not None:
                    _add(points, metric_key(tag, prefix), value, event.wall_time, event.step)
    return points


def _add(points: list[Point], key: str, value: float, wall_time: float, step: int) -> None:
    value = float(value)
    if math.isfinite(value):
        points.append(Point(key, value, int(wall_time * 1000), int(step)))


def _scalar_tensor(proto) -> float | None:
    if proto.tensor_shape.dim:  # not rank 0
        return None
    from tensorboard.util import tensor_util

    try:
        array = tensor_util.make_ndarray(proto)
    except Exception:  # strings and other non-numeric summaries
        return None
    if array.dtype.kind not in "fiub":
        return None
    return float(array)


def directories_of(relpaths: list[str], root: str) -> dict[str, str]:
    """Directories holding event files, keyed by the metric prefix to use.

    One directory: no prefix (tags stay as the training wrote them). Several
    (the Trainer's ``runs/<date>_<host>/``): the directory relative to the
    tensorboard root, so tags of different runs do not mix.
    """
    dirs = sorted({os.path.dirname(p) for p in relpaths})
    if len(dirs) == 1:
        return {"": os.path.join(root, dirs[0])}
    return {d: os.path.join(root, d) for d in dirs}


def count_keys(points: list[Point]) -> dict[str, int]:
    return dict(collections.Counter(p.key for p in points))

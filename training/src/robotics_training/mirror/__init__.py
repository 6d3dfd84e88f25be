"""Mirror a training run's final checkpoint and TensorBoard logs into an MLflow registry or AzureML workspace.

One implementation, used by ``robotics-training mirror``, by the
``azure_robotics.stack.azureml_mirror`` Ansible module, and inside OSMO
workflows and AzureML jobs. See ``core`` for the flow.
"""

from robotics_training.mirror.core import (
    SOURCE_KINDS,
    MirrorRequest,
    MirrorResult,
    Plan,
    mirror,
    mirror_best_effort,
    plan,
)
from robotics_training.mirror.errors import (
    ChecksumError,
    CoordinatesError,
    EmptySourceError,
    MirrorError,
    NoCheckpointError,
    SourceError,
    TargetError,
)
from robotics_training.mirror.layouts import LAYOUTS
from robotics_training.mirror.targets import Target

__all__ = [
    "LAYOUTS",
    "SOURCE_KINDS",
    "ChecksumError",
    "CoordinatesError",
    "EmptySourceError",
    "MirrorError",
    "MirrorRequest",
    "MirrorResult",
    "NoCheckpointError",
    "Plan",
    "SourceError",
    "Target",
    "TargetError",
    "mirror",
    "mirror_best_effort",
    "plan",
]

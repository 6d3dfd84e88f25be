"""Options several commands share, spelled and defaulted the same way everywhere."""

from __future__ import annotations

import os


def add_checkpoint(parser) -> None:
    """``--checkpoint``: where the policy comes from; $CHECKPOINT_URI keeps a SAS token off the command line."""
    parser.add_argument("--checkpoint", default=os.environ.get("CHECKPOINT_URI") or None,
                        help="path, runs:/..., models:/..., azure://... or blob URL (default: $CHECKPOINT_URI, "
                             "which keeps a SAS token off the command line)")


def add_tracking_uri(parser, default_help: str = "$MLFLOW_TRACKING_URI") -> None:
    """``--tracking-uri``: the MLflow server, $MLFLOW_TRACKING_URI when not given."""
    parser.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI") or None,
                        help="MLflow tracking URI (default: %s)" % default_help)

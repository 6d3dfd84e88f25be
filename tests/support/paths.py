"""Where things are, for tests."""

from __future__ import annotations

import os
import pathlib
import sys

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = pathlib.Path(sys.executable).parent
SHARED = pathlib.Path(os.environ.get("AZURE_ROBOTICS_SHARED", PROJECT_ROOT.parent / "shared"))
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


def tool(name: str) -> str:
    """Path of a console script installed in the test interpreter's environment."""
    candidate = VENV_BIN / name
    return str(candidate) if candidate.exists() else name

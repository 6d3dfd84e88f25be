"""An emulator of NVIDIA OSMO's REST API (workflow lifecycle). See CONTRACT.md."""

from .server import OsmoEmulator
from .state import FAIL_MARKER, Timing

__all__ = ["FAIL_MARKER", "OsmoEmulator", "Timing"]

"""An emulator of the AWX / Automation Platform controller API v2 (the part the awx.awx modules use). See CONTRACT.md."""

from .server import AwxEmulator, survey_error

__all__ = ["AwxEmulator", "survey_error"]

"""An Azure Resource Manager emulator for tests: see CONTRACT.md."""

from .server import DEFAULT_SUBSCRIPTION, DEFAULT_TENANT, ArmEmulator

__all__ = ["ArmEmulator", "DEFAULT_SUBSCRIPTION", "DEFAULT_TENANT"]

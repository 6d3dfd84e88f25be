"""An emulated Azure Machine Learning workspace for azure-ai-ml (see CONTRACT.md)."""

from emulators.azureml.server import AzuriteStorage, EmulatorServer
from emulators.azureml.state import ApiError, JobRule, Workspace

__all__ = ["ApiError", "AzuriteStorage", "EmulatorServer", "JobRule", "Workspace"]

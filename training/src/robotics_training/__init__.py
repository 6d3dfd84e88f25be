"""Robot-learning workloads shared by every backend of azure_robotics.stack."""

__version__ = "0.1.0"

"""One module per CLI command; see ``robotics_training.cli``."""

"""Checkpoint sources (URIs), their download, and the on-disk layouts of rsl_rl and skrl runs."""

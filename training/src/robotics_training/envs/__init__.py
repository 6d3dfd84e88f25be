"""Environments: gymnasium MuJoCo vector envs on any machine, Isaac Lab tasks where Isaac Lab is installed."""

"""Emulators of control planes used by the tests (see README.md)."""

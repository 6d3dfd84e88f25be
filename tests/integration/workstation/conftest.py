"""Fixtures of the workstation-loop tests: headless Chromium (support/browser.py)."""

from support.browser import chromium  # noqa: F401  (a fixture, used by name)

"""Suite-wide pytest set-up: markers by directory and shared fixtures."""

from __future__ import annotations

import pathlib

import pytest

from support.paths import PROJECT_ROOT

# Fixture modules: one per area (emulators add theirs here).
pytest_plugins = [
    "support.fixtures",
    "support.local_servers",    # before the emulators that import it, so pytest can rewrite its asserts
    "emulators.osmo.fixtures",
    "emulators.arm.fixture",
    "emulators.azureml.fixtures",
    "emulators.k8s.fixture",
    "support.browser",
    "emulators.awx.fixture",
]


def pytest_collection_modifyitems(config, items):
    # A test's directory says what kind of test it is; files can add `slow`.
    for item in items:
        parts = pathlib.Path(str(item.fspath)).relative_to(PROJECT_ROOT / "tests").parts
        if parts and parts[0] in ("unit", "integration"):
            item.add_marker(getattr(pytest.mark, parts[0]))

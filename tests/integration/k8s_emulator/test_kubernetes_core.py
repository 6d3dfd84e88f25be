"""kubernetes.core against the API (emulated, or real when KUBECONFIG is set): apply, waits, check mode."""

from __future__ import annotations

import pathlib

import kubernetes
import pytest
from kubernetes.client import ApiException

from support.playbook import run_playbook

PLAYBOOKS = pathlib.Path(__file__).parent / "playbooks"

pytestmark = pytest.mark.slow   # ansible-playbook runs: ~1 s per kubernetes.core task on a shared runner


def _vars(kube, **extra):
    return {"ns": kube.namespace, "group": f"{kube.namespace}.azure-robotics.test", "suffix": kube.namespace,
            **extra}


def _cleanup(kube, group_suffix="gadgets"):
    if kube.is_emulator:
        return
    api = kube.api_client()
    for call in (lambda: kubernetes.client.SchedulingV1Api(api).delete_priority_class(f"batch-{kube.namespace}"),
                 lambda: kubernetes.client.ApiextensionsV1Api(api).delete_custom_resource_definition(
                     f"{group_suffix}.{kube.namespace}.azure-robotics.test")):
        try:
            call()
        except ApiException:
            pass


@pytest.mark.parametrize("ssa", [False, True], ids=["client-side-apply", "server-side-apply"])
def test_apply_is_idempotent_and_check_mode_writes_nothing(kube, ssa):
    try:
        first = run_playbook(str(PLAYBOOKS / "apply_stack.yml"), extra_vars=_vars(kube, ssa=ssa), env=kube.env())
        assert first.rc == 0, first
        assert first.changed == 4, first      # every task created something

        revision = kube.emulator.cluster.store.resource_version if kube.is_emulator else None
        second = run_playbook(str(PLAYBOOKS / "apply_stack.yml"), extra_vars=_vars(kube, ssa=ssa), env=kube.env())
        assert second.rc == 0, second
        assert second.changed == 0, second
        if kube.is_emulator:
            # the rerun's patches/applies are no-ops: no object got a new resourceVersion
            assert kube.emulator.cluster.store.resource_version == revision

        core = kubernetes.client.CoreV1Api(kube.api_client())
        before = core.read_namespaced_config_map("settings", kube.namespace)
        if kube.is_emulator:
            kube.emulator.clear_requests()
        check = run_playbook(str(PLAYBOOKS / "apply_stack.yml"), extra_vars=_vars(kube, ssa=ssa, value="two"),
                             env=kube.env(), check=True)
        assert check.rc == 0, check
        assert check.changed >= 2, check          # the ConfigMap and the Deployment would change
        after = core.read_namespaced_config_map("settings", kube.namespace)
        assert after.data == {"value": "one"}
        assert after.metadata.resource_version == before.metadata.resource_version
        if kube.is_emulator:
            writes = kube.emulator.writes()
            assert writes, "check mode should still ask the server (dry run)"
            assert all(w["query"].get("dryRun") == "All" for w in writes), writes
    finally:
        _cleanup(kube)


@pytest.mark.k8s_config(crd_established_delay=3.0)
def test_custom_resource_right_after_its_crd_needs_the_wait(k8s_emulator, tmp_path):
    import kubernetes as k8s

    env = {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path)}
    k8s.client.CoreV1Api(k8s_emulator.api_client()).create_namespace({"metadata": {"name": "order"}})
    racy = run_playbook(str(PLAYBOOKS / "crd_ordering.yml"), env=env,
                        extra_vars={"ns": "order", "group": "racy.azure-robotics.test", "wait_for_crd": False})
    assert racy.rc != 0 and racy.failed == 1, racy
    assert "Failed to find exact match for racy.azure-robotics.test/v1.Sprocket" in racy.stdout, racy

    ordered = run_playbook(str(PLAYBOOKS / "crd_ordering.yml"), env=env,
                           extra_vars={"ns": "order", "group": "ordered.azure-robotics.test", "wait_for_crd": True})
    assert ordered.rc == 0, ordered
    assert ordered.changed == 2, ordered


def test_stale_resource_version_conflict(kube):
    run = run_playbook(str(PLAYBOOKS / "stale_replace.yml"), env=kube.env(), extra_vars={"ns": kube.namespace})
    assert run.rc == 0, run
    data = kubernetes.client.CoreV1Api(kube.api_client()).read_namespaced_config_map("versioned", kube.namespace).data
    assert data == {"v": "2"}

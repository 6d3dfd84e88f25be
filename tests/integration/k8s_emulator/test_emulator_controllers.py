"""Emulator-only behaviour: the controllers (Jobs, workloads, volumes, GC, scheduling), the request log, strict
validation, watch expiry and process mode. Contract behaviour shared with real clusters is in test_api_contract.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import kubernetes
import pytest
from kubernetes.client import ApiException

from emulators.k8s import Failure, JobBehaviour
from support.paths import PROJECT_ROOT
from support.ports import free_port
from support.waiting import wait_until


def job(name, completions=4, parallelism=2, per_index=None, policy=None, restart="Never", **spec):
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"completions": completions, "parallelism": parallelism, "completionMode": "Indexed",
                     "template": {"spec": {"restartPolicy": restart, "containers": [
                         {"name": "main", "image": "busybox:1.36"}]}}, **spec}}
    if per_index is not None:
        body["spec"]["backoffLimitPerIndex"] = per_index
    if policy is not None:
        body["spec"]["podFailurePolicy"] = policy
    return body


@pytest.fixture
def batch(k8s_emulator):
    return kubernetes.client.BatchV1Api(k8s_emulator.api_client())


@pytest.fixture
def core(k8s_emulator):
    return kubernetes.client.CoreV1Api(k8s_emulator.api_client())


def conditions(j):
    return {c.type: c for c in (j.status.conditions or []) if c.status == "True"}


def finished(batch, name, ns="default", timeout=20):
    return wait_until(lambda: (lambda j: j if {"Complete", "Failed"} & set(conditions(j)) else None)(
        batch.read_namespaced_job(name, ns)), timeout, message=f"job {name} to finish")


def test_request_log_records_what_clients_sent(k8s_emulator, core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "logged"}, "data": {"a": "b"}},
                                      dry_run="All", field_manager="me")
    entry = [r for r in k8s_emulator.requests if r["method"] == "POST"][-1]
    assert entry["path"] == "/api/v1/namespaces/default/configmaps"
    assert entry["query"] == {"dryRun": "All", "fieldManager": "me"}
    assert entry["body"]["data"] == {"a": "b"} and entry["status"] == 201
    assert k8s_emulator.writes() == [entry]


@pytest.mark.k8s_config(pod_duration=0.05)
def test_indexed_job_with_failing_indexes_and_backoff_limit_per_index(k8s_emulator, batch, core):
    k8s_emulator.cluster.add_job_behaviour(JobBehaviour(match_name="flaky", failures={
        1: Failure(exit_code=3), 2: Failure(exit_code=3, times=1)}))
    batch.create_namespaced_job("default", job("flaky", completions=5, parallelism=3, per_index=1))
    done = finished(batch, "flaky")
    assert done.status.completed_indexes == "0,2-4"
    assert done.status.failed_indexes == "1"
    assert done.status.succeeded == 4 and done.status.failed == 3     # index 1 twice, index 2 once
    assert conditions(done)["Failed"].reason == "FailedIndexes"
    assert conditions(done)["FailureTarget"].reason == "FailedIndexes"
    pods = core.list_namespaced_pod("default", label_selector="batch.kubernetes.io/job-name=flaky").items
    index_one = sorted(int(p.metadata.annotations["batch.kubernetes.io/job-index-failure-count"])
                       for p in pods if p.metadata.labels["batch.kubernetes.io/job-completion-index"] == "1")
    assert index_one == [0, 1]
    assert all("batch.kubernetes.io/job-tracking" not in (p.metadata.finalizers or []) for p in pods)
    failed = [p for p in pods if p.status.phase == "Failed"][0]
    assert failed.status.container_statuses[0].state.terminated.exit_code == 3


def test_max_failed_indexes_fails_the_job_early(k8s_emulator, batch):
    k8s_emulator.cluster.add_job_behaviour(JobBehaviour(match_name="fragile", failures={
        0: Failure(), 1: Failure()}))
    batch.create_namespaced_job("default", job("fragile", completions=20, parallelism=2, per_index=0,
                                               maxFailedIndexes=1))
    done = finished(batch, "fragile")
    assert conditions(done)["Failed"].reason == "MaxFailedIndexesExceeded"
    assert done.status.failed_indexes == "0-1" and (done.status.succeeded or 0) < 18


def test_pod_failure_policy_fail_job_and_ignore_disruptions(k8s_emulator, batch):
    policy = {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}},
                        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}
    k8s_emulator.cluster.add_job_behaviour(JobBehaviour(match_name="evicted", failures={
        0: Failure(disruption=True, times=2)}))
    batch.create_namespaced_job("default", job("evicted", completions=2, per_index=0, policy=policy))
    done = finished(batch, "evicted")
    assert "Complete" in conditions(done), done.status     # two evictions ignored, then success
    assert not done.status.failed and done.status.completed_indexes == "0-1"

    k8s_emulator.cluster.add_job_behaviour(JobBehaviour(match_name="fatal", failures={1: Failure(exit_code=42)}))
    batch.create_namespaced_job("default", job("fatal", completions=3, parallelism=1, per_index=3, policy=policy))
    fatal = finished(batch, "fatal")
    assert conditions(fatal)["Failed"].reason == "PodFailurePolicy"
    assert "exit code 42 matching FailJob rule at index 0" in conditions(fatal)["Failed"].message


def test_backoff_limit_without_indexes(k8s_emulator, batch):
    k8s_emulator.cluster.add_job_behaviour({"match": {"name": "retrying"}, "failures": {"0": {"exit_code": 1}}})
    body = job("retrying", backoffLimit=2)
    body["spec"].pop("completionMode")
    body["spec"].update(completions=1, parallelism=1)
    batch.create_namespaced_job("default", body)
    done = finished(batch, "retrying")
    assert conditions(done)["Failed"].reason == "BackoffLimitExceeded" and done.status.failed == 3


@pytest.mark.k8s_config(pod_duration=0.1)
def test_progress_is_visible_while_indexes_complete(k8s_emulator, batch):
    batch.create_namespaced_job("default", job("slow", completions=12, parallelism=3))
    seen = set()
    w = kubernetes.watch.Watch()
    for event in w.stream(batch.list_namespaced_job, "default", field_selector="metadata.name=slow",
                          timeout_seconds=20):
        status = event["object"].status
        seen.add(status.succeeded or 0)
        assert (status.active or 0) <= 3
        if "Complete" in conditions(event["object"]):
            w.stop()
    assert len(seen) >= 4 and max(seen) == 12


@pytest.mark.k8s_config(pod_duration=0.2)
def test_suspend_and_resume(k8s_emulator, batch, core):
    batch.create_namespaced_job("default", job("paused", completions=6, parallelism=2, suspend=True))
    suspended = wait_until(lambda: conditions(batch.read_namespaced_job("paused", "default")).get("Suspended"), 5,
                           message="the Suspended condition")
    assert suspended.reason == "JobSuspended"
    assert core.list_namespaced_pod("default", label_selector="job-name=paused").items == []
    batch.patch_namespaced_job("paused", "default", {"spec": {"suspend": False}})
    done = finished(batch, "paused")
    resumed = [c for c in done.status.conditions if c.type == "Suspended"][0]
    assert resumed.status == "False" and resumed.reason == "JobResumed"
    assert "Complete" in conditions(done)
    with pytest.raises(ApiException) as immutable:
        batch.patch_namespaced_job("paused", "default", {"spec": {"template": {"spec": {"containers": [
            {"name": "main", "image": "busybox:1.37"}]}}}})
    assert immutable.value.status == 422


@pytest.mark.k8s_config(ttl_scale=0.05)
def test_ttl_after_finished_deletes_job_and_pods(k8s_emulator, batch, core):
    batch.create_namespaced_job("default", job("short-lived", completions=2, ttlSecondsAfterFinished=10))
    finished(batch, "short-lived")
    wait_until(lambda: not batch.list_namespaced_job("default", field_selector="metadata.name=short-lived").items,
               10, message="the TTL controller to delete the Job")
    wait_until(lambda: not core.list_namespaced_pod("default", label_selector="job-name=short-lived").items, 10,
               message="the garbage collector to delete the pods")


def test_delete_propagation(k8s_emulator, batch, core):
    batch.create_namespaced_job("default", job("orphaning", completions=2))
    finished(batch, "orphaning")
    batch.delete_namespaced_job("orphaning", "default")         # batch/v1 default: orphan the pods
    pods = core.list_namespaced_pod("default", label_selector="job-name=orphaning").items
    assert len(pods) == 2 and all(not p.metadata.owner_references for p in pods)
    batch.create_namespaced_job("default", job("cascading", completions=2))
    finished(batch, "cascading")
    batch.delete_namespaced_job("cascading", "default", propagation_policy="Background")
    wait_until(lambda: not core.list_namespaced_pod("default", label_selector="job-name=cascading").items, 5,
               message="dependents to be collected")


@pytest.mark.k8s_config(pod_duration=0.3)
def test_scheduling_honours_taints_selectors_and_gpu_capacity(k8s_emulator, batch, core):
    cluster = k8s_emulator.cluster
    cluster.add_node("aks-system-0", {"kubernetes.azure.com/agentpool": "system"})
    cluster.add_node("aks-gpu-0", {"kubernetes.azure.com/agentpool": "gpu", "accelerator": "nvidia"},
                     taints=[{"key": "nvidia.com/gpu", "effect": "NoSchedule"},
                             {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot",
                              "effect": "NoSchedule"}],
                     capacity={"nvidia.com/gpu": "2"})
    gpu_pod = {"restartPolicy": "Never", "nodeSelector": {"kubernetes.azure.com/agentpool": "gpu"},
               "containers": [{"name": "main", "image": "busybox:1.36",
                               "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}
    untolerated = job("no-toleration", completions=1)
    untolerated["spec"]["template"]["spec"] = gpu_pod
    batch.create_namespaced_job("default", untolerated)
    pending = wait_until(lambda: [p for p in core.list_namespaced_pod("default",
                                                                       label_selector="job-name=no-toleration").items
                                  if p.status.conditions], 5, message="the scheduling verdict")[0]
    assert pending.status.phase == "Pending"
    assert pending.status.conditions[0].reason == "Unschedulable"
    assert "untolerated taint" in pending.status.conditions[0].message

    tolerated = job("gpu", completions=6, parallelism=6)
    tolerated["spec"]["template"]["spec"] = dict(gpu_pod, tolerations=[
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot",
         "effect": "NoSchedule"}])
    batch.create_namespaced_job("default", tolerated)
    running_max = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pods = core.list_namespaced_pod("default", label_selector="job-name=gpu").items
        running_max = max(running_max, sum(1 for p in pods if p.status.phase == "Running"))
        if "Complete" in conditions(batch.read_namespaced_job("gpu", "default")):
            break
        time.sleep(0.05)
    assert "Complete" in conditions(batch.read_namespaced_job("gpu", "default"))
    assert 1 <= running_max <= 2                   # two GPUs on the only GPU node
    assert {p.spec.node_name for p in core.list_namespaced_pod("default", label_selector="job-name=gpu").items} == {
        "aks-gpu-0"}


def test_workload_statuses_satisfy_kubernetes_core_waiters(k8s_emulator):
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s import waiter

    dyn = kubernetes.dynamic.DynamicClient(k8s_emulator.api_client())
    template = {"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}
    specs = {"Deployment": {"replicas": 2}, "StatefulSet": {"serviceName": "w", "replicas": 2}, "DaemonSet": {}}
    for kind, extra in specs.items():
        resource = dyn.resources.get(api_version="apps/v1", kind=kind)
        resource.create(body={"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "w"},
                              "spec": {"selector": {"matchLabels": {"app": "w"}}, "template": template, **extra}},
                        namespace="default")
        predicate = waiter.RESOURCE_PREDICATES[kind]
        assert not predicate(resource.get(name="w", namespace="default"))
        wait_until(lambda: predicate(resource.get(name="w", namespace="default")), 5, message=f"{kind} ready")


def test_persistent_volume_claims_bind_to_static_volumes(k8s_emulator, core):
    core.create_persistent_volume({"metadata": {"name": "pv-blob-input"}, "spec": {
        "capacity": {"storage": "10Gi"}, "accessModes": ["ReadOnlyMany"], "storageClassName": "azureblob-fuse",
        "csi": {"driver": "blob.csi.azure.com", "volumeHandle": "acct_input"}}})
    core.create_namespaced_persistent_volume_claim("default", {"metadata": {"name": "input"}, "spec": {
        "accessModes": ["ReadOnlyMany"], "storageClassName": "azureblob-fuse", "volumeName": "pv-blob-input",
        "resources": {"requests": {"storage": "10Gi"}}}})
    claim = wait_until(lambda: (lambda c: c if c.status.phase == "Bound" else None)(
        core.read_namespaced_persistent_volume_claim("input", "default")), 5, message="the claim to bind")
    assert claim.status.capacity == {"storage": "10Gi"}
    volume = core.read_persistent_volume("pv-blob-input")
    assert volume.status.phase == "Bound" and volume.spec.claim_ref.name == "input"
    core.delete_namespaced_persistent_volume_claim("input", "default")
    wait_until(lambda: core.read_persistent_volume("pv-blob-input").status.phase == "Released", 5,
               message="the volume to be released")


def raw(api, method, path, body=None, query=()):
    """A request the typed client would refuse to send (unknown fields): (status, headers, decoded body)."""
    response = api.call_api(*api.param_serialize(method, path, query_params=list(query), body=body,
                                                 header_params={"Accept": "application/json",
                                                                "Content-Type": "application/json"},
                                                 auth_settings=["BearerToken"]))
    response.read()
    return response.status, response.headers, json.loads(response.data or b"null")


def test_strict_validation_of_built_in_kinds(k8s_emulator):
    api = k8s_emulator.api_client()
    path = "/api/v1/namespaces/default/configmaps"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict"}, "data": {"a": "b"}, "bogus": 1}
    status, _, refused = raw(api, "POST", path, body, [("fieldValidation", "Strict")])
    assert status == 400 and refused["message"] == 'strict decoding error: unknown field "bogus"'
    status, headers, created = raw(api, "POST", path, body)
    assert status == 201 and 'unknown field \\"bogus\\"' in headers["Warning"]
    assert "bogus" not in created and "bogus" not in raw(api, "GET", path + "/strict")[2]
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "typed"}, "spec": {
        "replicas": "two", "selector": {"matchLabels": {"a": "b"}}, "template": {
            "metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}}}
    status, _, typed = raw(api, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment)
    assert status == 400 and "cannot be handled as a Deployment" in typed["message"]


def test_watch_from_an_expired_resource_version_gets_410(k8s_emulator, core):
    store = k8s_emulator.cluster.store
    store._events = store._events.__class__(store._events, maxlen=5)
    start = core.list_namespaced_config_map("default").metadata.resource_version
    for i in range(10):
        core.create_namespaced_config_map("default", {"metadata": {"name": f"churn-{i}"}})
    api = k8s_emulator.api_client()
    response = api.call_api(*api.param_serialize("GET", "/api/v1/namespaces/default/configmaps",
                                                 query_params=[("watch", "true"), ("resourceVersion", start),
                                                               ("timeoutSeconds", "1")],
                                                 header_params={"Accept": "application/json"},
                                                 auth_settings=["BearerToken"]))
    response.read()
    first = json.loads(response.data.decode().splitlines()[0])
    assert first["type"] == "ERROR" and first["object"]["code"] == 410 and first["object"]["reason"] == "Expired"


def test_crd_types_appear_only_when_established(k8s_emulator):
    k8s_emulator.cluster.config.crd_established_delay = 0.5
    ext = kubernetes.client.ApiextensionsV1Api(k8s_emulator.api_client())
    ext.create_custom_resource_definition({
        "metadata": {"name": "things.late.test"},
        "spec": {"group": "late.test", "scope": "Cluster", "names": {"plural": "things", "kind": "Thing"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}]}})
    custom = kubernetes.client.CustomObjectsApi(k8s_emulator.api_client())
    with pytest.raises(ApiException) as early:
        custom.create_cluster_custom_object("late.test", "v1", "things", {
            "apiVersion": "late.test/v1", "kind": "Thing", "metadata": {"name": "t"}})
    assert early.value.status == 404
    wait_until(lambda: any(c.type == "Established" for c in (
        ext.read_custom_resource_definition("things.late.test").status.conditions or [])), 5,
        message="Established")
    custom.create_cluster_custom_object("late.test", "v1", "things", {
        "apiVersion": "late.test/v1", "kind": "Thing", "metadata": {"name": "t"}})
    ext.delete_custom_resource_definition("things.late.test")
    wait_until(lambda: k8s_emulator.cluster.registry.get("late.test", "v1", "things") is None, 5,
               message="the type to be unregistered")
    assert k8s_emulator.cluster.store.list(("late.test", "things"))[0] == []


def test_runs_as_a_process(tmp_path):
    port = free_port()
    kubeconfig = tmp_path / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "emulators.k8s", "--port", str(port), "--kubeconfig",
                             str(kubeconfig), "--pod-duration", "0.01"], cwd=PROJECT_ROOT / "tests",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT / "tests")))
    try:
        ready = {}
        reader = threading.Thread(target=lambda: ready.update(json.loads(proc.stdout.readline())))
        reader.start()
        reader.join(30)
        assert ready.get("url") == f"https://127.0.0.1:{port}", proc.stderr.read() if proc.poll() else ready
        configuration = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config(str(kubeconfig), client_configuration=configuration)
        api = kubernetes.client.ApiClient(configuration)
        batch = kubernetes.client.BatchV1Api(api)
        batch.create_namespaced_job("default", job("proc", completions=3))
        assert "Complete" in conditions(finished(batch, "proc"))
        raw = api.call_api(*api.param_serialize("GET", "/emulator/requests", auth_settings=["BearerToken"],
                                                header_params={"Accept": "application/json"}))
        raw.read()
        assert [r["method"] for r in json.loads(raw.data)["items"]][0] == "POST"
    finally:
        proc.terminate()
        proc.wait(10)

"""resim_batch against the Kubernetes emulator: submission cost, progress, retries of failed indexes only,
idempotence, cancel/cleanup, check mode and bad input. The module runs in-process through AnsibleModule."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import kubernetes
import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.resim import spec as rs
from ansible_collections.azure_robotics.stack.plugins.modules.resim_batch import USER_AGENT, main
from emulators.k8s import Failure, JobBehaviour
from support.modules import run_module
from support.paths import ARTIFACTS
from support.waiting import wait_until

NODE_POOLS = {
    "gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot", "eviction_policy": "Delete",
            "node_taints": ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
            "node_labels": {"accelerator": "nvidia"}, "min_count": 1, "max_count": 1, "gpu_driver": "Install",
            "gpu_sharing": {"strategy": "time-slicing", "replicas": 4}},
}


@pytest.fixture
def cluster(k8s_emulator):
    """The emulator with the namespace and the bound input/output claims resim_cluster would create."""
    core = kubernetes.client.CoreV1Api(k8s_emulator.api_client())
    core.create_namespace({"metadata": {"name": "resim"}})
    for name, mode in (("resim-input", "ReadOnlyMany"), ("resim-output", "ReadWriteMany")):
        core.create_persistent_volume({"metadata": {"name": f"pv-{name}"}, "spec": {
            "capacity": {"storage": "4096Gi"}, "accessModes": [mode], "storageClassName": "azureblob-fuse-premium",
            "csi": {"driver": "blob.csi.azure.com", "volumeHandle": f"acct_{name}"}}})
        core.create_namespaced_persistent_volume_claim("resim", {"metadata": {"name": name}, "spec": {
            "accessModes": [mode], "storageClassName": "azureblob-fuse-premium", "volumeName": f"pv-{name}",
            "resources": {"requests": {"storage": "4096Gi"}}}})
    wait_until(lambda: all(c.status.phase == "Bound" for c in core.list_namespaced_persistent_volume_claim(
        "resim").items), 10, message="claims to bind")
    k8s_emulator.clear_requests()
    return k8s_emulator


def args(cluster, **extra):
    return {"kubeconfig": cluster.kubeconfig_path, "batch_id": "b1", "njobs": 20, "parallelism": 5,
            "image": "registry.example/resim:1.0", "command": ["/opt/resim/run.sh"], "input_prefix": "recordings",
            "output_prefix": "results", "node_pool": "gpu", "node_pools": NODE_POOLS, **extra}


def module_requests(cluster):
    return [r for r in cluster.requests if (r.get("user_agent") or "").startswith(USER_AGENT)]


def batch_api(cluster):
    return kubernetes.client.BatchV1Api(cluster.api_client())


def test_thousand_tasks_are_submitted_in_four_requests_and_under_two_seconds(cluster):
    started = time.monotonic()
    result = run_module(main, args(cluster, batch_id="big", njobs=1000, parallelism=100))
    elapsed = time.monotonic() - started
    assert result["changed"] is True, result
    requests = module_requests(cluster)
    assert [(r["method"], r["path"]) for r in requests] == [
        ("GET", "/api/v1/namespaces/resim/configmaps/resim-big"),
        ("GET", "/api/v1/namespaces/resim/persistentvolumeclaims"),
        ("POST", "/apis/batch/v1/namespaces/resim/jobs"),
        ("POST", "/api/v1/namespaces/resim/configmaps")]
    assert len(requests) <= 5 and result["api_calls"] == len(requests)
    job = requests[2]["body"]
    assert (job["spec"]["completions"], job["spec"]["parallelism"], job["spec"]["completionMode"]) == (
        1000, 100, "Indexed")
    assert result["timings"]["submit_seconds"] < 2.0 and elapsed < 2.0, (result["timings"], elapsed)
    assert result["summary"]["pending"] == 1000 and len(result["indexes"]) == 1000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figures = {"njobs": 1000, "api_calls": len(requests), "submit_seconds": result["timings"]["submit_seconds"],
               "module_wall_seconds": round(elapsed, 3)}
    (ARTIFACTS / "resim_submit_figures.json").write_text(json.dumps(figures, indent=2))
    print("resim submission figures:", figures)


@pytest.mark.k8s_config(pod_duration=0.05)
def test_progress_is_reported_while_indexes_complete(cluster, tmp_path):
    progress_file = tmp_path / "progress.jsonl"
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(run_module(main, args(
        cluster, batch_id="watched", njobs=300, parallelism=30, wait=True, wait_timeout=120,
        progress_file=str(progress_file)))))
    runner.start()
    # progress is visible in the file while the module is still waiting
    partial = wait_until(lambda: [json.loads(line) for line in progress_file.read_text().splitlines()
                                  if 0 < json.loads(line)["succeeded"] < 300] if progress_file.exists() else None,
                         60, message="partial progress in progress_file")
    assert runner.is_alive() or outcome, "the module finished before reporting any partial progress"
    runner.join(120)
    result = outcome
    assert result["summary"]["complete"] and result["summary"]["succeeded"] == 300, result.get("msg")
    counts = [p["succeeded"] for p in result["progress"]]
    assert len(counts) >= 4 and counts == sorted(counts) and counts[-1] == 300
    assert partial[0]["batch_id"] == "watched" and partial[0]["active"] <= 30


@pytest.mark.k8s_config(pod_duration=0.02)
def test_failed_indexes_are_retried_alone(cluster):
    cluster.cluster.add_job_behaviour(JobBehaviour(match_name="resim-flaky", failures={
        3: Failure(exit_code=2), 7: Failure(exit_code=2)}))
    first = run_module(main, args(cluster, batch_id="flaky", backoff_limit_per_index=0, wait=True, wait_timeout=60))
    assert first["summary"]["failed_indexes"] == [3, 7] and first["summary"]["succeeded"] == 18, first
    assert [e["status"] for e in first["indexes"] if e["index"] in (3, 7)] == ["failed", "failed"]

    retry = run_module(main, args(cluster, batch_id="flaky", backoff_limit_per_index=0, retry_failed=True,
                                  wait=True, wait_timeout=60))
    assert retry["changed"] is True and retry["submitted"] == ["resim-flaky-r1"], retry
    assert retry["summary"]["complete"] and retry["summary"]["succeeded"] == 20
    assert [(e["index"], e["attempt"]) for e in retry["indexes"] if e["attempt"] == 1] == [(3, 1), (7, 1)]
    retried = batch_api(cluster).read_namespaced_job("resim-flaky-r1", "resim")
    assert retried.spec.completions == 2
    env = {e.name: e.value for e in retried.spec.template.spec.containers[0].env}
    assert env["RESIM_INDEX_MAP"] == "3,7"
    pods = kubernetes.client.CoreV1Api(cluster.api_client()).list_namespaced_pod(
        "resim", label_selector="job-name=resim-flaky-r1").items
    assert sorted(p.metadata.labels["batch.kubernetes.io/job-completion-index"] for p in pods) == ["0", "1"]

    again = run_module(main, args(cluster, batch_id="flaky", backoff_limit_per_index=0, retry_failed=True))
    assert again["changed"] is False and again["jobs"] == ["resim-flaky", "resim-flaky-r1"]


def test_same_batch_id_again_changes_nothing(cluster):
    first = run_module(main, args(cluster))
    assert first["changed"] is True
    before = len(cluster.requests)
    second = run_module(main, args(cluster))
    assert second["changed"] is False, second
    rerun = cluster.requests[before:]
    assert [r["method"] for r in rerun] == ["GET", "GET"]        # the record and the Job: one read each
    assert second["jobs"] == ["resim-b1"] and second["submitted"] == []


def test_same_batch_id_with_another_spec_is_refused(cluster):
    run_module(main, args(cluster))
    before = len(cluster.requests)
    refused = run_module(main, args(cluster, image="registry.example/resim:2.0"))
    assert refused["failed"] and "batch_id 'b1' already exists" in refused["msg"]
    assert all(r["method"] == "GET" for r in cluster.requests[before:])


@pytest.mark.k8s_config(pod_duration=5.0)
def test_parallelism_change_cancel_resume_and_cleanup(cluster):
    run_module(main, args(cluster, njobs=20, parallelism=2))
    widened = run_module(main, args(cluster, njobs=20, parallelism=6))
    assert widened["changed"] is True
    assert batch_api(cluster).read_namespaced_job("resim-b1", "resim").spec.parallelism == 6

    cancelled = run_module(main, {"kubeconfig": cluster.kubeconfig_path, "batch_id": "b1", "state": "cancelled",
                                  "wait": True, "wait_timeout": 30})
    assert cancelled["changed"] is True
    job = batch_api(cluster).read_namespaced_job("resim-b1", "resim")
    assert job.spec.suspend is True and not job.status.active
    again = run_module(main, {"kubeconfig": cluster.kubeconfig_path, "batch_id": "b1", "state": "cancelled"})
    assert again["changed"] is False

    resumed = run_module(main, args(cluster, njobs=20, parallelism=6))
    assert resumed["changed"] is True and batch_api(cluster).read_namespaced_job("resim-b1", "resim").spec.suspend \
        is False

    removed = run_module(main, {"kubeconfig": cluster.kubeconfig_path, "batch_id": "b1", "state": "absent",
                                "wait": True, "wait_timeout": 30})
    assert removed["changed"] is True and removed["jobs"] == ["resim-b1"]
    core = kubernetes.client.CoreV1Api(cluster.api_client())
    wait_until(lambda: not core.list_namespaced_pod("resim", label_selector="job-name=resim-b1").items, 10,
               message="the batch's pods to go")
    assert not core.list_namespaced_config_map("resim", field_selector="metadata.name=resim-b1").items
    gone = run_module(main, {"kubeconfig": cluster.kubeconfig_path, "batch_id": "b1", "state": "absent"})
    assert gone["changed"] is False


@pytest.mark.k8s_config(pod_duration=0.02, ttl_scale=1.0)
def test_results_outlive_the_ttl(cluster):
    done = run_module(main, args(cluster, batch_id="short", ttl_seconds_after_finished=1, wait=True,
                                 wait_timeout=60))
    assert done["summary"]["complete"]
    wait_until(lambda: not batch_api(cluster).list_namespaced_job(
        "resim", field_selector="metadata.name=resim-short").items, 15, message="the TTL to delete the Job")
    later = run_module(main, args(cluster, batch_id="short", ttl_seconds_after_finished=1))
    assert later["changed"] is False
    assert later["summary"]["succeeded"] == 20 and later["summary"]["unknown"] == 0


def test_check_mode_reads_only(cluster):
    result = run_module(main, args(cluster, batch_id="dry", njobs=50), check_mode=True, diff=True)
    assert result["changed"] is True and result["submitted"] == ["resim-dry"]
    assert result["manifests"][0]["spec"]["completions"] == 50
    assert "resim-dry" in result["diff"]["after"]
    assert {r["method"] for r in module_requests(cluster)} == {"GET"}
    assert not batch_api(cluster).list_namespaced_job("resim").items


@pytest.mark.parametrize("changes, message", [
    ({"njobs": 0}, "njobs must be a whole number >= 1"),
    ({"njobs": -1}, "njobs must be a whole number >= 1"),
    ({"node_pool": "a100"}, "node_pool 'a100' is not declared in node_pools (declared: gpu)"),
    ({"parallelism": 0}, "parallelism must be a whole number >= 1"),
    ({"batch_id": "Bad_Id"}, "batch_id must be"),
    ({"wait_timeout": 0}, "wait_timeout must be a positive number"),
])
def test_bad_input_fails_before_any_request(cluster, changes, message):
    result = run_module(main, args(cluster, **changes))
    assert result.get("failed") and message in result["msg"], result
    assert module_requests(cluster) == []


def test_parallelism_above_njobs_is_clamped_with_a_warning(cluster):
    result = run_module(main, args(cluster, njobs=4, parallelism=10))
    assert "parallelism 10 is greater than njobs 4: using parallelism 4" in result["warnings"]
    assert batch_api(cluster).read_namespaced_job("resim-b1", "resim").spec.parallelism == 4


def test_missing_claim_is_named(cluster):
    result = run_module(main, args(cluster, input_claim="recordings"))
    assert result["failed"]
    assert "input_claim: PersistentVolumeClaim 'recordings' not found in namespace 'resim'" in result["msg"]
    assert {r["method"] for r in module_requests(cluster)} == {"GET"}


@pytest.mark.k8s_config(pod_duration=0.3)
def test_tasks_land_on_the_tainted_time_sliced_gpu_pool(cluster):
    emulator = cluster.cluster
    emulator.add_node("aks-system-0", {"kubernetes.azure.com/agentpool": "system"})
    emulator.add_node("aks-gpu-0", {"kubernetes.azure.com/agentpool": "gpu", "accelerator": "nvidia",
                                    "nvidia.com/device-plugin.config": "gpu-ts4"},
                      taints=[{"key": "nvidia.com/gpu", "effect": "NoSchedule"},
                              {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot",
                               "effect": "NoSchedule"}],
                      capacity={"nvidia.com/gpu": "4"})      # one A10 shared four ways
    result = run_module(main, args(cluster, batch_id="sliced", njobs=12, parallelism=12, wait=True,
                                   wait_timeout=60))
    assert result["summary"]["complete"], result
    assert max(p["active"] for p in result["progress"]) <= 12
    pods = kubernetes.client.CoreV1Api(cluster.api_client()).list_namespaced_pod(
        "resim", label_selector="job-name=resim-sliced").items
    assert {p.spec.node_name for p in pods} == {"aks-gpu-0"}


def test_the_prelude_maps_indexes_to_shards_with_a_real_shell(tmp_path):
    spec = rs.normalize({"batch_id": "b1", "namespace": "resim", "state": "present", "njobs": 50,
                         "parallelism": None, "image": "x", "command": ["true"], "input_claim": "i",
                         "output_claim": "o", "input_prefix": "rec", "output_prefix": "out",
                         "input_mount_path": str(tmp_path / "in"), "output_mount_path": str(tmp_path / "out"),
                         "shard_width": 4, "node_pool": None, "node_pools": None}, print)
    job = rs.build_job(spec, 1, [3, 17, 42])
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    show = ["sh", "-c", 'echo "$RESIM_TASK_INDEX $RESIM_INPUT_SHARD $RESIM_OUTPUT_PREFIX"']
    output = subprocess.run(container["command"][:4] + show, env=dict(os.environ, JOB_COMPLETION_INDEX="1", **env),
                            capture_output=True, text=True, check=True).stdout.split()
    assert output == ["17", str(tmp_path / "in" / "rec" / "0017"), str(tmp_path / "out" / "out" / "b1" / "0017")]
    assert (tmp_path / "out" / "out" / "b1" / "0017").is_dir()
    first = rs.build_job(spec, 0)["spec"]["template"]["spec"]["containers"][0]
    env0 = {e["name"]: e["value"] for e in first["env"]}
    output = subprocess.run(first["command"][:4] + show, env=dict(os.environ, JOB_COMPLETION_INDEX="7", **env0),
                            capture_output=True, text=True, check=True).stdout.split()
    assert output[0] == "7" and output[1].endswith("/rec/0007")

"""resim spec: validation before any API call, the Indexed Job of each attempt, and per-index results."""

from __future__ import annotations

import kubernetes_validate
import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.resim import spec as rs

POOLS = {
    "gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot",
            "node_taints": ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
            "node_labels": {"accelerator": "nvidia"}},
    "t4": {"vm_size": "Standard_NC4as_T4_v3", "priority": "Spot", "node_taints": ["sku=gpu:NoSchedule"],
           "gpu_sharing": {"replicas": 2, "rename_by_default": True}},
}
BASE = {"batch_id": "drive-1", "namespace": "resim", "state": "present", "njobs": 10, "parallelism": 4,
        "image": "registry.example/resim:1.0", "command": ["/opt/resim/run.sh"], "args": None, "env": {"MODE": "fast"},
        "labels": None, "input_claim": "resim-input", "output_claim": "resim-output", "input_prefix": "recordings/2024",
        "output_prefix": "results", "input_mount_path": "/mnt/resim/input", "output_mount_path": "/mnt/resim/output",
        "shard_width": 5, "output_url": None, "node_pool": "gpu", "node_pools": POOLS, "node_selector_by": "agentpool",
        "gpus": 1, "cpu": None, "memory": None, "backoff_limit_per_index": 1, "max_failed_indexes": None,
        "fail_index_exit_codes": None, "active_deadline_seconds": None, "ttl_seconds_after_finished": 604800,
        "service_account_name": None, "priority_class_name": None, "job_template": None, "retry_failed": False,
        "max_attempts": 3}


def spec(**changes):
    warnings = []
    result = rs.normalize(dict(BASE, **changes), warnings.append)
    result["_warnings"] = warnings
    return result


@pytest.mark.parametrize("changes, option", [
    ({"njobs": 0}, "njobs must be a whole number >= 1"),
    ({"njobs": -3}, "njobs must be a whole number >= 1"),
    ({"njobs": 100001}, "njobs must be at most 100000"),
    ({"parallelism": 0}, "parallelism must be a whole number >= 1"),
    ({"node_pool": "a100"}, "node_pool 'a100' is not declared in node_pools (declared: gpu, t4)"),
    ({"batch_id": "Drive_1"}, "batch_id must be"),
    ({"command": None}, "command is required"),
    ({"image": None}, "image is required"),
    ({"input_prefix": "../etc"}, "input_prefix must be a path inside the container"),
    ({"output_prefix": "/abs"}, "output_prefix must be a path inside the container"),
    ({"max_failed_indexes": 11}, "max_failed_indexes 11 is greater than njobs 10"),
    ({"input_claim": "Bad Claim"}, "input_claim must be the name of a PersistentVolumeClaim"),
    ({"fail_index_exit_codes": [0]}, "fail_index_exit_codes must be exit codes 1-255"),
    ({"job_template": {"kind": "Job"}}, "job_template must be a batch/v1 Job manifest"),
])
def test_bad_input_names_the_option(changes, option):
    with pytest.raises(rs.SpecError) as error:
        spec(**changes)
    assert option in str(error.value)


def test_parallelism_above_njobs_is_clamped_with_a_warning():
    result = spec(parallelism=50)
    assert result["parallelism"] == 10
    assert result["_warnings"] == ["parallelism 50 is greater than njobs 10: using parallelism 10"]
    assert spec(parallelism=None)["parallelism"] == 10


def test_the_job_of_a_batch():
    job = rs.build_job(spec(), 0)
    assert job["metadata"]["name"] == "resim-drive-1" and job["metadata"]["namespace"] == "resim"
    js = job["spec"]
    assert (js["completionMode"], js["completions"], js["parallelism"], js["backoffLimitPerIndex"]) == (
        "Indexed", 10, 4, 1)
    assert js["ttlSecondsAfterFinished"] == 604800
    assert js["podFailurePolicy"]["rules"][0] == {
        "action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}
    pod = js["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["nodeSelector"] == {"kubernetes.azure.com/agentpool": "gpu"}
    assert pod["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"}]
    main = pod["containers"][0]
    assert main["name"] == "resim" and main["resources"] == {"limits": {"nvidia.com/gpu": "1"}}
    assert main["command"][:2] == ["/bin/sh", "-c"] and main["command"][3:] == ["resim-task", "/opt/resim/run.sh"]
    env = {e["name"]: e["value"] for e in main["env"]}
    assert env == {"RESIM_BATCH_ID": "drive-1", "RESIM_ATTEMPT": "0", "RESIM_INDEX_MAP": "",
                   "RESIM_INPUT_ROOT": "/mnt/resim/input/recordings/2024",
                   "RESIM_OUTPUT_ROOT": "/mnt/resim/output/results/drive-1", "RESIM_SHARD_FORMAT": "%05d",
                   "MODE": "fast"}
    assert {"name": "resim-input", "mountPath": "/mnt/resim/input", "readOnly": True} in main["volumeMounts"]
    assert {"name": "resim-input", "persistentVolumeClaim": {"claimName": "resim-input", "readOnly": True}} in \
        pod["volumes"]
    assert js["template"]["metadata"]["labels"]["azure-robotics.io/resim-batch"] == "drive-1"
    assert "$(" not in main["command"][2]          # the kubelet would expand $(...) in commands


def test_the_job_passes_strict_schema_validation():
    kubernetes_validate.validate(rs.build_job(spec(fail_index_exit_codes=[42], max_failed_indexes=3,
                                                   cpu="4", memory="16Gi"), 0), "1.33", strict=True)
    kubernetes_validate.validate(rs.build_job(spec(), 1, [3, 7]), "1.33", strict=True)


def test_a_retry_runs_only_the_given_indexes():
    job = rs.build_job(spec(), 2, [3, 7])
    assert job["metadata"]["name"] == "resim-drive-1-r2"
    assert job["spec"]["completions"] == 2 and job["spec"]["parallelism"] == 2
    assert job["metadata"]["annotations"]["azure-robotics.io/resim-indexes"] == "3,7"
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["RESIM_INDEX_MAP"] == "3,7" and env["RESIM_ATTEMPT"] == "2"


def test_time_sliced_pool_requests_its_shared_resource():
    job = rs.build_job(spec(node_pool="t4"), 0)
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu.shared": "1"}
    assert {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"} in pod["tolerations"]
    cpu_only = rs.build_job(spec(node_pool=None, gpus=0), 0)["spec"]["template"]["spec"]
    assert "resources" not in cpu_only["containers"][0] and "tolerations" not in cpu_only


def test_job_template_keeps_what_the_module_does_not_own():
    template = {"apiVersion": "batch/v1", "kind": "Job", "spec": {"activeDeadlineSeconds": 3600, "template": {"spec": {
        "hostIPC": True,
        "containers": [{"name": "gpu-load", "image": "nvidia/samples:gpu", "resources": {"limits": {
            "nvidia.com/gpu": "1"}}},
                       {"name": "resim", "image": "registry/metaseq:1", "command": ["/run.sh"]}]}}}}
    job = rs.build_job(spec(image=None, command=None, job_template=template), 0)
    pod = job["spec"]["template"]["spec"]
    assert pod["hostIPC"] is True and job["spec"]["activeDeadlineSeconds"] == 3600
    assert [c["name"] for c in pod["containers"]] == ["gpu-load", "resim"]
    assert pod["containers"][1]["image"] == "registry/metaseq:1"
    assert pod["containers"][1]["command"][-1] == "/run.sh"
    assert job["spec"]["completionMode"] == "Indexed" and pod["restartPolicy"] == "Never"


def test_spec_hash_ignores_parallelism_only():
    assert rs.spec_hash(spec(parallelism=2)) == rs.spec_hash(spec(parallelism=8))
    assert rs.spec_hash(spec()) != rs.spec_hash(spec(image="registry.example/resim:2.0"))
    assert rs.spec_hash(spec()) != rs.spec_hash(spec(njobs=11))


def _job(completed="", failed=None, condition=None, active=0):
    status = {"completedIndexes": completed, "active": active}
    if failed is not None:
        status["failedIndexes"] = failed
    if condition:
        status["conditions"] = [{"type": condition, "status": "True", "reason": "FailedIndexes"}]
    return {"metadata": {"name": "j"}, "spec": {}, "status": status}


def test_results_follow_the_latest_attempt_of_each_index():
    s = spec()
    attempts = [{"job": "resim-drive-1", "indexes": None}, {"job": "resim-drive-1-r1", "indexes": [3, 7]}]
    first = rs.attempt_outcome(_job("0-2,4-6,8-9", "3,7", "Failed"), None, 10)
    retry = rs.attempt_outcome(_job("0", "1", "Failed"), [3, 7], 10)       # local 0 -> 3, local 1 -> 7
    summary, results = rs.summarize(s, attempts, [first, retry])
    assert summary["succeeded"] == 9 and summary["failed_indexes"] == [7] and summary["finished"]
    assert results[3] == {"index": 3, "status": "succeeded", "attempt": 1, "input": "recordings/2024/00003",
                          "output": "results/drive-1/00003"}
    assert results[7]["status"] == "failed" and results[7]["attempt"] == 1
    assert results[0]["attempt"] == 0


def test_a_failed_job_fails_the_indexes_it_did_not_complete():
    outcome = rs.attempt_outcome(_job("0-4", "", "Failed"), None, 10)
    assert outcome["failed"] == set(range(5, 10)) and outcome["finished"]


def test_results_survive_the_ttl_through_the_record():
    s = spec(output_url="https://acct.blob.core.windows.net/output/")
    attempts = [{"job": "resim-drive-1", "indexes": None, "results": {"completed": "0-8", "failed": "9"}}]
    summary, results = rs.summarize(s, attempts, [rs.attempt_outcome(None, None, 10)])
    assert summary["succeeded"] == 9 and summary["failed_indexes"] == [9]
    assert results[9]["output_url"] == "https://acct.blob.core.windows.net/output/results/drive-1/00009"
    gone, _ = rs.summarize(s, [{"job": "resim-drive-1", "indexes": None}], [rs.attempt_outcome(None, None, 10)])
    assert gone["unknown"] == 10


def test_index_ranges():
    assert rs.compress({0, 1, 2, 5, 9, 10}) == "0-2,5,9-10"
    assert rs.expand("0-2,5,9-10") == {0, 1, 2, 5, 9, 10}

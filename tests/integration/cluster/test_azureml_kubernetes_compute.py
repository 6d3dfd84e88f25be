"""azureml_kubernetes_compute against ARM (emulated, or a real workspace with the cloud marker): attach, idempotent
rerun, check mode, a failed attach detached and attached again, detach."""

from __future__ import annotations

import pytest

from support.modules import run_module

API = "2024-04-01"


@pytest.fixture
def workspace(arm_emulator):
    """A resource group, an AKS cluster id and an AzureML workspace in the emulator."""
    from emulators.arm.fixture import emulator_module_args

    args = emulator_module_args(arm_emulator.url, arm_emulator.subscription_id, arm_emulator.tenant_id)
    group = "rg-compute"
    assert not run_module("resource_group", dict(args, name=group, location="westus3")).failed
    ws = run_module("arm_resource", dict(args, resource_type="Microsoft.MachineLearningServices/workspaces",
                                         name="mlw-robotics", resource_group=group, api_version=API,
                                         body={"location": "westus3", "identity": {"type": "SystemAssigned"},
                                               "properties": {"friendlyName": "robotics"}}))
    assert not ws.failed, ws
    prefix = "/subscriptions/%s/resourceGroups/%s/providers" % (arm_emulator.subscription_id, group)
    return dict(args=args, group=group,
                cluster_id=prefix + "/Microsoft.ContainerService/managedClusters/aks-robotics",
                identity=prefix + "/Microsoft.ManagedIdentity/userAssignedIdentities/id-ml-robotics")


def _compute(workspace, **extra):
    args = dict(workspace["args"], name="k8s-robotics", workspace="mlw-robotics", resource_group=workspace["group"],
                location="westus3", cluster_id=workspace["cluster_id"], namespace="azureml",
                identity=workspace["identity"])
    args.update(extra)
    return args


def test_attach_is_idempotent_and_check_mode_writes_nothing(workspace, arm_emulator):
    check = run_module("azureml_kubernetes_compute", _compute(workspace), check_mode=True)
    assert check.changed and not check.failed, check
    assert not [r for r in arm_emulator.requests() if r["method"] == "PUT" and "/computes/" in r["path"]]

    first = run_module("azureml_kubernetes_compute", _compute(workspace))
    assert first.changed and not first.failed, first
    body = [r for r in arm_emulator.requests("PUT") if "/computes/" in r["path"]][-1]["body"]
    assert body["properties"]["computeType"] == "Kubernetes"
    assert body["properties"]["resourceId"] == workspace["cluster_id"]
    assert body["properties"]["properties"] == {"namespace": "azureml"}
    assert body["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {workspace["identity"]: {}}}

    arm_emulator.clear_requests()
    second = run_module("azureml_kubernetes_compute", _compute(workspace))
    assert not second.changed and not second.failed, second
    assert [r["method"] for r in arm_emulator.requests()] == ["GET"]

    moved = run_module("azureml_kubernetes_compute", _compute(workspace, cluster_id=workspace["cluster_id"] + "2"))
    assert moved.failed and "Cannot change" in moved["msg"] and "resourceId" in moved["msg"], moved


def test_default_instance_type_is_sent_and_compared(workspace, arm_emulator):
    def compute_puts():
        return [r["body"] for r in arm_emulator.requests("PUT") if "/computes/" in r["path"]]

    first = run_module("azureml_kubernetes_compute", _compute(workspace, default_instance_type="gpu-a100"))
    assert first.changed and not first.failed, first
    assert compute_puts()[-1]["properties"]["properties"] == {"namespace": "azureml", "defaultInstanceType": "gpu-a100"}

    for args in (_compute(workspace, default_instance_type="gpu-a100"), _compute(workspace)):  # left out: kept
        arm_emulator.clear_requests()
        again = run_module("azureml_kubernetes_compute", args)
        assert not again.changed and not again.failed, again
        assert [r["method"] for r in arm_emulator.requests()] == ["GET"]

    arm_emulator.clear_requests()
    checked = run_module("azureml_kubernetes_compute", _compute(workspace, default_instance_type="cpu-small"),
                         check_mode=True)
    assert checked.changed and checked["diff"] == {
        "before": {"properties": {"properties": {"defaultInstanceType": "gpu-a100"}}},
        "after": {"properties": {"properties": {"defaultInstanceType": "cpu-small"}}}}, checked
    assert [r["method"] for r in arm_emulator.requests()] == ["GET"]

    arm_emulator.clear_requests()
    changed = run_module("azureml_kubernetes_compute", _compute(workspace, default_instance_type="cpu-small"))
    assert changed.changed and not changed.failed, changed
    assert compute_puts()[-1]["properties"]["properties"] == {"namespace": "azureml",
                                                              "defaultInstanceType": "cpu-small"}
    assert not run_module("azureml_kubernetes_compute", _compute(workspace, default_instance_type="cpu-small")).changed


def test_failed_attach_is_detached_then_attached_again(workspace, arm_emulator):
    arm_emulator.add_fault(method="PUT", path=r"/computes/k8s-robotics", kind="lro_failed", count=1,
                           code="InternalServerError", message="attach failed")
    failed = run_module("azureml_kubernetes_compute", _compute(workspace))
    assert failed.failed and "attach failed" in failed["msg"], failed
    arm_emulator.clear_requests()
    again = run_module("azureml_kubernetes_compute", _compute(workspace))
    assert again.changed and again["reattached"] and not again.failed, again
    deletes = [r for r in arm_emulator.requests("DELETE") if "/computes/" in r["path"]]
    assert deletes and deletes[0]["query"].get("underlyingResourceAction") == "Detach", deletes


def test_detach(workspace, arm_emulator):
    assert not run_module("azureml_kubernetes_compute", _compute(workspace)).failed
    gone = run_module("azureml_kubernetes_compute", dict(_compute(workspace), state="absent"))
    assert gone.changed and not gone.failed, gone
    delete = [r for r in arm_emulator.requests("DELETE") if "/computes/" in r["path"]][-1]
    assert delete["query"].get("underlyingResourceAction") == "Detach"
    assert not run_module("azureml_kubernetes_compute", dict(_compute(workspace), state="absent")).changed


@pytest.mark.parametrize("extra, message", [
    ({"name": "k8s-robotics-too-long-name"}, "name='k8s-robotics-too-long-name' must be 2-16"),
    ({"cluster_id": "aks-robotics"}, "cluster_id='aks-robotics' must be a resource ID"),
    ({"namespace": "AzureML"}, "namespace='AzureML' must be a Kubernetes namespace name"),
])
def test_bad_input_fails_before_any_request(workspace, arm_emulator, extra, message):
    arm_emulator.clear_requests()
    result = run_module("azureml_kubernetes_compute", _compute(workspace, **extra))
    assert result.failed and message in result["msg"], result
    assert arm_emulator.requests() == []

"""The fault matrix: what ARM does wrong, and how aks_cluster, aks_nodepool and role_assignment cope.

Faults are injected in the ARM emulator per path, method and count. Each case checks the module's outcome and
that a rerun afterwards converges (changed=false) with exactly one resource - never a duplicate.
"""

from __future__ import annotations

import re

import pytest

from support.modules import run_module

pytestmark = pytest.mark.slow

RG = "rg-azr-faults"
SUB_POOL = dict(vm_size="Standard_D4ds_v5", count=1)


@pytest.fixture
def arm(arm_emulator):
    return arm_emulator


def args_of(arm, **extra):
    from emulators.arm.fixture import emulator_module_args

    return dict(emulator_module_args(arm.url, arm.subscription_id, arm.tenant_id), **extra)


def ok(arm, module, **extra):
    result = run_module(module, args_of(arm, **extra), join_threads=10)
    assert not result.failed, result.get("msg")
    return result


def group(arm):
    ok(arm, "resource_group", name=RG, location="westeurope")


def cluster_args():
    return dict(name="aks-faults", resource_group=RG, location="westeurope", oidc_issuer=True,
                system_pool=dict(SUB_POOL))


def pool_args():
    return dict(name="gpu", cluster="aks-faults", resource_group=RG, vm_size="Standard_NC24ads_A100_v4",
                priority="Spot", eviction_policy="Delete", min_count=0, max_count=2)


def identity(arm):
    return ok(arm, "user_assigned_identity", name="id-faults", resource_group=RG, location="westeurope")


class Case:
    """One module under test: how to set up, its arguments, the path of its resource, how to count instances."""

    def __init__(self, module, setup, args, path, kind, type_):
        self.module, self.setup, self.args, self.path, self.kind, self.type = module, setup, args, path, kind, type_


def setup_cluster(arm):
    group(arm)
    return {}


def setup_pool(arm):
    group(arm)
    ok(arm, "aks_cluster", **cluster_args())
    return {}


def setup_assignment(arm):
    group(arm)
    return {"principal": identity(arm)["principal_id"]}


def assignment_args(context, arm=None):
    return dict(scope="/subscriptions/%s/resourceGroups/%s" % (context["subscription"], RG),
                principal_id=context["principal"], role="AcrPull")


CASES = {
    "aks_cluster": Case("aks_cluster", setup_cluster, lambda c: cluster_args(), r"managedClusters/aks-faults$",
                        "managed cluster", "Microsoft.ContainerService/managedClusters"),
    "aks_nodepool": Case("aks_nodepool", setup_pool, lambda c: pool_args(), r"agentPools/gpu$", "agent pool",
                         "Microsoft.ContainerService/managedClusters/agentPools"),
    "role_assignment": Case("role_assignment", setup_assignment, assignment_args, r"roleAssignments/[0-9a-f-]+$",
                            "role assignment", "Microsoft.Authorization/roleAssignments"),
}
LRO_CASES = ["aks_cluster", "aks_nodepool"]


def prepare(arm, name):
    case = CASES[name]
    context = case.setup(arm)
    context["subscription"] = arm.subscription_id
    arm.clear_requests()
    return case, case.args(context)


def instances(arm, case):
    return [r for r in arm.resources() if r["type"].lower() == case.type.lower() and re.search(case.path, r["id"])]


def converges(arm, case, args):
    """A rerun changes nothing and exactly one resource exists."""
    rerun = ok(arm, case.module, **args)
    assert not rerun.changed, rerun["diff"]
    assert len(instances(arm, case)) == 1


def writes(arm, case):
    return [r for r in arm.requests(method="PUT") if re.search(case.path, r["path"])]


@pytest.mark.parametrize("name", list(CASES))
def test_throttling_waits_as_retry_after_says(arm, name):
    case, args = prepare(arm, name)
    arm.add_fault(kind="status", status=429, retry_after=2, method="PUT", path=case.path, count=1)
    result = ok(arm, case.module, **args)
    assert result.changed
    throttled, retried = writes(arm, case)[:2]
    assert throttled["status"] == 429 and retried["status"] in (200, 201)
    assert retried["time"] - throttled["time"] >= 2.0
    converges(arm, case, args)


@pytest.mark.parametrize("name", list(CASES))
def test_service_unavailable_twice_then_success(arm, name):
    case, args = prepare(arm, name)
    arm.add_fault(kind="status", status=503, method="PUT", path=case.path, count=2)
    result = ok(arm, case.module, **args)
    assert result.changed
    assert [r["status"] for r in writes(arm, case)] == [503, 503, 201]
    converges(arm, case, args)


@pytest.mark.parametrize("name", list(CASES))
def test_connection_reset_is_retried(arm, name):
    case, args = prepare(arm, name)
    arm.add_fault(kind="reset", method="PUT", path=case.path, count=1)
    result = ok(arm, case.module, **args)
    assert result.changed
    assert [r["status"] for r in writes(arm, case)] == ["reset", 201]
    converges(arm, case, args)


@pytest.mark.parametrize("name", LRO_CASES)
def test_failed_operation_names_the_resource_and_arm_message(arm, name):
    case, args = prepare(arm, name)
    arm.add_fault(kind="lro_failed", method="PUT", path=case.path, count=1, code="AllocationFailed",
                  message="Allocation failed. We do not have sufficient capacity for the requested VM size.")
    result = run_module(case.module, args_of(arm, **args), join_threads=10)
    assert result.failed
    assert result["resource_id"] in result["msg"] and case.kind in result["msg"]
    assert "AllocationFailed" in result["msg"] and "sufficient capacity" in result["msg"]
    assert result["provisioning_state"] == "Failed"
    # The rerun repairs the resource (a new PUT), then everything is quiet.
    repaired = ok(arm, case.module, **args)
    assert repaired.changed and repaired["resource"]["properties"]["provisioningState"] == "Succeeded"
    converges(arm, case, args)


@pytest.mark.parametrize("name", LRO_CASES)
def test_canceled_operation_is_reported_and_rerun_repairs(arm, name):
    case, args = prepare(arm, name)
    arm.add_fault(kind="lro_canceled", method="PUT", path=case.path, count=1)
    result = run_module(case.module, args_of(arm, **args), join_threads=10)
    assert result.failed and result["provisioning_state"] == "Canceled"
    assert result["resource_id"] in result["msg"]
    ok(arm, case.module, **args)
    converges(arm, case, args)


@pytest.mark.parametrize("name", LRO_CASES)
def test_wait_timeout_reports_id_and_last_state_and_rerun_picks_it_up(arm, name):
    case, args = prepare(arm, name)
    arm.set_latency(types={case.type: 2.5})
    result = run_module(case.module, args_of(arm, wait_timeout=1, **args), join_threads=10)
    assert result.failed
    assert "Timed out after 1s" in result["msg"] and result["resource_id"] in result["msg"]
    assert result["provisioning_state"] == "Creating" and "Creating" in result["msg"]
    converges(arm, case, args)
    assert len([r for r in writes(arm, case) if r["status"] in (200, 201)]) == 1  # one create, never repeated


def test_role_assignment_retries_principal_not_found_after_identity_creation(arm):
    group(arm)
    arm.configure(principal_replication_delay=1.5)
    principal = identity(arm)["principal_id"]
    arm.clear_requests()
    context = {"subscription": arm.subscription_id, "principal": principal}
    args = assignment_args(context)
    result = ok(arm, "role_assignment", **args)
    assert result.changed
    statuses = [r["status"] for r in writes(arm, CASES["role_assignment"])]
    assert statuses[0] == 400 and statuses[-1] == 201, statuses
    converges(arm, CASES["role_assignment"], args)


def test_role_assignment_authorization_failure_is_explained(arm):
    case, args = prepare(arm, "role_assignment")
    arm.add_fault(kind="authorization_failed", method="PUT", path=case.path, count=1)
    result = run_module(case.module, args_of(arm, **args))
    assert result.failed and "AuthorizationFailed" in result["msg"] and "role assignment" in result["msg"]
    assert "grant the calling identity" in result["msg"]
    ok(arm, case.module, **args)
    converges(arm, case, args)


def test_wait_false_returns_after_acceptance(arm):
    case, args = prepare(arm, "aks_cluster")
    arm.set_latency(types={case.type: 30})
    result = ok(arm, case.module, wait=False, **args)
    assert result.changed and result["resource"]["properties"]["provisioningState"] == "Creating"
    assert [r for r in arm.requests() if "/operations/" in r["path"]] == []
    arm.settle()
    converges(arm, case, args)

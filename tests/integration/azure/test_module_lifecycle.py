"""Every Azure resource module through the real azure-mgmt SDK, against the ARM emulator (or a real subscription).

For each module: create -> rerun (changed=false, exactly one GET per resource read, nothing else) -> change one
field (the diff shows only that field) -> check mode with another change (no mutating request) -> delete ->
delete again (changed=false). With Azure credentials in the environment the ``cloud`` variants run the same
sequence against the subscription (request-log assertions are emulator-only).
"""

from __future__ import annotations

import dataclasses
import typing

import pytest

from support.azure import diff_paths, gets_per_path, is_operation_poll, mutating
from support.modules import run_module

RG = "rg-azr-modules"


def rg_id(target):
    return "/subscriptions/%s/resourceGroups/%s" % (target.subscription_id, target.unique(RG))


def run(target, module, args, **kwargs):
    result = run_module(module, dict(target.module_args, **args), **kwargs)
    assert not result.failed, "%s failed: %s" % (module, result.get("msg"))
    return result


def given_group(target):
    run(target, "resource_group", dict(name=target.unique(RG), location=target.location))


def given_identity(target, name="id-azr-test"):
    given_group(target)
    return run(target, "user_assigned_identity", dict(name=name, resource_group=target.unique(RG),
                                                      location=target.location))


CLUSTER = dict(
    name="aks-azr-test", kubernetes_version="latest", oidc_issuer=True, workload_identity=True,
    entra_id=dict(azure_rbac=True), disable_local_accounts=True, auto_upgrade_channel="patch",
    node_os_upgrade_channel="NodeImage",
    network=dict(plugin="azure", plugin_mode="overlay", policy="calico", pod_cidr="10.244.0.0/16",
                 service_cidr="10.0.0.0/16", dns_service_ip="10.0.0.10"),
    key_vault_secrets_provider=dict(secret_rotation=True),
    monitoring=dict(managed_prometheus=True),
    system_pool=dict(vm_size="Standard_D4ds_v5", min_count=1, max_count=3, only_critical_addons=True),
)


def given_cluster(target, **extra):
    given_group(target)
    return run(target, "aks_cluster", dict(CLUSTER, resource_group=target.unique(RG), location=target.location, **extra))


@dataclasses.dataclass
class Scenario:
    module: str
    setup: typing.Callable          # target -> context dict (options for the module)
    present: typing.Callable        # (target, context) -> module args
    change: dict                    # one field changed
    changed: set                    # the diff paths the change shows
    check: dict                     # another change, run in check mode
    reads: int = 1                  # resources read by a no-op run (one GET each)

    def args(self, target, context, **overrides):
        return dict(self.present(target, context), **overrides)


def scope_of(target, context):
    return rg_id(target)


SCENARIOS = [
    Scenario(
        "resource_group", setup=lambda t: {},
        present=lambda t, c: dict(name=t.unique(RG), location=t.location, tags={"env": "dev"}),
        change=dict(tags={"env": "prod"}), changed={("tags", "env")},
        check=dict(tags={"env": "test"}),
    ),
    Scenario(
        "user_assigned_identity", setup=lambda t: given_group(t) or {},
        present=lambda t, c: dict(name="id-azr-ml", resource_group=t.unique(RG), location=t.location,
                                  tags={"role": "ml"}),
        change=dict(tags={"role": "osmo"}), changed={("tags", "role")},
        check=dict(isolation_scope="Regional"),
    ),
    Scenario(
        "federated_credential", setup=lambda t: given_identity(t) and {},
        present=lambda t, c: dict(name="osmo-workflow", identity="id-azr-test", resource_group=t.unique(RG),
                                  issuer="https://westeurope.oic.prod-aks.azure.com/tenant/issuer/",
                                  subject="system:serviceaccount:osmo-workflows:osmo-workflow"),
        change=dict(subject="system:serviceaccount:osmo-workflows:default"), changed={("properties", "subject")},
        check=dict(issuer="https://token.actions.githubusercontent.com"),
    ),
    Scenario(
        "role_assignment", setup=lambda t: {"principal": given_identity(t)["principal_id"]},
        present=lambda t, c: dict(scope=rg_id(t), principal_id=c["principal"], role="Contributor",
                                  principal_type="ServicePrincipal", description="ML workloads"),
        change=dict(description="ML workloads and compute attach"), changed={("properties", "description")},
        check=dict(description="check mode only"),
    ),
    Scenario(
        "aks_cluster", setup=lambda t: given_group(t) or {},
        present=lambda t, c: dict(CLUSTER, resource_group=t.unique(RG), location=t.location),
        change=dict(auto_upgrade_channel="stable"),
        changed={("properties", "autoUpgradeProfile", "upgradeChannel")},
        check=dict(system_pool=dict(CLUSTER["system_pool"], max_count=5)),
    ),
    Scenario(
        "aks_nodepool", setup=lambda t: given_cluster(t) and {},
        present=lambda t, c: dict(name="gpuspot", cluster="aks-azr-test", resource_group=t.unique(RG),
                                  vm_size="Standard_NC24ads_A100_v4", priority="Spot", eviction_policy="Delete",
                                  spot_max_price=-1, min_count=0, max_count=2, gpu_driver="none",
                                  taints=["nvidia.com/gpu=present:NoSchedule"],
                                  labels={"nvidia.com/gpu.present": "true"}),
        change=dict(max_count=3), changed={("properties", "maxCount")},
        check=dict(labels={"nvidia.com/gpu.present": "true", "pool": "gpu"}),
    ),
    Scenario(
        "k8s_extension", setup=lambda t: given_cluster(t) and {},
        present=lambda t, c: dict(name="azureml", cluster="aks-azr-test", resource_group=t.unique(RG),
                                  extension_type="Microsoft.AzureML.Kubernetes", release_train="stable",
                                  azureml_defaults=True,
                                  configuration_settings={"enableTraining": True, "installDcgmExporter": False}),
        change=dict(configuration_settings={"enableTraining": True, "installDcgmExporter": True}),
        changed={("properties", "configurationSettings", "installDcgmExporter")},
        check=dict(release_train="preview"),
        reads=2,  # the extension and, for the AzureML defaults, its cluster
    ),
    Scenario(
        "arm_resource", setup=lambda t: given_group(t) or {},
        present=lambda t, c: dict(resource_type="Microsoft.Network/virtualNetworks", name="vnet-azr-test",
                                  resource_group=t.unique(RG), api_version="2024-01-01",
                                  body={"location": t.location, "tags": {"env": "dev"},
                                        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        change=dict(body=None), changed={("tags", "env")},
        check=dict(body=None),
    ),
]

# arm_resource's changes are whole bodies.
VNET_CHANGE = {"tags": {"env": "prod"}}
VNET_CHECK = {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.1.0.0/16"]}}}


def with_body(scenario, args, extra):
    if scenario.module != "arm_resource":
        return dict(args, **extra)
    body = dict(args["body"])
    body.update(VNET_CHANGE if extra is scenario.change else VNET_CHECK)
    return dict(args, body=body)


@pytest.fixture
def cleanup(arm_target):
    yield
    if not arm_target.is_emulator:
        run_module("resource_group", dict(arm_target.module_args, name=arm_target.unique(RG), state="absent",
                                          wait=False))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.module for s in SCENARIOS])
def test_lifecycle(arm_target, cleanup, scenario):
    context = scenario.setup(arm_target) or {}
    args = scenario.present(arm_target, context)
    emulated = arm_target.is_emulator

    # create
    arm_target.clear_requests()
    created = run(arm_target, scenario.module, args)
    assert created.changed
    assert created["resource"] and created["id"].lower() == created["resource"]["id"].lower()

    # rerun: no change, exactly one GET per resource read and nothing else
    arm_target.clear_requests()
    again = run(arm_target, scenario.module, args)
    assert not again.changed, again["diff"]
    assert diff_paths(again["diff"]) == {()}
    if emulated:
        requests = arm_target.requests()
        per_path = gets_per_path(requests)
        assert len(requests) == scenario.reads, requests
        assert len(per_path) == scenario.reads and set(per_path.values()) == {1}, per_path

    # change one field: the diff shows only that field
    changed_args = with_body(scenario, args, scenario.change)
    changed = run(arm_target, scenario.module, changed_args)
    assert changed.changed
    assert diff_paths(changed["diff"]) == scenario.changed, changed["diff"]
    assert not run(arm_target, scenario.module, changed_args).changed

    # check mode: reports the change, sends nothing that mutates
    arm_target.clear_requests()
    checked = run(arm_target, scenario.module, with_body(scenario, changed_args, scenario.check), check_mode=True)
    assert checked.changed and checked["diff"]["after"]
    if emulated:
        assert mutating(arm_target.requests()) == []
        assert not run(arm_target, scenario.module, changed_args).changed  # nothing was applied

    # delete, then delete again
    absent = dict(changed_args, state="absent")
    arm_target.clear_requests()
    deleted = run(arm_target, scenario.module, absent)
    assert deleted.changed
    if emulated:
        assert any(r["method"] == "DELETE" for r in arm_target.requests())
        assert arm_target.emulator.resource(created["id"]) is None
    again = run(arm_target, scenario.module, absent)
    assert not again.changed
    if emulated:
        assert [r for r in arm_target.requests()[-1:] if not is_operation_poll(r)][0]["method"] == "GET"

"""Bad input is refused before any request, with a message naming the option.

Each case runs the module against the ARM emulator and asserts, through the request log, that nothing was sent.
Changes to fields that cannot change need the current resource: they are refused after its one GET and before
any write.
"""

from __future__ import annotations

import pytest

from support.azure import mutating
from support.modules import run_module

SUB = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
RG_ID = "/subscriptions/%s/resourceGroups/rg1" % SUB
PRINCIPAL = "0b7a5a4e-3f1d-4c3b-9a8e-6d5c4b3a2f10"
POOL = dict(name="gpu", cluster="aks1", resource_group="rg1", vm_size="Standard_NC24ads_A100_v4")
CLUSTER = dict(name="aks1", resource_group="rg1", location="westeurope", system_pool=dict(vm_size="Standard_D4ds_v5"))
EXTENSION = dict(name="azureml", cluster="aks1", resource_group="rg1", extension_type="Microsoft.AzureML.Kubernetes")
VNET = dict(resource_type="Microsoft.Network/virtualNetworks", name="vnet1", resource_group="rg1",
            api_version="2024-01-01", body={"location": "westeurope"})

# (module, arguments, text the message must contain)
CASES = [
    ("resource_group", dict(name="rg1.", location="westeurope"), "name='rg1.'"),
    ("resource_group", dict(name="rg1"), "location"),
    ("resource_group", dict(name="rg1", location="westeurope", cloud="http://127.0.0.1:1/"), "cloud="),
    ("resource_group", dict(name="rg1", location="westeurope", auth_source="access_token", access_token=None),
     "access_token"),
    ("resource_group", dict(name="rg1", location="westeurope", wait_timeout=0), "wait_timeout"),
    ("aks_cluster", dict(CLUSTER, name="-aks"), "name='-aks'"),
    ("aks_cluster", dict(CLUSTER, kubernetes_version="1.x"), "kubernetes_version"),
    ("aks_cluster", dict(CLUSTER, system_pool=dict(min_count=3, max_count=1)), "system_pool.min_count (3)"),
    ("aks_cluster", dict(CLUSTER, system_pool=dict(name="System-1")), "system_pool.name"),
    ("aks_cluster", dict(CLUSTER, workload_identity=True, oidc_issuer=False), "workload_identity"),
    ("aks_cluster", dict(CLUSTER, disable_local_accounts=True), "disable_local_accounts"),
    ("aks_cluster", dict(CLUSTER, private_dns_zone="system"), "private_dns_zone"),
    ("aks_cluster", dict(CLUSTER, network=dict(outbound_type="userAssignedNATGateway")), "network.outbound_type"),
    ("aks_cluster", dict(CLUSTER, monitoring=dict(container_insights=True)), "monitoring.log_analytics_workspace_id"),
    ("aks_nodepool", dict(POOL, priority="Spot"), "eviction_policy is required"),
    ("aks_nodepool", dict(POOL, min_count=5, max_count=2), "min_count (5)"),
    ("aks_nodepool", dict(POOL, name="GpuPool"), "name='GpuPool'"),
    ("aks_nodepool", dict(POOL, priority="Spot", eviction_policy="Delete", max_surge="33%"), "max_surge"),
    ("aks_nodepool", dict(POOL, priority="Spot", eviction_policy="Delete", mode="System"), "mode=System"),
    ("aks_nodepool", dict(POOL, eviction_policy="Delete"), "eviction_policy needs priority=Spot"),
    ("aks_nodepool", dict(POOL, taints=["nvidia.com/gpu:NoScheduleX"]), "taints"),
    ("aks_nodepool", dict(POOL, zones=["4"]), "zones"),
    ("aks_nodepool", dict(POOL, auto_scaling=True, min_count=1), "max_count"),
    ("aks_credentials", dict(name="aks_1!", resource_group="rg1"), "name="),
    ("user_assigned_identity", dict(name="id", resource_group="rg1", location="westeurope"), "name='id'"),
    ("federated_credential", dict(name="fic", identity="id-ml", resource_group="rg1", issuer="http://issuer",
                                  subject="s"), "issuer="),
    ("federated_credential", dict(name="fic", identity="id-ml", resource_group="rg1", issuer="https://issuer",
                                  subject="s", audiences=["a", "b"]), "audiences"),
    ("role_assignment", dict(scope=RG_ID, principal_id="not-a-guid", role="Reader"), "principal_id="),
    ("role_assignment", dict(scope="rg1", principal_id=PRINCIPAL, role="Reader"), "scope='rg1'"),
    ("role_assignment", dict(scope=RG_ID, principal_id=PRINCIPAL, role="Reader", name="x"), "name='x'"),
    ("role_assignment_info", dict(scope=RG_ID, principal_id="nope"), "principal_id="),
    ("k8s_extension", dict(EXTENSION, azureml_defaults=True, configuration_settings={"enableTraining": False}),
     "enableTraining or enableInference"),
    ("k8s_extension", dict(EXTENSION, version="1.1.0", auto_upgrade_minor_version=True), "version=1.1.0"),
    ("k8s_extension", dict(EXTENSION, name="AzureML_Ext"), "name='AzureML_Ext'"),
    ("k8s_extension", dict(EXTENSION, azureml_defaults=True, release_namespace="ml",
                           configuration_settings={"enableTraining": True}), "release_namespace=ml"),
    ("k8s_extension", dict(EXTENSION, azureml_defaults=True,
                           configuration_settings={"enableInference": True}), "inferenceRouterServiceType"),
    ("arm_resource", dict(VNET, api_version="latest"), "api_version="),
    ("arm_resource", dict(VNET, resource_type="virtualNetworks"), "resource_type="),
    ("arm_resource", dict(VNET, body={"id": "/x", "location": "westeurope"}), "body.id"),
    ("arm_resource", dict(VNET, resource_type="Microsoft.Network/virtualNetworks/subnets"), "parent="),
    ("arm_resource_info", dict(resource_type="Microsoft.Network/virtualNetworks", api_version="2024"),
     "api_version="),
    ("resource_provider", dict(namespace="containerservice"), "namespace="),
]


@pytest.mark.parametrize("module,args,expected", CASES, ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_refused_before_any_request(arm_target, module, args, expected):
    if not arm_target.is_emulator:
        pytest.skip("request-log assertion")
    base = dict(arm_target.module_args)
    base.update(args)
    arm_target.clear_requests()
    result = run_module(module, base)
    assert result.failed
    assert expected in result["msg"], result["msg"]
    assert arm_target.requests() == []


def given(arm_target, module, args):
    result = run_module(module, dict(arm_target.module_args, **args))
    assert not result.failed, result.get("msg")
    return result


def test_immutable_changes_are_refused_after_one_read(arm_target):
    """Each module names the option it cannot change; only the GET of the resource was sent."""
    if not arm_target.is_emulator:
        pytest.skip("request-log assertion")
    given(arm_target, "resource_group", dict(name="rg1", location="westeurope"))
    given(arm_target, "aks_cluster", dict(CLUSTER, system_pool=dict(vm_size="Standard_D4ds_v5", count=1),
                                          network=dict(pod_cidr="10.244.0.0/16")))
    given(arm_target, "aks_nodepool", dict(POOL, priority="Spot", eviction_policy="Delete", min_count=0, max_count=1))
    principal = given(arm_target, "user_assigned_identity",
                      dict(name="id-ml", resource_group="rg1", location="westeurope"))["principal_id"]
    assignment = given(arm_target, "role_assignment", dict(scope=RG_ID, principal_id=principal, role="Reader"))
    given(arm_target, "k8s_extension", dict(EXTENSION, name="flux", extension_type="microsoft.flux"))
    given(arm_target, "arm_resource", VNET)
    changes = [
        ("resource_group", dict(name="rg1", location="eastus"), "location"),
        ("aks_cluster", dict(CLUSTER, network=dict(pod_cidr="10.0.0.0/8")), "network.pod_cidr"),
        ("aks_cluster", dict(CLUSTER, system_pool=dict(vm_size="Standard_D8ds_v5")), "system_pool.vm_size"),
        ("aks_cluster", dict(CLUSTER, kubernetes_version="1.32"), "kubernetes_version=1.32"),
        ("aks_nodepool", dict(POOL, vm_size="Standard_NC48ads_A100_v4", priority="Spot", eviction_policy="Delete"),
         "vm_size"),
        ("aks_nodepool", dict(POOL, priority="Spot", eviction_policy="Deallocate"), "eviction_policy"),
        ("user_assigned_identity", dict(name="id-ml", resource_group="rg1", location="northeurope"), "location"),
        ("role_assignment", dict(scope=RG_ID, principal_id=principal, role="Contributor", name=assignment["name"]),
         "role"),
        ("k8s_extension", dict(EXTENSION, name="flux", extension_type="microsoft.dapr"), "extension_type"),
        ("arm_resource", dict(VNET, body={"location": "eastus"}), "location"),
    ]
    for module, args, option in changes:
        arm_target.clear_requests()
        result = run_module(module, dict(arm_target.module_args, **args))
        assert result.failed, (module, args)
        assert option in result["msg"], result["msg"]
        requests = arm_target.requests()
        assert mutating(requests) == [] and all(r["method"] == "GET" for r in requests), requests

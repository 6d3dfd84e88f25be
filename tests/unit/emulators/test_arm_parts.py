"""The ARM emulator's path parser and spec index (no server)."""

import pytest

from emulators.arm.paths import parse
from emulators.arm.specs import default_specs_root, load_index

SUB = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
AKS = SUB + "/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"


@pytest.mark.parametrize("path,method,kind,resource_type,parent", [
    (SUB, "GET", "subscription", None, None),
    (SUB + "/resourcegroups", "GET", "resource_groups", None, None),
    (SUB + "/resourceGroups/rg", "PUT", "resource_group", "Microsoft.Resources/resourceGroups", SUB),
    (AKS, "PUT", "resource", "Microsoft.ContainerService/managedClusters", SUB + "/resourceGroups/rg"),
    (AKS + "/agentPools/gpu", "PUT", "resource", "Microsoft.ContainerService/managedClusters/agentPools", AKS),
    (AKS + "/agentPools", "GET", "collection", "Microsoft.ContainerService/managedClusters/agentPools", AKS),
    (AKS + "/listClusterUserCredential", "POST", "action", "Microsoft.ContainerService/managedClusters", None),
    (AKS + "/providers/Microsoft.KubernetesConfiguration/extensions/azureml", "PUT", "resource",
     "Microsoft.KubernetesConfiguration/extensions", AKS),
    (SUB + "/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/x", "PUT", "resource",
     "Microsoft.Authorization/roleAssignments", SUB + "/resourceGroups/rg"),
    (SUB + "/providers/Microsoft.ContainerService", "GET", "provider", None, None),
    (SUB + "/providers/Microsoft.ContainerService/register", "POST", "provider_action", None, None),
    (SUB + "/providers/Microsoft.ContainerService/locations/westeurope/operations/abc", "GET", "operation_status",
     None, None),
    (SUB + "/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions", "GET", "collection",
     "Microsoft.ContainerService/locations/kubernetesVersions", None),
])
def test_paths_address_what_arm_means(path, method, kind, resource_type, parent):
    target = parse(path, method)
    assert target.kind == kind
    if resource_type:
        assert target.type == resource_type
    if parent:
        assert target.parent == parent


@pytest.fixture(scope="module")
def index():
    root = default_specs_root()
    if not root:
        pytest.skip("arm-specs not available")
    return load_index(root)


def test_api_versions_come_from_the_specs(index):
    assert "2024-05-01" in index.api_versions("microsoft.containerservice/managedClusters")
    assert "2026-08-01" in index.api_versions("Microsoft.ContainerService/managedClusters")
    assert index.api_versions("Microsoft.Nope/things") == []
    assert index.is_lro("Microsoft.ContainerService/managedClusters", "PUT", "2026-08-01") is True
    assert index.is_lro("Microsoft.ManagedIdentity/userAssignedIdentities", "PUT", "2024-11-30") is False
    assert index.canonical_type("microsoft.network/virtualnetworks/subnets") == "Microsoft.Network/virtualNetworks/subnets"


def test_bodies_real_arm_rejects(index):
    aks = "Microsoft.ContainerService/managedClusters"
    assert index.validate(aks, "2026-08-01", {"location": "westeurope"}) is None
    assert index.validate(aks, "2026-08-01", {"properties": {}})[1] == "location"
    code, target, _message = index.validate(aks, "2026-08-01", {"location": "x", "properties": {"enableRBAC": "yes"}})
    assert (code, target) == ("InvalidRequestContent", "properties.enableRBAC")
    code, target, message = index.validate(
        aks, "2026-08-01", {"location": "x", "properties": {"agentPoolProfiles": [{"name": "a", "mode": "Primary"}]}})
    assert code == "InvalidParameter" and target == "properties.agentPoolProfiles[0].mode" and "System" in message
    assert index.validate(aks, "2026-08-01", {"location": "x", "properties": {"unknownField": 1}}) is None


def test_name_rules_come_from_the_specs(index):
    assert index.name_problem("Microsoft.ContainerService/managedClusters/agentPools", "gpuspot") is None
    assert index.name_problem("Microsoft.ContainerService/managedClusters/agentPools", "GPU")
    assert index.name_problem("Microsoft.Storage/storageAccounts", "st-bad")

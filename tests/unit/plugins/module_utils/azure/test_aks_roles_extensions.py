"""Pure helpers of the AKS, role-assignment, extension, naming and generic-resource modules."""

import uuid

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure import aks, extensions, generic, names, roles

SUB = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"


@pytest.mark.parametrize("options,fragment", [
    (dict(priority="Spot"), "eviction_policy is required when priority=Spot"),
    (dict(priority="Spot", eviction_policy="Delete", mode="System"), "priority=Spot cannot be used with mode=System"),
    (dict(priority="Spot", eviction_policy="Delete", max_surge="1"), "max_surge cannot be set with priority=Spot"),
    (dict(eviction_policy="Delete"), "eviction_policy needs priority=Spot"),
    (dict(min_count=4, max_count=2), "min_count (4) must not be greater than max_count (2)"),
    (dict(auto_scaling=True, min_count=1), "min_count and max_count are both required"),
    (dict(auto_scaling=False, max_count=3), "only apply with auto_scaling=true"),
    (dict(min_count=0, max_count=2, count=3), "count (3) must be between"),
    (dict(taints=["key=value"]), "taints entry 'key=value'"),
    (dict(zones=["0"]), "zones entry '0'"),
    (dict(max_surge="lots"), "max_surge='lots'"),
    (dict(orchestrator_version="v1.33"), "orchestrator_version='v1.33'"),
])
def test_pool_problems_name_the_option(options, fragment):
    problems = aks.pool_problems(options)
    assert any(fragment in p for p in problems), problems


def test_system_pool_rules_and_prefix():
    problems = aks.pool_problems(dict(min_count=0, max_count=2), prefix="system_pool.", system=True)
    assert problems == ["system_pool.min_count must be at least 1 for a System pool"]


def test_good_spot_pool_scaling_from_zero_has_no_problems():
    assert aks.pool_problems(dict(priority="Spot", eviction_policy="Delete", min_count=0, max_count=2,
                                  taints=["nvidia.com/gpu=present:NoSchedule"], zones=["1", "2"])) == []


def test_pool_body_leaves_count_to_the_autoscaler_after_creation():
    options = dict(vm_size="X", min_count=0, max_count=2, count=1, gpu_driver="none", max_surge=None)
    assert aks.pool_body(options) == {"vmSize": "X", "enableAutoScaling": True, "minCount": 0, "maxCount": 2,
                                      "gpuProfile": {"driver": "None"}}
    assert aks.pool_body(options, for_create=True)["count"] == 1
    assert aks.pool_body(dict(min_count=0, max_count=2), for_create=True)["count"] == 0
    assert aks.pool_body(dict(min_count=0, max_count=2), for_create=True, system=True)["count"] == 1
    assert aks.pool_body(dict(max_surge="33%"))["upgradeSettings"] == {"maxSurge": "33%"}


def test_spot_taint_and_label_added_by_aks_are_not_drift():
    current = {"properties": {"scaleSetPriority": "Spot", "nodeTaints": ["gpu=1:NoSchedule", aks.SPOT_TAINT],
                              "nodeLabels": {aks.SPOT_LABEL: "spot", "gpu": "1"}}}
    normalized = aks.normalize_pool(current, {"properties": {"nodeTaints": ["gpu=1:NoSchedule"]}})
    assert normalized["properties"]["nodeTaints"] == ["gpu=1:NoSchedule"]
    assert normalized["properties"]["nodeLabels"] == {"gpu": "1"}
    assert current["properties"]["nodeTaints"][-1] == aks.SPOT_TAINT  # input untouched
    kept = aks.normalize_pool(current, {"properties": {"nodeTaints": ["gpu=1:NoSchedule", aks.SPOT_TAINT]}})
    assert kept["properties"]["nodeTaints"][-1] == aks.SPOT_TAINT


def test_finalize_pool_omits_surge_on_spot_and_bounds_without_autoscaling():
    assert aks.finalize_pool({"scaleSetPriority": "Spot", "upgradeSettings": {"maxSurge": "10%"}}) == {
        "scaleSetPriority": "Spot"}
    assert aks.finalize_pool({"enableAutoScaling": False, "minCount": 1, "maxCount": 3}) == {"enableAutoScaling": False}


def test_latest_stable_minor_and_dns_prefix():
    versions = {"values": [{"version": "1.33"}, {"version": "1.34"}, {"version": "1.35", "isPreview": True},
                           {"version": "1.9"}]}
    assert aks.latest_stable_minor(versions) == "1.34"
    assert aks.latest_stable_minor({"values": []}) is None
    assert aks.default_dns_prefix("aks-robotics-dev-001", "rg_robotics", SUB) == "aks-roboti-rgrobotics-6f1c2d"


def test_role_references_and_deterministic_names():
    assert roles.role_guid("AcrPull") == roles.role_guid("acrpull") == "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    assert roles.role_guid("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/"
                           "B24988AC-6180-42A0-AB88-20F7382DD24C" % SUB) == "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assert roles.role_guid("My Custom Role") is None
    scope = "/subscriptions/%s/resourceGroups/rg" % SUB
    name = roles.assignment_name(scope, "AAAAAAAA-0000-4000-8000-000000000000", "7f951dda-4ed3-4680-a7ca-43fe172d538d")
    assert uuid.UUID(name).version == 5
    assert name == roles.assignment_name(scope.upper() + "/", "aaaaaaaa-0000-4000-8000-000000000000",
                                         "7F951DDA-4ED3-4680-A7CA-43FE172D538D")
    assert name != roles.assignment_name(scope, "aaaaaaaa-0000-4000-8000-000000000000", roles.role_guid("Reader"))
    assert roles.role_definition_id(scope, "g") == \
        "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/g" % SUB
    assert roles.scope_problem("rg") and not roles.scope_problem(scope)


def test_azureml_defaults_follow_the_cli():
    cluster = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks" % SUB
    settings = extensions.stringify({"enableTraining": True, "location": "custom"})
    merged = extensions.with_defaults(extensions.azureml_injected(cluster, "aks", "westeurope", settings), settings)
    assert merged["cluster_name"] == merged["clusterId"] == cluster
    assert merged["prometheus.prometheusSpec.externalLabels.cluster_name"] == cluster
    assert merged["domain"] == "westeurope.cloudapp.azure.com" and merged["jobSchedulerLocation"] == "westeurope"
    assert merged["location"] == "custom"  # the user's own setting wins
    assert (merged["servicebus.enabled"], merged["relayserver.enabled"], merged["nginxIngress.enabled"]) == (
        "false", "false", "true")
    assert merged["enableTraining"] == "true"
    assert extensions.azureml_create_only(2, settings) == {"clusterPurpose": "DevTest", "inferenceRouterHA": "false"}
    assert extensions.azureml_create_only(3, settings) == {}
    inference = {"enableInference": "true", "inferenceRouterServiceType": "nodePort", "allowInsecureConnections": "true"}
    assert extensions.azureml_injected(cluster, "aks", "westeurope", inference)["scoringFe.serviceType.nodePort"] == "true"


def test_azureml_problems():
    assert extensions.azureml_problems("Microsoft.AzureML.Kubernetes", "cluster", None, {"enableTraining": "true"},
                                       {}, None, None) == []
    problems = extensions.azureml_problems("microsoft.flux", "namespace", "ml", {}, {}, "1.0", True)
    assert len(problems) == 5


@pytest.mark.parametrize("kind,good,bad", [
    ("resource group", "rg-robotics_(dev).1", "rg."),
    ("managed cluster", "aks-robotics_1", "-aks"),
    ("agent pool", "gpuspot1", "GpuSpot"),
    ("user-assigned identity", "id-osmo", "id"),
    ("federated credential", "osmo-workflow", "x"),
    ("cluster extension", "azureml", "AzureML"),
    ("role assignment", "0b6e2a4e-5c1d-4f7a-9d3e-1f2a3b4c5d6e", "not-a-guid"),
])
def test_name_rules(kind, good, bad):
    assert names.name_problem(kind, good) is None
    assert names.name_problem(kind, bad)


def test_resource_ids():
    built = names.resource_id(SUB, "rg", "Microsoft.Network", "virtualNetworks", "vnet", "subnets", "snet")
    assert built == "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet" % SUB
    parsed = names.parse_resource_id(built)
    assert parsed["type"] == "Microsoft.Network/virtualNetworks/subnets" and parsed["name"] == "snet"
    assert names.parse_resource_id("/subscriptions/%s/resourceGroups/rg" % SUB)["type"] == \
        "Microsoft.Resources/resourceGroups"
    assert names.parse_resource_id("nonsense") is None


def test_generic_addresses():
    params = dict(resource_type="Microsoft.Network/virtualNetworks/subnets", parent="vnet", name="snet",
                  resource_group="rg", api_version="2024-01-01")
    assert generic.address_problem(params) is None
    assert generic.build_id(params, SUB).endswith("/virtualNetworks/vnet/subnets/snet")
    assert "parent=" in generic.address_problem(dict(params, parent=None))
    assert "api_version" in generic.address_problem(dict(params, api_version="latest"))
    collection = dict(params, name=None)
    assert generic.address_problem(collection, allow_collection=True) is None
    assert generic.build_id(collection, SUB).endswith("/virtualNetworks/vnet/subnets")
    scoped = dict(resource_type="Microsoft.Authorization/locks", name="l", scope="/subscriptions/%s" % SUB,
                  api_version="2020-05-01")
    assert generic.build_id(scoped, SUB) == "/subscriptions/%s/providers/Microsoft.Authorization/locks/l" % SUB
    assert generic.strip_server_fields({"id": "x", "etag": "e", "properties": {"provisioningState": "S", "a": 1}}) == {
        "properties": {"a": 1}}

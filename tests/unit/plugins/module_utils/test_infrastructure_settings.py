"""The inventory's checks: every bad value fails before any request with its variable named."""

import copy

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.settings import (
    InventoryError,
    settings,
)

BASE = dict(azure_subscription_id="6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f", environment_name="dev",
            location="westus3", resource_prefix="robotics")


def problems(**overrides):
    try:
        settings(dict(copy.deepcopy(BASE), **overrides))
    except InventoryError as exc:
        return exc.problems
    return []


def test_the_defaults_are_the_reference_full_private_platform():
    s = settings(BASE)
    assert s["network_mode"] == "full-private"
    assert s["private_endpoints_enabled"] and s["aks_private_cluster_enabled"] and s["dns_resolver_enabled"]
    assert not s["public_network_access_enabled"]
    assert s["dns_resolver_ip"] == "10.0.9.4"
    assert [(x["name"], x["prefixes"]) for x in s["subnets"]] == [
        ("snet-robotics-dev-001", ["10.0.1.0/24"]), ("snet-pe-robotics-dev-001", ["10.0.2.0/24"]),
        ("snet-dnspr-robotics-dev-001", ["10.0.9.0/28"]), ("snet-aks-robotics-dev-001", ["10.0.5.0/24"]),
        ("snet-aks-gpu-robotics-dev-001", ["10.0.7.0/24"])]
    assert s["names"]["key_vault"] == "kvroboticsdev001"


@pytest.mark.parametrize("mode, private_endpoints, private_cluster, public", [
    ("full-private", True, True, False), ("hybrid", True, False, False), ("public", False, False, True)])
def test_network_modes(mode, private_endpoints, private_cluster, public):
    s = settings(dict(BASE, network_mode=mode))
    assert (s["private_endpoints_enabled"], s["aks_private_cluster_enabled"], s["public_network_access_enabled"]) == (
        private_endpoints, private_cluster, public)
    assert any(x["key"] == "private_endpoints" for x in s["subnets"]) == private_endpoints


# At least 15 bad values, each alone: (overrides, the text the message must contain - it names the variable).
BAD = [
    (dict(vnet_address_space=["10.0.0.0/33"]), "vnet_address_space entry '10.0.0.0/33' is not a valid CIDR"),
    (dict(subnet_prefix_main="10.0.1.7/24"), "subnet_prefix_main='10.0.1.7/24' is not a valid CIDR"),
    (dict(subnet_prefix_aks="10.0.1.128/25"), "subnet_prefix_main=10.0.1.0/24 overlaps subnet_prefix_aks"),
    (dict(subnet_prefix_private_endpoints="10.1.2.0/24"), "subnet_prefix_private_endpoints=10.1.2.0/24 lies outside vnet_address_space"),
    (dict(node_pools={"gpu": {"subnet_address_prefixes": ["10.9.0.0/24"]}}),
     "node_pools.gpu.subnet_address_prefixes entry 10.9.0.0/24 lies outside the virtual network"),
    (dict(node_pools={"gpu": {"subnet_address_prefixes": ["10.0.5.0/24"]}}),
     "node_pools.gpu.subnet_address_prefixes entry 10.0.5.0/24 overlaps the AKS system subnet"),
    (dict(resource_prefix="roboticsplatformteam"), "key vault name 'kvroboticsplatformteamdev001' is 28 characters"),
    (dict(resource_prefix="roboticsplatformteam"), "storage account name 'stroboticsplatformteamdev001' is 28 characters"),
    (dict(resource_prefix="Robotics"), "resource_prefix='Robotics' must be lowercase letters and digits"),
    (dict(node_pools={"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "min_count": 3, "max_count": 1}}),
     "node_pools.gpu.min_count (3) must not be greater than max_count (1)"),
    (dict(node_pools={"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "eviction_policy": ""}}),
     "node_pools.gpu.eviction_policy='': a Spot pool needs Delete or Deallocate"),
    (dict(node_pools={"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "node_taints": ["gpu:Sometimes"]}}),
     "node_pools.gpu.node_taints: taint effect 'Sometimes'"),
    (dict(private_endpoints_enabled=False), "private_endpoints_enabled=false contradicts network_mode=full-private"),
    (dict(network_mode="private"), "network_mode='private' is not a network mode"),
    (dict(network_mode="hybrid", aks_private_cluster_enabled=True), "aks_private_cluster_enabled=true contradicts network_mode=hybrid"),
    (dict(public_network_access_enabled=True), "public_network_access_enabled=true contradicts network_mode=full-private"),
    (dict(location="westus"), "nat_gateway_zones=['1']: westus has no availability zones"),
    (dict(location="westus", nat_gateway_zones=[],
          node_pools={"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "zones": ["1"]}}),
     "node_pools.gpu.zones=['1']: the region has no availability zones"),
    (dict(location="West US 3"), "location='West US 3' must be an Azure region name"),
    (dict(azure_subscription_id="my-subscription"), "azure_subscription_id='my-subscription' must be a subscription ID"),
    (dict(aks_service_cidr="10.0.128.0/17"), "aks_service_cidr=10.0.128.0/17 overlaps vnet_address_space"),
    (dict(aks_dns_service_ip="172.17.0.10"), "aks_dns_service_ip=172.17.0.10 must lie in aks_service_cidr"),
    (dict(subnet_prefix_dns_resolver="10.0.9.0/29"), "subnet_prefix_dns_resolver=10.0.9.0/29 must be between /28 and /24"),
    (dict(vpn_enabled=True, subnet_prefix_gateway="10.0.3.0/28"), "subnet_prefix_gateway=10.0.3.0/28 must be /27 or larger"),
    (dict(vpn_enabled=True, vpn_client_address_pool="10.0.200.0/24"), "vpn_client_address_pool=10.0.200.0/24 overlaps"),
    (dict(vpn_enabled=True, vpn_entra_auth_enabled=False), "vpn_enabled=true needs a way to sign in"),
    (dict(osmo_dns_enabled=True, osmo_ingress_private_ip="10.0.7.10"), "osmo_ingress_private_ip=10.0.7.10 must lie in subnet_prefix_aks"),
    (dict(aml_managed_network_isolation_mode="Private"), "aml_managed_network_isolation_mode='Private' must be one of"),
    (dict(aml_compute_clusters={"cpu": {"vm_size": "Standard_D4s_v3", "min_nodes": 2, "max_nodes": 1}}),
     "aml_compute_clusters.cpu: min_nodes (2) must not be greater than max_nodes (1)"),
    (dict(aml_compute_clusters={"cpu": {"vm_size": "Standard_D4s_v3", "subnet": "/x"}}),
     "aml_compute_clusters.cpu.subnet is only allowed with aml_managed_network_isolation_mode=Disabled"),
    (dict(postgresql_version="12"), "postgresql_version='12' must be one of"),
    (dict(postgresql_zone="1", postgresql_high_availability={"standby_zone": "1"}),
     "postgresql_high_availability.standby_zone must differ from postgresql_zone"),
    (dict(redis_sku="Premium_P1"), "redis_sku='Premium_P1' is not an Azure Managed Redis SKU"),
    (dict(container_registry_sku="Standard"), "container_registry_sku=Standard: private endpoints need the Premium"),
    (dict(storage_containers=["ML_Workspace"]), "storage_containers entry 'ML_Workspace' is not a valid container name"),
    (dict(log_analytics_retention_days=7), "log_analytics_retention_days=7 must be between 30 and 730"),
    (dict(grafana_enabled="yes"), "grafana_enabled='yes' must be true or false"),
    (dict(aks_system_pool={"node_count": 0}), "aks_system_pool.node_count=0 must be at least 1"),
    (dict(startup_automation_enabled=True, startup_schedule={"time": "7am", "week_days": ["Monday"]}),
     "startup_schedule.time='7am' must be HH:MM"),
]


IDS = ["%s-%d" % (message.split("=")[0].split(" ")[0], index) for index, (_overrides, message) in enumerate(BAD)]


@pytest.mark.parametrize("overrides, message", BAD, ids=IDS)
def test_a_bad_value_is_reported_naming_its_variable(overrides, message):
    found = problems(**overrides)
    assert any(message in p for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems(subnet_prefix_main="x", redis_sku="x", postgresql_version="9", log_analytics_retention_days=1)
    assert len(found) == 4, found

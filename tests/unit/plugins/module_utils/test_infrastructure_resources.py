"""The platform's resource graph, per component and network mode (pure: no requests)."""

import collections
import json

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.graph import parse_nodes
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure import platform
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.settings import settings

SUB = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
BASE = dict(azure_subscription_id=SUB, environment_name="dev", location="westus3", resource_prefix="robotics")
KINDS = dict.fromkeys(["arm_resource", "resource_group", "aks_cluster", "aks_nodepool", "user_assigned_identity",
                       "role_assignment", "federated_credential", "resource_provider", "key_vault_secret",
                       "automation_runbook"])


def graph(**overrides):
    s = settings(dict(BASE, **overrides))
    nodes = platform.resources(s)
    return s, nodes, dict((n["key"], n) for n in nodes)


@pytest.mark.parametrize("overrides", [
    {}, {"network_mode": "hybrid"}, {"network_mode": "public"},
    {"vpn_enabled": True, "osmo_dns_enabled": True, "osmo_ingress_private_ip": "10.0.5.200",
     "startup_automation_enabled": True, "data_lake_enabled": True, "vm_subnet_enabled": True,
     "aml_compute_clusters": {"cpu": {"vm_size": "Standard_D4s_v3"}},
     "node_pools": {"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"]},
                    "h100": {"subnet_address_prefixes": ["10.0.8.0/24"], "vm_size": "Standard_NC40ads_H100_v5"}}},
    {"aks_enabled": False, "postgresql_enabled": False, "redis_enabled": False, "grafana_enabled": False,
     "monitor_workspace_enabled": False, "dce_enabled": False, "ampls_enabled": False, "nat_gateway_enabled": False},
])
def test_every_configuration_is_a_valid_graph(overrides):
    _s, nodes, _by_key = graph(**overrides)
    parse_nodes(nodes, KINDS, secret_names=set(platform.secret_values(overrides.get("vpn_site_connections"))))
    text = json.dumps(nodes)
    assert "password\": \"" not in text.lower()


def test_full_private_has_no_public_access_and_a_private_endpoint_per_service():
    _s, nodes, by_key = graph()
    for n in nodes:
        body = n["params"].get("body") or {}
        access = (body.get("properties") or {}).get("publicNetworkAccess")
        assert access in (None, "Disabled", "Enabled") and (access != "Enabled" or n["key"] in (
            "monitor_workspace", "grafana")), n["key"]
    endpoints = {k: n for k, n in by_key.items() if k.startswith("pe_") and not k.endswith("_dns")}
    assert set(endpoints) == {"pe_kv", "pe_st_blob", "pe_st_file", "pe_acr", "pe_mlw", "pe_ampls", "pe_psql",
                              "pe_redis", "pe_aks"}
    for key, n in endpoints.items():
        assert n["params"]["body"]["properties"]["subnet"]["id"].endswith("/subnets/snet-pe-robotics-dev-001")
        assert key + "_dns" in by_key
    zones = {n["params"]["id"].rsplit("/", 1)[-1] for n in nodes if n["key"].startswith("dns_zone_")
             and not n["key"].endswith("_link")}
    assert zones == {"privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net",
                     "privatelink.file.core.windows.net", "privatelink.azurecr.io", "privatelink.api.azureml.ms",
                     "privatelink.notebooks.azure.net", "privatelink.westus3.azmk8s.io",
                     "privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com",
                     "privatelink.ods.opinsights.azure.com", "privatelink.agentsvc.azure-automation.net",
                     "privatelink.postgres.database.azure.com", "privatelink.redis.azure.net"}
    aks = by_key["aks"]["params"]
    assert aks["private_cluster"] is True
    assert aks["private_dns_zone"].endswith("/privateDnsZones/privatelink.westus3.azmk8s.io")
    assert "aks_identity_private_dns_zone_contributor" in by_key["aks"]["depends_on"]
    assert "dns_resolver_inbound" in by_key["aks"]["depends_on"]
    vnet = by_key["vnet"]["params"]["body"]["properties"]
    assert vnet["dhcpOptions"] == {"dnsServers": ["10.0.9.4"]}


def test_hybrid_keeps_private_endpoints_with_a_public_api_server():
    _s, _nodes, by_key = graph(network_mode="hybrid")
    assert by_key["aks"]["params"]["private_cluster"] is False
    assert "private_dns_zone" not in by_key["aks"]["params"]
    assert "pe_aks" not in by_key and "pe_kv" in by_key
    assert "dns_zone_westus3_azmk8s_io" not in by_key


def test_public_mode_opens_access_and_adds_the_postgresql_firewall_rules():
    _s, nodes, by_key = graph(network_mode="public")
    assert not [n for n in nodes if n["key"].startswith(("pe_", "dns_zone_"))]
    assert "dns_resolver" not in by_key
    assert by_key["key_vault"]["params"]["body"]["properties"]["publicNetworkAccess"] == "Enabled"
    assert by_key["key_vault"]["params"]["body"]["properties"]["networkAcls"]["defaultAction"] == "Allow"
    nat_rule = by_key["postgresql_firewall_nat"]["params"]["body"]["properties"]
    assert nat_rule["startIpAddress"] == {"ref": "nat_public_ip.resource.properties.ipAddress"}
    assert by_key["postgresql_firewall_azure"]["depends_on"][-1] == "postgresql_database_osmo"


def test_without_nat_gateway_aks_uses_the_load_balancer():
    _s, _nodes, by_key = graph(nat_gateway_enabled=False)
    assert by_key["aks"]["params"]["network"]["outbound_type"] == "loadBalancer"
    subnets = by_key["vnet"]["params"]["body"]["properties"]["subnets"]
    assert not any("natGateway" in s["properties"] for s in subnets)


def test_node_pools_get_a_subnet_each_and_are_applied_one_after_the_other():
    pools = {"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"]},
             "h100": {"subnet_address_prefixes": ["10.0.8.0/24"], "vm_size": "Standard_NC40ads_H100_v5"}}
    _s, _nodes, by_key = graph(node_pools=pools)
    subnets = {s["name"]: s["properties"] for s in by_key["vnet"]["params"]["body"]["properties"]["subnets"]}
    assert subnets["snet-aks-h100-robotics-dev-001"]["addressPrefix"] == "10.0.8.0/24"
    assert "natGateway" in subnets["snet-aks-h100-robotics-dev-001"]
    assert by_key["node_pool_gpu"]["depends_on"][-1] == "aks"
    assert by_key["node_pool_h100"]["depends_on"][-1] == "node_pool_gpu"
    gpu = by_key["node_pool_gpu"]["params"]
    assert gpu["vnet_subnet_id"].endswith("/subnets/snet-aks-gpu-robotics-dev-001")
    assert gpu["taints"] == ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]


def test_the_role_table_is_the_reference_one():
    _s, nodes, _by_key = graph(data_lake_enabled=True, startup_automation_enabled=True)
    grants = collections.Counter()
    for n in nodes:
        if n["kind"] == "role_assignment":
            principal = n["params"]["principal_id"]["ref"].split(".")[0]
            principal = "kubelet" if principal == "aks" else principal
            scope = n["params"]["scope"].rsplit("/", 2)
            grants[(principal, n["params"]["role"], scope[-2] if scope[-2] != "resourceGroups" else "group")] += 1
    expected = {
        ("caller", "Key Vault Secrets Officer", "vaults"), ("caller", "Storage Blob Data Contributor", "storageAccounts"),
        ("caller", "Grafana Admin", "grafana"), ("caller", "Azure Kubernetes Service Cluster Admin Role", "managedClusters"),
        ("caller", "Azure Kubernetes Service RBAC Cluster Admin", "managedClusters"),
        ("ml_identity", "Key Vault Secrets User", "vaults"), ("ml_identity", "Contributor", "group"),
        ("ml_identity", "Storage Blob Data Contributor", "storageAccounts"),
        ("ml_identity", "Storage File Data SMB Share Contributor", "storageAccounts"),
        ("ml_identity", "Storage File Data Privileged Contributor", "storageAccounts"),
        ("ml_identity", "AcrPush", "registries"), ("ml_identity", "AcrPull", "registries"),
        ("ml_identity", "Monitoring Metrics Publisher", "components"),
        ("osmo_identity", "Storage Blob Data Contributor", "storageAccounts"), ("osmo_identity", "AcrPull", "registries"),
        ("osmo_identity", "AzureML Data Scientist", "workspaces"), ("osmo_identity", "Key Vault Secrets User", "vaults"),
        ("grafana", "Monitoring Reader", "group"), ("aks_identity", "Network Contributor", "group"),
        ("aks_identity", "Private DNS Zone Contributor", "privateDnsZones"), ("kubelet", "AcrPull", "registries"),
        ("kubelet", "Network Contributor", "group"),
        ("automation", "Azure Kubernetes Service Contributor Role", "managedClusters"),
        ("automation", "Contributor", "flexibleServers"),
    }
    assert set(grants) == expected
    # Storage grants cover the data lake too.
    assert grants[("caller", "Storage Blob Data Contributor", "storageAccounts")] == 2
    assert grants[("ml_identity", "Storage Blob Data Contributor", "storageAccounts")] == 2
    assert grants[("osmo_identity", "Storage Blob Data Contributor", "storageAccounts")] == 2


def test_federated_credentials_of_the_osmo_and_azureml_service_accounts():
    _s, nodes, by_key = graph()
    subjects = [n["params"]["subject"] for n in nodes if n["kind"] == "federated_credential"]
    assert subjects == [
        "system:serviceaccount:osmo-control-plane:osmo-control-plane", "system:serviceaccount:osmo-control-plane:router",
        "system:serviceaccount:osmo-operator:osmo-operator-backend-listener",
        "system:serviceaccount:osmo-operator:osmo-operator-backend-worker",
        "system:serviceaccount:osmo-workflows:osmo-workflow", "system:serviceaccount:osmo-control-plane:default",
        "system:serviceaccount:osmo-operator:default", "system:serviceaccount:osmo-workflows:default",
        "system:serviceaccount:azureml:default", "system:serviceaccount:azureml:training"]
    ml = [n for n in nodes if n["kind"] == "federated_credential" and n["params"]["identity"].startswith("id-ml")]
    assert [n["params"]["name"] for n in ml] == ["aml-default-fic", "aml-training-fic"]
    assert ml[0]["key"] in ml[1]["depends_on"]  # one identity's credentials are written one at a time
    assert all(n["params"]["issuer"] == {"ref": "aks.oidc_issuer_url"} for n in ml)


def test_secrets_are_generated_or_copied_never_listed():
    _s, _nodes, by_key = graph()
    assert by_key["osmo_admin_password"]["params"]["generate"] == {"length": 43, "special": False}
    assert by_key["postgresql_admin_password"]["params"]["generate"] == {"length": 32, "special": True}
    assert by_key["redis_primary_key"]["params"]["value_from"]["field"] == "primaryKey"
    assert by_key["postgresql"]["write_only"] == [{"path": "properties.administratorLoginPassword",
                                                   "secret": "postgresql_admin_password"}]
    sites = [{"name": "Lab", "gateway_address": "203.0.113.10", "address_spaces": ["192.168.10.0/24"],
              "shared_key": "not-in-the-graph"}]
    s = settings(dict(BASE, vpn_enabled=True, vpn_site_connections=sites))
    nodes = platform.resources(s)
    assert "not-in-the-graph" not in json.dumps(nodes) and "not-in-the-graph" not in json.dumps(s)
    assert platform.secret_values(sites) == {"vpn-site-lab": "not-in-the-graph"}
    connection = [n for n in nodes if n["key"] == "vpn_connection_lab"][0]
    assert connection["params"]["body"]["properties"]["sharedKey"] == {"secret_value": "vpn-site-lab"}


def test_facts_without_results_carry_names_and_ids_only():
    s = settings(dict(BASE, osmo_dns_enabled=True, osmo_ingress_private_ip="10.0.5.200"))
    facts = platform.facts(s)
    assert facts["resource_group"] == {"name": "rg-robotics-dev-001", "location": "westus3",
                                       "id": "/subscriptions/%s/resourceGroups/rg-robotics-dev-001" % SUB}
    assert facts["aks_cluster"]["azureml_compute_name"] == "k8s-robotics-dev"
    assert facts["aks_oidc_issuer_url"] is None
    assert facts["key_vault_name"] == "kvroboticsdev001"
    assert facts["osmo"]["hostname"] == "dev.osmo.local"
    assert facts["gpu_node_pool_subnets"]["gpu"].endswith("/snet-aks-gpu-robotics-dev-001")

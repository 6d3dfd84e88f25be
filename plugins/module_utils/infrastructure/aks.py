# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AKS: the cluster with its system pool, one agent pool per ``node_pools`` entry, container insights and
Prometheus data collection, and the federated credentials of the OSMO and AzureML service accounts.

The cluster and pools go through the ``aks_cluster`` / ``aks_nodepool`` engines. AKS runs one operation per
cluster at a time, so the GPU pools form a chain; the federated credentials of one identity form a chain too
(Azure rejects concurrent writes of credentials on one identity).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import ref
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.network import network_ready
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.private_dns import (
    add_zone,
    private_link,
    zone_key,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import agent_pool_options

DCR_API = "2023-03-11"
AUDIENCE = "api://AzureADTokenExchange"


def aks_zone(s):
    return "privatelink.%s.azmk8s.io" % s["location"]


def osmo_service_accounts(s):
    """``(namespace, service account)`` pairs the OSMO identity federates (the reference's list)."""
    control, operator, workflows = (s["osmo_control_plane_namespace"], s["osmo_operator_namespace"],
                                    s["osmo_workflows_namespace"])
    return [(control, "osmo-control-plane"), (control, "router"), (operator, "osmo-operator-backend-listener"),
            (operator, "osmo-operator-backend-worker"), (workflows, "osmo-workflow"),
            (control, "default"), (operator, "default"), (workflows, "default")]


def credential_name(namespace, account):
    return ("%s-%s" % (namespace, account))[:120]


def add(b):
    s, n = b.s, b.names
    system = s["aks_system_pool"]
    identity_id = b.id("Microsoft.ManagedIdentity/userAssignedIdentities", n["aks_identity"])
    deps = ["aks_identity", "aks_identity_network_contributor", "log_analytics"] + network_ready(b)
    private_zone = None
    if s["aks_private_cluster_enabled"]:
        private_zone = "system"
        if s["aks_private_dns_zone_enabled"]:
            private_zone = add_zone(b, aks_zone(s))
            deps += [zone_key(aks_zone(s)), "aks_identity_private_dns_zone_contributor"]
    pool = dict(name="system", vm_size=system["vm_size"], vnet_subnet_id=b.subnet_id("aks"),
                zones=[str(z) for z in system["zones"] or []], os_disk_size_gb=system["os_disk_size_gb"],
                os_disk_type=system["os_disk_type"], max_surge="10%")
    if system["enable_auto_scaling"]:
        pool.update(auto_scaling=True, min_count=system["min_count"], max_count=system["max_count"])
    else:
        pool.update(auto_scaling=False, count=system["node_count"])
    params = dict(
        name=n["aks"], resource_group=b.group, location=b.location,
        dns_prefix="aks-%s-%s" % (s["resource_prefix"], s["environment_name"]),
        sku_tier="Standard", user_assigned_identity=identity_id,
        auto_upgrade_channel="patch", node_os_upgrade_channel="NodeImage",
        oidc_issuer=True, workload_identity=True,
        entra_id=dict(enabled=True, azure_rbac=True), disable_local_accounts=True,
        network=dict(plugin="azure", plugin_mode="overlay", policy="azure", pod_cidr=s["aks_pod_cidr"],
                     service_cidr=s["aks_service_cidr"], dns_service_ip=s["aks_dns_service_ip"],
                     outbound_type="userAssignedNATGateway" if s["nat_gateway_enabled"] else "loadBalancer"),
        private_cluster=bool(s["aks_private_cluster_enabled"]),
        key_vault_secrets_provider=dict(enabled=True, secret_rotation=True, rotation_poll_interval="2m"),
        monitoring=dict(container_insights=True, log_analytics_workspace_id=b.log_analytics_id,
                        managed_prometheus=bool(s["monitor_workspace_enabled"])),
        system_pool=pool,
    )
    if private_zone:
        params["private_dns_zone"] = private_zone
    if s["aks_kubernetes_version"]:
        params["kubernetes_version"] = str(s["aks_kubernetes_version"])
    if s["aks_defender_enabled"]:
        params["defender"] = dict(enabled=True, log_analytics_workspace_id=b.log_analytics_id)
    if b.tags:
        params["tags"] = dict(b.tags)
    b.add("aks", "aks_cluster", params, depends_on=deps, namespace="Microsoft.ContainerService",
          description="AKS cluster with its system pool")
    cluster_id = b.id("Microsoft.ContainerService/managedClusters", n["aks"])
    b.aks_id = cluster_id

    previous = "aks"
    for settings in s["node_pool_list"]:
        key = "node_pool_" + settings["name"]
        options = agent_pool_options(settings, b.subnet_id("pool_" + settings["name"]))
        options.update(name=settings["name"], cluster=n["aks"], resource_group=b.group)
        b.add(key, "aks_nodepool", options, depends_on=[previous], namespace="Microsoft.ContainerService",
              description="GPU node pool %s" % settings["name"])
        previous = key

    if s["private_endpoints_enabled"] and s["aks_private_cluster_enabled"]:
        private_link(b, "aks", "aks", cluster_id, "management", [aks_zone(s)], depends_on=[previous])

    _data_collection(b, cluster_id, previous)
    _federation(b)


def _data_collection(b, cluster_id, after):
    rules = [("data_collection_logs", "dcr-logs-%s" % b.suffix, {
        "kind": "Linux",
        "properties": {
            "dataSources": {"extensions": [{
                "name": "ContainerInsightsExtension", "extensionName": "ContainerInsights",
                "streams": ["Microsoft-ContainerLog", "Microsoft-ContainerLogV2", "Microsoft-KubeEvents",
                            "Microsoft-KubePodInventory"],
                "extensionSettings": {"dataCollectionSettings": {
                    "interval": "1m", "namespaceFilteringMode": "Off", "enableContainerLogV2": True}},
            }]},
            "destinations": {"logAnalytics": [{"name": "logs", "workspaceResourceId": b.log_analytics_id}]},
            "dataFlows": [{"streams": ["Microsoft-ContainerLog", "Microsoft-ContainerLogV2", "Microsoft-KubeEvents",
                                       "Microsoft-KubePodInventory"], "destinations": ["logs"]}],
        },
    }, ["log_analytics"])]
    if b.monitor_workspace_id:
        rules.append(("data_collection_metrics", "dcr-metrics-%s" % b.suffix, {
            "kind": "Linux",
            "properties": {
                "dataSources": {"prometheusForwarder": [{"name": "PrometheusDataSource",
                                                         "streams": ["Microsoft-PrometheusMetrics"]}]},
                "destinations": {"monitoringAccounts": [{"name": "prometheus",
                                                         "accountResourceId": b.monitor_workspace_id}]},
                "dataFlows": [{"streams": ["Microsoft-PrometheusMetrics"], "destinations": ["prometheus"]}],
            },
        }, ["monitor_workspace"]))
    for key, name, body, deps in rules:
        if b.dce_id:
            body["properties"]["dataCollectionEndpointId"] = b.dce_id
            deps = deps + ["data_collection_endpoint"]
        rule_id = b.arm(key, "Microsoft.Insights/dataCollectionRules", name, body, api_version=DCR_API,
                        depends_on=deps)
        b.extension(key + "_association", cluster_id, "Microsoft.Insights/dataCollectionRuleAssociations",
                    "%s-association" % name, {"properties": {"dataCollectionRuleId": rule_id}}, DCR_API,
                    depends_on=[key, after])
    if b.dce_id:
        b.extension("data_collection_endpoint_association", cluster_id,
                    "Microsoft.Insights/dataCollectionRuleAssociations", "configurationAccessEndpoint",
                    {"properties": {"dataCollectionEndpointId": b.dce_id}}, DCR_API,
                    depends_on=["data_collection_endpoint", after])


def _federation(b):
    s, n = b.s, b.names
    chains = []
    if s["osmo_identity_enabled"] and s["osmo_federation_enabled"]:
        chains.append(("osmo_identity", n["osmo_identity"], osmo_service_accounts(s)))
    if s["ml_federation_enabled"]:
        accounts = [tuple(entry.split(":")) for entry in s["ml_federated_service_accounts"]]
        chains.append(("ml_identity", n["ml_identity"], accounts))
    for identity_key, identity_name, accounts in chains:
        previous = identity_key
        for namespace, account in accounts:
            key = "fic_%s_%s_%s" % (identity_key.split("_")[0], namespace.replace("-", "_"), account.replace("-", "_"))
            name = "aml-%s-fic" % account if identity_key == "ml_identity" else credential_name(namespace, account)
            b.add(key, "federated_credential", dict(
                name=name, identity=identity_name, resource_group=b.group,
                issuer=ref("aks", "oidc_issuer_url"), subject="system:serviceaccount:%s:%s" % (namespace, account),
                audiences=[AUDIENCE]), depends_on=[previous, "aks"], namespace="Microsoft.ManagedIdentity",
                description="federated credential of %s for %s/%s" % (identity_name, namespace, account))
            previous = key

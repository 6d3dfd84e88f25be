# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole platform: every component's resources as one ``arm_resources`` graph, and the facts document.

``resources(settings)`` returns the graph (a list of entries); ``facts(settings, applied)`` turns the result of
``arm_resources`` into the platform facts document the cluster and workload tiers read: ids, names, endpoints,
identity client ids, the OIDC issuer, the node pools - never a secret (only the names of the Key Vault secrets).
Pure Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure import (
    aks,
    automation,
    databases,
    network,
    observability,
    private_dns,
    roles,
    security,
    storage,
    vpn,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import Builder
from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import node_pools_summary

FACTS_VERSION = 1


def builder(settings):
    """The Builder after every enabled component added its resources (in dependency-friendly order)."""
    b = Builder(settings)
    network.add(b)
    security.add(b)
    storage.add(b)
    observability.add(b)
    observability.add_azureml(b)
    if settings["postgresql_enabled"]:
        databases.add_postgresql(b)
    if settings["redis_enabled"]:
        databases.add_redis(b)
    if settings["aks_enabled"]:
        aks.add(b)
    roles.add(b)
    if settings["vpn_enabled"]:
        vpn.add(b)
    if settings["startup_automation_enabled"]:
        automation.add(b)
    private_dns.add(b)
    return b


def resources(settings):
    return builder(settings).nodes


def secret_values(vpn_site_connections):
    """Values the graph refers to by name, from the inventory's ``vpn_site_connections``, for the task's no_log
    ``secret_values``."""
    return vpn.secret_values(vpn_site_connections)


def _entry(applied, key):
    return ((applied or {}).get("resources") or {}).get(key) or {}


def _out(applied, key, name):
    return (_entry(applied, key).get("outputs") or {}).get(name)


def facts(settings, applied=None):
    """The platform facts document (see module docstring); ``applied`` is the registered arm_resources result."""
    s, b = settings, builder(settings)
    n = s["names"]
    ids = dict((entry["key"], entry["params"].get("id")) for entry in b.nodes)

    def identity(key):
        if not b.has(key):
            return None
        entry = _entry(applied, key)
        outputs = entry.get("outputs") or {}
        return dict(name=n[key], id=b.id("Microsoft.ManagedIdentity/userAssignedIdentities", n[key]),
                    client_id=outputs.get("client_id"), principal_id=outputs.get("principal_id"),
                    tenant_id=outputs.get("tenant_id"))

    doc = dict(
        version=FACTS_VERSION,
        subscription_id=s["azure_subscription_id"],
        tenant_id=next((i["tenant_id"] for i in (identity("osmo_identity"), identity("ml_identity"))
                        if i and i.get("tenant_id")), None),
        location=s["location"],
        network_mode=s["network_mode"],
        names=dict((k, v) for k, v in n.items()),
        resource_group=dict(name=b.group, location=s["location"], id=b.group_id),
        virtual_network=dict(name=n["virtual_network"], id=ids["vnet"], address_space=list(s["vnet_address_space"])),
        subnets=dict((subnet["key"], dict(name=subnet["name"], id=b.subnet_id(subnet["key"]),
                                          address_prefixes=list(subnet["prefixes"]))) for subnet in s["subnets"]),
        network_security_group=dict(name=n["network_security_group"], id=ids["nsg"]),
        nat_gateway=dict(name=n["nat_gateway"], id=ids.get("nat_gateway"),
                         public_ip=_out(applied, "nat_public_ip", "ip_address")) if s["nat_gateway_enabled"] else None,
        dns_server_ip=s["dns_resolver_ip"],
        private_endpoints_enabled=s["private_endpoints_enabled"],
        key_vault=dict(name=n["key_vault"], id=ids["key_vault"], uri=_out(applied, "key_vault", "uri")),
        key_vault_name=n["key_vault"],
        ml_workload_identity=identity("ml_identity"),
        osmo_workload_identity=identity("osmo_identity"),
        aks_identity=identity("aks_identity"),
        storage_account=dict(name=n["storage_account"], id=ids["storage"],
                             blob_endpoint=_out(applied, "storage", "blob_endpoint"),
                             containers=list(s["storage_containers"])),
        data_lake_storage_account=dict(name=n["data_lake_storage"], id=ids["data_lake"],
                                       dfs_endpoint=_out(applied, "data_lake", "dfs_endpoint"),
                                       containers=list(s["data_lake_containers"])) if s["data_lake_enabled"] else None,
        container_registry=dict(name=n["container_registry"], id=ids["container_registry"],
                                login_server=_out(applied, "container_registry", "login_server")),
        log_analytics_workspace=dict(name=n["log_analytics"], id=ids["log_analytics"],
                                     workspace_id=_out(applied, "log_analytics", "workspace_id")),
        application_insights=dict(name=n["application_insights"], id=ids["app_insights"]),
        monitor_workspace=dict(name=n["monitor_workspace"], id=ids["monitor_workspace"],
                               query_endpoint=_out(applied, "monitor_workspace", "query_endpoint"))
        if s["monitor_workspace_enabled"] else None,
        grafana=dict(name=n["grafana"], id=ids["grafana"], endpoint=_out(applied, "grafana", "endpoint"))
        if s["grafana_enabled"] else None,
        azureml_workspace=dict(name=n["machine_learning_workspace"], id=ids["ml_workspace"],
                               resource_group=b.group, subscription_id=s["azure_subscription_id"], location=s["location"],
                               workspace_id=_out(applied, "ml_workspace", "workspace_id"),
                               discovery_url=_out(applied, "ml_workspace", "discovery_url"),
                               mlflow_tracking_uri=_out(applied, "ml_workspace", "mlflow_tracking_uri"),
                               compute_clusters=sorted(s["aml_compute_clusters"] or {})),
        postgresql_connection_info=dict(
            name=n["postgresql"], id=ids["postgresql"], fqdn=_out(applied, "postgresql", "fqdn"),
            admin_username=s["postgresql_admin_username"], secret_name=databases.PSQL_ADMIN_SECRET,
            databases=sorted(s["postgresql_databases"] or {})) if s["postgresql_enabled"] else None,
        managed_redis_connection_info=dict(
            name=n["redis"], id=ids["redis"], hostname=_out(applied, "redis", "hostname"), port=databases.REDIS_PORT,
            secret_name=databases.REDIS_KEY_SECRET) if s["redis_enabled"] else None,
        osmo=dict(control_plane_namespace=s["osmo_control_plane_namespace"],
                  operator_namespace=s["osmo_operator_namespace"],
                  workflows_namespace=s["osmo_workflows_namespace"],
                  admin_secret_name=security.OSMO_ADMIN_SECRET if s["osmo_admin_secret_enabled"] else None,
                  ingress_private_ip=s["osmo_ingress_private_ip"],
                  hostname="%s.%s" % (s["osmo_hostname"], s["osmo_private_dns_zone_name"])
                  if s["osmo_dns_enabled"] else None),
        vpn_gateway=dict(name=n["vpn_gateway"], id=ids.get("vpn_gateway"),
                         client_address_pool=s["vpn_client_address_pool"]) if s["vpn_enabled"] else None,
        automation_account=dict(name=n["automation_account"], id=ids.get("automation"))
        if s["startup_automation_enabled"] else None,
        aks_cluster=None,
        aks_oidc_issuer_url=None,
        node_pools=node_pools_summary(s["node_pools"]) if s["aks_enabled"] else {},
    )
    if s["aks_enabled"]:
        outputs = _entry(applied, "aks").get("outputs") or {}
        doc["aks_cluster"] = dict(
            name=n["aks"], id=b.aks_id, fqdn=outputs.get("fqdn"), private_fqdn=outputs.get("private_fqdn"),
            node_resource_group=outputs.get("node_resource_group"),
            kubernetes_version=outputs.get("kubernetes_version"), kubelet_identity=outputs.get("kubelet_identity"),
            private_cluster=s["aks_private_cluster_enabled"], oidc_issuer_url=outputs.get("oidc_issuer_url"),
            azureml_compute_name=("k8s-" + n["aks"][len("aks-"):])[:16])
        doc["aks_oidc_issuer_url"] = outputs.get("oidc_issuer_url")
        doc["gpu_node_pool_subnets"] = dict((subnet["pool"], b.subnet_id(subnet["key"]))
                                            for subnet in s["subnets"] if subnet.get("pool"))
    return doc

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Observability: Log Analytics and Application Insights (always), the Azure Monitor workspace, Managed Grafana,
the data collection endpoint and the Azure Monitor private link scope (each toggleable)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.private_dns import (
    AMPLS_ZONES,
    private_link,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.security import public_access


def add(b):
    s, n = b.s, b.names
    ingestion = "Enabled"  # agents in the VNet reach the workspace through AMPLS when it is there, or publicly
    b.log_analytics_id = b.arm("log_analytics", "Microsoft.OperationalInsights/workspaces", n["log_analytics"], {
        "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": s["log_analytics_retention_days"],
                       "publicNetworkAccessForIngestion": ingestion,
                       "publicNetworkAccessForQuery": "Enabled"},
    }, outputs={"workspace_id": "resource.properties.customerId"})
    b.app_insights_id = b.arm("app_insights", "Microsoft.Insights/components", n["application_insights"], {
        "kind": "other",
        "properties": {"Application_Type": "other", "WorkspaceResourceId": b.log_analytics_id,
                       "IngestionMode": "LogAnalytics"},
    }, depends_on=["log_analytics"])
    scoped = [("log_analytics", b.log_analytics_id), ("app_insights", b.app_insights_id)]

    b.monitor_workspace_id = None
    if s["monitor_workspace_enabled"]:
        b.monitor_workspace_id = b.arm("monitor_workspace", "Microsoft.Monitor/accounts", n["monitor_workspace"], {
            "properties": {"publicNetworkAccess": "Enabled"},
        }, outputs={"query_endpoint": "resource.properties.metrics.prometheusQueryEndpoint"})
    if s["grafana_enabled"]:
        integrations = {}
        deps = []
        if b.monitor_workspace_id:
            integrations = {"azureMonitorWorkspaceIntegrations": [
                {"azureMonitorWorkspaceResourceId": b.monitor_workspace_id}]}
            deps.append("monitor_workspace")
        b.grafana_id = b.arm("grafana", "Microsoft.Dashboard/grafana", n["grafana"], {
            "sku": {"name": "Standard"},
            "identity": {"type": "SystemAssigned"},
            "properties": {"grafanaMajorVersion": s["grafana_major_version"], "apiKey": "Enabled",
                           "publicNetworkAccess": "Enabled", "grafanaIntegrations": integrations},
        }, depends_on=deps, outputs={"endpoint": "resource.properties.endpoint",
                                     "principal_id": "resource.identity.principalId"})
    b.dce_id = None
    if s["dce_enabled"]:
        b.dce_id = b.arm("data_collection_endpoint", "Microsoft.Insights/dataCollectionEndpoints",
                         n["data_collection_endpoint"], {
                             "kind": "Linux",
                             "properties": {"networkAcls": {"publicNetworkAccess": public_access(s)}},
                         })
        scoped.append(("data_collection_endpoint", b.dce_id))
    if s["ampls_enabled"]:
        ampls_id = b.arm("ampls", "Microsoft.Insights/privateLinkScopes", n["private_link_scope"], {
            "location": "global",
            "properties": {"accessModeSettings": {"ingestionAccessMode": "Open", "queryAccessMode": "PrivateOnly"}},
        })
        for key, resource_id in scoped:
            b.arm("ampls_scope_" + key, "Microsoft.Insights/privateLinkScopes/scopedResources",
                  (n["private_link_scope"], "%s-scope" % resource_id.rsplit("/", 1)[-1]),
                  {"properties": {"linkedResourceId": resource_id}}, depends_on=["ampls", key])
        private_link(b, "ampls", "ampls", ampls_id, "azuremonitor", AMPLS_ZONES,
                     depends_on=["ampls_scope_" + key for key, _id in scoped])


def add_azureml(b):
    s, n = b.s, b.names
    identity_mode = "accessKey" if s["storage_shared_key_enabled"] else "identity"
    storage_id = dict(b.storage_ids)["storage"]
    workspace_id = b.arm("ml_workspace", "Microsoft.MachineLearningServices/workspaces",
                         n["machine_learning_workspace"], {
                             "sku": {"name": "Basic", "tier": "Basic"},
                             "kind": "Default",
                             "identity": {"type": "SystemAssigned"},
                             "properties": {
                                 "friendlyName": n["machine_learning_workspace"],
                                 "keyVault": b.key_vault_id,
                                 "storageAccount": storage_id,
                                 "containerRegistry": b.registry_id,
                                 "applicationInsights": b.app_insights_id,
                                 "publicNetworkAccess": public_access(s),
                                 "v1LegacyMode": False,
                                 "systemDatastoresAuthMode": identity_mode,
                                 "managedNetwork": {"isolationMode": s["aml_managed_network_isolation_mode"]},
                             },
                         }, depends_on=["key_vault", "storage", "container_registry", "app_insights"],
                         outputs={"workspace_id": "resource.properties.workspaceId",
                                  "discovery_url": "resource.properties.discoveryUrl",
                                  "mlflow_tracking_uri": "resource.properties.mlFlowTrackingUri"},
                         immutable=["properties.keyVault", "properties.storageAccount"])
    b.ml_workspace_id = workspace_id
    private_link(b, "mlw", "ml_workspace", workspace_id, "amlworkspace",
                 ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"])
    if s["aml_diagnostic_logs_enabled"]:
        b.extension("ml_workspace_diagnostics", workspace_id, "Microsoft.Insights/diagnosticSettings",
                    "diag-%s" % n["machine_learning_workspace"], {"properties": {
                        "workspaceId": b.log_analytics_id,
                        "logs": [{"categoryGroup": "allLogs", "enabled": True}],
                        "metrics": [{"category": "AllMetrics", "enabled": True}],
                    }}, "2021-05-01-preview", depends_on=["ml_workspace", "log_analytics"])
    ml_identity = b.id("Microsoft.ManagedIdentity/userAssignedIdentities", n["ml_identity"])
    for name, cluster in sorted((s["aml_compute_clusters"] or {}).items()):
        cluster = cluster or {}
        props = {
            "vmSize": cluster["vm_size"],
            "vmPriority": cluster.get("vm_priority", "Dedicated"),
            "scaleSettings": {"minNodeCount": cluster.get("min_nodes", 0), "maxNodeCount": cluster.get("max_nodes", 1),
                              "nodeIdleTimeBeforeScaleDown": cluster.get("idle_time_before_scale_down", "PT5M")},
            "enableNodePublicIp": False,
            "remoteLoginPortPublicAccess": "Disabled",
        }
        if cluster.get("subnet"):
            props["subnet"] = {"id": cluster["subnet"]}
        body = {
            "location": b.location,
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {ml_identity: {}}},
            "properties": {"computeType": "AmlCompute", "properties": props},
        }
        b.arm("ml_compute_" + name.replace("-", "_").lower(), "Microsoft.MachineLearningServices/workspaces/computes",
              (n["machine_learning_workspace"], name), body, depends_on=["ml_workspace", "ml_identity"],
              immutable=["properties.properties.vmSize"], description="AzureML compute cluster %s" % name)

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role-assignment table of the reference (refarch 2.2 platform, 2.3 AKS, automation).

Every assignment has a deterministic name (``role_assignment``: uuid5 of scope, principal and role), so reruns
and interrupted runs never duplicate one. Built-in roles resolve without a request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import ref
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.private_dns import zone_key

SERVICE_PRINCIPAL = "ServicePrincipal"


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def table(b):
    """``[(key, principal_key, principal_id, principal_type, role, scope_key, scope_id, depends_on)]``."""
    s = b.s
    rows = []
    caller = (ref("caller", "object_id"), ref("caller", "principal_type"))

    def identity(key):
        return (ref(key, "principal_id"), SERVICE_PRINCIPAL)

    def grant(principal, who, role, scope_key, scope_id, key=None, depends_on=()):
        principal_id, principal_type = who
        rows.append(dict(key=key or "role_%s_%s_%s" % (principal, _slug(role), scope_key), principal=principal,
                         principal_id=principal_id, principal_type=principal_type, role=role, scope_key=scope_key,
                         scope_id=scope_id, depends_on=list(depends_on)))

    group = b.group_id
    storages = list(b.storage_ids)
    # The current user (the identity running the playbook).
    if s["current_user_key_vault_admin"]:
        grant("caller", caller, "Key Vault Secrets Officer", "key_vault", b.key_vault_id)
    if s["current_user_storage_blob_contributor"]:
        for key, storage_id in storages:
            grant("caller", caller, "Storage Blob Data Contributor", key, storage_id)
    if s["grafana_enabled"] and s["current_user_grafana_admin"]:
        grant("caller", caller, "Grafana Admin", "grafana", b.grafana_id)
    # The ML identity.
    ml = identity("ml_identity")
    grant("ml_identity", ml, "Key Vault Secrets User", "key_vault", b.key_vault_id)
    grant("ml_identity", ml, "Contributor", "resource_group", group)
    grant("ml_identity", ml, "Storage Blob Data Contributor", "storage", dict(storages)["storage"])
    grant("ml_identity", ml, "Storage File Data SMB Share Contributor", "storage", dict(storages)["storage"])
    grant("ml_identity", ml, "Storage File Data Privileged Contributor", "storage", dict(storages)["storage"])
    if "data_lake" in dict(storages):
        grant("ml_identity", ml, "Storage Blob Data Contributor", "data_lake", dict(storages)["data_lake"])
    grant("ml_identity", ml, "AcrPush", "container_registry", b.registry_id)
    grant("ml_identity", ml, "AcrPull", "container_registry", b.registry_id)
    grant("ml_identity", ml, "Monitoring Metrics Publisher", "app_insights", b.app_insights_id)
    # The OSMO identity.
    if s["osmo_identity_enabled"]:
        osmo = identity("osmo_identity")
        for key, storage_id in storages:
            grant("osmo_identity", osmo, "Storage Blob Data Contributor", key, storage_id)
        grant("osmo_identity", osmo, "AcrPull", "container_registry", b.registry_id)
        grant("osmo_identity", osmo, "AzureML Data Scientist", "ml_workspace", b.ml_workspace_id)
        grant("osmo_identity", osmo, "Key Vault Secrets User", "key_vault", b.key_vault_id)
    # Grafana's managed identity reads the metrics of the group.
    if s["grafana_enabled"]:
        grant("grafana", (ref("grafana", "resource.identity.principalId"), SERVICE_PRINCIPAL), "Monitoring Reader",
              "resource_group", group)
    # AKS: the control-plane identity before the cluster exists, the kubelet identity and the user after.
    if s["aks_enabled"]:
        aks = identity("aks_identity")
        grant("aks_identity", aks, "Network Contributor", "resource_group", group,
              key="aks_identity_network_contributor")
        if s["aks_private_dns_zone_enabled"]:
            zone = "privatelink.%s.azmk8s.io" % s["location"]
            grant("aks_identity", aks, "Private DNS Zone Contributor", zone_key(zone),
                  b.id("Microsoft.Network/privateDnsZones", zone), key="aks_identity_private_dns_zone_contributor")
        kubelet = (ref("aks", "kubelet_identity.object_id"), SERVICE_PRINCIPAL)
        grant("kubelet", kubelet, "AcrPull", "container_registry", b.registry_id, depends_on=["aks"])
        grant("kubelet", kubelet, "Network Contributor", "resource_group", group, depends_on=["aks"])
        if s["aks_current_user_admin"]:
            grant("caller", caller, "Azure Kubernetes Service Cluster Admin Role", "aks", b.aks_id)
            grant("caller", caller, "Azure Kubernetes Service RBAC Cluster Admin", "aks", b.aks_id)
    return rows


def add(b):
    for row in table(b):
        depends = [row["scope_key"]] if b.has(row["scope_key"]) else []
        b.add(row["key"], "role_assignment", dict(
            scope=row["scope_id"], principal_id=row["principal_id"], principal_type=row["principal_type"],
            role=row["role"]), depends_on=depends + row["depends_on"], namespace=None,
            description="%s on %s for %s" % (row["role"], row["scope_key"], row["principal"]))

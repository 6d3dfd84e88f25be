# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage and registry: the Entra-ID-only storage account, its containers, the optional data lake, the
lifecycle rules, and the container registry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.private_dns import private_link
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.security import (
    network_acls,
    public_access,
)

BLOB_ZONE = "privatelink.blob.core.windows.net"


def _account(b, key, name, containers, data_lake):
    s = b.s
    account_id = b.arm(key, "Microsoft.Storage/storageAccounts", name, {
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "properties": {
            "accessTier": "Hot",
            "minimumTlsVersion": "TLS1_2",
            "supportsHttpsTrafficOnly": True,
            "allowSharedKeyAccess": bool(s["storage_shared_key_enabled"]),
            "allowBlobPublicAccess": False,
            "isHnsEnabled": data_lake,
            "publicNetworkAccess": public_access(s),
            "networkAcls": network_acls(s),
        },
    }, outputs={"blob_endpoint": "resource.properties.primaryEndpoints.blob",
                "dfs_endpoint": "resource.properties.primaryEndpoints.dfs"},
        immutable=["kind", "properties.isHnsEnabled"])
    b.arm(key + "_blob", "Microsoft.Storage/storageAccounts/blobServices", (name, "default"), {"properties": {
        "deleteRetentionPolicy": {"enabled": True, "days": 7},
        "containerDeleteRetentionPolicy": {"enabled": True, "days": 7},
    }}, depends_on=[key])
    for container in containers:
        b.arm("%s_container_%s" % (key, container.replace("-", "_")),
              "Microsoft.Storage/storageAccounts/blobServices/containers", (name, "default", container),
              {"properties": {"publicAccess": "None"}}, depends_on=[key + "_blob"])
    return account_id


def lifecycle_rules(s, prefix):
    """The reference's lifecycle rules (each one off when its number of days is null)."""
    days = s["storage_lifecycle"] or {}
    rules = []

    def rule(name, prefixes, actions):
        rules.append({"name": name, "enabled": True, "type": "Lifecycle", "definition": {
            "filters": {"blobTypes": ["blockBlob"], "prefixMatch": [prefix + p for p in prefixes]},
            "actions": {"baseBlob": actions}}})

    if days.get("raw_delete_after_days"):
        rule("delete-raw-datasets", ["datasets/raw/"],
             {"delete": {"daysAfterModificationGreaterThan": days["raw_delete_after_days"]}})
    if days.get("converted_cool_after_days"):
        rule("cool-converted-datasets", ["datasets/converted/"],
             {"tierToCool": {"daysAfterModificationGreaterThan": days["converted_cool_after_days"]}})
    reports = {}
    if days.get("reports_cool_after_days"):
        reports["tierToCool"] = {"daysAfterModificationGreaterThan": days["reports_cool_after_days"]}
    if days.get("reports_archive_after_days"):
        reports["tierToArchive"] = {"daysAfterModificationGreaterThan": days["reports_archive_after_days"]}
    if reports:
        rule("tier-evaluation-reports", ["evaluation/reports/"], reports)
    return rules


def add(b):
    s, n = b.s, b.names
    account_id = _account(b, "storage", n["storage_account"], s["storage_containers"], False)
    b.storage_ids = [("storage", account_id)]
    private_link(b, "st-blob", "storage", account_id, "blob", [BLOB_ZONE])
    private_link(b, "st-file", "storage", account_id, "file", ["privatelink.file.core.windows.net"])
    if s["data_lake_enabled"]:
        lake_id = _account(b, "data_lake", n["data_lake_storage"], s["data_lake_containers"], True)
        b.storage_ids.append(("data_lake", lake_id))
        private_link(b, "stdl-blob", "data_lake", lake_id, "blob", [BLOB_ZONE])
        private_link(b, "stdl-dfs", "data_lake", lake_id, "dfs", ["privatelink.dfs.core.windows.net"])
    target, name, prefix = ("data_lake", n["data_lake_storage"], "") if s["data_lake_enabled"] else \
        ("storage", n["storage_account"], "ml-workspace/")
    rules = lifecycle_rules(s, prefix)
    if rules:
        b.arm("storage_lifecycle", "Microsoft.Storage/storageAccounts/managementPolicies", (name, "default"),
              {"properties": {"policy": {"rules": rules}}}, depends_on=[target + "_blob"],
              description="lifecycle rules of %s" % name)

    registry_id = b.arm("container_registry", "Microsoft.ContainerRegistry/registries", n["container_registry"], {
        "sku": {"name": s["container_registry_sku"]},
        "properties": {
            "adminUserEnabled": False,
            "anonymousPullEnabled": False,
            "publicNetworkAccess": public_access(s),
            "networkRuleBypassOptions": "AzureServices",
        },
    }, outputs={"login_server": "resource.properties.loginServer"})
    b.registry_id = registry_id
    private_link(b, "acr", "container_registry", registry_id, "registry", ["privatelink.azurecr.io"])

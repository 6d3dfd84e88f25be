# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security: the Key Vault (RBAC, soft delete, purge-protection toggle), the identities, generated secrets.

Secrets are written through ARM once (``key_vault_secret``): a rerun never rotates them and no result shows
them. The PostgreSQL password and the Redis key are added by their components.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import ref
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.private_dns import private_link

OSMO_ADMIN_SECRET = "osmo-admin-password"


def network_acls(s):
    return {"bypass": "AzureServices", "defaultAction": "Allow" if s["public_network_access_enabled"] else "Deny"}


def public_access(s):
    return "Enabled" if s["public_network_access_enabled"] else "Disabled"


def add(b):
    s, n = b.s, b.names
    props = {
        "tenantId": ref("caller", "tenant_id"),
        "sku": {"family": "A", "name": "standard"},
        "enableRbacAuthorization": True,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": s["key_vault_soft_delete_retention_days"],
        "publicNetworkAccess": public_access(s),
        "networkAcls": network_acls(s),
    }
    if s["key_vault_purge_protection_enabled"]:
        # Azure refuses an explicit false, and true cannot be undone.
        props["enablePurgeProtection"] = True
    vault_id = b.arm("key_vault", "Microsoft.KeyVault/vaults", n["key_vault"], {"properties": props},
                     outputs={"uri": "resource.properties.vaultUri"},
                     immutable=["properties.tenantId", "properties.softDeleteRetentionInDays"])
    b.key_vault_id = vault_id
    private_link(b, "kv", "key_vault", vault_id, "vault", ["privatelink.vaultcore.azure.net"])

    identities = [("ml_identity", n["ml_identity"], "AzureML workloads and the AKS compute attach")]
    if s["osmo_identity_enabled"]:
        identities.append(("osmo_identity", n["osmo_identity"], "OSMO services and workflows"))
    if s["aks_enabled"]:
        identities.append(("aks_identity", n["aks_identity"], "AKS control plane"))
    for key, name, what in identities:
        params = dict(name=name, resource_group=b.group, location=b.location)
        if b.tags:
            params["tags"] = dict(b.tags)
        b.add(key, "user_assigned_identity", params, namespace="Microsoft.ManagedIdentity",
              description="identity of %s" % what)

    if s["osmo_admin_secret_enabled"]:
        b.add("osmo_admin_password", "key_vault_secret", dict(
            vault_id=vault_id, name=OSMO_ADMIN_SECRET, generate=dict(length=43, special=False),
            content_type="OSMO admin password"), depends_on=["key_vault"], namespace="Microsoft.KeyVault")

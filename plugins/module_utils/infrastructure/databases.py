# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSMO's state stores: the PostgreSQL flexible server (with its generated admin password in Key Vault) and
Azure Managed Redis (TLS only; its access key copied into Key Vault through ARM's listKeys).

A flexible server runs one operation at a time, so its configuration, databases and firewall rules form a
chain after the server instead of being sent together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import api_for, ref
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.private_dns import private_link

PSQL_ADMIN_SECRET = "psql-admin-password"
REDIS_KEY_SECRET = "redis-primary-key"
REDIS_PORT = 10000


def _tier(sku):
    return {"B": "Burstable", "GP": "GeneralPurpose", "MO": "MemoryOptimized"}[sku.split("_", 1)[0]]


def add_postgresql(b):
    s, n = b.s, b.names
    b.add("postgresql_admin_password", "key_vault_secret", dict(
        vault_id=b.key_vault_id, name=PSQL_ADMIN_SECRET, generate=dict(length=32, special=True),
        content_type="PostgreSQL administrator password"), depends_on=["key_vault"], namespace="Microsoft.KeyVault")
    ha = s["postgresql_high_availability"]
    props = {
        "version": s["postgresql_version"],
        "administratorLogin": s["postgresql_admin_username"],
        "storage": {"storageSizeGB": s["postgresql_storage_mb"] // 1024},
        "backup": {"backupRetentionDays": s["postgresql_backup_retention_days"], "geoRedundantBackup": "Disabled"},
        "highAvailability": {"mode": "ZoneRedundant", "standbyAvailabilityZone": str(ha["standby_zone"])}
        if ha else {"mode": "Disabled"},
        "network": {"publicNetworkAccess": "Enabled" if s["public_network_access_enabled"] else "Disabled"},
        "authConfig": {"passwordAuth": "Enabled"},
    }
    if s["postgresql_zone"] is not None:
        props["availabilityZone"] = str(s["postgresql_zone"])
    server_id = b.arm("postgresql", "Microsoft.DBforPostgreSQL/flexibleServers", n["postgresql"], {
        "location": s["postgresql_location"] or b.location,
        "sku": {"name": re.sub(r"^(B|GP|MO)_", "", s["postgresql_sku"]), "tier": _tier(s["postgresql_sku"])},
        "properties": props,
    }, write_only=[dict(path="properties.administratorLoginPassword", secret="postgresql_admin_password")],
        outputs={"fqdn": "resource.properties.fullyQualifiedDomainName"},
        immutable=["properties.administratorLogin", "properties.availabilityZone"])
    private_link(b, "psql", "postgresql", server_id, "postgresqlServer", ["privatelink.postgres.database.azure.com"])

    previous = "postgresql"
    chain = []
    if s["postgresql_extensions"]:
        chain.append(("postgresql_extensions", "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
                      "azure.extensions", {"properties": {"value": ",".join(s["postgresql_extensions"]),
                                                          "source": "user-override"}}))
    for name, database in sorted((s["postgresql_databases"] or {}).items()):
        database = database or {}
        chain.append(("postgresql_database_" + re.sub(r"[^a-z0-9]", "_", name.lower()),
                      "Microsoft.DBforPostgreSQL/flexibleServers/databases", name, {"properties": {
                          "charset": database.get("charset", "utf8"),
                          "collation": database.get("collation", "en_US.utf8")}}))
    if s["public_network_access_enabled"]:
        chain.append(("postgresql_firewall_azure", "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
                      "AllowAzureServices", {"properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}))
        if s["nat_gateway_enabled"] and not s["private_endpoints_enabled"]:
            egress = ref("nat_public_ip", "resource.properties.ipAddress")
            chain.append(("postgresql_firewall_nat", "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
                          "AllowNatGatewayEgress", {"properties": {"startIpAddress": egress, "endIpAddress": egress}}))
    for key, resource_type, name, body in chain:
        b.arm(key, resource_type, (n["postgresql"], name), body, depends_on=[previous])
        previous = key


def add_redis(b):
    s, n = b.s, b.names
    cluster_id = b.arm("redis", "Microsoft.Cache/redisEnterprise", n["redis"], {
        "sku": {"name": s["redis_sku"]},
        "properties": {"minimumTlsVersion": "1.2",
                       "highAvailability": "Enabled" if s["redis_high_availability_enabled"] else "Disabled",
                       "publicNetworkAccess": "Enabled" if s["public_network_access_enabled"] else "Disabled"},
    }, outputs={"hostname": "resource.properties.hostName"})
    database_id = b.arm("redis_database", "Microsoft.Cache/redisEnterprise/databases", (n["redis"], "default"), {
        "properties": {"clientProtocol": "Encrypted", "port": REDIS_PORT,
                       "clusteringPolicy": s["redis_clustering_policy"], "evictionPolicy": "VolatileLRU",
                       "accessKeysAuthentication": "Enabled"},
    }, depends_on=["redis"], immutable=["properties.clusteringPolicy", "properties.port"])
    b.add("redis_primary_key", "key_vault_secret", dict(
        vault_id=b.key_vault_id, name=REDIS_KEY_SECRET, content_type="Azure Managed Redis access key",
        value_from=dict(action_id=database_id + "/listKeys", api_version=api_for("Microsoft.Cache/redisEnterprise"),
                        field="primaryKey")), depends_on=["key_vault", "redis_database"], namespace="Microsoft.KeyVault")
    private_link(b, "redis", "redis", cluster_id, "redisEnterprise", ["privatelink.redis.azure.net"])

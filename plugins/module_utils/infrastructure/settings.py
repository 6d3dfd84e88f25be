# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's inventory variables: defaults, the network modes, and every check before any request.

``settings(variables)`` takes the inventory's variables (any mapping, e.g. ``hostvars[inventory_hostname]``),
reads the ones listed in ``DEFAULTS`` (the reference's ``terraform.tfvars`` variables under clear names, see
docs/infrastructure.md), applies the defaults and the network mode, derives names and the subnet layout, and
raises ``InventoryError`` listing every problem, each naming its variable. Pure Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.naming import (
    PLATFORM,
    NamingError,
    platform_names,
    resource_name,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import (
    DEFAULT_NODE_POOLS,
    all_pool_settings,
    node_pool_problems,
    node_pool_subnets,
)

NETWORK_MODES = ("full-private", "hybrid", "public")

# Regions without availability zones (zones must be empty there); regions not listed are not checked.
REGIONS_WITHOUT_ZONES = (
    "westus", "northcentralus", "westcentralus", "canadaeast", "ukwest", "francesouth", "germanynorth", "norwaywest",
    "switzerlandwest", "swedensouth", "australiasoutheast", "australiacentral", "australiacentral2", "japanwest",
    "koreasouth", "southindia", "westindia", "jioindiawest", "jioindiacentral", "southafricawest", "uaecentral",
    "brazilsoutheast",
)

AML_ISOLATION_MODES = ("Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound")
POSTGRESQL_VERSIONS = ("13", "14", "15", "16", "17")
REDIS_CLUSTERING = ("EnterpriseCluster", "OSSCluster")
WEEK_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DEFAULT_PROVIDERS = (
    "Microsoft.ContainerService", "Microsoft.Network", "Microsoft.KeyVault", "Microsoft.Storage",
    "Microsoft.ContainerRegistry", "Microsoft.OperationalInsights", "Microsoft.Insights", "Microsoft.Monitor",
    "Microsoft.Dashboard", "Microsoft.MachineLearningServices", "Microsoft.DBforPostgreSQL", "Microsoft.Cache",
    "Microsoft.ManagedIdentity", "Microsoft.KubernetesConfiguration",
)

# Inventory variable -> default. ``None`` means "derived" (see settings()).
DEFAULTS = dict(
    azure_subscription_id=None,
    environment_name=None,
    location=None,
    resource_prefix=None,
    instance="001",
    resource_group_name=None,
    resource_group_create=True,
    resource_tags={},
    # Network: the mode sets the defaults of the three toggles after it.
    network_mode="full-private",
    private_endpoints_enabled=None,
    aks_private_cluster_enabled=None,
    public_network_access_enabled=None,
    vnet_address_space=["10.0.0.0/16"],
    subnet_prefix_main="10.0.1.0/24",
    subnet_prefix_private_endpoints="10.0.2.0/24",
    subnet_prefix_gateway="10.0.3.0/27",
    subnet_prefix_vm="10.0.4.0/24",
    subnet_prefix_aks="10.0.5.0/24",
    subnet_prefix_dns_resolver="10.0.9.0/28",
    vm_subnet_enabled=False,
    nat_gateway_enabled=True,
    nat_gateway_zones=["1"],
    dns_resolver_enabled=None,
    resource_providers_enabled=True,
    resource_providers=list(DEFAULT_PROVIDERS),
    # AKS
    aks_enabled=True,
    aks_kubernetes_version=None,
    aks_system_pool=dict(vm_size="Standard_D8ds_v5", node_count=1, enable_auto_scaling=False, min_count=None,
                         max_count=None, zones=[], os_disk_size_gb=128, os_disk_type="Ephemeral"),
    aks_service_cidr="172.16.0.0/16",
    aks_dns_service_ip="172.16.0.10",
    aks_pod_cidr="10.244.0.0/16",
    aks_private_dns_zone_enabled=True,
    aks_defender_enabled=False,
    aks_current_user_admin=True,
    node_pools=copy.deepcopy(DEFAULT_NODE_POOLS),
    # Security
    key_vault_purge_protection_enabled=False,
    key_vault_soft_delete_retention_days=7,
    current_user_key_vault_admin=True,
    current_user_storage_blob_contributor=True,
    current_user_grafana_admin=True,
    # Storage and registry
    storage_shared_key_enabled=False,
    storage_containers=["ml-workspace", "osmo"],
    data_lake_enabled=False,
    data_lake_containers=["datasets", "models", "evaluation"],
    storage_lifecycle=dict(raw_delete_after_days=30, converted_cool_after_days=90, reports_cool_after_days=30,
                           reports_archive_after_days=180),
    container_registry_sku="Premium",
    # Observability
    log_analytics_retention_days=30,
    monitor_workspace_enabled=True,
    grafana_enabled=True,
    grafana_major_version="12",
    dce_enabled=True,
    ampls_enabled=True,
    # AzureML
    aml_workspace_name_suffix=None,
    aml_managed_network_isolation_mode="AllowOnlyApprovedOutbound",
    aml_diagnostic_logs_enabled=True,
    aml_compute_clusters={},
    # PostgreSQL
    postgresql_enabled=True,
    postgresql_version="16",
    postgresql_sku="GP_Standard_D2s_v3",
    postgresql_storage_mb=32768,
    postgresql_admin_username="psqladmin",
    postgresql_zone=None,
    postgresql_high_availability=None,
    postgresql_location=None,
    postgresql_extensions=["HSTORE", "UUID-OSSP", "PG_STAT_STATEMENTS"],
    postgresql_databases={"osmo": {"collation": "en_US.utf8", "charset": "utf8"}},
    postgresql_backup_retention_days=7,
    # Azure Managed Redis
    redis_enabled=True,
    redis_sku="Balanced_B10",
    redis_clustering_policy="EnterpriseCluster",
    redis_high_availability_enabled=False,
    # OSMO identity, federation and secrets
    osmo_identity_enabled=True,
    osmo_federation_enabled=True,
    osmo_admin_secret_enabled=True,
    osmo_control_plane_namespace="osmo-control-plane",
    osmo_operator_namespace="osmo-operator",
    osmo_workflows_namespace="osmo-workflows",
    ml_federation_enabled=True,
    ml_federated_service_accounts=["azureml:default", "azureml:training"],
    # VPN (point-to-site with Entra ID and/or a root certificate, site-to-site connections)
    vpn_enabled=False,
    vpn_gateway_sku="VpnGw1AZ",
    vpn_gateway_generation="Generation1",
    vpn_public_ip_zones=["1", "2", "3"],
    vpn_client_address_pool="192.168.200.0/24",
    vpn_entra_auth_enabled=True,
    vpn_entra_audience="c632b3df-fb67-4d84-bdcf-b95ad541b5c8",
    vpn_root_certificate=None,
    vpn_revoked_certificates=[],
    vpn_site_connections=[],
    # Private DNS name of the OSMO UI/API (a fixed internal load-balancer IP of the OSMO ingress)
    osmo_dns_enabled=False,
    osmo_private_dns_zone_name="osmo.local",
    osmo_hostname="dev",
    osmo_ingress_private_ip=None,
    # Morning start-up automation (PostgreSQL, then AKS)
    startup_automation_enabled=False,
    startup_schedule=dict(time="13:00", timezone="UTC", week_days=list(WEEK_DAYS[:5])),
)

BOOLEANS = sorted(k for k, v in DEFAULTS.items() if isinstance(v, bool)) + [
    "private_endpoints_enabled", "aks_private_cluster_enabled", "public_network_access_enabled", "dns_resolver_enabled"]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOCATION = re.compile(r"^[a-z][a-z0-9]+$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")


class InventoryError(ValueError):
    def __init__(self, problems):
        super(InventoryError, self).__init__("%d problem(s) in the inventory: %s" % (len(problems), "; ".join(problems)))
        self.problems = list(problems)


def _net(value):
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def read(variables):
    """The known variables from ``variables`` (defaults for the missing ones), a new dict."""
    result = {}
    for name, default in DEFAULTS.items():
        value = variables.get(name) if hasattr(variables, "get") else None
        result[name] = copy.deepcopy(default) if value is None else copy.deepcopy(value)
    return result


def _mode_defaults(s):
    mode = s["network_mode"]
    if s["private_endpoints_enabled"] is None:
        s["private_endpoints_enabled"] = mode in ("full-private", "hybrid")
    if s["aks_private_cluster_enabled"] is None:
        s["aks_private_cluster_enabled"] = mode == "full-private"
    if s["public_network_access_enabled"] is None:
        s["public_network_access_enabled"] = mode == "public"
    if s["dns_resolver_enabled"] is None:
        s["dns_resolver_enabled"] = bool(s["private_endpoints_enabled"])


def problems_of(s):
    """Every problem of the read settings ``s``, each naming its variable."""
    problems = []
    add = problems.append
    for name in ("azure_subscription_id", "environment_name", "location", "resource_prefix"):
        if s[name] in (None, ""):
            add("%s is required" % name)
    if s["azure_subscription_id"] and not _GUID.match(str(s["azure_subscription_id"])):
        add("azure_subscription_id=%r must be a subscription ID (a GUID)" % s["azure_subscription_id"])
    if s["location"] and not _LOCATION.match(str(s["location"])):
        add("location=%r must be an Azure region name such as westus3 (lowercase, no spaces)" % s["location"])
    if s["network_mode"] not in NETWORK_MODES:
        add("network_mode=%r is not a network mode; use one of %s" % (s["network_mode"], ", ".join(NETWORK_MODES)))
    for name in BOOLEANS:
        if s[name] is not None and not isinstance(s[name], bool):
            add("%s=%r must be true or false" % (name, s[name]))
    if problems:
        return problems
    _mode_defaults(s)
    mode = s["network_mode"]
    if mode in ("full-private", "hybrid") and not s["private_endpoints_enabled"]:
        add("private_endpoints_enabled=false contradicts network_mode=%s: private services are only reachable through "
            "private endpoints; use network_mode=public or enable private endpoints" % mode)
    if mode != "full-private" and s["aks_private_cluster_enabled"]:
        add("aks_private_cluster_enabled=true contradicts network_mode=%s: a private API server is the full-private "
            "mode" % mode)
    if mode == "full-private" and not s["aks_private_cluster_enabled"]:
        add("aks_private_cluster_enabled=false contradicts network_mode=full-private; use network_mode=hybrid for a "
            "public API server with private services")
    if mode != "public" and s["public_network_access_enabled"]:
        add("public_network_access_enabled=true contradicts network_mode=%s" % mode)
    if s["dns_resolver_enabled"] and not s["private_endpoints_enabled"]:
        add("dns_resolver_enabled=true needs private_endpoints_enabled: the resolver serves the private DNS zones")
    if not isinstance(s["resource_tags"], dict) or not all(isinstance(v, str) for v in s["resource_tags"].values()):
        add("resource_tags must be a mapping of tag name to string value")

    try:
        s["names"] = platform_names(s["resource_prefix"], s["environment_name"], s["instance"],
                                    workspace_suffix=s["aml_workspace_name_suffix"],
                                    resource_group=s["resource_group_name"])
    except NamingError:
        s["names"] = None
        problems.extend(naming_problems(s))

    problems.extend(_network_problems(s))
    problems.extend(_aks_problems(s))
    problems.extend(_service_problems(s))
    return problems


def naming_problems(s):
    """Every derived name Azure would refuse (not only the first), naming the variables to change."""
    found = []
    kinds = [(kind, qualifier, None) for kind, qualifier in PLATFORM.values()]
    kinds.append(("machine_learning_workspace", None, s["aml_workspace_name_suffix"]))
    for kind, qualifier, suffix in kinds:
        try:
            resource_name(kind, s["resource_prefix"], s["environment_name"], s["instance"], qualifier, suffix)
        except NamingError as exc:
            if str(exc) not in found:
                found.append(str(exc))
    return found


def _zones_supported(s):
    return s["location"] not in REGIONS_WITHOUT_ZONES


def _zone_list_problems(name, zones, s):
    if not isinstance(zones, list) or any(str(z) not in ("1", "2", "3") for z in zones):
        return ["%s=%r must be a list of availability zones 1, 2, 3 (or [])" % (name, zones)]
    if zones and not _zones_supported(s):
        return ["%s=%r: %s has no availability zones; set %s: []" % (name, zones, s["location"], name)]
    return []


def subnet_layout(s):
    """name-in-messages -> prefix of the platform's own subnets (enabled ones only)."""
    layout = {"main": ("subnet_prefix_main", s["subnet_prefix_main"])}
    if s["private_endpoints_enabled"]:
        layout["private endpoint"] = ("subnet_prefix_private_endpoints", s["subnet_prefix_private_endpoints"])
    if s["vpn_enabled"]:
        layout["gateway"] = ("subnet_prefix_gateway", s["subnet_prefix_gateway"])
    if s["vm_subnet_enabled"]:
        layout["VM"] = ("subnet_prefix_vm", s["subnet_prefix_vm"])
    if s["aks_enabled"]:
        layout["AKS system"] = ("subnet_prefix_aks", s["subnet_prefix_aks"])
    if s["dns_resolver_enabled"]:
        layout["DNS resolver"] = ("subnet_prefix_dns_resolver", s["subnet_prefix_dns_resolver"])
    return layout


def _network_problems(s):
    problems = []
    add = problems.append
    space = s["vnet_address_space"]
    vnet = []
    if not isinstance(space, list) or not space:
        add("vnet_address_space must be a list of CIDR prefixes such as [\"10.0.0.0/16\"]")
    else:
        for prefix in space:
            net = _net(prefix)
            if net is None:
                add("vnet_address_space entry %r is not a valid CIDR prefix (address/length with no host bits set)"
                    % (prefix,))
            else:
                vnet.append(net)
    seen = []
    for label, (name, prefix) in sorted(subnet_layout(s).items(), key=lambda item: item[1][0]):
        net = _net(prefix)
        if net is None:
            add("%s=%r is not a valid CIDR prefix (address/length with no host bits set)" % (name, prefix))
            continue
        if vnet and not any(net.version == v.version and net.subnet_of(v) for v in vnet):
            add("%s=%s lies outside vnet_address_space (%s)" % (name, prefix, ", ".join(str(v) for v in vnet)))
        for other_name, other in seen:
            if net.overlaps(other):
                add("%s=%s overlaps %s=%s" % (name, prefix, other_name, other))
        seen.append((name, net))
    if s["dns_resolver_enabled"]:
        net = _net(s["subnet_prefix_dns_resolver"])
        if net is not None and not 24 <= net.prefixlen <= 28:
            add("subnet_prefix_dns_resolver=%s must be between /28 and /24 (a DNS resolver's requirement)" % net)
    if s["vpn_enabled"]:
        net = _net(s["subnet_prefix_gateway"])
        if net is not None and net.prefixlen > 27:
            add("subnet_prefix_gateway=%s must be /27 or larger for a VPN gateway" % net)
        pool = _net(s["vpn_client_address_pool"])
        if pool is None:
            add("vpn_client_address_pool=%r is not a valid CIDR prefix" % (s["vpn_client_address_pool"],))
        elif any(pool.overlaps(v) for v in vnet):
            add("vpn_client_address_pool=%s overlaps vnet_address_space" % pool)
        problems.extend(_zone_list_problems("vpn_public_ip_zones", s["vpn_public_ip_zones"], s))
        if not s["vpn_entra_auth_enabled"] and not s["vpn_root_certificate"]:
            add("vpn_enabled=true needs a way to sign in: vpn_entra_auth_enabled=true or vpn_root_certificate "
                "({name, public_cert_data})")
        cert = s["vpn_root_certificate"]
        if cert is not None and (not isinstance(cert, dict) or not cert.get("public_cert_data")):
            add("vpn_root_certificate must be {name, public_cert_data} (the base64 public certificate)")
        if s["vpn_entra_auth_enabled"] and not _GUID.match(str(s["vpn_entra_audience"])):
            add("vpn_entra_audience=%r must be the application ID (a GUID) of the Azure VPN client"
                % s["vpn_entra_audience"])
        for index, site in enumerate(s["vpn_site_connections"] or []):
            where = "vpn_site_connections[%d]" % index
            if not isinstance(site, dict) or not site.get("name") or not site.get("gateway_address") \
                    or not site.get("address_spaces") or not site.get("shared_key"):
                add("%s needs name, gateway_address, address_spaces and shared_key" % where)
                continue
            for prefix in site["address_spaces"]:
                net = _net(prefix)
                if net is None:
                    add("%s.address_spaces entry %r is not a valid CIDR prefix" % (where, prefix))
                elif any(net.overlaps(v) for v in vnet):
                    add("%s.address_spaces entry %s overlaps vnet_address_space" % (where, prefix))
    if s["nat_gateway_enabled"]:
        problems.extend(_zone_list_problems("nat_gateway_zones", s["nat_gateway_zones"], s))
    if s["osmo_dns_enabled"]:
        ip = s["osmo_ingress_private_ip"]
        try:
            address = ipaddress.ip_address(str(ip))
        except ValueError:
            add("osmo_ingress_private_ip=%r must be the private IP the OSMO ingress load balancer uses (required with "
                "osmo_dns_enabled)" % (ip,))
        else:
            aks = _net(s["subnet_prefix_aks"])
            if aks is not None and address not in aks:
                add("osmo_ingress_private_ip=%s must lie in subnet_prefix_aks (%s), where the internal load balancer "
                    "gets its address" % (ip, aks))
    return problems


def _aks_problems(s):
    if not s["aks_enabled"]:
        return []
    problems = []
    add = problems.append
    other = dict((label, prefix) for label, (_name, prefix) in subnet_layout(s).items())
    problems.extend(node_pool_problems(s["node_pools"], s["vnet_address_space"] if isinstance(
        s["vnet_address_space"], list) else (), other, _zones_supported(s)))
    system = s["aks_system_pool"]
    if not isinstance(system, dict):
        add("aks_system_pool must be a mapping (vm_size, node_count, enable_auto_scaling, min_count, max_count, zones)")
    else:
        merged = dict(DEFAULTS["aks_system_pool"], **system)
        s["aks_system_pool"] = merged
        if not _VM_SIZE.match(str(merged["vm_size"])):
            add("aks_system_pool.vm_size=%r must be an Azure VM size" % merged["vm_size"])
        if merged["enable_auto_scaling"]:
            low, high = merged["min_count"], merged["max_count"]
            if not (_is_int(low) and _is_int(high)) or low < 1 or low > high:
                add("aks_system_pool: min_count (%r) and max_count (%r) must be numbers with 1 <= min_count <= "
                    "max_count when enable_auto_scaling is true" % (low, high))
        elif not _is_int(merged["node_count"]) or merged["node_count"] < 1:
            add("aks_system_pool.node_count=%r must be at least 1" % merged["node_count"])
        problems.extend(_zone_list_problems("aks_system_pool.zones", merged["zones"], s))
    service = _net(s["aks_service_cidr"])
    if service is None:
        add("aks_service_cidr=%r is not a valid CIDR prefix" % (s["aks_service_cidr"],))
    else:
        for prefix in s["vnet_address_space"] if isinstance(s["vnet_address_space"], list) else []:
            net = _net(prefix)
            if net is not None and net.overlaps(service):
                add("aks_service_cidr=%s overlaps vnet_address_space (%s): Kubernetes services need their own range"
                    % (service, net))
        try:
            if ipaddress.ip_address(str(s["aks_dns_service_ip"])) not in service:
                add("aks_dns_service_ip=%s must lie in aks_service_cidr (%s)" % (s["aks_dns_service_ip"], service))
        except ValueError:
            add("aks_dns_service_ip=%r is not an IP address" % (s["aks_dns_service_ip"],))
    pod = _net(s["aks_pod_cidr"])
    if pod is None:
        add("aks_pod_cidr=%r is not a valid CIDR prefix" % (s["aks_pod_cidr"],))
    elif service is not None and pod.overlaps(service):
        add("aks_pod_cidr=%s overlaps aks_service_cidr=%s" % (pod, service))
    version = s["aks_kubernetes_version"]
    if version is not None and not re.match(r"^\d+\.\d+(\.\d+)?$", str(version)):
        add("aks_kubernetes_version=%r must be empty (latest stable), a minor such as 1.33 or a patch such as 1.33.2"
            % (version,))
    for name in ("osmo_control_plane_namespace", "osmo_operator_namespace", "osmo_workflows_namespace"):
        if not _NAMESPACE.match(str(s[name])):
            add("%s=%r must be a Kubernetes namespace name" % (name, s[name]))
    for entry in s["ml_federated_service_accounts"] or []:
        parts = str(entry).split(":")
        if len(parts) != 2 or not all(_NAMESPACE.match(p) for p in parts):
            add("ml_federated_service_accounts entry %r must be namespace:serviceaccount" % (entry,))
    return problems


def _service_problems(s):
    problems = []
    add = problems.append
    if not _is_int(s["log_analytics_retention_days"]) or not 30 <= s["log_analytics_retention_days"] <= 730:
        add("log_analytics_retention_days=%r must be between 30 and 730" % (s["log_analytics_retention_days"],))
    if not _is_int(s["key_vault_soft_delete_retention_days"]) or not 7 <= s["key_vault_soft_delete_retention_days"] <= 90:
        add("key_vault_soft_delete_retention_days=%r must be between 7 and 90"
            % (s["key_vault_soft_delete_retention_days"],))
    if s["container_registry_sku"] not in ("Basic", "Standard", "Premium"):
        add("container_registry_sku=%r must be Basic, Standard or Premium" % (s["container_registry_sku"],))
    if s["private_endpoints_enabled"] and s["container_registry_sku"] != "Premium":
        add("container_registry_sku=%s: private endpoints need the Premium registry SKU" % s["container_registry_sku"])
    for name, items in (("storage_containers", s["storage_containers"]), ("data_lake_containers", s["data_lake_containers"])):
        for item in items or []:
            if not re.match(r"^[a-z0-9](?!.*--)[-a-z0-9]{1,61}[a-z0-9]$", str(item)):
                add("%s entry %r is not a valid container name (3-63 lowercase letters, digits and '-')" % (name, item))
    lifecycle = s["storage_lifecycle"] or {}
    for key, value in sorted(lifecycle.items()):
        if key not in DEFAULTS["storage_lifecycle"]:
            add("storage_lifecycle.%s is not a lifecycle rule; known: %s" % (key, ", ".join(DEFAULTS["storage_lifecycle"])))
        elif value is not None and (not _is_int(value) or value < 1):
            add("storage_lifecycle.%s=%r must be a number of days (or null to turn the rule off)" % (key, value))
    if s["aml_managed_network_isolation_mode"] not in AML_ISOLATION_MODES:
        add("aml_managed_network_isolation_mode=%r must be one of %s"
            % (s["aml_managed_network_isolation_mode"], ", ".join(AML_ISOLATION_MODES)))
    clusters = s["aml_compute_clusters"]
    if not isinstance(clusters, dict):
        add("aml_compute_clusters must be a mapping of cluster name to settings")
        clusters = {}
    for name, cluster in sorted(clusters.items()):
        where = "aml_compute_clusters.%s" % name
        cluster = cluster or {}
        if not re.match(r"^[a-zA-Z][-a-zA-Z0-9]{1,15}$", str(name)):
            add("%s: the name must be 2-16 letters, digits or '-' starting with a letter" % where)
        if not _VM_SIZE.match(str(cluster.get("vm_size"))):
            add("%s.vm_size=%r must be an Azure VM size" % (where, cluster.get("vm_size")))
        if cluster.get("vm_priority", "Dedicated") not in ("Dedicated", "LowPriority"):
            add("%s.vm_priority=%r must be Dedicated or LowPriority" % (where, cluster.get("vm_priority")))
        low, high = cluster.get("min_nodes", 0), cluster.get("max_nodes", 1)
        if not (_is_int(low) and _is_int(high)) or low < 0 or low > high:
            add("%s: min_nodes (%r) must not be greater than max_nodes (%r)" % (where, low, high))
        if cluster.get("subnet") and s["aml_managed_network_isolation_mode"] != "Disabled":
            add("%s.subnet is only allowed with aml_managed_network_isolation_mode=Disabled" % where)
    if s["postgresql_enabled"]:
        if str(s["postgresql_version"]) not in POSTGRESQL_VERSIONS:
            add("postgresql_version=%r must be one of %s" % (s["postgresql_version"], ", ".join(POSTGRESQL_VERSIONS)))
        if not re.match(r"^(B|GP|MO)_Standard_[A-Za-z0-9_]+$", str(s["postgresql_sku"])):
            add("postgresql_sku=%r must look like GP_Standard_D2s_v3 (tier prefix B_, GP_ or MO_)" % (s["postgresql_sku"],))
        if s["postgresql_storage_mb"] not in (32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304,
                                              8388608, 16777216, 33553408):
            add("postgresql_storage_mb=%r must be one of the flexible server sizes (32768, 65536, ... MB)"
                % (s["postgresql_storage_mb"],))
        zone = s["postgresql_zone"]
        if zone is not None:
            if str(zone) not in ("1", "2", "3"):
                add("postgresql_zone=%r must be 1, 2 or 3" % (zone,))
            elif not _zones_supported(s) and not s["postgresql_location"]:
                add("postgresql_zone=%r: %s has no availability zones; leave it empty" % (zone, s["location"]))
        ha = s["postgresql_high_availability"]
        if ha is not None:
            if not isinstance(ha, dict) or str(ha.get("standby_zone")) not in ("1", "2", "3"):
                add("postgresql_high_availability must be {standby_zone: 1|2|3} (zone-redundant HA)")
            elif zone is not None and str(ha["standby_zone"]) == str(zone):
                add("postgresql_high_availability.standby_zone must differ from postgresql_zone")
            if s["postgresql_sku"].startswith("B_"):
                add("postgresql_high_availability needs a General Purpose or Memory Optimized postgresql_sku")
        if not isinstance(s["postgresql_databases"], dict):
            add("postgresql_databases must be a mapping of database name to {collation, charset}")
        if not re.match(r"^[a-z_][a-z0-9_]{0,62}$", str(s["postgresql_admin_username"])) or \
                s["postgresql_admin_username"] in ("admin", "administrator", "root", "azure_superuser", "guest",
                                                   "public", "azure_pg_admin"):
            add("postgresql_admin_username=%r is not allowed (lowercase letters, digits, '_'; not a reserved name)"
                % (s["postgresql_admin_username"],))
    if s["redis_enabled"]:
        if not re.match(r"^(Balanced_B|MemoryOptimized_M|ComputeOptimized_X|FlashOptimized_A|Enterprise_E|"
                        r"EnterpriseFlash_F)\d+$", str(s["redis_sku"])):
            add("redis_sku=%r is not an Azure Managed Redis SKU (e.g. Balanced_B10)" % (s["redis_sku"],))
        if s["redis_clustering_policy"] not in REDIS_CLUSTERING:
            add("redis_clustering_policy=%r must be EnterpriseCluster or OSSCluster" % (s["redis_clustering_policy"],))
    if s["startup_automation_enabled"]:
        schedule = s["startup_schedule"] or {}
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", str(schedule.get("time"))):
            add("startup_schedule.time=%r must be HH:MM" % (schedule.get("time"),))
        if not schedule.get("week_days") or any(d not in WEEK_DAYS for d in schedule.get("week_days") or []):
            add("startup_schedule.week_days must list days such as Monday")
        if not s["aks_enabled"] and not s["postgresql_enabled"]:
            add("startup_automation_enabled=true has nothing to start (aks_enabled and postgresql_enabled are false)")
    if s["grafana_enabled"] and str(s["grafana_major_version"]) not in ("10", "11", "12"):
        add("grafana_major_version=%r must be 10, 11 or 12" % (s["grafana_major_version"],))
    if s["ampls_enabled"] and not s["private_endpoints_enabled"] and s["network_mode"] != "public":
        add("ampls_enabled=true needs private endpoints")
    for namespace in s["resource_providers"] or []:
        if not re.match(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$", str(namespace)):
            add("resource_providers entry %r must look like Microsoft.ContainerService" % (namespace,))
    return problems


def settings(variables):
    """The validated settings of the platform (raises InventoryError naming every bad variable)."""
    s = read(variables)
    problems = problems_of(s)
    if problems:
        raise InventoryError(problems)
    s["location"] = str(s["location"])
    # Shared keys stay out of the settings (they are shown at -vvv): the no_log secret_values carry them.
    s["vpn_site_connections"] = [dict((k, v) for k, v in site.items() if k != "shared_key")
                                 for site in s["vpn_site_connections"] or []]
    if s["startup_automation_enabled"] and "Microsoft.Automation" not in s["resource_providers"]:
        s["resource_providers"] = list(s["resource_providers"]) + ["Microsoft.Automation"]
    s["postgresql_version"] = str(s["postgresql_version"])
    s["grafana_major_version"] = str(s["grafana_major_version"])
    s["ampls_enabled"] = bool(s["ampls_enabled"] and s["private_endpoints_enabled"])
    s["aks_private_dns_zone_enabled"] = bool(s["aks_private_dns_zone_enabled"] and s["private_endpoints_enabled"]
                                             and s["aks_private_cluster_enabled"] and s["aks_enabled"])
    s["node_pool_list"] = all_pool_settings(s["node_pools"]) if s["aks_enabled"] else []
    s["subnets"] = derived_subnets(s)
    s["dns_resolver_ip"] = resolver_ip(s) if s["dns_resolver_enabled"] else None
    return s


def resolver_ip(s):
    """The DNS resolver inbound endpoint's static IP: the first address Azure lets a subnet use (.4)."""
    return str(ipaddress.ip_network(s["subnet_prefix_dns_resolver"])[4])


def derived_subnets(s):
    """The VNet's subnets: ``[{key, name, prefixes, nsg, nat, delegation, private_endpoints}]``."""
    n = s["names"]
    suffix = n["suffix"]
    nat = bool(s["nat_gateway_enabled"])
    subnets = [dict(key="main", name="snet-%s" % suffix, prefixes=[s["subnet_prefix_main"]], nsg=True, nat=nat)]
    if s["private_endpoints_enabled"]:
        subnets.append(dict(key="private_endpoints", name="snet-pe-%s" % suffix,
                            prefixes=[s["subnet_prefix_private_endpoints"]], nsg=True, nat=False,
                            private_endpoints=True))
    if s["vm_subnet_enabled"]:
        subnets.append(dict(key="vm", name="snet-isaaclab-vm-%s" % suffix, prefixes=[s["subnet_prefix_vm"]],
                            nsg=True, nat=nat))
    if s["dns_resolver_enabled"]:
        subnets.append(dict(key="dns_resolver", name="snet-dnspr-%s" % suffix,
                            prefixes=[s["subnet_prefix_dns_resolver"]], nsg=True, nat=False,
                            delegation="Microsoft.Network/dnsResolvers"))
    if s["vpn_enabled"]:
        # Azure requires this exact name and allows no NSG on it.
        subnets.append(dict(key="gateway", name="GatewaySubnet", prefixes=[s["subnet_prefix_gateway"]], nsg=False,
                            nat=False))
    if s["aks_enabled"]:
        subnets.append(dict(key="aks", name="snet-aks-%s" % suffix, prefixes=[s["subnet_prefix_aks"]], nsg=True,
                            nat=nat))
        for pool in node_pool_subnets(s["node_pools"], suffix):
            subnets.append(dict(key="pool_" + pool["pool"], name=pool["name"], prefixes=pool["address_prefixes"],
                                nsg=True, nat=nat, pool=pool["pool"]))
    return subnets

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AKS managed clusters: options, validation before any request, and the run of the desired-state engine.

Shared by the ``aks_cluster`` module and the ``arm_resources`` graph (kind ``aks_cluster``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.aks import (
    CRITICAL_ADDONS_TAINT,
    POOL_FIELDS,
    POOL_IMMUTABLE,
    POOL_OPTIONS,
    default_dns_prefix,
    finalize_pool,
    latest_stable_minor,
    normalize_pool,
    pool_body,
    pool_problems,
    version_tuple,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AZURE_TAG_ARGS
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import (
    Difference,
    Rules,
    get_path,
    set_path,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import (
    is_resource_id,
    name_problem,
    resource_id,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model, to_rest
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

POOLS = ("properties", "agentPoolProfiles")
AUTHORIZED_IP_RANGES = ("properties", "apiServerAccessProfile", "authorizedIPRanges")
DEFENDER = ("properties", "securityProfile", "defender")
DEFENDER_ENABLED = DEFENDER + ("securityMonitoring", "enabled")
DEFENDER_WORKSPACE = DEFENDER + ("logAnalyticsWorkspaceResourceId",)


def _flag(value):
    return None if value is None else ("true" if value else "false")


FIELDS = FieldMap(
    Field("location", ("location",)),
    Field("tags", ("tags",)),
    Field("kubernetes_version", ("properties", "kubernetesVersion"), build=False),
    Field("dns_prefix", ("properties", "dnsPrefix")),
    Field("node_resource_group", ("properties", "nodeResourceGroup")),
    Field("sku_tier", ("sku", "tier")),
    Field("user_assigned_identity", ("identity",), build=False),
    Field("auto_upgrade_channel", ("properties", "autoUpgradeProfile", "upgradeChannel")),
    Field("node_os_upgrade_channel", ("properties", "autoUpgradeProfile", "nodeOSUpgradeChannel")),
    Field("oidc_issuer", ("properties", "oidcIssuerProfile", "enabled")),
    Field("workload_identity", ("properties", "securityProfile", "workloadIdentity", "enabled")),
    Field("entra_id", ("properties", "aadProfile"), build=False),
    Field("entra_id.azure_rbac", ("properties", "aadProfile", "enableAzureRBAC")),
    Field("entra_id.admin_group_object_ids", ("properties", "aadProfile", "adminGroupObjectIDs")),
    Field("entra_id.tenant_id", ("properties", "aadProfile", "tenantID")),
    Field("disable_local_accounts", ("properties", "disableLocalAccounts")),
    Field("network.plugin", ("properties", "networkProfile", "networkPlugin")),
    Field("network.plugin_mode", ("properties", "networkProfile", "networkPluginMode")),
    Field("network.policy", ("properties", "networkProfile", "networkPolicy")),
    Field("network.dataplane", ("properties", "networkProfile", "networkDataplane")),
    Field("network.pod_cidr", ("properties", "networkProfile", "podCidr")),
    Field("network.service_cidr", ("properties", "networkProfile", "serviceCidr")),
    Field("network.dns_service_ip", ("properties", "networkProfile", "dnsServiceIP")),
    Field("network.outbound_type", ("properties", "networkProfile", "outboundType")),
    Field("private_cluster", ("properties", "apiServerAccessProfile", "enablePrivateCluster")),
    Field("private_dns_zone", ("properties", "apiServerAccessProfile", "privateDNSZone")),
    Field("api_server_authorized_ip_ranges", AUTHORIZED_IP_RANGES),
    Field("key_vault_secrets_provider.enabled", ("properties", "addonProfiles", "azureKeyvaultSecretsProvider", "enabled")),
    Field("key_vault_secrets_provider.secret_rotation",
          ("properties", "addonProfiles", "azureKeyvaultSecretsProvider", "config", "enableSecretRotation"), _flag),
    Field("key_vault_secrets_provider.rotation_poll_interval",
          ("properties", "addonProfiles", "azureKeyvaultSecretsProvider", "config", "rotationPollInterval")),
    Field("monitoring.container_insights", ("properties", "addonProfiles", "omsagent", "enabled")),
    Field("monitoring.log_analytics_workspace_id",
          ("properties", "addonProfiles", "omsagent", "config", "logAnalyticsWorkspaceResourceID")),
    Field("monitoring.managed_prometheus", ("properties", "azureMonitorProfile", "metrics", "enabled")),
    Field("defender.enabled", DEFENDER_ENABLED),
    Field("defender.log_analytics_workspace_id", DEFENDER_WORKSPACE),
    Field("system_pool.only_critical_addons", POOLS + ("*", "nodeTaints"), build=False),
    *[Field("system_pool." + option, POOLS + ("*",) + tuple(field.split(".")), build=False)
      for option, field in POOL_FIELDS if option != "mode"]
)

RULES = Rules(
    keyed_lists={POOLS: "name"},
    immutable=[
        ("location",), ("properties", "dnsPrefix"), ("properties", "nodeResourceGroup"),
        ("properties", "apiServerAccessProfile", "enablePrivateCluster"),
        ("properties", "apiServerAccessProfile", "privateDNSZone"),
        ("properties", "networkProfile", "podCidr"), ("properties", "networkProfile", "serviceCidr"),
        ("properties", "networkProfile", "dnsServiceIP"), ("properties", "networkProfile", "networkPluginMode"),
    ] + [POOLS + ("*",) + tuple(f.split(".")) for f in POOL_IMMUTABLE],
    versions=[("properties", "kubernetesVersion"), POOLS + ("*", "orchestratorVersion")],
)

SYSTEM_POOL_OPTIONS = dict((k, v) for k, v in POOL_OPTIONS.items()
                           if k not in ("mode", "priority", "eviction_policy", "spot_max_price", "os_type",
                                        "gpu_driver", "gpu_instance_profile", "orchestrator_version"))
SYSTEM_POOL_OPTIONS.update(name=dict(type="str", default="system"), only_critical_addons=dict(type="bool"),
                           os_sku=dict(type="str", choices=["Ubuntu", "AzureLinux", "Ubuntu2204", "Ubuntu2404",
                                                            "AzureLinux3"]))


def system_pool_body(options, for_create):
    if not options:
        return None
    options = dict(options)
    if options.get("only_critical_addons") is not None:
        taints = [t for t in (options.get("taints") or []) if t != CRITICAL_ADDONS_TAINT]
        if options["only_critical_addons"]:
            taints.append(CRITICAL_ADDONS_TAINT)
        options["taints"] = taints
    body = pool_body(options, for_create=for_create, system=True)
    body = dict({"name": options["name"]}, **body)
    return finalize_pool(body) if for_create else body


def desired_body(p, for_create=False):
    body = FIELDS.desired(p)
    props = body.setdefault("properties", {})
    if p["kubernetes_version"] and p["kubernetes_version"] != "latest":
        props["kubernetesVersion"] = p["kubernetes_version"]
    if p["user_assigned_identity"]:
        body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {p["user_assigned_identity"]: {}}}
    if p["entra_id"] is not None and p["entra_id"]["enabled"]:
        props.setdefault("aadProfile", {})["managed"] = True
    pool = system_pool_body(p["system_pool"], for_create)
    if pool:
        props["agentPoolProfiles"] = [pool]
    if p["sku_tier"]:
        body["sku"] = {"name": "Base", "tier": p["sku_tier"]}
    if not props:
        body.pop("properties")
    return body


def validate(azure, p):
    problem = name_problem("managed cluster", p["name"])
    if problem:
        azure.fail("name=%r is not a valid AKS cluster name: use %s" % (p["name"], problem))
    if p["state"] == "absent":
        return
    version = p["kubernetes_version"]
    if version and version != "latest" and not (version.count(".") in (1, 2) and all(x.isdigit() for x in version.split("."))):
        azure.fail("kubernetes_version=%r must be latest, a minor version such as 1.33 or a patch such as 1.33.2" % version)
    pool = p["system_pool"]
    if pool:
        problem = name_problem("agent pool", pool["name"])
        if problem:
            azure.fail("system_pool.name=%r is not a valid agent pool name: use %s" % (pool["name"], problem))
        problems = pool_problems(pool, prefix="system_pool.", system=True)
        if problems:
            azure.fail("Invalid system_pool options: %s." % "; ".join(problems))
    if p["workload_identity"] and p["oidc_issuer"] is False:
        azure.fail("workload_identity=true needs oidc_issuer=true: workload identity federation trusts the cluster's "
                   "OIDC issuer")
    if p["disable_local_accounts"] and not (p["entra_id"] and p["entra_id"]["enabled"]):
        azure.fail("disable_local_accounts=true needs entra_id (enabled): without local accounts only Entra ID "
                   "identities can sign in")
    if p["entra_id"] and p["entra_id"]["azure_rbac"] and not p["entra_id"]["enabled"]:
        azure.fail("entra_id.azure_rbac=true needs entra_id.enabled=true")
    network = p["network"] or {}
    if network.get("plugin_mode") == "overlay" and network.get("plugin") not in (None, "azure"):
        azure.fail("network.plugin_mode=overlay needs network.plugin=azure")
    if network.get("outbound_type") in ("userAssignedNATGateway", "userDefinedRouting") and \
            not (pool and pool.get("vnet_subnet_id")):
        azure.fail("network.outbound_type=%s needs system_pool.vnet_subnet_id: the NAT gateway or route table is "
                   "attached to your subnet" % network["outbound_type"])
    zone = p["private_dns_zone"]
    if zone:
        if not p["private_cluster"]:
            azure.fail("private_dns_zone needs private_cluster=true")
        if zone.lower() not in ("system", "none"):
            if "/providers/microsoft.network/privatednszones/" not in zone.lower():
                azure.fail("private_dns_zone=%r must be system, none or the resource ID of a private DNS zone" % zone)
            if not p["user_assigned_identity"]:
                azure.fail("private_dns_zone with a zone ID needs user_assigned_identity: AKS writes to your zone "
                           "with the control-plane identity")
    for option in ("user_assigned_identity",):
        if p[option] and not is_resource_id(p[option]):
            azure.fail("%s=%r must be a resource ID (/subscriptions/...)" % (option, p[option]))
    monitoring = p["monitoring"] or {}
    if monitoring.get("container_insights") and not monitoring.get("log_analytics_workspace_id"):
        azure.fail("monitoring.container_insights=true needs monitoring.log_analytics_workspace_id")
    defender = p["defender"] or {}
    if defender.get("enabled") and not defender.get("log_analytics_workspace_id"):
        azure.fail("defender.enabled=true needs defender.log_analytics_workspace_id")
    if defender.get("enabled") is False and defender.get("log_analytics_workspace_id"):
        azure.fail("defender.log_analytics_workspace_id needs defender.enabled=true: AKS keeps no workspace for "
                   "Defender turned off")


def summary(resource):
    if not resource:
        return {}
    props = resource.get("properties") or {}
    kubelet = get_path(props, "identityProfile", "kubeletidentity") or {}
    result = dict(
        fqdn=props.get("fqdn"),
        node_resource_group=props.get("nodeResourceGroup"),
        kubernetes_version=props.get("currentKubernetesVersion") or props.get("kubernetesVersion"),
        kubelet_identity=dict(client_id=kubelet.get("clientId"), object_id=kubelet.get("objectId"),
                              resource_id=kubelet.get("resourceId")),
    )
    if props.get("privateFQDN"):
        result["private_fqdn"] = props["privateFQDN"]
    issuer = get_path(props, "oidcIssuerProfile", "issuerURL")
    if issuer:
        result["oidc_issuer_url"] = issuer
    principal = get_path(resource, "identity", "principalId")
    if principal:
        result["principal_id"] = principal
    return result


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    location=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    kubernetes_version=dict(type="str"),
    dns_prefix=dict(type="str"),
    node_resource_group=dict(type="str"),
    sku_tier=dict(type="str", choices=["Free", "Standard", "Premium"]),
    user_assigned_identity=dict(type="str"),
    auto_upgrade_channel=dict(type="str", choices=["none", "patch", "stable", "rapid", "node-image"]),
    node_os_upgrade_channel=dict(type="str", choices=["None", "Unmanaged", "NodeImage", "SecurityPatch"]),
    oidc_issuer=dict(type="bool"),
    workload_identity=dict(type="bool"),
    entra_id=dict(type="dict", options=dict(
        enabled=dict(type="bool", default=True),
        azure_rbac=dict(type="bool"),
        admin_group_object_ids=dict(type="list", elements="str"),
        tenant_id=dict(type="str"),
    )),
    disable_local_accounts=dict(type="bool"),
    network=dict(type="dict", options=dict(
        plugin=dict(type="str", choices=["azure", "kubenet", "none"]),
        plugin_mode=dict(type="str", choices=["overlay"]),
        policy=dict(type="str", choices=["none", "calico", "azure", "cilium"]),
        dataplane=dict(type="str", choices=["azure", "cilium"]),
        pod_cidr=dict(type="str"),
        service_cidr=dict(type="str"),
        dns_service_ip=dict(type="str"),
        outbound_type=dict(type="str", choices=["loadBalancer", "managedNATGateway", "userAssignedNATGateway",
                                                "userDefinedRouting"]),
    )),
    private_cluster=dict(type="bool"),
    private_dns_zone=dict(type="str"),
    api_server_authorized_ip_ranges=dict(type="list", elements="str"),
    key_vault_secrets_provider=dict(type="dict", no_log=False, options=dict(
        enabled=dict(type="bool", default=True),
        secret_rotation=dict(type="bool"),
        rotation_poll_interval=dict(type="str"),
    )),
    monitoring=dict(type="dict", options=dict(
        container_insights=dict(type="bool"),
        log_analytics_workspace_id=dict(type="str"),
        managed_prometheus=dict(type="bool"),
    )),
    defender=dict(type="dict", options=dict(
        enabled=dict(type="bool", required=True),
        log_analytics_workspace_id=dict(type="str"),
    )),
    system_pool=dict(type="dict", options=SYSTEM_POOL_OPTIONS),
)
ARGUMENT_SPEC.update(AZURE_TAG_ARGS)
MODULE_OPTIONS = dict(wait_options=True)


def run(azure):
    """Creates, updates or deletes the cluster ``azure.params`` describe; returns the module result."""
    p = azure.params
    validate(azure, p)
    client = azure.client("containerservice")
    group, name = p["resource_group"], p["name"]

    def write(body, wait):
        from azure.mgmt.containerservice.models import ManagedCluster

        return client.managed_clusters.begin_create_or_update(group, name, to_model(ManagedCluster, body), polling=wait)

    resource = ArmResource(
        "managed cluster", resource_id(p["subscription_id"], group, "Microsoft.ContainerService", "managedClusters", name),
        read=lambda: client.managed_clusters.get(group, name), write=write,
        remove=lambda wait: client.managed_clusters.begin_delete(group, name, polling=wait),
    )
    rules = RULES
    if p["purge_tags"] and p["tags"] is not None:
        rules = Rules(keyed_lists=RULES.keyed_lists, immutable=RULES.immutable, versions=RULES.versions,
                      replace=[("tags",)])
    engine = DesiredState(azure, resource, rules=rules, fields=FIELDS)
    if p["state"] == "absent":
        return engine.absent()

    desired = desired_body(p)
    create_body = None
    current = engine.current()
    if current is None:
        if not p["location"]:
            azure.fail("location is required to create managed cluster '%s'" % resource.id)
        if not p["system_pool"]:
            azure.fail("system_pool is required to create managed cluster '%s' (AKS needs a System node pool)" % resource.id)
        create_body = desired_body(p, for_create=True)
        props = create_body.setdefault("properties", {})
        if p["kubernetes_version"] == "latest":
            props["kubernetesVersion"] = resolve_latest(azure, client, p["location"], resource)
        props.setdefault("dnsPrefix", default_dns_prefix(name, group, p["subscription_id"]))
        create_body.setdefault("identity", {"type": "SystemAssigned"})

    def check(current, differences):
        props = current.get("properties") or {}
        wanted, have = p["kubernetes_version"], props.get("currentKubernetesVersion") or props.get("kubernetesVersion")
        if wanted and wanted != "latest" and have and version_tuple(wanted)[:2] < version_tuple(have)[:2]:
            azure.fail("kubernetes_version=%s is older than the cluster's Kubernetes %s: AKS cannot downgrade"
                       % (wanted, have), resource_id=resource.id)
        if p["oidc_issuer"] is False and get_path(props, "oidcIssuerProfile", "enabled"):
            azure.fail("oidc_issuer=false: the OIDC issuer of managed cluster '%s' cannot be turned off once on"
                       % resource.id, resource_id=resource.id)

    defender_off = (p["defender"] or {}).get("enabled") is False
    extra = []
    if defender_off and get_path(current, *DEFENDER_WORKSPACE):
        # The API wants no workspace while Defender is off: turning it off clears it.
        extra.append(Difference(DEFENDER_WORKSPACE, get_path(current, *DEFENDER_WORKSPACE), None))

    def finalize(body):
        for pool in get_path(body, *POOLS) or []:
            finalize_pool(pool)
        if defender_off:
            (get_path(body, *DEFENDER) or {}).pop(DEFENDER_WORKSPACE[-1], None)
        return body

    def normalize(current):
        current = copy.deepcopy(current)
        current["properties"] = props = current.get("properties") or {}
        props["agentPoolProfiles"] = [normalize_pool(pool, pool) for pool in props.get("agentPoolProfiles") or []]
        # AKS may leave out what is off or empty: no ranges are an empty list, no Defender is Defender off.
        if p["api_server_authorized_ip_ranges"] == [] and get_path(current, *AUTHORIZED_IP_RANGES) is None:
            set_path(current, AUTHORIZED_IP_RANGES, [])
        if defender_off and get_path(current, *DEFENDER_ENABLED) is None:
            set_path(current, DEFENDER_ENABLED, False)
        return current

    result = engine.present(desired, create_body=create_body, extra_differences=extra, check=check,
                            finalize=finalize, normalize=normalize)
    result.update(summary(result.get("resource")))
    return result


def resolve_latest(azure, client, location, resource):
    try:
        versions = to_rest(client.managed_clusters.list_kubernetes_versions(location))
    except Exception as exc:  # reported with the resource it was for
        azure.fail_azure(exc, "list Kubernetes versions for", resource.describe())
    latest = latest_stable_minor(versions)
    if not latest:
        azure.fail("AKS offers no stable Kubernetes version in %s" % location)
    return latest

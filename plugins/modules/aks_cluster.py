#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aks_cluster
short_description: Create, update or delete an Azure Kubernetes Service cluster
version_added: 0.2.0
description:
  - Makes an AKS managed cluster match the options you set (version and upgrade channels, Entra ID with Azure RBAC,
    OIDC issuer and workload identity, Azure CNI overlay, private API server, Key Vault secrets provider,
    monitoring, Defender, system pool) or deletes it.
  - Only the options you set are compared with Azure, and every difference is reported at once in the diff. A
    rerun with the same options makes one read and no change.
  - Changes AKS cannot make in place (DNS prefix, node resource group, private cluster, network CIDRs, system pool
    VM size or zones, Kubernetes downgrades, disabling the OIDC issuer) are refused with a message naming the
    options, before any change is made.
  - Updates read the cluster, lay the changed fields over it and send it back, as C(az aks update) does; other node
    pools are left alone (manage them with M(azure_robotics.stack.aks_nodepool)).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Cluster name, 1-63 letters, digits, V(-) or V(_).
    type: str
    required: true
  resource_group:
    description: Resource group of the cluster.
    type: str
    required: true
  location:
    description: Azure region. Required to create the cluster; cannot change.
    type: str
  state:
    description: V(present) creates or updates the cluster, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  kubernetes_version:
    description:
      - Kubernetes version, V(1.33) (AKS picks the newest patch) or V(1.33.2), or V(latest) for the newest stable
        version AKS offers in the region.
      - V(latest) is resolved when the cluster is created; an existing cluster is not upgraded by it (use
        O(auto_upgrade_channel) or name a version).
      - Versions only go up; a lower version is refused.
    type: str
  dns_prefix:
    description: DNS prefix of the API server FQDN. Defaults to one derived from name, group and subscription. Cannot change.
    type: str
  node_resource_group:
    description: Name of the resource group AKS creates for the nodes (default C(MC_<group>_<name>_<location>)). Cannot change.
    type: str
  sku_tier:
    description: Control-plane tier; V(Standard) adds the uptime SLA.
    type: str
    choices: [Free, Standard, Premium]
  user_assigned_identity:
    description:
      - Resource ID of the user-assigned identity of the control plane. Without it a system-assigned identity is used.
      - Needed with a custom O(private_dns_zone).
    type: str
  auto_upgrade_channel:
    description: How AKS upgrades Kubernetes by itself.
    type: str
    choices: [none, patch, stable, rapid, node-image]
  node_os_upgrade_channel:
    description: How AKS updates node images and OS packages.
    type: str
    choices: [None, Unmanaged, NodeImage, SecurityPatch]
  oidc_issuer:
    description: Publish an OIDC issuer for workload identity federation. Cannot be turned off once on.
    type: bool
  workload_identity:
    description: Enable Microsoft Entra Workload ID (needs O(oidc_issuer=true)).
    type: bool
  entra_id:
    description: Microsoft Entra ID (AAD) integration of the API server.
    type: dict
    suboptions:
      enabled:
        description: Use AKS-managed Entra ID integration.
        type: bool
        default: true
      azure_rbac:
        description: Authorise Kubernetes requests with Azure RBAC role assignments.
        type: bool
      admin_group_object_ids:
        description: Entra groups that get cluster-admin.
        type: list
        elements: str
      tenant_id:
        description: Tenant of the users (defaults to the subscription's tenant).
        type: str
  disable_local_accounts:
    description: Turn off the static admin kubeconfig; only Entra ID identities can then sign in (needs O(entra_id)).
    type: bool
  network:
    description: Cluster networking.
    type: dict
    suboptions:
      plugin:
        description: CNI plugin.
        type: str
        choices: [azure, kubenet, none]
      plugin_mode:
        description: V(overlay) gives pods addresses from O(network.pod_cidr) instead of the VNet. Cannot change.
        type: str
        choices: [overlay]
      policy:
        description: Network policy engine.
        type: str
        choices: [none, calico, azure, cilium]
      dataplane:
        description: Network dataplane.
        type: str
        choices: [azure, cilium]
      pod_cidr:
        description: Pod address range with overlay or kubenet. Cannot change.
        type: str
      service_cidr:
        description: Service address range. Cannot change.
        type: str
      dns_service_ip:
        description: Cluster DNS address, inside O(network.service_cidr). Cannot change.
        type: str
      outbound_type:
        description: How nodes reach the internet; V(userAssignedNATGateway) and V(userDefinedRouting) need custom subnets.
        type: str
        choices: [loadBalancer, managedNATGateway, userAssignedNATGateway, userDefinedRouting]
  private_cluster:
    description: Give the API server a private endpoint in the VNet only. Cannot change.
    type: bool
  private_dns_zone:
    description:
      - For private clusters, V(system), V(none) or the resource ID of a C(privatelink.<region>.azmk8s.io) private DNS
        zone (needs O(user_assigned_identity)). Cannot change.
    type: str
  api_server_authorized_ip_ranges:
    description: CIDRs allowed to reach a public API server.
    type: list
    elements: str
  key_vault_secrets_provider:
    description: The Azure Key Vault provider for the Secrets Store CSI driver.
    type: dict
    suboptions:
      enabled:
        description: Enable the add-on.
        type: bool
        default: true
      secret_rotation:
        description: Re-read secrets periodically.
        type: bool
      rotation_poll_interval:
        description: How often rotation re-reads, for example V(2m).
        type: str
  monitoring:
    description: Azure Monitor for the cluster.
    type: dict
    suboptions:
      container_insights:
        description: Collect logs with Container Insights (the monitoring add-on).
        type: bool
      log_analytics_workspace_id:
        description: Resource ID of the Log Analytics workspace Container Insights sends to.
        type: str
      managed_prometheus:
        description: Collect metrics with Azure Monitor managed Prometheus.
        type: bool
  defender:
    description: Microsoft Defender for Containers.
    type: dict
    suboptions:
      enabled:
        description: Turn Defender security monitoring on or off.
        type: bool
        required: true
      log_analytics_workspace_id:
        description: Resource ID of the Log Analytics workspace Defender uses.
        type: str
  system_pool:
    description:
      - The system node pool, created with the cluster. Takes the options of M(azure_robotics.stack.aks_nodepool)
        (the mode is always V(System)); the ones AKS cannot change in place are refused later.
      - Required to create a cluster.
    type: dict
    suboptions:
      name:
        description: Pool name.
        type: str
        default: system
      only_critical_addons:
        description: Taint the pool with C(CriticalAddonsOnly=true:NoSchedule) so that only system pods run there.
        type: bool
      vm_size:
        description: VM size.
        type: str
      count:
        description: Node count (the initial one with autoscaling).
        type: int
      auto_scaling:
        description: Autoscale between O(system_pool.min_count) and O(system_pool.max_count).
        type: bool
      min_count:
        description: Fewest nodes (at least 1).
        type: int
      max_count:
        description: Most nodes.
        type: int
      zones:
        description: Availability zones.
        type: list
        elements: str
      vnet_subnet_id:
        description: Subnet of the nodes.
        type: str
      pod_subnet_id:
        description: Subnet of the pods.
        type: str
      max_pods:
        description: Most pods per node.
        type: int
      os_disk_size_gb:
        description: OS disk size in GB.
        type: int
      os_disk_type:
        description: OS disk type.
        type: str
        choices: [Managed, Ephemeral]
      os_sku:
        description: Node image family.
        type: str
        choices: [Ubuntu, AzureLinux, Ubuntu2204, Ubuntu2404, AzureLinux3]
      labels:
        description: Node labels.
        type: dict
      taints:
        description: Node taints (C(key=value:Effect)).
        type: list
        elements: str
      max_surge:
        description: Extra nodes during upgrades.
        type: str
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
  - azure_robotics.stack.azure.tags
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the cluster only; reports every field that would change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff holds all differing fields, not only the first.
"""

EXAMPLES = r"""
- name: Private AKS with Entra ID + Azure RBAC, workload identity and CNI overlay
  azure_robotics.stack.aks_cluster:
    name: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
    location: westeurope
    kubernetes_version: latest
    sku_tier: Standard
    auto_upgrade_channel: patch
    node_os_upgrade_channel: NodeImage
    oidc_issuer: true
    workload_identity: true
    entra_id:
      azure_rbac: true
    disable_local_accounts: true
    network:
      plugin: azure
      plugin_mode: overlay
      policy: calico
      pod_cidr: 10.244.0.0/16
      service_cidr: 10.0.0.0/16
      dns_service_ip: 10.0.0.10
      outbound_type: userAssignedNATGateway
    private_cluster: true
    private_dns_zone: /subscriptions/.../privateDnsZones/privatelink.westeurope.azmk8s.io
    user_assigned_identity: /subscriptions/.../userAssignedIdentities/id-aks-robotics-dev-001
    key_vault_secrets_provider:
      secret_rotation: true
    monitoring:
      container_insights: true
      log_analytics_workspace_id: /subscriptions/.../workspaces/log-robotics-dev-001
      managed_prometheus: true
    system_pool:
      vm_size: Standard_D8ds_v5
      min_count: 1
      max_count: 3
      vnet_subnet_id: /subscriptions/.../subnets/snet-aks-system
      only_critical_addons: true
  register: aks

- name: Show the OIDC issuer for federated credentials
  ansible.builtin.debug:
    var: aks.oidc_issuer_url
"""

RETURN = r"""
id:
  description: Resource ID of the cluster.
  returned: always
  type: str
resource:
  description: The managed cluster as Azure Resource Manager returns it (all node pools in C(properties.agentPoolProfiles)).
  returned: always
  type: dict
diff:
  description: Every differing field, before and after.
  returned: always
  type: dict
fqdn:
  description: Public FQDN of the API server.
  returned: when the cluster exists
  type: str
private_fqdn:
  description: Private FQDN of the API server of a private cluster.
  returned: when the cluster is private
  type: str
oidc_issuer_url:
  description: OIDC issuer URL (with O(oidc_issuer=true)).
  returned: when the issuer is enabled
  type: str
node_resource_group:
  description: The resource group of the nodes.
  returned: when the cluster exists
  type: str
kubelet_identity:
  description: The identity the kubelets use (e.g. to pull from ACR).
  returned: when the cluster exists
  type: dict
  contains:
    client_id:
      description: Client ID.
      type: str
    object_id:
      description: Object (principal) ID, for role assignments.
      type: str
    resource_id:
      description: Resource ID of the identity.
      type: str
principal_id:
  description: Principal ID of the system-assigned control-plane identity.
  returned: when the cluster has one
  type: str
kubernetes_version:
  description: The Kubernetes version the cluster runs.
  returned: when the cluster exists
  type: str
"""

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
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AZURE_TAG_ARGS, AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules, get_path
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import (
    is_resource_id,
    name_problem,
    resource_id,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model, to_rest
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

POOLS = ("properties", "agentPoolProfiles")


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
    Field("api_server_authorized_ip_ranges", ("properties", "apiServerAccessProfile", "authorizedIPRanges")),
    Field("key_vault_secrets_provider.enabled", ("properties", "addonProfiles", "azureKeyvaultSecretsProvider", "enabled")),
    Field("key_vault_secrets_provider.secret_rotation",
          ("properties", "addonProfiles", "azureKeyvaultSecretsProvider", "config", "enableSecretRotation"), _flag),
    Field("key_vault_secrets_provider.rotation_poll_interval",
          ("properties", "addonProfiles", "azureKeyvaultSecretsProvider", "config", "rotationPollInterval")),
    Field("monitoring.container_insights", ("properties", "addonProfiles", "omsagent", "enabled")),
    Field("monitoring.log_analytics_workspace_id",
          ("properties", "addonProfiles", "omsagent", "config", "logAnalyticsWorkspaceResourceID")),
    Field("monitoring.managed_prometheus", ("properties", "azureMonitorProfile", "metrics", "enabled")),
    Field("defender.enabled", ("properties", "securityProfile", "defender", "securityMonitoring", "enabled")),
    Field("defender.log_analytics_workspace_id",
          ("properties", "securityProfile", "defender", "logAnalyticsWorkspaceResourceId")),
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


def main():
    spec = dict(
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
    spec.update(AZURE_TAG_ARGS)
    azure = AzureModule(argument_spec=spec)
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
        azure.exit(**engine.absent())

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

    def finalize(body):
        for pool in get_path(body, *POOLS) or []:
            finalize_pool(pool)
        return body

    def normalize(current):
        current = dict(current)
        props = dict(current.get("properties") or {})
        props["agentPoolProfiles"] = [normalize_pool(pool, pool) for pool in props.get("agentPoolProfiles") or []]
        current["properties"] = props
        return current

    result = engine.present(desired, create_body=create_body, check=check, finalize=finalize, normalize=normalize)
    result.update(summary(result.get("resource")))
    azure.exit(**result)


def resolve_latest(azure, client, location, resource):
    try:
        versions = to_rest(client.managed_clusters.list_kubernetes_versions(location))
    except Exception as exc:  # reported with the resource it was for
        azure.fail_azure(exc, "list Kubernetes versions for", resource.describe())
    latest = latest_stable_minor(versions)
    if not latest:
        azure.fail("AKS offers no stable Kubernetes version in %s" % location)
    return latest


if __name__ == "__main__":
    main()

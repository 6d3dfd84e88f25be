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
    description:
      - CIDRs allowed to reach a public API server. Compared as a set (the order does not matter).
      - An empty list removes the restriction (any address may reach the API server).
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
        description:
          - Turn Defender security monitoring on or off.
          - Turning it off also removes the workspace from the cluster, as the AKS API asks.
        type: bool
        required: true
      log_analytics_workspace_id:
        description:
          - Resource ID of the Log Analytics workspace Defender uses. Required with O(defender.enabled=true), not
            allowed with V(false).
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

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import aks_cluster as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aks_nodepool
short_description: Create, update or delete a node pool of an AKS cluster
version_added: 0.2.0
description:
  - Makes an agent pool of an Azure Kubernetes Service cluster match the options you set, for example a GPU Spot
    pool that scales from zero, or deletes it.
  - Only the options you set are compared; the Spot taint and label AKS adds by itself are not drift.
  - Options that AKS cannot change in place (VM size, zones, subnets, priority, eviction policy, OS type, OS disk,
    max pods, GPU driver and instance profile) are refused with a message naming them, before any change is made.
  - With autoscaling the node count belongs to the autoscaler; O(count) is used only when the pool is created.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Pool name, 1-12 lowercase letters and digits starting with a letter.
    type: str
    required: true
  cluster:
    description: Name of the AKS cluster.
    type: str
    required: true
  resource_group:
    description: Resource group of the cluster.
    type: str
    required: true
  state:
    description: V(present) creates or updates the pool, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  vm_size:
    description: VM size of the nodes, for example V(Standard_NC24ads_A100_v4). Cannot change.
    type: str
  count:
    description:
      - Number of nodes. With autoscaling, the initial count (defaults to O(min_count)).
    type: int
  auto_scaling:
    description:
      - Let the cluster autoscaler scale the pool between O(min_count) and O(max_count).
      - Defaults to V(true) when O(min_count) or O(max_count) is set.
    type: bool
  min_count:
    description: Fewest nodes when autoscaling; V(0) lets a User pool scale to zero.
    type: int
  max_count:
    description: Most nodes when autoscaling.
    type: int
  mode:
    description: V(System) pools host system pods, V(User) pools workloads.
    type: str
    choices: [System, User]
  priority:
    description: V(Spot) for evictable, discounted VMs. Cannot change.
    type: str
    choices: [Regular, Spot]
  eviction_policy:
    description:
      - What happens to evicted Spot nodes. Required with O(priority=Spot), not allowed otherwise. Cannot change.
    type: str
    choices: [Delete, Deallocate]
  spot_max_price:
    description: Highest price per hour for Spot VMs; V(-1) pays up to the on-demand price. Only with O(priority=Spot).
    type: float
  taints:
    description:
      - Kubernetes taints of the nodes, C(key=value:Effect). Compared as a set.
      - The taint AKS adds to Spot pools (C(kubernetes.azure.com/scalesetpriority=spot:NoSchedule)) need not be listed.
    type: list
    elements: str
  labels:
    description: Kubernetes labels of the nodes. Only the labels listed are managed.
    type: dict
  zones:
    description: Availability zones (V(1), V(2), V(3)). Cannot change.
    type: list
    elements: str
  vnet_subnet_id:
    description: Resource ID of the subnet of the nodes. Cannot change.
    type: str
  pod_subnet_id:
    description: Resource ID of the subnet of the pods (Azure CNI with dynamic IP allocation). Cannot change.
    type: str
  max_pods:
    description: Most pods per node. Cannot change.
    type: int
  os_disk_size_gb:
    description: OS disk size in GB. Cannot change.
    type: int
  os_disk_type:
    description: V(Managed) or V(Ephemeral) OS disks. Cannot change.
    type: str
    choices: [Managed, Ephemeral]
  os_type:
    description: Node operating system. Cannot change.
    type: str
    choices: [Linux, Windows]
  os_sku:
    description: Node image family. V(Windows2022) needs O(os_type=Windows), the others O(os_type=Linux) (the default).
    type: str
    choices: [Ubuntu, AzureLinux, Ubuntu2204, Ubuntu2404, AzureLinux3, Windows2022]
  orchestrator_version:
    description: Kubernetes version of the pool (V(1.33) or V(1.33.2)); it can only go up.
    type: str
  gpu_driver:
    description:
      - V(install) lets AKS install the NVIDIA driver on GPU nodes; V(none) leaves it to the NVIDIA GPU Operator.
        Cannot change.
    type: str
    choices: [install, none]
  gpu_instance_profile:
    description: Multi-instance GPU profile of the nodes. Cannot change.
    type: str
    choices: [MIG1g, MIG2g, MIG3g, MIG4g, MIG7g]
  max_surge:
    description:
      - Extra nodes during upgrades, a count (V(1)) or a percentage (V(33%)).
      - Not allowed with O(priority=Spot); AKS upgrades Spot pools without surge nodes.
    type: str
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the pool only; reports what would change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff holds only the fields that differ.
notes:
  - Bad combinations (a Spot pool without O(eviction_policy), O(min_count) above O(max_count), O(max_surge) on a Spot
    pool, a malformed taint) fail before any request is sent.
"""

EXAMPLES = r"""
- name: GPU Spot pool that scales from zero, driver left to the GPU Operator
  azure_robotics.stack.aks_nodepool:
    name: gpuspot
    cluster: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
    vm_size: Standard_NC24ads_A100_v4
    priority: Spot
    eviction_policy: Delete
    spot_max_price: -1
    min_count: 0
    max_count: 2
    gpu_driver: none
    taints:
      - nvidia.com/gpu=present:NoSchedule
    labels:
      nvidia.com/gpu.present: "true"

- name: Remove the pool without waiting
  azure_robotics.stack.aks_nodepool:
    name: gpuspot
    cluster: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
    state: absent
    wait: false
"""

RETURN = r"""
id:
  description: Resource ID of the agent pool.
  returned: always
  type: str
resource:
  description: The agent pool as Azure Resource Manager returns it (C(properties) holds the pool settings).
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import aks_nodepool as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

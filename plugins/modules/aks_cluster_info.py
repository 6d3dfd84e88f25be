#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aks_cluster_info
short_description: Read an AKS cluster (with its node pools) or list clusters
version_added: 0.2.0
description:
  - Returns the AKS cluster O(name) in O(resource_group) with all its node pools, or every cluster of the resource
    group (or of the subscription without O(resource_group)). No credentials are returned; use
    M(azure_robotics.stack.aks_credentials) for those.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Name of the cluster; needs O(resource_group).
    type: str
  resource_group:
    description: Resource group of the cluster(s).
    type: str
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads only.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Read the cluster
  azure_robotics.stack.aks_cluster_info:
    name: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
  register: aks_info

- name: Node pools of the cluster
  ansible.builtin.debug:
    msg: "{{ aks_info.clusters[0].properties.agentPoolProfiles | map(attribute='name') }}"
"""

RETURN = r"""
clusters:
  description: The clusters found, as Azure Resource Manager returns them (empty when none).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest


def main():
    azure = AzureModule(argument_spec=dict(name=dict(type="str"), resource_group=dict(type="str")),
                        wait_options=False, required_by={"name": "resource_group"})
    p = azure.params
    operations = azure.client("containerservice").managed_clusters
    try:
        if p["name"]:
            clusters = [to_rest(operations.get(p["resource_group"], p["name"]))]
        elif p["resource_group"]:
            clusters = [to_rest(c) for c in operations.list_by_resource_group(p["resource_group"])]
        else:
            clusters = [to_rest(c) for c in operations.list()]
    except Exception as exc:  # absent is an empty answer
        if not (p["name"] and is_not_found(exc)):
            azure.fail_azure(exc, "read", "managed cluster '%s'" % (p["name"] or "*"))
        clusters = []
    azure.exit(changed=False, clusters=clusters)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_extension_info
short_description: Read the cluster extensions of an AKS or Arc cluster
version_added: 0.2.0
description:
  - Returns the extension O(name) of a cluster, or all its extensions, with their provisioning state and settings
    (protected settings are never returned by Azure).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Extension name; without it all extensions of the cluster are listed.
    type: str
  cluster:
    description: Name of the cluster.
    type: str
    required: true
  resource_group:
    description: Resource group of the cluster.
    type: str
    required: true
  cluster_type:
    description: V(managedClusters) for AKS, V(connectedClusters) for Azure Arc.
    type: str
    choices: [managedClusters, connectedClusters]
    default: managedClusters
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
- name: Is the AzureML extension healthy?
  azure_robotics.stack.k8s_extension_info:
    name: azureml
    cluster: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
  register: azureml_extension
"""

RETURN = r"""
extensions:
  description: The extensions found, as Azure Resource Manager returns them (empty when none).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest

CLUSTER_PROVIDERS = {"managedClusters": "Microsoft.ContainerService", "connectedClusters": "Microsoft.Kubernetes"}


def main():
    azure = AzureModule(argument_spec=dict(
        name=dict(type="str"),
        cluster=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        cluster_type=dict(type="str", default="managedClusters", choices=list(CLUSTER_PROVIDERS)),
    ), wait_options=False)
    p = azure.params
    coordinates = (p["resource_group"], CLUSTER_PROVIDERS[p["cluster_type"]], p["cluster_type"], p["cluster"])
    operations = azure.client("kubernetesconfiguration").extensions
    try:
        if p["name"]:
            found = [to_rest(operations.get(*(coordinates + (p["name"],))))]
        else:
            found = [to_rest(e) for e in operations.list(*coordinates)]
    except Exception as exc:  # absent is an empty answer
        if not is_not_found(exc):
            azure.fail_azure(exc, "read", "the extensions of cluster '%s'" % p["cluster"])
        found = []
    azure.exit(changed=False, extensions=found)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: arm_resource_info
short_description: Read any Azure resource, or list the resources of a type
version_added: 0.2.0
description:
  - Reads one Azure Resource Manager resource by ID or by type and name, or lists all resources of a type under a
    resource group, parent resource or scope (leave out O(name)).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  id:
    description: Full resource ID.
    type: str
  resource_type:
    description: Resource type with namespace, for example V(Microsoft.Network/virtualNetworks/subnets).
    type: str
  name:
    description: Name of the resource; without it every resource of O(resource_type) is listed.
    type: str
  parent:
    description: Names of the parent resources of a child type, separated by V(/).
    type: str
  resource_group:
    description: Resource group. Without it (and without O(scope)) subscription-level resources are read.
    type: str
  scope:
    description: ID of the scope of extension resources instead of O(resource_group).
    type: str
  api_version:
    description: API version of the resource type.
    type: str
    required: true
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
- name: Subnets of a virtual network
  azure_robotics.stack.arm_resource_info:
    resource_type: Microsoft.Network/virtualNetworks/subnets
    parent: vnet-robotics-dev-001
    resource_group: rg-robotics-dev-001
    api_version: "2024-01-01"
  register: subnets
"""

RETURN = r"""
resources:
  description: The resources found, as Azure Resource Manager returns them (empty when none).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.generic import (
    ADDRESS_OPTIONS,
    address_problem,
    build_id,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest


def list_collection(azure, client, collection_id, api_version):
    from azure.core.rest import HttpRequest

    resources = []
    url = "%s?api-version=%s" % (collection_id, api_version)
    while url:
        try:
            response = client.send_request(HttpRequest("GET", url))
            response.raise_for_status()
        except Exception as exc:  # 404 means an empty list (the parent is gone)
            if is_not_found(exc):
                return resources
            azure.fail_azure(exc, "list", "'%s'" % collection_id)
        page = response.json()
        resources.extend(page.get("value") or [])
        url = page.get("nextLink")
    return resources


def main():
    azure = AzureModule(argument_spec=dict(ADDRESS_OPTIONS), wait_options=False)
    p = azure.params
    problem = address_problem(p, allow_collection=True)
    if problem:
        azure.fail(problem)
    target = build_id(p, p["subscription_id"])
    client = azure.client("resource")
    if p["id"] or p["name"]:
        try:
            resources = [to_rest(client.resources.get_by_id(target, api_version=p["api_version"]))]
        except Exception as exc:  # absent is an empty answer
            if not is_not_found(exc):
                azure.fail_azure(exc, "read", "'%s'" % target)
            resources = []
    else:
        resources = list_collection(azure, client, target, p["api_version"])
    azure.exit(changed=False, resources=resources)


if __name__ == "__main__":
    main()

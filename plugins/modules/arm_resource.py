#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: arm_resource
short_description: Create, update or delete any Azure resource by type, name and API version
version_added: 0.2.0
description:
  - Manages any Azure Resource Manager resource that has no dedicated module (virtual networks, subnets, NAT
    gateways, private endpoints, Key Vaults, storage accounts, PostgreSQL flexible servers, ...) from its type, name,
    API version and the resource body in ARM's JSON shape (as in ARM templates or the REST API reference).
  - Idempotent like the dedicated modules - only the fields in O(body) are compared (ids and locations without
    case, lists of objects with a C(name) matched by name); every difference is reported in the diff; check mode
    writes nothing; long operations are awaited up to O(wait_timeout).
  - By default an update sends the current resource with O(body) laid over it, so that fields you do not manage
    (for example subnets inside a virtual network) are kept. With O(update_mode=replace) O(body) is sent as is.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  id:
    description: Full resource ID. Alternative to O(resource_type) + O(name).
    type: str
  resource_type:
    description: Resource type with namespace, for example V(Microsoft.Network/virtualNetworks/subnets).
    type: str
  name:
    description: Name of the resource.
    type: str
  parent:
    description: Names of the parent resources of a child type, separated by V(/) (for a subnet, the VNet name).
    type: str
  resource_group:
    description: Resource group of the resource. Without it (and without O(scope)) the resource is subscription-level.
    type: str
  scope:
    description: ID of the scope of an extension resource (a resource the type is attached to) instead of O(resource_group).
    type: str
  api_version:
    description: API version of the resource type, for example V(2024-01-01).
    type: str
    required: true
  body:
    description:
      - The resource in ARM's JSON shape (C(location), C(tags), C(sku), C(kind), C(identity), C(zones),
        C(properties), ...). Required with O(state=present).
    type: dict
  immutable:
    description:
      - Dotted paths of body fields the service cannot change (for example V(properties.addressSpace)); a change to
        them is refused before any request is sent. C(location) is always immutable.
    type: list
    elements: str
    default: []
  ignore:
    description:
      - Dotted paths of body fields not to compare, for example write-only secrets that ARM never returns. They are
        still sent on create and whenever something else changes.
    type: list
    elements: str
    default: []
  update_mode:
    description:
      - V(merge) sends the current resource with O(body) laid over it, so tags and list items (for example
        subnets or security rules) that O(body) leaves out are kept.
      - V(replace) sends O(body) alone. Tags and items of lists of named objects that O(body) leaves out are then
        removed, and are reported as changes (a body without C(tags) means no tags). Other fields that O(body)
        leaves out are taken to be read-only or service defaults and are not compared.
    type: str
    choices: [merge, replace]
    default: merge
  state:
    description: V(present) creates or updates the resource, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Virtual network
  azure_robotics.stack.arm_resource:
    resource_type: Microsoft.Network/virtualNetworks
    name: vnet-robotics-dev-001
    resource_group: rg-robotics-dev-001
    api_version: "2024-01-01"
    body:
      location: westeurope
      properties:
        addressSpace:
          addressPrefixes: [10.0.0.0/16]

- name: Subnet of that network
  azure_robotics.stack.arm_resource:
    resource_type: Microsoft.Network/virtualNetworks/subnets
    parent: vnet-robotics-dev-001
    name: snet-aks
    resource_group: rg-robotics-dev-001
    api_version: "2024-01-01"
    body:
      properties:
        addressPrefix: 10.0.1.0/24
    immutable: [properties.addressPrefix]
"""

RETURN = r"""
id:
  description: Resource ID.
  returned: always
  type: str
resource:
  description: The resource as Azure Resource Manager returns it.
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import arm_resource as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

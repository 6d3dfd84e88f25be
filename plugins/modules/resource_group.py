#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: resource_group
short_description: Create, update or delete an Azure resource group
version_added: 0.2.0
description:
  - Makes an Azure resource group match the given location and tags, or deletes it with everything in it.
  - Only the options you set are compared with Azure; a rerun with the same options makes one read and no change.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description:
      - Name of the resource group, 1-90 letters, digits, hyphens, underscores, periods or parentheses, not ending
        with a period.
    type: str
    required: true
  location:
    description:
      - Azure region, for example V(westeurope). Required to create the group; it cannot change afterwards.
    type: str
  state:
    description:
      - V(present) creates or updates the group, V(absent) deletes it and every resource in it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
  - azure_robotics.stack.azure.tags
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the group only; reports what would change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff holds only the fields that differ.
"""

EXAMPLES = r"""
- name: Resource group for the platform
  azure_robotics.stack.resource_group:
    name: rg-robotics-dev-001
    location: westeurope
    tags:
      environment: dev

- name: Delete the group and everything in it, without waiting
  azure_robotics.stack.resource_group:
    name: rg-robotics-dev-001
    state: absent
    wait: false
"""

RETURN = r"""
id:
  description: Resource ID of the group.
  returned: always
  type: str
  sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-robotics-dev-001
resource:
  description: The resource group as Azure Resource Manager returns it; null when absent or in check mode before creation.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-robotics-dev-001
    name: rg-robotics-dev-001
    location: westeurope
    tags: {environment: dev}
    properties: {provisioningState: Succeeded}
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import resource_group as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

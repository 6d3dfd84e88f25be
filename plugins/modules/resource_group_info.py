#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: resource_group_info
short_description: Read one Azure resource group or list them all
version_added: 0.2.0
description:
  - Returns the resource group named O(name), or every resource group of the subscription.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Name of the group; without it all groups are listed.
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
- name: Does the platform's group exist?
  azure_robotics.stack.resource_group_info:
    name: rg-robotics-dev-001
  register: group

- name: Report it
  ansible.builtin.debug:
    msg: "{{ 'present' if group.resource_groups else 'absent' }}"
"""

RETURN = r"""
resource_groups:
  description: The groups found, as Azure Resource Manager returns them (empty when none).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest


def main():
    azure = AzureModule(argument_spec=dict(name=dict(type="str")), wait_options=False)
    name = azure.params["name"]
    client = azure.client("resource")
    try:
        if name:
            groups = [to_rest(client.resource_groups.get(name))]
        else:
            groups = [to_rest(g) for g in client.resource_groups.list()]
    except Exception as exc:  # absent is an empty answer
        if not (name and is_not_found(exc)):
            azure.fail_azure(exc, "read", "resource group '%s'" % name if name else "the resource groups")
        groups = []
    azure.exit(changed=False, resource_groups=groups)


if __name__ == "__main__":
    main()

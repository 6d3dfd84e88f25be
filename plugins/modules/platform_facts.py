#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_facts
short_description: Build the platform facts document and save it on the controller
version_added: 0.3.0
description:
  - Turns the validated platform settings (filter P(azure_robotics.stack.platform_settings#filter)) and the
    registered result of M(azure_robotics.stack.arm_resources) into the platform facts document - resource
    group, network and subnets, Key Vault, identities (client and principal IDs), storage, registry, observability,
    AzureML workspace, PostgreSQL and Redis connection information, the AKS cluster with its OIDC issuer and
    kubelet identity, and the node pools. It never holds a secret, only the names of the Key Vault secrets.
  - Sets the fact C(platform_facts) and writes the document as JSON to O(path) on the controller.
  - Runs on the controller (action plugin); O(path) is a controller path.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  settings:
    description: The validated platform settings.
    type: dict
    required: true
  result:
    description: The registered result of M(azure_robotics.stack.arm_resources); without it only names and ids are known.
    type: dict
  path:
    description: Where to write the document (folders are created). Without it the fact is only set.
    type: path
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Sets the fact, does not write the file.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Save the platform facts
  azure_robotics.stack.platform_facts:
    settings: "{{ platform_infrastructure_settings }}"
    result: "{{ platform_infrastructure_result }}"
    path: "{{ inventory_dir }}/.local/platform-facts.json"
"""

RETURN = r"""
ansible_facts:
  description: C(platform_facts), the document.
  returned: always
  type: dict
path:
  description: The file written.
  returned: when O(path) is set
  type: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(settings=dict(type="dict", required=True), result=dict(type="dict"),
                                              path=dict(type="path")), supports_check_mode=True)
    module.fail_json(msg="azure_robotics.stack.platform_facts runs on the controller through its action plugin")


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: user_assigned_identity_info
short_description: Read a user-assigned managed identity (and its federated credentials) or list identities
version_added: 0.2.0
description:
  - Returns the identity O(name) with its principal, client and tenant IDs and its federated credentials, or every
    identity of O(resource_group).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Name of the identity; without it all identities of the group are listed (without credentials).
    type: str
  resource_group:
    description: Resource group of the identities.
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
- name: Client ID of the OSMO identity
  azure_robotics.stack.user_assigned_identity_info:
    name: id-osmo-robotics-dev-001
    resource_group: rg-robotics-dev-001
  register: osmo_identity
"""

RETURN = r"""
identities:
  description: The identities found, as Azure Resource Manager returns them (empty when none).
  returned: always
  type: list
  elements: dict
federated_credentials:
  description: Federated credentials of the identity O(name).
  returned: when O(name) is given and the identity exists
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest


def main():
    azure = AzureModule(argument_spec=dict(name=dict(type="str"), resource_group=dict(type="str", required=True)),
                        wait_options=False)
    p = azure.params
    client = azure.client("msi")
    result = dict(changed=False)
    try:
        if p["name"]:
            result["identities"] = [to_rest(client.user_assigned_identities.get(p["resource_group"], p["name"]))]
            result["federated_credentials"] = [
                to_rest(c) for c in client.federated_identity_credentials.list(p["resource_group"], p["name"])]
        else:
            result["identities"] = [to_rest(i) for i in
                                    client.user_assigned_identities.list_by_resource_group(p["resource_group"])]
    except Exception as exc:  # absent is an empty answer
        if not (p["name"] and is_not_found(exc)):
            azure.fail_azure(exc, "read", "user-assigned identity '%s'" % (p["name"] or "*"))
        result = dict(changed=False, identities=[])
    azure.exit(**result)


if __name__ == "__main__":
    main()

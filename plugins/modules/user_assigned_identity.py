#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: user_assigned_identity
short_description: Create, update or delete a user-assigned managed identity
version_added: 0.2.0
description:
  - Makes a user-assigned managed identity (C(Microsoft.ManagedIdentity/userAssignedIdentities)) exist with the given
    location and tags, or deletes it, and returns its principal, client and tenant IDs.
  - Role assignments for a new identity can fail for a short while until Entra ID has replicated it;
    M(azure_robotics.stack.role_assignment) retries that case.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Identity name, 3-128 letters, digits, V(-) or V(_).
    type: str
    required: true
  resource_group:
    description: Resource group of the identity.
    type: str
    required: true
  location:
    description: Azure region. Required to create the identity; cannot change.
    type: str
  isolation_scope:
    description: V(Regional) keeps the identity's federated credentials in its region.
    type: str
    choices: [None, Regional]
  state:
    description: V(present) creates or updates the identity, V(absent) deletes it (with its federated credentials).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.tags
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the identity only.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Identity of the OSMO services and workflows
  azure_robotics.stack.user_assigned_identity:
    name: id-osmo-robotics-dev-001
    resource_group: rg-robotics-dev-001
    location: westeurope
  register: osmo_identity

- name: Use its client ID
  ansible.builtin.debug:
    msg: "{{ osmo_identity.client_id }}"
"""

RETURN = r"""
id:
  description: Resource ID of the identity.
  returned: always
  type: str
principal_id:
  description: Object (principal) ID, for role assignments.
  returned: when the identity exists
  type: str
client_id:
  description: Client (application) ID, for workload identity and SDKs.
  returned: when the identity exists
  type: str
tenant_id:
  description: Tenant of the identity.
  returned: when the identity exists
  type: str
resource:
  description: The identity as Azure Resource Manager returns it.
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import user_assigned_identity as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

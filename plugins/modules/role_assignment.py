#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: role_assignment
short_description: Grant or revoke an Azure role for a principal at a scope
version_added: 0.2.0
description:
  - Assigns an Azure RBAC role to a user, group, service principal or managed identity at a scope (management
    group, subscription, resource group or resource), or removes the assignment.
  - The assignment name is deterministic (a UUIDv5 of scope, principal and role), so reruns find the same
    assignment and never create duplicates.
  - The role is given by name (V(AcrPull)) or by role definition ID or GUID. Built-in roles the platform uses resolve
    without a request; other names are looked up at the scope.
  - Right after an identity is created Entra ID may not have replicated it yet and ARM answers C(PrincipalNotFound);
    the assignment is retried with jittered backoff until it is visible.
  - If the same role is already granted to the principal at the scope by an assignment with another name, nothing
    is changed and a warning names that assignment.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  scope:
    description: ARM ID of the scope, for example a resource group or resource ID.
    type: str
    required: true
  principal_id:
    description: Object ID of the user, group, service principal or managed identity.
    type: str
    required: true
  role:
    description: Role name (for example V(Storage Blob Data Contributor)), role definition ID or GUID.
    type: str
    required: true
  principal_type:
    description:
      - Type of the principal. Setting it lets ARM accept a principal that has not replicated everywhere yet.
    type: str
    choices: [User, Group, ServicePrincipal, ForeignGroup, Device]
  description:
    description: Why the role is granted.
    type: str
  name:
    description: Assignment name (a GUID) to use instead of the deterministic one, for example to adopt an existing assignment.
    type: str
  state:
    description: V(present) grants the role, V(absent) revokes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Let the kubelets pull from the registry
  azure_robotics.stack.role_assignment:
    scope: "{{ acr_id }}"
    principal_id: "{{ aks.kubelet_identity.object_id }}"
    principal_type: ServicePrincipal
    role: AcrPull

- name: Contributor on the resource group for the ML identity, right after creating it
  azure_robotics.stack.role_assignment:
    scope: /subscriptions/{{ subscription_id }}/resourceGroups/rg-robotics-dev-001
    principal_id: "{{ ml_identity.principal_id }}"
    role: Contributor
"""

RETURN = r"""
id:
  description: Resource ID of the role assignment.
  returned: always
  type: str
name:
  description: Name (GUID) of the role assignment.
  returned: always
  type: str
role_definition_id:
  description: The role definition the role resolved to.
  returned: when state is present
  type: str
resource:
  description: The role assignment as Azure Resource Manager returns it.
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import role_assignment as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

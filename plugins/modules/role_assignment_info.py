#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: role_assignment_info
short_description: List the Azure role assignments at a scope
version_added: 0.2.0
description:
  - Lists role assignments that apply at O(scope) (assigned there, above it or below it), optionally only those of
    one principal or only those assigned at or above the scope.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  scope:
    description: ARM ID of the scope.
    type: str
    required: true
  principal_id:
    description: Only assignments of this principal (object ID).
    type: str
  at_scope:
    description: Only assignments at O(scope) or above it (inherited), not those below.
    type: bool
    default: false
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
- name: What can the ML identity do in the resource group?
  azure_robotics.stack.role_assignment_info:
    scope: /subscriptions/{{ subscription_id }}/resourceGroups/rg-robotics-dev-001
    principal_id: "{{ ml_identity.principal_id }}"
"""

RETURN = r"""
role_assignments:
  description: The role assignments, as Azure Resource Manager returns them.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import is_guid
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.roles import normalize_scope, scope_problem
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_rest


def main():
    azure = AzureModule(argument_spec=dict(scope=dict(type="str", required=True), principal_id=dict(type="str"),
                                           at_scope=dict(type="bool", default=False)), wait_options=False)
    p = azure.params
    scope = normalize_scope(p["scope"])
    problem = scope_problem(scope)
    if problem:
        azure.fail("scope=%r %s" % (p["scope"], problem))
    if p["principal_id"] and not is_guid(p["principal_id"]):
        azure.fail("principal_id=%r must be an object ID (a GUID)" % p["principal_id"])
    filters = []
    if p["at_scope"]:
        filters.append("atScope()")
    if p["principal_id"]:
        filters.append("principalId eq '%s'" % p["principal_id"])
    operations = azure.client("authorization").role_assignments
    try:
        found = [to_rest(a) for a in operations.list_for_scope(scope, filter=" and ".join(filters) or None)]
    except Exception as exc:  # named with the scope
        azure.fail_azure(exc, "list role assignments at", "scope '%s'" % scope)
    azure.exit(changed=False, role_assignments=found)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role assignments with deterministic names.

Shared by the ``role_assignment`` module and the ``arm_resources`` graph."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import is_guid
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import error_code, jittered_backoff
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.roles import (
    assignment_name,
    normalize_scope,
    role_definition_id,
    role_guid,
    scope_problem,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model, to_rest
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

FIELDS = FieldMap(
    Field("role", ("properties", "roleDefinitionId"), build=False),
    Field("principal_id", ("properties", "principalId")),
    Field("principal_type", ("properties", "principalType")),
    Field("description", ("properties", "description")),
)
RULES = Rules(immutable=[("properties", "roleDefinitionId"), ("properties", "principalId"),
                         ("properties", "principalType")])


def resolve_role(azure, client, scope, role):
    guid = role_guid(role)
    if guid:
        return guid
    try:
        found = [to_rest(d) for d in client.role_definitions.list(scope, filter="roleName eq '%s'" % role.replace("'", "''"))]
    except Exception as exc:  # named with the scope it was looked up at
        azure.fail_azure(exc, "look up role '%s' at" % role, "scope '%s'" % scope)
    if not found:
        azure.fail("role=%r: no role definition with that name is visible at scope '%s'; check the spelling or pass "
                   "the role definition ID" % (role, scope))
    return found[0]["name"]


ARGUMENT_SPEC = dict(
    scope=dict(type="str", required=True),
    principal_id=dict(type="str", required=True),
    role=dict(type="str", required=True),
    principal_type=dict(type="str", choices=["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]),
    description=dict(type="str"),
    name=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
MODULE_OPTIONS = dict(wait_options=False)


def run(azure):
    """Applies ``azure.params``; returns the module result."""
    p = azure.params
    scope = normalize_scope(p["scope"])
    problem = scope_problem(scope)
    if problem:
        azure.fail("scope=%r %s" % (p["scope"], problem))
    if not is_guid(p["principal_id"]):
        azure.fail("principal_id=%r must be the object ID (a GUID) of a user, group, service principal or managed "
                   "identity" % p["principal_id"])
    if p["name"] is not None and not is_guid(p["name"]):
        azure.fail("name=%r must be a GUID" % p["name"])
    if not p["role"].strip():
        azure.fail("role must name a role or give its role definition ID")

    client = azure.client("authorization")
    guid = resolve_role(azure, client, scope, p["role"])
    name = p["name"] or assignment_name(scope, p["principal_id"], guid)
    definition_id = role_definition_id(scope, guid)
    operations = client.role_assignments
    assignment_id = "%s/providers/Microsoft.Authorization/roleAssignments/%s" % ("" if scope == "/" else scope, name)

    @jittered_backoff(retries=max(p["api_retries"], 1), extra_codes=("PrincipalNotFound",),
                      on_retry=lambda attempt, wait, exc: azure.module.debug(
                          "role assignment %s: %s, retry %d in %.1fs" % (name, error_code(exc), attempt, wait)))
    def create(body):
        return operations.create(scope, name, to_model(operations.models.RoleAssignmentCreateParameters, body))

    def write(body, wait):
        try:
            return create(body)
        except Exception as exc:
            if error_code(exc) == "RoleAssignmentExists":
                raise AzureModuleError("exists", existing=True)
            raise

    resource = ArmResource("role assignment", assignment_id, read=lambda: operations.get(scope, name), write=write,
                           remove=lambda wait: operations.delete(scope, name))
    desired = FIELDS.desired(p)
    desired.setdefault("properties", {})["roleDefinitionId"] = definition_id
    engine = DesiredState(azure, resource, rules=RULES, fields=FIELDS)
    try:
        result = engine.run(desired)
    except AzureModuleError:
        result = adopt_existing(azure, operations, scope, p["principal_id"], guid, assignment_id)
    result.update(name=(result.get("resource") or {}).get("name") or name)
    if p["state"] == "present":
        result["role_definition_id"] = definition_id
    return result


def adopt_existing(azure, operations, scope, principal_id, guid, assignment_id):
    """The role is already granted by an assignment with another name: report it, change nothing."""
    try:
        found = [to_rest(a) for a in operations.list_for_scope(scope, filter="principalId eq '%s'" % principal_id)]
    except Exception as exc:
        azure.fail_azure(exc, "list role assignments at", "scope '%s'" % scope)
    for assignment in found:
        props = assignment.get("properties") or {}
        if (props.get("roleDefinitionId") or "").lower().endswith(guid) and \
                (props.get("scope") or "").rstrip("/").lower() == scope.lower():
            azure.warn("The role is already granted to %s at %s by role assignment %s; keeping it (pass name=%s to "
                       "manage that assignment)." % (principal_id, scope, assignment["id"], assignment["name"]))
            return dict(changed=False, id=assignment["id"], resource=assignment, diff={"before": {}, "after": {}})
    azure.fail("ARM reports that role assignment %s already exists, but it is not visible at scope '%s'"
               % (assignment_id, scope), resource_id=assignment_id)

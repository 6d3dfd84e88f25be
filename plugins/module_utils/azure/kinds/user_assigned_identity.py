# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-assigned managed identities: options and the run of the desired-state engine.

Shared by the ``user_assigned_identity`` module and the ``arm_resources`` graph."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AZURE_TAG_ARGS
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import name_problem, resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

FIELDS = FieldMap(
    Field("location", ("location",)),
    Field("tags", ("tags",)),
    Field("isolation_scope", ("properties", "isolationScope")),
)


def identity_summary(resource):
    props = (resource or {}).get("properties") or {}
    if not props:
        return {}
    return dict(principal_id=props.get("principalId"), client_id=props.get("clientId"), tenant_id=props.get("tenantId"))


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    location=dict(type="str"),
    isolation_scope=dict(type="str", choices=["None", "Regional"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **AZURE_TAG_ARGS
)
MODULE_OPTIONS = dict(wait_options=False, required_if=[("state", "present", ["location"])])


def run(azure):
    """Applies ``azure.params``; returns the module result."""
    p = azure.params
    problem = name_problem("user-assigned identity", p["name"])
    if problem:
        azure.fail("name=%r is not a valid identity name: use %s" % (p["name"], problem))
    client = azure.client("msi")
    group, name = p["resource_group"], p["name"]
    operations = client.user_assigned_identities

    resource = ArmResource(
        "user-assigned identity",
        resource_id(p["subscription_id"], group, "Microsoft.ManagedIdentity", "userAssignedIdentities", name),
        read=lambda: operations.get(group, name),
        write=lambda body, wait: operations.create_or_update(group, name, to_model(operations.models.Identity, body)),
        remove=lambda wait: operations.delete(group, name),
    )
    rules = Rules(immutable=[("location",)], replace=[("tags",)] if p["purge_tags"] and p["tags"] is not None else ())
    result = DesiredState(azure, resource, rules=rules, fields=FIELDS).run(FIELDS.desired(p))
    result.update(identity_summary(result.get("resource")))
    return result

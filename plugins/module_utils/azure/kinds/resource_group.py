# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource groups.

Shared by the ``resource_group`` module and the ``arm_resources`` graph."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AZURE_TAG_ARGS
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import name_problem, resource_group_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

FIELDS = FieldMap(
    Field("location", ("location",)),
    Field("tags", ("tags",)),
)


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    location=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **AZURE_TAG_ARGS
)
MODULE_OPTIONS = dict(wait_options=True, required_if=[("state", "present", ["location"])])


def run(azure):
    """Applies ``azure.params``; returns the module result."""
    p = azure.params
    problem = name_problem("resource group", p["name"])
    if problem:
        azure.fail("name=%r is not a valid resource group name: use %s" % (p["name"], problem))
    client = azure.client("resource")
    name = p["name"]

    def write(body, wait):
        from azure.mgmt.resource.resources.models import ResourceGroup

        return client.resource_groups.create_or_update(name, to_model(ResourceGroup, body))

    def remove(wait):
        return client.resource_groups.begin_delete(name, polling=wait)

    resource = ArmResource("resource group", resource_group_id(p["subscription_id"], name),
                           read=lambda: client.resource_groups.get(name), write=write, remove=remove)
    rules = Rules(immutable=[("location",)], replace=[("tags",)] if p["purge_tags"] and p["tags"] is not None else ())
    engine = DesiredState(azure, resource, rules=rules, fields=FIELDS)
    return engine.run(FIELDS.desired(p))

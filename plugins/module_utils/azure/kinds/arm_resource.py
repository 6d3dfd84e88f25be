# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Any ARM resource by type, name and API version.

Shared by the ``arm_resource`` module and the ``arm_resources`` graph (kind ``arm_resource``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import io
import json

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Difference, Rules, set_path
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.generic import (
    ADDRESS_OPTIONS,
    SERVER_FIELDS,
    address_problem,
    build_id,
    split_paths,
    strip_server_fields,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import parse_resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

HIDDEN = "(write-only, not shown)"


ARGUMENT_SPEC = dict(ADDRESS_OPTIONS)
ARGUMENT_SPEC.update(
    body=dict(type="dict"),
    immutable=dict(type="list", elements="str", default=[]),
    ignore=dict(type="list", elements="str", default=[]),
    update_mode=dict(type="str", default="merge", choices=["merge", "replace"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
MODULE_OPTIONS = dict(wait_options=True, required_if=[("state", "present", ["body"])])


class WriteOnly:
    """A body field ARM never returns (a password): sent when the resource is created, or when ``fresh()`` says
    its value changed in this run; never compared and never shown. ``value_for_create()`` and ``value()`` give
    the value; ``fresh()`` whether an existing resource must be sent it."""

    def __init__(self, path, value_for_create, value=None, fresh=None):
        self.path = tuple(path)
        self.value_for_create = value_for_create
        self.value = value or value_for_create
        self.fresh = fresh or (lambda: False)


def _hide(tree, paths):
    """``tree`` with the write-only ``paths`` replaced by a marker (diffs and results never show them)."""
    if not isinstance(tree, dict):
        return tree
    tree = copy.deepcopy(tree)
    for path in paths:
        node = tree
        for step in path[:-1]:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            node[path[-1]] = HIDDEN
    return tree


def run(azure, write_only=()):
    """Applies ``azure.params``; returns the module result. ``write_only``: WriteOnly fields (graph use)."""
    p = azure.params
    problem = address_problem(p)
    if problem:
        azure.fail(problem)
    body = p["body"] or {}
    for key in ("id", "name", "type"):
        if key in body:
            azure.fail("body.%s is set by Azure; address the resource with the id / resource_type / name options" % key)
    resource_id = build_id(p, p["subscription_id"])
    api_version = p["api_version"]
    client = azure.client("resource")
    operations = client.resources

    def write(document, wait):
        payload = io.BytesIO(json.dumps(document).encode("utf-8"))
        return operations.begin_create_or_update_by_id(resource_id, parameters=payload, api_version=api_version,
                                                       polling=wait)

    resource = ArmResource(
        p["resource_type"] or (parse_resource_id(resource_id) or {}).get("type") or "resource", resource_id,
        read=lambda: operations.get_by_id(resource_id, api_version=api_version),
        write=write,
        remove=lambda wait: operations.begin_delete_by_id(resource_id, api_version=api_version, polling=wait),
    )
    hidden = [w.path for w in write_only]
    replace = p["update_mode"] == "replace"
    if replace:
        # A PUT of the body alone drops tags it leaves out, and items it leaves out of lists of named objects:
        # both are differences. Other fields it leaves out are taken to be read-only or service defaults.
        body = dict(body, tags=body.get("tags") or {})
    rules = Rules(immutable=[("location",)] + split_paths(p["immutable"]),
                  ignore=list(SERVER_FIELDS) + split_paths(p["ignore"]) + hidden, auto_key="name",
                  replace=[("tags",)] if replace else (), exact_lists=replace)
    engine = DesiredState(azure, resource, rules=rules)

    def replace_whole(merged):
        return dict(body)

    finalize = replace_whole if replace else strip_server_fields
    if not write_only or p["state"] == "absent":
        return engine.run(body, finalize=finalize)
    create_body, extra = None, []
    if engine.current() is None:
        create_body = copy.deepcopy(body)
        for field in write_only:
            set_path(create_body, field.path, field.value_for_create())
    else:
        for field in write_only:
            if field.fresh():
                body = copy.deepcopy(body)
                set_path(body, field.path, field.value())
                extra.append(Difference(field.path, HIDDEN, HIDDEN + " (new value)"))
    result = engine.present(body, create_body=create_body, extra_differences=extra, finalize=finalize)
    result["diff"] = dict((side, _hide(tree, hidden)) for side, tree in (result.get("diff") or {}).items())
    result["resource"] = _hide(result.get("resource"), hidden)
    return result

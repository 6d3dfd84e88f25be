# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Any ARM resource by id: options that address it, and the rules that compare a free-form body.

Pure Python; used by ``arm_resource`` and ``arm_resource_info``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import resource_group_id

# Fields ARM computes for every resource: never compared, never sent back.
SERVER_FIELDS = (("id",), ("name",), ("type",), ("etag",), ("systemData",), ("properties", "provisioningState"))

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$")
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+(/[A-Za-z][A-Za-z0-9]*)+$")

# Address options: either ``id`` or ``resource_type`` + ``name`` (+ ``parent``) in ``resource_group`` / ``scope``.
ADDRESS_OPTIONS = dict(
    id=dict(type="str"),
    resource_type=dict(type="str"),
    name=dict(type="str"),
    parent=dict(type="str"),
    resource_group=dict(type="str"),
    scope=dict(type="str"),
    api_version=dict(type="str", required=True),
)


def address_problem(params, allow_collection=False):
    """Why the address options do not name a resource, naming the options; None when they do."""
    if not _API_VERSION.match(params.get("api_version") or ""):
        return "api_version=%r must be a date such as 2024-07-01 (optionally -preview)" % params.get("api_version")
    if params.get("id"):
        for option in ("resource_type", "name", "parent", "resource_group", "scope"):
            if params.get(option):
                return "id and %s are mutually exclusive: give the full id, or resource_type and name" % option
        if not params["id"].startswith("/"):
            return "id=%r must be an ARM resource ID starting with /" % params["id"]
        return None
    resource_type = params.get("resource_type")
    if not resource_type:
        return "give either id, or resource_type and name"
    if not _TYPE.match(resource_type):
        return "resource_type=%r must look like Microsoft.Network/virtualNetworks[/subnets]" % resource_type
    if not params.get("name") and not allow_collection:
        return "name is required with resource_type"
    if params.get("resource_group") and params.get("scope"):
        return "resource_group and scope are mutually exclusive"
    types = resource_type.split("/")[1:]
    parents = [p for p in (params.get("parent") or "").split("/") if p]
    wanted = len(types) - (0 if params.get("name") else 1)
    if len(parents) + (1 if params.get("name") else 0) != len(types) and not (allow_collection and len(parents) == wanted):
        return ("resource_type %s has %d level(s) of names; parent=%r gives %d and name one; list the parent names "
                "separated by '/'" % (resource_type, len(types), params.get("parent"), len(parents)))
    return None


def build_id(params, subscription_id):
    """The resource (or collection, without ``name``) id the address options name."""
    if params.get("id"):
        return params["id"].rstrip("/")
    if params.get("scope"):
        base = params["scope"].rstrip("/")
    elif params.get("resource_group"):
        base = resource_group_id(subscription_id, params["resource_group"])
    else:
        base = "/subscriptions/%s" % subscription_id
    parts = params["resource_type"].split("/")
    namespace, types = parts[0], parts[1:]
    names = [p for p in (params.get("parent") or "").split("/") if p]
    if params.get("name"):
        names.append(params["name"])
    path = []
    for index, resource_type in enumerate(types):
        path.append(resource_type)
        if index < len(names):
            path.append(names[index])
    return "%s/providers/%s/%s" % (base, namespace, "/".join(path))


def split_paths(values):
    """Dotted paths (``properties.secret``) into tuples."""
    return [tuple(v.split(".")) for v in values or []]


def strip_server_fields(body):
    body = dict(body or {})
    for path in SERVER_FIELDS:
        if len(path) == 1:
            body.pop(path[0], None)
        elif isinstance(body.get(path[0]), dict):
            inner = dict(body[path[0]])
            inner.pop(path[1], None)
            body[path[0]] = inner
    return body

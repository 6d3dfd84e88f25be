# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource names and ids: ARM's naming rules (checked before any request) and id building/parsing.

Pure Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# What ARM accepts, per resource type (the path-parameter rules of the REST API specs).
NAME_RULES = {
    "resource group": (r"^[-\w._()]{0,89}[-\w_()]$",
                       "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'"),
    "managed cluster": (r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$",
                        "1-63 letters, digits, '-' or '_', starting and ending with a letter or digit"),
    "agent pool": (r"^[a-z][a-z0-9]{0,11}$", "1-12 lowercase letters and digits, starting with a letter"),
    "user-assigned identity": (r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$",
                               "3-128 letters, digits, '-' or '_', starting with a letter or digit"),
    "federated credential": (r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$",
                             "3-120 letters, digits, '-' or '_', starting with a letter or digit"),
    "cluster extension": (r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
                          "1-253 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"),
    "role assignment": (r"^%s$" % _GUID, "a GUID"),
}


def name_problem(kind, name):
    """None if ``name`` is valid for ``kind``, else the rule it breaks."""
    pattern, rule = NAME_RULES[kind]
    if name is None or not re.match(pattern, name):
        return rule
    return None


def is_guid(text):
    return bool(text) and re.match(r"^%s$" % _GUID, text) is not None


def resource_group_id(subscription_id, resource_group):
    return "/subscriptions/%s/resourceGroups/%s" % (subscription_id, resource_group)


def resource_id(subscription_id, resource_group, namespace, *types_and_names):
    """``resource_id(sub, rg, 'Microsoft.X', 'a', 'n1', 'b', 'n2')``."""
    if len(types_and_names) % 2:
        raise ValueError("types and names must come in pairs")
    base = resource_group_id(subscription_id, resource_group) if resource_group else "/subscriptions/%s" % subscription_id
    return "%s/providers/%s/%s" % (base, namespace, "/".join(types_and_names))


_ID = re.compile(r"^/subscriptions/(?P<subscription>[^/]+)(/resourceGroups/(?P<group>[^/]+))?"
                 r"(/providers/(?P<namespace>[^/]+)/(?P<rest>.+))?$", re.IGNORECASE)


def parse_resource_id(text):
    """``{subscription, resource_group, namespace, type, name, types, names}`` of a (non-extension) ARM id, or None."""
    match = _ID.match((text or "").rstrip("/"))
    if not match:
        return None
    result = {"subscription": match.group("subscription"), "resource_group": match.group("group"),
              "namespace": match.group("namespace"), "type": None, "name": None, "types": [], "names": []}
    rest = match.group("rest")
    if rest:
        parts = rest.split("/")
        if "providers" in [p.lower() for p in parts] or len(parts) % 2:
            return None
        result["types"], result["names"] = parts[0::2], parts[1::2]
        result["type"] = "%s/%s" % (match.group("namespace"), "/".join(result["types"]))
        result["name"] = result["names"][-1]
    elif match.group("group"):
        result["type"] = "Microsoft.Resources/resourceGroups"
        result["name"] = match.group("group")
    return result


def is_resource_id(text):
    return bool(re.match(r"^/subscriptions/[^/]+", text or "", re.IGNORECASE))

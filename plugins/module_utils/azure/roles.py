# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role assignments: built-in role ids, role references and deterministic assignment names.

Pure Python. Built-in role definitions have the same GUID in every tenant and cloud,
so the ones the platform uses resolve without a request; other names are looked up
at the scope.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

BUILTIN_ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage File Data SMB Share Contributor": "0c867c2a-1d8c-454a-a3db-ab2ea1bdc8bb",
    "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
    "Monitoring Data Reader": "b0d8363b-8ddd-447d-831f-62ca05bff136",
    "Grafana Admin": "22926164-76b3-42b3-bc55-97df8dab3e41",
    "Azure Kubernetes Service Cluster Admin Role": "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    "Azure Kubernetes Service Contributor Role": "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3c1bd2986f",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Azure Kubernetes Service RBAC Admin": "3498e952-d568-435e-9b2c-8d77e338d7f7",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
}

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DEFINITION_ID = re.compile(r"^(/subscriptions/[^/]+)?(/.*)?/providers/Microsoft\.Authorization/roleDefinitions/"
                            r"(?P<guid>[0-9a-fA-F-]{36})$", re.IGNORECASE)


def role_guid(role):
    """The role definition GUID in ``role`` (a GUID, a role definition id or a built-in role name), else None."""
    text = (role or "").strip()
    if _GUID.match(text):
        return text.lower()
    match = _DEFINITION_ID.match(text)
    if match:
        return match.group("guid").lower()
    for name, guid in BUILTIN_ROLES.items():
        if name.lower() == text.lower():
            return guid
    return None


def looks_like_role_id(role):
    return bool(_GUID.match((role or "").strip()) or _DEFINITION_ID.match((role or "").strip()))


def subscription_of(scope):
    match = re.match(r"^/subscriptions/([^/]+)", scope or "", re.IGNORECASE)
    return match.group(1) if match else None


def role_definition_id(scope, guid):
    """The role definition id ARM expects in an assignment at ``scope``."""
    subscription = subscription_of(scope)
    prefix = "/subscriptions/%s" % subscription if subscription else ""
    return "%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (prefix, guid)


def assignment_name(scope, principal_id, guid):
    """Deterministic assignment name: uuid5 of scope, principal and role (all lower-case)."""
    key = "%s|%s|%s" % (scope.rstrip("/").lower(), principal_id.lower(), guid.lower())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def normalize_scope(scope):
    text = (scope or "").strip()
    if text != "/":
        text = text.rstrip("/")
    return text


def scope_problem(scope):
    if not scope or not scope.startswith("/"):
        return "must be an ARM id such as /subscriptions/<id>/resourceGroups/<group>"
    if not re.match(r"^(/subscriptions/[0-9a-fA-F-]{36}|/providers/Microsoft\.Management/managementGroups/[^/]+|/)",
                    scope, re.IGNORECASE):
        return "must start with /subscriptions/<subscription id> or a management group"
    return None

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: soft_deleted_resource
short_description: Purge a soft-deleted Key Vault, or delete an AzureML workspace without keeping it soft-deleted
version_added: 0.3.0
description:
  - Azure keeps a deleted Key Vault (7-90 days) and a deleted AzureML workspace (14 days) soft-deleted, and their
    names cannot be used again until they are purged. This module frees the name when Azure allows it.
  - V(key_vault) - reads the soft-deleted vault (C(Microsoft.KeyVault/locations/deletedVaults)) and purges it. A vault
    with purge protection cannot be purged before its scheduled purge date; the module then changes nothing,
    warns with that date and returns C(purge_blocked=true) (or fails with O(fail_when_protected=true)).
  - V(machine_learning_workspace) - deletes the workspace with C(forceToPurge=true) so that it is not kept
    soft-deleted. Run it before the workspace's resource group is deleted (deleting the group soft-deletes it).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  kind:
    description: What to purge.
    type: str
    required: true
    choices: [key_vault, machine_learning_workspace]
  name:
    description: Name of the vault or workspace.
    type: str
    required: true
  location:
    description: Region of the vault (soft-deleted vaults are addressed by region). Required for V(key_vault).
    type: str
  resource_group:
    description: Resource group of the workspace. Required for V(machine_learning_workspace).
    type: str
  fail_when_protected:
    description: Fail instead of warning when purge protection keeps the vault.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Delete the AzureML workspace for good (before its resource group)
  azure_robotics.stack.soft_deleted_resource:
    kind: machine_learning_workspace
    name: mlw-robotics-dev-001
    resource_group: rg-robotics-dev-001

- name: Purge the deleted Key Vault so that its name can be used again
  azure_robotics.stack.soft_deleted_resource:
    kind: key_vault
    name: kvroboticsdev001
    location: westus3
  register: vault
"""

RETURN = r"""
id:
  description: The soft-deleted vault's id, or the workspace's id.
  returned: always
  type: str
purge_blocked:
  description: Purge protection keeps the vault until C(scheduled_purge_date).
  returned: for key_vault
  type: bool
scheduled_purge_date:
  description: When Azure purges the vault by itself.
  returned: when a soft-deleted vault was found
  type: str
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds.key_vault_secret import arm_post
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest

KEY_VAULT_API = "2023-07-01"
WORKSPACE_API = "2024-04-01"


def read(azure, operations, resource_id, api_version, described):
    try:
        return to_rest(operations.get_by_id(resource_id, api_version=api_version))
    except Exception as exc:  # not-found is an answer
        if not is_not_found(exc):
            azure.fail_azure(exc, "read", described)
    return None


def purge_vault(azure, p):
    location = p["location"].replace(" ", "").lower()
    deleted_id = "/subscriptions/%s/providers/Microsoft.KeyVault/locations/%s/deletedVaults/%s" % (
        p["subscription_id"], location, p["name"])
    described = "soft-deleted Key Vault '%s'" % p["name"]
    client = azure.client("resource")
    deleted = read(azure, client.resources, deleted_id, KEY_VAULT_API, described)
    if deleted is None:
        return dict(changed=False, id=deleted_id, purge_blocked=False, diff=dict(before={}, after={}))
    props = deleted.get("properties") or {}
    result = dict(id=deleted_id, scheduled_purge_date=props.get("scheduledPurgeDate"))
    if props.get("purgeProtectionEnabled"):
        message = ("Key Vault '%s' is soft-deleted with purge protection: Azure purges it on %s and its name cannot be "
                   "used again before then. Recover it (create it again with createMode=recover) or use another "
                   "instance." % (p["name"], props.get("scheduledPurgeDate")))
        if p["fail_when_protected"]:
            azure.fail(message, **result)
        azure.warn(message)
        return dict(result, changed=False, purge_blocked=True, diff=dict(before={}, after={}))
    result.update(changed=True, purge_blocked=False, diff=dict(before=dict(soft_deleted=True), after=dict(purged=True)))
    if azure.check_mode:
        return result
    try:
        arm_post(client, deleted_id + "/purge", KEY_VAULT_API)
    except Exception as exc:  # e.g. MethodNotAllowed when protection was turned on meanwhile
        azure.fail_azure(exc, "purge", described)
    if p["wait"]:
        wait_gone(azure, client.resources, deleted_id, KEY_VAULT_API, described)
    return result


def wait_gone(azure, operations, resource_id, api_version, described):
    import time

    deadline = time.monotonic() + p_timeout(azure)
    delay = 0.25
    while read(azure, operations, resource_id, api_version, described) is not None:
        if time.monotonic() + delay > deadline:
            azure.fail("Timed out waiting for %s to go; Azure carries on, rerun to check" % described)
        time.sleep(delay)
        delay = min(15.0, delay * 1.6)


def p_timeout(azure):
    return float(azure.params.get("wait_timeout") or 1800)


def purge_workspace(azure, p):
    workspace_id = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s" % (
        p["subscription_id"], p["resource_group"], p["name"])
    described = "AzureML workspace '%s'" % workspace_id
    client = azure.client("resource")
    current = read(azure, client.resources, workspace_id, WORKSPACE_API, described)
    if current is None:
        return dict(changed=False, id=workspace_id, diff=dict(before={}, after={}))
    result = dict(changed=True, id=workspace_id, diff=dict(before=dict(id=workspace_id, state="present"),
                                                           after=dict(state="purged")))
    if azure.check_mode:
        return result
    from azure.core.rest import HttpRequest

    send = getattr(client, "send_request", None) or getattr(client, "_send_request")
    try:
        response = send(HttpRequest("DELETE", "%s?api-version=%s&forceToPurge=true" % (workspace_id, WORKSPACE_API)))
        response.raise_for_status()
    except Exception as exc:  # named with the workspace
        azure.fail_azure(exc, "delete", described)
    if p["wait"]:
        wait_gone(azure, client.resources, workspace_id, WORKSPACE_API, described)
    return result


def main():
    azure = AzureModule(argument_spec=dict(
        kind=dict(type="str", required=True, choices=["key_vault", "machine_learning_workspace"]),
        name=dict(type="str", required=True),
        location=dict(type="str"),
        resource_group=dict(type="str"),
        fail_when_protected=dict(type="bool", default=False),
    ), required_if=[("kind", "key_vault", ["location"]), ("kind", "machine_learning_workspace", ["resource_group"])])
    p = azure.params
    if p["kind"] == "key_vault":
        azure.exit(**purge_vault(azure, p))
    azure.exit(**purge_workspace(azure, p))


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azureml_kubernetes_compute
short_description: Attach an AKS cluster to an AzureML workspace as a Kubernetes compute, or detach it
version_added: 0.1.0
description:
  - Manages a C(Kubernetes) compute target (C(Microsoft.MachineLearningServices/workspaces/computes)) of an AzureML
    workspace - the cluster it points at, the namespace jobs run in, its identity - as C(az ml compute attach --type
    Kubernetes) does.
  - A compute whose attach failed cannot be updated; it is detached first and attached again (the cluster and its
    extension are left alone).
  - O(state=absent) detaches the compute (C(underlyingResourceAction=Detach)); the cluster is never deleted.
  - Attaching needs the AzureML extension on the cluster. On clusters with local accounts disabled the workspace
    needs AKS Trusted Access, or local accounts enabled for the time of the attach (the M(azure_robotics.stack.aks_cluster)
    option C(disable_local_accounts)); the C(azureml_extension) role does the latter and restores the setting.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Compute name, 2-16 letters, digits or V(-), starting with a letter.
    type: str
    required: true
  workspace:
    description: Name of the AzureML workspace.
    type: str
    required: true
  resource_group:
    description: Resource group of the workspace.
    type: str
    required: true
  cluster_id:
    description: Resource ID of the AKS cluster (or Arc connected cluster). Required to attach; cannot change.
    type: str
  namespace:
    description: Kubernetes namespace the compute's jobs run in. The attach does not create it.
    type: str
    default: default
  location:
    description: Azure region of the workspace. Required to attach.
    type: str
  identity:
    description:
      - Resource ID of a user-assigned identity for the compute. Without it the attach asks for no identity (the
        request has no C(identity) block). Cannot change.
    type: str
  default_instance_type:
    description: InstanceType used by jobs that name none.
    type: str
  description:
    description: Description of the compute.
    type: str
  api_version:
    description: API version of C(Microsoft.MachineLearningServices/workspaces/computes).
    type: str
    default: "2024-04-01"
  state:
    description: V(present) attaches (or updates) the compute, V(absent) detaches it.
    type: str
    choices: [present, absent]
    default: present
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
- name: Attach the AKS cluster with the ML identity, jobs in namespace azureml
  azure_robotics.stack.azureml_kubernetes_compute:
    name: k8s-robotics-dev
    workspace: mlw-robotics-dev-001
    resource_group: rg-robotics-dev-001
    location: westus3
    cluster_id: /subscriptions/.../resourceGroups/rg-robotics-dev-001/providers/Microsoft.ContainerService/managedClusters/aks-robotics-dev-001
    namespace: azureml
    identity: /subscriptions/.../resourceGroups/rg-robotics-dev-001/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ml-robotics-dev-001

- name: Detach it
  azure_robotics.stack.azureml_kubernetes_compute:
    name: k8s-robotics-dev
    workspace: mlw-robotics-dev-001
    resource_group: rg-robotics-dev-001
    state: absent
"""

RETURN = r"""
id:
  description: Resource ID of the compute.
  returned: always
  type: str
resource:
  description: The compute as Azure Resource Manager returns it.
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
reattached:
  description: Whether a compute in state Failed was detached and attached again.
  returned: when O(state=present)
  type: bool
"""

import io
import json
import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.generic import SERVER_FIELDS, strip_server_fields
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import is_resource_id, resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import (
    ArmResource,
    DesiredState,
    provisioning_state,
)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,15}$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def desired_body(p):
    props = {"computeType": "Kubernetes", "properties": {"namespace": p["namespace"]}}
    if p["cluster_id"]:
        props["resourceId"] = p["cluster_id"]
    if p["default_instance_type"]:
        props["properties"]["defaultInstanceType"] = p["default_instance_type"]
    if p["description"] is not None:
        props["description"] = p["description"]
    body = {"properties": props}
    if p["location"]:
        body["location"] = p["location"]
    if p["identity"]:
        body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {p["identity"]: {}}}
    return body


def validate(azure, p):
    if not _NAME.match(p["name"]):
        azure.fail("name=%r must be 2-16 letters, digits or '-', starting with a letter (an AzureML limit for "
                   "attached computes)" % p["name"])
    if p["state"] == "absent":
        return
    if not _NAMESPACE.match(p["namespace"]) or len(p["namespace"]) > 63:
        azure.fail("namespace=%r must be a Kubernetes namespace name" % p["namespace"])
    for option in ("cluster_id", "identity"):
        if p[option] and not is_resource_id(p[option]):
            azure.fail("%s=%r must be a resource ID (/subscriptions/...)" % (option, p[option]))
    if p["cluster_id"] and "/providers/microsoft.containerservice/managedclusters/" not in p["cluster_id"].lower() \
            and "/providers/microsoft.kubernetes/connectedclusters/" not in p["cluster_id"].lower():
        azure.fail("cluster_id=%r must be the ID of an AKS managed cluster or an Arc connected cluster"
                   % p["cluster_id"])


def main():
    azure = AzureModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            workspace=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            cluster_id=dict(type="str"),
            namespace=dict(type="str", default="default"),
            location=dict(type="str"),
            identity=dict(type="str"),
            default_instance_type=dict(type="str"),
            description=dict(type="str"),
            api_version=dict(type="str", default="2024-04-01"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
    )
    p = azure.params
    validate(azure, p)
    compute_id = "%s/computes/%s" % (resource_id(p["subscription_id"], p["resource_group"],
                                                 "Microsoft.MachineLearningServices", "workspaces", p["workspace"]),
                                     p["name"])
    operations = azure.client("resource").resources
    api_version = p["api_version"]

    def write(document, wait):
        payload = io.BytesIO(json.dumps(document).encode("utf-8"))
        return operations.begin_create_or_update_by_id(compute_id, parameters=payload, api_version=api_version,
                                                       polling=wait)

    def detach(wait):
        # Detach, never Delete: the cluster belongs to the platform, not to the workspace.
        return operations.begin_delete_by_id(compute_id, api_version=api_version, polling=wait,
                                             params={"underlyingResourceAction": "Detach"})

    resource = ArmResource("AzureML compute", compute_id,
                           read=lambda: operations.get_by_id(compute_id, api_version=api_version),
                           write=write, remove=detach)
    rules = Rules(immutable=[("location",), ("properties", "resourceId"), ("identity",),
                             ("properties", "computeType")],
                  ignore=list(SERVER_FIELDS), auto_key="name")
    engine = DesiredState(azure, resource, rules=rules)
    if p["state"] == "absent":
        azure.exit(**engine.absent())

    desired = desired_body(p)
    current = engine.current()
    reattached = False
    if current is not None and (provisioning_state(current) or "").lower() == "failed":
        # A failed attach cannot be updated; AzureML wants it detached first.
        reattached = True
        if azure.check_mode:
            azure.exit(changed=True, id=compute_id, resource=current, reattached=True,
                       diff={"before": {"provisioningState": "Failed"}, "after": desired})
        engine.absent()
        current = engine.current(refresh=True)
        if current is not None:
            azure.fail("AzureML compute '%s' is still there after the detach of its failed attach; rerun the task"
                       % compute_id, resource_id=compute_id)
    if current is None:
        missing = [option for option in ("cluster_id", "location") if not p[option]]
        if missing:
            azure.fail("%s required to attach AzureML compute '%s'" % (" and ".join(missing) + (
                " is" if len(missing) == 1 else " are"), compute_id))
    result = engine.present(desired, finalize=strip_server_fields)
    result["reattached"] = reattached
    if reattached:
        result["changed"] = True
    azure.exit(**result)


if __name__ == "__main__":
    main()

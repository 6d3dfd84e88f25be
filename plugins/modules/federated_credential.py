#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: federated_credential
short_description: Create, update or delete a federated identity credential of a user-assigned identity
version_added: 0.2.0
description:
  - Lets tokens from an external OIDC issuer (an AKS cluster's issuer, GitHub Actions, ...) for one subject be
    exchanged for tokens of a user-assigned managed identity (workload identity federation).
  - Azure refuses concurrent writes of credentials of the same identity; such a conflict is retried with backoff.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Credential name, 3-120 letters, digits, V(-) or V(_).
    type: str
    required: true
  identity:
    description: Name of the user-assigned identity.
    type: str
    required: true
  resource_group:
    description: Resource group of the identity.
    type: str
    required: true
  issuer:
    description:
      - The https URL of the token issuer, for example the C(oidc_issuer_url) that M(azure_robotics.stack.aks_cluster)
        returns. Required with O(state=present).
    type: str
  subject:
    description:
      - The subject of the external tokens, for Kubernetes C(system:serviceaccount:<namespace>:<name>).
      - Required with O(state=present).
    type: str
  audiences:
    description: Audience of the external tokens (exactly one).
    type: list
    elements: str
    default: [api://AzureADTokenExchange]
  state:
    description: V(present) creates or updates the credential, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Let the OSMO workflow service account use the OSMO identity
  azure_robotics.stack.federated_credential:
    name: osmo-workflow
    identity: id-osmo-robotics-dev-001
    resource_group: rg-robotics-dev-001
    issuer: "{{ aks.oidc_issuer_url }}"
    subject: system:serviceaccount:osmo-workflows:osmo-workflow
"""

RETURN = r"""
id:
  description: Resource ID of the credential.
  returned: always
  type: str
resource:
  description: The credential as Azure Resource Manager returns it.
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import name_problem, resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import jittered_backoff
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

FIELDS = FieldMap(
    Field("issuer", ("properties", "issuer")),
    Field("subject", ("properties", "subject")),
    Field("audiences", ("properties", "audiences")),
)
CONCURRENT_WRITE = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"


def main():
    azure = AzureModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            identity=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            issuer=dict(type="str"),
            subject=dict(type="str"),
            audiences=dict(type="list", elements="str", default=["api://AzureADTokenExchange"]),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        wait_options=False,
        required_if=[("state", "present", ["issuer", "subject"])],
    )
    p = azure.params
    for option, kind in (("name", "federated credential"), ("identity", "user-assigned identity")):
        problem = name_problem(kind, p[option])
        if problem:
            azure.fail("%s=%r is not a valid %s name: use %s" % (option, p[option], kind, problem))
    if p["state"] == "present":
        if not p["issuer"].startswith("https://"):
            azure.fail("issuer=%r must be an https:// URL (the OIDC issuer of the external tokens)" % p["issuer"])
        if len(p["audiences"]) != 1:
            azure.fail("audiences must hold exactly one audience, got %d" % len(p["audiences"]))
        if not p["subject"].strip():
            azure.fail("subject must not be empty")
    client = azure.client("msi")
    group, identity, name = p["resource_group"], p["identity"], p["name"]
    operations = client.federated_identity_credentials
    retry = jittered_backoff(retries=p["api_retries"], extra_codes=(CONCURRENT_WRITE,))

    @retry
    def write(body, wait):
        return operations.create_or_update(group, identity, name,
                                           to_model(operations.models.FederatedIdentityCredential, body))

    @retry
    def remove(wait):
        return operations.delete(group, identity, name)

    resource = ArmResource(
        "federated credential",
        resource_id(p["subscription_id"], group, "Microsoft.ManagedIdentity", "userAssignedIdentities", identity,
                    "federatedIdentityCredentials", name),
        read=lambda: operations.get(group, identity, name), write=write, remove=remove,
    )
    rules = Rules(ordered=[("properties", "audiences")])
    azure.exit(**DesiredState(azure, resource, rules=rules, fields=FIELDS).run(FIELDS.desired(p)))


if __name__ == "__main__":
    main()

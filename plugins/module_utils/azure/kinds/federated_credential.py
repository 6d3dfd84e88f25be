# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Federated identity credentials of user-assigned identities.

Shared by the ``federated_credential`` module and the ``arm_resources`` graph."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    identity=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    issuer=dict(type="str"),
    subject=dict(type="str"),
    audiences=dict(type="list", elements="str", default=["api://AzureADTokenExchange"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
MODULE_OPTIONS = dict(wait_options=False, required_if=[("state", "present", ["issuer", "subject"])])


def run(azure):
    """Applies ``azure.params``; returns the module result."""
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
    return DesiredState(azure, resource, rules=rules, fields=FIELDS).run(FIELDS.desired(p))

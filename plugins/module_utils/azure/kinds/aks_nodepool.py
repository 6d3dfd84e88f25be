# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AKS agent pools: options and the run of the desired-state engine.

Shared by the ``aks_nodepool`` module and the ``arm_resources`` graph (kind ``aks_nodepool``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.aks import (
    POOL_IMMUTABLE,
    POOL_OPTIONS,
    finalize_pool,
    normalize_pool,
    pool_body,
    pool_problems,
    version_tuple,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.aks import POOL_FIELDS
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import name_problem, resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

FIELDS = FieldMap(*[Field(option, ("properties",) + tuple(field.split(".")), build=False) for option, field in POOL_FIELDS])
RULES = Rules(
    immutable=[("properties",) + tuple(f.split(".")) for f in POOL_IMMUTABLE],
    versions=[("properties", "orchestratorVersion")],
)


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    cluster=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
ARGUMENT_SPEC.update(POOL_OPTIONS)
MODULE_OPTIONS = dict(wait_options=True)


def run(azure):
    """Applies ``azure.params``; returns the module result."""
    p = azure.params
    problem = name_problem("agent pool", p["name"])
    if problem:
        azure.fail("name=%r is not a valid agent pool name: use %s" % (p["name"], problem))
    problem = name_problem("managed cluster", p["cluster"])
    if problem:
        azure.fail("cluster=%r is not a valid AKS cluster name: use %s" % (p["cluster"], problem))
    if p["state"] == "present":
        problems = pool_problems(p)
        if problems:
            azure.fail("Invalid node pool options: %s." % "; ".join(problems))

    client = azure.client("containerservice")
    group, cluster, name = p["resource_group"], p["cluster"], p["name"]

    def write(body, wait):
        from azure.mgmt.containerservice.models import AgentPool

        return client.agent_pools.begin_create_or_update(group, cluster, name, to_model(AgentPool, body), polling=wait)

    resource = ArmResource(
        "agent pool", resource_id(p["subscription_id"], group, "Microsoft.ContainerService", "managedClusters", cluster,
                                  "agentPools", name),
        read=lambda: client.agent_pools.get(group, cluster, name),
        write=write,
        remove=lambda wait: client.agent_pools.begin_delete(group, cluster, name, polling=wait),
    )
    engine = DesiredState(azure, resource, rules=RULES, fields=FIELDS)

    def check(current, differences):
        wanted = p["orchestrator_version"]
        have = (current.get("properties") or {}).get("currentOrchestratorVersion")
        if wanted and have and version_tuple(wanted)[:2] < version_tuple(have)[:2]:
            azure.fail("orchestrator_version=%s is older than the pool's Kubernetes %s: AKS cannot downgrade a pool"
                       % (wanted, have), resource_id=resource.id)

    def finalize(body):
        finalize_pool(body.setdefault("properties", {}))
        return body

    desired = {"properties": pool_body(p)}
    result = engine.run(desired, create_body={"properties": finalize_pool(pool_body(p, for_create=True))},
                        check=check, finalize=finalize, normalize=lambda current: normalize_pool(current, desired))
    return result

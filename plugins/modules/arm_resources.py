#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: arm_resources
short_description: Apply many Azure resources concurrently, in dependency order
version_added: 0.3.0
description:
  - Creates or updates (or deletes) a set of Azure resources given as a dependency graph, in one task. Every
    resource whose dependencies are done starts at once, on a pool of O(concurrency) threads, so the set takes
    about as long as its longest chain of dependent operations instead of the sum of all of them.
  - Each entry of O(resources) is applied by the engine of one of the collection's modules (its O(resources[].kind)),
    with that module's options in O(resources[].params) and the same behaviour - one read, compare, write only
    what differs, wait for long operations, check mode and diff.
  - "Values only known once another resource exists (an identity's principal ID, the AKS OIDC issuer URL) are
    written as references, C({ref: <key>.<path>}), to that resource's result; they make the entry depend on it.
    C({ref: caller.object_id}) (also C(tenant_id), C(principal_type)) is the identity the task runs as."
  - The graph (keys, kinds, references, cycles, every entry's options) is checked before any request. A failed
    entry is reported with its message; the entries that depend on it are skipped, all others are applied, and
    the task fails naming them. Rerun to converge.
  - In check mode only reads are sent; an entry whose reference points at a resource that would be created is
    reported as one that would be created too.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  resources:
    description: The resources, in any order.
    type: list
    elements: dict
    required: true
    suboptions:
      key:
        description: Unique key of the entry (lowercase letters, digits and V(_)); references use it.
        type: str
        required: true
      kind:
        description:
          - Which engine applies the entry; O(resources[].params) are the options of the module of that name
            (M(azure_robotics.stack.arm_resource), M(azure_robotics.stack.aks_cluster), ...).
          - V(key_vault_secret) writes a Key Vault secret through ARM once (generated, or read from another
            resource's POST action with C(value_from)); an existing secret is never rewritten and its value is never
            returned. Options C(vault_id), C(name), C(generate) (C(length), C(special)), C(value_from)
            (C(action_id), C(api_version), C(field)), C(content_type), C(tags).
          - V(automation_runbook) publishes an Azure Automation runbook with its script (C(automation_account_id),
            C(name), C(location), C(content), C(runbook_type), C(description), C(tags)); the script's SHA-256 in the
            C(contentHash) tag makes a rerun one GET.
        type: str
        required: true
        choices: [arm_resource, resource_group, aks_cluster, aks_nodepool, user_assigned_identity, role_assignment,
                  federated_credential, resource_provider, key_vault_secret, automation_runbook]
      params:
        description:
          - Options of the kind's module, without the common Azure options (inherited from this task).
          - "Any value may be a reference C({ref: <key>.<path>}) to the result of another entry, optionally with
            C(format), a string in which C({}) is replaced by the value, or C({secret_value: <name>}), a value of
            O(secret_values)."
        type: dict
        required: true
      depends_on:
        description: Keys of entries that must be applied first (references add theirs by themselves).
        type: list
        elements: str
        default: []
      outputs:
        description:
          - Extra values to return for this entry, name -> dotted path in its result (for example
            V(resource.properties.fullyQualifiedDomainName)). Every kind returns C(id) and its summary fields anyway.
        type: dict
      write_only:
        description:
          - For O(resources[].kind=arm_resource), body fields ARM never returns (passwords), taken from a
            V(key_vault_secret) entry. They are sent when the resource is created, or when that secret was written in
            this run; they are never compared and never shown.
        type: list
        elements: dict
        suboptions:
          path:
            description: Dotted path in the body, for example V(properties.administratorLoginPassword).
            type: str
            required: true
          secret:
            description: Key of the V(key_vault_secret) entry that holds the value.
            type: str
            required: true
      description:
        description: What the entry is, for people reading the graph.
        type: str
  concurrency:
    description:
      - How many entries are applied at the same time at most. Ready entries that start the longest chains of
        long operations go first.
    type: int
    default: 16
  secret_values:
    description:
      - "Secret values (for example VPN shared keys) that O(resources[].params) refer to as C({secret_value: <name>}),
        so that they never appear in the resource list, the output or the logs."
    type: dict
    default: {}
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Sends only reads; lists every resource it would create or change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: One diff per changed resource, headed by its key and id. Secrets and write-only fields are never shown.
notes:
  - O(wait) and O(wait_timeout) are the defaults of every entry; an entry may set its own in O(resources[].params).
"""

EXAMPLES = r"""
- name: Network, identity and its role, AKS and a federated credential, at once
  vars:
    group_id: /subscriptions/{{ subscription_id }}/resourceGroups/rg-robotics-dev-001
  azure_robotics.stack.arm_resources:
    resources:
      - key: group
        kind: resource_group
        params: {name: rg-robotics-dev-001, location: westus3}
      - key: vnet
        kind: arm_resource
        params:
          resource_type: Microsoft.Network/virtualNetworks
          name: vnet-robotics-dev-001
          resource_group: rg-robotics-dev-001
          api_version: "2024-01-01"
          body:
            location: westus3
            properties:
              addressSpace: {addressPrefixes: [10.0.0.0/16]}
              subnets:
                - name: snet-aks
                  properties: {addressPrefix: 10.0.5.0/24}
        depends_on: [group]
      - key: ml_identity
        kind: user_assigned_identity
        params: {name: id-ml-robotics-dev-001, resource_group: rg-robotics-dev-001, location: westus3}
        depends_on: [group]
      - key: ml_contributor
        kind: role_assignment
        params:
          scope: "{{ group_id }}"
          principal_id: {ref: ml_identity.principal_id}
          principal_type: ServicePrincipal
          role: Contributor
      - key: aks
        kind: aks_cluster
        params:
          name: aks-robotics-dev-001
          resource_group: rg-robotics-dev-001
          location: westus3
          oidc_issuer: true
          workload_identity: true
          system_pool:
            vm_size: Standard_D8ds_v5
            count: 1
            vnet_subnet_id: "{{ group_id }}/providers/Microsoft.Network/virtualNetworks/vnet-robotics-dev-001/subnets/snet-aks"
        depends_on: [vnet]
      - key: ml_default_sa
        kind: federated_credential
        params:
          name: aml-default-fic
          identity: id-ml-robotics-dev-001
          resource_group: rg-robotics-dev-001
          issuer: {ref: aks.oidc_issuer_url}
          subject: system:serviceaccount:azureml:default
        depends_on: [ml_identity]
  register: platform
"""

RETURN = r"""
resources:
  description:
    - Per entry key - C(kind), C(status) (V(ok), V(failed), V(skipped)), C(changed), C(action) (V(create) or
      V(update) when changed), C(id), C(outputs) (the kind's summary fields and the requested O(resources[].outputs)),
      C(depends_on), C(started) and C(seconds) (relative to the start of the task), C(msg) when failed or skipped,
      C(pending) in check mode when it would be created after a resource that does not exist yet.
  returned: always
  type: dict
timing:
  description:
    - C(elapsed) seconds of the whole graph, C(sum) of the entries' own durations (what one task per resource would
      at least take) and the C(longest_chain) of measured durations through the dependencies (C(seconds), C(keys)).
  returned: always
  type: dict
diff:
  description: One diff per changed entry (C(before_header) / C(after_header) name it).
  returned: when diff mode is on
  type: list
  elements: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AZURE_WAIT_ARGS, AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.graph import (
    GraphProblem,
    GraphRunner,
    critical_path,
    parse_nodes,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import (
    aks_cluster,
    aks_nodepool,
    arm_resource,
    automation_runbook,
    federated_credential,
    key_vault_secret,
    resource_group,
    resource_provider,
    role_assignment,
    user_assigned_identity,
)

KINDS = dict(
    arm_resource=arm_resource, resource_group=resource_group, aks_cluster=aks_cluster, aks_nodepool=aks_nodepool,
    user_assigned_identity=user_assigned_identity, role_assignment=role_assignment,
    federated_credential=federated_credential, resource_provider=resource_provider,
    key_vault_secret=key_vault_secret, automation_runbook=automation_runbook,
)


def main():
    azure = AzureModule(argument_spec=dict(
        resources=dict(type="list", elements="dict", required=True, options=dict(
            key=dict(type="str", required=True, no_log=False),
            kind=dict(type="str", required=True, choices=sorted(KINDS)),
            params=dict(type="dict", required=True),
            depends_on=dict(type="list", elements="str", default=[]),
            outputs=dict(type="dict"),
            write_only=dict(type="list", elements="dict", no_log=False, options=dict(
                path=dict(type="str", required=True),
                secret=dict(type="str", required=True, no_log=False),
            )),
            description=dict(type="str"),
        )),
        concurrency=dict(type="int", default=16),
        secret_values=dict(type="dict", no_log=True, default={}),
    ))
    p = azure.params
    if p["concurrency"] < 1:
        azure.fail("concurrency must be at least 1, got %d" % p["concurrency"])
    common = dict((k, v) for k, v in p.items() if k not in ("resources", "concurrency", "secret_values"))
    for option in AZURE_WAIT_ARGS:
        common.pop(option, None)
    common.update(wait=p["wait"], wait_timeout=p["wait_timeout"])
    try:
        nodes = parse_nodes(p["resources"], KINDS, secret_names=set(p["secret_values"]))
        runner = GraphRunner(azure, nodes, KINDS, common, concurrency=p["concurrency"], secrets=p["secret_values"])
        runner.check_options()
    except GraphProblem as exc:
        azure.fail("Invalid resources: %s" % "; ".join(exc.problems), problems=exc.problems)

    runner.run()
    summary, failures = runner.report()
    durations = dict((key, entry.get("seconds") or 0.0) for key, entry in summary.items())
    chain_seconds, chain = critical_path(dict((k, n.depends_on) for k, n in nodes.items()), durations)
    timing = dict(elapsed=round(runner.clock() - runner.started, 3), sum=round(sum(durations.values()), 3),
                  longest_chain=dict(seconds=round(chain_seconds, 3), keys=chain))
    result = dict(changed=any(e["changed"] for e in summary.values()), resources=summary, timing=timing)
    if azure.module._diff:
        result["diff"] = runner.diffs()
    for key, entry in summary.items():
        for warning in entry.get("warnings") or []:
            azure.warn("%s: %s" % (key, warning))
    if failures:
        skipped = [k for k, e in summary.items() if e["status"] == "skipped"]
        azure.fail("%d of %d resources failed: %s.%s The others were applied; fix the cause and rerun."
                   % (len(failures), len(summary), "; ".join(failures),
                      " Not applied because they depend on a failed one: %s." % ", ".join(skipped) if skipped else ""),
                   **result)
    azure.exit(**result)


if __name__ == "__main__":
    main()

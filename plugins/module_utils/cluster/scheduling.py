# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which node pools OSMO (KAI Scheduler) and which AzureML (Volcano) may schedule on.

Two schedulers on the same nodes overcommit them: each believes it owns the GPUs. So every pool belongs to at
most one of them. A pool says so with ``workloads: osmo | azureml`` in ``node_pools``; the roles' lists
(``osmo_node_pool_names``, ``azureml_extension_node_pool_names``) may name pools instead. GPU pools that neither claims go
to OSMO. Pod templates and InstanceTypes then select their pools by the AKS agent-pool label, so neither
scheduler's pods land on the other's nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np

PLATFORMS = ("osmo", "azureml")
LABELS = {"osmo": "OSMO (KAI Scheduler)", "azureml": "AzureML (Volcano)"}


def _names(value, variable, pools):
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise np.NodePoolError("%s must be a list of node pool names, got %r" % (variable, value))
    for name in value:
        if name not in pools:
            raise np.NodePoolError("%s names %r, which is not declared in node_pools (declared: %s)"
                                   % (variable, name, ", ".join(sorted(pools))))
    return list(value)


def scheduler_assignment(pools, osmo_pools=None, azureml_pools=None, osmo_variable="osmo_node_pool_names",
                         azureml_variable="azureml_extension_node_pool_names"):
    """{'osmo': [pool, ...], 'azureml': [pool, ...]}, disjoint; raises NodePoolError naming the variables."""
    np.validate_node_pools(pools)
    declared = {}
    for name in sorted(pools):
        value = pools[name].get("workloads")
        if value is not None and value not in PLATFORMS:
            raise np.NodePoolError("node_pools.%s.workloads must be osmo or azureml, got %r" % (name, value))
        declared[name] = value
    variables = {"osmo": osmo_variable, "azureml": azureml_variable}
    explicit = {"osmo": _names(osmo_pools, osmo_variable, pools),
                "azureml": _names(azureml_pools, azureml_variable, pools)}
    if explicit["osmo"] is not None and explicit["azureml"] is not None:
        both = sorted(set(explicit["osmo"]) & set(explicit["azureml"]))
        if both:
            raise np.NodePoolError("node pool %s is claimed by both %s (%s) and %s (%s); a pool can belong to one "
                                   "scheduler only - remove it from one of the lists"
                                   % (", ".join(both), osmo_variable, LABELS["osmo"], azureml_variable,
                                      LABELS["azureml"]))
    for platform in PLATFORMS:
        other = "azureml" if platform == "osmo" else "osmo"
        for name in explicit[platform] or []:
            if declared[name] == other:
                raise np.NodePoolError("node pool %s is claimed by both %s (%s) and node_pools.%s.workloads=%s; a "
                                       "pool can belong to one scheduler only"
                                       % (name, variables[platform], LABELS[platform], name, other))
    gpu = set(np.gpu_pools(pools))
    result = {}
    for platform in PLATFORMS:
        other = "azureml" if platform == "osmo" else "osmo"
        if explicit[platform] is not None:
            result[platform] = sorted(explicit[platform])
            continue
        taken = set(explicit[other] or [])
        chosen = []
        for name in sorted(pools):
            if name in taken:
                continue
            if declared[name] == platform or (platform == "osmo" and declared[name] is None and name in gpu):
                chosen.append(name)
        result[platform] = chosen
    return result


def isolation_problems(pools, assignment, selectors):
    """Selectors (platform -> list of (what, nodeSelector)) that would match a pool of the other platform.

    A node of pool P carries the AKS agent-pool label P, its VM size, and its declared labels; a selector matches
    when every key/value is on the node.
    """
    problems = []
    for platform, entries in selectors.items():
        others = [name for other in PLATFORMS if other != platform for name in assignment.get(other, [])]
        for what, selector in entries:
            for name in others:
                labels = dict(np.pool_node_labels(name, pools[name]))
                labels[np.AGENTPOOL_LABEL] = name
                labels[np.INSTANCE_TYPE_LABEL] = pools[name]["vm_size"]
                if pools[name].get("priority") == "Spot":
                    labels[np.SPOT_TAINT["key"]] = np.SPOT_TAINT["value"]
                if all(labels.get(key) == value for key, value in (selector or {}).items()):
                    problems.append("%s of %s would also select node pool %s of %s"
                                    % (what, LABELS[platform], name, LABELS["azureml" if platform == "osmo" else "osmo"]))
    return problems

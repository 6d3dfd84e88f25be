# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AzureML Kubernetes extension needs from the node pools it schedules on (through Volcano).

- one InstanceType (``amlarc.azureml.com/v1alpha1``) per GPU node pool AzureML owns, named after the pool and
  pinned to it by the AKS agent-pool label, with requests of half and limits of the workload share of a node
  (all GPUs, vCPUs less two, three quarters of the memory); plus ``defaultinstancetype`` (used when a job names
  none: 1 CPU / 4Gi requested, 2 / 8Gi limit, as in the reference), pinned to the AKS system pool
  (``kubernetes.azure.com/mode: system``) so that a job without an instance type cannot land on OSMO's GPU nodes
  through the extension-wide GPU tolerations;
- ``workLoadToleration[i]`` extension settings: the tolerations of those pools, so training pods may run there.

InstanceType rules (the extension's CRD is not public): names are DNS labels; ``nodeSelector`` is a string map;
CPU and memory requests and limits are set and non-zero; the GPU resource is an integer and only in limits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from ansible_collections.azure_robotics.stack.plugins.module_utils.azureml_pod_template import merge_pod_templates
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.inputs import InputError
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.scheduling import isolation_problems
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.vm_sizes import pool_capacity, workload_share

API_VERSION = "amlarc.azureml.com/v1alpha1"
KIND = "InstanceType"
DEFAULT_NAME = "defaultinstancetype"
DEFAULT_RESOURCES = {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "8Gi"}}
SYSTEM_POOL_SELECTOR = {"kubernetes.azure.com/mode": "system"}
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _instance_type(name, node_selector, resources):
    spec = {"resources": resources}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name}, "spec": spec}


def instance_types(pools, azureml_pools, overrides=None, default_instance_type=True, osmo_pools=None):
    """InstanceType manifests: ``defaultinstancetype`` (optional) and one per AzureML GPU pool.

    ``osmo_pools``: the pools OSMO owns; an InstanceType selecting one of them is refused.
    """
    overrides = overrides or {}
    gpu = set(np.gpu_pools(pools))
    known = set(azureml_pools) | {DEFAULT_NAME}
    for name in overrides:
        if name not in known:
            raise InputError("azureml_extension_instance_type_overrides names %r, which is neither an AzureML node "
                             "pool (%s) nor %s" % (name, ", ".join(azureml_pools) or "none", DEFAULT_NAME))
    result = []
    if default_instance_type:
        result.append(_instance_type(DEFAULT_NAME, dict(SYSTEM_POOL_SELECTOR), DEFAULT_RESOURCES))
    for name in azureml_pools:
        pool = np.get_pool(pools, name, option="azureml_extension_node_pool_names")
        if name not in gpu:
            continue
        share = workload_share(pool_capacity(name, pool))
        limits = {"cpu": str(share["cpu"]), "memory": "%dGi" % share["memory_gib"],
                  np.gpu_resource_name(pool): share["gpus"]}
        requests = {"cpu": str(max(1, share["cpu"] // 2)), "memory": "%dGi" % max(1, share["memory_gib"] // 2)}
        result.append(_instance_type(name, {np.AGENTPOOL_LABEL: name}, {"requests": requests, "limits": limits}))
    for item in result:
        override = overrides.get(item["metadata"]["name"])
        if override is not None:
            if not isinstance(override, dict):
                raise InputError("azureml_extension_instance_type_overrides.%s must be a mapping (nodeSelector, "
                                 "resources)" % item["metadata"]["name"])
            item["spec"] = merge_pod_templates(item["spec"], override)
    for item in result:
        problems = instance_type_problems(item)
        if problems:
            raise InputError("azureml_extension_instance_type_overrides: InstanceType %s is invalid: %s"
                             % (item["metadata"]["name"], "; ".join(problems)))
    selectors = [("InstanceType %s" % item["metadata"]["name"], item["spec"].get("nodeSelector"))
                 for item in result if item["spec"].get("nodeSelector")]
    problems = isolation_problems(pools, {"azureml": list(azureml_pools), "osmo": list(osmo_pools or [])},
                                  {"azureml": selectors})
    if problems:
        raise InputError("azureml_extension_instance_type_overrides: %s" % "; ".join(problems))
    return result


def _positive(quantity):
    text = str(quantity)
    match = re.match(r"^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$", text)
    return bool(match) and float(match.group(1)) > 0


def instance_type_problems(item):
    """Violations of the InstanceType rules (see the module docstring); empty when valid."""
    problems = []
    name = (item.get("metadata") or {}).get("name")
    if not isinstance(name, str) or len(name) > 63 or not _NAME.match(name):
        problems.append("metadata.name %r is not a DNS label" % (name,))
    spec = item.get("spec") or {}
    selector = spec.get("nodeSelector")
    if selector is not None and not (isinstance(selector, dict)
                                     and all(isinstance(v, str) for v in selector.values())):
        problems.append("spec.nodeSelector must map label names to strings")
    resources = spec.get("resources") or {}
    for part in ("requests", "limits"):
        for key in ("cpu", "memory"):
            value = (resources.get(part) or {}).get(key)
            if value is None or not _positive(value):
                problems.append("spec.resources.%s.%s must be set and greater than zero, got %r" % (part, key, value))
    for key in (resources.get("requests") or {}):
        if key.startswith("nvidia.com/"):
            problems.append("spec.resources.requests.%s: GPUs go in limits only" % key)
    for key, value in (resources.get("limits") or {}).items():
        if key.startswith("nvidia.com/") and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems.append("spec.resources.limits.%s must be a whole number, got %r" % (key, value))
    return problems


def workload_toleration_settings(pools, azureml_pools):
    """``workLoadToleration[i].key/operator/value/effect`` configuration settings for the AzureML pools."""
    settings = {}
    tolerations = np.pools_tolerations(pools, azureml_pools) if azureml_pools else []
    for index, toleration in enumerate(tolerations):
        for field in ("key", "operator", "value", "effect"):
            if field in toleration:
                settings["workLoadToleration[%d].%s" % (index, field)] = toleration[field]
    return settings

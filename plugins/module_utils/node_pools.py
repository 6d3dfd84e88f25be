# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node pools, declared once in inventory (``node_pools``), and what Kubernetes objects need from them.

A pool is a mapping (name -> settings) as in the reference's Terraform ``node_pools`` variable::

    gpu:
      vm_size: Standard_NV36ads_A10_v5
      priority: Spot                      # Regular | Spot
      eviction_policy: Delete
      node_taints: ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]
      node_labels: {accelerator: nvidia}
      min_count: 1
      max_count: 1
      gpu_driver: Install                 # Install (AKS-managed) | None (GPU Operator / GRID)
      gpu_sharing: {strategy: time-slicing, replicas: 4}   # optional

Every function here is pure (no I/O) and raises ``NodePoolError`` with a message naming the pool and the field,
so that callers (filters, modules, roles) fail before touching a cluster. Other derivations (AKS agent pool
bodies, OSMO platforms, AzureML instance types) belong here too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
PRIORITIES = ("Regular", "Spot")
GPU_DRIVERS = ("Install", "None")
SHARING_STRATEGIES = ("time-slicing",)

# AKS adds this taint to every Spot pool whether or not it is declared; pods must tolerate it.
SPOT_TAINT = {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"}
AGENTPOOL_LABEL = "kubernetes.azure.com/agentpool"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config"
GPU_RESOURCE = "nvidia.com/gpu"
SHARED_GPU_RESOURCE = "nvidia.com/gpu.shared"

_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME_PART = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


class NodePoolError(ValueError):
    """A node pool declaration or a reference to a pool is wrong; the message names what and where."""


def _qualified_name(key):
    """Kubernetes qualified name: [DNS-subdomain prefix/]name, name <= 63 characters."""
    if not isinstance(key, str) or not key:
        return False
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return len(name) <= 63 and bool(_NAME_PART.match(name))


def _label_value(value):
    return isinstance(value, str) and len(value) <= 63 and bool(_LABEL_VALUE.match(value))


def parse_taint(text, where="node_taints"):
    """'key[=value]:Effect' (the az CLI / AKS syntax) -> {'key', 'value'?, 'effect'}."""
    if isinstance(text, dict):
        taint = {"key": text.get("key"), "effect": text.get("effect")}
        if text.get("value") not in (None, ""):
            taint["value"] = text["value"]
    else:
        if not isinstance(text, str) or ":" not in text:
            raise NodePoolError("%s: taint %r must look like key=value:Effect or key:Effect" % (where, text))
        head, _, effect = text.rpartition(":")
        key, sep, value = head.partition("=")
        taint = {"key": key, "effect": effect}
        if sep and value:
            taint["value"] = value
        elif sep:
            raise NodePoolError("%s: taint %r has an empty value; write key:Effect for a taint without value"
                                % (where, text))
    if not _qualified_name(taint["key"]):
        raise NodePoolError("%s: taint key %r is not a valid Kubernetes qualified name" % (where, taint["key"]))
    if "value" in taint and not _label_value(taint["value"]):
        raise NodePoolError("%s: taint value %r is not a valid label value" % (where, taint["value"]))
    if taint["effect"] not in EFFECTS:
        raise NodePoolError("%s: taint effect %r must be one of %s" % (where, taint["effect"], ", ".join(EFFECTS)))
    return taint


def format_taint(taint):
    """{'key', 'value'?, 'effect'} -> 'key[=value]:Effect'."""
    value = taint.get("value")
    return "%s%s:%s" % (taint["key"], "=" + value if value else "", taint["effect"])


def validate_pool(name, pool, variable="node_pools"):
    """Checks one pool's declaration; returns it unchanged or raises NodePoolError."""
    where = "%s.%s" % (variable, name)
    if not isinstance(name, str) or not _POOL_NAME.match(name):
        raise NodePoolError("%s: pool names must be 1-12 lowercase letters or digits starting with a letter "
                            "(an AKS limit), got %r" % (variable, name))
    if not isinstance(pool, dict):
        raise NodePoolError("%s must be a mapping of pool settings, got %s" % (where, type(pool).__name__))
    if not isinstance(pool.get("vm_size"), str) or not pool["vm_size"]:
        raise NodePoolError("%s.vm_size is required (an Azure VM size such as Standard_NV36ads_A10_v5)" % where)
    priority = pool.get("priority", "Regular")
    if priority not in PRIORITIES:
        raise NodePoolError("%s.priority must be Regular or Spot, got %r" % (where, priority))
    taints = pool.get("node_taints") or []
    if not isinstance(taints, list):
        raise NodePoolError("%s.node_taints must be a list of key=value:Effect strings" % where)
    for taint in taints:
        parse_taint(taint, "%s.node_taints" % where)
    labels = pool.get("node_labels") or {}
    if not isinstance(labels, dict):
        raise NodePoolError("%s.node_labels must be a mapping of label to value" % where)
    for key, value in labels.items():
        if not _qualified_name(key):
            raise NodePoolError("%s.node_labels: %r is not a valid label key" % (where, key))
        if not _label_value(value):
            raise NodePoolError("%s.node_labels.%s: %r is not a valid label value (a string of at most 63 "
                                "alphanumerics, '-', '_' or '.')" % (where, key, value))
    counts = {}
    for field in ("min_count", "max_count", "node_count"):
        if pool.get(field) is not None:
            if not isinstance(pool[field], int) or isinstance(pool[field], bool) or pool[field] < 0:
                raise NodePoolError("%s.%s must be a whole number >= 0, got %r" % (where, field, pool[field]))
            counts[field] = pool[field]
    if "min_count" in counts and "max_count" in counts and counts["min_count"] > counts["max_count"]:
        raise NodePoolError("%s: min_count %d is greater than max_count %d"
                            % (where, counts["min_count"], counts["max_count"]))
    if pool.get("gpu_driver") is not None and pool["gpu_driver"] not in GPU_DRIVERS:
        raise NodePoolError("%s.gpu_driver must be Install or None, got %r" % (where, pool["gpu_driver"]))
    sharing = pool.get("gpu_sharing")
    if sharing is not None:
        if not isinstance(sharing, dict):
            raise NodePoolError("%s.gpu_sharing must be a mapping (strategy, replicas)" % where)
        if sharing.get("strategy", "time-slicing") not in SHARING_STRATEGIES:
            raise NodePoolError("%s.gpu_sharing.strategy must be time-slicing, got %r" % (where, sharing["strategy"]))
        replicas = sharing.get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 1:
            raise NodePoolError("%s.gpu_sharing.replicas must be a whole number >= 1, got %r" % (where, replicas))
    return pool


def validate_node_pools(pools, variable="node_pools"):
    if not isinstance(pools, dict) or not pools:
        raise NodePoolError("%s must be a non-empty mapping of pool name to settings" % variable)
    for name, pool in pools.items():
        validate_pool(name, pool, variable)
    return pools


def get_pool(pools, name, option="node_pool", variable="node_pools"):
    """The validated pool ``name``; an unknown name fails with the option and the known pools named."""
    if not isinstance(pools, dict) or name not in pools:
        known = ", ".join(sorted(pools)) if isinstance(pools, dict) and pools else "none"
        raise NodePoolError("%s %r is not declared in %s (declared: %s)" % (option, name, variable, known))
    return validate_pool(name, pools[name], variable)


def pool_taints(pool):
    """Declared taints plus the one AKS puts on Spot pools, without duplicates."""
    taints = []
    for text in pool.get("node_taints") or []:
        taint = parse_taint(text)
        if taint not in taints:
            taints.append(taint)
    if pool.get("priority") == "Spot" and SPOT_TAINT not in taints:
        taints.append(dict(SPOT_TAINT))
    return taints


def toleration(taint):
    """The toleration matching ``taint`` exactly: Equal with a value, Exists without."""
    if taint.get("value"):
        return {"key": taint["key"], "operator": "Equal", "value": taint["value"], "effect": taint["effect"]}
    return {"key": taint["key"], "operator": "Exists", "effect": taint["effect"]}


def pool_tolerations(pool):
    return [toleration(t) for t in pool_taints(pool)]


def pools_tolerations(pools, names=None):
    """Tolerations letting one pod (e.g. a DaemonSet) run on every pool in ``names`` (default: all)."""
    result = []
    for name in sorted(names if names is not None else pools):
        for item in pool_tolerations(get_pool(pools, name, option="names")):
            if item not in result:
                result.append(item)
    return result


def pool_node_selector(name, pool, by="agentpool"):
    """Pins pods to pool ``name``: by AKS's agentpool label (exact) or by VM size (any pool of that size)."""
    if by == "agentpool":
        return {AGENTPOOL_LABEL: name}
    if by == "vm_size":
        return {INSTANCE_TYPE_LABEL: pool["vm_size"]}
    raise NodePoolError("by must be agentpool or vm_size, got %r" % (by,))


def time_slicing_config_name(name, pool):
    """The device-plugin config key of a time-sliced pool ('<pool>-ts<replicas>'), or None."""
    sharing = pool.get("gpu_sharing")
    if not sharing or sharing.get("replicas", 1) <= 1:
        return None
    return "%s-ts%d" % (name, sharing["replicas"])


def pool_node_labels(name, pool):
    """Labels the pool's nodes must carry: the declared ones plus the device-plugin config selector."""
    labels = dict(pool.get("node_labels") or {})
    config = time_slicing_config_name(name, pool)
    if config:
        labels[DEVICE_PLUGIN_CONFIG_LABEL] = config
    return labels


def gpu_resource_name(pool):
    """Extended resource pods request: nvidia.com/gpu, or nvidia.com/gpu.shared when sharing renames it."""
    sharing = pool.get("gpu_sharing") or {}
    return SHARED_GPU_RESOURCE if sharing.get("rename_by_default") else GPU_RESOURCE


def device_plugin_config(pools):
    """NVIDIA device-plugin configs for every time-sliced pool: {config name: config mapping}.

    The GPU Operator's device plugin reads the ConfigMap named in ClusterPolicy
    ``spec.devicePlugin.config.name``; each node picks the entry named by its
    ``nvidia.com/device-plugin.config`` label (see ``pool_node_labels``).
    """
    configs = {}
    for name in sorted(pools):
        pool = get_pool(pools, name, option="pool")
        key = time_slicing_config_name(name, pool)
        if key is None:
            continue
        sharing = pool["gpu_sharing"]
        resource = {"name": GPU_RESOURCE, "replicas": sharing["replicas"]}
        time_slicing = {"resources": [resource]}
        if sharing.get("rename_by_default"):
            time_slicing["renameByDefault"] = True
        if sharing.get("fail_requests_greater_than_one"):
            time_slicing["failRequestsGreaterThanOne"] = True
        configs[key] = {"version": "v1", "flags": {"migStrategy": "none"}, "sharing": {"timeSlicing": time_slicing}}
    return configs


def gpu_pools(pools):
    """Names of the pools that have GPUs (a GPU driver setting or an NVIDIA taint/label)."""
    names = []
    for name in sorted(pools):
        pool = get_pool(pools, name, option="pool")
        taint_keys = {t["key"] for t in pool_taints(pool)}
        if pool.get("gpu_driver") is not None or GPU_RESOURCE in taint_keys or pool.get("gpu_sharing") \
                or (pool.get("node_labels") or {}).get("accelerator") == "nvidia":
            names.append(name)
    return names

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

Two kinds of callers: the infrastructure tier (``node_pool_problems`` lists every problem at once, then
``pool_settings``/``agent_pool_options``/``node_pool_subnets``/``node_pools_summary`` fill in the reference's
defaults and derive AKS agent pools, subnets and the platform facts' summary), and the cluster tier (``validate_pool``
and ``get_pool`` raise ``NodePoolError`` at the first problem; tolerations, node selectors, device-plugin configs).
Every function is pure (no I/O) and its messages name ``node_pools.<pool>.<setting>``, so callers fail before
touching Azure or a cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
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
    prefix, _sep, name = key.rpartition("/")
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
        head, _sep, effect = text.rpartition(":")
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
    problem = _sharing_problem(where, pool.get("gpu_sharing"))
    if problem:
        raise NodePoolError(problem)
    return pool


def _sharing_problem(where, sharing):
    if sharing is None:
        return None
    if not isinstance(sharing, dict):
        return "%s.gpu_sharing must be a mapping (strategy, replicas)" % where
    if sharing.get("strategy", "time-slicing") not in SHARING_STRATEGIES:
        return "%s.gpu_sharing.strategy must be time-slicing, got %r" % (where, sharing["strategy"])
    replicas = sharing.get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 1:
        return "%s.gpu_sharing.replicas must be a whole number >= 1, got %r" % (where, replicas)
    return None


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


# Infrastructure tier: the reference's defaults, collected problems, AKS agent pools, subnets, facts summary.
# The reference's taints of its GPU pool, in the az CLI / AKS syntax the agent pool API takes.
SPOT_TAINT_SPEC = format_taint(SPOT_TAINT)
GPU_TAINT_SPEC = "nvidia.com/gpu:NoSchedule"

# The reference's default ``gpu`` pool (refarch 2.3); subnet_address_prefixes has no default for other pools.
DEFAULT_POOL = dict(
    vm_size="Standard_NV36ads_A10_v5",
    subnet_address_prefixes=None,
    node_count=None,
    node_taints=[GPU_TAINT_SPEC, SPOT_TAINT_SPEC],
    node_labels={"accelerator": "nvidia"},
    enable_auto_scaling=True,
    min_count=1,
    max_count=1,
    priority="Spot",
    eviction_policy="Delete",
    spot_max_price=None,
    zones=[],
    gpu_driver="Install",
    os_disk_size_gb=None,
    os_disk_type=None,
    os_sku=None,
    max_pods=None,
    gpu_sharing=None,
    # Read by the cluster tier only: which scheduler owns the pool (osmo | azureml) and, for VM sizes the
    # cluster roles do not know, the capacity of one node.
    workloads=None,
    gpu_count=None,
    vcpus=None,
    memory_gib=None,
)
DEFAULT_NODE_POOLS = {"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"]}}

SETTINGS = tuple(DEFAULT_POOL)
_VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
_RESERVED = ("system",)


def pool_settings(name, pool):
    """One pool with the defaults filled in (a new dict)."""
    settings = copy.deepcopy(DEFAULT_POOL)
    for key, value in (pool or {}).items():
        if value is not None or key not in settings:
            settings[key] = copy.deepcopy(value)
    if settings.get("priority") != "Spot":
        # The default eviction policy and Spot taint belong to Spot pools only.
        if "eviction_policy" not in (pool or {}):
            settings["eviction_policy"] = None
        if "node_taints" not in (pool or {}):
            settings["node_taints"] = [GPU_TAINT_SPEC]
    settings["name"] = name
    return settings


def all_pool_settings(node_pools):
    """Every pool with its defaults, in name order."""
    return [pool_settings(name, pool) for name, pool in sorted((node_pools or {}).items())]


def _networks(prefixes):
    nets = []
    for prefix in prefixes or []:
        try:
            nets.append(ipaddress.ip_network(str(prefix), strict=True))
        except ValueError:
            pass
    return nets


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def node_pool_problems(node_pools, vnet_address_space=(), other_subnets=None, zones_supported=True,
                       variable="node_pools", subnets=True):
    """Everything wrong with ``node_pools``, one message per problem, naming ``<variable>.<pool>.<setting>``.

    ``vnet_address_space``: the VNet's prefixes (pool subnets must lie inside); ``other_subnets``: name ->
    prefix of the platform's other subnets (pool subnets must not overlap them); ``zones_supported``: False
    for regions without availability zones; ``subnets``: False where the subnets are not needed (they exist
    already and their ids are given).
    """
    problems = []
    if node_pools is None:
        return problems
    if not isinstance(node_pools, dict):
        return ["%s must be a mapping of pool name to settings, got %s" % (variable, type(node_pools).__name__)]
    vnet = _networks(vnet_address_space)
    taken = dict((name, net) for name, prefix in (other_subnets or {}).items() for net in _networks([prefix]))
    for name in sorted(node_pools):
        pool = node_pools[name]
        where = "%s.%s" % (variable, name)
        if not isinstance(name, str) or not _POOL_NAME.match(name) or name in _RESERVED:
            problems.append("%s: pool name %r must be 1-12 lowercase letters and digits starting with a letter, and "
                            "not %s" % (where, name, "/".join(_RESERVED)))
        if pool is not None and not isinstance(pool, dict):
            problems.append("%s must be a mapping of settings, got %s" % (where, type(pool).__name__))
            continue
        unknown = sorted(set(pool or {}) - set(SETTINGS))
        if unknown:
            problems.append("%s: unknown setting(s) %s; known: %s" % (where, ", ".join(unknown), ", ".join(SETTINGS)))
        p = pool_settings(name, pool)
        if not isinstance(p["vm_size"], str) or not _VM_SIZE.match(p["vm_size"]):
            problems.append("%s.vm_size=%r must be an Azure VM size such as Standard_NC24ads_A100_v4"
                            % (where, p["vm_size"]))
        if subnets:
            problems.extend(_subnet_problems(where, p["subnet_address_prefixes"], vnet, taken, name))
        problems.extend(_scale_problems(where, p))
        if p["priority"] not in ("Regular", "Spot"):
            problems.append("%s.priority=%r must be Regular or Spot" % (where, p["priority"]))
        elif p["priority"] == "Spot":
            if p["eviction_policy"] not in ("Delete", "Deallocate"):
                problems.append("%s.eviction_policy=%r: a Spot pool needs Delete or Deallocate (what happens to "
                                "evicted nodes)" % (where, p["eviction_policy"]))
        else:
            for setting in ("eviction_policy", "spot_max_price"):
                if p[setting] is not None:
                    problems.append("%s.%s only applies with priority=Spot" % (where, setting))
        if p["gpu_driver"] not in ("Install", "None"):
            problems.append("%s.gpu_driver=%r must be Install (AKS-managed driver) or None (GPU Operator)"
                            % (where, p["gpu_driver"]))
        taints = p["node_taints"]
        if not isinstance(taints, list):
            problems.append("%s.node_taints must be a list such as [\"nvidia.com/gpu:NoSchedule\"]" % where)
        else:
            for taint in taints:
                try:
                    parse_taint(taint, "%s.node_taints" % where)
                except NodePoolError as exc:
                    problems.append(str(exc))
        labels = p["node_labels"]
        if not isinstance(labels, dict):
            problems.append("%s.node_labels must be a mapping of label to value" % where)
        else:
            for key, value in sorted(labels.items()):
                if not _qualified_name(key) or not _label_value(value):
                    problems.append("%s.node_labels entry %r=%r is not a valid Kubernetes label" % (where, key, value))
        zones = p["zones"]
        if not isinstance(zones, list) or any(str(z) not in ("1", "2", "3") for z in zones):
            problems.append("%s.zones=%r must be a list of availability zones 1, 2, 3 (or empty)" % (where, zones))
        elif zones and not zones_supported:
            problems.append("%s.zones=%r: the region has no availability zones; use []" % (where, zones))
        for setting, low in (("max_pods", 10), ("os_disk_size_gb", 30)):
            value = p[setting]
            if value is not None and (not _is_int(value) or value < low):
                problems.append("%s.%s=%r must be a number of at least %d" % (where, setting, value, low))
        sharing = _sharing_problem(where, p["gpu_sharing"])
        if sharing:
            problems.append(sharing)
        if p["os_disk_type"] not in (None, "Managed", "Ephemeral"):
            problems.append("%s.os_disk_type=%r must be Managed or Ephemeral" % (where, p["os_disk_type"]))
    return problems


def _subnet_problems(where, prefixes, vnet, taken, name):
    problems = []
    setting = "%s.subnet_address_prefixes" % where
    if not prefixes:
        return ["%s is required: each pool gets its own subnet (e.g. [\"10.0.7.0/24\"])" % setting]
    if not isinstance(prefixes, list):
        return ["%s must be a list of CIDR prefixes" % setting]
    for prefix in prefixes:
        try:
            net = ipaddress.ip_network(str(prefix), strict=True)
        except ValueError as exc:
            problems.append("%s entry %r is not a valid CIDR prefix (%s)" % (setting, prefix, exc))
            continue
        if vnet and not any(net.version == v.version and net.subnet_of(v) for v in vnet):
            problems.append("%s entry %s lies outside the virtual network (%s)"
                            % (setting, prefix, ", ".join(str(v) for v in vnet)))
        for other, other_net in sorted(taken.items()):
            if other != "pool:" + name and net.version == other_net.version and net.overlaps(other_net):
                problems.append("%s entry %s overlaps the %s subnet (%s)" % (setting, prefix, other.replace(
                    "pool:", "node pool ") if other.startswith("pool:") else other, other_net))
        taken["pool:" + name] = net
    return problems


def _scale_problems(where, p):
    problems = []
    low, high, count = p["min_count"], p["max_count"], p["node_count"]
    for setting in ("min_count", "max_count", "node_count"):
        if p[setting] is not None and (not _is_int(p[setting]) or not 0 <= p[setting] <= 1000):
            problems.append("%s.%s=%r must be a whole number from 0 to 1000" % (where, setting, p[setting]))
            return problems
    if p["enable_auto_scaling"] not in (True, False):
        problems.append("%s.enable_auto_scaling must be true or false" % where)
    elif p["enable_auto_scaling"]:
        if low is None or high is None:
            problems.append("%s: min_count and max_count are required with enable_auto_scaling" % where)
        elif low > high:
            problems.append("%s.min_count (%d) must not be greater than max_count (%d)" % (where, low, high))
        elif count is not None and not low <= count <= high:
            problems.append("%s.node_count (%d) must be between min_count and max_count" % (where, count))
        elif high == 0:
            problems.append("%s.max_count must be at least 1" % where)
    elif count is None:
        problems.append("%s.node_count is required without enable_auto_scaling" % where)
    return problems


def subnet_name(pool_name, suffix):
    """``snet-aks-<pool>-<prefix>-<env>-<instance>`` (the reference's per-pool subnet name)."""
    return "snet-aks-%s-%s" % (pool_name, suffix)


def node_pool_subnets(node_pools, suffix):
    """One subnet per pool: ``[{pool, name, address_prefixes}]`` in pool-name order."""
    return [dict(pool=p["name"], name=subnet_name(p["name"], suffix), address_prefixes=list(p["subnet_address_prefixes"]))
            for p in all_pool_settings(node_pools)]


def agent_pool_options(pool, subnet_id=None):
    """``aks_nodepool`` options of one pool (settings with defaults, see ``pool_settings``)."""
    options = dict(
        vm_size=pool["vm_size"], mode="User", priority=pool["priority"],
        taints=list(pool["node_taints"] or []), labels=dict(pool["node_labels"] or {}),
        zones=[str(z) for z in pool["zones"] or []],
        gpu_driver="install" if pool["gpu_driver"] == "Install" else "none",
    )
    if pool["enable_auto_scaling"]:
        options.update(auto_scaling=True, min_count=pool["min_count"], max_count=pool["max_count"])
        if pool["node_count"] is not None:
            options["count"] = pool["node_count"]
    else:
        options.update(auto_scaling=False, count=pool["node_count"])
    if pool["priority"] == "Spot":
        options["eviction_policy"] = pool["eviction_policy"]
        if pool["spot_max_price"] is not None:
            options["spot_max_price"] = float(pool["spot_max_price"])
    for setting, option in (("max_pods", "max_pods"), ("os_disk_size_gb", "os_disk_size_gb"),
                            ("os_disk_type", "os_disk_type"), ("os_sku", "os_sku")):
        if pool[setting] is not None:
            options[option] = pool[setting]
    if subnet_id:
        options["vnet_subnet_id"] = subnet_id
    return options


def node_pools_summary(node_pools):
    """What downstream tiers need of each pool (OSMO pod templates, AzureML instance types): no ids."""
    return dict((p["name"], dict(
        vm_size=p["vm_size"], priority=p["priority"], node_taints=list(p["node_taints"] or []),
        node_labels=dict(p["node_labels"] or {}), gpu_driver=p["gpu_driver"],
        enable_auto_scaling=p["enable_auto_scaling"], min_count=p["min_count"], max_count=p["max_count"],
        node_count=p["node_count"], zones=list(p["zones"] or []), gpu_sharing=copy.deepcopy(p["gpu_sharing"]),
        workloads=p["workloads"], gpu_count=p["gpu_count"], vcpus=p["vcpus"], memory_gib=p["memory_gib"],
    )) for p in all_pool_settings(node_pools))

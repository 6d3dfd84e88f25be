# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU node pools declared once in the inventory (``node_pools``) and what is derived from them.

``node_pools`` maps a pool name to its settings (the reference architecture's variable of the same name):
``vm_size``, ``subnet_address_prefixes``, ``node_count``, ``node_taints``, ``node_labels``,
``enable_auto_scaling``, ``min_count``, ``max_count``, ``priority`` (Regular | Spot), ``eviction_policy``,
``spot_max_price``, ``zones``, ``gpu_driver`` (Install | None), ``os_disk_size_gb``, ``os_disk_type``,
``os_sku``, ``max_pods``. Unset settings take the reference's ``gpu`` pool defaults (an A10 Spot pool that
scales from zero only when asked, with the NVIDIA taint and the ``accelerator=nvidia`` label the cluster
autoscaler needs to scale a pool up from zero).

Pure Python: validation (messages name ``node_pools.<pool>.<setting>``), the AKS agent-pool options of each
pool (for ``aks_nodepool``), one subnet per pool, and the summary the platform facts carry.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re

SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
GPU_TAINT = "nvidia.com/gpu:NoSchedule"

# The reference's default ``gpu`` pool (refarch 2.3); subnet_address_prefixes has no default for other pools.
DEFAULT_POOL = dict(
    vm_size="Standard_NV36ads_A10_v5",
    subnet_address_prefixes=None,
    node_count=None,
    node_taints=[GPU_TAINT, SPOT_TAINT],
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
)
DEFAULT_NODE_POOLS = {"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"]}}

SETTINGS = tuple(DEFAULT_POOL)
_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_TAINT = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?(=[-A-Za-z0-9_.]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
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
            settings["node_taints"] = [GPU_TAINT]
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
                       variable="node_pools"):
    """Everything wrong with ``node_pools``, one message per problem, naming ``<variable>.<pool>.<setting>``.

    ``vnet_address_space``: the VNet's prefixes (pool subnets must lie inside); ``other_subnets``: name ->
    prefix of the platform's other subnets (pool subnets must not overlap them); ``zones_supported``: False
    for regions without availability zones.
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
        if not isinstance(name, str) or not _NAME.match(name) or name in _RESERVED:
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
                if not isinstance(taint, str) or not _TAINT.match(taint):
                    problems.append("%s.node_taints entry %r must look like key[=value]:Effect with Effect "
                                    "NoSchedule, PreferNoSchedule or NoExecute" % (where, taint))
        labels = p["node_labels"]
        if not isinstance(labels, dict):
            problems.append("%s.node_labels must be a mapping of label to value" % where)
        else:
            for key, value in sorted(labels.items()):
                if not _LABEL_KEY.match(str(key)) or not _LABEL_VALUE.match(str(value)):
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
        node_count=p["node_count"], zones=list(p["zones"] or []),
    )) for p in all_pool_settings(node_pools))

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AKS agent pools and versions: options, validation before any request, and their ARM JSON.

Pure Python; shared by ``aks_cluster`` (its system pool) and ``aks_nodepool``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

# The taint and label AKS adds to every Spot pool by itself (not drift).
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
SPOT_LABEL = "kubernetes.azure.com/scalesetpriority"
CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly=true:NoSchedule"

_TAINT = re.compile(r"^[^=:\s]+(=[^:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$")
_SURGE = re.compile(r"^[1-9][0-9]*%?$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")

# Agent-pool options (the same in aks_nodepool and aks_cluster's system_pool).
POOL_OPTIONS = dict(
    vm_size=dict(type="str"),
    count=dict(type="int"),
    auto_scaling=dict(type="bool"),
    min_count=dict(type="int"),
    max_count=dict(type="int"),
    mode=dict(type="str", choices=["System", "User"]),
    priority=dict(type="str", choices=["Regular", "Spot"]),
    eviction_policy=dict(type="str", choices=["Delete", "Deallocate"]),
    spot_max_price=dict(type="float"),
    taints=dict(type="list", elements="str"),
    labels=dict(type="dict"),
    zones=dict(type="list", elements="str"),
    vnet_subnet_id=dict(type="str"),
    pod_subnet_id=dict(type="str"),
    max_pods=dict(type="int"),
    os_disk_size_gb=dict(type="int"),
    os_disk_type=dict(type="str", choices=["Managed", "Ephemeral"]),
    os_type=dict(type="str", choices=["Linux", "Windows"]),
    os_sku=dict(type="str", choices=["Ubuntu", "AzureLinux", "Ubuntu2204", "Ubuntu2404", "AzureLinux3", "Windows2022"]),
    orchestrator_version=dict(type="str"),
    gpu_driver=dict(type="str", choices=["install", "none"]),
    gpu_instance_profile=dict(type="str", choices=["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"]),
    max_surge=dict(type="str"),
)

# Option -> ARM field of an agent pool profile (relative to the profile / agentPools ``properties``).
POOL_FIELDS = (
    ("vm_size", "vmSize"), ("count", "count"), ("auto_scaling", "enableAutoScaling"), ("min_count", "minCount"),
    ("max_count", "maxCount"), ("mode", "mode"), ("priority", "scaleSetPriority"),
    ("eviction_policy", "scaleSetEvictionPolicy"), ("spot_max_price", "spotMaxPrice"), ("taints", "nodeTaints"),
    ("labels", "nodeLabels"), ("zones", "availabilityZones"), ("vnet_subnet_id", "vnetSubnetID"),
    ("pod_subnet_id", "podSubnetID"), ("max_pods", "maxPods"), ("os_disk_size_gb", "osDiskSizeGB"),
    ("os_disk_type", "osDiskType"), ("os_type", "osType"), ("os_sku", "osSKU"),
    ("orchestrator_version", "orchestratorVersion"), ("gpu_driver", "gpuProfile.driver"),
    ("gpu_instance_profile", "gpuInstanceProfile"), ("max_surge", "upgradeSettings.maxSurge"),
)

# Fields of a pool that AKS cannot change in place.
POOL_IMMUTABLE = ("vmSize", "osType", "availabilityZones", "vnetSubnetID", "podSubnetID", "maxPods", "osDiskSizeGB",
                  "osDiskType", "scaleSetPriority", "scaleSetEvictionPolicy", "spotMaxPrice", "gpuInstanceProfile",
                  "gpuProfile.driver")


def autoscaling(options):
    """Autoscaling is on when asked for, or implied by min_count/max_count."""
    if options.get("auto_scaling") is not None:
        return bool(options["auto_scaling"])
    return options.get("min_count") is not None or options.get("max_count") is not None


def pool_problems(options, prefix="", system=False):
    """What is wrong with pool options, as messages naming the option (empty when fine)."""
    def name(option):
        return prefix + option

    problems = []
    mode = options.get("mode") or ("System" if system else None)
    spot = options.get("priority") == "Spot"
    scale = autoscaling(options)
    low, high, count = options.get("min_count"), options.get("max_count"), options.get("count")
    if spot:
        if not options.get("eviction_policy"):
            problems.append("%s is required when %s=Spot (Delete or Deallocate: what happens to evicted nodes)"
                            % (name("eviction_policy"), name("priority")))
        if mode == "System":
            problems.append("%s=Spot cannot be used with %s=System: system pools must not be evicted"
                            % (name("priority"), name("mode")))
        if options.get("max_surge") is not None:
            problems.append("%s cannot be set with %s=Spot: AKS upgrades Spot pools without surge nodes"
                            % (name("max_surge"), name("priority")))
    else:
        for option in ("eviction_policy", "spot_max_price"):
            if options.get(option) is not None:
                problems.append("%s needs %s=Spot" % (name(option), name("priority")))
    if scale:
        if low is None or high is None:
            problems.append("%s and %s are both required when autoscaling" % (name("min_count"), name("max_count")))
        else:
            if low > high:
                problems.append("%s (%d) must not be greater than %s (%d)" % (name("min_count"), low, name("max_count"), high))
            if low < 0 or high > 1000:
                problems.append("%s and %s must be between 0 and 1000" % (name("min_count"), name("max_count")))
            if mode == "System" and low < 1:
                problems.append("%s must be at least 1 for a System pool" % name("min_count"))
            if count is not None and not low <= count <= high:
                problems.append("%s (%d) must be between %s and %s" % (name("count"), count, name("min_count"), name("max_count")))
    elif options.get("auto_scaling") is False and (low is not None or high is not None):
        problems.append("%s and %s only apply with %s=true" % (name("min_count"), name("max_count"), name("auto_scaling")))
    if count is not None and (count < 0 or count > 1000 or (mode == "System" and count < 1 and not scale)):
        problems.append("%s=%d is out of range (0-1000, at least 1 for a System pool)" % (name("count"), count))
    for taint in options.get("taints") or []:
        if not _TAINT.match(taint):
            problems.append("%s entry %r must look like key=value:Effect (Effect: NoSchedule, PreferNoSchedule or "
                            "NoExecute)" % (name("taints"), taint))
    for zone in options.get("zones") or []:
        if str(zone) not in ("1", "2", "3"):
            problems.append("%s entry %r is not an availability zone (1, 2 or 3)" % (name("zones"), zone))
    surge = options.get("max_surge")
    if surge is not None and not _SURGE.match(str(surge)):
        problems.append("%s=%r must be a node count (e.g. 1) or a percentage (e.g. 33%%)" % (name("max_surge"), surge))
    version = options.get("orchestrator_version")
    if version is not None and not _VERSION.match(version):
        problems.append("%s=%r must look like 1.33 or 1.33.2" % (name("orchestrator_version"), version))
    for option in ("max_pods", "os_disk_size_gb"):
        if options.get(option) is not None and options[option] <= 0:
            problems.append("%s must be positive" % name(option))
    sku = options.get("os_sku")
    if sku is not None:
        family = "Windows" if sku.startswith("Windows") else "Linux"
        if (options.get("os_type") or "Linux") != family:
            problems.append("%s=%s needs %s=%s" % (name("os_sku"), sku, name("os_type"), family))
    return problems


def _set(body, dotted, value):
    node = body
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def pool_body(options, for_create=False, system=False):
    """ARM fields of a pool for the options that are set.

    With autoscaling the node count belongs to the autoscaler: it is only sent when the pool is created.
    """
    body = {}
    scale = autoscaling(options)
    for option, field in POOL_FIELDS:
        value = options.get(option)
        if option == "auto_scaling":
            value = scale if (options.get("auto_scaling") is not None or scale) else None
        if option == "count" and scale and not for_create:
            continue
        if option == "gpu_driver" and value is not None:
            value = "Install" if value == "install" else "None"
        if value is not None:
            _set(body, field, value)
    if system:
        body["mode"] = "System"
    if for_create and scale and body.get("count") is None and options.get("min_count") is not None:
        body["count"] = max(options["min_count"], 1 if system else 0)
    return body


def normalize_pool(current, desired):
    """A current pool without what AKS adds by itself (the Spot taint and label), unless the user asked for it."""
    if not isinstance(current, dict):
        return current
    current = copy.deepcopy(current)
    props = current.get("properties") if "properties" in current and isinstance(current.get("properties"), dict) else current
    wanted_props = (desired or {}).get("properties", desired or {})
    if (props.get("scaleSetPriority") or "").lower() == "spot":
        if SPOT_TAINT not in (wanted_props.get("nodeTaints") or []) and props.get("nodeTaints"):
            props["nodeTaints"] = [t for t in props["nodeTaints"] if t != SPOT_TAINT]
        labels = props.get("nodeLabels")
        if labels and SPOT_LABEL not in (wanted_props.get("nodeLabels") or {}):
            labels.pop(SPOT_LABEL, None)
    return current


def finalize_pool(props):
    """Before a PUT: no min/max without autoscaling, no surge settings on Spot pools."""
    if props.get("enableAutoScaling") is False:
        props.pop("minCount", None)
        props.pop("maxCount", None)
    if (props.get("scaleSetPriority") or "").lower() == "spot":
        props.pop("upgradeSettings", None)
    return props


def version_tuple(text):
    return tuple(int(p) for p in re.findall(r"\d+", str(text or ""))[:3])


def latest_stable_minor(versions_result):
    """The newest non-preview minor version from ``managedClusters.listKubernetesVersions`` (ARM JSON)."""
    values = (versions_result or {}).get("values") or []
    stable = [v.get("version") for v in values if not v.get("isPreview") and v.get("version")]
    if not stable:
        return None
    return max(stable, key=version_tuple)


def default_dns_prefix(name, resource_group, subscription_id):
    """The DNS prefix the az CLI derives: name, group and subscription fragments."""
    def part(text, size):
        cleaned = re.sub(r"[^A-Za-z0-9-]", "", text)[:size].strip("-")
        return cleaned

    prefix = "%s-%s-%s" % (part(name, 10), part(resource_group, 16), part(subscription_id, 6))
    if not prefix[0].isalpha():
        prefix = "a" + prefix
    return prefix[:54]

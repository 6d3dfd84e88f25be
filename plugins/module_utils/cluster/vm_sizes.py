# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a node of a GPU pool offers (GPUs, vCPUs, memory), from its Azure VM size or the pool's declaration.

OSMO platform defaults and AzureML InstanceType sizes are derived from it. A pool may declare ``gpu_count``,
``vcpus`` and ``memory_gib`` itself (needed for VM sizes not listed here); declared values win.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import NodePoolError

# VM size: (GPUs, vCPUs, memory GiB), from the Azure VM size documentation.
GPU_VM_SIZES = {
    "standard_nv36ads_a10_v5": (1, 36, 440),
    "standard_nv72ads_a10_v5": (2, 72, 880),
    "standard_nc24ads_a100_v4": (1, 24, 220),
    "standard_nc48ads_a100_v4": (2, 48, 440),
    "standard_nc96ads_a100_v4": (4, 96, 880),
    "standard_nc40ads_h100_v5": (1, 40, 320),
    "standard_nc80adis_h100_v5": (2, 80, 640),
    "standard_nc4as_t4_v3": (1, 4, 28),
    "standard_nc8as_t4_v3": (1, 8, 56),
    "standard_nc16as_t4_v3": (1, 16, 110),
    "standard_nc64as_t4_v3": (4, 64, 440),
    "standard_nc6s_v3": (1, 6, 112),
    "standard_nc12s_v3": (2, 12, 224),
    "standard_nc24s_v3": (4, 24, 448),
    "standard_nd96asr_v4": (8, 96, 900),
    "standard_nd96isr_h100_v5": (8, 96, 1900),
}


def pool_capacity(name, pool, variable="node_pools"):
    """{'gpus', 'vcpus', 'memory_gib'} of one node of pool ``name``."""
    known = GPU_VM_SIZES.get(str(pool.get("vm_size", "")).lower())
    capacity = {}
    for index, field in enumerate(("gpu_count", "vcpus", "memory_gib")):
        value = pool.get(field)
        if value is None and known:
            value = known[index]
        if value is None:
            raise NodePoolError("%s.%s: VM size %r is not in the collection's table of GPU sizes; declare gpu_count, "
                                "vcpus and memory_gib for the pool" % (variable, name, pool.get("vm_size")))
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if field == "gpu_count" else 1):
            raise NodePoolError("%s.%s.%s must be a whole number%s, got %r"
                                % (variable, name, field, " >= 0" if field == "gpu_count" else " >= 1", value))
        capacity[("gpus", "vcpus", "memory_gib")[index]] = value
    return capacity


def workload_share(capacity):
    """What one workload may ask for on a whole node, leaving room for system pods, DaemonSets and sidecars:
    all GPUs, the vCPUs less two (at least one), and three quarters of the memory (whole GiB)."""
    return {
        "gpus": capacity["gpus"],
        "cpu": max(1, capacity["vcpus"] - 2),
        "memory_gib": max(1, (capacity["memory_gib"] * 3) // 4),
    }

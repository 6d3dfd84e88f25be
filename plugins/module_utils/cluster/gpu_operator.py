# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU Operator choices that depend on the node pools or on what the cluster has.

- GRID driver pools: pools labelled ``nvidia.com/gpu.deploy.driver: "false"`` (vGPU sizes such as RTX PRO 6000,
  whose driver is Microsoft's GRID build, not the GPU Operator's). They must not get AKS's driver either
  (``gpu_driver: None``). Only when such pools exist is the GRID installer DaemonSet rendered, pinned to them.
- DCGM scrape configuration: a PodMonitor when the Prometheus Operator's CRD exists, else the Azure Monitor
  agent's ConfigMap when its DaemonSet runs, else nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.inputs import InputError

DEPLOY_DRIVER_LABEL = "nvidia.com/gpu.deploy.driver"
SCRAPE_MODES = ("auto", "podmonitor", "ama", "none")


def grid_driver_pools(pools):
    """Names of the pools that need the GRID driver DaemonSet."""
    np.validate_node_pools(pools)
    names = []
    for name in sorted(pools):
        pool = pools[name]
        if str((pool.get("node_labels") or {}).get(DEPLOY_DRIVER_LABEL)).lower() != "false":
            continue
        if pool.get("gpu_driver") != "None":
            raise np.NodePoolError("node_pools.%s: the label %s=false asks for the GRID driver, which needs "
                                   "gpu_driver: None (AKS would install its own driver), got gpu_driver: %r"
                                   % (name, DEPLOY_DRIVER_LABEL, pool.get("gpu_driver")))
        names.append(name)
    return names


def dcgm_scrape(mode, podmonitor_crd=False, ama_daemonset=False, variable="gpu_operator_dcgm_scrape"):
    """'podmonitor', 'ama' or 'none' for the requested ``mode`` and what the cluster has."""
    if mode not in SCRAPE_MODES:
        raise InputError("%s must be one of %s, got %r" % (variable, ", ".join(SCRAPE_MODES), mode))
    if mode != "auto":
        return mode
    if podmonitor_crd:
        return "podmonitor"
    if ama_daemonset:
        return "ama"
    return "none"

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing plugins/module_utils/node_pools.py to templates (one YAML doc file per filter)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from ansible_collections.azure_robotics.stack.plugins.plugin_utils.filter_errors import raising_filter_errors


def parse_taint(text):
    return np.parse_taint(text, where="parse_taint")


def taint_toleration(taint):
    return np.toleration(np.parse_taint(taint, where="taint_toleration"))


def node_pool_tolerations(node_pools, name):
    return np.pool_tolerations(np.get_pool(node_pools, name, option="pool"))


def node_pools_tolerations(node_pools, names=None):
    np.validate_node_pools(node_pools)
    return np.pools_tolerations(node_pools, names)


def node_pool_node_selector(node_pools, name, by="agentpool"):
    return np.pool_node_selector(name, np.get_pool(node_pools, name, option="pool"), by)


def node_pool_labels(node_pools, name):
    return np.pool_node_labels(name, np.get_pool(node_pools, name, option="pool"))


def node_pool_gpu_resource(node_pools, name):
    return np.gpu_resource_name(np.get_pool(node_pools, name, option="pool"))


def node_pools_device_plugin_config(node_pools):
    np.validate_node_pools(node_pools)
    return np.device_plugin_config(node_pools)


def node_pools_gpu(node_pools):
    np.validate_node_pools(node_pools)
    return np.gpu_pools(node_pools)


def node_pool_problems(node_pools, vnet_address_space=None, other_subnets=None, zones_supported=True):
    return np.node_pool_problems(node_pools, vnet_address_space or (), other_subnets, zones_supported)


def _declared(node_pools, filter_name, subnets):
    """Refuses pools that node_pool_problems finds wrong: these filters would turn them into wrong options."""
    problems = np.node_pool_problems(node_pools, subnets=subnets)
    if problems:
        raise np.NodePoolError("%s: %s" % (filter_name, "; ".join(problems)))


def node_pool_agent_pools(node_pools, subnet_ids=None):
    _declared(node_pools, "node_pool_agent_pools", subnets=False)
    subnet_ids = subnet_ids or {}
    return [dict(np.agent_pool_options(pool, subnet_ids.get(pool["name"])), name=pool["name"])
            for pool in np.all_pool_settings(node_pools)]


def node_pool_subnets(node_pools, suffix):
    _declared(node_pools, "node_pool_subnets", subnets=True)
    return np.node_pool_subnets(node_pools, suffix)


def node_pool_summary(node_pools):
    _declared(node_pools, "node_pool_summary", subnets=False)
    return np.node_pools_summary(node_pools)


class FilterModule(object):
    def filters(self):
        filters = {f.__name__: raising_filter_errors(f) for f in (
            parse_taint, taint_toleration, node_pool_tolerations, node_pools_tolerations, node_pool_node_selector, node_pool_labels,
            node_pool_gpu_resource, node_pools_device_plugin_config, node_pools_gpu, node_pool_agent_pools,
            node_pool_subnets, node_pool_summary)}
        filters["node_pool_problems"] = node_pool_problems
        return filters

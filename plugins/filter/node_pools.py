# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing plugins/module_utils/node_pools.py to templates (one YAML doc file per filter)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np


def _wrap(func):
    def filter_(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except np.NodePoolError as exc:
            raise AnsibleFilterError(str(exc))

    filter_.__name__ = func.__name__
    filter_.__doc__ = func.__doc__
    return filter_


def parse_taint(text):
    return np.parse_taint(text, where="parse_taint")


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


class FilterModule(object):
    def filters(self):
        return {f.__name__: _wrap(f) for f in (
            parse_taint, node_pool_tolerations, node_pools_tolerations, node_pool_node_selector, node_pool_labels,
            node_pool_gpu_resource, node_pools_device_plugin_config, node_pools_gpu)}

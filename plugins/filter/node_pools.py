# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the inventory's ``node_pools`` (module_utils/node_pools.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import (
    agent_pool_options,
    all_pool_settings,
    node_pool_problems as _node_pool_problems,
    node_pool_subnets as _node_pool_subnets,
    node_pools_summary,
)


def node_pool_problems(node_pools, vnet_address_space=None, other_subnets=None, zones_supported=True):
    return _node_pool_problems(node_pools, vnet_address_space or (), other_subnets, zones_supported)


def node_pool_agent_pools(node_pools, subnet_ids=None):
    subnet_ids = subnet_ids or {}
    return [dict(agent_pool_options(pool, subnet_ids.get(pool["name"])), name=pool["name"])
            for pool in all_pool_settings(node_pools)]


def node_pool_subnets(node_pools, suffix):
    return _node_pool_subnets(node_pools, suffix)


def node_pool_summary(node_pools):
    return node_pools_summary(node_pools)


class FilterModule(object):
    def filters(self):
        return {
            "node_pool_problems": node_pool_problems,
            "node_pool_agent_pools": node_pool_agent_pools,
            "node_pool_subnets": node_pool_subnets,
            "node_pool_summary": node_pool_summary,
        }

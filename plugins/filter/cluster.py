# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the cluster roles: derivations from the node pools and input checks (one YAML doc file per filter).

The logic is in plugins/module_utils/cluster/; errors become AnsibleFilterError with the variable named.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster import (
    azureml_instance_types as aml,
    gpu_operator,
    helm_charts,
    inputs,
    osmo_config,
    osmo_mek,
    scheduling,
)
from ansible_collections.azure_robotics.stack.plugins.plugin_utils.filter_errors import raising_filter_errors


def node_pools_schedulers(node_pools, osmo_pools=None, azureml_pools=None):
    return scheduling.scheduler_assignment(node_pools, osmo_pools, azureml_pools)


def node_pools_grid_driver(node_pools):
    return gpu_operator.grid_driver_pools(node_pools)


def dcgm_scrape_mode(mode, podmonitor_crd=False, ama_daemonset=False):
    return gpu_operator.dcgm_scrape(mode, bool(podmonitor_crd), bool(ama_daemonset))


def kai_scheduler_release(version, lts_only=True):
    return helm_charts.kai_release(version, lts_only)


def chart_checksum(value, require=False, variable="chart_sha256", require_variable=None):
    return inputs.chart_checksum(value, require, variable, require_variable)


def checked_version(value, variable, leading_v=None):
    inputs.semver(value, variable, leading_v)
    return value


def checked_namespace(value, variable):
    return inputs.namespace(value, variable)


def required_input(value, variable, what="set it in the inventory or the platform facts"):
    return inputs.required(value, variable, what)


def osmo_service_configs(settings):
    return osmo_config.service_configs(settings)


def osmo_mek_document(seed, kid="key1"):
    return osmo_mek.mek_document(seed, kid)


def osmo_mek_problems(text):
    return osmo_mek.mek_problems(text)


def azureml_instance_types(node_pools, azureml_pools, overrides=None, default_instance_type=True, osmo_pools=None):
    np.validate_node_pools(node_pools)
    return aml.instance_types(node_pools, azureml_pools, overrides, default_instance_type, osmo_pools)


def azureml_workload_tolerations(node_pools, azureml_pools):
    np.validate_node_pools(node_pools)
    return aml.workload_toleration_settings(node_pools, azureml_pools)


class FilterModule(object):
    def filters(self):
        return {f.__name__: raising_filter_errors(f) for f in (
            node_pools_schedulers, node_pools_grid_driver, dcgm_scrape_mode, kai_scheduler_release, chart_checksum,
            checked_version, checked_namespace, required_input, osmo_service_configs, osmo_mek_document,
            osmo_mek_problems, azureml_instance_types, azureml_workload_tolerations)}

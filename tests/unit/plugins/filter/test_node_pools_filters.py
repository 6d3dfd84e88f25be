"""The node_pools filter plugin: the module_utils functions as Ansible sees them (errors as filter errors)."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.filter.node_pools import FilterModule

FILTERS = FilterModule().filters()
POOLS = {"gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot",
                 "node_taints": ["nvidia.com/gpu:NoSchedule"], "node_labels": {"accelerator": "nvidia"},
                 "gpu_sharing": {"replicas": 4}}}
DOCS = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "filter"


def test_every_filter_has_its_own_documentation():
    for name in FILTERS:
        doc = yaml.safe_load((DOCS / f"{name}.yml").read_text())
        assert doc["DOCUMENTATION"]["name"] == name
        assert doc["EXAMPLES"] and doc["RETURN"]["_value"]["type"]


def test_filters_derive_from_the_pools():
    assert FILTERS["node_pool_tolerations"](POOLS, "gpu")[1]["value"] == "spot"
    assert FILTERS["node_pools_tolerations"](POOLS) == FILTERS["node_pool_tolerations"](POOLS, "gpu")
    assert FILTERS["node_pool_node_selector"](POOLS, "gpu") == {"kubernetes.azure.com/agentpool": "gpu"}
    assert FILTERS["node_pool_labels"](POOLS, "gpu")["nvidia.com/device-plugin.config"] == "gpu-ts4"
    assert FILTERS["node_pool_gpu_resource"](POOLS, "gpu") == "nvidia.com/gpu"
    assert list(FILTERS["node_pools_device_plugin_config"](POOLS)) == ["gpu-ts4"]
    assert FILTERS["node_pools_gpu"](POOLS) == ["gpu"]
    assert FILTERS["parse_taint"]("a=b:NoExecute") == {"key": "a", "value": "b", "effect": "NoExecute"}


def test_errors_become_filter_errors_naming_the_problem():
    with pytest.raises(AnsibleFilterError, match="pool 'cpu' is not declared in node_pools"):
        FILTERS["node_pool_tolerations"](POOLS, "cpu")
    with pytest.raises(AnsibleFilterError, match="parse_taint: taint 'oops' must look like"):
        FILTERS["parse_taint"]("oops")

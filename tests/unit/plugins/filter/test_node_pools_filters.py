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


def test_agent_pools_are_options_aks_nodepool_accepts():
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.aks import pool_problems
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds.aks_nodepool import ARGUMENT_SPEC

    subnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-gpu"
    pools = dict(POOLS, cpu={"vm_size": "Standard_D8ds_v5", "priority": "Regular", "node_taints": [],
                             "min_count": 0, "max_count": 3})
    options = FILTERS["node_pool_agent_pools"](pools, {"gpu": subnet})
    assert [o["name"] for o in options] == ["cpu", "gpu"]
    for option in options:
        assert set(option) <= set(ARGUMENT_SPEC), set(option) - set(ARGUMENT_SPEC)
        assert pool_problems(option) == [], option
    cpu, gpu = options
    assert gpu["vnet_subnet_id"] == subnet and "vnet_subnet_id" not in cpu
    assert gpu["priority"] == "Spot" and gpu["eviction_policy"] == "Delete" and "eviction_policy" not in cpu
    assert cpu["auto_scaling"] and cpu["min_count"] == 0


def test_summary_carries_what_later_tiers_need():
    summary = FILTERS["node_pool_summary"](POOLS)
    assert summary["gpu"]["vm_size"] == "Standard_NV36ads_A10_v5" and summary["gpu"]["gpu_sharing"] == {"replicas": 4}
    assert not any("id" in key for key in summary["gpu"])


@pytest.mark.parametrize("name", ["node_pool_agent_pools", "node_pool_summary"])
def test_pools_with_problems_are_refused_naming_the_setting(name):
    with pytest.raises(AnsibleFilterError, match=r"%s: node_pools\.gpu\.priority='Cheap' must be Regular or Spot" % name):
        FILTERS[name]({"gpu": {"priority": "Cheap"}})
    with pytest.raises(AnsibleFilterError, match="node_pools must be a mapping"):
        FILTERS[name]("gpu")


def test_subnets_need_the_pools_address_prefixes():
    with pytest.raises(AnsibleFilterError, match=r"node_pools\.gpu\.subnet_address_prefixes is required"):
        FILTERS["node_pool_subnets"](POOLS, "robotics-dev-001")
    with_prefix = {"gpu": dict(POOLS["gpu"], subnet_address_prefixes=["10.0.7.0/24"])}
    assert FILTERS["node_pool_subnets"](with_prefix, "robotics-dev-001")

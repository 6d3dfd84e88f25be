"""The cluster filter plugin: derivations and input checks as the roles see them (errors as filter errors)."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.filter.cluster import FilterModule

FILTERS = FilterModule().filters()
DOCS = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "filter"
POOLS = {
    "gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot", "node_taints": ["nvidia.com/gpu:NoSchedule"],
            "gpu_driver": "Install", "workloads": "osmo"},
    "amlgpu": {"vm_size": "Standard_NC24ads_A100_v4", "node_taints": ["nvidia.com/gpu:NoSchedule"],
               "gpu_driver": "Install", "workloads": "azureml"},
}


def test_every_filter_has_its_own_documentation():
    for name in FILTERS:
        doc = yaml.safe_load((DOCS / f"{name}.yml").read_text())
        assert doc["DOCUMENTATION"]["name"] == name
        assert doc["EXAMPLES"] and doc["RETURN"]["_value"]["type"]


def test_derivations():
    assert FILTERS["node_pools_schedulers"](POOLS) == {"osmo": ["gpu"], "azureml": ["amlgpu"]}
    types = FILTERS["azureml_instance_types"](POOLS, ["amlgpu"], None, True, ["gpu"])
    assert [t["metadata"]["name"] for t in types] == ["defaultinstancetype", "amlgpu"]
    assert FILTERS["azureml_workload_tolerations"](POOLS, ["amlgpu"])["workLoadToleration[0].key"] == "nvidia.com/gpu"
    assert FILTERS["kai_scheduler_release"]("v0.16.8")["helm_args"] is True
    assert FILTERS["dcgm_scrape_mode"]("auto", True, False) == "podmonitor"
    assert FILTERS["node_pools_grid_driver"](POOLS) == []
    assert FILTERS["checked_namespace"]("osmo", "osmo_namespace") == "osmo"
    assert FILTERS["checked_version"]("1.3.1", "osmo_chart_version", False) == "1.3.1"
    assert FILTERS["required_input"]("x", "osmo_storage_account") == "x"
    mek = FILTERS["osmo_mek_document"]("s" * 40)
    assert FILTERS["osmo_mek_problems"](mek) == []
    assert FILTERS["osmo_mek_document"]("s" * 40) == mek        # derived from the seed alone
    assert FILTERS["osmo_mek_problems"]("meks: [") == ["it is not YAML"]


@pytest.mark.parametrize("name, args, message", [
    ("node_pools_schedulers", (POOLS, ["amlgpu"], None), "amlgpu is claimed by both osmo_node_pool_names"),
    ("kai_scheduler_release", ("v0.20.0",), "kai_scheduler_version=v0.20.0"),
    ("chart_checksum", ("", True, "osmo_service_chart_sha256", "osmo_require_checksum"),
     "osmo_service_chart_sha256 is required"),
    ("required_input", ("", "osmo_key_vault", "the Key Vault"), "osmo_key_vault is required: the Key Vault"),
    ("checked_namespace", ("Bad_NS", "kai_scheduler_namespace"), "kai_scheduler_namespace must be"),
    ("osmo_mek_document", ("short",), "osmo_mek: the random seed"),
])
def test_errors_are_filter_errors_naming_the_variable(name, args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FILTERS[name](*args)

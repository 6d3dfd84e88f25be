"""node_pools: the one declaration of node pools, its defaults and checks, and what Azure and Kubernetes objects derive from it."""

from __future__ import annotations

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np

# The reference's default pool, as declared in inventory.
GPU = {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot", "eviction_policy": "Delete",
       "node_taints": ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
       "node_labels": {"accelerator": "nvidia"}, "min_count": 1, "max_count": 1, "gpu_driver": "Install"}
POOLS = {
    "gpu": GPU,
    "t4": {"vm_size": "Standard_NC4as_T4_v3", "priority": "Spot", "node_taints": ["sku=gpu:NoSchedule"],
           "gpu_driver": "None", "gpu_sharing": {"strategy": "time-slicing", "replicas": 2}},
    "cpu": {"vm_size": "Standard_D8ds_v5"},
}


def test_parse_and_format_taints():
    assert np.parse_taint("kubernetes.azure.com/scalesetpriority=spot:NoSchedule") == {
        "key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"}
    assert np.parse_taint("nvidia.com/gpu:NoSchedule") == {"key": "nvidia.com/gpu", "effect": "NoSchedule"}
    assert np.format_taint(np.parse_taint("sku=gpu:NoExecute")) == "sku=gpu:NoExecute"


@pytest.mark.parametrize("taint, message", [
    ("nvidia.com/gpu", "must look like key=value:Effect"),
    ("nvidia.com/gpu:NoScheduel", "effect 'NoScheduel' must be one of"),
    ("bad key=x:NoSchedule", "not a valid Kubernetes qualified name"),
    ("k=:NoSchedule", "empty value"),
    ("k=has space:NoSchedule", "not a valid label value"),
])
def test_bad_taints_are_named(taint, message):
    with pytest.raises(np.NodePoolError, match=message) as error:
        np.parse_taint(taint, "node_pools.gpu.node_taints")
    assert str(error.value).startswith("node_pools.gpu.node_taints:")


def test_tolerations_of_the_reference_gpu_pool():
    assert np.pool_tolerations(GPU) == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot",
         "effect": "NoSchedule"}]


def test_spot_pools_tolerate_the_taint_aks_adds_even_when_undeclared():
    tolerations = np.pool_tolerations(POOLS["t4"])
    assert {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"} in tolerations
    assert {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot",
            "effect": "NoSchedule"} in tolerations
    assert np.pool_tolerations(POOLS["cpu"]) == []


def test_union_of_tolerations_has_no_duplicates():
    union = np.pools_tolerations(POOLS)
    assert len(union) == 3
    assert np.pools_tolerations(POOLS, ["cpu"]) == []


def test_node_selectors():
    assert np.pool_node_selector("gpu", GPU) == {"kubernetes.azure.com/agentpool": "gpu"}
    assert np.pool_node_selector("gpu", GPU, by="vm_size") == {
        "node.kubernetes.io/instance-type": "Standard_NV36ads_A10_v5"}
    with pytest.raises(np.NodePoolError):
        np.pool_node_selector("gpu", GPU, by="zone")


def test_time_slicing_labels_and_device_plugin_config_agree():
    labels = np.pool_node_labels("t4", POOLS["t4"])
    assert labels == {"nvidia.com/device-plugin.config": "t4-ts2"}
    configs = np.device_plugin_config(POOLS)
    assert list(configs) == ["t4-ts2"]
    assert configs["t4-ts2"] == {"version": "v1", "flags": {"migStrategy": "none"}, "sharing": {
        "timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 2}]}}}
    assert np.pool_node_labels("gpu", GPU) == {"accelerator": "nvidia"}


def test_gpu_resource_name_follows_rename_by_default():
    assert np.gpu_resource_name(GPU) == "nvidia.com/gpu"
    shared = dict(POOLS["t4"], gpu_sharing={"replicas": 4, "rename_by_default": True})
    assert np.gpu_resource_name(shared) == "nvidia.com/gpu.shared"
    assert np.device_plugin_config({"t4": shared})["t4-ts4"]["sharing"]["timeSlicing"]["renameByDefault"] is True


def test_gpu_pools():
    assert np.gpu_pools(POOLS) == ["gpu", "t4"]


def test_unknown_pool_names_the_option_and_the_declared_pools():
    with pytest.raises(np.NodePoolError) as error:
        np.get_pool(POOLS, "a100", option="node_pool")
    assert str(error.value) == "node_pool 'a100' is not declared in node_pools (declared: cpu, gpu, t4)"


@pytest.mark.parametrize("pool, message", [
    ({}, "node_pools.p.vm_size is required"),
    ({"vm_size": "x", "priority": "spot"}, "node_pools.p.priority must be Regular or Spot"),
    ({"vm_size": "x", "node_taints": "a:NoSchedule"}, "node_pools.p.node_taints must be a list"),
    ({"vm_size": "x", "node_labels": {"accelerator": 1}}, "node_pools.p.node_labels.accelerator"),
    ({"vm_size": "x", "min_count": 3, "max_count": 1}, "min_count 3 is greater than max_count 1"),
    ({"vm_size": "x", "gpu_driver": "install"}, "node_pools.p.gpu_driver must be Install or None"),
    ({"vm_size": "x", "gpu_sharing": {"replicas": 0}}, "node_pools.p.gpu_sharing.replicas"),
])
def test_bad_declarations_name_the_field(pool, message):
    with pytest.raises(np.NodePoolError, match=message):
        np.validate_pool("p", pool)


def test_pool_names_follow_the_aks_rules():
    with pytest.raises(np.NodePoolError, match="1-12 lowercase letters"):
        np.validate_pool("GPU_pool", GPU)
    with pytest.raises(np.NodePoolError, match="non-empty mapping"):
        np.validate_node_pools({})


# The infrastructure tier: defaults, collected problems, agent pools, subnets, summary.

VNET = ["10.0.0.0/16"]


def test_defaults_are_the_reference_gpu_pool():
    pool = np.pool_settings("gpu", {"subnet_address_prefixes": ["10.0.7.0/24"]})
    assert pool["vm_size"] == "Standard_NV36ads_A10_v5"
    assert (pool["priority"], pool["eviction_policy"]) == ("Spot", "Delete")
    assert pool["node_taints"] == [np.GPU_TAINT_SPEC, np.SPOT_TAINT_SPEC]
    assert pool["node_labels"] == {"accelerator": "nvidia"}
    assert pool["gpu_driver"] == "Install"
    assert (pool["enable_auto_scaling"], pool["min_count"], pool["max_count"]) == (True, 1, 1)
    assert np.node_pool_problems({"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"]}}, VNET) == []


def test_a_regular_pool_drops_the_spot_defaults():
    pool = np.pool_settings("rtx", {"priority": "Regular", "gpu_driver": "None"})
    assert pool["eviction_policy"] is None
    assert pool["node_taints"] == [np.GPU_TAINT_SPEC]


def test_scale_from_zero_is_allowed():
    pools = {"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "min_count": 0, "max_count": 4}}
    assert np.node_pool_problems(pools, VNET) == []
    options = np.agent_pool_options(np.pool_settings("gpu", pools["gpu"]), "/subnet/id")
    assert options["auto_scaling"] is True and options["min_count"] == 0 and options["max_count"] == 4
    assert "count" not in options


@pytest.mark.parametrize("pool, message", [
    ({"min_count": 3, "max_count": 1}, "node_pools.gpu.min_count (3) must not be greater than max_count (1)"),
    ({"eviction_policy": ""}, "node_pools.gpu.eviction_policy='': a Spot pool needs Delete or Deallocate"),
    ({"priority": "Regular", "eviction_policy": "Delete"}, "node_pools.gpu.eviction_policy only applies with priority=Spot"),
    ({"priority": "Low"}, "node_pools.gpu.priority='Low' must be Regular or Spot"),
    ({"node_taints": ["nvidia.com/gpu=NoSchedule"]}, "node_pools.gpu.node_taints: taint 'nvidia.com/gpu=NoSchedule'"),
    ({"node_labels": {"accelerator": "nvidia gpu"}}, "node_pools.gpu.node_labels entry 'accelerator'='nvidia gpu'"),
    ({"subnet_address_prefixes": ["10.1.0.0/24"]}, "node_pools.gpu.subnet_address_prefixes entry 10.1.0.0/24 lies outside"),
    ({"subnet_address_prefixes": ["10.0.7.1/24"]}, "node_pools.gpu.subnet_address_prefixes entry '10.0.7.1/24' is not a valid"),
    ({"subnet_address_prefixes": None}, "node_pools.gpu.subnet_address_prefixes is required"),
    ({"zones": ["4"]}, "node_pools.gpu.zones=['4'] must be a list of availability zones"),
    ({"gpu_driver": "install"}, "node_pools.gpu.gpu_driver='install' must be Install"),
    ({"vm_size": "NV36"}, "node_pools.gpu.vm_size='NV36' must be an Azure VM size"),
    ({"enable_auto_scaling": False}, "node_pools.gpu.node_count is required without enable_auto_scaling"),
    ({"max_pods": 5}, "node_pools.gpu.max_pods=5 must be a number of at least 10"),
    ({"colour": "green"}, "node_pools.gpu: unknown setting(s) colour"),
])
def test_bad_pool_settings_name_the_setting(pool, message):
    settings = dict({"subnet_address_prefixes": ["10.0.7.0/24"]}, **pool)
    problems = np.node_pool_problems({"gpu": settings}, VNET)
    assert any(message in p for p in problems), problems


def test_pool_names_overlaps_and_zones():
    problems = np.node_pool_problems({"GPU": {"subnet_address_prefixes": ["10.0.7.0/24"]},
                                      "b": {"subnet_address_prefixes": ["10.0.7.128/25"]},
                                      "system": {"subnet_address_prefixes": ["10.0.1.0/24"], "zones": ["1"]}},
                                     VNET, other_subnets={"main": "10.0.1.0/24"}, zones_supported=False)
    text = "\n".join(problems)
    assert "node_pools.GPU: pool name 'GPU'" in text
    assert "node_pools.system: pool name 'system'" in text
    assert "node_pools.b.subnet_address_prefixes entry 10.0.7.128/25 overlaps the node pool GPU subnet" in text
    assert "node_pools.system.subnet_address_prefixes entry 10.0.1.0/24 overlaps the main subnet" in text
    assert "node_pools.system.zones=['1']: the region has no availability zones" in text


def test_subnets_agent_pools_and_summary():
    pools = {"h100": {"subnet_address_prefixes": ["10.0.8.0/24"], "vm_size": "Standard_NC40ads_H100_v5"},
             "rtx": {"subnet_address_prefixes": ["10.0.10.0/24", "10.0.11.0/24"], "priority": "Regular",
                     "enable_auto_scaling": False, "node_count": 2, "gpu_driver": "None",
                     "node_labels": {"nvidia.com/gpu.deploy.driver": "false"}}}
    assert np.node_pool_subnets(pools, "robotics-dev-001") == [
        {"pool": "h100", "name": "snet-aks-h100-robotics-dev-001", "address_prefixes": ["10.0.8.0/24"]},
        {"pool": "rtx", "name": "snet-aks-rtx-robotics-dev-001", "address_prefixes": ["10.0.10.0/24", "10.0.11.0/24"]},
    ]
    rtx = np.agent_pool_options(np.pool_settings("rtx", pools["rtx"]))
    assert rtx == {"vm_size": "Standard_NV36ads_A10_v5", "mode": "User", "priority": "Regular", "taints": [np.GPU_TAINT_SPEC],
                   "labels": {"nvidia.com/gpu.deploy.driver": "false"}, "zones": [], "gpu_driver": "none",
                   "auto_scaling": False, "count": 2}
    h100 = np.agent_pool_options(np.pool_settings("h100", pools["h100"]), "/id")
    assert h100["eviction_policy"] == "Delete" and h100["vnet_subnet_id"] == "/id"
    summary = np.node_pools_summary(pools)
    assert summary["h100"]["node_taints"] == [np.GPU_TAINT_SPEC, np.SPOT_TAINT_SPEC]
    assert summary["rtx"]["gpu_driver"] == "None"

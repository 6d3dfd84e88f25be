import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import (
    GPU_TAINT,
    SPOT_TAINT,
    agent_pool_options,
    node_pool_problems,
    node_pool_subnets,
    node_pools_summary,
    pool_settings,
)

VNET = ["10.0.0.0/16"]


def test_defaults_are_the_reference_gpu_pool():
    pool = pool_settings("gpu", {"subnet_address_prefixes": ["10.0.7.0/24"]})
    assert pool["vm_size"] == "Standard_NV36ads_A10_v5"
    assert (pool["priority"], pool["eviction_policy"]) == ("Spot", "Delete")
    assert pool["node_taints"] == [GPU_TAINT, SPOT_TAINT]
    assert pool["node_labels"] == {"accelerator": "nvidia"}
    assert pool["gpu_driver"] == "Install"
    assert (pool["enable_auto_scaling"], pool["min_count"], pool["max_count"]) == (True, 1, 1)
    assert node_pool_problems({"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"]}}, VNET) == []


def test_a_regular_pool_drops_the_spot_defaults():
    pool = pool_settings("rtx", {"priority": "Regular", "gpu_driver": "None"})
    assert pool["eviction_policy"] is None
    assert pool["node_taints"] == [GPU_TAINT]


def test_scale_from_zero_is_allowed():
    pools = {"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "min_count": 0, "max_count": 4}}
    assert node_pool_problems(pools, VNET) == []
    options = agent_pool_options(pool_settings("gpu", pools["gpu"]), "/subnet/id")
    assert options["auto_scaling"] is True and options["min_count"] == 0 and options["max_count"] == 4
    assert "count" not in options


@pytest.mark.parametrize("pool, message", [
    ({"min_count": 3, "max_count": 1}, "node_pools.gpu.min_count (3) must not be greater than max_count (1)"),
    ({"eviction_policy": ""}, "node_pools.gpu.eviction_policy='': a Spot pool needs Delete or Deallocate"),
    ({"priority": "Regular", "eviction_policy": "Delete"}, "node_pools.gpu.eviction_policy only applies with priority=Spot"),
    ({"priority": "Low"}, "node_pools.gpu.priority='Low' must be Regular or Spot"),
    ({"node_taints": ["nvidia.com/gpu=NoSchedule"]}, "node_pools.gpu.node_taints entry 'nvidia.com/gpu=NoSchedule'"),
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
    problems = node_pool_problems({"gpu": settings}, VNET)
    assert any(message in p for p in problems), problems


def test_pool_names_overlaps_and_zones():
    problems = node_pool_problems({"GPU": {"subnet_address_prefixes": ["10.0.7.0/24"]},
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
    assert node_pool_subnets(pools, "robotics-dev-001") == [
        {"pool": "h100", "name": "snet-aks-h100-robotics-dev-001", "address_prefixes": ["10.0.8.0/24"]},
        {"pool": "rtx", "name": "snet-aks-rtx-robotics-dev-001", "address_prefixes": ["10.0.10.0/24", "10.0.11.0/24"]},
    ]
    rtx = agent_pool_options(pool_settings("rtx", pools["rtx"]))
    assert rtx == {"vm_size": "Standard_NV36ads_A10_v5", "mode": "User", "priority": "Regular", "taints": [GPU_TAINT],
                   "labels": {"nvidia.com/gpu.deploy.driver": "false"}, "zones": [], "gpu_driver": "none",
                   "auto_scaling": False, "count": 2}
    h100 = agent_pool_options(pool_settings("h100", pools["h100"]), "/id")
    assert h100["eviction_policy"] == "Delete" and h100["vnet_subnet_id"] == "/id"
    summary = node_pools_summary(pools)
    assert summary["h100"]["node_taints"] == [GPU_TAINT, SPOT_TAINT]
    assert summary["rtx"]["gpu_driver"] == "None"

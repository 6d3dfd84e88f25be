"""Where the AKS cluster and node pool options land in ARM JSON, and which of them AKS fixes at creation."""

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure import aks
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import aks_cluster, aks_nodepool

WORKSPACE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"
SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pods"


def cluster_params(**options):
    params = dict.fromkeys(aks_cluster.ARGUMENT_SPEC)
    params.update(options)
    return params


def test_cluster_options_in_arm_json():
    body = aks_cluster.desired_body(cluster_params(
        dns_prefix="robotics-dev", node_resource_group="rg-nodes", sku_tier="Standard",
        api_server_authorized_ip_ranges=["203.0.113.0/24"],
        defender=dict(enabled=True, log_analytics_workspace_id=WORKSPACE)))
    assert body == {
        "sku": {"name": "Base", "tier": "Standard"},
        "properties": {
            "dnsPrefix": "robotics-dev", "nodeResourceGroup": "rg-nodes",
            "apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24"]},
            "securityProfile": {"defender": {"securityMonitoring": {"enabled": True},
                                             "logAnalyticsWorkspaceResourceId": WORKSPACE}},
        },
    }


def test_empty_authorized_ip_ranges_and_defender_off_are_sent():
    body = aks_cluster.desired_body(cluster_params(api_server_authorized_ip_ranges=[], defender=dict(enabled=False)))
    assert body["properties"] == {"apiServerAccessProfile": {"authorizedIPRanges": []},
                                  "securityProfile": {"defender": {"securityMonitoring": {"enabled": False}}}}


@pytest.mark.parametrize("path,option", [
    (("properties", "dnsPrefix"), "dns_prefix"),
    (("properties", "nodeResourceGroup"), "node_resource_group"),
])
def test_cluster_fields_fixed_at_creation_name_their_option(path, option):
    assert aks_cluster.RULES.is_immutable(path)
    assert aks_cluster.FIELDS.option_for(path) == option


@pytest.mark.parametrize("path", [
    ("sku", "tier"),
    ("properties", "apiServerAccessProfile", "authorizedIPRanges"),
    ("properties", "securityProfile", "defender", "securityMonitoring", "enabled"),
    ("properties", "securityProfile", "defender", "logAnalyticsWorkspaceResourceId"),
])
def test_cluster_fields_that_change_in_place(path):
    assert not aks_cluster.RULES.is_immutable(path)


POOL_OPTIONS = [
    ("pod_subnet_id", SUBNET, "podSubnetID", True),
    ("os_disk_size_gb", 256, "osDiskSizeGB", True),
    ("os_disk_type", "Ephemeral", "osDiskType", True),
    ("os_type", "Windows", "osType", True),
    ("gpu_instance_profile", "MIG2g", "gpuInstanceProfile", True),
    ("os_sku", "AzureLinux", "osSKU", False),
]


@pytest.mark.parametrize("option,value,arm_field,fixed", POOL_OPTIONS, ids=[o[0] for o in POOL_OPTIONS])
def test_pool_options_in_arm_json(option, value, arm_field, fixed):
    assert aks.pool_body({option: value}) == {arm_field: value}
    path = ("properties", arm_field)
    assert aks_nodepool.RULES.is_immutable(path) is fixed
    assert aks_nodepool.FIELDS.option_for(path) == option


@pytest.mark.parametrize("options,problem", [
    (dict(os_sku="Windows2022"), "os_sku=Windows2022 needs os_type=Windows"),
    (dict(os_sku="Windows2022", os_type="Linux"), "os_sku=Windows2022 needs os_type=Windows"),
    (dict(os_sku="Ubuntu", os_type="Windows"), "os_sku=Ubuntu needs os_type=Linux"),
])
def test_os_sku_of_the_other_os_family_is_a_problem(options, problem):
    assert aks.pool_problems(options) == [problem]


@pytest.mark.parametrize("options", [
    dict(os_sku="Windows2022", os_type="Windows"), dict(os_sku="AzureLinux3"),
    dict(os_sku="Ubuntu2404", os_type="Linux"), dict(os_type="Windows"),
])
def test_os_sku_of_the_pool_os_family_is_fine(options):
    assert aks.pool_problems(options) == []


def test_system_pool_os_sku_is_linux():
    assert aks.pool_problems(dict(os_sku="AzureLinux", count=1), prefix="system_pool.", system=True) == []

"""Cluster derivations from node_pools: scheduler assignment, OSMO configuration, AzureML InstanceTypes, GRID pools,
KAI releases and input checks."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster import (
    azureml_instance_types as aml,
    gpu_operator,
    helm_charts,
    inputs,
    osmo_config,
    scheduling,
    vm_sizes,
)

SPOT_TAINTS = ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]
POOLS = {
    "gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot", "node_taints": list(SPOT_TAINTS),
            "node_labels": {"accelerator": "nvidia"}, "gpu_driver": "Install", "min_count": 0, "max_count": 2},
    "a100": {"vm_size": "Standard_NC48ads_A100_v4", "priority": "Regular", "node_taints": ["nvidia.com/gpu:NoSchedule"],
             "gpu_driver": "Install", "workloads": "azureml"},
    "rtx": {"vm_size": "Standard_NC128ds_xl_RTXPRO6000BSE_v6", "gpu_driver": "None", "gpu_count": 1, "vcpus": 128,
            "memory_gib": 512, "node_taints": ["nvidia.com/gpu:NoSchedule"],
            "node_labels": {"nvidia.com/gpu.deploy.driver": "false"}},
    "cpu": {"vm_size": "Standard_D8ds_v5"},
}


def settings(**extra):
    base = {
        "node_pools": POOLS, "osmo_pools": ["gpu", "rtx"], "azureml_pools": ["a100"],
        "namespaces": {"control_plane": "osmo-control-plane", "workflows": "osmo-workflows"},
        "backend_name": "default", "workflow_service_account": "osmo-workflow", "workload_identity": True,
        "storage": {"account": "strobotics", "container": "osmo", "region": "westus3"},
        "images": {"location": "nvcr.io/nvidia/osmo", "tag": "6.3.1"},
    }
    base.update(extra)
    return base


# --- scheduler assignment -------------------------------------------------------------------------------------

def test_unclaimed_gpu_pools_go_to_osmo_and_declared_ones_to_azureml():
    assert scheduling.scheduler_assignment(POOLS) == {"osmo": ["gpu", "rtx"], "azureml": ["a100"]}


def test_explicit_lists_win_over_derivation():
    result = scheduling.scheduler_assignment(POOLS, azureml_pools=["a100", "gpu"])
    assert result == {"osmo": ["rtx"], "azureml": ["a100", "gpu"]}
    assert scheduling.scheduler_assignment(POOLS, osmo_pools=["gpu"]) == {"osmo": ["gpu"], "azureml": ["a100"]}


def test_a_pool_claimed_by_both_lists_is_refused_naming_both_variables():
    with pytest.raises(np.NodePoolError) as error:
        scheduling.scheduler_assignment(POOLS, osmo_pools=["gpu"], azureml_pools=["gpu", "a100"])
    assert "gpu is claimed by both osmo_node_pool_names" in str(error.value)
    assert "azureml_extension_node_pool_names" in str(error.value)


def test_a_list_contradicting_a_declared_owner_is_refused():
    with pytest.raises(np.NodePoolError, match="a100 is claimed by both osmo_node_pool_names .* node_pools.a100.workloads"):
        scheduling.scheduler_assignment(POOLS, osmo_pools=["a100"])


@pytest.mark.parametrize("kwargs, message", [
    ({"osmo_pools": ["nope"]}, "osmo_node_pool_names names 'nope', which is not declared"),
    ({"azureml_pools": "a100"}, "azureml_extension_node_pool_names must be a list"),
])
def test_bad_pool_lists(kwargs, message):
    with pytest.raises(np.NodePoolError, match=message):
        scheduling.scheduler_assignment(POOLS, **kwargs)


def test_bad_workloads_value():
    pools = copy.deepcopy(POOLS)
    pools["gpu"]["workloads"] = "volcano"
    with pytest.raises(np.NodePoolError, match="node_pools.gpu.workloads must be osmo or azureml"):
        scheduling.scheduler_assignment(pools)


# --- OSMO --------------------------------------------------------------------------------------------------------

def test_one_platform_and_pod_template_per_osmo_gpu_pool():
    configs = osmo_config.service_configs(settings())
    assert set(configs["pools"]) == {"gpu", "rtx", "default"}
    assert set(configs["pools"]["default"]["platforms"]) == {"gpu", "rtx", "cpu"}
    assert configs["pools"]["gpu"]["platforms"].keys() == {"gpu"}
    assert configs["pools"]["default"]["default_platform"] == "gpu"
    gpu_template = configs["podTemplates"]["aks_gpu"]["spec"]
    assert gpu_template["nodeSelector"] == {"node.kubernetes.io/instance-type": "Standard_NV36ads_A10_v5",
                                            "kubernetes.azure.com/agentpool": "gpu"}
    assert gpu_template["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"}]
    assert gpu_template["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "{{USER_GPU}}"}
    platform = configs["pools"]["gpu"]["platforms"]["gpu"]
    assert platform["override_pod_template"] == ["aks_gpu", "workload_identity"]
    # A10: 1 GPU, 36 vCPUs, 440 GiB -> all GPUs, 34 CPUs, 330 GiB
    assert platform["default_variables"] == {"USER_GPU": 1, "USER_CPU": 34, "USER_MEMORY": "330Gi",
                                             "USER_STORAGE": "100Gi", "USER_SHM_SIZE": "64Gi"}
    assert platform["resource_validations"] == ["gpu_required"]
    assert configs["backends"]["default"]["scheduler_settings"]["scheduler_type"] == "kai"
    assert configs["backends"]["default"]["k8s_namespace"] == "osmo-workflows"


def test_osmo_storage_and_images():
    workflow = osmo_config.service_configs(settings())["workflow"]
    assert workflow["workflow_data"] == {"credential": {"endpoint": "azure://strobotics/osmo/workflows/data",
                                                        "region": "westus3"},
                                         "base_url": "https://strobotics.blob.core.windows.net/osmo"}
    assert workflow["workflow_log"]["credential"]["endpoint"] == "azure://strobotics/osmo/workflows/logs"
    assert workflow["workflow_app"]["credential"]["endpoint"] == "azure://strobotics/osmo/apps"
    assert workflow["backend_images"]["init"] == "nvcr.io/nvidia/osmo/init-container:6.3.1"


def test_workload_identity_template_only_when_enabled():
    with_wi = osmo_config.service_configs(settings())["podTemplates"]
    assert with_wi["workload_identity"] == {"metadata": {"labels": {"azure.workload.identity/use": "true"}},
                                            "spec": {"serviceAccountName": "osmo-workflow"}}
    without = osmo_config.service_configs(settings(workload_identity=False))
    assert "workload_identity" not in without["podTemplates"]
    assert without["pools"]["gpu"]["platforms"]["gpu"]["override_pod_template"] == ["aks_gpu"]


def test_azureml_coordinates_injected_only_with_a_workspace():
    workspace = {"name": "mlw-robotics", "resource_group": "rg-robotics", "subscription_id": "0000"}
    with_ws = osmo_config.service_configs(settings(azureml_workspace=workspace))["podTemplates"]["default_user"]
    env = with_ws["spec"]["containers"][0]["env"]
    assert {"name": "AZUREML_WORKSPACE_NAME", "value": "mlw-robotics"} in env
    assert with_ws["spec"]["containers"][0]["resources"]["limits"]["cpu"] == "{{USER_CPU}}"   # merged, not replaced
    for empty in (None, {}, {"name": ""}):
        user = osmo_config.service_configs(settings(azureml_workspace=empty))["podTemplates"]["default_user"]
        assert "env" not in user["spec"]["containers"][0]


def test_osmo_inputs_are_checked():
    with pytest.raises(inputs.InputError, match="osmo_node_pool_names is empty"):
        osmo_config.service_configs(settings(osmo_pools=[]))
    with pytest.raises(inputs.InputError, match="^osmo_storage_account is required"):
        osmo_config.service_configs(settings(storage={"container": "osmo"}))
    with pytest.raises(inputs.InputError, match="osmo_default_platform 'nope'"):
        osmo_config.service_configs(settings(default_platform="nope"))
    with pytest.raises(inputs.InputError, match="osmo_platform_overrides names 'a100'"):
        osmo_config.service_configs(settings(platform_overrides={"a100": {}}))
    with pytest.raises(inputs.InputError, match="osmo_azureml_workspace"):
        osmo_config.service_configs(settings(azureml_workspace={"name": "ws"}))


def test_unknown_vm_size_needs_declared_capacity():
    pools = copy.deepcopy(POOLS)
    del pools["rtx"]["gpu_count"]
    with pytest.raises(np.NodePoolError, match="node_pools.rtx: VM size .* declare gpu_count, vcpus and memory_gib"):
        osmo_config.service_configs(settings(node_pools=pools))


def test_isolation_overrides_cannot_reach_azureml_pools():
    # an override pinning the OSMO gpu platform's template to AzureML's pool is caught
    same_size = copy.deepcopy(POOLS)
    same_size["a100"]["vm_size"] = "Standard_NV36ads_A10_v5"
    configs = osmo_config.service_configs(settings(node_pools=same_size))     # agentpool label keeps them apart
    assert configs["podTemplates"]["aks_gpu"]["spec"]["nodeSelector"]["kubernetes.azure.com/agentpool"] == "gpu"
    problems = scheduling.isolation_problems(same_size, {"osmo": ["gpu"], "azureml": ["a100"]},
                                             {"osmo": [("by size", {"node.kubernetes.io/instance-type":
                                                                    "Standard_NV36ads_A10_v5"})]})
    assert problems == ["by size of OSMO (KAI Scheduler) would also select node pool a100 of AzureML (Volcano)"]


# --- AzureML -----------------------------------------------------------------------------------------------------

def test_instance_types_one_per_azureml_gpu_pool():
    types = aml.instance_types(POOLS, ["a100"], osmo_pools=["gpu", "rtx"])
    assert [t["metadata"]["name"] for t in types] == ["defaultinstancetype", "a100"]
    a100 = types[1]
    assert a100["apiVersion"] == "amlarc.azureml.com/v1alpha1" and a100["kind"] == "InstanceType"
    assert a100["spec"]["nodeSelector"] == {"kubernetes.azure.com/agentpool": "a100"}
    # NC48ads A100: 2 GPUs, 48 vCPUs, 440 GiB
    assert a100["spec"]["resources"] == {"requests": {"cpu": "23", "memory": "165Gi"},
                                         "limits": {"cpu": "46", "memory": "330Gi", "nvidia.com/gpu": 2}}
    assert types[0]["spec"]["nodeSelector"] == {"kubernetes.azure.com/mode": "system"}
    for item in types:
        assert aml.instance_type_problems(item) == []


def test_instance_type_rules():
    bad = {"metadata": {"name": "Bad_Name"}, "spec": {"resources": {
        "requests": {"cpu": "0", "memory": "1Gi", "nvidia.com/gpu": 1},
        "limits": {"memory": "1Gi", "nvidia.com/gpu": "1"}}}}
    problems = aml.instance_type_problems(bad)
    assert any("metadata.name" in p for p in problems)
    assert any("requests.cpu must be set and greater than zero" in p for p in problems)
    assert any("limits.cpu must be set" in p for p in problems)
    assert any("GPUs go in limits only" in p for p in problems)
    assert any("limits.nvidia.com/gpu must be a whole number" in p for p in problems)


def test_instance_type_overrides_are_checked():
    types = aml.instance_types(POOLS, ["a100"], overrides={"a100": {"resources": {"limits": {"cpu": "40"}}}})
    assert types[1]["spec"]["resources"]["limits"] == {"cpu": "40", "memory": "330Gi", "nvidia.com/gpu": 2}
    with pytest.raises(inputs.InputError, match="InstanceType a100 is invalid: spec.resources.requests.cpu"):
        aml.instance_types(POOLS, ["a100"], overrides={"a100": {"resources": {"requests": {"cpu": "0"}}}})
    with pytest.raises(inputs.InputError, match="names 'gpu', which is neither"):
        aml.instance_types(POOLS, ["a100"], overrides={"gpu": {}})
    with pytest.raises(inputs.InputError, match="InstanceType a100 of AzureML .* would also select node pool gpu"):
        aml.instance_types(POOLS, ["a100"], osmo_pools=["gpu"],
                           overrides={"a100": {"nodeSelector": {"kubernetes.azure.com/agentpool": "gpu"}}})


def test_workload_tolerations_settings():
    settings_ = aml.workload_toleration_settings(POOLS, ["a100", "gpu"])
    assert settings_ == {
        "workLoadToleration[0].key": "nvidia.com/gpu", "workLoadToleration[0].operator": "Exists",
        "workLoadToleration[0].effect": "NoSchedule",
        "workLoadToleration[1].key": "kubernetes.azure.com/scalesetpriority",
        "workLoadToleration[1].operator": "Equal", "workLoadToleration[1].value": "spot",
        "workLoadToleration[1].effect": "NoSchedule"}
    assert aml.workload_toleration_settings(POOLS, []) == {}


# --- GPU Operator ------------------------------------------------------------------------------------------------

def test_grid_driver_pools():
    assert gpu_operator.grid_driver_pools(POOLS) == ["rtx"]
    pools = copy.deepcopy(POOLS)
    pools["rtx"]["gpu_driver"] = "Install"
    with pytest.raises(np.NodePoolError, match="node_pools.rtx: the label nvidia.com/gpu.deploy.driver=false"):
        gpu_operator.grid_driver_pools(pools)
    del pools["rtx"]
    assert gpu_operator.grid_driver_pools(pools) == []


@pytest.mark.parametrize("mode, crd, ama, expected", [
    ("auto", True, True, "podmonitor"), ("auto", False, True, "ama"), ("auto", False, False, "none"),
    ("ama", True, False, "ama"), ("none", True, True, "none"),
])
def test_dcgm_scrape(mode, crd, ama, expected):
    assert gpu_operator.dcgm_scrape(mode, crd, ama) == expected


def test_dcgm_scrape_bad_mode():
    with pytest.raises(inputs.InputError, match="^gpu_operator_dcgm_scrape must be one of"):
        gpu_operator.dcgm_scrape("prometheus")


# --- KAI and chart inputs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("version, ref, helm_args", [
    ("v0.12.10", helm_charts.KAI_OLD_REGISTRY, False),
    ("v0.14.0", helm_charts.KAI_NEW_REGISTRY, False),
    ("v0.16.8", helm_charts.KAI_NEW_REGISTRY, True),
])
def test_kai_registry_path_by_version(version, ref, helm_args):
    release = helm_charts.kai_release(version)
    assert release["chart_ref"] == ref and release["helm_args"] is helm_args and release["lts"]


def test_kai_non_lts_needs_opt_in():
    with pytest.raises(inputs.InputError, match="^kai_scheduler_version=v0.17.0 is not a long-term-support line"):
        helm_charts.kai_release("v0.17.0")
    assert helm_charts.kai_release("v0.13.1", lts_only=False)["chart_ref"] == helm_charts.KAI_OLD_REGISTRY


@pytest.mark.parametrize("version, message", [
    ("v0.20.1", "retracted"), ("v0.20.0", "retracted"), ("v0.9.9", "too old"), ("0.14.0", "must start with 'v'"),
    ("latest", "must be a pinned version"),
])
def test_bad_kai_versions(version, message):
    with pytest.raises(inputs.InputError, match=message) as error:
        helm_charts.kai_release(version, lts_only=False)
    assert str(error.value).startswith("kai_scheduler_version")


def test_chart_checksum():
    digest = "ab" * 32
    assert inputs.chart_checksum("sha256:" + digest.upper(), True, "x_chart_sha256") == digest
    assert inputs.chart_checksum("", False, "x_chart_sha256") is None
    with pytest.raises(inputs.InputError, match="^gpu_operator_chart_sha256 is required .* gpu_operator_require_checksum"):
        inputs.chart_checksum(None, True, "gpu_operator_chart_sha256", "gpu_operator_require_checksum")
    with pytest.raises(inputs.InputError, match="^x_chart_sha256 must be a SHA-256 digest"):
        inputs.chart_checksum("abc", False, "x_chart_sha256")


def test_semver_and_namespace():
    assert inputs.semver("1.3.1", "osmo_chart_version", leading_v=False) == (1, 3, 1)
    with pytest.raises(inputs.InputError, match="^osmo_chart_version must not start with 'v'"):
        inputs.semver("v1.3.1", "osmo_chart_version", leading_v=False)
    with pytest.raises(inputs.InputError, match="^osmo_namespace must be a Kubernetes namespace"):
        inputs.namespace("OSMO", "osmo_namespace")


def test_vm_size_capacity_and_share():
    capacity = vm_sizes.pool_capacity("a100", POOLS["a100"])
    assert capacity == {"gpus": 2, "vcpus": 48, "memory_gib": 440}
    assert vm_sizes.workload_share({"gpus": 1, "vcpus": 2, "memory_gib": 1}) == {"gpus": 1, "cpu": 1, "memory_gib": 1}
    with pytest.raises(np.NodePoolError, match="node_pools.x.vcpus must be a whole number >= 1"):
        vm_sizes.pool_capacity("x", {"vm_size": "Standard_NV36ads_A10_v5", "vcpus": 0})

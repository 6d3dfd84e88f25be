"""The example inventory rendered without a cluster (playbooks/cluster.yml, cluster_render_only) and every file checked:
built-in manifests against Kubernetes' strict schemas (kubernetes-validate), custom resources against their CRDs
(ClusterPolicy, SchedulingShard, Queue, SecretProviderClass, PodMonitor from /work/shared/crds; InstanceType against
the rules of the AzureML documentation, whose CRD is not public), and what matters: every GPU pool's taints are
tolerated, OSMO platforms and AzureML InstanceTypes are one-to-one with the GPU pools each owns, and no secret value
reaches a rendered file."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.osmo_mek import mek_document
from support.cluster import (
    INSTANCE_TYPE_SCHEMA,
    PLATFORM_FACTS,
    builtin_errors,
    crd_schema,
    schema_errors,
)
from support.paths import PROJECT_ROOT
from support.playbook import run_playbook

pytestmark = pytest.mark.slow

INVENTORY = PROJECT_ROOT / "inventories" / "azure"
NODE_POOLS = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())["node_pools"]
SECRETS = {"osmo_mek": mek_document("a sentinel seed that must never reach a rendered file"),
           "osmo_admin_token": "sentinel-admin-token-never-rendered"}
QUEUES = {"research": {"resources": {"gpu": {"quota": 0, "limit": -1, "overQuotaWeight": 1},
                                     "cpu": {"quota": 0, "limit": -1, "overQuotaWeight": 1},
                                     "memory": {"quota": 0, "limit": -1, "overQuotaWeight": 1}}},
          "research-gpu": {"parentQueue": "research", "priority": 100,
                           "resources": {"gpu": {"quota": 2, "limit": 4, "overQuotaWeight": 1}}}}
CUSTOM = {  # (apiVersion, kind) -> (CRD file, version)
    ("nvidia.com/v1", "ClusterPolicy"): ("nvidia.com_clusterpolicies.yaml", "v1"),
    ("kai.scheduler/v1", "SchedulingShard"): ("kai.scheduler_schedulingshards.yaml", "v1"),
    ("scheduling.run.ai/v2", "Queue"): ("scheduling.run.ai_queues.yaml", "v2"),
    ("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass"):
        ("secrets-store.csi.x-k8s.io_secretproviderclasses.yaml", "v1"),
    ("monitoring.coreos.com/v1", "PodMonitor"): ("monitoring.coreos.com_podmonitors.yaml", "v1"),
}
VALUES_FILES = {"values.yaml", "service-values.yaml", "backend-values.yaml", "extension.yaml"}


def _taints(pool):
    taints = []
    for text in pool.get("node_taints") or []:
        head, dummy, effect = text.rpartition(":")
        key, dummy, value = head.partition("=")
        taints.append((key, value or None, effect))
    if pool.get("priority") == "Spot" and ("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule") not in taints:
        taints.append(("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule"))
    return taints


def _tolerates(tolerations, taint):
    key, value, effect = taint
    for t in tolerations:
        if t.get("key") == key and t.get("effect") in (effect, None):
            if t.get("operator") == "Exists" or (t.get("operator") == "Equal" and t.get("value") == value):
                return True
    return False


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("render")
    run = run_playbook("playbooks/cluster.yml", "-e", "@%s" % PLATFORM_FACTS, inventory=str(INVENTORY),
                       extra_vars=dict(SECRETS, cluster_render_only=True, cluster_render_dir=str(out),
                                       kai_scheduler_queues=QUEUES))
    assert run.rc == 0, str(run)
    assert run.failed == 0
    return out


def _files(root):
    return sorted(p for p in pathlib.Path(root).rglob("*") if p.is_file())


def _manifests(root):
    for path in _files(root):
        if path.name in VALUES_FILES:
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                yield path, doc


def _values(root, component, name):
    return yaml.safe_load((pathlib.Path(root) / component / name).read_text())


def test_every_component_rendered_its_files(rendered):
    names = {str(p.relative_to(rendered)) for p in _files(rendered)}
    assert names == {
        "gpu_operator/namespace.yaml", "gpu_operator/values.yaml", "gpu_operator/cluster-policy.yaml",
        "gpu_operator/dcgm-podmonitor.yaml", "gpu_operator/dcgm-ama-configmap.yaml",
        "kai_scheduler/namespace.yaml", "kai_scheduler/values.yaml", "kai_scheduler/scheduling-shard.yaml",
        "kai_scheduler/queues.yaml",
        "azureml_extension/extension.yaml", "azureml_extension/namespace.yaml", "azureml_extension/instance-types.yaml",
        "azureml_extension/volcano-scheduler-configmap.yaml", "azureml_extension/volcano-scheduler-restart.yaml",
        "osmo/namespaces.yaml", "osmo/secrets.yaml", "osmo/workflow-service-account.yaml", "osmo/service-values.yaml",
        "osmo/backend-values.yaml",
    }
    # no GRID pool and no time-sliced pool in the example inventory: neither manifest is rendered
    assert not any("grid" in n or "device-plugin" in n for n in names)


def test_builtin_manifests_pass_the_strict_kubernetes_schemas(rendered):
    checked = 0
    for path, doc in _manifests(rendered):
        if (doc["apiVersion"], doc["kind"]) in CUSTOM or doc["kind"] == "InstanceType":
            continue
        if path.name == "volcano-scheduler-restart.yaml":
            # a server-side apply of one annotation onto the extension's Deployment, not a whole object
            assert set(doc["spec"]) == {"template"}
            continue
        assert builtin_errors(doc) == [], path
        checked += 1
    assert checked >= 8


def test_custom_resources_match_their_crds(rendered):
    seen = set()
    for path, doc in _manifests(rendered):
        key = (doc["apiVersion"], doc["kind"])
        if doc["kind"] == "InstanceType":
            assert schema_errors(doc, INSTANCE_TYPE_SCHEMA) == [], path
            seen.add(key)
        elif key in CUSTOM:
            assert schema_errors(doc, crd_schema(*CUSTOM[key])) == [], (path, doc)
            seen.add(key)
    assert seen == set(CUSTOM) | {("amlarc.azureml.com/v1alpha1", "InstanceType")}


def test_the_crd_checks_catch_mistakes():
    assert schema_errors({"apiVersion": "kai.scheduler/v1", "kind": "SchedulingShard", "metadata": {},
                          "spec": {"args": {"v": 3}}}, crd_schema(*CUSTOM[("kai.scheduler/v1", "SchedulingShard")]))
    assert schema_errors({"apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "metadata": {},
                          "spec": {"mig": {"strategy": "double"}}},
                         crd_schema(*CUSTOM[("nvidia.com/v1", "ClusterPolicy")]))
    gpu_in_requests = {"apiVersion": "amlarc.azureml.com/v1alpha1", "kind": "InstanceType", "metadata": {"name": "x"},
                       "spec": {"resources": {"requests": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "1"},
                                              "limits": {"cpu": "1", "memory": "1Gi"}}}}
    assert schema_errors(gpu_in_requests, INSTANCE_TYPE_SCHEMA)
    zero_cpu = yaml.safe_load(yaml.safe_dump(gpu_in_requests))
    del zero_cpu["spec"]["resources"]["requests"]["nvidia.com/gpu"]
    zero_cpu["spec"]["resources"]["limits"]["cpu"] = "0"
    assert schema_errors(zero_cpu, INSTANCE_TYPE_SCHEMA)
    assert builtin_errors({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "bogus": 1})


def test_every_gpu_taint_is_tolerated(rendered):
    gpu_pools = {name: pool for name, pool in NODE_POOLS.items() if pool.get("gpu_driver") or pool.get("node_taints")}
    assert set(gpu_pools) == {"gpu", "amlgpu"}
    operator_values = _values(rendered, "gpu_operator", "values.yaml")
    policy = _values(rendered, "gpu_operator", "cluster-policy.yaml")
    kai = _values(rendered, "kai_scheduler", "values.yaml")
    for name, pool in gpu_pools.items():
        for taint in _taints(pool):
            assert _tolerates(operator_values["daemonsets"]["tolerations"], taint), (name, taint)
            assert _tolerates(operator_values["operator"]["tolerations"], taint), (name, taint)
            assert _tolerates(operator_values["node-feature-discovery"]["worker"]["tolerations"], taint)
            assert _tolerates(policy["spec"]["daemonsets"]["tolerations"], taint), (name, taint)
            assert _tolerates(kai["global"]["tolerations"], taint), (name, taint)
    # each OSMO pod template tolerates its own pool; AzureML's workload tolerations cover AzureML's pools
    templates = _values(rendered, "osmo", "service-values.yaml")["services"]["configs"]["podTemplates"]
    for taint in _taints(NODE_POOLS["gpu"]):
        assert _tolerates(templates["aks_gpu"]["spec"]["tolerations"], taint)
    settings = _values(rendered, "azureml_extension", "extension.yaml")["configuration_settings"]
    workload = []
    for index in range(10):
        prefix = "workLoadToleration[%d]." % index
        if prefix + "key" in settings:
            workload.append({k: settings[prefix + k] for k in ("key", "operator", "value", "effect")
                             if prefix + k in settings})
    for taint in _taints(NODE_POOLS["amlgpu"]):
        assert _tolerates(workload, taint)


def test_platforms_and_instance_types_are_one_to_one_with_their_gpu_pools(rendered):
    osmo_pools = sorted(n for n, p in NODE_POOLS.items() if p.get("workloads") == "osmo")
    azureml_pools = sorted(n for n, p in NODE_POOLS.items() if p.get("workloads") == "azureml")
    assert osmo_pools and azureml_pools and not set(osmo_pools) & set(azureml_pools)

    configs = _values(rendered, "osmo", "service-values.yaml")["services"]["configs"]
    gpu_platforms = sorted(set(configs["pools"]["default"]["platforms"]) - {"cpu"})
    assert gpu_platforms == osmo_pools
    assert sorted(set(configs["pools"]) - {"default"}) == osmo_pools
    for name in osmo_pools:
        selector = configs["podTemplates"]["aks_" + name]["spec"]["nodeSelector"]
        assert selector == {"kubernetes.azure.com/agentpool": name,
                            "node.kubernetes.io/instance-type": NODE_POOLS[name]["vm_size"]}

    types = [doc for dummy, doc in _manifests(rendered / "azureml_extension") if doc["kind"] == "InstanceType"]
    gpu_types = sorted(t["metadata"]["name"] for t in types if t["metadata"]["name"] != "defaultinstancetype")
    assert gpu_types == azureml_pools
    for item in types:
        selector = item["spec"]["nodeSelector"]
        assert selector.get("kubernetes.azure.com/agentpool") not in osmo_pools      # isolation from OSMO's pools
    by_name = {t["metadata"]["name"]: t for t in types}
    # Standard_NC24ads_A100_v4: 1 GPU, 24 vCPUs, 220 GiB
    assert by_name["amlgpu"]["spec"]["resources"]["limits"] == {"cpu": "22", "memory": "165Gi", "nvidia.com/gpu": 1}


def test_no_secret_value_in_any_rendered_file(rendered):
    for path in _files(rendered):
        text = path.read_text()
        for value in SECRETS.values():
            assert value not in text, path
            assert value.strip().splitlines()[-1].split(": ")[-1] not in text, path
    kinds = [doc["kind"] for dummy, doc in _manifests(rendered)]
    assert "Secret" not in kinds
    spc = [doc for dummy, doc in _manifests(rendered / "osmo") if doc["kind"] == "SecretProviderClass"][0]
    assert spc["spec"]["parameters"]["clientID"] == "22222222-2222-4222-8222-222222222222"   # names, not values
    assert {o["secretName"] for o in spc["spec"]["secretObjects"]} == {"db-secret", "redis-secret",
                                                                       "osmo-default-admin"}


def test_osmo_values(rendered):
    values = _values(rendered, "osmo", "service-values.yaml")
    configs = values["services"]["configs"]
    assert configs["enabled"] is True
    assert configs["backends"]["default"]["scheduler_settings"]["scheduler_type"] == "kai"
    assert configs["workflow"]["workflow_log"]["credential"]["endpoint"] == "azure://stroboticsdev001/osmo/workflows/logs"
    assert values["gateway"]["envoy"]["service"]["annotations"] == {
        "service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
    env = configs["podTemplates"]["default_user"]["spec"]["containers"][0]["env"]
    assert {"name": "AZUREML_WORKSPACE_NAME", "value": "mlw-robotics-dev-001"} in env
    backend = _values(rendered, "osmo", "backend-values.yaml")
    assert backend["global"]["backendNamespace"] == "osmo-workflows"
    assert backend["global"]["accountTokenSecret"] == "osmo-operator-token"
    shard = _values(rendered, "kai_scheduler", "scheduling-shard.yaml")
    assert shard["spec"]["args"] == {"default-staleness-grace-period": "-1s", "update-pod-eviction-condition": "true"}


def test_grid_driver_and_time_slicing_only_for_pools_that_need_them(tmp_path):
    pools = dict(NODE_POOLS, rtxpro={
        "vm_size": "Standard_NC128ds_xl_RTXPRO6000BSE_v6", "gpu_driver": "None", "gpu_count": 1, "vcpus": 128,
        "memory_gib": 512, "node_taints": ["nvidia.com/gpu:NoSchedule"],
        "node_labels": {"nvidia.com/gpu.deploy.driver": "false"},
        "gpu_sharing": {"strategy": "time-slicing", "replicas": 4}})
    run = run_playbook("playbooks/cluster.yml", "-e", "@%s" % PLATFORM_FACTS, inventory=str(INVENTORY),
                       extra_vars={"cluster_render_only": True, "cluster_render_dir": str(tmp_path),
                                   "cluster_components": ["gpu_operator"], "node_pools": pools,
                                   "gpu_operator_grid_driver_url": "https://download.example.com/grid.run",
                                   "gpu_operator_grid_driver_sha256": "ab" * 32})
    assert run.rc == 0, str(run)
    grid = list(yaml.safe_load_all((tmp_path / "gpu_operator" / "grid-driver.yaml").read_text()))
    daemonset = [d for d in grid if d["kind"] == "DaemonSet"][0]
    for doc in grid:
        assert builtin_errors(doc) == []
    terms = daemonset["spec"]["template"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "kubernetes.azure.com/agentpool", "operator": "In",
                                            "values": ["rtxpro"]}]}]
    assert daemonset["spec"]["template"]["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    plugin = yaml.safe_load((tmp_path / "gpu_operator" / "device-plugin-config.yaml").read_text())
    assert builtin_errors(plugin) == []
    assert yaml.safe_load(plugin["data"]["rtxpro-ts4"])["sharing"]["timeSlicing"]["resources"] == [
        {"name": "nvidia.com/gpu", "replicas": 4}]
    values = yaml.safe_load((tmp_path / "gpu_operator" / "values.yaml").read_text())
    assert values["devicePlugin"]["config"] == {"name": "time-slicing-config", "default": ""}

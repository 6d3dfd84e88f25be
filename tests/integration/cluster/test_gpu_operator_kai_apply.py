"""gpu_operator and kai_scheduler applied through playbooks/cluster.yml with kubernetes.core and a real helm binary:
against the Kubernetes emulator with stand-in charts (carrying the real CRDs), or against the cluster of KUBECONFIG
with the real charts (marker cloud).

Shown here: CRDs are Established before their custom resources are written (the emulator delays establishment), a
rerun changes nothing (and moves no resourceVersion), check mode sends only dry-run writes, the DCGM scrape
configuration follows what the cluster has, and the SchedulingShard gets OSMO's arguments server-side.
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from support.playbook import run_playbook

from support.cluster import CRDS, PLATFORM_FACTS

pytestmark = pytest.mark.slow

PLAYBOOK = "playbooks/cluster.yml"
INVENTORY = "inventories/azure"


def _deployment(name, namespace):
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]}}}}


def _standins(kube, standin_chart, emulator_helm):
    """extra-vars pointing the roles at stand-in charts (emulator) or leaving the real charts (real cluster)."""
    if not kube.is_emulator:
        return {}
    # like the real chart, the stand-in renders the ClusterPolicy's sections from the values it gets
    cluster_policy = {"apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "name": "cluster-policy",
                      "static": {"hostPaths": {"rootFS": "/"}, "operator": {"runtimeClass": "nvidia"}},
                      "sections": ["daemonsets", "dcgm", "dcgmExporter", "devicePlugin", "driver", "gfd",
                                   "nodeStatusExporter", "toolkit", "mig", "migManager", "cdi"]}
    shard = {"apiVersion": "kai.scheduler/v1", "kind": "SchedulingShard", "metadata": {"name": "default"},
             "spec": {"placementStrategy": {"gpu": "binpack", "cpu": "binpack"}}}
    return {
        "cluster_helm_binary": emulator_helm,
        "gpu_operator_chart_ref": standin_chart("gpu-operator", "v26.3.2", crds=["nvidia.com_clusterpolicies.yaml"]),
        "gpu_operator_values_overrides": {"standin": {"objects": [_deployment("gpu-operator", "gpu-operator")],
                                                      "fromValues": cluster_policy}},
        "kai_scheduler_chart_ref": standin_chart("kai-scheduler", "v0.14.0", crds=[
            "kai.scheduler_schedulingshards.yaml", "scheduling.run.ai_queues.yaml"]),
        "kai_scheduler_values_overrides": {"standin": {"objects": [_deployment("kai-operator", "kai-scheduler"),
                                                                   shard]}},
    }


def _vars(kube, standin_chart, emulator_helm, **extra):
    values = {"cluster_components": ["gpu_operator", "kai_scheduler"],
              "cluster_chart_cache_dir": kube.cache_dir + "/charts",
              "kai_scheduler_queues": {
                  "research": {"resources": {"gpu": {"quota": 0, "limit": -1, "overQuotaWeight": 1}}},
                  "research-gpu": {"parentQueue": "research",
                                   "resources": {"gpu": {"quota": 1, "limit": 2, "overQuotaWeight": 1}}}}}
    values.update(_standins(kube, standin_chart, emulator_helm))
    values.update(extra)
    return values


def _run(kube, variables, check=False):
    return run_playbook(PLAYBOOK, "-e", "@%s" % PLATFORM_FACTS, inventory=INVENTORY, extra_vars=variables,
                        env=kube.env(), check=check)


def _crd(api_client, name):
    import kubernetes

    return kubernetes.client.ApiextensionsV1Api(api_client).read_custom_resource_definition(name)


@pytest.mark.k8s_config(crd_established_delay=2.0)
def test_apply_in_order_idempotent_and_check_mode_without_writes(kube, standin_chart, emulator_helm,
                                                                 operator_standin):
    import kubernetes

    api = kube.api_client()
    if kube.is_emulator:
        # A Prometheus Operator is on the cluster: the DCGM exporter gets a PodMonitor.
        crd = yaml.safe_load((CRDS / "monitoring.coreos.com_podmonitors.yaml").read_text())
        kubernetes.client.ApiextensionsV1Api(api).create_custom_resource_definition(crd)
        operator_standin(api, [("kai.scheduler", "v1", "schedulingshards", "default")])
    variables = _vars(kube, standin_chart, emulator_helm)

    first = _run(kube, variables)
    assert first.rc == 0, str(first)
    assert first.changed > 0

    custom = kubernetes.client.CustomObjectsApi(api)
    shard = custom.get_cluster_custom_object("kai.scheduler", "v1", "schedulingshards", "default")
    assert shard["spec"]["args"] == {"default-staleness-grace-period": "-1s", "update-pod-eviction-condition": "true"}
    managers = {m["manager"] for m in shard["metadata"]["managedFields"]}
    assert "azure_robotics.stack" in managers
    policy = custom.get_cluster_custom_object("nvidia.com", "v1", "clusterpolicies", "cluster-policy")
    tolerations = policy["spec"]["daemonsets"]["tolerations"]
    assert {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot",
            "effect": "NoSchedule"} in tolerations
    assert policy["spec"]["toolkit"]["version"] == "v1.17.8-ubuntu20.04"
    assert policy["spec"]["mig"]["strategy"] == "single"
    queues = custom.list_cluster_custom_object("scheduling.run.ai", "v2", "queues")["items"]
    assert {q["metadata"]["name"] for q in queues} >= {"research", "research-gpu"}

    if kube.is_emulator:
        core = kubernetes.client.CoreV1Api(api)
        values = yaml.safe_load(core.read_namespaced_config_map("gpu-operator-values", "gpu-operator").data["values.yaml"])
        assert values["daemonsets"]["tolerations"] == tolerations       # the chart got the same settings
        assert values["driver"] == {"enabled": True, "kernelModuleType": "proprietary"}
        monitors = custom.list_namespaced_custom_object("monitoring.coreos.com", "v1", "kube-system", "podmonitors")
        assert [m["metadata"]["name"] for m in monitors["items"]] == ["nvidia-dcgm-exporter"]
        # ordering: no custom resource was ever written before its CRD was served
        writes = kube.emulator.writes()
        assert not [w for w in writes if w["status"] == 404], [w for w in writes if w["status"] == 404]
        shard_writes = [w for w in writes if "/schedulingshards/" in w["path"]]
        assert shard_writes and all(w["status"] in (200, 201) for w in shard_writes)

    revision = kube.emulator.cluster.store.resource_version if kube.is_emulator else None
    second = _run(kube, variables)
    assert second.rc == 0, str(second)
    assert second.changed == 0, str(second)
    if kube.is_emulator:
        assert kube.emulator.cluster.store.resource_version == revision

        kube.emulator.clear_requests()
    check = _run(kube, _vars(kube, standin_chart, emulator_helm,
                             kai_scheduler_shard_args={"v": "3"}, gpu_operator_mig_strategy="mixed"), check=True)
    assert check.rc == 0, str(check)
    assert check.changed >= 2, str(check)
    shard_after = custom.get_cluster_custom_object("kai.scheduler", "v1", "schedulingshards", "default")
    assert shard_after["spec"]["args"] == shard["spec"]["args"]
    if kube.is_emulator:
        writes = kube.emulator.writes()
        assert writes, "check mode still asks the server (dry run)"
        assert all(w["query"].get("dryRun") == "All" for w in writes), writes
        assert kube.emulator.cluster.store.resource_version == revision


def test_dcgm_scrape_falls_back_to_the_azure_monitor_agent(k8s_emulator, tmp_path, standin_chart, emulator_helm,
                                                           operator_standin):
    import kubernetes

    api = k8s_emulator.api_client()
    kubernetes.client.AppsV1Api(api).create_namespaced_daemon_set("kube-system", {
        "metadata": {"name": "ama-metrics-node"},
        "spec": {"selector": {"matchLabels": {"app": "ama"}}, "template": {
            "metadata": {"labels": {"app": "ama"}},
            "spec": {"containers": [{"name": "ama", "image": "mcr.microsoft.com/azuremonitor/ama:1"}]}}}})

    class Target:
        is_emulator = True
        cache_dir = str(tmp_path)
        emulator = k8s_emulator

        def env(self):
            return {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path)}

    variables = _vars(Target(), standin_chart, emulator_helm, cluster_components=["gpu_operator"])
    run = _run(Target(), variables)
    assert run.rc == 0, str(run)
    config = kubernetes.client.CoreV1Api(api).read_namespaced_config_map("ama-metrics-prometheus-config", "kube-system")
    scrape = yaml.safe_load(config.data["prometheus-config"])
    assert scrape["scrape_configs"][0]["job_name"] == "nvidia-dcgm-exporter"
    assert scrape["scrape_configs"][0]["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["gpu-operator"]


def test_uninstall_removes_only_what_is_named(k8s_emulator, tmp_path, standin_chart, emulator_helm, operator_standin,
                                              helm_binary):
    import kubernetes

    api = k8s_emulator.api_client()
    operator_standin(api, [("kai.scheduler", "v1", "schedulingshards", "default")])

    class Target:
        is_emulator = True
        cache_dir = str(tmp_path)
        emulator = k8s_emulator

        def env(self):
            return {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path)}

    installed = _run(Target(), _vars(Target(), standin_chart, emulator_helm))
    assert installed.rc == 0, str(installed)

    nothing = run_playbook("playbooks/cluster-uninstall.yml", "-e", "@%s" % PLATFORM_FACTS, inventory=INVENTORY,
                           env=Target().env())
    assert nothing.rc != 0 and "Name the components to remove in uninstall" in nothing.stdout, str(nothing)

    removed = run_playbook("playbooks/cluster-uninstall.yml", "-e", "@%s" % PLATFORM_FACTS, inventory=INVENTORY,
                           env=Target().env(), extra_vars={"uninstall": ["kai_scheduler"],
                                                           "kai_scheduler_purge_crds": True,
                                                           "kai_scheduler_purge_namespace": True,
                                                           "cluster_helm_binary": emulator_helm})
    assert removed.rc == 0, str(removed)
    crds = {c.metadata.name for c in kubernetes.client.ApiextensionsV1Api(api).list_custom_resource_definition().items}
    assert "schedulingshards.kai.scheduler" not in crds and "queues.scheduling.run.ai" not in crds
    assert "clusterpolicies.nvidia.com" in crds                      # the GPU Operator was not named
    namespaces = {n.metadata.name for n in kubernetes.client.CoreV1Api(api).list_namespace().items}
    assert "kai-scheduler" not in namespaces and "gpu-operator" in namespaces
    releases = subprocess.run(
        [helm_binary, "list", "-A", "-q", "--kubeconfig", k8s_emulator.kubeconfig_path],
        check=True, capture_output=True, text=True).stdout.split()
    assert releases == ["gpu-operator"]

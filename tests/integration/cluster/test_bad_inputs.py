"""Bad inputs to playbooks/cluster.yml fail before any request to Azure or the cluster, naming the variable.

One ansible-playbook run covers them all: the inventory is the example inventory's group_vars with one host per bad
input (host vars), so every host fails on its own input, in parallel. The Kubernetes and ARM emulators the run points
at must see no request at all.
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from support.cluster import PLATFORM_FACTS
from support.paths import PROJECT_ROOT
from support.playbook import run_playbook

pytestmark = pytest.mark.slow

EXAMPLE = PROJECT_ROOT / "inventories" / "azure"
GOOD_POOLS = yaml.safe_load((EXAMPLE / "group_vars" / "all.yml").read_text())["node_pools"]


def _pools(**changes):
    pools = yaml.safe_load(yaml.safe_dump(GOOD_POOLS))
    for name, fields in changes.items():
        if fields is None:
            pools.pop(name, None)
        else:
            pools[name] = dict(pools.get(name, {}), **fields)
    return pools


GRID_POOL = {"vm_size": "Standard_NC128ds_xl_RTXPRO6000BSE_v6", "gpu_driver": "None", "gpu_count": 1, "vcpus": 128,
             "memory_gib": 512, "workloads": "osmo", "node_labels": {"nvidia.com/gpu.deploy.driver": "false"}}

# host -> (host vars, the message must contain this; it names the variable)
BAD_INPUTS = {
    "bad-taint": ({"node_pools": _pools(gpu={"node_taints": ["nvidia.com/gpu"]})},
                  "node_pools.gpu.node_taints: taint 'nvidia.com/gpu' must look like key=value:Effect"),
    "bad-effect": ({"node_pools": _pools(gpu={"node_taints": ["nvidia.com/gpu:NoScheduel"]})},
                   "node_pools.gpu.node_taints: taint effect 'NoScheduel' must be one of"),
    "attach-without-workspace": ({"azureml_extension_workspace": {}},
                                 "azureml_extension_attach is true, so azureml_extension_workspace"),
    "checksum-required": ({"cluster_require_checksum": True},
                          "gpu_operator_chart_sha256 is required (the SHA-256 of the chart archive"),
    "checksum-malformed": ({"kai_scheduler_chart_sha256": "sha256:1234"},
                           "kai_scheduler_chart_sha256 must be a SHA-256 digest"),
    "claimed-by-both": ({"osmo_node_pool_names": ["gpu"], "azureml_extension_node_pool_names": ["gpu", "amlgpu"]},
                        "node pool gpu is claimed by both osmo_node_pool_names"),
    "claimed-against-declaration": ({"osmo_node_pool_names": ["amlgpu"]},
                                    "node pool amlgpu is claimed by both osmo_node_pool_names (OSMO (KAI Scheduler)) "
                                    "and node_pools.amlgpu.workloads=azureml"),
    "kai-retracted": ({"kai_scheduler_version": "v0.20.1"},
                      "kai_scheduler_version=v0.20.1: the v0.20.x tags are mistaken tags"),
    "kai-not-lts": ({"kai_scheduler_version": "v0.17.0"}, "kai_scheduler_version=v0.17.0 is not a long-term-support"),
    "grid-without-driver": ({"node_pools": _pools(rtx=GRID_POOL)},
                            "gpu_operator_grid_driver_url (https) and gpu_operator_grid_driver_sha256"),
    "grid-with-aks-driver": ({"node_pools": _pools(gpu={"node_labels": {"nvidia.com/gpu.deploy.driver": "false"}})},
                             "node_pools.gpu: the label nvidia.com/gpu.deploy.driver=false asks for the GRID driver"),
    "unknown-vm-size": ({"node_pools": _pools(gpu={"vm_size": "Standard_NX99_Future_v9"})},
                        "node_pools.gpu: VM size 'Standard_NX99_Future_v9' is not in the collection's table"),
    "unknown-pool-name": ({"azureml_extension_node_pool_names": ["nope"]},
                          "azureml_extension_node_pool_names names 'nope', which is not declared in node_pools"),
    "bad-namespace": ({"osmo_namespace": "OSMO"}, "osmo_namespace must be a Kubernetes namespace name"),
    "osmo-chart-v": ({"osmo_chart_version": "v1.3.1"}, "osmo_chart_version must not start with 'v'"),
    "no-storage-account": ({"osmo_storage_account": ""}, "osmo_storage_account is required"),
    "token-lifetimes": ({"osmo_backend_token_days": 20}, "osmo_backend_token_days (20) must exceed"),
    "bad-scrape-mode": ({"gpu_operator_dcgm_scrape": "prometheus"}, "gpu_operator_dcgm_scrape"),
    "long-compute-name": ({"azureml_extension_compute_name": "k8s-robotics-development-cluster"},
                          "azureml_extension_compute_name must be 2-16 letters"),
    "no-node-pools": ({"node_pools": {}}, "node_pools must be a non-empty mapping"),
    "bad-pool-name": ({"node_pools": _pools(**{"GPU-pool": dict(GOOD_POOLS["gpu"], workloads="osmo")})},
                      "node_pools: pool names must be 1-12 lowercase letters"),
    "fastprod-without-tls": ({"azureml_extension_cluster_purpose": "FastProd"},
                             "azureml_extension_cluster_purpose=FastProd turns insecure connections off"),
    "bad-mek": ({"osmo_mek": "currentMek: key2\nmeks:\n  key1: abc\n"},
                "osmo_mek is not a usable mek.yaml: currentMek 'key2' is not one of the meks"),
}


def _failures(stdout: str) -> dict:
    """host -> the text of its failure."""
    found = {}
    for match in re.finditer(r"^fatal: \[([^\]]+)\]: FAILED! =>(.*?)(?=^fatal: |^TASK |^PLAY RECAP|\Z)", stdout,
                             re.M | re.S):
        found.setdefault(match.group(1), re.sub(r"\s+", " ", match.group(2)).replace("''", "'"))
    return found


def test_bad_inputs_fail_before_any_request_naming_the_variable(tmp_path, k8s_emulator, arm_emulator):
    from emulators.arm.fixture import emulator_module_args

    inventory = tmp_path / "inventory"
    shutil.copytree(EXAMPLE / "group_vars", inventory / "group_vars")
    hosts = {name: dict(host_vars, ansible_connection="local",
                        ansible_python_interpreter="{{ ansible_playbook_python }}")
             for name, (host_vars, dummy) in BAD_INPUTS.items()}
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"aks": {"hosts": hosts}}}}))
    arm = emulator_module_args(arm_emulator.url, arm_emulator.subscription_id, arm_emulator.tenant_id)
    env = {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path),
           "AZURE_CLOUD": arm["cloud"], "AZURE_CA_BUNDLE": arm["ca_bundle"], "AZURE_AUTH_SOURCE": "access_token",
           "AZURE_ACCESS_TOKEN": arm["access_token"], "AZURE_SUBSCRIPTION_ID": arm["subscription_id"]}
    k8s_emulator.clear_requests()
    arm_emulator.clear_requests()

    run = run_playbook("playbooks/cluster.yml", "-e", "@%s" % PLATFORM_FACTS, "--forks", "25",
                       inventory=str(inventory), env=env)

    failures = _failures(run.stdout)
    assert len(BAD_INPUTS) >= 10
    for host, (dummy, message) in BAD_INPUTS.items():
        assert host in failures, "%s did not fail:\n%s" % (host, run)
        assert message in failures[host], "%s: %r not in %r" % (host, message, failures[host])
    assert run.recap and all(stats["failed"] == 1 for stats in run.recap.values()), run.recap
    assert k8s_emulator.requests == [], k8s_emulator.requests[:3]
    assert arm_emulator.requests() == [], arm_emulator.requests()[:3]

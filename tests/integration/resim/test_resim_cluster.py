"""The resim_cluster role: rendered manifests (strict schemas, CRD schemas, Blob CSI fields, tolerations, no
secrets), bad input named before any cluster call, and apply/idempotence/check mode against the emulator."""

from __future__ import annotations

import base64
import copy
import pathlib

import kubernetes
import kubernetes_validate
import pytest
import yaml

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from emulators.k8s.kinds import ResourceType
from emulators.k8s.validation import custom_resource
from support import azurite
from support.paths import SHARED
from support.playbook import run_playbook
from support.waiting import wait_until

pytestmark = pytest.mark.slow      # several ansible-playbook runs

PLAYBOOK = str(pathlib.Path(__file__).parent / "playbooks" / "resim_cluster.yml")
CRDS = SHARED / "crds"
# The reference's default pool, a time-sliced T4 pool as in the AV resimulation playground, a CPU pool.
NODE_POOLS = {
    "gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot", "eviction_policy": "Delete",
            "node_taints": ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
            "node_labels": {"accelerator": "nvidia"}, "min_count": 1, "max_count": 1, "gpu_driver": "Install"},
    "t4": {"vm_size": "Standard_NC4as_T4_v3", "priority": "Spot", "node_taints": ["sku=gpu:NoSchedule"],
           "gpu_driver": "None", "min_count": 1, "max_count": 5,
           "gpu_sharing": {"strategy": "time-slicing", "replicas": 2}},
    "cpu": {"vm_size": "Standard_D8ds_v5", "min_count": 0, "max_count": 3},
}
CLIENT_ID = "00000000-1111-2222-3333-444444444444"


def role_vars(**extra):
    return {"node_pools": NODE_POOLS, "resim_cluster_client_id": CLIENT_ID,
            "resim_cluster_input": {"storage_account": "resiminput01", "container": "input"},
            "resim_cluster_output": {"storage_account": "resimoutput01", "container": "output"}, **extra}


def documents(directory) -> dict:
    return {path.name: [d for d in yaml.safe_load_all(path.read_text()) if d]
            for path in sorted(pathlib.Path(directory).glob("*.yml"))}


def crd_schema(filename, version=None):
    assert (CRDS / filename).is_file(), f"{CRDS / filename} is missing: set AZURE_ROBOTICS_SHARED to the shared folder"
    crd = yaml.safe_load((CRDS / filename).read_text())
    ver = next(v for v in crd["spec"]["versions"] if version in (None, v["name"]))
    names = crd["spec"]["names"]
    rtype = ResourceType(crd["spec"]["group"], ver["name"], names["kind"], names["plural"], names["singular"],
                         crd["spec"]["scope"] == "Namespaced", crd_name=crd["metadata"]["name"])
    return crd, ver["schema"]["openAPIV3Schema"], rtype


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = {}
    for auth in ("workload_identity", "sas"):
        directory = tmp_path_factory.mktemp(f"render-{auth}")
        run = run_playbook(PLAYBOOK, extra_vars=role_vars(
            resim_cluster_render_only=True, resim_cluster_render_dir=str(directory), resim_cluster_auth=auth,
            resim_cluster_sas_auth_mode="account_key",
            resim_cluster_sas_account_keys={"resiminput01": azurite.KEY, "resimoutput01": azurite.KEY}))
        assert run.rc == 0, run
        out[auth] = (directory, documents(directory), run)
    return out


def test_render_only_touches_no_cluster_and_writes_every_file(rendered):
    _directory, docs, run = rendered["workload_identity"]
    assert set(docs) == {"namespace.yml", "nfd-values.yml", "nfd-rule.yml", "time-slicing.yml",
                         "clusterpolicy-device-plugin.yml", "blob-csi-values.yml", "storage.yml"}
    assert "Namespace and service account" not in run.stdout      # no task of apply.yml ran


def test_manifests_pass_strict_kubernetes_schemas(rendered):
    for auth in rendered:
        _directory, docs, _run = rendered[auth]
        built_in = [d for name in ("namespace.yml", "storage.yml", "time-slicing.yml") for d in docs[name]]
        assert {d["kind"] for d in built_in} == {"Namespace", "ServiceAccount", "PersistentVolume",
                                                 "PersistentVolumeClaim", "ConfigMap"}
        for manifest in built_in:
            kubernetes_validate.validate(manifest, "1.33", strict=True)


def test_custom_resources_pass_their_crd_schemas(rendered):
    _directory, docs, _run = rendered["workload_identity"]
    _crd, schema, rtype = crd_schema("nfd.k8s-sigs.io_nodefeaturerules.yaml")
    rule = copy.deepcopy(docs["nfd-rule.yml"][0])
    assert custom_resource(rule, schema, "Strict", rtype) == []       # no unknown field, no error
    assert rule["spec"]["rules"][0]["labels"] == {"feature.node.kubernetes.io/pci-10de.present": "true"}
    match = rule["spec"]["rules"][0]["matchFeatures"][0]
    assert match == {"feature": "pci.device", "matchExpressions": {"vendor": {"op": "In", "value": ["10de"]}}}
    # the ClusterPolicy patch only sets devicePlugin.config, valid against that part of the CRD schema
    _crd, cp_schema, cp_type = crd_schema("nvidia.com_clusterpolicies.yaml")
    patch = docs["clusterpolicy-device-plugin.yml"][0]
    device_plugin = cp_schema["properties"]["spec"]["properties"]["devicePlugin"]
    wrapper = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "devicePlugin": device_plugin}}}}
    assert custom_resource(copy.deepcopy(patch), wrapper, "Strict", cp_type) == []
    assert patch["spec"]["devicePlugin"]["config"]["name"] == "time-slicing-config"


def test_blob_csi_volumes_have_the_fields_the_driver_expects(rendered):
    for auth in ("workload_identity", "sas"):
        _directory, docs, _run = rendered[auth]
        volumes = {d["metadata"]["name"]: d for d in docs["storage.yml"] if d["kind"] == "PersistentVolume"}
        claims = {d["metadata"]["name"]: d for d in docs["storage.yml"] if d["kind"] == "PersistentVolumeClaim"}
        assert set(claims) == {"resim-input", "resim-output"}
        handles = [v["spec"]["csi"]["volumeHandle"] for v in volumes.values()]
        assert len(set(handles)) == 2 and not any("#" in h or "/" in h for h in handles)
        for claim in claims.values():
            pv = volumes[claim["spec"]["volumeName"]]
            spec, csi = pv["spec"], pv["spec"]["csi"]
            assert csi["driver"] == "blob.csi.azure.com"
            assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "blob.csi.azure.com"
            attributes = csi["volumeAttributes"]
            assert attributes["protocol"] == "fuse2" and attributes["containerName"] in ("input", "output")
            assert attributes["storageaccount"] in ("resiminput01", "resimoutput01")
            assert spec["persistentVolumeReclaimPolicy"] == "Retain"
            assert spec["storageClassName"] == claim["spec"]["storageClassName"]
            assert spec["accessModes"] == claim["spec"]["accessModes"]
            assert spec["claimRef"] == {"name": claim["metadata"]["name"], "namespace": "resim"}
            assert "-o allow_other" in spec["mountOptions"]
            if claim["metadata"]["name"] == "resim-input":
                assert spec["accessModes"] == ["ReadOnlyMany"] and csi["readOnly"] is True
                assert "-o ro" in spec["mountOptions"]
            else:
                assert spec["accessModes"] == ["ReadWriteMany"] and csi["readOnly"] is False
            if auth == "workload_identity":
                assert attributes["clientID"] == CLIENT_ID and "nodeStageSecretRef" not in csi
            else:
                assert "clientID" not in attributes
                assert csi["nodeStageSecretRef"] == {"name": claim["metadata"]["name"] + "-sas", "namespace": "resim"}
    _directory, docs, _run = rendered["workload_identity"]
    account = [d for d in docs["namespace.yml"] if d["kind"] == "ServiceAccount"][0]
    assert account["metadata"]["annotations"] == {"azure.workload.identity/client-id": CLIENT_ID}


def test_nfd_worker_tolerates_every_gpu_pool(rendered):
    _directory, docs, _run = rendered["workload_identity"]
    values = docs["nfd-values.yml"][0]
    assert values["master"]["config"]["extraLabelNs"] == ["nvidia.com"]
    tolerations = values["worker"]["tolerations"]
    for pool in np.gpu_pools(NODE_POOLS):
        for toleration in np.pool_tolerations(NODE_POOLS[pool]):
            assert toleration in tolerations
    assert {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"} in tolerations
    assert {"key": "mig", "operator": "Equal", "value": "notReady", "effect": "NoSchedule"} in tolerations
    assert all(t.get("key") != "cpu" for t in tolerations)


def test_time_slicing_config_matches_the_pool_label(rendered):
    _directory, docs, _run = rendered["workload_identity"]
    config_map = docs["time-slicing.yml"][0]
    label = np.pool_node_labels("t4", NODE_POOLS["t4"])["nvidia.com/device-plugin.config"]
    assert list(config_map["data"]) == [label] == ["t4-ts2"]
    config = yaml.safe_load(config_map["data"][label])
    assert config["sharing"]["timeSlicing"]["resources"] == [{"name": "nvidia.com/gpu", "replicas": 2}]
    assert config_map["metadata"]["namespace"] == "gpu-operator"


def test_no_secret_is_rendered(rendered):
    directory, docs, run = rendered["sas"]
    text = "".join(path.read_text() for path in pathlib.Path(directory).glob("*"))
    assert azurite.KEY not in text and azurite.KEY not in run.stdout
    assert all(d.get("kind") != "Secret" for files in docs.values() for d in files)


@pytest.mark.parametrize("changes, variable", [
    ({"resim_cluster_auth": "sas", "resim_cluster_sas_expiry": "2020-01-01T00:00:00Z"},
     "resim_cluster_sas_expiry must be a duration (48h, 2d) or a UTC time in the future"),
    ({"node_pools": {"gpu": dict(NODE_POOLS["gpu"], node_taints=["nvidia.com/gpu=NoSchedule"])}},
     "node_pools.gpu.node_taints: taint 'nvidia.com/gpu=NoSchedule' must look like key=value:Effect"),
    ({"resim_cluster_gpu_pools": ["a100"]}, "names 'a100' is not declared in node_pools"),
    ({"resim_cluster_client_id": ""}, "resim_cluster_client_id must be the client ID"),
    ({"resim_cluster_input": {"storage_account": "Not_Valid", "container": "input"}},
     "resim_cluster_input.storage_account must be 3-24 lowercase letters or digits"),
])
def test_bad_input_is_rejected_naming_the_variable(changes, variable, tmp_path):
    kubeconfig = tmp_path / "no-such-kubeconfig"       # any cluster call would fail differently
    run = run_playbook(PLAYBOOK, extra_vars=role_vars(resim_cluster_kubeconfig=str(kubeconfig), **changes))
    assert run.rc != 0, run
    assert variable in run.stdout, run
    assert "Namespace and service account" not in run.stdout


# -- against the emulator ---------------------------------------------------------------------------------------
def _install_crds(api, filenames):
    ext = kubernetes.client.ApiextensionsV1Api(api)
    for filename in filenames:
        ext.create_custom_resource_definition(yaml.safe_load((CRDS / filename).read_text()))
    for filename in filenames:
        name = yaml.safe_load((CRDS / filename).read_text())["metadata"]["name"]
        wait_until(lambda: any(c.type == "Established" for c in (
            ext.read_custom_resource_definition(name).status.conditions or [])), 10, message=f"{name} Established")


def test_apply_is_idempotent_check_mode_writes_nothing(k8s_emulator, tmp_path):
    api = k8s_emulator.api_client()
    _install_crds(api, ["nfd.k8s-sigs.io_nodefeaturerules.yaml", "nvidia.com_clusterpolicies.yaml"])
    kubernetes.client.CoreV1Api(api).create_namespace({"metadata": {"name": "gpu-operator"}})
    custom = kubernetes.client.CustomObjectsApi(api)
    custom.create_cluster_custom_object("nvidia.com", "v1", "clusterpolicies", {
        "apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "metadata": {"name": "cluster-policy"},
        "spec": {k: {} for k in ("daemonsets", "dcgm", "dcgmExporter", "devicePlugin", "driver", "gfd",
                                 "nodeStatusExporter", "operator", "toolkit")}})
    env = {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path)}
    vars_ = role_vars(resim_cluster_nfd_install=False, resim_cluster_blob_csi_install=False,
                      resim_cluster_auth="sas", resim_cluster_sas_auth_mode="account_key",
                      resim_cluster_sas_account_keys={"resiminput01": azurite.KEY, "resimoutput01": azurite.KEY},
                      resim_cluster_render_dir=str(tmp_path / "render"))
    first = run_playbook(PLAYBOOK, extra_vars=vars_, env=env)
    assert first.rc == 0, first
    assert azurite.KEY not in first.stdout and "sig=" not in first.stdout

    core = kubernetes.client.CoreV1Api(api)
    claims = {c.metadata.name: c for c in core.list_namespaced_persistent_volume_claim("resim").items}
    assert {n: c.status.phase for n, c in claims.items()} == {"resim-input": "Bound", "resim-output": "Bound"}
    secret = core.read_namespaced_secret("resim-input-sas", "resim")
    token = base64.b64decode(secret.data["azurestorageaccountsastoken"]).decode()
    assert "sig=" in token and "sp=rl" in token and "se=" in token
    assert base64.b64decode(secret.data["azurestorageaccountname"]).decode() == "resiminput01"
    output_token = base64.b64decode(core.read_namespaced_secret("resim-output-sas", "resim").data[
        "azurestorageaccountsastoken"]).decode()
    assert "sp=racwdl" in output_token
    assert custom.get_cluster_custom_object("nfd.k8s-sigs.io", "v1alpha1", "nodefeaturerules", "nvidia-gpu")
    policy = custom.get_cluster_custom_object("nvidia.com", "v1", "clusterpolicies", "cluster-policy")
    assert policy["spec"]["devicePlugin"]["config"]["name"] == "time-slicing-config"
    assert "t4-ts2" in core.read_namespaced_config_map("time-slicing-config", "gpu-operator").data

    revision = k8s_emulator.cluster.store.resource_version
    second = run_playbook(PLAYBOOK, extra_vars=vars_, env=env)
    assert second.rc == 0 and second.changed == 0, second
    assert k8s_emulator.cluster.store.resource_version == revision     # SAS kept: still far from expiry

    k8s_emulator.clear_requests()
    pools = copy.deepcopy(NODE_POOLS)
    pools["t4"]["gpu_sharing"]["replicas"] = 4
    check = run_playbook(PLAYBOOK, extra_vars=dict(vars_, node_pools=pools), env=env, check=True)
    assert check.rc == 0 and check.changed >= 1, check
    writes = k8s_emulator.writes()
    assert writes and all(w["query"].get("dryRun") == "All" for w in writes), writes
    assert "t4-ts2" in core.read_namespaced_config_map("time-slicing-config", "gpu-operator").data

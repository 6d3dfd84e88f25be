"""azureml_extension and osmo applied through playbooks/cluster.yml against three emulators at once: ARM (extension,
federated credentials, compute attach, the cluster's local accounts, Key Vault, storage), the Kubernetes API
(kubernetes.core and a real helm binary with stand-in charts) and OSMO's API (smoke check, backend token).

The AzureML extension's and the CSI driver's in-cluster effects are played by the test: the extension's namespace,
Volcano ConfigMap and scheduler, and the InstanceType CRD (with the schema the tests write from the documented rules,
the real one is not public); the Secrets the CSI driver syncs from Key Vault.

Emulator only: a real run needs a whole platform (AKS, workspace, Key Vault, database) - see docs/cluster.md.
"""

from __future__ import annotations

import base64
import time

import pytest
import yaml

from support.cluster import CRDS, PLATFORM_FACTS
from support.modules import run_module
from support.paths import PROJECT_ROOT
from support.playbook import run_playbook
from support.tls import ca_bundle_path

pytestmark = pytest.mark.slow

RG = "rg-robotics-dev-001"
CLUSTER = "aks-robotics-dev-001"
ADMIN_PASSWORD = "osmo-admin-password-from-key-vault"


def _ok(result, what):
    assert not result.failed, "%s: %s" % (what, result.get("msg"))
    return result


@pytest.fixture
def platform(arm_emulator, tmp_path):
    """The platform in the ARM emulator (what the infrastructure playbook creates) and its facts document."""
    from emulators.arm.fixture import emulator_module_args

    args = emulator_module_args(arm_emulator.url, arm_emulator.subscription_id, arm_emulator.tenant_id)
    sub = arm_emulator.subscription_id
    _ok(run_module("resource_group", dict(args, name=RG, location="westus3")), "resource group")
    cluster = _ok(run_module("aks_cluster", dict(
        args, name=CLUSTER, resource_group=RG, location="westus3", kubernetes_version="latest", oidc_issuer=True,
        workload_identity=True, entra_id=dict(azure_rbac=True), disable_local_accounts=True,
        system_pool=dict(vm_size="Standard_D4ds_v5", count=1))), "cluster")
    identity = _ok(run_module("user_assigned_identity", dict(args, name="id-ml-robotics-dev-001", resource_group=RG,
                                                             location="westus3")), "identity")
    for resource_type, name, version, body in [
        ("Microsoft.MachineLearningServices/workspaces", "mlw-robotics-dev-001", "2024-04-01",
         {"location": "westus3", "identity": {"type": "SystemAssigned"}, "properties": {"friendlyName": "ml"}}),
        ("Microsoft.KeyVault/vaults", "kvroboticsdev001", "2023-07-01",
         {"location": "westus3", "properties": {"tenantId": arm_emulator.tenant_id,
                                                "sku": {"family": "A", "name": "standard"}}}),
        ("Microsoft.Storage/storageAccounts", "stroboticsdev001", "2023-05-01",
         {"location": "westus3", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}),
    ]:
        _ok(run_module("arm_resource", dict(args, resource_type=resource_type, name=name, resource_group=RG,
                                            api_version=version, body=body)), name)
    _ok(run_module("arm_resource", dict(args, resource_type="Microsoft.Storage/storageAccounts/blobServices",
                                        parent="stroboticsdev001", name="default", resource_group=RG,
                                        api_version="2023-05-01", body={"properties": {}})), "blob service")
    facts = yaml.safe_load(PLATFORM_FACTS.read_text())["platform_facts"]
    facts.update(subscription_id=sub, tenant_id=arm_emulator.tenant_id)
    facts["aks_cluster"].update(id=cluster["id"], oidc_issuer_url=cluster["oidc_issuer_url"])
    facts["ml_workload_identity"].update(id=identity["id"], client_id=identity["client_id"])
    facts["azureml_workspace"].update(
        subscription_id=sub,
        id="/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/"
           "mlw-robotics-dev-001" % (sub, RG))
    path = tmp_path / "platform-facts.yml"
    path.write_text(yaml.safe_dump({"platform_facts": facts}))
    env = {"AZURE_CLOUD": args["cloud"], "AZURE_CA_BUNDLE": args["ca_bundle"], "AZURE_AUTH_SOURCE": "access_token",
           "AZURE_ACCESS_TOKEN": args["access_token"], "AZURE_SUBSCRIPTION_ID": sub}
    arm_emulator.clear_requests()
    return {"facts_file": path, "facts": facts, "env": env, "args": args, "cluster_id": cluster["id"]}


def _instance_type_crd():
    """The InstanceType CRD as the extension would install it; its schema carries the documented rules that a
    structural schema can express (the whole rule set is INSTANCE_TYPE_SCHEMA, checked on rendered files)."""
    quantity = {"type": "string", "pattern": r"^(?!0+(\.0+)?[A-Za-z]*$)[0-9]+(\.[0-9]+)?[A-Za-z]*$"}
    cpu_memory = {"type": "object", "required": ["cpu", "memory"],
                  "properties": {"cpu": quantity, "memory": quantity},
                  "additionalProperties": {"x-kubernetes-int-or-string": True}}
    schema = {"type": "object", "properties": {"spec": {"type": "object", "required": ["resources"], "properties": {
        "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
        "resources": {"type": "object", "required": ["requests", "limits"],
                      "properties": {"requests": cpu_memory, "limits": cpu_memory}}}}}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "instancetypes.amlarc.azureml.com"},
            "spec": {"group": "amlarc.azureml.com", "scope": "Cluster",
                     "names": {"plural": "instancetypes", "singular": "instancetype", "kind": "InstanceType",
                               "listKind": "InstanceTypeList"},
                     "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": schema}}]}}


@pytest.fixture
def cluster(k8s_emulator):
    """What the AzureML extension and the CSI driver leave in the cluster."""
    import kubernetes

    api = k8s_emulator.api_client()
    core = kubernetes.client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "azureml"}})
    core.create_namespaced_config_map("azureml", {
        "metadata": {"name": "volcano-scheduler-configmap"},
        "data": {"volcano-scheduler.conf": "actions: \"enqueue, allocate, backfill\"\ntiers:\n- plugins:\n"
                                           "  - name: overcommit\n  - name: proportion\n"}}, field_manager="helm")
    labels = {"app": "volcano-scheduler"}
    kubernetes.client.AppsV1Api(api).create_namespaced_deployment("azureml", {
        "metadata": {"name": "volcano-scheduler"},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "scheduler", "image": "mcr.microsoft.com/azureml/volcano:1"}]}}}},
        field_manager="helm")
    extensions = kubernetes.client.ApiextensionsV1Api(api)
    extensions.create_custom_resource_definition(_instance_type_crd())
    # the AKS Key Vault secrets provider add-on's CRD
    extensions.create_custom_resource_definition(
        yaml.safe_load((CRDS / "secrets-store.csi.x-k8s.io_secretproviderclasses.yaml").read_text()))
    for namespace in ("osmo-control-plane",):
        core.create_namespace({"metadata": {"name": namespace}})
    for name, key, value in [("db-secret", "db-password", "pg"), ("redis-secret", "redis-password", "redis"),
                             ("osmo-default-admin", "password", ADMIN_PASSWORD)]:
        core.create_namespaced_secret("osmo-control-plane", {"metadata": {"name": name},
                                                             "stringData": {key: value}}, field_manager="csi")
    time.sleep(0.5)   # CRD established
    k8s_emulator.clear_requests()
    return k8s_emulator


@pytest.fixture
def osmo(tmp_path):
    from emulators.osmo.fixtures import start_emulator

    emulator = start_emulator(tokens={ADMIN_PASSWORD: "admin"})
    yield emulator
    emulator.stop()


def _deployment(name, namespace):
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]}}}}


@pytest.fixture
def run(platform, cluster, osmo, tmp_path, standin_chart, emulator_helm):
    service = standin_chart("service", "1.3.1")
    backend = standin_chart("backend-operator", "1.3.1")
    env = dict(platform["env"], K8S_AUTH_KUBECONFIG=cluster.kubeconfig_path, TMPDIR=str(tmp_path))

    def play(check=False, **variables):
        extra = {"cluster_components": ["azureml_extension", "osmo"], "cluster_helm_binary": emulator_helm,
                 # the example inventory names the public cloud; point the Azure modules at the emulator
                 "azure_cloud": platform["args"]["cloud"], "azure_auth_source": "access_token",
                 "azure_subscription_id": platform["args"]["subscription_id"],
                 "cluster_chart_cache_dir": str(tmp_path / "charts"),
                 "osmo_service_chart_ref": service, "osmo_backend_chart_ref": backend,
                 "osmo_backend_values_overrides": {"standin": {"objects": [
                     _deployment(name, "osmo-operator")
                     for name in ("osmo-operator-backend-listener", "osmo-operator-backend-worker")]}},
                 "osmo_service_url": osmo.url, "osmo_ca_bundle": ca_bundle_path(), "osmo_wait_timeout": 60,
                 "azureml_extension_wait_timeout": 60}
        extra.update(variables)
        return run_playbook("playbooks/cluster.yml", "-e", "@%s" % platform["facts_file"],
                            inventory=str(PROJECT_ROOT / "inventories" / "azure"), extra_vars=extra, env=env,
                            check=check)
    return play


def _arm_writes(arm_emulator):
    return [r for r in arm_emulator.requests() if r["method"] in ("PUT", "PATCH", "DELETE", "POST")
            and not r["path"].endswith(("/listClusterUserCredential", "/listClusterAdminCredential"))]


def test_apply_rerun_and_check_mode(run, platform, cluster, osmo, arm_emulator):
    import kubernetes

    first = run()
    assert first.rc == 0, str(first)

    # ARM: the extension as the CLI installs it, workload tolerations from the AzureML pool, FICs, the attach
    resources = {r["id"].lower(): r for r in arm_emulator.resources()}
    extension = [r for r in resources.values() if r["id"].lower().endswith("/extensions/azureml")][0]
    settings = extension["properties"]["configurationSettings"]
    assert settings["amloperator.skipResourceValidation"] == "true"
    assert settings["workLoadToleration[1].value"] == "spot"
    assert settings["relayserver.enabled"] == "false" and settings["cluster_name_friendly"] == CLUSTER
    subjects = sorted(r["properties"]["subject"] for r in resources.values()
                      if "/federatedidentitycredentials/" in r["id"].lower())
    assert subjects == ["system:serviceaccount:azureml:default", "system:serviceaccount:azureml:training"]
    compute = [r for r in resources.values() if "/computes/" in r["id"].lower()][0]
    assert compute["properties"]["resourceId"] == platform["cluster_id"]
    assert compute["properties"]["properties"]["namespace"] == "azureml"
    assert list(compute["identity"]["userAssignedIdentities"]) == [platform["facts"]["ml_workload_identity"]["id"]]
    # local accounts: enabled just for the attach, disabled again afterwards
    puts = [r for r in arm_emulator.requests("PUT")
            if r["path"].lower().endswith("/managedclusters/" + CLUSTER) or "/computes/" in r["path"]]
    assert [(p["body"]["properties"].get("disableLocalAccounts") if "/computes/" not in p["path"] else "attach")
            for p in puts] == [False, "attach", True]
    assert resources[platform["cluster_id"].lower()]["properties"]["disableLocalAccounts"] is True

    # Kubernetes: Volcano without the enqueue checks, restarted; InstanceTypes; OSMO's objects
    api = cluster.api_client()
    core = kubernetes.client.CoreV1Api(api)
    conf = yaml.safe_load(core.read_namespaced_config_map("volcano-scheduler-configmap", "azureml")
                          .data["volcano-scheduler.conf"])
    names = [p["name"] for tier in conf["tiers"] for p in tier["plugins"]]
    assert "overcommit" not in names and "proportion" not in names and "binpack" in names
    scheduler = kubernetes.client.AppsV1Api(api).read_namespaced_deployment("volcano-scheduler", "azureml")
    assert "azure-robotics.stack/volcano-scheduler-conf" in scheduler.spec.template.metadata.annotations
    types = kubernetes.client.CustomObjectsApi(api).list_cluster_custom_object("amlarc.azureml.com", "v1alpha1",
                                                                               "instancetypes")["items"]
    assert sorted(t["metadata"]["name"] for t in types) == ["amlgpu", "defaultinstancetype"]
    mek = core.read_namespaced_config_map("mek-config", "osmo-control-plane").data["mek.yaml"]
    vault_mek = [r for r in resources.values() if r["id"].lower().endswith("/secrets/osmo-mek")][0]
    assert vault_mek["properties"]["value"] == mek           # the emulator keeps what was sent
    assert [r for r in resources.values() if r["id"].lower().endswith("/containers/osmo")]
    token_secret = core.read_namespaced_secret("osmo-operator-token", "osmo-operator")
    token = base64.b64decode(token_secret.data["token"]).decode()
    assert osmo.authenticate("Bearer " + token) == "backend-operator"
    assert "azure-robotics.stack/expires-at" in token_secret.metadata.annotations
    assert [r["path"] for r in osmo.requests_to("GET", "/api/version")]
    values = yaml.safe_load(core.read_namespaced_config_map("osmo-values", "osmo-control-plane").data["values.yaml"])
    assert values["services"]["configs"]["pools"]["gpu"]["platforms"]["gpu"]["override_pod_template"][0] == "aks_gpu"
    sa = core.read_namespaced_service_account("osmo-workflow", "osmo-workflows")
    assert sa.metadata.annotations["azure.workload.identity/client-id"] == "22222222-2222-4222-8222-222222222222"

    # a rerun changes nothing anywhere
    revision = cluster.cluster.store.resource_version
    arm_emulator.clear_requests()
    osmo.clear_requests()
    second = run()
    assert second.rc == 0, str(second)
    assert second.changed == 0, str(second)
    assert cluster.cluster.store.resource_version == revision
    assert _arm_writes(arm_emulator) == []
    assert osmo.requests_to("POST") == [] and osmo.requests_to("DELETE") == []

    # check mode with changes: dry runs only
    arm_emulator.clear_requests()
    cluster.clear_requests()
    check = run(check=True, azureml_extension_skip_resource_validation=False, osmo_gpu_quotas={"gpu": {"guarantee": 1}},
                azureml_extension_compute_namespace="training")
    assert check.rc == 0, str(check)
    assert check.changed >= 3, str(check)
    assert _arm_writes(arm_emulator) == []
    assert all(w["query"].get("dryRun") == "All" for w in cluster.writes()), cluster.writes()
    assert cluster.cluster.store.resource_version == revision
    assert osmo.requests_to("POST") == []


def test_mek_is_never_regenerated_and_the_backend_token_is_rotated(run, platform, cluster, osmo, arm_emulator):
    import kubernetes

    assert run().rc == 0
    core = kubernetes.client.CoreV1Api(cluster.api_client())
    original = core.read_namespaced_config_map("mek-config", "osmo-control-plane").data["mek.yaml"]

    # the cluster lost its MEK: the role refuses to make a new one ...
    core.delete_namespaced_config_map("mek-config", "osmo-control-plane")
    refused = run(cluster_components=["osmo"])
    assert refused.rc != 0
    assert "never regenerate" in " ".join(refused.stdout.split()) or "none is generated" in " ".join(
        refused.stdout.split()), str(refused)
    assert "mek-config" not in [c.metadata.name for c in core.list_namespaced_config_map("osmo-control-plane").items]

    # ... and restores the one from Key Vault; the token nearly expired meanwhile and is replaced
    old = core.read_namespaced_secret("osmo-operator-token", "osmo-operator")
    old_token = base64.b64decode(old.data["token"]).decode()
    soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 5 * 86400))
    core.patch_namespaced_secret("osmo-operator-token", "osmo-operator",
                                 {"metadata": {"annotations": {"azure-robotics.stack/expires-at": soon}}})
    vault = [r for r in arm_emulator.resources() if r["id"].lower().endswith("/secrets/osmo-mek")][0]
    restored = run(cluster_components=["osmo"], osmo_mek=vault["properties"]["value"])
    assert restored.rc == 0, str(restored)
    assert core.read_namespaced_config_map("mek-config", "osmo-control-plane").data["mek.yaml"] == original
    assert original not in restored.stdout
    new = core.read_namespaced_secret("osmo-operator-token", "osmo-operator")
    new_token = base64.b64decode(new.data["token"]).decode()
    assert new_token != old_token
    assert new.metadata.annotations["azure-robotics.stack/expires-at"] > soon
    assert osmo.authenticate("Bearer " + new_token) == "backend-operator"
    with pytest.raises(Exception):
        osmo.authenticate("Bearer " + old_token)           # revoked
    listener = kubernetes.client.AppsV1Api(cluster.api_client()).read_namespaced_deployment(
        "osmo-operator-backend-listener", "osmo-operator")
    assert listener.spec.template.metadata.annotations["azure-robotics.stack/token-name"] == \
        new.metadata.annotations["azure-robotics.stack/token-name"]
    assert new_token not in restored.stdout and old_token not in restored.stdout


def test_local_accounts_are_restored_when_the_attach_fails(run, platform, cluster, arm_emulator):
    arm_emulator.add_fault(method="PUT", path=r"/computes/", kind="lro_failed", count=1, code="InternalServerError",
                           message="attach failed in the middle")
    failed = run(cluster_components=["azureml_extension"])
    assert failed.rc != 0
    assert "attach failed in the middle" in " ".join(failed.stdout.split()), str(failed)
    cluster_resource = [r for r in arm_emulator.resources() if r["id"].lower() == platform["cluster_id"].lower()][0]
    assert cluster_resource["properties"]["disableLocalAccounts"] is True
    puts = [r for r in arm_emulator.requests("PUT")
            if r["path"].lower().endswith("/managedclusters/" + CLUSTER) or "/computes/" in r["path"]]
    assert [(p["body"]["properties"].get("disableLocalAccounts") if "/computes/" not in p["path"] else "attach")
            for p in puts] == [False, "attach", True]

    # the rerun detaches the failed compute, attaches again, and restores the setting again
    again = run(cluster_components=["azureml_extension"])
    assert again.rc == 0, str(again)
    deletes = [r for r in arm_emulator.requests("DELETE") if "/computes/" in r["path"]]
    assert deletes and deletes[-1]["query"].get("underlyingResourceAction") == "Detach"
    cluster_resource = [r for r in arm_emulator.resources() if r["id"].lower() == platform["cluster_id"].lower()][0]
    assert cluster_resource["properties"]["disableLocalAccounts"] is True

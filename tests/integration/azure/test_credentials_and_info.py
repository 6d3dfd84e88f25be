"""aks_credentials (kubeconfigs and Entra tokens, no kubelogin) and the _info modules, against the ARM emulator."""

from __future__ import annotations

import os
import stat

import pytest
import yaml

from support.azure import mutating
from support.modules import run_module

RG = "rg-azr-info"
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"


def run(target, module, **args):
    result = run_module(module, dict(target.module_args, **args))
    assert not result.failed, result.get("msg")
    return result


@pytest.fixture
def cluster(arm_target):
    if not arm_target.is_emulator:
        pytest.skip("creates an AKS cluster; covered by the lifecycle tests against the cloud")
    run(arm_target, "resource_group", name=RG, location="westeurope")
    return run(arm_target, "aks_cluster", name="aks-info", resource_group=RG, location="westeurope",
               entra_id=dict(azure_rbac=True), disable_local_accounts=True, oidc_issuer=True,
               system_pool=dict(vm_size="Standard_D4ds_v5", count=1))


def test_entra_token_kubeconfig_without_kubelogin(arm_target, cluster, tmp_path):
    dest = tmp_path / "kube" / "config"
    arm_target.clear_requests()
    result = run(arm_target, "aks_credentials", name="aks-info", resource_group=RG, dest=str(dest))
    config = yaml.safe_load(result["kubeconfig"])
    user = config["users"][0]["user"]
    assert user == {"token": result["token"]} and "exec" not in result["kubeconfig"]
    assert result["token"] == arm_target.module_args["access_token"]  # the emulator's static credential
    assert result["host"] == config["clusters"][0]["cluster"]["server"] == "https://%s:443" % cluster["fqdn"]
    assert result["ca_cert"].startswith("-----BEGIN CERTIFICATE-----")
    assert open(result["ca_cert_file"]).read() == result["ca_cert"]
    assert result.changed and dest.read_text() == result["kubeconfig"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert [r["path"].rsplit("/", 1)[-1] for r in arm_target.requests()] == ["listClusterUserCredential"]
    assert mutating(arm_target.requests()) == []
    assert not run(arm_target, "aks_credentials", name="aks-info", resource_group=RG, dest=str(dest)).changed


def test_user_kubeconfig_of_an_entra_cluster_uses_kubelogin_and_admin_is_refused(arm_target, cluster):
    user = run(arm_target, "aks_credentials", name="aks-info", resource_group=RG, credential="user")
    exec_config = yaml.safe_load(user["kubeconfig"])["users"][0]["user"]["exec"]
    assert exec_config["command"] == "kubelogin" and AKS_SERVER_APP_ID in exec_config["args"]
    admin = run_module("aks_credentials", dict(arm_target.module_args, name="aks-info", resource_group=RG,
                                               credential="admin"))
    assert admin.failed and "disable local accounts" in admin["msg"] and cluster["id"] in admin["msg"]


def test_admin_kubeconfig_with_local_accounts(arm_target, cluster):
    run(arm_target, "aks_cluster", name="aks-local", resource_group=RG, location="westeurope",
        system_pool=dict(vm_size="Standard_D4ds_v5", count=1))
    admin = run(arm_target, "aks_credentials", name="aks-local", resource_group=RG, credential="admin")
    assert yaml.safe_load(admin["kubeconfig"])["users"][0]["user"]["token"] == admin["token"]


def test_info_modules_read_what_the_modules_made(arm_target, cluster):
    identity = run(arm_target, "user_assigned_identity", name="id-info", resource_group=RG, location="westeurope")
    run(arm_target, "federated_credential", name="fic-info", identity="id-info", resource_group=RG,
        issuer=cluster["oidc_issuer_url"], subject="system:serviceaccount:default:default")
    scope = "/subscriptions/%s/resourceGroups/%s" % (arm_target.subscription_id, RG)
    run(arm_target, "role_assignment", scope=scope, principal_id=identity["principal_id"], role="Reader")
    run(arm_target, "k8s_extension", name="flux", cluster="aks-info", resource_group=RG, extension_type="microsoft.flux")
    arm_target.clear_requests()

    groups = run(arm_target, "resource_group_info", name=RG)["resource_groups"]
    assert [g["name"] for g in groups] == [RG]
    assert run(arm_target, "resource_group_info", name="rg-missing")["resource_groups"] == []
    clusters = run(arm_target, "aks_cluster_info", name="aks-info", resource_group=RG)["clusters"]
    assert clusters[0]["properties"]["agentPoolProfiles"][0]["name"] == "system"
    assert [c["name"] for c in run(arm_target, "aks_cluster_info", resource_group=RG)["clusters"]] == ["aks-info"]
    found = run(arm_target, "user_assigned_identity_info", name="id-info", resource_group=RG)
    assert found["identities"][0]["properties"]["principalId"] == identity["principal_id"]
    assert [c["name"] for c in found["federated_credentials"]] == ["fic-info"]
    assignments = run(arm_target, "role_assignment_info", scope=scope, principal_id=identity["principal_id"])
    assert [a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1] for a in assignments["role_assignments"]] == [
        "acdd72a7-3385-48ef-bd42-f606fba81ae7"]
    extensions = run(arm_target, "k8s_extension_info", cluster="aks-info", resource_group=RG)["extensions"]
    assert [e["name"] for e in extensions] == ["flux"]
    pools = run(arm_target, "arm_resource_info", resource_type="Microsoft.ContainerService/managedClusters/agentPools",
                parent="aks-info", resource_group=RG, api_version="2026-08-01")["resources"]
    assert [p["name"] for p in pools] == ["system"]
    one = run(arm_target, "arm_resource_info", id=cluster["id"], api_version="2026-08-01")["resources"]
    assert one[0]["id"] == cluster["id"]
    assert mutating(arm_target.requests()) == []


def test_resource_provider_registration(arm_target):
    if not arm_target.is_emulator:
        pytest.skip("registers providers in the subscription")
    arm_target.emulator.configure(unregistered_providers=["Microsoft.KubernetesConfiguration"])
    checked = run_module("resource_provider", dict(arm_target.module_args, namespace="Microsoft.KubernetesConfiguration"),
                         check_mode=True)
    assert checked.changed and checked["registration_state"] == "NotRegistered"
    registered = run(arm_target, "resource_provider", namespace="Microsoft.KubernetesConfiguration")
    assert registered.changed and registered["registration_state"] == "Registered"
    assert not run(arm_target, "resource_provider", namespace="Microsoft.KubernetesConfiguration").changed


def test_role_granted_under_another_name_is_kept_not_duplicated(arm_target):
    if not arm_target.is_emulator:
        pytest.skip("needs a second assignment name for the same grant")
    run(arm_target, "resource_group", name=RG, location="westeurope")
    principal = run(arm_target, "user_assigned_identity", name="id-adopt", resource_group=RG,
                    location="westeurope")["principal_id"]
    scope = "/subscriptions/%s/resourceGroups/%s" % (arm_target.subscription_id, RG)
    other_name = "0d1f6c3a-9b2e-4c5d-8e7f-1a2b3c4d5e6f"
    run(arm_target, "role_assignment", scope=scope, principal_id=principal, role="AcrPush", name=other_name)
    result = run(arm_target, "role_assignment", scope=scope, principal_id=principal, role="AcrPush")
    assert not result.changed and result["name"] == other_name
    assert any(other_name in warning for warning in result.get("warnings", []))
    assignments = run(arm_target, "role_assignment_info", scope=scope, principal_id=principal)["role_assignments"]
    assert len(assignments) == 1

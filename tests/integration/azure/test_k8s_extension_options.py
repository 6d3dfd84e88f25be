"""k8s_extension and k8s_extension_info options the lifecycle tests leave out, against the ARM emulator.

Protected settings (sent, never shown, compared only with ``update_protected_settings=always``), namespace scope,
the system-assigned identity (both immutable: a change is refused after the one GET, naming the option) and
``cluster_type`` (Arc connected clusters next to an AKS cluster of the same name).
"""

from __future__ import annotations

import json

import pytest

from support.azure import mutating
from support.modules import run_module

RG = "rg-azr-ext-options"
SECRET = "s3cr3t-Flux-t0ken-do-not-show"
MASK = "********"
EXTENSIONS = "Microsoft.KubernetesConfiguration/extensions"
ARC_TYPE = "Microsoft.Kubernetes/connectedClusters"
ARC_API = "2024-01-01"


@pytest.fixture
def args(arm_emulator):
    from emulators.arm.fixture import emulator_module_args

    common = emulator_module_args(arm_emulator.url, arm_emulator.subscription_id, arm_emulator.tenant_id)
    assert not run_module("resource_group", dict(common, name=RG, location="westeurope")).failed
    cluster = run_module("aks_cluster", dict(common, name="k8s1", resource_group=RG, location="westeurope",
                                             system_pool=dict(vm_size="Standard_D4ds_v5", count=1)))
    assert not cluster.failed, cluster.get("msg")
    return common


def extension(args, check_mode=False, **options):
    module_args = dict(args, name="flux", cluster="k8s1", resource_group=RG, extension_type="microsoft.flux")
    module_args.update(options)
    return run_module("k8s_extension", module_args, check_mode=check_mode)


def without(options, *names):
    return dict((k, v) for k, v in options.items() if k not in names)


def ok(result):
    assert not result.failed, result.get("msg")
    return result


def writes(emulator):
    """The writes sent to extensions (those to the resource group and the clusters left out)."""
    return [r for r in mutating(emulator.requests()) if "/%s/" % EXTENSIONS.lower() in r["path"].lower()]


def only_reads(emulator):
    """The run sent GETs and nothing else (a refusal comes after the one read of the extension)."""
    requests = emulator.requests()
    return bool(requests) and all(r["method"] == "GET" for r in requests)


def assert_secret_hidden(result):
    assert SECRET not in json.dumps(result)
    assert not any(SECRET in str(w) for w in result.get("warnings") or [])
    resource = result.get("resource") or {}
    assert not (resource.get("properties") or {}).get("configurationProtectedSettings")


def test_protected_settings_are_sent_on_create_never_shown_and_resent_only_when_always(arm_emulator, args):
    protected = dict(configuration_protected_settings={"token": SECRET}, release_namespace="flux-system")

    arm_emulator.clear_requests()
    checked = ok(extension(args, check_mode=True, **protected))
    assert checked.changed and writes(arm_emulator) == []
    assert checked["diff"]["after"]["properties"]["configurationProtectedSettings"] == {"token": MASK}
    assert_secret_hidden(checked)

    arm_emulator.clear_requests()
    created = ok(extension(args, **protected))
    assert created.changed
    [put] = writes(arm_emulator)
    assert put["method"] == "PUT" and put["body"]["properties"]["configurationProtectedSettings"] == {"token": SECRET}
    assert created["diff"]["after"]["properties"]["configurationProtectedSettings"] == {"token": MASK}
    assert_secret_hidden(created)

    # ARM never returns them: a rerun cannot compare them and sends nothing, even with another value (on_create).
    for value in (SECRET, SECRET + "-rotated"):
        arm_emulator.clear_requests()
        options = dict(protected)
        options["configuration_protected_settings"] = {"token": value}
        again = ok(extension(args, **options))
        assert not again.changed and again["diff"] == {"before": {}, "after": {}}
        assert only_reads(arm_emulator), arm_emulator.requests()
        assert_secret_hidden(again)

    # always: sent again on every run, which then reports a change; the diff shows them masked.
    always = dict(protected, update_protected_settings="always")
    arm_emulator.clear_requests()
    checked = ok(extension(args, check_mode=True, **always))
    assert checked.changed and writes(arm_emulator) == []
    assert checked["diff"] == {"before": {"properties": {"configurationProtectedSettings": {"token": MASK}}},
                               "after": {"properties": {"configurationProtectedSettings": {"token": MASK}}}}
    assert_secret_hidden(checked)
    for _attempt in range(2):
        arm_emulator.clear_requests()
        resent = ok(extension(args, **always))
        assert resent.changed
        [patch] = writes(arm_emulator)
        assert patch["method"] == "PATCH"
        assert patch["body"] == {"properties": {"configurationProtectedSettings": {"token": SECRET}}}
        assert resent["diff"]["after"] == {"properties": {"configurationProtectedSettings": {"token": MASK}}}
        assert_secret_hidden(resent)


def test_namespace_scope_and_identity_reach_the_body_and_cannot_change(arm_emulator, args):
    namespaced = dict(name="team-a-flux", scope="namespace", target_namespace="team-a", system_assigned_identity=True)
    arm_emulator.clear_requests()
    created = ok(extension(args, **namespaced))
    [put] = writes(arm_emulator)
    assert put["body"]["properties"]["scope"] == {"namespace": {"targetNamespace": "team-a"}}
    assert put["body"]["identity"] == {"type": "SystemAssigned"}
    assert created["resource"]["properties"]["scope"] == {"namespace": {"targetNamespace": "team-a"}}
    assert created["principal_id"] == created["resource"]["identity"]["principalId"]

    arm_emulator.clear_requests()
    again = ok(extension(args, **namespaced))
    assert not again.changed and only_reads(arm_emulator), again["diff"]

    # Each change is refused after the one GET, naming the option; check mode refuses it too.
    refused = [
        (dict(namespaced, target_namespace="team-b"), "Cannot change target_namespace", False),
        (dict(namespaced, target_namespace="team-b"), "Cannot change target_namespace", True),
        (dict(without(namespaced, "target_namespace"), scope="cluster", release_namespace="team-a"),
         "Cannot change scope", False),
        (dict(namespaced, system_assigned_identity=False), "Cannot change system_assigned_identity", False),
    ]
    for options, message, check_mode in refused:
        arm_emulator.clear_requests()
        result = extension(args, check_mode=check_mode, **options)
        assert result.failed and message in result["msg"], (options, result.get("msg"))
        assert only_reads(arm_emulator), arm_emulator.requests()
    assert not ok(extension(args, **namespaced)).changed


def test_extension_without_identity(arm_emulator, args):
    """system_assigned_identity=false installs without an identity (ARM's extension identity only knows
    SystemAssigned); adding one or another scope later is refused, not sent as a PATCH that cannot carry it."""
    plain = dict(release_namespace="flux-system", system_assigned_identity=False)
    arm_emulator.clear_requests()
    created = ok(extension(args, **plain))
    [put] = writes(arm_emulator)
    assert "identity" not in put["body"] and not created["resource"].get("identity")
    assert put["body"]["properties"]["scope"] == {"cluster": {"releaseNamespace": "flux-system"}}
    assert "principal_id" not in created

    arm_emulator.clear_requests()
    assert not ok(extension(args, **plain)).changed and only_reads(arm_emulator)

    for options, message in [
        (dict(plain, system_assigned_identity=True), "Cannot change system_assigned_identity"),
        (dict(plain, release_namespace="flux"), "Cannot change release_namespace"),
        (dict(without(plain, "release_namespace"), scope="namespace", target_namespace="flux-system"),
         "Cannot change scope"),
    ]:
        arm_emulator.clear_requests()
        result = extension(args, **options)
        assert result.failed and message in result["msg"], (options, result.get("msg"))
        assert only_reads(arm_emulator), arm_emulator.requests()


def test_cluster_type_addresses_the_arc_cluster_not_the_aks_one(arm_emulator, args):
    # The emulator has no swagger for Arc connected clusters: register the type, then PUT one named like the AKS one.
    arm_emulator.register_type(ARC_TYPE, [ARC_API])
    arc = ok(run_module("arm_resource", dict(args, resource_type=ARC_TYPE, name="k8s1", resource_group=RG,
                                             api_version=ARC_API,
                                             body={"location": "westeurope", "identity": {"type": "SystemAssigned"},
                                                   "properties": {"agentPublicKeyCertificate": ""}})))
    aks_id = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/k8s1" % (
        arm_emulator.subscription_id, RG)
    assert arc["id"] != aks_id and "/providers/%s/k8s1" % ARC_TYPE in arc["id"]
    ok(extension(args, name="azureml-aks", release_namespace="flux-system"))

    arm_emulator.clear_requests()
    created = ok(extension(args, cluster_type="connectedClusters", release_namespace="flux-system"))
    expected = "%s/providers/%s/flux" % (arc["id"], EXTENSIONS)
    assert created.changed and created["id"] == expected and created["resource"]["id"] == expected
    assert [r["path"] for r in writes(arm_emulator)] == [expected]
    arm_emulator.clear_requests()
    assert not ok(extension(args, cluster_type="connectedClusters", release_namespace="flux-system")).changed
    assert [r["path"] for r in arm_emulator.requests()] == [expected]

    def info(**options):
        return ok(run_module("k8s_extension_info", dict(args, cluster="k8s1", resource_group=RG, **options)))

    arm_emulator.clear_requests()
    assert [e["id"] for e in info(cluster_type="connectedClusters")["extensions"]] == [expected]
    assert [e["id"] for e in info(cluster_type="connectedClusters", name="flux")["extensions"]] == [expected]
    assert [e["name"] for e in info()["extensions"]] == ["azureml-aks"]
    assert info(name="flux")["extensions"] == []
    paths = [r["path"] for r in arm_emulator.requests()]
    assert paths == ["%s/providers/%s" % (arc["id"], EXTENSIONS), expected,
                     "%s/providers/%s" % (aks_id, EXTENSIONS), "%s/providers/%s/flux" % (aks_id, EXTENSIONS)]
    assert mutating(arm_emulator.requests()) == []

    # The AzureML defaults read an AKS cluster: refused for Arc before any request.
    arm_emulator.clear_requests()
    refused = extension(args, name="azureml", cluster_type="connectedClusters",
                        extension_type="Microsoft.AzureML.Kubernetes", azureml_defaults=True,
                        configuration_settings={"enableTraining": True})
    assert refused.failed and "cluster_type=managedClusters" in refused["msg"], refused.get("msg")
    assert arm_emulator.requests() == []

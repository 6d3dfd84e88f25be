"""The AKS options no other test sets, against the ARM emulator.

Each option lands in its ARM field with a value the emulator (the ARM OpenAPI specs) accepts; a rerun with the same
value changes nothing; a change is reported in ``diff`` at that field; options AKS fixes at creation are refused,
naming the option, after the one GET and before any write.
"""

from __future__ import annotations

import time

import pytest
import yaml
from azure.core.credentials import AccessToken

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure import credentials
from emulators.arm.fixture import ArmTarget, emulator_module_args
from support.azure import diff_paths, mutating
from support.modules import run_module

RG = "rg-azr-aks-options"
CLUSTER = "aks-opt"
SUBNETS = "/subscriptions/%s/resourceGroups/" + RG + "/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/%s"
WORKSPACE = ("/subscriptions/%s/resourceGroups/" + RG
             + "/providers/Microsoft.OperationalInsights/workspaces/%s")
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"


@pytest.fixture
def emulator(arm_emulator):
    """The emulator only: these tests read its request log (the lifecycle tests cover the cloud)."""
    args = emulator_module_args(arm_emulator.url, arm_emulator.subscription_id, arm_emulator.tenant_id)
    target = ArmTarget("emulator", args, "westeurope", emulator=arm_emulator)
    run(target, "resource_group", name=RG, location="westeurope")
    return target


def run(target, module, check_mode=False, **args):
    result = run_module(module, dict(target.module_args, **args), check_mode=check_mode)
    assert not result.failed, result.get("msg")
    return result


def cluster_args(**extra):
    return dict(dict(name=CLUSTER, resource_group=RG, location="westeurope",
                     system_pool=dict(vm_size="Standard_D4ds_v5", count=1)), **extra)


def pool_args(**extra):
    return dict(dict(name="user", cluster=CLUSTER, resource_group=RG, vm_size="Standard_D8ds_v5", count=1), **extra)


def sent(target):
    """Bodies of the PUTs in the request log (the SDK's JSON, as ARM received it)."""
    return [r["body"] for r in mutating(target.requests()) if r["method"] == "PUT"]


def field(body, *path):
    for step in path:
        body = (body or {}).get(step)
    return body


def assert_rerun_reads_only(target, module, args):
    target.clear_requests()
    again = run(target, module, **args)
    assert not again.changed, again["diff"]
    assert mutating(target.requests()) == [] and [r["method"] for r in target.requests()] == ["GET"]
    return again


def assert_refused(target, module, args, option):
    target.clear_requests()
    result = run_module(module, dict(target.module_args, **args))
    assert result.failed, args
    assert "Cannot change %s " % option in result["msg"], result["msg"]
    assert result["immutable_options"] == [option]
    assert mutating(target.requests()) == [] and [r["method"] for r in target.requests()] == ["GET"]
    return result


# -- aks_cluster -------------------------------------------------------------------------------------------

def test_dns_prefix_is_sent_at_creation_and_cannot_change(emulator):
    emulator.clear_requests()
    created = run(emulator, "aks_cluster", **cluster_args(dns_prefix="robotics-dev"))
    assert field(sent(emulator)[0], "properties", "dnsPrefix") == "robotics-dev"
    assert created["fqdn"].startswith("robotics-dev-")
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(dns_prefix="robotics-dev"))
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args())  # left out: not managed
    refused = assert_refused(emulator, "aks_cluster", cluster_args(dns_prefix="robotics-prod"), "dns_prefix")
    assert "'robotics-dev' -> 'robotics-prod'" in refused["msg"]


def test_dns_prefix_derived_at_creation_cannot_be_changed_later(emulator):
    created = run(emulator, "aks_cluster", **cluster_args())
    derived = created["resource"]["properties"]["dnsPrefix"]
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(dns_prefix=derived))
    assert_refused(emulator, "aks_cluster", cluster_args(dns_prefix="robotics-dev"), "dns_prefix")


def test_node_resource_group_is_sent_at_creation_and_cannot_change(emulator):
    emulator.clear_requests()
    created = run(emulator, "aks_cluster", **cluster_args(node_resource_group="rg-azr-aks-nodes"))
    assert field(sent(emulator)[0], "properties", "nodeResourceGroup") == "rg-azr-aks-nodes"
    assert created["node_resource_group"] == "rg-azr-aks-nodes"
    assert created["kubelet_identity"]["resource_id"].lower().startswith(
        "/subscriptions/%s/resourcegroups/rg-azr-aks-nodes/" % emulator.subscription_id)
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(node_resource_group="rg-azr-aks-nodes"))
    assert_refused(emulator, "aks_cluster", cluster_args(node_resource_group="rg-azr-aks-nodes2"),
                   "node_resource_group")


def test_sku_tier_sets_the_base_sku_tier_and_changes_in_place(emulator):
    emulator.clear_requests()
    created = run(emulator, "aks_cluster", **cluster_args(sku_tier="Standard"))
    assert sent(emulator)[0]["sku"] == {"name": "Base", "tier": "Standard"}
    assert created["resource"]["sku"] == {"name": "Base", "tier": "Standard"}
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(sku_tier="Standard"))

    checked = run(emulator, "aks_cluster", check_mode=True, **cluster_args(sku_tier="Premium"))
    assert checked.changed and diff_paths(checked["diff"]) == {("sku", "tier")}

    emulator.clear_requests()
    changed = run(emulator, "aks_cluster", **cluster_args(sku_tier="Premium"))
    assert changed.changed and changed["diff"] == {"before": {"sku": {"tier": "Standard"}},
                                                   "after": {"sku": {"tier": "Premium"}}}
    assert sent(emulator)[0]["sku"] == {"name": "Base", "tier": "Premium"}
    assert changed["resource"]["sku"]["tier"] == "Premium"
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(sku_tier="Premium"))

    free = run(emulator, "aks_cluster", **cluster_args(sku_tier="Free"))
    assert free.changed and free["resource"]["sku"]["tier"] == "Free"


RANGES = ["203.0.113.0/24", "198.51.100.7/32"]
RANGES_PATH = ("properties", "apiServerAccessProfile", "authorizedIPRanges")


def test_authorized_ip_ranges_compare_as_a_set_and_an_empty_list_clears_them(emulator):
    emulator.clear_requests()
    created = run(emulator, "aks_cluster", **cluster_args(api_server_authorized_ip_ranges=RANGES))
    assert field(sent(emulator)[0], *RANGES_PATH) == RANGES
    assert field(created["resource"], *RANGES_PATH) == RANGES

    # order does not matter
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(api_server_authorized_ip_ranges=RANGES[::-1]))

    # one more range: the whole list is the change
    more = RANGES + ["192.0.2.0/28"]
    emulator.clear_requests()
    added = run(emulator, "aks_cluster", **cluster_args(api_server_authorized_ip_ranges=more))
    assert added.changed and diff_paths(added["diff"]) == {RANGES_PATH}
    assert field(added["diff"]["before"], *RANGES_PATH) == RANGES
    assert field(added["diff"]["after"], *RANGES_PATH) == more
    assert sorted(field(sent(emulator)[0], *RANGES_PATH)) == sorted(more)
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(api_server_authorized_ip_ranges=more))

    # an empty list removes the restriction
    emulator.clear_requests()
    cleared = run(emulator, "aks_cluster", **cluster_args(api_server_authorized_ip_ranges=[]))
    assert cleared.changed and field(cleared["diff"]["before"], *RANGES_PATH) == more
    assert field(sent(emulator)[0], *RANGES_PATH) == []
    assert not field(cleared["resource"], *RANGES_PATH)
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(api_server_authorized_ip_ranges=[]))


def test_no_authorized_ip_ranges_on_a_cluster_without_any_is_no_change(emulator):
    created = run(emulator, "aks_cluster", **cluster_args())
    assert field(created["resource"], *RANGES_PATH) is None
    checked = run(emulator, "aks_cluster", check_mode=True, **cluster_args(api_server_authorized_ip_ranges=[]))
    assert not checked.changed, checked["diff"]
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(api_server_authorized_ip_ranges=[]))


DEFENDER_PATH = ("properties", "securityProfile", "defender")


def test_defender_maps_to_the_security_profile_and_turning_it_off_clears_the_workspace(emulator):
    workspace = WORKSPACE % (emulator.subscription_id, "log-defender")
    on = dict(enabled=True, log_analytics_workspace_id=workspace)
    identity = dict(oidc_issuer=True, workload_identity=True)
    emulator.clear_requests()
    created = run(emulator, "aks_cluster", **cluster_args(defender=on, **identity))
    expected = {"logAnalyticsWorkspaceResourceId": workspace, "securityMonitoring": {"enabled": True}}
    assert field(sent(emulator)[0], *DEFENDER_PATH) == expected
    assert field(created["resource"], "properties", "securityProfile", "workloadIdentity") == {"enabled": True}
    # workspace IDs compare without case, like every resource ID
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(
        defender=dict(on, log_analytics_workspace_id=workspace.lower()), **identity))

    # another workspace: only that field differs; the rest of the security profile is kept
    other = WORKSPACE % (emulator.subscription_id, "log-security")
    emulator.clear_requests()
    moved = run(emulator, "aks_cluster", **cluster_args(defender=dict(on, log_analytics_workspace_id=other)))
    assert moved.changed and diff_paths(moved["diff"]) == {DEFENDER_PATH + ("logAnalyticsWorkspaceResourceId",)}
    assert field(sent(emulator)[0], *DEFENDER_PATH)["logAnalyticsWorkspaceResourceId"] == other
    assert field(sent(emulator)[0], "properties", "securityProfile", "workloadIdentity") == {"enabled": True}

    # off: monitoring disabled and the workspace left empty, as the API asks
    emulator.clear_requests()
    off = run(emulator, "aks_cluster", **cluster_args(defender=dict(enabled=False)))
    assert off.changed
    assert diff_paths(off["diff"]) == {DEFENDER_PATH + ("securityMonitoring", "enabled"),
                                       DEFENDER_PATH + ("logAnalyticsWorkspaceResourceId",)}
    assert field(off["diff"]["before"], *DEFENDER_PATH) == {"securityMonitoring": {"enabled": True},
                                                            "logAnalyticsWorkspaceResourceId": other}
    assert field(off["diff"]["after"], *DEFENDER_PATH) == {"securityMonitoring": {"enabled": False}}
    body = sent(emulator)[0]
    assert field(body, *DEFENDER_PATH) == {"securityMonitoring": {"enabled": False}}
    assert field(body, "properties", "securityProfile", "workloadIdentity") == {"enabled": True}
    assert field(off["resource"], *DEFENDER_PATH) == {"securityMonitoring": {"enabled": False}}
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(defender=dict(enabled=False)))

    # and on again
    again = run(emulator, "aks_cluster", **cluster_args(defender=on))
    assert again.changed and field(again["resource"], *DEFENDER_PATH)["securityMonitoring"] == {"enabled": True}


def test_defender_off_on_a_cluster_that_never_had_it_is_no_change(emulator):
    created = run(emulator, "aks_cluster", **cluster_args())
    assert field(created["resource"], *DEFENDER_PATH) is None
    checked = run(emulator, "aks_cluster", check_mode=True, **cluster_args(defender=dict(enabled=False)))
    assert not checked.changed, checked["diff"]
    assert_rerun_reads_only(emulator, "aks_cluster", cluster_args(defender=dict(enabled=False)))


@pytest.mark.parametrize("defender,fragment", [
    (dict(enabled=True), "defender.enabled=true needs defender.log_analytics_workspace_id"),
    (dict(enabled=False,
          log_analytics_workspace_id="/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"),
     "defender.log_analytics_workspace_id needs defender.enabled=true"),
])
def test_defender_workspace_goes_with_enabled_only(emulator, defender, fragment):
    emulator.clear_requests()
    result = run_module("aks_cluster", dict(emulator.module_args, **cluster_args(defender=defender)))
    assert result.failed and fragment in result["msg"], result["msg"]
    assert emulator.requests() == []


# -- aks_nodepool --------------------------------------------------------------------------------------------

@pytest.fixture
def cluster(emulator):
    run(emulator, "aks_cluster", **cluster_args())
    return emulator


def subnet(target, name):
    return SUBNETS % (target.subscription_id, name)


# option, value at creation, another value, the ARM field, other options the pool needs
IMMUTABLE_POOL_OPTIONS = [
    ("pod_subnet_id", "snet-pods", "snet-pods2", "podSubnetID", dict(vnet_subnet_id="snet-nodes")),
    ("os_disk_size_gb", 256, 512, "osDiskSizeGB", {}),
    ("os_disk_type", "Ephemeral", "Managed", "osDiskType", {}),
    ("os_type", "Windows", "Linux", "osType", dict(name="win1")),
    ("gpu_instance_profile", "MIG2g", "MIG3g", "gpuInstanceProfile", dict(vm_size="Standard_NC24ads_A100_v4")),
]


@pytest.mark.parametrize("option,value,other,arm_field,extra", IMMUTABLE_POOL_OPTIONS,
                         ids=[c[0] for c in IMMUTABLE_POOL_OPTIONS])
def test_pool_option_fixed_at_creation(cluster, option, value, other, arm_field, extra):
    def args(setting):
        options = dict(extra)
        options[option] = setting
        for name in ("pod_subnet_id", "vnet_subnet_id"):
            if name in options:
                options[name] = subnet(cluster, options[name])
        return pool_args(**options)

    cluster.clear_requests()
    created = run(cluster, "aks_nodepool", **args(value))
    assert created.changed
    assert sent(cluster)[0]["properties"][arm_field] == args(value)[option]
    assert created["resource"]["properties"][arm_field] == args(value)[option]
    assert_rerun_reads_only(cluster, "aks_nodepool", args(value))
    refused = assert_refused(cluster, "aks_nodepool", args(other), option)
    assert "properties.%s" % arm_field in refused["msg"]


def test_pod_subnet_id_compares_without_case(cluster):
    args = pool_args(vnet_subnet_id=subnet(cluster, "snet-nodes"), pod_subnet_id=subnet(cluster, "snet-pods"))
    run(cluster, "aks_nodepool", **args)
    assert_rerun_reads_only(cluster, "aks_nodepool", dict(args, pod_subnet_id=args["pod_subnet_id"].upper()))


def test_os_sku_changes_in_place(cluster):
    cluster.clear_requests()
    created = run(cluster, "aks_nodepool", **pool_args(os_sku="Ubuntu2204"))
    assert sent(cluster)[0]["properties"]["osSKU"] == "Ubuntu2204"
    assert created["resource"]["properties"]["osSKU"] == "Ubuntu2204"
    assert_rerun_reads_only(cluster, "aks_nodepool", pool_args(os_sku="Ubuntu2204"))

    cluster.clear_requests()
    migrated = run(cluster, "aks_nodepool", **pool_args(os_sku="AzureLinux3"))
    assert migrated.changed and migrated["diff"] == {"before": {"properties": {"osSKU": "Ubuntu2204"}},
                                                     "after": {"properties": {"osSKU": "AzureLinux3"}}}
    assert sent(cluster)[0]["properties"]["osSKU"] == "AzureLinux3"
    assert_rerun_reads_only(cluster, "aks_nodepool", pool_args(os_sku="AzureLinux3"))


def test_windows_pool_with_windows_os_sku(cluster):
    cluster.clear_requests()
    windows = pool_args(os_type="Windows", os_sku="Windows2022")
    windows["name"] = "win1"
    created = run(cluster, "aks_nodepool", **windows)
    assert {k: sent(cluster)[0]["properties"][k] for k in ("osType", "osSKU")} == {"osType": "Windows",
                                                                                   "osSKU": "Windows2022"}
    assert created["resource"]["properties"]["osSKU"] == "Windows2022"
    assert_rerun_reads_only(cluster, "aks_nodepool", pool_args(name="win1", os_type="Windows", os_sku="Windows2022"))


@pytest.mark.parametrize("options,fragment", [
    (dict(os_type="Linux", os_sku="Windows2022"), "os_sku=Windows2022 needs os_type=Windows"),
    (dict(os_type="Windows", os_sku="AzureLinux"), "os_sku=AzureLinux needs os_type=Linux"),
    (dict(os_disk_size_gb=0), "os_disk_size_gb must be positive"),
])
def test_pool_os_options_that_do_not_fit_are_refused_before_any_request(emulator, options, fragment):
    emulator.clear_requests()
    result = run_module("aks_nodepool", dict(emulator.module_args, **pool_args(**options)))
    assert result.failed and fragment in result["msg"], result["msg"]
    assert emulator.requests() == []


# -- aks_credentials -----------------------------------------------------------------------------------------

@pytest.fixture
def token_scopes(monkeypatch):
    """The scopes the module asks its credential for; the answer is a token naming its scope."""
    scopes = []

    def get_token(self, *wanted, **kwargs):
        scopes.extend(wanted)
        return AccessToken("token-for-%s" % " ".join(wanted), int(time.time()) + 3600)

    monkeypatch.setattr(credentials.StaticTokenCredential, "get_token", get_token)
    return scopes


OTHER_SERVER_ID = "3f2c9e4a-7b1d-4e8a-9c6f-2a5b8d0e1f34"


@pytest.mark.parametrize("server_id", [None, OTHER_SERVER_ID])
def test_server_id_is_the_scope_of_the_entra_token(emulator, token_scopes, server_id):
    run(emulator, "aks_cluster", **cluster_args(entra_id=dict(azure_rbac=True), disable_local_accounts=True))
    args = dict(name=CLUSTER, resource_group=RG)
    if server_id:
        args["server_id"] = server_id
    result = run(emulator, "aks_credentials", **args)
    scope = "%s/.default" % (server_id or AKS_SERVER_APP_ID)
    assert scope in token_scopes
    assert [s for s in token_scopes if s.startswith((AKS_SERVER_APP_ID, OTHER_SERVER_ID))] == [scope]
    assert result["token"] == "token-for-%s" % scope
    assert yaml.safe_load(result["kubeconfig"])["users"] == [{"name": "entra-token", "user": {"token": result["token"]}}]


def test_server_id_is_not_used_for_the_kubeconfigs_aks_issues(emulator, token_scopes):
    run(emulator, "aks_cluster", **cluster_args())
    for credential in ("user", "admin"):
        result = run(emulator, "aks_credentials", name=CLUSTER, resource_group=RG, credential=credential,
                     server_id=OTHER_SERVER_ID)
        assert "exec" not in yaml.safe_load(result["kubeconfig"])["users"][0]["user"]
    assert not [s for s in token_scopes if s.startswith((AKS_SERVER_APP_ID, OTHER_SERVER_ID))]

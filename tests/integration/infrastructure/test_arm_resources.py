"""The arm_resources graph module against the ARM emulator (in-process module runs, real SDK clients).

A small graph with every kind: references resolved once their node completes, one GET per resource on a rerun,
check mode that only reads, a generated password that flows into a PostgreSQL server without ever appearing in a
result, a Redis key copied into Key Vault through listKeys, and a failure that leaves the independent resources
applied and the dependent ones skipped.
"""

from __future__ import annotations

import json

import pytest

from emulators.arm.fixture import emulator_module_args
from support.azure import is_operation_poll, mutating
from support.modules import run_module

RG = "rg-graph-test"
CALLER = "11111111-2222-4333-8444-555555555555"  # the object id in the emulator's fake access token


def ids(sub):
    base = "/subscriptions/%s/resourceGroups/%s/providers" % (sub, RG)
    return dict(
        group="/subscriptions/%s/resourceGroups/%s" % (sub, RG),
        vault=base + "/Microsoft.KeyVault/vaults/kvgraphtest",
        pg=base + "/Microsoft.DBforPostgreSQL/flexibleServers/psql-graph-test",
        redis=base + "/Microsoft.Cache/redisEnterprise/redis-graph-test",
        identity=base + "/Microsoft.ManagedIdentity/userAssignedIdentities/id-graph",
    )


def graph(sub, tenant):
    i = ids(sub)
    return [
        dict(key="group", kind="resource_group", params=dict(name=RG, location="westus3")),
        dict(key="vault", kind="arm_resource", depends_on=["group"], params=dict(
            id=i["vault"], api_version="2023-07-01",
            body=dict(location="westus3", properties=dict(
                tenantId=tenant, sku=dict(family="A", name="standard"), enableRbacAuthorization=True)))),
        dict(key="identity", kind="user_assigned_identity", depends_on=["group"],
             params=dict(name="id-graph", resource_group=RG, location="westus3")),
        dict(key="identity_reader", kind="role_assignment", params=dict(
            scope=i["group"], role="Reader", principal_type="ServicePrincipal",
            principal_id={"ref": "identity.principal_id"})),
        dict(key="caller_secrets", kind="role_assignment", depends_on=["vault"], params=dict(
            scope=i["vault"], role="Key Vault Secrets Officer", principal_id={"ref": "caller.object_id"},
            principal_type={"ref": "caller.principal_type"})),
        dict(key="pg_password", kind="key_vault_secret", depends_on=["vault"], params=dict(
            vault_id=i["vault"], name="psql-admin-password", generate=dict(length=32, special=True))),
        dict(key="pg", kind="arm_resource", depends_on=["group"],
             write_only=[dict(path="properties.administratorLoginPassword", secret="pg_password")],
             outputs=dict(fqdn="resource.properties.fullyQualifiedDomainName"),
             params=dict(id=i["pg"], api_version="2025-08-01", body=dict(
                 location="westus3", sku=dict(name="Standard_D2s_v3", tier="GeneralPurpose"),
                 properties=dict(version="16", administratorLogin="psqladmin", storage=dict(storageSizeGB=32))))),
        dict(key="redis", kind="arm_resource", depends_on=["group"], params=dict(
            id=i["redis"], api_version="2025-07-01",
            body=dict(location="westus3", sku=dict(name="Balanced_B10"), properties=dict(minimumTlsVersion="1.2")))),
        dict(key="redis_db", kind="arm_resource", depends_on=["redis"], params=dict(
            id=i["redis"] + "/databases/default", api_version="2025-07-01",
            body=dict(properties=dict(clientProtocol="Encrypted", clusteringPolicy="EnterpriseCluster",
                                      evictionPolicy="VolatileLRU", port=10000)))),
        dict(key="redis_key", kind="key_vault_secret", depends_on=["vault", "redis_db"], params=dict(
            vault_id=i["vault"], name="redis-primary-key",
            value_from=dict(action_id=i["redis"] + "/databases/default/listKeys", api_version="2025-07-01",
                            field="primaryKey"))),
        dict(key="aks", kind="aks_cluster", depends_on=["group"], params=dict(
            name="aks-graph", resource_group=RG, location="westus3", oidc_issuer=True, workload_identity=True,
            system_pool=dict(vm_size="Standard_D4ds_v5", count=1))),
        dict(key="gpu", kind="aks_nodepool", depends_on=["aks"], params=dict(
            name="gpu", cluster="aks-graph", resource_group=RG, vm_size="Standard_NV36ads_A10_v5",
            priority="Spot", eviction_policy="Delete", min_count=0, max_count=1,
            taints=["nvidia.com/gpu:NoSchedule"], labels={"accelerator": "nvidia"})),
        dict(key="fic", kind="federated_credential", params=dict(
            name="osmo-workflow", identity="id-graph", resource_group=RG, issuer={"ref": "aks.oidc_issuer_url"},
            subject="system:serviceaccount:osmo-workflows:osmo-workflow"), depends_on=["identity"]),
    ]


@pytest.fixture
def emulator(arm_emulator):
    arm_emulator.add_principal(CALLER, "User", delay=0)
    return arm_emulator


def apply(emulator, resources, check_mode=False, **extra):
    args = emulator_module_args(emulator.url, emulator.subscription_id, emulator.tenant_id)
    return run_module("arm_resources", dict(args, resources=resources, **extra), check_mode=check_mode)


def test_graph_applies_then_reruns_with_one_get_per_resource(emulator):
    sub, tenant = emulator.subscription_id, emulator.tenant_id
    first = apply(emulator, graph(sub, tenant))
    assert not first.failed, first.get("msg")
    assert first.changed
    entries = first["resources"]
    assert {e["status"] for e in entries.values()} == {"ok"}
    assert all(e["changed"] for e in entries.values())
    assert entries["aks"]["outputs"]["oidc_issuer_url"].startswith("https://")
    assert entries["pg"]["outputs"]["fqdn"] == "psql-graph-test.postgres.database.azure.com"
    # The federated credential waited for the cluster (its issuer is the cluster's).
    assert entries["fic"]["started"] >= entries["aks"]["started"] + entries["aks"]["seconds"] - 0.01
    fic = emulator.resource(ids(sub)["identity"] + "/federatedIdentityCredentials/osmo-workflow")
    assert fic["properties"]["issuer"] == entries["aks"]["outputs"]["oidc_issuer_url"]

    # Secrets: the generated password is the server's, and never in the result; the Redis key was copied.
    state = emulator.state
    password = state.get(ids(sub)["vault"] + "/secrets/psql-admin-password").properties["value"]
    assert state.get(ids(sub)["pg"]).properties["administratorLoginPassword"] == password
    assert len(password) == 32
    assert password not in json.dumps(first)
    redis_key = state.get(ids(sub)["vault"] + "/secrets/redis-primary-key").properties["value"]
    assert redis_key and redis_key not in json.dumps(first)

    emulator.clear_requests()
    second = apply(emulator, graph(sub, tenant))
    assert not second.failed, second.get("msg")
    assert not second.changed, [k for k, e in second["resources"].items() if e["changed"]]
    log = emulator.requests()
    assert mutating(log) == []
    gets = [r["path"].lower() for r in log if r["method"] == "GET" and not is_operation_poll(r)]
    assert len(gets) == len(set(gets)), "a resource was read twice"
    # One read per resource (resource providers aside, none here); role names resolve without a request.
    assert len(gets) == len(graph(sub, tenant))
    assert password == state.get(ids(sub)["vault"] + "/secrets/psql-admin-password").properties["value"]


def test_check_mode_on_an_empty_subscription_only_reads_and_lists_everything(emulator):
    sub, tenant = emulator.subscription_id, emulator.tenant_id
    result = apply(emulator, graph(sub, tenant), check_mode=True)
    assert not result.failed, result.get("msg")
    assert mutating(emulator.requests()) == []
    entries = result["resources"]
    assert set(entries) == {n["key"] for n in graph(sub, tenant)}
    assert all(e["changed"] for e in entries.values())
    assert entries["identity_reader"].get("pending") and entries["fic"].get("pending")
    headers = {d["before_header"].split(" ")[0] for d in result["diff"]}
    assert headers == set(entries)
    assert emulator.state.resources == {}


def test_a_failure_skips_its_dependants_only_and_a_rerun_converges(emulator):
    sub, tenant = emulator.subscription_id, emulator.tenant_id
    emulator.add_fault(kind="lro_failed", method="PUT", path="/redisEnterprise/redis-graph-test$",
                       code="InternalServerError", message="capacity")
    failed = apply(emulator, graph(sub, tenant))
    assert failed.failed
    entries = failed["resources"]
    assert entries["redis"]["status"] == "failed" and "capacity" in entries["redis"]["msg"]
    assert entries["redis_db"]["status"] == entries["redis_key"]["status"] == "skipped"
    assert {k for k, e in entries.items() if e["status"] == "ok"} == \
        {n["key"] for n in graph(sub, tenant)} - {"redis", "redis_db", "redis_key"}
    assert "redis: " in failed["msg"] and "redis_db" in failed["msg"]
    assert emulator.pending_operations() == []  # nothing left half-way

    rerun = apply(emulator, graph(sub, tenant))
    assert not rerun.failed, rerun.get("msg")
    assert {k for k, e in rerun["resources"].items() if e["changed"]} == {"redis", "redis_db", "redis_key"}


def test_a_lost_secret_is_written_again_and_its_consumer_gets_the_new_value(emulator):
    sub, tenant = emulator.subscription_id, emulator.tenant_id
    assert not apply(emulator, graph(sub, tenant)).failed
    secret_id = ids(sub)["vault"] + "/secrets/psql-admin-password"
    old = emulator.state.get(secret_id).properties["value"]
    emulator.state.remove(secret_id)
    result = apply(emulator, graph(sub, tenant))
    assert not result.failed, result.get("msg")
    assert {k for k, e in result["resources"].items() if e["changed"]} == {"pg_password", "pg"}
    new = emulator.state.get(secret_id).properties["value"]
    assert new != old
    assert emulator.state.get(ids(sub)["pg"]).properties["administratorLoginPassword"] == new
    assert new not in json.dumps(result)


@pytest.mark.parametrize("resources, message", [
    ([dict(key="a", kind="arm_resource", params=dict(id="/x", api_version="2024-01-01", body={}), depends_on=["b"])],
     "depends on or refers to 'b'"),
    ([dict(key="a", kind="resource_group", params=dict(name="x", location="l", tags={"t": {"ref": "b.id"}})),
      dict(key="b", kind="resource_group", params=dict(name="y", location="l", tags={"t": {"ref": "a.id"}}))],
     "dependency cycle: a -> b -> a"),
    ([dict(key="a", kind="resource_group", params=dict(name="x", location="l", colour="red"))],
     "a (resource_group): unsupported option colour"),
    ([dict(key="a", kind="aks_nodepool", params=dict(name="gpu", resource_group="r"))],
     "a (aks_nodepool): missing required arguments: cluster"),
    ([dict(key="A", kind="resource_group", params=dict(name="x", location="l"))], "resources[0].key='A'"),
])
def test_a_bad_graph_fails_before_any_request(emulator, resources, message):
    result = apply(emulator, resources)
    assert result.failed
    assert message in result["msg"], result["msg"]
    assert emulator.requests() == []

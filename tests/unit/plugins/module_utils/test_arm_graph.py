"""The dependency graph of arm_resources: references, checks before any request, critical paths, scheduling."""

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.graph import (
    GraphProblem,
    Unresolved,
    critical_path,
    estimated_seconds,
    find_refs,
    find_secret_values,
    parse_nodes,
    placeholders,
    principal_type,
    resolve,
)

KINDS = dict(arm_resource=None, role_assignment=None, key_vault_secret=None, resource_group=None)


def node(key, kind="arm_resource", **extra):
    return dict(dict(key=key, kind=kind, params={}), **extra)


def test_references_are_found_resolved_and_formatted():
    params = {"a": {"ref": "id1.principal_id"}, "b": [{"ref": "aks.oidc_issuer_url"}],
              "c": {"ref": "caller.tenant_id", "format": "https://login.microsoftonline.com/{}/"},
              "d": {"secret_value": "vpn-site-a"}, "e": {"ref": "x", "other": 1}}
    assert sorted(find_refs(params)) == ["aks.oidc_issuer_url", "caller.tenant_id", "id1.principal_id"]
    assert find_secret_values(params) == ["vpn-site-a"]
    values = {"id1.principal_id": "p", "aks.oidc_issuer_url": "https://issuer", "caller.tenant_id": "t"}
    resolved = resolve(params, values.__getitem__, {"vpn-site-a": "s3cret"})
    assert resolved == {"a": "p", "b": ["https://issuer"], "c": "https://login.microsoftonline.com/t/",
                        "d": "s3cret", "e": {"ref": "x", "other": 1}}


def test_placeholders_satisfy_the_option_spec():
    spec = dict(principal_type=dict(type="str", choices=["User", "ServicePrincipal"]), count=dict(type="int"),
                pool=dict(type="dict", options=dict(subnet=dict(type="str"))))
    params = {"principal_type": {"ref": "caller.principal_type"}, "count": {"ref": "x.n"},
              "pool": {"subnet": {"ref": "vnet.id"}}}
    assert placeholders(params, spec) == {"principal_type": "User", "count": 0, "pool": {"subnet": "<vnet.id>"}}


def test_references_imply_dependencies():
    nodes = parse_nodes([node("a"), node("b", params={"x": {"ref": "a.id"}, "y": {"ref": "caller.object_id"}},
                                         depends_on=["a"]),
                         node("c", write_only=[{"path": "properties.password", "secret": "s"}]),
                         node("s", kind="key_vault_secret")], KINDS)
    assert nodes["b"].depends_on == ["a"]
    assert nodes["c"].depends_on == ["s"]


@pytest.mark.parametrize("resources, message", [
    ([node("a"), node("a")], "resources[1].key='a' is used twice"),
    ([node("a", kind="vm")], "kind='vm' is not one of"),
    ([node("caller")], "resources[0].key='caller'"),
    ([node("a", depends_on=["b"])], "a: depends on or refers to 'b'"),
    ([node("a", params={"x": {"ref": "b.id"}}), node("b", params={"x": {"ref": "c.id"}}),
      node("c", params={"x": {"ref": "a.id"}})], "dependency cycle: a -> b -> c -> a"),
    ([node("a", write_only=[{"path": "p", "secret": "b"}]), node("b")], "write_only secret 'b' must be a key_vault_secret"),
    ([node("a", params={"k": {"secret_value": "missing"}})], "secret_value 'missing' is not a key of secret_values"),
])
def test_graph_problems_are_reported_before_anything_runs(resources, message):
    with pytest.raises(GraphProblem) as info:
        parse_nodes(resources, KINDS, secret_names=set())
    assert any(message in p for p in info.value.problems), info.value.problems


def test_critical_path_is_the_longest_weighted_chain():
    deps = {"rg": [], "pip": ["rg"], "nat": ["pip"], "vnet": ["nat"], "vgw": ["vnet"], "redis": ["rg"],
            "db": ["redis"], "secret": ["db"]}
    weight = {"pip": 0.6, "nat": 0.6, "vnet": 0.6, "vgw": 18, "redis": 9, "db": 9}
    total, chain = critical_path(deps, weight)
    assert chain == ["rg", "pip", "nat", "vnet", "vgw"]
    assert total == pytest.approx(19.8)
    assert critical_path({}, {}) == (0.0, [])


def test_long_operations_are_estimated_first():
    nodes = parse_nodes([node("vgw", params={"id": "/s/x/providers/Microsoft.Network/virtualNetworkGateways/g"}),
                         node("db", params={"id": "/s/x/providers/Microsoft.Cache/redisEnterprise/r/databases/d"}),
                         node("ra", kind="role_assignment")], KINDS)
    assert estimated_seconds(nodes["vgw"]) > estimated_seconds(nodes["db"]) > estimated_seconds(nodes["ra"])


@pytest.mark.parametrize("claims, expected", [
    ({"idtyp": "app"}, "ServicePrincipal"), ({"idtyp": "user"}, "User"), ({"scp": "user_impersonation"}, "User"),
    ({"appid": "x"}, "ServicePrincipal")])
def test_principal_type_of_the_caller(claims, expected):
    assert principal_type(claims) == expected


def missing(ref):
    raise Unresolved(ref)


def test_unresolved_is_an_exception():
    with pytest.raises(Unresolved):
        resolve({"ref": "a.b"}, missing)

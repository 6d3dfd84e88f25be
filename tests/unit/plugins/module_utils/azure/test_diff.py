from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import (
    Key,
    Rules,
    compare,
    diff_view,
    format_path,
    merge,
    patch_body,
    versions_match,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap

POOLS = ("properties", "agentPoolProfiles")
RULES = Rules(keyed_lists={POOLS: "name"}, immutable=[POOLS + ("*", "vmSize"), ("location",)],
              versions=[("properties", "kubernetesVersion")])

CURRENT = {
    "id": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/aks",
    "location": "westeurope",
    "tags": {"env": "dev", "owner": "ml"},
    "properties": {
        "provisioningState": "Succeeded",
        "kubernetesVersion": "1.33",
        "currentKubernetesVersion": "1.33.3",
        "fqdn": "aks-abc.hcp.westeurope.azmk8s.io",
        "agentPoolProfiles": [
            {"name": "system", "vmSize": "Standard_D4ds_v5", "count": 3, "nodeTaints": ["a=b:NoSchedule"]},
            {"name": "gpu", "vmSize": "Standard_NC24ads_A100_v4", "count": 0},
        ],
        "networkProfile": {"podCidr": "10.244.0.0/16", "outboundType": "loadBalancer"},
    },
}


def paths(differences):
    return [format_path(d.path) for d in differences]


def test_only_specified_fields_are_compared():
    desired = {"location": "West Europe", "properties": {"networkProfile": {"outboundType": "loadBalancer"}}}
    assert compare(desired, CURRENT, RULES) == []


def test_every_difference_is_collected_not_just_the_first():
    desired = {"tags": {"env": "prod"}, "properties": {
        "networkProfile": {"outboundType": "userAssignedNATGateway", "podCidr": "10.0.0.0/8"},
        "agentPoolProfiles": [{"name": "system", "count": 5}]}}
    assert sorted(paths(compare(desired, CURRENT, RULES))) == [
        "properties.agentPoolProfiles[name=system].count",
        "properties.networkProfile.outboundType",
        "properties.networkProfile.podCidr",
        "tags.env",
    ]


def test_ids_and_locations_compare_without_case():
    current = {"location": "westeurope", "properties": {"subnet": "/subscriptions/S/resourceGroups/rg/x"}}
    desired = {"location": "West Europe", "properties": {"subnet": "/SUBSCRIPTIONS/S/resourcegroups/RG/x"}}
    assert compare(desired, current) == []
    assert compare({"properties": {"mode": "System"}}, {"properties": {"mode": "system"}}) != []


def test_lists_of_objects_are_matched_by_name_and_new_items_are_differences():
    desired = {"properties": {"agentPoolProfiles": [{"name": "gpu", "count": 0}, {"name": "cpu", "count": 1}]}}
    differences = compare(desired, CURRENT, RULES)
    assert paths(differences) == ["properties.agentPoolProfiles[name=cpu]"]
    assert differences[0].before is None and differences[0].after == {"name": "cpu", "count": 1}


def test_scalar_lists_are_sets_unless_ordered():
    assert compare({"z": ["2", "1"]}, {"z": ["1", "2"]}) == []
    assert compare({"z": ["2", "1"]}, {"z": ["1", "2"]}, Rules(ordered=[("z",)])) != []
    assert compare({"z": ["1"]}, {"z": ["1", "2"]}) != []


def test_versions_match_by_prefix():
    assert versions_match("1.33", "1.33.3") and not versions_match("1.33.2", "1.33.3")
    assert compare({"properties": {"kubernetesVersion": "1.33"}}, {"properties": {"kubernetesVersion": "1.33.3"}},
                   RULES) == []


def test_booleans_are_not_numbers_or_strings():
    assert compare({"a": True}, {"a": 1}) != [] and compare({"a": "true"}, {"a": True}) != []
    assert compare({"a": 1}, {"a": 1.0}) == []


def test_immutable_fields_are_flagged_by_pattern():
    differences = compare({"properties": {"agentPoolProfiles": [{"name": "system", "vmSize": "Standard_D8ds_v5"}]}},
                          CURRENT, RULES)
    assert [RULES.is_immutable(d.path) for d in differences] == [True]
    new_pool = compare({"properties": {"agentPoolProfiles": [{"name": "new", "vmSize": "X"}]}}, CURRENT, RULES)
    assert [RULES.is_immutable(d.path) for d in new_pool] == [False]


def test_merge_lays_desired_over_current_keeping_everything_else():
    desired = {"tags": {"env": "prod"}, "properties": {"agentPoolProfiles": [{"name": "system", "count": 5},
                                                                             {"name": "cpu", "count": 1}]}}
    merged = merge(CURRENT, desired, RULES)
    assert merged["tags"] == {"env": "prod", "owner": "ml"}
    pools = merged["properties"]["agentPoolProfiles"]
    assert [p["name"] for p in pools] == ["system", "gpu", "cpu"]
    assert pools[0] == dict(CURRENT["properties"]["agentPoolProfiles"][0], count=5)
    assert merged["properties"]["fqdn"] == CURRENT["properties"]["fqdn"]
    assert CURRENT["tags"] == {"env": "dev", "owner": "ml"}  # not mutated


def test_replaced_objects_are_exact_in_compare_and_merge():
    rules = Rules(replace=[("tags",)])
    assert paths(compare({"tags": {"env": "dev"}}, CURRENT, rules)) == ["tags"]
    assert merge(CURRENT, {"tags": {"env": "dev"}}, rules)["tags"] == {"env": "dev"}


def test_exact_lists_make_left_out_items_differences():
    desired = {"properties": {"agentPoolProfiles": [{"name": "gpu"}]}}
    assert compare(desired, CURRENT, RULES) == []
    exact = Rules(keyed_lists={POOLS: "name"}, exact_lists=True)
    differences = compare(desired, CURRENT, exact)
    assert paths(differences) == ["properties.agentPoolProfiles[name=system]"]
    assert differences[0].after is None and differences[0].before["vmSize"] == "Standard_D4ds_v5"


def test_an_empty_object_equals_a_missing_one():
    assert compare({"tags": {}}, {"location": "westeurope"}, Rules(replace=[("tags",)])) == []
    assert paths(compare({"tags": {}}, CURRENT, Rules(replace=[("tags",)]))) == ["tags"]


def test_auto_key_matches_named_objects_of_free_form_bodies():
    current = {"properties": {"subnets": [{"name": "a", "properties": {"x": 1}}, {"name": "b"}]}}
    desired = {"properties": {"subnets": [{"name": "b"}, {"name": "a", "properties": {"x": 1}}]}}
    assert compare(desired, current, Rules(auto_key="name")) == []
    assert compare(desired, current) != []


def test_diff_view_holds_only_the_differing_fields():
    desired = {"tags": {"env": "prod"}, "properties": {"agentPoolProfiles": [{"name": "system", "count": 5}]}}
    view = diff_view(compare(desired, CURRENT, RULES))
    assert view == {
        "before": {"tags": {"env": "dev"}, "properties": {"agentPoolProfiles": [{"name": "system", "count": 3}]}},
        "after": {"tags": {"env": "prod"}, "properties": {"agentPoolProfiles": [{"name": "system", "count": 5}]}},
    }
    assert patch_body(compare(desired, CURRENT, RULES)) == view["after"]


def test_ignored_fields_are_never_compared():
    rules = Rules(ignore=[("properties", "secret")])
    assert compare({"properties": {"secret": "x"}}, {"properties": {}}, rules) == []


def test_key_equality_ignores_case():
    assert Key("name", "System") == Key("name", "system")


def test_field_map_builds_bodies_and_names_options():
    fields = FieldMap(Field("location", ("location",)), Field("network.pod_cidr", ("properties", "networkProfile", "podCidr")),
                      Field("pool.vm_size", POOLS + ("*", "vmSize"), build=False),
                      Field("flag", ("properties", "flag"), lambda v: "true" if v else "false"))
    body = fields.desired({"location": "westeurope", "network": {"pod_cidr": "10.0.0.0/8"}, "pool": None, "flag": False})
    assert body == {"location": "westeurope", "properties": {"networkProfile": {"podCidr": "10.0.0.0/8"}, "flag": "false"}}
    assert fields.desired({"network": None}) == {}
    assert fields.option_for(POOLS + (Key("name", "system"), "vmSize")) == "pool.vm_size"
    assert fields.option_for(("properties", "networkProfile", "podCidr")) == "network.pod_cidr"
    assert fields.option_for(("properties", "other")) is None

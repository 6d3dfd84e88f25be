"""The emulator's pure parts: patches, list semantics, field ownership, selectors, index ranges."""

from __future__ import annotations

import pytest

from emulators.k8s.errors import ApiError
from emulators.k8s.fieldmanager import from_fields_v1, leaves, readable, server_side_apply, to_fields_v1
from emulators.k8s.jobs import compress, expand
from emulators.k8s.merge import ListSemantics, json_merge_patch, strategic_merge_patch
from emulators.k8s.selectors import labels_match, parse_label_selector

POD_LISTS = ListSemantics("Deployment")


def test_strategic_merge_patch_merges_keyed_lists_and_honours_directives():
    live = {"spec": {"containers": [{"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}]}],
                     "tolerations": [{"key": "t"}]}}
    patch = {"spec": {"containers": [{"name": "a", "env": [{"name": "F", "value": "2"}]}, {"name": "b",
                                                                                           "image": "y"}],
                      "tolerations": [{"key": "u"}]}}
    merged = strategic_merge_patch(live, patch, POD_LISTS)
    assert [c["name"] for c in merged["spec"]["containers"]] == ["a", "b"]
    assert merged["spec"]["containers"][0]["env"] == [{"name": "E", "value": "1"}, {"name": "F", "value": "2"}]
    assert merged["spec"]["tolerations"] == [{"key": "u"}]          # no merge key: replaced
    deleted = strategic_merge_patch(merged, {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}},
                                    POD_LISTS)
    assert [c["name"] for c in deleted["spec"]["containers"]] == ["a"]
    replaced = strategic_merge_patch(merged, {"spec": {"$patch": "replace", "containers": []}}, POD_LISTS)
    assert replaced["spec"] == {"containers": []}
    assert strategic_merge_patch({"a": 1, "b": 2}, {"b": None}, POD_LISTS) == {"a": 1}


def test_json_merge_patch():
    assert json_merge_patch({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": None}, "l": [2]}) == {"a": {"c": 2},
                                                                                                  "l": [2]}


def test_custom_resource_lists_follow_the_schema():
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["id"],
                  "items": {"type": "object"}},
        "tags": {"type": "array", "x-kubernetes-list-type": "set"},
        "env": {"type": "array"}}}}}
    lists = ListSemantics("Widget", schema)
    assert lists.of(("spec", "items")) == ("map", ("id",))
    assert lists.of(("spec", "tags")) == ("set", ())
    assert lists.of(("spec", "env")) == ("atomic", ())       # CRDs: atomic unless declared


def test_field_paths_round_trip_and_read_like_the_api():
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "x"}]}}}}
    paths = set(leaves(obj, POD_LISTS))
    assert ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}', "f:image") in paths
    assert from_fields_v1(to_fields_v1(paths)) == paths
    assert readable(("f:spec", "f:containers", 'k:{"name":"web"}', "f:image")) == '.spec.containers[name="web"].image'


def test_server_side_apply_conflicts_unless_forced():
    lists = ListSemantics("ConfigMap")
    live = server_side_apply(None, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                    "data": {"k": "a"}}, "one", False, lists)
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "b"}}
    with pytest.raises(ApiError) as conflict:
        server_side_apply(live, other, "two", False, lists)
    assert conflict.value.code == 409 and conflict.value.details["causes"][0]["field"] == ".data.k"
    forced = server_side_apply(live, other, "two", True, lists)
    assert forced["data"] == {"k": "b"}
    assert [m["manager"] for m in forced["metadata"]["managedFields"]] == ["two"]


@pytest.mark.parametrize("selector, labels, expected", [
    ("app=web", {"app": "web"}, True),
    ("app==web,tier!=db", {"app": "web", "tier": "fe"}, True),
    ("tier in (a, b)", {"tier": "c"}, False),
    ("tier notin (a)", {}, True),
    ("!gpu", {"gpu": "1"}, False),
    ("gpu", {"gpu": "1"}, True),
])
def test_label_selectors(selector, labels, expected):
    assert labels_match(parse_label_selector(selector), labels) is expected


def test_bad_label_selector_is_400():
    with pytest.raises(ApiError) as bad:
        parse_label_selector("a in b")
    assert bad.value.code == 400


def test_index_ranges():
    assert compress({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"
    assert expand("0-2,5,7-8") == {0, 1, 2, 5, 7, 8}
    assert compress(set()) == "" and expand("") == set()

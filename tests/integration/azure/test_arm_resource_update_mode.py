"""arm_resource's update_mode: ``merge`` keeps what the body leaves out, ``replace`` makes the resource the body."""

from __future__ import annotations

from support.azure import mutating
from support.modules import run_module

RG = "rg-azr-update-mode"


def run(target, check_mode=False, **args):
    result = run_module("arm_resource", dict(target.module_args, **args), check_mode=check_mode)
    assert not result.failed, result.get("msg")
    return result


def vnet(target, tags, subnets=("snet-a",), **extra):
    return dict(resource_type="Microsoft.Network/virtualNetworks", name="vnet-azr-mode",
                resource_group=target.unique(RG), api_version="2024-01-01",
                body={"location": target.location, "tags": tags,
                      "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                     "subnets": [{"name": name, "properties": {"addressPrefix": "10.0.%d.0/24" % i}}
                                                 for i, name in enumerate(subnets)]}}, **extra)


def subnet_names(result):
    return sorted(s["name"] for s in result["resource"]["properties"].get("subnets", []))


def test_merge_keeps_left_out_tags_and_list_items_and_replace_removes_them(arm_target):
    run_module("resource_group", dict(arm_target.module_args, name=arm_target.unique(RG), location=arm_target.location))
    run(arm_target, **vnet(arm_target, {"env": "dev", "owner": "robotics"}, subnets=("snet-a", "snet-b")))

    merged = run(arm_target, **vnet(arm_target, {"env": "dev"}))
    assert not merged.changed and merged["resource"]["tags"] == {"env": "dev", "owner": "robotics"}
    assert subnet_names(merged) == ["snet-a", "snet-b"]

    arm_target.clear_requests()
    checked = run(arm_target, check_mode=True, **vnet(arm_target, {"env": "dev"}, update_mode="replace"))
    assert checked.changed and mutating(arm_target.requests()) == []

    before, after = checked["diff"]["before"], checked["diff"]["after"]
    assert before["tags"] == {"env": "dev", "owner": "robotics"} and after["tags"] == {"env": "dev"}
    assert [s["name"] for s in before["properties"]["subnets"]] == ["snet-b"] and "properties" not in after

    replaced = run(arm_target, **vnet(arm_target, {"env": "dev"}, update_mode="replace"))
    assert replaced.changed and replaced["resource"]["tags"] == {"env": "dev"}
    assert subnet_names(replaced) == ["snet-a"]
    again = run(arm_target, **vnet(arm_target, {"env": "dev"}, update_mode="replace"))
    assert not again.changed, again["diff"]

    untagged = run(arm_target, **vnet(arm_target, None, update_mode="replace"))
    assert untagged.changed and not untagged["resource"].get("tags")
    assert not run(arm_target, **vnet(arm_target, None, update_mode="replace")).changed

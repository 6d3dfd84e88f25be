"""azureml_model_info: model versions listed through azure-ai-ml, filtered by tags on the client."""

from __future__ import annotations

import uuid

import pytest

from support.module_runner import run_module

pytestmark = pytest.mark.slow

VERSIONS = [
    ("1", {"task": "anymal", "evaluated": "true", "framework": "rsl_rl"}, {"success_threshold": "0.7"}),
    ("2", {"task": "anymal", "evaluated": "false", "framework": "rsl_rl"}, {}),
    ("3", {"task": "anymal", "evaluated": "true", "framework": "skrl"}, {"success_threshold": "0.8"}),
    ("4", {"task": "ant", "evaluated": "true", "framework": "rsl_rl"}, {"success_threshold": "0.9"}),
    ("5", {"task": "anymal", "framework": "rsl_rl"}, {}),
]


def ml_client(target):
    """An MLClient for the target, for setting up models the way a training or mirror step registers them."""
    from azure.ai.ml import MLClient

    args = target.module_args
    if target.emulated:
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import cloud_kwargs
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import resolve_cloud
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import (
            StaticTokenCredential,
        )

        return MLClient(StaticTokenCredential(args["access_token"]), args["subscription_id"], args["resource_group"],
                        args["workspace_name"], connection_verify=args["ca_bundle"], enable_telemetry=False,
                        **cloud_kwargs(resolve_cloud(args["cloud"])))
    from azure.identity import DefaultAzureCredential

    return MLClient(DefaultAzureCredential(), args["subscription_id"], args["resource_group"], args["workspace_name"],
                    enable_telemetry=False)


@pytest.fixture
def registered_model(azureml_target):
    from azure.ai.ml.entities import Model

    name = "robotics-test-policy-%s" % uuid.uuid4().hex[:8]
    client = ml_client(azureml_target)
    for version, tags, properties in VERSIONS:
        client.models.create_or_update(Model(
            name=name, version=version, type="custom_model", tags=tags, properties=properties,
            path="azureml://datastores/workspaceblobstore/paths/policies/%s/%s/" % (name, version)))
    if azureml_target.emulated:
        azureml_target.workspace.requests.clear()
    return name


def info(target, **args):
    return run_module("azureml_model_info", dict(target.module_args, **args))


def test_versions_are_filtered_by_tag_on_the_client(azureml_target, registered_model):
    run = info(azureml_target, name=registered_model, tags={"task": "anymal", "evaluated": True})

    assert not run.failed, run
    assert run.result["changed"] is False
    assert [m["version"] for m in run.result["models"]] == ["3", "1"]
    assert run.result["count"] == 2 and run.result["total"] == 5
    latest = run.result["latest"]
    assert latest["version"] == "3"
    assert latest["azureml_id"] == "azureml:%s:3" % registered_model
    assert latest["properties"]["success_threshold"] == "0.8"
    assert latest["tags"]["framework"] == "skrl"
    if azureml_target.emulated:
        lists = azureml_target.requests("GET", "/models/%s/versions" % registered_model)
        assert lists, "the versions were listed"
        assert all("tags" not in e["query"] for e in lists), "no tag filter is sent to the service"
        assert azureml_target.mutating_requests() == []


def test_a_key_without_value_only_requires_the_tag(azureml_target, registered_model):
    run = info(azureml_target, name=registered_model, tags={"evaluated": None, "framework": "rsl_rl"})
    assert [m["version"] for m in run.result["models"]] == ["4", "2", "1"]


def test_properties_filter_and_single_version(azureml_target, registered_model):
    run = info(azureml_target, name=registered_model, properties={"success_threshold": "0.9"})
    assert [m["version"] for m in run.result["models"]] == ["4"]

    one = info(azureml_target, name=registered_model, version="1")
    assert [m["version"] for m in one.result["models"]] == ["1"]
    assert one.result["latest"]["properties"] == {"success_threshold": "0.7"}


def test_no_match_and_unknown_model_give_empty_results(azureml_target, registered_model):
    none = info(azureml_target, name=registered_model, tags={"task": "humanoid"})
    assert not none.failed, none
    assert none.result["models"] == [] and none.result["latest"] is None and none.result["total"] == 5

    unknown = info(azureml_target, name="robotics-test-absent-%s" % uuid.uuid4().hex[:8])
    assert not unknown.failed, unknown
    assert unknown.result["count"] == 0 and unknown.result["total"] == 0


def test_bad_input_is_rejected_before_any_request(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    run = info(target, name="m", resource_group="bad/group")
    assert run.failed and "resource_group" in run.result["msg"]
    nested = info(target, name="m", tags={"task": {"nested": 1}})
    assert nested.failed and "tags.task" in nested.result["msg"]
    assert target.requests() == []

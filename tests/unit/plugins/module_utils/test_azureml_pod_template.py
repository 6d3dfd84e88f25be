import pytest

from ansible_collections.azure_robotics.stack.plugins.filter.azureml_pod_template import FilterModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azureml_pod_template import (
    PodTemplateError,
    azureml_pod_template_env,
    merge_pod_templates,
)

WORKSPACE = {"name": "mlw-robotics", "resource_group": "rg-robotics", "subscription_id": "0000-1111"}


def test_the_fragment_sets_the_three_coordinates_in_the_user_container():
    fragment = azureml_pod_template_env(WORKSPACE)
    (container,) = fragment["default_user"]["spec"]["containers"]
    assert container["name"] == "{{USER_CONTAINER_NAME}}"
    assert container["env"] == [
        {"name": "AZURE_SUBSCRIPTION_ID", "value": "0000-1111"},
        {"name": "AZURE_RESOURCE_GROUP", "value": "rg-robotics"},
        {"name": "AZUREML_WORKSPACE_NAME", "value": "mlw-robotics"},
    ]


@pytest.mark.parametrize("workspace", [None, {}, {"name": ""}, {"name": None, "resource_group": "rg"}])
def test_no_workspace_injects_nothing(workspace):
    assert azureml_pod_template_env(workspace) == {}


def test_workspace_name_is_accepted_and_a_partial_workspace_is_an_error():
    alias = dict(WORKSPACE, workspace_name=WORKSPACE["name"])
    del alias["name"]
    assert azureml_pod_template_env(alias) == azureml_pod_template_env(WORKSPACE)
    with pytest.raises(PodTemplateError, match="lacks subscription_id"):
        azureml_pod_template_env({"name": "w", "resource_group": "rg"})


def test_merging_keeps_the_user_container_resources_and_other_templates():
    templates = {
        "default_user": {"spec": {"containers": [{
            "name": "{{USER_CONTAINER_NAME}}",
            "resources": {"limits": {"cpu": "{{USER_CPU}}"}},
            "env": [{"name": "AZURE_RESOURCE_GROUP", "value": "old"}, {"name": "KEEP", "value": "1"}],
        }]}},
        "default_ctrl": {"spec": {"containers": [{"name": "osmo-ctrl"}]}},
    }
    merged = merge_pod_templates(templates, azureml_pod_template_env(WORKSPACE))
    (user,) = merged["default_user"]["spec"]["containers"]
    assert user["resources"] == {"limits": {"cpu": "{{USER_CPU}}"}}
    assert {e["name"]: e["value"] for e in user["env"]} == {
        "AZURE_RESOURCE_GROUP": "rg-robotics", "KEEP": "1", "AZURE_SUBSCRIPTION_ID": "0000-1111",
        "AZUREML_WORKSPACE_NAME": "mlw-robotics"}
    assert merged["default_ctrl"] == templates["default_ctrl"]
    assert templates["default_user"]["spec"]["containers"][0]["env"][0]["value"] == "old"  # input untouched
    assert merge_pod_templates(templates, azureml_pod_template_env(None)) == templates


def test_the_filters_are_exposed():
    filters = FilterModule().filters()
    assert filters["azureml_pod_template_env"](WORKSPACE) == azureml_pod_template_env(WORKSPACE)
    assert filters["osmo_pod_template_merge"]({}, {"a": 1}) == {"a": 1}

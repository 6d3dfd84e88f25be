import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.naming import (
    NamingError,
    platform_names,
    resource_name,
)


def test_reference_names():
    names = platform_names("robotics", "dev", "001")
    assert names["resource_group"] == "rg-robotics-dev-001"
    assert names["aks"] == "aks-robotics-dev-001"
    assert names["ml_identity"] == "id-ml-robotics-dev-001"
    assert names["nat_public_ip"] == "pip-ng-robotics-dev-001"
    assert names["key_vault"] == "kvroboticsdev001"
    assert names["container_registry"] == "acrroboticsdev001"
    assert names["storage_account"] == "stroboticsdev001"
    assert names["data_lake_storage"] == "stdlroboticsdev001"
    assert names["machine_learning_workspace"] == "mlw-robotics-dev-001"
    assert names["suffix"] == "robotics-dev-001"


def test_workspace_suffix_and_resource_group_override():
    names = platform_names("robotics", "dev", "001", workspace_suffix="b", resource_group="my-rg")
    assert names["machine_learning_workspace"] == "mlw-robotics-dev-001-b"
    assert names["resource_group"] == "my-rg"


def test_qualifier():
    assert resource_name("subnet", "robotics", "dev", "001", qualifier="aks-gpu") == "snet-aks-gpu-robotics-dev-001"


def test_storage_account_too_long_names_the_inputs():
    with pytest.raises(NamingError) as err:
        platform_names("averyverylongprefix", "staging", "001")
    assert "is 28 characters" in str(err.value) or "characters" in str(err.value)
    assert "resource_prefix" in str(err.value)


@pytest.mark.parametrize("prefix, env, instance, var", [
    ("Robotics", "dev", "001", "resource_prefix"),
    ("rob-otics", "dev", "001", "resource_prefix"),
    ("robotics", "", "001", "environment_name"),
    ("robotics", "dev", "0_1", "instance"),
])
def test_inputs_must_be_lowercase_alphanumerics(prefix, env, instance, var):
    with pytest.raises(NamingError, match=var):
        platform_names(prefix, env, instance)


def test_grafana_limit():
    with pytest.raises(NamingError, match="grafana name"):
        resource_name("grafana", "roboticsplatform", "dev", "001")


def test_unknown_kind():
    with pytest.raises(NamingError, match="unknown resource kind"):
        resource_name("spaceship", "a", "b", "c")

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import (
    CloudError,
    resolve_cloud,
)


@pytest.mark.parametrize(
    "value, arm, authority, scope",
    [
        ("public", "https://management.azure.com/", "login.microsoftonline.com", "https://management.azure.com/.default"),
        ("china", "https://management.chinacloudapi.cn/", "login.chinacloudapi.cn",
         "https://management.chinacloudapi.cn/.default"),
        ("usgov", "https://management.usgovcloudapi.net/", "login.microsoftonline.us",
         "https://management.usgovcloudapi.net/.default"),
        ("AzureCloud", "https://management.azure.com/", "login.microsoftonline.com",
         "https://management.azure.com/.default"),
        ("AzureUSGovernment", "https://management.usgovcloudapi.net/", "login.microsoftonline.us",
         "https://management.usgovcloudapi.net/.default"),
        (None, "https://management.azure.com/", "login.microsoftonline.com", "https://management.azure.com/.default"),
    ],
)
def test_named_clouds(value, arm, authority, scope):
    cloud = resolve_cloud(value)
    assert (cloud.arm, cloud.authority, cloud.scope) == (arm, authority, scope)
    assert not cloud.custom


def test_custom_arm_url_is_its_own_audience():
    cloud = resolve_cloud("https://127.0.0.1:8443")
    assert cloud.custom
    assert cloud.arm == "https://127.0.0.1:8443/"
    assert cloud.scope == "https://127.0.0.1:8443/.default"
    assert cloud.authority == "login.microsoftonline.com"


def test_custom_url_with_path_keeps_it():
    assert resolve_cloud("https://arm.contoso.example/prefix/").arm == "https://arm.contoso.example/prefix/"


def test_custom_cloud_from_stack_metadata_list():
    metadata = [{
        "name": "AzureStack",
        "resourceManager": "https://management.local.azurestack.external/",
        "authentication": {"loginEndpoint": "https://adfs.local.azurestack.external/adfs",
                           "audiences": ["https://management.adfs.azurestack.local/abc"]},
        "suffixes": {"storage": "local.azurestack.external"},
    }]
    cloud = resolve_cloud("https://management.local.azurestack.external", metadata=metadata)
    assert cloud.authority == "adfs.local.azurestack.external"
    assert cloud.audience == "https://management.adfs.azurestack.local/abc"
    assert cloud.scope == "https://management.adfs.azurestack.local/abc/.default"
    assert cloud.storage_suffix == "local.azurestack.external"


def test_custom_cloud_from_legacy_metadata_dict():
    metadata = {"authentication": {"loginEndpoint": "https://login.example.test/", "audiences": ["https://arm.example.test/"]}}
    cloud = resolve_cloud("https://arm.example.test", metadata=metadata)
    assert cloud.authority == "login.example.test"


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("http://127.0.0.1:8080", "must use https"),
        ("ftp://example.com", "must use https"),
        ("https://", "no valid host"),
        ("https://bad_host!/", "no valid host"),
        ("https://example.com:99999", "invalid port"),
        ("https://example.com/?x=1", "query string"),
        ("mars", "not a known cloud"),
    ],
)
def test_malformed_clouds_name_the_option(value, fragment):
    with pytest.raises(CloudError) as err:
        resolve_cloud(value)
    assert str(err.value).startswith("cloud=")
    assert fragment in str(err.value)

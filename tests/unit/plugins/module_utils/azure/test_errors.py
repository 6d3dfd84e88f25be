from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import describe


def arm_error(status, code, message):
    exc = HttpResponseError(message=message)
    exc.status_code = status
    exc.error = type("E", (), {"code": code, "message": message})()
    return exc


RESOURCE = "managed cluster '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-x'"


def test_message_names_resource_code_status_and_hint():
    text = describe(arm_error(403, "AuthorizationFailed", "The client 'x' does not have authorization"), "create", RESOURCE)
    assert text.startswith("Failed to create managed cluster '/subscriptions/s/")
    assert "(AuthorizationFailed, HTTP 403)" in text
    assert "does not have authorization" in text
    assert "grant the calling identity" in text


def test_resource_group_not_found_says_what_to_do():
    text = describe(arm_error(404, "ResourceGroupNotFound", "Resource group 'rg' could not be found."), "read", RESOURCE)
    assert "ResourceGroupNotFound" in text and "create the resource group first" in text


def test_unknown_code_keeps_arms_message():
    text = describe(arm_error(400, "SomethingNew", "Field x is bad"), "update", "thing 'y'")
    assert text == "Failed to update thing 'y' (SomethingNew, HTTP 400): Field x is bad"


def test_authentication_failures_explain_the_auth_sources():
    text = describe(ClientAuthenticationError("DefaultAzureCredential failed"), "read", RESOURCE)
    assert "authentication failed" in text and "auth_source" in text and "az login" in text

"""azure://<account>/<container>/<prefix> locations of blob storage."""

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.blob import (
    BlobLocation,
    BlobLocationError,
    connection_string_account,
    service_client,
)


def test_parse_and_build_urls():
    loc = BlobLocation.parse("azure://mystorage/osmo/osmo-code/")
    assert (loc.account, loc.container, loc.prefix) == ("mystorage", "osmo", "osmo-code")
    assert loc.url("abc.tar.gz") == "azure://mystorage/osmo/osmo-code/abc.tar.gz"
    assert loc.https_url("abc.tar.gz") == "https://mystorage.blob.core.windows.net/osmo/osmo-code/abc.tar.gz"
    bare = BlobLocation.parse("azure://mystorage/osmo")
    assert bare.blob_name("x") == "x" and bare.url() == "azure://mystorage/osmo"


@pytest.mark.parametrize("url", ["https://mystorage.blob.core.windows.net/osmo", "azure://mystorage",
                                 "azure://My_Storage/osmo", "azure://mystorage/Osmo_Code", "azure://ab/osmo"])
def test_bad_locations_name_the_option(url):
    with pytest.raises(BlobLocationError, match="code_url="):
        BlobLocation.parse(url, "code_url")


def test_a_connection_string_must_be_for_the_named_account():
    cs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/x;"
    assert connection_string_account(cs) == "devstoreaccount1"
    with pytest.raises(BlobLocationError, match="account 'devstoreaccount1' but the location names account 'other'"):
        service_client(BlobLocation.parse("azure://other/osmo"), connection_string=cs)


def test_an_untrusted_certificate_is_found_in_the_error_chain_and_not_retried():
    import ssl

    from azure.core.exceptions import ServiceRequestError

    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.blob import _retry_policy, untrusted_certificate

    verify = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    wrapped = ServiceRequestError("connection failed", error=verify)
    refused = ServiceRequestError("connection refused", error=ConnectionRefusedError(111, "refused"))
    assert untrusted_certificate(wrapped) and not untrusted_certificate(refused)

    class HttpRequest:
        method, body = "PUT", None

    class PipelineRequest:
        http_request = HttpRequest()
        context = type("PipelineContext", (), {"options": {}})()

    policy = _retry_policy(5)
    settings = policy.configure_retries(PipelineRequest())
    assert settings["total"] == 5
    assert policy.increment(settings, request=HttpRequest(), error=wrapped) is False
    assert policy.increment(settings, request=HttpRequest(), error=refused) is True

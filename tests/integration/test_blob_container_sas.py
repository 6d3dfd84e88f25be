"""blob_container_sas against a real Azurite: the token works, with the permissions and expiry asked for."""

from __future__ import annotations

import pytest

from ansible_collections.azure_robotics.stack.plugins.modules.blob_container_sas import main
from support import azurite
from support.local_servers import start_azurite
from support.modules import run_module

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def blob_endpoint(tmp_path_factory):
    server = start_azurite(tmp_path_factory.mktemp("azurite"))
    yield server.port
    server.stop()


def args(port, **extra):
    return {"account_name": azurite.ACCOUNT, "container": "recordings", "auth_mode": "account_key",
            "account_key": azurite.KEY, "blob_endpoint": f"http://127.0.0.1:{port}/{azurite.ACCOUNT}",
            "https_only": False, "permissions": "rl", "expiry": "1h", **extra}


def test_the_token_reads_but_does_not_write(blob_endpoint):
    from azure.core.exceptions import HttpResponseError
    from azure.storage.blob import BlobServiceClient, ContainerClient

    service = BlobServiceClient.from_connection_string(azurite.connection_string(blob_endpoint))
    service.create_container("recordings").upload_blob("drive-1/00000.bin", b"frames")
    result = run_module(main, args(blob_endpoint))
    assert result["changed"] is False and result["container_url"].endswith("/recordings")
    token = result["sas_token"]
    assert "sp=rl" in token and "se=" in token and azurite.KEY not in str(result)
    reader = ContainerClient.from_container_url(result["container_url"], credential=token)
    assert [b.name for b in reader.list_blobs()] == ["drive-1/00000.bin"]
    with pytest.raises(HttpResponseError) as refused:
        reader.upload_blob("drive-1/extra.bin", b"x")
    assert refused.value.status_code == 403

    writer = ContainerClient.from_container_url(result["container_url"], credential=run_module(
        main, args(blob_endpoint, permissions="racwdl"))["sas_token"])
    writer.upload_blob("results/00000.json", b"{}")


def test_an_expiry_in_the_past_fails_before_any_request(blob_endpoint):
    result = run_module(main, args(blob_endpoint, expiry="2020-01-01T00:00:00Z"))
    assert result["failed"] and "expiry 2020-01-01T00:00:00Z is in the past" in result["msg"]


def test_check_mode_generates_nothing(blob_endpoint):
    result = run_module(main, args(blob_endpoint), check_mode=True)
    assert "sas_token" not in result and result["expiry"]

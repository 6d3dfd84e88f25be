"""Checkpoint locations are classified and split without any network access."""

from __future__ import annotations

import pytest

from robotics_training.checkpoints.uri import CheckpointUriError, parse_checkpoint_uri, strip_query


@pytest.mark.parametrize("uri", [
    "runs:/0123456789abcdef/checkpoints",
    "runs:/0123456789abcdef/checkpoints/model_99.pt",
    "models:/halfcheetah-v5/3",
    "models:/halfcheetah-v5/latest",
    "models:/halfcheetah-v5@champion",
    "mlflow-artifacts:/1/abc/artifacts/checkpoints",
])
def test_mlflow_uris(uri):
    source = parse_checkpoint_uri(uri)
    assert source.kind == "mlflow"
    assert source.uri == uri


@pytest.mark.parametrize("uri, message", [
    ("runs:/", "expected runs:/<run_id>"),
    ("runs:/not a run/x", "is not an MLflow run id"),
    ("models:/only-a-name", "expected models:/<name>/<version>"),
])
def test_bad_mlflow_uris_say_what_is_expected(uri, message):
    with pytest.raises(CheckpointUriError, match=message):
        parse_checkpoint_uri(uri)


def test_azure_uri_names_account_container_and_path():
    source = parse_checkpoint_uri("azure://robotics01/checkpoints/runs/ant/model_10.pt")
    assert (source.kind, source.account, source.container, source.blob_path) == (
        "blob", "robotics01", "checkpoints", "runs/ant/model_10.pt")
    assert source.endpoint is None  # derived from the cloud's storage suffix at download time


def test_azure_uri_may_name_a_whole_container():
    source = parse_checkpoint_uri("azure://robotics01/checkpoints")
    assert source.container == "checkpoints" and source.blob_path == ""


def test_virtual_host_blob_url():
    source = parse_checkpoint_uri("https://robotics01.blob.core.windows.net/ckpt/run-1/checkpoints/agent_480.pt")
    assert (source.account, source.container, source.blob_path) == ("robotics01", "ckpt", "run-1/checkpoints/agent_480.pt")
    assert source.endpoint == "https://robotics01.blob.core.windows.net"


def test_sovereign_cloud_blob_url():
    source = parse_checkpoint_uri("https://acct123.blob.core.chinacloudapi.cn/c01/x.pt")
    assert source.account == "acct123" and source.endpoint == "https://acct123.blob.core.chinacloudapi.cn"


def test_path_style_blob_url_as_azurite_serves_it():
    source = parse_checkpoint_uri("http://127.0.0.1:10000/devstoreaccount1/runs/halfcheetah/model_5.pt")
    assert (source.account, source.container, source.blob_path) == ("devstoreaccount1", "runs", "halfcheetah/model_5.pt")
    assert source.endpoint == "http://127.0.0.1:10000/devstoreaccount1"


def test_sas_token_never_reaches_the_display_form():
    uri = "https://robotics01.blob.core.windows.net/ckpt/model_1.pt?sv=2024-01-01&sig=SECRET"
    source = parse_checkpoint_uri(uri)
    assert "SECRET" not in source.display
    assert "SECRET" not in strip_query(uri)
    assert source.blob_path == "model_1.pt"


@pytest.mark.parametrize("uri, message", [
    ("azure://robotics01", "expected azure://<account>/<container>/<path>"),
    ("azure://Robotics_01/ckpt/x", "is not a storage account name"),
    ("azure://robotics01/C/x", "is not a blob container name"),
    ("azure://robotics01/ckpt/x?sig=abc", "query string is not accepted"),
    ("https://robotics01.blob.core.windows.net/", "names no container"),
    ("https://example.com/", "not a blob URL"),
    ("s3://bucket/key", "unsupported scheme 's3'"),
    ("", "empty"),
])
def test_bad_blob_locations_name_the_part(uri, message):
    with pytest.raises(CheckpointUriError, match=message):
        parse_checkpoint_uri(uri)


@pytest.mark.parametrize("uri, path", [
    ("/data/runs/ant/model_99.pt", "/data/runs/ant/model_99.pt"),
    ("relative/run-dir", "relative/run-dir"),
    ("file:///data/runs/ant", "/data/runs/ant"),
])
def test_local_paths(uri, path):
    source = parse_checkpoint_uri(uri)
    assert source.kind == "local" and source.path == path

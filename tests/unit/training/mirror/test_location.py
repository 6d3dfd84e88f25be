import os

import pytest

from robotics_training.mirror.errors import SourceError
from robotics_training.mirror.location import parse_location


def test_a_path_is_local_and_absolute(tmp_path):
    loc = parse_location(str(tmp_path / "run"))
    assert loc.kind == "local" and loc.path == str(tmp_path / "run") and loc.name == "run"
    assert parse_location("file://" + str(tmp_path)).path == str(tmp_path)
    assert parse_location("relative/run").path == os.path.abspath("relative/run")


def test_azure_uri():
    loc = parse_location("azure://acct/outputs/osmo/train-12/")
    assert (loc.kind, loc.account, loc.container, loc.prefix) == ("blob", "acct", "outputs", "osmo/train-12")
    assert loc.account_url == "https://acct.blob.core.windows.net"
    assert loc.display == "azure://acct/outputs/osmo/train-12" and loc.name == "train-12"


def test_blob_url_keeps_the_sas_out_of_what_is_shown():
    loc = parse_location("https://acct.blob.core.windows.net/outputs/run-1?sv=2024&sig=SECRET")
    assert (loc.account, loc.container, loc.prefix) == ("acct", "outputs", "run-1")
    assert loc.sas == "sv=2024&sig=SECRET"
    assert "SECRET" not in loc.display and "SECRET" not in repr(loc)


def test_path_style_url_as_azurite_serves_it():
    loc = parse_location("http://127.0.0.1:10000/devstoreaccount1/runs/a/b")
    assert (loc.account, loc.container, loc.prefix) == ("devstoreaccount1", "runs", "a/b")
    assert loc.account_url == "http://127.0.0.1:10000/devstoreaccount1"


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("azure://acct", "azure://<account>/<container>"), ("s3://bucket/x", "s3:// is not supported"),
    ("https://acct.blob.core.windows.net/", "no container"),
])
def test_bad_locations(text, message):
    with pytest.raises(SourceError, match=message):
        parse_location(text)

"""Code delivery to OSMO workflows through a real Azurite: a content-addressed archive, uploaded once, as a URL input.

Emulator only: a real OSMO cannot download from a local Azurite.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import textwrap

import pytest

from support.modules import run_module

CODE_URL = "azure://devstoreaccount1/osmo/osmo-code"


@pytest.fixture
def code_dir(tmp_path):
    root = tmp_path / "training"
    (root / "src" / "robotics_training").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'azure-robotics-training'\n")
    (root / "src" / "robotics_training" / "__init__.py").write_text("__version__ = '0'\n")
    # Larger than the 128 KiB a single environment variable may hold (MAX_ARG_STRLEN).
    (root / "src" / "robotics_training" / "weights.py").write_text("DATA = %r\n" % ("x" * 300_000))
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def blobs(azurite):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite["connection_string"])
    container = service.get_container_client("osmo")
    if not container.exists():
        return {}
    return {b.name: b for b in container.list_blobs()}


def download(azurite, name):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite["connection_string"])
    return service.get_blob_client("osmo", name).download_blob().readall()


def args(osmo_emulator_target, azurite, code_dir, tmp_path, **extra):
    values = dict(osmo_emulator_target.module_args(), name="train-with-code", image="ubuntu:24.04",
                  command=["bash", "-c", "ls {{input:0}}; echo code at {{input:0}}"],
                  resources={"cpu": 1, "memory": "1Gi"}, code_dir=str(code_dir), code_url=CODE_URL,
                  code_storage_connection_string=azurite["connection_string"],
                  code_archive_dir=str(tmp_path / "archives"), wait=True, poll_interval=0.2)
    values.update(extra)
    return values


def test_the_archive_is_uploaded_once_and_reaches_the_workflow_as_a_url_input(
        osmo_api, osmo_emulator_target, azurite, code_dir, tmp_path):
    first = run_module("osmo_workflow", args(osmo_emulator_target, azurite, code_dir, tmp_path))
    assert not first["failed"], first
    code = first["code"]
    assert code["uploaded"] is True and first["changed"] is True
    assert code["url"] == f"{CODE_URL}/{code['sha256']}.tar.gz"
    stored = blobs(azurite)
    assert list(stored) == [f"osmo-code/{code['sha256']}.tar.gz"]
    payload = download(azurite, f"osmo-code/{code['sha256']}.tar.gz")
    assert hashlib.sha256(payload).hexdigest() == code["archive_sha256"]
    with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
        names = tar.getnames()
    assert "src/robotics_training/weights.py" in names and not any(n.startswith(".git") for n in names)

    # The workflow gets the archive as input 0 (a url input), never inline.
    task = first["spec"]["workflow"]["tasks"][0]
    assert task["inputs"][0] == {"url": code["url"]}
    sent = osmo_api.requests_to("POST", r"/api/pool/default/workflow")[-1]["body"]["file"]
    assert len(sent) < 4096 and "weights" not in sent
    logs = run_module("osmo_workflow_info", dict(osmo_emulator_target.module_args(), workflow_id=first["workflow_id"],
                                                 logs="all"))["logs"]["train-with-code"]
    assert f"downloading input 0 from {code['url']} to /osmo/data/input/0" in logs

    etag = stored[f"osmo-code/{code['sha256']}.tar.gz"].etag
    second = run_module("osmo_workflow", args(osmo_emulator_target, azurite, code_dir, tmp_path,
                                              code_archive_dir=str(tmp_path / "elsewhere")))
    assert second["code"]["uploaded"] is False and second["code"]["sha256"] == code["sha256"]
    assert blobs(azurite)[f"osmo-code/{code['sha256']}.tar.gz"].etag == etag, "the blob must not be rewritten"

    # Idempotent runs with unchanged code change nothing at all.
    keyed = args(osmo_emulator_target, azurite, code_dir, tmp_path, idempotent=True)
    assert run_module("osmo_workflow", keyed)["changed"] is True
    assert run_module("osmo_workflow", keyed)["changed"] is False


def test_check_mode_hashes_and_looks_up_but_uploads_nothing(osmo_api, osmo_emulator_target, azurite, code_dir, tmp_path):
    (code_dir / "src" / "robotics_training" / "new.py").write_text("print('new')\n")
    before = set(blobs(azurite))
    result = run_module("osmo_workflow", args(osmo_emulator_target, azurite, code_dir, tmp_path), check_mode=True)
    assert not result["failed"], result
    assert result["code"]["uploaded"] is True and result["code"]["exists"] is False
    assert set(blobs(azurite)) == before
    assert not (tmp_path / "archives").exists() or not list((tmp_path / "archives").iterdir())
    assert [r["query"] for r in osmo_api.requests] == [{"validation_only": ["true"]}]


def test_a_template_receives_the_archive_url_as_a_variable(osmo_api, osmo_emulator_target, azurite, code_dir, tmp_path):
    template = textwrap.dedent("""\
        workflow:
          name: templated-code
          resources:
            default: {cpu: 1, memory: 1Gi}
          tasks:
          - name: train
            image: ubuntu:24.04
            command: [bash, -c, "echo unpacking {{input:0}}"]
            inputs:
            - url: "{{ code_url }}"
        """)
    result = run_module("osmo_workflow", dict(osmo_emulator_target.module_args(), template=template, code_dir=str(code_dir),
                                              code_url=CODE_URL,
                                              code_storage_connection_string=azurite["connection_string"],
                                              code_archive_dir=str(tmp_path / "archives")))
    assert not result["failed"], result
    assert result["spec"]["workflow"]["tasks"][0]["inputs"] == [{"url": result["code"]["url"]}]


def test_a_connection_string_for_another_account_is_refused(osmo_api, osmo_emulator_target, azurite, code_dir, tmp_path):
    result = run_module("osmo_workflow", args(osmo_emulator_target, azurite, code_dir, tmp_path,
                                              code_url="azure://otheraccount/osmo/code"))
    assert result["failed"] and "account 'devstoreaccount1'" in result["msg"] and "otheraccount" in result["msg"]
    assert osmo_api.requests == []


def test_a_broken_spec_uploads_nothing(osmo_api, osmo_emulator_target, azurite, code_dir, tmp_path):
    (code_dir / "unique.txt").write_text("never uploaded\n")
    before = set(blobs(azurite))
    result = run_module("osmo_workflow", args(osmo_emulator_target, azurite, code_dir, tmp_path, resources={"cpu": 0.5}))
    assert result["failed"] and "workflow.resources.default.cpu" in result["msg"]
    assert set(blobs(azurite)) == before and osmo_api.requests == []

"""osmo_workflow options seen from outside: exit_actions, template_file, cancel_message, code_excludes, code_storage_*.

The module runs in-process against the OSMO emulator (its request log shows what OSMO received) and, for code
delivery, a real Azurite serving HTTPS with a certificate of the test CA. The credential a keyless upload uses is
observed by standing in for azure-identity's credential classes and azure-storage-blob's client at the SDK
boundary, since no real Entra ID or storage account is reachable from the tests.
"""

from __future__ import annotations

import io
import socket
import subprocess
import tarfile
import textwrap
import time
import uuid

import pytest
import yaml

from support import tls
from support.modules import run_module
from support.ports import free_port

SUBMIT = r"/api/pool/[^/]+/workflow"
CANCEL = r"/api/workflow/[^/]+/cancel"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def task_args(target, **extra):
    args = dict(target.module_args(), image="ubuntu:24.04", resources={"cpu": 1, "memory": "1Gi"},
                poll_interval=0.2 if target.is_emulator else 5, wait_timeout=120 if target.is_emulator else 1800)
    args.update(extra)
    return args


def submissions(target):
    """Submitting POSTs (not validation_only / dry_run) the emulator received."""
    return [r for r in target.emulator.requests_to("POST", SUBMIT)
            if "validation_only" not in r["query"] and "dry_run" not in r["query"]]


def sent_task(request):
    """The first task of the spec file a submission carried, as OSMO parses it."""
    return yaml.safe_load(request["body"]["file"])["workflow"]["tasks"][0]


# -- exit_actions ----------------------------------------------------------------------------------------------------
def test_exit_actions_become_the_tasks_exit_actions_in_what_osmo_receives(osmo_target):
    actions = {"RESCHEDULE": "137,143", "FAIL": "1-136"}
    result = run_module("osmo_workflow", task_args(osmo_target, name=unique("exits"), command=["bash", "-c"],
                                                   args=["echo done"], exit_actions=actions, wait=True))
    assert not result["failed"], result
    assert result["status"] == "COMPLETED"
    assert result["spec"]["workflow"]["tasks"][0]["exitActions"] == actions
    if osmo_target.is_emulator:
        [submission] = submissions(osmo_target)
        assert sent_task(submission)["exitActions"] == actions
        stored = osmo_target.emulator.store.workflows[result["workflow_id"]].spec_text
        assert yaml.safe_load(stored)["workflow"]["tasks"][0]["exitActions"] == actions


def test_exit_actions_in_check_mode_are_only_validated(osmo_api, osmo_emulator_target):
    name = unique("exits-check")
    # Exit codes written as a YAML integer arrive as an int: accepted like OSMO does.
    result = run_module("osmo_workflow", task_args(osmo_emulator_target, name=name, command=["echo"],
                                                   exit_actions={"RESCHEDULE": 137}), check_mode=True)
    assert not result["failed"], result
    assert result["changed"] is True and result["submitted"] is False
    [request] = osmo_api.requests
    assert request["query"] == {"validation_only": ["true"]}
    assert sent_task(request)["exitActions"] == {"RESCHEDULE": 137}
    assert not any(w.startswith(name) for w in osmo_api.store.workflows)


@pytest.mark.parametrize("actions, problem", [
    ({"RETRY": "3"}, "workflow.tasks[0].exitActions.RETRY: unknown exit action 'RETRY'"),
    ({"RESCHEDULE": "137;143"}, "workflow.tasks[0].exitActions.RESCHEDULE: '137;143' is not a list of exit codes"),
    ({"FAIL": True}, "workflow.tasks[0].exitActions.FAIL: True is not a list of exit codes"),
])
def test_bad_exit_actions_fail_before_any_request_naming_the_option(osmo_api, osmo_emulator_target, actions, problem):
    result = run_module("osmo_workflow", task_args(osmo_emulator_target, name="exits", command=["echo"],
                                                   exit_actions=actions))
    assert result["failed"] is True
    assert "exit_actions as exitActions" in result["msg"] and problem in result["msg"]
    assert osmo_api.requests == []


# -- template_file ---------------------------------------------------------------------------------------------------
TEMPLATE = textwrap.dedent("""\
    workflow:
      name: {{ run_name }}
      resources:
        default: {cpu: 1, memory: 1Gi}
      tasks:
      - name: train
        image: ubuntu:24.04
        command: [bash, -c, "echo seed {{ seed }} lr {{ lr }} into {{output}}"]
        outputs:
        - url: azure://acct/runs/{{workflow_id}}
    default-values:
      run_name: from-file
      seed: 1
      lr: "0.001"
    """)


def test_template_file_is_read_rendered_submitted_and_attached(osmo_target, tmp_path):
    path = tmp_path / "train-workflow.yaml"
    path.write_text(TEMPLATE)
    run_name = unique("from-file")
    result = run_module("osmo_workflow", dict(
        osmo_target.module_args(), template_file=str(path), set_variables={"seed": "7"},
        set_string_variables={"run_name": run_name}, wait=True,
        poll_interval=0.2 if osmo_target.is_emulator else 5))
    assert not result["failed"], result
    assert result["status"] == "COMPLETED" and result["name"] == run_name
    task = result["spec"]["workflow"]["tasks"][0]
    assert task["command"] == ["bash", "-c", "echo seed 7 lr 0.001 into {{output}}"]
    assert result["template_variables"] == ["lr", "run_name", "seed"]
    if osmo_target.is_emulator:
        [submission] = submissions(osmo_target)
        body = submission["body"]
        assert body["uploaded_templated_spec"] == TEMPLATE  # the file as written travels along, like the CLI's
        assert "{{ seed }}" not in body["file"] and "seed 7 lr 0.001" in body["file"]
        info = run_module("osmo_workflow_info", dict(osmo_target.module_args(), workflow_id=result["workflow_id"],
                                                     logs="all"))
        assert "seed 7 lr 0.001 into /osmo/data/output" in info["logs"]["train"]


def test_template_file_in_check_mode_is_validated_only_and_expands_the_home_directory(
        osmo_api, osmo_emulator_target, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "train.yaml").write_text(TEMPLATE)
    result = run_module("osmo_workflow", dict(osmo_emulator_target.module_args(),
                                              template_file="~/workflows/train.yaml"), check_mode=True, diff=True)
    assert not result["failed"], result
    assert result["changed"] is True and result["submitted"] is False
    assert result["validation"]["logs"] == "Workflow validation succeeded."
    assert "echo seed 1 lr 0.001" in result["diff"]["after"]
    [request] = osmo_api.requests
    assert request["query"] == {"validation_only": ["true"]}
    assert request["body"]["uploaded_templated_spec"] == TEMPLATE
    assert osmo_api.store.workflows.get("from-file-1") is None


def _bad_template_file(tmp_path, case):
    """Module arguments (beyond url/token/pool) and the text the failure must contain."""
    missing = tmp_path / "missing.yaml"
    good = tmp_path / "good.yaml"
    good.write_text(TEMPLATE)
    if case == "missing":
        return dict(template_file=str(missing)), f"template_file={missing} does not exist or is not a file"
    if case == "directory":
        return dict(template_file=str(tmp_path)), f"template_file={tmp_path} does not exist or is not a file"
    if case == "not-utf8":
        latin1 = tmp_path / "latin1.yaml"
        latin1.write_bytes(TEMPLATE.replace("from-file", "caf\u00e9").encode("latin-1"))
        return dict(template_file=str(latin1)), f"template_file={latin1} cannot be read as UTF-8 text"
    if case == "with-template":
        return dict(template_file=str(good), template=TEMPLATE), "template and template_file are mutually exclusive"
    if case == "with-task-options":
        return (dict(template_file=str(good), image="ubuntu", exit_actions={"RESCHEDULE": "137"}),
                "remove image, exit_actions (or put them in the template)")
    if case == "invalid-spec":
        invalid = tmp_path / "invalid.yaml"
        invalid.write_text(TEMPLATE.replace("command:", "env: {A: b}\n    command:"))
        return dict(template_file=str(invalid)), f"Template_file {invalid} is invalid (1 problem); nothing was sent"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["missing", "directory", "not-utf8", "with-template", "with-task-options",
                                  "invalid-spec"])
def test_a_bad_template_file_fails_before_any_request_naming_it(osmo_api, osmo_emulator_target, tmp_path, case):
    extra, expected = _bad_template_file(tmp_path, case)
    result = run_module("osmo_workflow", dict(osmo_emulator_target.module_args(), **extra))
    assert result["failed"] is True
    assert expected in result["msg"], result["msg"]
    assert osmo_api.requests == []


# -- cancel_message --------------------------------------------------------------------------------------------------
def test_cancel_message_is_sent_with_the_cancellation_and_check_mode_sends_nothing(osmo_target):
    submitted = run_module("osmo_workflow", task_args(osmo_target, name=unique("to-cancel"),
                                                      command=["bash", "-c", "sleep 600"]))
    assert not submitted["failed"], submitted
    workflow_id = submitted["workflow_id"]
    message = "stopped by ansible: budget & time = up (\u00fcn\u00efcode)"
    cancel = dict(osmo_target.module_args(), state="canceled", workflow_id=workflow_id, cancel_message=message,
                  wait=True, poll_interval=0.2 if osmo_target.is_emulator else 5)

    checked = run_module("osmo_workflow", cancel, check_mode=True)
    assert not checked["failed"], checked
    assert checked["changed"] is True and checked["status"] in ("PENDING", "RUNNING")
    if osmo_target.is_emulator:
        assert osmo_target.emulator.requests_to("POST", CANCEL) == []
        assert osmo_target.emulator.store.get(workflow_id).status in ("PENDING", "RUNNING")

    canceled = run_module("osmo_workflow", cancel)
    assert not canceled["failed"], canceled
    assert canceled["changed"] is True and canceled["status"] == "FAILED_CANCELED"
    if osmo_target.is_emulator:
        [request] = osmo_target.emulator.requests_to("POST", CANCEL)
        assert request["path"] == f"/api/workflow/{workflow_id}/cancel"
        assert request["query"] == {"message": [message]}

    again = run_module("osmo_workflow", cancel)
    assert again["changed"] is False and again["status"] == "FAILED_CANCELED"
    if osmo_target.is_emulator:
        assert len(osmo_target.emulator.requests_to("POST", CANCEL)) == 1  # a finished workflow is not canceled again


def test_cancel_message_reaches_a_submission_found_by_key_and_is_absent_when_unset(osmo_api, osmo_emulator_target):
    target = osmo_emulator_target
    keyed_name = unique("keyed")
    keyed = run_module("osmo_workflow", task_args(target, name=keyed_name, command=["bash", "-c", "sleep 600"],
                                                  idempotency_key="run-1"))
    plain = run_module("osmo_workflow", task_args(target, name=unique("plain"), command=["bash", "-c", "sleep 600"]))
    assert not keyed["failed"] and not plain["failed"]

    by_key = run_module("osmo_workflow", dict(target.module_args(), state="canceled", name=keyed_name,
                                              idempotency_key="run-1", cancel_message="superseded by run-2",
                                              force=True))
    assert by_key["changed"] is True and by_key["workflow_id"] == keyed["workflow_id"]
    without = run_module("osmo_workflow", dict(target.module_args(), state="canceled",
                                               workflow_id=plain["workflow_id"]))
    assert without["changed"] is True

    requests = {r["path"]: r["query"] for r in osmo_api.requests_to("POST", CANCEL)}
    assert requests == {
        f"/api/workflow/{keyed['workflow_id']}/cancel": {"message": ["superseded by run-2"], "force": ["true"]},
        f"/api/workflow/{plain['workflow_id']}/cancel": {},
    }


# -- code delivery: a real Azurite over HTTPS --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_azurite(tmp_path_factory):
    """A real Azurite serving HTTPS with a certificate from the test CA, which the system trust store lacks:
    only a client given ``code_storage_ca_bundle`` can talk to it."""
    from support import azurite as account
    from support.local_servers import Server, azurite_binary

    data = tmp_path_factory.mktemp("azurite-tls")
    cert, key = tls.write_server_files(data / "tls")
    port = free_port()
    log = data / "azurite.log"
    with open(log, "ab") as handle:
        process = subprocess.Popen(
            [azurite_binary(), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(data),
             "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--cert", cert, "--key", key],
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=data)
    server = Server("azurite-tls", process, port, f"https://127.0.0.1:{port}/{account.ACCOUNT}", log)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"azurite exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"azurite did not listen within 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    yield {"connection_string": (f"DefaultEndpointsProtocol=https;AccountName={account.ACCOUNT};"
                                 f"AccountKey={account.KEY};BlobEndpoint={server.url};"),
           "account": account.ACCOUNT}
    server.stop()


def tls_blobs(tls_azurite, container="osmo"):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(tls_azurite["connection_string"],
                                                       connection_verify=tls.ca_bundle_path())
    client = service.get_container_client(container)
    if not client.exists():
        return {}
    return {b.name: client.download_blob(b.name).readall() for b in client.list_blobs()}


CODE_FILES = {
    "train.py": "print('train')\n",
    "src/pkg/__init__.py": "",
    "src/pkg/model.py": "MODEL = 1\n",
    "src/pkg/old.ckpt": "checkpoint\n",
    "weights.ckpt": "w" * 1000,
    "datasets/big.bin": "d" * 1000,
    "src/datasets/cache.bin": "c" * 100,
    "configs/base.yaml": "lr: 0.001\n",
    "configs/local.yaml": "secret_path: /home/me\n",
    "notebooks/explore.ipynb": "{}\n",
    "docs/index.md": "# docs\n",
    "docs/drafts/wip.md": "draft\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    "src/pkg/__pycache__/model.cpython-311.pyc": "junk",
}
EXCLUDES = ["datasets", "*.ckpt", "configs/local.yaml", "./notebooks", "docs/drafts/"]
KEPT = ["configs", "configs/base.yaml", "docs", "docs/index.md", "src", "src/pkg", "src/pkg/__init__.py",
        "src/pkg/model.py", "train.py"]


@pytest.fixture
def code_dir(tmp_path):
    root = tmp_path / "code"
    for rel, text in CODE_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def code_args(target, code_dir, tmp_path, **extra):
    args = task_args(target, name=unique("coded"), command=["bash", "-c", "echo code at {{input:0}}"],
                     code_dir=str(code_dir), code_url="azure://devstoreaccount1/osmo/code",
                     code_archive_dir=str(tmp_path / "archives"))
    args.update(extra)
    return args


def test_code_excludes_leave_out_names_globs_and_relative_paths_over_tls_with_the_ca_bundle(
        osmo_api, osmo_emulator_target, tls_azurite, code_dir, tmp_path):
    storage = dict(code_storage_connection_string=tls_azurite["connection_string"],
                   code_storage_ca_bundle=tls.ca_bundle_path())
    everything = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path, **storage),
                            check_mode=True)
    predicted = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                      code_excludes=EXCLUDES, **storage), check_mode=True)
    assert not everything["failed"] and not predicted["failed"], (everything, predicted)
    assert everything["code"]["files"] == 12  # the defaults alone leave out .git and __pycache__ only
    assert predicted["code"]["files"] == 5 and predicted["code"]["sha256"] != everything["code"]["sha256"]
    assert predicted["code"]["uploaded"] is True and predicted["code"]["exists"] is False
    assert tls_blobs(tls_azurite) == {} and not (tmp_path / "archives").exists()
    assert [r["query"] for r in osmo_api.requests] == [{"validation_only": ["true"]}] * 2

    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                   code_excludes=EXCLUDES, wait=True, **storage))
    assert not result["failed"], result
    code = result["code"]
    assert code["sha256"] == predicted["code"]["sha256"] and code["uploaded"] is True
    blobs = tls_blobs(tls_azurite)
    assert list(blobs) == [f"code/{code['sha256']}.tar.gz"]
    with tarfile.open(fileobj=io.BytesIO(blobs[f"code/{code['sha256']}.tar.gz"])) as tar:
        assert tar.getnames() == KEPT
    assert result["spec"]["workflow"]["tasks"][0]["inputs"] == [{"url": code["url"]}]
    [submission] = submissions(osmo_emulator_target)
    assert sent_task(submission)["inputs"] == [{"url": code["url"]}]


# -- code_storage_*: what reaches azure-identity and azure-storage-blob ----------------------------------------------
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "66666666-7777-8888-9999-000000000000"
CREDENTIAL_CLASSES = ("DefaultAzureCredential", "ManagedIdentityCredential", "WorkloadIdentityCredential",
                      "AzureCliCredential", "EnvironmentCredential")


class SdkRecorder:
    """Stands in for azure-identity's credential classes and azure-storage-blob's BlobServiceClient."""

    def __init__(self, monkeypatch, fail_with=None):
        import azure.identity
        import azure.storage.blob

        self.credentials = []  # (class name, constructor kwargs)
        self.clients = []      # (account_url, credential, kwargs)
        self.uploads = {}      # blob name -> bytes
        self.fail_with = fail_with
        for name in CREDENTIAL_CLASSES:
            monkeypatch.setattr(azure.identity, name, self._credential_class(name))
        monkeypatch.setattr(azure.storage.blob, "BlobServiceClient", self._client_class())

    def _credential_class(self, name):
        recorder = self

        class Credential:
            kind = name

            def __init__(self, **kwargs):
                recorder.credentials.append((name, kwargs))

            def get_token(self, *scopes, **kwargs):
                raise AssertionError("no token may be requested in this test")

        return Credential

    def _client_class(self):
        recorder = self

        class Blob:
            def __init__(self, container, name):
                self.key = f"{container}/{name}"

            def exists(self):
                if recorder.fail_with is not None:
                    raise recorder.fail_with
                return self.key in recorder.uploads

            def upload_blob(self, data, **kwargs):
                recorder.uploads[self.key] = data.read()

        class BlobServiceClient:
            def __init__(self, account_url, credential=None, **kwargs):
                recorder.clients.append((account_url, credential, kwargs))

            @classmethod
            def from_connection_string(cls, conn_str, **kwargs):
                raise AssertionError("no connection string was given")

            def get_blob_client(self, container, blob):
                return Blob(container, blob)

        return BlobServiceClient


def test_an_untrusted_certificate_fails_at_once_naming_code_storage_ca_bundle(
        osmo_api, osmo_emulator_target, tls_azurite, code_dir, tmp_path):
    storage = dict(code_storage_connection_string=tls_azurite["connection_string"])
    started = time.monotonic()
    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path, **storage))
    elapsed = time.monotonic() - started
    assert result["failed"] is True and "code_storage_ca_bundle" in result["msg"], result["msg"]
    assert elapsed < 20, "a certificate the client does not trust must not be retried (%.0f s)" % elapsed
    assert osmo_api.requests == []


@pytest.fixture
def sdk(monkeypatch):
    for variable in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
                     "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    return SdkRecorder(monkeypatch)


KEYLESS_CASES = {
    "auto-user-assigned-china": (
        dict(code_storage_client_id=CLIENT_ID, code_storage_tenant_id=TENANT_ID, code_storage_cloud="china"),
        "DefaultAzureCredential",
        dict(authority="login.chinacloudapi.cn", exclude_interactive_browser_credential=True,
             managed_identity_client_id=CLIENT_ID, workload_identity_client_id=CLIENT_ID,
             workload_identity_tenant_id=TENANT_ID),
        "https://mystorage.blob.core.chinacloudapi.cn"),
    "msi-user-assigned": (
        dict(code_storage_auth_source="msi", code_storage_client_id=CLIENT_ID),
        "ManagedIdentityCredential", dict(client_id=CLIENT_ID), "https://mystorage.blob.core.windows.net"),
    "workload-identity-usgov": (
        dict(code_storage_auth_source="workload_identity", code_storage_client_id=CLIENT_ID,
             code_storage_tenant_id=TENANT_ID, code_storage_cloud="usgov"),
        "WorkloadIdentityCredential",
        dict(tenant_id=TENANT_ID, client_id=CLIENT_ID, token_file_path="<token file>",
             authority="login.microsoftonline.us"),
        "https://mystorage.blob.core.usgovcloudapi.net"),
    "cli-tenant": (
        dict(code_storage_auth_source="cli", code_storage_tenant_id=TENANT_ID),
        "AzureCliCredential", dict(tenant_id=TENANT_ID), "https://mystorage.blob.core.windows.net"),
    "env-custom-cloud": (
        dict(code_storage_auth_source="env", code_storage_cloud="https://management.example.test/"),
        "EnvironmentCredential", dict(authority="login.microsoftonline.com"),
        "https://mystorage.blob.core.windows.net"),
}


@pytest.mark.parametrize("case", sorted(KEYLESS_CASES))
@pytest.mark.parametrize("ca_bundle", [False, True], ids=["system-ca", "ca-bundle"])
def test_code_storage_options_reach_the_credential_and_the_blob_client(
        osmo_api, osmo_emulator_target, sdk, code_dir, tmp_path, monkeypatch, case, ca_bundle):
    options, kind, expected_kwargs, account_url = KEYLESS_CASES[case]
    token_file = tmp_path / "token"
    token_file.write_text("federated-token")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    expected_kwargs = dict((k, str(token_file) if v == "<token file>" else v) for k, v in expected_kwargs.items())
    if ca_bundle:
        options = dict(options, code_storage_ca_bundle=tls.ca_bundle_path())

    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                   code_url="azure://mystorage/osmo/code", **options))
    assert not result["failed"], result
    assert sdk.credentials == [(kind, expected_kwargs)]
    [(url, credential, kwargs)] = sdk.clients
    assert url == account_url and credential.kind == kind
    assert kwargs.get("connection_verify") == (tls.ca_bundle_path() if ca_bundle else None)
    assert list(sdk.uploads) == [f"osmo/code/{result['code']['sha256']}.tar.gz"]
    assert result["code"]["uploaded"] is True
    assert not [w for w in result["warnings"] if "has no effect" in w]
    [submission] = submissions(osmo_emulator_target)
    assert sent_task(submission)["inputs"] == [{"url": result["code"]["url"]}]


@pytest.mark.parametrize("source, options, unused", [
    ("env", dict(code_storage_tenant_id=TENANT_ID, code_storage_client_id=CLIENT_ID),
     ["code_storage_tenant_id", "code_storage_client_id"]),
    ("cli", dict(code_storage_client_id=CLIENT_ID), ["code_storage_client_id"]),
    ("msi", dict(code_storage_tenant_id=TENANT_ID, code_storage_client_id=CLIENT_ID), ["code_storage_tenant_id"]),
])
def test_options_the_auth_source_does_not_read_are_warned_about(
        osmo_api, osmo_emulator_target, sdk, code_dir, tmp_path, source, options, unused):
    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                   code_url="azure://mystorage/osmo/code",
                                                   code_storage_auth_source=source, **options))
    assert not result["failed"], result
    warned = [w for w in result["warnings"] if "has no effect" in w]
    assert warned == ["%s has no effect with code_storage_auth_source=%s (it reads its own settings); remove it or "
                      "pick an auth source that uses it" % (option, source) for option in unused]


def test_check_mode_builds_the_credential_and_looks_up_the_archive_but_uploads_nothing(
        osmo_api, osmo_emulator_target, sdk, code_dir, tmp_path):
    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                   code_url="azure://mystorage/osmo/code",
                                                   code_storage_auth_source="msi", code_storage_client_id=CLIENT_ID,
                                                   code_storage_ca_bundle=tls.ca_bundle_path()), check_mode=True)
    assert not result["failed"], result
    assert sdk.credentials == [("ManagedIdentityCredential", dict(client_id=CLIENT_ID))]
    assert sdk.clients[0][2]["connection_verify"] == tls.ca_bundle_path()
    assert result["code"]["uploaded"] is True and sdk.uploads == {}
    assert [r["query"] for r in osmo_api.requests] == [{"validation_only": ["true"]}]


@pytest.mark.parametrize("options, expected", [
    (dict(code_storage_cloud="mars"), "code_storage_cloud='mars' is not a known cloud"),
    (dict(code_storage_cloud="http://management.example.test/"),
     "code_storage_cloud='http://management.example.test/' is not a named cloud"),
    (dict(code_storage_ca_bundle="/nonexistent/ca.pem"),
     "code_storage_ca_bundle=/nonexistent/ca.pem does not exist or is not a file"),
    (dict(code_storage_auth_source="workload_identity"),
     "code_storage_auth_source=workload_identity needs code_storage_tenant_id (or AZURE_TENANT_ID); "
     "code_storage_auth_source=workload_identity needs code_storage_client_id (or AZURE_CLIENT_ID); "
     "code_storage_auth_source=workload_identity needs the AZURE_FEDERATED_TOKEN_FILE environment variable"),
    (dict(code_storage_auth_source="workload_identity", code_storage_client_id=CLIENT_ID,
          code_storage_tenant_id=TENANT_ID), "needs the AZURE_FEDERATED_TOKEN_FILE environment variable"),
    (dict(code_storage_auth_source="password"), "value of code_storage_auth_source must be one of"),
], ids=["unknown-cloud", "http-cloud", "missing-ca-bundle", "workload-identity-bare", "workload-identity-no-token",
        "unknown-auth-source"])
def test_bad_code_storage_options_fail_before_anything_is_packaged_or_sent(
        osmo_api, osmo_emulator_target, sdk, code_dir, tmp_path, options, expected):
    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                   code_url="azure://mystorage/osmo/code", **options))
    assert result["failed"] is True
    assert expected in result["msg"], result["msg"]
    assert sdk.credentials == [] and sdk.clients == []
    assert osmo_api.requests == [] and not (tmp_path / "archives").exists()


def test_an_untrusted_blob_certificate_names_code_storage_ca_bundle(osmo_api, osmo_emulator_target, sdk, code_dir,
                                                                    tmp_path):
    from azure.core.exceptions import ServiceRequestError

    sdk.fail_with = ServiceRequestError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
                                        "local issuer certificate (_ssl.c:1006)")
    result = run_module("osmo_workflow", code_args(osmo_emulator_target, code_dir, tmp_path,
                                                   code_url="azure://mystorage/osmo/code",
                                                   code_storage_auth_source="msi"))
    assert result["failed"] is True
    assert "CERTIFICATE_VERIFY_FAILED" in result["msg"]
    assert "pass the CA bundle that signed the blob endpoint's certificate as code_storage_ca_bundle" in result["msg"]
    assert osmo_api.requests == []

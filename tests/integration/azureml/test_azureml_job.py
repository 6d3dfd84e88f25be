"""azureml_job through azure-ai-ml's real HTTP layer: against the emulated workspace, or a real one (marker cloud).

Every test runs the module as Ansible does (a separate process with JSON arguments); the emulator's request log
shows what reached the service.
"""

from __future__ import annotations

import pytest

from emulators.azureml.fixtures import job_args
from support.module_runner import run_module

pytestmark = pytest.mark.slow


def test_job_and_environment_reach_azureml_and_the_job_completes(azureml_target):
    if azureml_target.emulated:
        azureml_target.workspace.add_model("anymal-policy", "3", tags={"task": "anymal"})
        inputs = {"steps": 10, "checkpoint": {"type": "custom_model", "path": "models:/anymal-policy/3",
                                              "mode": "download"}}
        command = "echo training $SEED_FROM_ENV ${{inputs.steps}} ${{inputs.checkpoint}}"
    else:
        inputs, command = {"steps": 10}, "echo training $SEED_FROM_ENV ${{inputs.steps}}"
    args = job_args(azureml_target, inputs=inputs, command=command, wait=True)
    run = run_module("azureml_job", args)

    assert not run.failed, run
    assert run.result["changed"] is True and run.result["submitted"] is True
    assert run.result["environment"]["changed"] is True
    job = run.result["job"]
    assert job["status"] == "Completed"
    assert job["studio_url"].startswith("https://ml.azure.com/runs/%s" % job["name"])
    assert job["instance_type"] == azureml_target.instance_type
    assert job["output_locations"]["artifacts"] == "azureml://jobs/%s/outputs/artifacts/paths/" % job["name"]
    if not azureml_target.emulated:
        return

    env_puts = azureml_target.requests("PUT", "/environments/robotics-test-env/versions/")
    assert len(env_puts) == 1
    assert env_puts[0]["body"]["properties"]["image"] == azureml_target.image
    job_puts = azureml_target.requests("PUT", "/jobs/")
    assert len(job_puts) == 1
    body = job_puts[0]["body"]["properties"]
    workspace = azureml_target.workspace
    assert body["jobType"] == "Command"
    assert body["computeId"] == "%s/computes/%s" % (workspace.arm_id, azureml_target.compute)
    assert body["resources"]["instanceType"] == "gpuspot"
    assert body["command"] == command
    assert body["environmentId"] == "%s/environments/robotics-test-env/versions/%s" % (
        workspace.arm_id, args["environment"]["version"])
    assert body["inputs"]["steps"] == {"jobInputType": "literal", "value": "10"}
    assert body["inputs"]["checkpoint"]["jobInputType"] == "custom_model"
    assert body["inputs"]["checkpoint"]["uri"] == "%s/models/anymal-policy/versions/3" % workspace.arm_id
    assert body["inputs"]["checkpoint"]["mode"] == "Download"
    assert body["environmentVariables"] == {"SEED_FROM_ENV": "7", "ACCEPT_EULA": "Y"}
    assert body["experimentName"] == "azure-robotics-tests"
    assert body["displayName"] == "module test"
    assert body["tags"] == args["tags"]
    # The status was polled until the end: Queued/Running then Completed.
    assert len(azureml_target.requests("GET", "/jobs/%s" % job["name"])) >= 2


def test_environment_registration_is_idempotent(azureml_target):
    args = job_args(azureml_target, wait=False)
    first = run_module("azureml_job", args)
    assert not first.failed, first
    assert first.result["environment"]["changed"] is True

    second = run_module("azureml_job", dict(args, command="echo second job ${{inputs.steps}}"))
    assert not second.failed, second
    assert second.result["environment"]["changed"] is False
    assert second.result["submitted"] is True
    assert second.result["job"]["name"] != first.result["job"]["name"]
    if azureml_target.emulated:
        assert len(azureml_target.requests("PUT", "/environments/")) == 1
        assert len(azureml_target.requests("GET", "/environments/robotics-test-env/versions/")) == 2
        assert len(azureml_target.requests("PUT", "/jobs/")) == 2


def test_an_existing_version_with_another_image_is_an_error_naming_both(azureml_target):
    args = job_args(azureml_target, wait=False)
    assert not run_module("azureml_job", args).failed
    other = "nvcr.io/nvidia/isaac-lab:9.9.9"
    before = len(azureml_target.requests()) if azureml_target.emulated else 0

    run = run_module("azureml_job", dict(args, environment=dict(args["environment"], image=other)))

    assert run.failed, run
    msg = run.result["msg"]
    assert azureml_target.image in msg and other in msg
    assert "robotics-test-env:%s" % args["environment"]["version"] in msg
    assert "environment.version" in msg
    if azureml_target.emulated:
        later = azureml_target.requests()[before:]
        assert [e["method"] for e in later] == ["GET", "GET"]  # compute, environment version: nothing written


def test_a_deterministic_name_does_not_submit_twice(azureml_target):
    args = job_args(azureml_target, deterministic_name=True, wait=True)
    first = run_module("azureml_job", args)
    assert not first.failed, first
    assert first.result["submitted"] is True

    before = len(azureml_target.requests()) if azureml_target.emulated else 0
    second = run_module("azureml_job", args)
    assert not second.failed, second
    assert second.result["changed"] is False and second.result["submitted"] is False
    if azureml_target.emulated:  # a no-op rerun is one read of the job
        assert [(e["method"], e["path"].rsplit("/", 2)[-2]) for e in azureml_target.requests()[before:]] == [
            ("GET", "jobs")]
    assert second.result["job"]["name"] == first.result["job"]["name"]
    assert second.result["job"]["status"] == "Completed"

    changed = run_module("azureml_job", dict(args, inputs={"steps": 11}))
    assert changed.result["submitted"] is True
    assert changed.result["job"]["name"] != first.result["job"]["name"]
    if azureml_target.emulated:
        assert len(azureml_target.requests("PUT", "/jobs/")) == 2


def test_check_mode_sends_no_mutating_request(azureml_target):
    args = job_args(azureml_target, deterministic_name=True)
    run = run_module("azureml_job", args, check=True, diff=True)

    assert not run.failed, run
    assert run.result["changed"] is True and run.result["submitted"] is False
    assert run.result["environment"]["changed"] is True
    preview = run.result["job"]
    assert preview["name"].startswith("azure-robotics-tests-")
    assert preview["instance_type"] == azureml_target.instance_type
    assert preview["inputs"]["steps"] == {"type": "literal", "value": "10"}
    assert run.result["diff"]["before"]["job"] is None
    assert run.result["diff"]["after"]["job"]["command"] == args["command"]
    if azureml_target.emulated:
        assert azureml_target.mutating_requests() == []
        assert [e["method"] for e in azureml_target.requests()] == ["GET", "GET", "GET"]  # job, compute, environment


def test_code_directory_is_uploaded_once_to_the_default_datastore(
        azureml_emulator, azureml_blob_storage, azureml_code_dir):
    from emulators.azureml.fixtures import emulator_target

    azureml_emulator.workspace.storage = azureml_blob_storage
    target = emulator_target(azureml_emulator)
    args = job_args(target, code=str(azureml_code_dir), command="python train.py ${{inputs.steps}}", wait=False)
    first = run_module("azureml_job", args)
    assert not first.failed, first
    second = run_module("azureml_job", dict(args, tags={"attempt": "2"}))
    assert not second.failed, second

    code_puts = target.requests("PUT", "/codes/")
    assert len(code_puts) == 1, "an identical directory is registered once"
    code_uri = code_puts[0]["body"]["properties"]["codeUri"]
    assert code_uri.startswith(azureml_blob_storage.blob_endpoint)
    prefix = code_uri.split("/%s/" % azureml_blob_storage.container, 1)[1]
    uploaded = sorted(b[len(prefix) + 1:] for b in azureml_blob_storage.list_blobs(prefix))
    assert uploaded == [".amlignore", "pkg/settings.yaml", "train.py"]  # scratch.tmp is ignored
    job_bodies = [e["body"]["properties"] for e in target.requests("PUT", "/jobs/")]
    assert len({b["codeId"] for b in job_bodies}) == 1
    assert job_bodies[0]["codeId"].endswith("/versions/1")


@pytest.mark.parametrize("overrides, option", [
    ({"workspace_name": "x"}, "workspace_name"),
    ({"instance_type": "GPU_Spot"}, "instance_type"),
    ({"compute": "compute name with spaces"}, "compute"),
    ({"name": "bad name!"}, "name"),
    ({"name": "fixed", "deterministic_name": True}, "deterministic_name"),
    ({"environment": {"name": "env", "version": "1", "image": "Not An Image"}}, "environment.image"),
    ({"inputs": {"data": {"type": "uri_folder", "path": "/local/folder"}}}, "inputs.data.path"),
    ({"inputs": {"data": {"type": "table", "path": "azureml:x:1"}}}, "inputs.data.type"),
    ({"command": "train ${{inputs.missing}}"}, "inputs.missing"),
    ({"environment_variables": {"1BAD": "x"}}, "environment_variables"),
    ({"outputs": {"out": {"mode": "ro_mount"}}}, "outputs.out.mode"),
    ({"shm_size": "lots"}, "shm_size"),
    ({"cloud": "http://127.0.0.1:1/"}, "cloud"),
])
def test_bad_input_is_rejected_before_any_request(azureml_emulator, overrides, option):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    run = run_module("azureml_job", job_args(target, **overrides))
    assert run.failed, run
    assert option in run.result["msg"], run
    assert target.requests() == []
    assert run.seconds < 10


def test_missing_workspace_is_rejected_naming_the_option(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    args = job_args(target)
    del args["workspace_name"]
    run = run_module("azureml_job", args)
    assert run.failed
    assert "workspace_name" in run.result["msg"]
    assert target.requests() == []


def test_an_instance_type_the_compute_lacks_is_rejected_before_submitting(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    run = run_module("azureml_job", job_args(target, instance_type="gpu8"))
    assert run.failed
    assert "instance_type=gpu8" in run.result["msg"] and "gpuspot" in run.result["msg"]
    assert target.mutating_requests() == []


def test_an_unknown_compute_is_reported_by_name(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    run = run_module("azureml_job", job_args(target, compute="k8s-missing"))
    assert run.failed
    assert "compute k8s-missing was not found" in run.result["msg"]
    assert target.mutating_requests() == []


def test_a_wrong_token_is_an_authentication_error(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    run = run_module("azureml_job", job_args(target, access_token="not-the-token"))
    assert run.failed
    assert "InvalidAuthenticationToken" in run.result["msg"] or "authentication" in run.result["msg"].lower()
    assert target.mutating_requests() == []


def test_tls_is_verified_against_the_ca_bundle(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    args = job_args(target, api_retries=0)
    del args["ca_bundle"]
    run = run_module("azureml_job", args, env={"AZURE_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "SSL_CERT_FILE": ""})
    assert run.failed, run
    assert "certificate verify failed" in run.result["msg"], run
    assert target.requests() == []  # nothing got past the TLS handshake

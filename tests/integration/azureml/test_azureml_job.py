"""azureml_job through azure-ai-ml's real HTTP layer: against the emulated workspace, or a real one (marker cloud).

Every test runs the module as Ansible does (a separate process with JSON arguments); the emulator's request log
shows what reached the service.
"""

from __future__ import annotations

import uuid

import pytest

from emulators.azureml import JobRule
from support.module_runner import run_module

pytestmark = pytest.mark.slow


def job_args(target, **overrides) -> dict:
    """A complete training-like job for ``target``; a unique tag keeps definitions apart on a real workspace."""
    args = dict(
        target.module_args,
        compute=target.compute,
        instance_type=target.instance_type,
        environment=dict(name="robotics-test-env", version="1.0.%s" % uuid.uuid4().hex[:8], image=target.image),
        command="echo training $SEED_FROM_ENV ${{inputs.steps}}",
        inputs={"steps": 10},
        environment_variables={"SEED_FROM_ENV": 7, "ACCEPT_EULA": "Y"},
        experiment_name="azure-robotics-tests",
        display_name="module test",
        tags={"suite": "azure_robotics.stack", "run": uuid.uuid4().hex[:8]},
        poll_interval=1,
        wait_timeout=900,
    )
    args.update(overrides)
    return args


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

    second = run_module("azureml_job", args)
    assert not second.failed, second
    assert second.result["changed"] is False and second.result["submitted"] is False
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


def test_a_failed_job_surfaces_its_error(azureml_target):
    if azureml_target.emulated:
        azureml_target.workspace.add_rule(JobRule(
            command_contains="exit 3", outcome="Failed",
            error_message="Execution failed. User process 'bash' exited with status code 3.",
            log_lines=["Traceback (most recent call last):", "RuntimeError: reward diverged"]))
    args = job_args(azureml_target, command="echo starting; exit 3", inputs={}, wait=True)
    run = run_module("azureml_job", args)

    assert run.failed, run
    assert run.result["job"]["status"] == "Failed"
    assert "ended Failed" in run.result["msg"]
    assert "exited with status code 3" in run.result["msg"]
    assert run.result["job"]["error"]["message"]
    assert run.result["job"]["studio_url"] in run.result["msg"]


def test_streaming_collects_the_logs_and_fails_with_them(azureml_target):
    if azureml_target.emulated:
        # Long enough for the stream to attach while the jobs run (the logs are read while they run).
        azureml_target.workspace.add_rule(JobRule(command_contains="echo training", running_seconds=5))
        azureml_target.workspace.add_rule(JobRule(command_contains="exit 4", outcome="Failed", running_seconds=5,
                                                  error_message="User process exited with status code 4.",
                                                  log_lines=["RuntimeError: reward diverged"]))
    ok = run_module("azureml_job", job_args(azureml_target, stream=True))
    assert not ok.failed, ok
    assert ok.result["job"]["status"] == "Completed"
    assert "user_logs/std_log.txt" in ok.result["logs"]
    assert "echo training" in ok.result["logs"] or not azureml_target.emulated

    bad = run_module("azureml_job", job_args(azureml_target, command="echo oops; exit 4", inputs={}, stream=True))
    assert bad.failed, bad
    assert bad.result["job"]["status"] == "Failed"
    assert "status code 4" in bad.result["msg"]
    assert "last lines of the job's logs" in bad.result["msg"]
    if azureml_target.emulated:
        assert "RuntimeError: reward diverged" in bad.result["msg"]
        assert "RuntimeError: reward diverged" in bad.result["logs"]
        assert azureml_target.requests("GET", "/runs/%s/details" % bad.result["job"]["name"])


def test_a_job_that_outlives_wait_timeout_fails_naming_it(azureml_target):
    if not azureml_target.emulated:
        pytest.skip("needs a job that is guaranteed to run longer than the timeout")
    azureml_target.workspace.add_rule(JobRule(command_contains="sleep", running_seconds=60))
    run = run_module("azureml_job", job_args(azureml_target, command="sleep 600", inputs={}, wait_timeout=2))
    assert run.failed, run
    assert "wait_timeout=2" in run.result["msg"]
    assert run.result["job"]["status"] in ("Queued", "Running")


def test_cancel_stops_a_running_job(azureml_target):
    if azureml_target.emulated:
        azureml_target.workspace.add_rule(JobRule(command_contains="sleep", running_seconds=120))
    submitted = run_module("azureml_job", job_args(azureml_target, command="sleep 3600", inputs={}, wait=False))
    assert not submitted.failed, submitted
    name = submitted.result["job"]["name"]
    cancel = dict(azureml_target.module_args, name=name, state="canceled", poll_interval=1, wait_timeout=600)

    preview = run_module("azureml_job", cancel, check=True)
    assert preview.result["changed"] is True
    if azureml_target.emulated:
        assert not azureml_target.requests("POST", "/cancel")

    run = run_module("azureml_job", cancel)
    assert not run.failed, run
    assert run.result["changed"] is True
    assert run.result["job"]["status"] == "Canceled"
    again = run_module("azureml_job", cancel)
    assert again.result["changed"] is False
    if azureml_target.emulated:
        assert len(azureml_target.requests("POST", "/jobs/%s/cancel" % name)) == 1


def test_code_directory_is_uploaded_once_to_the_default_datastore(azureml_emulator, azureml_blob_storage,
                                                                    azureml_code_dir):
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

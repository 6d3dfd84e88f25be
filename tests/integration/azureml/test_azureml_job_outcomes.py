"""azureml_job after submission: waiting, failures with AzureML's error, log streaming, timeouts, cancel.

Against the emulated workspace (outcomes set by job rules), or a real one (marker cloud).
"""

from __future__ import annotations

import pytest

from emulators.azureml import JobRule
from emulators.azureml.fixtures import job_args
from support.module_runner import run_module

pytestmark = pytest.mark.slow


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
        azureml_target.workspace.add_rule(JobRule(command_contains="echo training", running_seconds=3))
        azureml_target.workspace.add_rule(JobRule(command_contains="exit 4", outcome="Failed", running_seconds=3,
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

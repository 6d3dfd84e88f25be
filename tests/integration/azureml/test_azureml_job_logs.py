"""azureml_job logs_max_bytes: how much of the streamed logs comes back, in RV(logs) and in the failure message.

Against the emulated workspace: a job rule gives the job a known, long log (300 numbered steps), so what was kept
and what was cut can be read off the result. The module runs as Ansible runs it (a separate process).
"""

from __future__ import annotations

import re

import pytest

from emulators.azureml import JobRule
from emulators.azureml.fixtures import emulator_target, job_args
from support.module_runner import run_module

pytestmark = pytest.mark.slow

STEPS = ["step %04d reward %.1f" % (i, i * 0.5) for i in range(300)]
STEP_RE = re.compile(r"step (\d{4}) reward \d+\.\d")
MARKER_RE = re.compile(r"\[\.\.\. (\d+) bytes cut \.\.\.\]")
# Every whole line azure-ai-ml's stream writes around the job's own log, and the emulator's log lines.
FRAME_PREFIXES = ("RunId: ", "Web View: ", "Streaming ", "=====", "[emulator] job ", "$ ", "Execution Summary",
                  "RuntimeError: reward diverged")
LOG_SECTION = "--- last lines of the job's logs ---\n"


@pytest.fixture
def diverging(azureml_emulator):
    """The emulated workspace, where a command containing 'diverge' runs for 2 s, logs 300 steps and fails."""
    target = emulator_target(azureml_emulator)
    target.workspace.add_rule(JobRule(command_contains="diverge", outcome="Failed", running_seconds=2,
                                      error_message="User process exited with status code 4.",
                                      log_lines=STEPS + ["RuntimeError: reward diverged"]))
    return target


def diverging_job(target, **overrides):
    return job_args(target, command="python train.py --diverge ${{inputs.steps}}", stream=True, **overrides)


def test_logs_max_bytes_keeps_whole_lines_from_the_end_of_the_logs(diverging):
    run = run_module("azureml_job", diverging_job(diverging, logs_max_bytes=1024))
    assert run.failed, run
    logs = run.result["logs"]
    marker, kept = logs.split("\n", 1)
    cut = MARKER_RE.fullmatch(marker)
    assert cut, logs[:200]
    assert len(kept.encode("utf-8")) <= 1024
    # What was cut plus what was kept is the whole log, which holds at least the 300 step lines.
    assert int(cut.group(1)) + len(kept.encode("utf-8")) > sum(len(s) + 1 for s in STEPS)
    lines = kept.splitlines()
    assert all(not line or STEP_RE.fullmatch(line) or line.startswith(FRAME_PREFIXES) for line in lines), lines
    steps = [int(STEP_RE.fullmatch(line).group(1)) for line in lines if STEP_RE.fullmatch(line)]
    assert steps and steps == list(range(steps[0], 300)) and steps[0] > 0  # the end, without gaps
    assert "RuntimeError: reward diverged" in lines

    # The failure message carries the same tail, and AzureML's error.
    msg = run.result["msg"]
    assert "ended Failed: UserError: User process exited with status code 4." in msg
    assert msg.split(LOG_SECTION, 1)[1] == logs
    assert "step 0000 " not in msg


def test_logs_max_bytes_zero_keeps_no_logs(diverging):
    run = run_module("azureml_job", diverging_job(diverging, logs_max_bytes=0))
    assert run.failed, run
    assert run.result["job"]["status"] == "Failed"
    assert run.result["logs"] == ""
    assert "User process exited with status code 4." in run.result["msg"]
    assert LOG_SECTION not in run.result["msg"] and "step 0" not in run.result["msg"]


def test_logs_max_bytes_in_check_mode_and_a_negative_value(diverging):
    checked = run_module("azureml_job", diverging_job(diverging, logs_max_bytes=64), check=True)
    assert not checked.failed, checked
    assert checked.result["submitted"] is False and "logs" not in checked.result
    assert diverging.mutating_requests() == []

    before = len(diverging.requests())
    bad = run_module("azureml_job", diverging_job(diverging, logs_max_bytes=-1))
    assert bad.failed, bad
    assert bad.result["msg"] == "logs_max_bytes must be >= 0, got -1"
    assert len(diverging.requests()) == before  # rejected before any request

"""Workflow states, waiting with a timeout, failure reports and finding an earlier submission."""

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo import workflows

FAILED = {
    "name": "train-3", "status": "FAILED",
    "groups": [
        {"name": "prep-group", "status": "COMPLETED", "tasks": [{"name": "prep", "status": "COMPLETED", "exit_code": 0}]},
        {"name": "train-group", "status": "FAILED", "tasks": [
            {"name": "train", "status": "FAILED", "exit_code": 3, "retry_id": 0,
             "failure_message": "Task exited with exit code 3.", "lead": True}]},
        {"name": "export-group", "status": "FAILED_UPSTREAM", "tasks": [
            {"name": "export", "status": "FAILED_UPSTREAM", "failure_message": "An upstream task failed."}]},
    ],
}


class FakeClient:
    def __init__(self, states=(), listing=None, logs=None):
        self.states = list(states)
        self.reads = 0
        self.listing = listing or {"workflows": []}
        self.log_text = logs or {}
        self.log_calls = []

    def workflow(self, workflow_id):
        self.reads += 1
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def list_workflows(self, **kwargs):
        self.list_kwargs = kwargs
        return self.listing

    def logs(self, workflow_id, task=None, retry_id=None, last_n_lines=None, error=False):
        self.log_calls.append((task, error, last_n_lines))
        return self.log_text.get((task, error), "")


def test_states():
    assert workflows.is_alive("WAITING") and not workflows.is_failed("RUNNING")
    assert workflows.is_failed("FAILED_EXEC_TIMEOUT") and not workflows.is_failed("COMPLETED")


def test_the_failed_task_is_the_cause_not_its_downstream_followers():
    assert [t["name"] for unused_group, t in workflows.failed_tasks(FAILED)] == ["train"]


def test_failure_message_names_tasks_exit_codes_logs_and_upstream_victims():
    client = FakeClient(logs={("train", False): "", ("train", True): "Traceback\nValueError: bad reward\n"})
    excerpts = workflows.task_log_excerpts(client, FAILED, 20)
    assert client.log_calls == [("train", False, 20), ("train", True, 20)]  # error logs when the log is empty
    message = workflows.failure_message(FAILED, excerpts)
    assert "OSMO workflow 'train-3' ended FAILED." in message
    assert "task 'train' (group 'train-group') FAILED, exit code 3" in message
    assert "    ValueError: bad reward" in message
    assert "not run because an upstream task failed: export" in message


def test_wait_returns_when_finished():
    client = FakeClient(states=[{"status": "PENDING"}, {"status": "RUNNING"}, {"status": "COMPLETED", "name": "x"}])
    slept = []
    data = workflows.wait_for(client, "x", timeout=100, poll_interval=1, sleep=slept.append, clock=lambda: 0)
    assert data["status"] == "COMPLETED" and client.reads == 3 and slept == [1.0, 1.5]


def test_wait_times_out_with_the_last_status():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    client = FakeClient(states=[{"status": "RUNNING", "name": "x-1"}])
    with pytest.raises(workflows.WaitTimeout) as info:
        workflows.wait_for(client, "x-1", timeout=10, poll_interval=2, sleep=sleep, clock=lambda: now[0])
    assert "still RUNNING" in str(info.value) and "x-1" in str(info.value)
    assert info.value.workflow["status"] == "RUNNING"
    assert now[0] == 10


def test_find_submission_matches_the_exact_name_and_takes_the_newest():
    listing = {"workflows": [
        {"name": "train-k1-12", "status": "COMPLETED"},   # another name containing the text
        {"name": "train-k1-x-3", "status": "RUNNING"},
        {"name": "train-2", "status": "FAILED"},
        {"name": "train-10", "status": "RUNNING"},
    ]}
    client = FakeClient(listing=listing)
    assert workflows.find_submission(client, "train", "default")["name"] == "train-10"
    assert client.list_kwargs["pools"] == ["default"] and client.list_kwargs["name"] == "train"
    assert workflows.find_submission(FakeClient(listing={"workflows": []}), "train") is None


def test_summary_keeps_what_playbooks_need():
    summary = workflows.summarize(FAILED)
    assert summary["id"] == "train-3"
    assert summary["groups"][1]["tasks"][0]["exit_code"] == 3

"""osmo_workflow and osmo_workflow_info against the OSMO emulator (and a real OSMO with OSMO_URL/OSMO_TOKEN).

The modules run in-process (their main(), with the arguments Ansible would pass), so the emulator's request log
shows exactly which requests each run sent.
"""

from __future__ import annotations

import textwrap
import uuid

import pytest

from emulators.osmo import FAIL_MARKER
from support.modules import run_module

SUBMIT = r"/api/pool/[^/]+/workflow"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def task_args(target, **extra):
    args = dict(target.module_args(), image="ubuntu:24.04", resources={"cpu": 1, "memory": "1Gi", "storage": "1Gi"},
                poll_interval=0.2 if target.is_emulator else 5, wait_timeout=120 if target.is_emulator else 1800)
    args.update(extra)
    return args


def submissions(target):
    """Submitting POSTs sent (validation_only / dry_run excluded); None against a real OSMO (no request log)."""
    if not target.is_emulator:
        return None
    return [r for r in target.emulator.requests_to("POST", SUBMIT)
            if "validation_only" not in r["query"] and "dry_run" not in r["query"]]


def test_submit_wait_and_succeed(osmo_target):
    result = run_module("osmo_workflow", task_args(
        osmo_target, name=unique("hello"), command=["bash", "-c"],
        args=["echo hello from {{workflow_id}} $GREETING"], environment={"GREETING": "bonjour"}, wait=True,
    ))
    assert not result["failed"], result
    assert result["changed"] is True and result["submitted"] is True
    assert result["status"] == "COMPLETED"
    assert result["workflow_id"].startswith(result["name"] + "-")
    task = result["workflow"]["groups"][0]["tasks"][0]
    assert task["status"] == "COMPLETED" and task["exit_code"] == 0
    if osmo_target.is_emulator:
        assert len(submissions(osmo_target)) == 1
        logs = osmo_target.emulator.store.task_logs  # the workflow really ran the command
        info = run_module("osmo_workflow_info", dict(osmo_target.module_args(), workflow_id=result["workflow_id"],
                                                     logs="all"))
        assert f"hello from {result['workflow_id']} bonjour" in info["logs"][task["name"]]
        assert logs


def test_a_failing_task_surfaces_its_logs_in_the_error(osmo_target):
    name = unique("broken")
    result = run_module("osmo_workflow", task_args(
        osmo_target, name=name, command=["bash", "-c"],
        args=["echo loading checkpoint; echo 'ValueError: checkpoint has no policy weights'; exit 3"], wait=True,
    ))
    assert result["failed"] is True
    msg = result["msg"]
    assert f"OSMO workflow '{result['workflow_id']}' ended FAILED." in msg
    assert f"task '{name}' (group '{name}-group') FAILED, exit code 3" in msg
    assert "ValueError: checkpoint has no policy weights" in msg
    assert result["failed_task_logs"][name].count("\n") >= 1
    assert result["workflow"]["status"] == "FAILED"


def test_fail_on_failure_false_reports_without_failing(osmo_target):
    result = run_module("osmo_workflow", task_args(
        osmo_target, name=unique("tolerated"), command=["bash", "-c", f"echo {FAIL_MARKER}"], wait=True,
        fail_on_failure=False))
    assert not result["failed"] and result["status"] == "FAILED"
    assert FAIL_MARKER in next(iter(result["failed_task_logs"].values()))


def test_check_mode_sends_only_a_validation_request(osmo_target):
    name = unique("checked")
    result = run_module("osmo_workflow", task_args(osmo_target, name=name, command=["echo", "hi"], wait=True),
                        check_mode=True, diff=True)
    assert not result["failed"], result
    assert result["changed"] is True and result["submitted"] is False
    assert result["validation"]["logs"] == "Workflow validation succeeded."
    assert f"name: {name}" in result["diff"]["after"] and result["diff"]["before"] == ""
    if osmo_target.is_emulator:
        log = osmo_target.emulator.requests
        assert [(r["method"], r["path"], r["query"]) for r in log] == [
            ("POST", "/api/pool/default/workflow", {"validation_only": ["true"]})]
        assert osmo_target.emulator.store.workflows.get(f"{name}-1") is None


def test_check_mode_reports_server_side_rejections(osmo_target):
    """A spec the client accepts but the pool cannot run (unknown pool) fails in check mode too."""
    result = run_module("osmo_workflow", task_args(osmo_target, name=unique("nopool"), command=["echo"],
                                                   pool="no-such-pool-" + uuid.uuid4().hex[:4]),
                        check_mode=True)
    assert result["failed"] is True
    assert "Failed to validate the workflow on pool 'no-such-pool-" in result["msg"]


INVALID_TEMPLATES = {
    "env-key": ("environment:", "env:", "workflow.tasks[0].env"),
    "fractional-gpu": ("gpu: 1", "gpu: 0.5", "workflow.resources.default.gpu"),
    "tasks-and-groups": ("  tasks:", "  groups: [{name: g, tasks: [{name: x, image: i, command: [c]}]}]\n  tasks:",
                         "workflow"),
    "unknown-top-level-key": ("default-values:", "metadata: {}\ndefault-values:", "metadata"),
    "unknown-task-field": ("    image: ", "    nodeSelector: {gpu: a100}\n    image: ", "workflow.tasks[0].nodeSelector"),
    "missing-resource-profile": ("    image: ", "    resource: large\n    image: ", "workflow.tasks[0].resource"),
    "bad-task-name": ("- name: train", "- name: 9train", "workflow.tasks[0].name"),
    "spaced-output-token": ("{{output}}", "{{ output }}", "template line"),
    "undefined-variable": ("{{ num_envs }}", "{{ num_env }}", "template line"),
    "input-from-missing-task": ("    image: ", "    inputs: [{task: prepare}]\n    image: ",
                                "workflow.tasks[0].inputs[0].task"),
    "bad-timeout": ("exec_timeout: 23h", "exec_timeout: 1d12h", "workflow.timeout.exec_timeout"),
    "http-output-url": ("azure://acct/runs/{{workflow_id}}", "https://acct.blob.core.windows.net/runs",
                        "workflow.tasks[0].outputs[0].url"),
    "file-under-osmo": ("path: /tmp/run.sh", "path: /osmo/run.sh", "workflow.tasks[0].files[0].path"),
    "duplicate-task-names": ("  - name: train\n", "  - name: Train\n    image: i\n    command: [c]\n  - name: train\n",
                             "workflow.tasks[1].name"),
}

TEMPLATE = textwrap.dedent("""\
    workflow:
      name: {{ run_name }}
      timeout:
        exec_timeout: 23h
      resources:
        default: {cpu: 2, gpu: 1, memory: 8Gi, storage: 10Gi}
      tasks:
      - name: train
        image: nvcr.io/nvidia/isaac-lab:2.3.2
        command: [bash, /tmp/run.sh]
        environment:
          NUM_ENVS: "{{ num_envs }}"
        files:
        - path: /tmp/run.sh
          contents: "echo training with $NUM_ENVS envs into {{output}}"
        outputs:
        - url: azure://acct/runs/{{workflow_id}}
    default-values:
      run_name: isaac-train
      num_envs: 4096
    """)


def test_the_template_is_valid_as_written(osmo_api, osmo_target):
    result = run_module("osmo_workflow", dict(osmo_target.module_args(), template=TEMPLATE), check_mode=True)
    assert not result["failed"], result


@pytest.mark.parametrize("case", sorted(INVALID_TEMPLATES))
def test_invalid_specs_are_rejected_client_side_naming_the_field_and_sending_nothing(osmo_api, case):
    from support import tls

    old, new, path = INVALID_TEMPLATES[case]
    assert old in TEMPLATE
    template = TEMPLATE.replace(old, new, 1)
    args = dict(url=osmo_api.url, token="emulator-token", ca_bundle=tls.ca_bundle_path(), pool="default",
                template=template)
    result = run_module("osmo_workflow", args)
    assert result["failed"] is True
    assert "nothing was sent to OSMO" in result["msg"]
    assert any(e["path"].startswith(path) for e in result["spec_errors"]), result["spec_errors"]
    assert f"- {path}" in result["msg"]
    assert osmo_api.requests == [], "an invalid spec must not reach the API"


def test_at_least_twelve_invalid_specs_are_covered():
    assert len(INVALID_TEMPLATES) >= 12


def test_an_invalid_spec_built_from_parameters_is_rejected_before_any_request(osmo_api):
    from support import tls

    result = run_module("osmo_workflow", dict(
        url=osmo_api.url, token="emulator-token", ca_bundle=tls.ca_bundle_path(), pool="default", name="x",
        image="ubuntu", command=["echo"], resources={"cpu": 1.5}, inputs=[{"task": "nope"}]))
    assert result["failed"]
    assert "workflow.resources.default.cpu" in result["msg"] and "workflow.tasks[0].inputs[0].task" in result["msg"]
    assert osmo_api.requests == []


def test_bad_options_fail_naming_the_option_before_any_request(osmo_api):
    from support import tls

    base = dict(url=osmo_api.url, token="emulator-token", ca_bundle=tls.ca_bundle_path(), pool="default")
    cases = [
        (dict(name="x", image="i"), "needs command"),
        (dict(template="workflow: {}", image="i"), "remove image"),
        (dict(name="x", image="i", command=["c"], wait_timeout=0), "wait_timeout must be a positive"),
        (dict(name="x", image="i", command=["c"], code_dir="/nonexistent"), "code_dir needs code_url"),
        (dict(name="x", image="i", command=["c"], url="ftp://osmo"), "url='ftp://osmo' must be the OSMO service URL"),
        (dict(state="canceled"), "state=canceled needs workflow_id"),
    ]
    for extra, words in cases:
        result = run_module("osmo_workflow", dict(base, **extra))
        assert result["failed"] and words in result["msg"], (extra, result["msg"])
    assert osmo_api.requests == []


def test_idempotency_key_reuses_the_earlier_submission(osmo_target):
    args = task_args(osmo_target, name=unique("keyed"), command=["echo", "once"], idempotency_key="exp-1/seed-42",
                     wait=True)
    first = run_module("osmo_workflow", args)
    assert first["changed"] is True and first["status"] == "COMPLETED"
    assert first["name"].endswith("-k" + first["name"].rsplit("-k", 1)[1])
    second = run_module("osmo_workflow", args)
    assert second["changed"] is False and second["submitted"] is False
    assert second["workflow_id"] == first["workflow_id"] and second["status"] == "COMPLETED"
    check = run_module("osmo_workflow", args, check_mode=True)
    assert check["changed"] is False
    if osmo_target.is_emulator:
        assert len(submissions(osmo_target)) == 1
        assert osmo_target.emulator.requests_to("POST", SUBMIT)[-1]["query"] == {}  # no validation call either
    other = run_module("osmo_workflow", dict(args, idempotency_key="exp-1/seed-43"))
    assert other["changed"] is True and other["workflow_id"] != first["workflow_id"]


def test_idempotent_derives_the_key_from_the_spec_and_resubmits_failures(osmo_target):
    name = unique("derived")
    args = task_args(osmo_target, name=name, command=["bash", "-c", "echo one"], idempotent=True, wait=True)
    first = run_module("osmo_workflow", args)
    again = run_module("osmo_workflow", args)
    assert (first["changed"], again["changed"]) == (True, False)
    changed = run_module("osmo_workflow", dict(args, command=["bash", "-c", "echo two"]))
    assert changed["changed"] is True and changed["name"] != first["name"]

    failing = dict(args, command=["bash", "-c", "exit 4"])
    broken = run_module("osmo_workflow", failing)
    assert broken["failed"] and broken["workflow"]["status"] == "FAILED"
    retried = run_module("osmo_workflow", failing)
    assert retried["failed"] and retried["previous_workflow_id"] == broken["workflow_id"]
    assert retried["workflow_id"] != broken["workflow_id"]
    kept = run_module("osmo_workflow", dict(failing, resubmit_failed=False))
    assert kept["failed"] and kept["workflow_id"] == retried["workflow_id"] and kept["changed"] is False


def test_wait_timeout_fails_with_the_last_status_and_cancel_stops_the_workflow(osmo_target):
    name = unique("slow")
    args = task_args(osmo_target, name=name, command=["bash", "-c", "sleep 600"], wait=True, wait_timeout=2,
                     idempotency_key="slow-run")
    result = run_module("osmo_workflow", args)
    assert result["failed"] and "Timed out after 2s" in result["msg"]
    assert result["workflow"]["status"] in ("PENDING", "RUNNING")
    workflow_id = result["workflow"]["id"]

    canceled = run_module("osmo_workflow", dict(osmo_target.module_args(), state="canceled", name=name,
                                                idempotency_key="slow-run", wait=True, poll_interval=0.2))
    assert canceled["changed"] is True and canceled["workflow_id"] == workflow_id
    assert canceled["status"] == "FAILED_CANCELED"
    again = run_module("osmo_workflow", dict(osmo_target.module_args(), state="canceled", workflow_id=workflow_id))
    assert again["changed"] is False and again["status"] == "FAILED_CANCELED"


def test_template_with_variables_is_rendered_validated_and_submitted(osmo_target):
    result = run_module("osmo_workflow", dict(
        osmo_target.module_args(), template=TEMPLATE.replace("gpu: 1", "gpu: 0"),
        set_string_variables={"run_name": unique("templated")}, set_variables={"num_envs": 64}, wait=True,
        poll_interval=0.2 if osmo_target.is_emulator else 5))
    assert not result["failed"], result
    task = result["spec"]["workflow"]["tasks"][0]
    assert task["environment"]["NUM_ENVS"] == "64"
    assert task["outputs"][0]["url"] == "azure://acct/runs/{{workflow_id}}"
    if osmo_target.is_emulator:
        sent = submissions(osmo_target)[-1]["body"]
        assert "{{ num_envs }}" not in sent["file"] and "NUM_ENVS: '64'" in sent["file"]
        assert "{{ num_envs }}" in sent["uploaded_templated_spec"]  # the template travels along, as with the CLI
        info = run_module("osmo_workflow_info", dict(osmo_target.module_args(), workflow_id=result["workflow_id"],
                                                     logs="all"))
        assert "training with 64 envs into /osmo/data/output" in info["logs"]["train"]


def test_info_lists_and_reads_failed_logs(osmo_target):
    name = unique("listed")
    failed = run_module("osmo_workflow", task_args(osmo_target, name=name, command=["bash", "-c", "echo bad; exit 2"],
                                                   wait=True, fail_on_failure=False))
    listing = run_module("osmo_workflow_info", dict(osmo_target.module_args(), name=name))
    assert [w["name"] for w in listing["workflows"]] == [failed["workflow_id"]]
    assert listing["changed"] is False
    info = run_module("osmo_workflow_info", dict(osmo_target.module_args(), workflow_id=failed["workflow_id"],
                                                 logs="failed", log_lines=5))
    assert info["workflow"]["status"] == "FAILED"
    assert "bad" in info["logs"][name]
    wrong = run_module("osmo_workflow_info", dict(osmo_target.module_args(), workflow_id=failed["workflow_id"],
                                                  logs="all", task="nope"))
    assert wrong["failed"] and "task=nope is not a task" in wrong["msg"]


def test_a_wrong_token_fails_with_the_endpoint_and_without_the_token(osmo_target):
    result = run_module("osmo_workflow", task_args(osmo_target, name="x", command=["echo"], token="wrong-token-123"))
    assert result["failed"] and "HTTP 401" in result["msg"] and "/api/pool/" in result["msg"]
    assert "wrong-token-123" not in str(result)


def test_token_exchange(osmo_api):
    from emulators.osmo.fixtures import ACCESS_TOKEN
    from support import tls

    result = run_module("osmo_workflow_info", dict(url=osmo_api.url, token=ACCESS_TOKEN, token_exchange=True,
                                                   ca_bundle=tls.ca_bundle_path(), pool="default"))
    assert not result["failed"], result
    assert [r["path"] for r in osmo_api.requests] == ["/api/auth/jwt/access_token", "/api/workflow"]

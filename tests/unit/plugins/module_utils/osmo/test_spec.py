"""Client-side validation of OSMO workflow specs: every rule, each error naming the offending field."""

import copy
import textwrap

import pytest
import yaml

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.render import render_template
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.spec import (
    normalized_name,
    validate_document,
    workflow_task_names,
)

HELLO = {
    "workflow": {
        "name": "hello-osmo",
        "resources": {"default": {"cpu": 1, "memory": "1Gi", "storage": "1Gi"}},
        "tasks": [{"name": "hello", "image": "ubuntu:24.04", "command": ["echo"], "args": ["Hello from OSMO!"]}],
    }
}

SERIAL = {
    "workflow": {
        "name": "serial",
        "resources": {"default": {"cpu": 1, "memory": "1Gi"}},
        "tasks": [
            {"name": "task1", "image": "ubuntu:24.04", "command": ["bash", "-c", "echo one > {{output}}/a.txt"]},
            {"name": "task2", "image": "ubuntu:24.04", "command": ["bash", "-c", "cat {{input:0}}/a.txt"],
             "inputs": [{"task": "task1"}]},
            {"name": "task3", "image": "ubuntu:24.04",
             "command": ["bash", "-c", "cat {{input:0}}/a.txt {{input:task2}}/b.txt"],
             "inputs": [{"task": "task1"}, {"task": "task2"}],
             "files": [{"path": "/tmp/run.sh", "contents": "echo hi"}]},
        ],
    }
}

MULTINODE = {
    "version": 2,
    "workflow": {
        "name": "torchrun-multinode",
        "timeout": {"exec_timeout": "23h", "queue_timeout": "PT30M"},
        "resources": {"default": {"gpu": 8, "cpu": 16, "memory": "30Gi", "storage": "30Gi", "platform": "a100"}},
        "groups": [
            {"name": "training", "ignoreNonleadStatus": False, "tasks": [
                {"name": "master", "lead": True, "image": "nvcr.io/nvidia/pytorch:24.01-py3",
                 "command": ["torchrun", "--master_addr", "{{host:master}}"],
                 "outputs": [{"url": "azure://acct/runs/{{workflow_id}}"}],
                 "checkpoint": [{"path": "/ckpt", "url": "s3://bucket/ckpt", "frequency": "30m"}],
                 "exitActions": {"RESCHEDULE": "134,137"}},
                {"name": "worker", "image": "nvcr.io/nvidia/pytorch:24.01-py3",
                 "command": ["torchrun", "--master_addr", "{{host:master}}"], "environment": {"NCCL_DEBUG": "INFO"}},
            ]},
            {"name": "evaluate", "tasks": [
                {"name": "eval", "image": "python:3.11", "command": ["python", "eval.py"],
                 "inputs": [{"task": "master"}, {"task": "previous-workflow-3:train"}]},
            ]},
        ],
    },
}


def errors_of(document):
    return {e.path: e.message for e in validate_document(document)}


@pytest.mark.parametrize("document", [HELLO, SERIAL, MULTINODE], ids=["hello", "serial", "multinode"])
def test_official_example_shapes_are_valid(document):
    assert validate_document(document) == []


def mutated(base, edit):
    doc = copy.deepcopy(base)
    edit(doc)
    return doc


def _set(path, value):
    def edit(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def _del(path):
    def edit(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return edit


def _both(*edits):
    def edit(doc):
        for e in edits:
            e(doc)
    return edit


G = ("workflow", "groups")
T = ("workflow", "tasks")

# (id, base document, edit, offending path, words the message must contain)
INVALID = [
    ("unknown-top-level-key", HELLO, _set(("resources",), {}), "resources", "unknown top-level key"),
    ("unsupported-version", HELLO, _set(("version",), 3), "version", "unsupported spec version"),
    ("tasks-and-groups", MULTINODE, _set(T, copy.deepcopy(HELLO["workflow"]["tasks"])), "workflow",
     "either 'tasks' or 'groups'"),
    ("neither-tasks-nor-groups", HELLO, _del(T), "workflow", "at least one"),
    ("two-leads", MULTINODE, _set(G + (0, "tasks", 1, "lead"), True), "workflow.groups[0].tasks", "2 lead task(s)"),
    ("no-lead", MULTINODE, _set(G + (0, "tasks", 0, "lead"), False), "workflow.groups[0].tasks", "0 lead task(s)"),
    ("duplicate-names", MULTINODE, _set(G + (1, "tasks", 0, "name"), "Training"), "workflow.groups[1].tasks[0].name",
     "clashes"),
    ("dash-underscore-names", SERIAL, _both(_set(T + (0, "name"), "task-1"), _set(T + (2, "name"), "TASK_1")),
     "workflow.tasks[2].name", "'-' equals '_'"),
    ("fractional-cpu", HELLO, _set(("workflow", "resources", "default", "cpu"), 0.5),
     "workflow.resources.default.cpu", "whole number"),
    ("string-gpu", MULTINODE, _set(("workflow", "resources", "default", "gpu"), "eight"),
     "workflow.resources.default.gpu", "whole number"),
    ("env-instead-of-environment", HELLO, _set(T + (0, "env"), {"A": "1"}), "workflow.tasks[0].env",
     "use 'environment'"),
    ("unknown-task-field", MULTINODE, _set(G + (1, "tasks", 0, "retries"), 3), "workflow.groups[1].tasks[0].retries",
     "no retry field"),
    ("unknown-group-field", MULTINODE, _set(G + (0, "priority"), "HIGH"), "workflow.groups[0].priority",
     "unknown field"),
    ("unknown-resource-field", HELLO, _set(("workflow", "resources", "default", "gpus"), 1),
     "workflow.resources.default.gpus", "unknown field"),
    ("unknown-input-field", SERIAL, _set(T + (1, "inputs", 0, "path"), "/x"), "workflow.tasks[1].inputs[0].path",
     "unknown field"),
    ("undefined-resource-profile", MULTINODE, _set(G + (1, "tasks", 0, "resource"), "big"),
     "workflow.groups[1].tasks[0].resource", "does not define"),
    ("task-resources-block", HELLO, _set(T + (0, "resources"), {"cpu": 1}), "workflow.tasks[0].resources",
     "resource: <name>"),
    ("bad-name", HELLO, _set(("workflow", "name"), "1st-run"), "workflow.name", "must start with a letter"),
    ("name-trailing-dash", SERIAL, _set(T + (0, "name"), "task-"), "workflow.tasks[0].name", "end with a letter"),
    ("missing-image", HELLO, _del(T + (0, "image")), "workflow.tasks[0].image", "required"),
    ("empty-command", HELLO, _set(T + (0, "command"), []), "workflow.tasks[0].command", "at least one"),
    ("input-missing-task", SERIAL, _set(T + (1, "inputs", 0, "task"), "nope"), "workflow.tasks[1].inputs[0].task",
     "does not exist"),
    ("input-self", SERIAL, _set(T + (1, "inputs", 0, "task"), "task2"), "workflow.tasks[1].inputs[0].task",
     "its own output"),
    ("input-later-task", SERIAL, _set(T + (0, "inputs"), [{"task": "task3"}]), "workflow.tasks[0].inputs[0].task",
     "listed after"),
    ("input-same-group", MULTINODE, _set(G + (0, "tasks", 1, "inputs"), [{"task": "master"}]),
     "workflow.groups[0].tasks[1].inputs[0].task", "its own group"),
    ("circular-groups", MULTINODE, _set(G + (0, "tasks", 0, "inputs"), [{"task": "eval"}]),
     "workflow.groups[0].tasks[0].inputs[0].task", "circular"),
    ("input-index-out-of-range", SERIAL, _set(T + (1, "command"), ["cat", "{{input:1}}"]),
     "workflow.tasks[1].command[1]", "has 1 input(s)"),
    ("host-of-other-group", MULTINODE, _set(G + (1, "tasks", 0, "command"), ["ping", "{{host:master}}"]),
     "workflow.groups[1].tasks[0].command[1]", "same group"),
    ("bad-timeout", MULTINODE, _set(("workflow", "timeout", "exec_timeout"), "1h30m"), "workflow.timeout.exec_timeout",
     "one unit"),
    ("unknown-timeout", MULTINODE, _set(("workflow", "timeout", "start_timeout"), "1h"),
     "workflow.timeout.start_timeout", "unknown field"),
    ("http-output-url", MULTINODE, _set(G + (0, "tasks", 0, "outputs", 0, "url"), "https://acct.blob.core/x"),
     "workflow.groups[0].tasks[0].outputs[0].url", "not a storage URL"),
    ("azure-url-without-container", MULTINODE, _set(G + (0, "tasks", 0, "outputs", 0, "url"), "azure://acct"),
     "workflow.groups[0].tasks[0].outputs[0].url", "malformed"),
    ("file-under-osmo", SERIAL, _set(T + (2, "files", 0, "path"), "/osmo/run.sh"), "workflow.tasks[2].files[0].path",
     "reserves"),
    ("file-localpath", SERIAL, _set(T + (2, "files"), [{"path": "/tmp/a", "localpath": "a.sh"}]),
     "workflow.tasks[2].files[0].localpath", "inline"),
    ("bad-memory", HELLO, _set(("workflow", "resources", "default", "memory"), "16 GB"),
     "workflow.resources.default.memory", "not a quantity"),
    ("bad-exit-action", MULTINODE, _set(G + (0, "tasks", 0, "exitActions"), {"RESTART": "1"}),
     "workflow.groups[0].tasks[0].exitActions.RESTART", "unknown exit action"),
    ("bad-checkpoint-frequency", MULTINODE, _set(G + (0, "tasks", 0, "checkpoint", 0, "frequency"), "often"),
     "workflow.groups[0].tasks[0].checkpoint[0].frequency", "not a duration"),
    ("boolean-lead-string", MULTINODE, _set(G + (0, "tasks", 0, "lead"), "yes"), "workflow.groups[0].tasks[0].lead",
     "true or false"),
    ("reserved-task-name", HELLO, _set(T + (0, "name"), "osmo_ctrl"), "workflow.tasks[0].name", "reserved"),
    ("no-default-profile", HELLO, _set(("workflow", "resources"), {"big": {"cpu": 2}}), "workflow.tasks[0].resource",
     "no 'default' profile"),
]


@pytest.mark.parametrize("case_id,base,edit,path,words", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_spec_is_rejected_naming_the_field(case_id, base, edit, path, words):
    errors = errors_of(mutated(base, edit))
    assert path in errors, f"expected an error at {path}, got {errors}"
    assert words in errors[path]


def test_at_least_twelve_distinct_rules_are_covered():
    assert len({c[3] for c in INVALID}) >= 12


def test_every_problem_is_reported_at_once():
    doc = mutated(MULTINODE, _both(
        _set(G + (0, "tasks", 1, "env"), {"A": "1"}),
        _set(("workflow", "resources", "default", "cpu"), 1.5),
        _set(G + (1, "tasks", 0, "resource"), "missing"),
    ))
    paths = set(errors_of(doc))
    assert {"workflow.groups[0].tasks[1].env", "workflow.resources.default.cpu",
            "workflow.groups[1].tasks[0].resource"} <= paths


def test_numbers_are_accepted_where_osmo_coerces_them():
    doc = mutated(HELLO, _both(_set(T + (0, "args"), [42, "x"]), _set(T + (0, "environment"), {"DEBUG": True, "N": 3}),
                               _set(("workflow", "resources", "default", "cpu"), "4")))
    assert validate_document(doc) == []


def test_names_compare_case_insensitively_with_dash_and_underscore_equal():
    assert normalized_name("Group_1") == normalized_name("group-1")
    assert workflow_task_names(MULTINODE["workflow"]) == ["master", "worker", "eval"]


def test_a_rendered_template_with_a_loop_validates():
    template = textwrap.dedent("""\
        workflow:
          name: {{ name }}
          resources:
            default: {gpu: {{ gpus }}, cpu: 4}
          groups:
          - name: train
            tasks:
            {% for i in range(n_nodes) %}
            - name: node{{ i }}
              image: pytorch
              command: [torchrun, --master_addr, "{{host:node0}}", --out, "{{output}}"]
              {% if i == 0 %}lead: true{% endif %}
            {% endfor %}
        default-values:
          name: looped
          n_nodes: 3
          gpus: 8
        """)
    document, variables = render_template(template)
    assert validate_document(document) == []
    tasks = document["workflow"]["groups"][0]["tasks"]
    assert [t["name"] for t in tasks] == ["node0", "node1", "node2"]
    assert tasks[1]["command"][2] == "{{host:node0}}"  # run-time tokens survive rendering
    assert variables["gpus"] == 8


def test_yaml_round_trip_keeps_the_validity():
    assert validate_document(yaml.safe_load(yaml.safe_dump(MULTINODE))) == []

"""The OSMO replay workflow of the model_mirror role, rendered as Ansible renders it and checked against OSMO's spec.

The template must declare the training workflow's output as a ``url:`` input,
keep OSMO's runtime token ``{{input:0}}`` literal, quote every value it puts
into the shell command, and use only keys OSMO's WorkflowSpec accepts (it
rejects unknown keys).
"""

import json
import shlex

import jinja2
import pytest
import yaml

from support.paths import PROJECT_ROOT

ROLE = PROJECT_ROOT / "roles" / "model_mirror"
# Keys OSMO accepts (pydantic models with extra='forbid'; see the OSMO workflow specification).
TOP_LEVEL = {"workflow", "version", "default-values"}
WORKFLOW = {"name", "pool", "labels", "timeout", "resources", "tasks", "groups"}
TASK = {"name", "image", "command", "args", "environment", "lead", "resource", "inputs", "outputs", "files",
        "credentials", "exitActions", "checkpoint", "volumeMounts", "privileged", "hostNetwork", "kpis",
        "downloadType", "cacheSize", "backend"}
RESOURCE = {"cpu", "gpu", "memory", "storage", "platform", "nodesExcluded", "topology"}


def render(**overrides):
    variables = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    variables.update(
        model_mirror_osmo_workflow_id="train-anymal-12",
        model_mirror_osmo_output_uri="azure://robotics0data/training/outputs/train-anymal-12",
        model_mirror_model_name="anymal-rough-policy",
        model_mirror_subscription_id="0000-1111",
        model_mirror_resource_group="rg-robotics",
        model_mirror_workspace_name="mlw-robotics",
    )
    variables.update(overrides)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update({"to_json": json.dumps, "ansible.builtin.quote": shlex.quote})
    return env.from_string((ROLE / "templates" / "osmo-replay-workflow.yaml.j2").read_text()).render(variables)


def test_the_output_is_a_url_input_and_the_mirror_reads_it():
    spec = yaml.safe_load(render())
    (task,) = spec["workflow"]["tasks"]
    assert task["inputs"] == [{"url": "azure://robotics0data/training/outputs/train-anymal-12"}]
    script = task["args"][0]
    command = shlex.split(script.splitlines()[-1])
    assert command[:4] == ["exec", "robotics-training", "mirror", "{{input:0}}"]
    options = dict(zip(command[4::2], command[5::2]))
    assert options["--source-uri"] == "azure://robotics0data/training/outputs/train-anymal-12"
    assert options["--source-run-id"] == options["--osmo-workflow-id"] == "train-anymal-12"
    assert options["--source-kind"] == "osmo-replay" and options["--target"] == "azureml"
    assert options["--model-name"] == "anymal-rough-policy"
    assert task["environment"] == {"AZURE_SUBSCRIPTION_ID": "0000-1111", "AZURE_RESOURCE_GROUP": "rg-robotics",
                                   "AZUREML_WORKSPACE_NAME": "mlw-robotics", "PYTHONUNBUFFERED": "1"}
    assert script.splitlines()[0] == "set -eu"
    assert "pip install" in script


def test_only_keys_osmo_accepts():
    spec = yaml.safe_load(render(model_mirror_task="Isaac-Velocity-Rough-Anymal-C-v0"))
    assert set(spec) <= TOP_LEVEL
    assert set(spec["workflow"]) <= WORKFLOW
    for task in spec["workflow"]["tasks"]:
        assert set(task) <= TASK
    for resource in spec["workflow"]["resources"].values():
        assert set(resource) <= RESOURCE
        assert isinstance(resource["cpu"], int) and isinstance(resource["gpu"], int)
    assert spec["workflow"]["name"] == "mirror-train-anymal-12"


def test_values_cannot_break_out_of_the_command():
    hostile = "x'; rm -rf / #"
    script = yaml.safe_load(render(model_mirror_task=hostile))["workflow"]["tasks"][0]["args"][0]
    command = shlex.split(script.splitlines()[-1])
    assert command[command.index("--task") + 1] == hostile


def test_an_image_with_the_package_needs_no_install_step():
    script = yaml.safe_load(render(model_mirror_replay_install=""))["workflow"]["tasks"][0]["args"][0]
    assert script.splitlines()[0] == "set -eu" and script.splitlines()[1].startswith("exec robotics-training")


@pytest.mark.parametrize("missing", ["model_mirror_osmo_output_uri", "model_mirror_model_name"])
def test_every_variable_is_needed(missing):
    variables = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    del variables[missing]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters.update({"to_json": json.dumps, "ansible.builtin.quote": shlex.quote})
    with pytest.raises(jinja2.UndefinedError):
        env.from_string((ROLE / "templates" / "osmo-replay-workflow.yaml.j2").read_text()).render(
            variables, model_mirror_osmo_workflow_id="w")

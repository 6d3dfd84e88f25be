"""Surveys generated from the argument specs: no drift, AWX's survey schema, the mapping's rules."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from ansible_collections.azure_robotics.stack.plugins.module_utils import awx_surveys as surveys
from emulators.awx import survey_error
from support.paths import PROJECT_ROOT


def read_yaml(rel):
    return yaml.safe_load((PROJECT_ROOT / rel).read_text())


def read_text(rel):
    return (PROJECT_ROOT / rel).read_text()


def generated():
    return surveys.generate(read_yaml, read_text)


def test_committed_surveys_match_the_argument_specs():
    wanted = {key: json.dumps(s, indent=2, sort_keys=True) + "\n" for key, s in generated().items()}
    directory = PROJECT_ROOT / surveys.SURVEY_DIR
    committed = {p.stem: p.read_text() for p in directory.glob("*.json")}
    assert committed == wanted, "surveys drifted from the argument specs: run scripts/awx-surveys.py"


@pytest.mark.parametrize("key", sorted(generated()))
def test_every_survey_passes_awx_validation(key):
    survey = generated()[key]
    assert surveys.survey_problems(survey) == []
    assert survey_error(copy.deepcopy(survey)) is None


def test_questions_follow_the_role_spec():
    train = {q["variable"]: q for q in generated()["train"]["spec"]}
    spec = read_yaml("roles/training_job/meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    backend = train["training_backend"]
    assert backend["type"] == "multiplechoice" and backend["choices"] == spec["training_job_backend"]["choices"]
    assert backend["default"] == spec["training_job_backend"]["default"]
    iterations = train["training_job_max_iterations"]
    assert iterations["type"] == "integer" and iterations["default"] == spec["training_job_max_iterations"]["default"]
    assert (iterations["min"], iterations["max"]) == (1, 1000000)
    assert train["training_job_wait"]["choices"] == ["true", "false"] and train["training_job_wait"]["default"] == "true"
    assert "O(" not in train["training_job_time_budget"]["question_description"]
    mirror = {q["variable"]: q for q in generated()["mirror"]["spec"]}
    assert mirror["model_mirror_model_name"]["required"] is True and mirror["model_mirror_model_name"]["min"] == 1
    destroy = {q["variable"]: q for q in generated()["destroy"]["spec"]}
    assert destroy["platform_destroy_confirm"]["required"] is True


def test_play_variable_defaults_come_from_the_playbook():
    validate = {q["variable"]: q for q in generated()["validate"]["spec"]}
    play = read_yaml("playbooks/validate.yml")[0]["vars"]
    assert validate["validate_episodes"]["default"] == play["validate_episodes"]
    assert validate["validate_threshold_metric"]["default"] == play["validate_threshold_metric"]
    assert validate["validate_policy"]["required"] is True
    cluster = {q["variable"]: q for q in generated()["cluster"]["spec"]}
    assert cluster["cluster_components"]["type"] == "multiselect"


def test_workflow_survey_reuses_the_node_questions():
    survey = generated()
    variables = [q["variable"] for q in survey["train_mirror_validate"]["spec"]]
    assert variables[:len(survey["train"]["spec"])] == [q["variable"] for q in survey["train"]["spec"]]
    assert variables[-2:] == ["validate_success_threshold", "validate_threshold_metric"]


def test_a_changed_spec_is_drift(monkeypatch):
    def patched(rel):
        data = read_yaml(rel)
        if rel == "roles/training_job/meta/argument_specs.yml":
            data["argument_specs"]["main"]["options"]["training_job_max_iterations"]["default"] = 500
        return data

    changed = surveys.generate(patched, read_text)
    assert changed["train"] != generated()["train"]


@pytest.mark.parametrize("item, message", [
    ({"role": "training_job", "option": "nope"}, "has no option 'nope'"),
    ({"role": "training_job", "option": "training_job_resources"}, "type dict cannot be survey questions"),
    ({"role": "training_job", "option": "training_job_python"}, "is a template"),
    ({"role": "training_job", "option": "training_job_osmo_token"}, None),
    ({"role": "training_job", "option": "training_job_task", "default": "x"}, "comes from the role's argument spec"),
    ({"playbook": "playbooks/validate.yml", "variable": "validate_nope", "type": "str", "description": "d"},
     "does not use the variable"),
    ({"playbook": "playbooks/resim.yml", "variable": "njobs", "type": "int", "description": "d"}, "required: true"),
    ({"role": "training_job", "option": "training_job_framework", "min": 1}, "min/max apply"),
])
def test_mapping_errors_name_the_template_and_variable(item, message):
    def mapping(rel):
        if rel == surveys.MAPPING_FILE:
            return {"awx_job_templates": {"t": {"name": "T", "playbook": "p.yml", "survey": [item]}}}
        return read_yaml(rel)

    if message is None:
        survey = surveys.generate(mapping, read_text)["t"]
        assert survey["spec"][0]["type"] == "password" and survey["spec"][0]["default"] == ""
        return
    with pytest.raises(surveys.SurveyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        surveys.generate(mapping, read_text)


@pytest.mark.parametrize("mutate, problem", [
    (lambda q: q.update(type="boolean"), "is not one of"),
    (lambda q: q.update(default="x"), "not a integer"),
    (lambda q: q.update(min="1"), "'min' must be an integer"),
    (lambda q: q.update(default=0), "below the minimum"),
    (lambda q: q.update(min=5, max=2), "above max"),
    (lambda q: q.pop("required"), "'required' is missing"),
])
def test_schema_check_rejects_what_awx_rejects(mutate, problem):
    survey = copy.deepcopy(generated()["train"])
    target = next(q for q in survey["spec"] if q["variable"] == "training_job_max_iterations")
    mutate(target)
    assert any(problem in p for p in surveys.survey_problems(survey)), surveys.survey_problems(survey)


def test_schema_check_rejects_defaults_outside_the_choices():
    survey = copy.deepcopy(generated()["train"])
    survey["spec"][0]["default"] = "kubernetes"
    assert any("not among the choices" in p for p in surveys.survey_problems(survey))
    assert survey_error(copy.deepcopy(survey)) == "Default choice must be answered from the choices listed."
    survey["spec"].append(dict(survey["spec"][1]))
    assert any("duplicated" in p for p in surveys.survey_problems(survey))

"""playbooks/awx/configure.yml with the real awx.awx modules against the AWX emulator (HTTPS, test CA)."""

from __future__ import annotations

import json

import pytest

from support.paths import PROJECT_ROOT
from support.playbook import run_playbook

pytestmark = pytest.mark.slow

PLAYBOOK = "playbooks/awx/configure.yml"
SCM_URL = "https://git.example.com/robotics/stack.git"


def controller_env(emulator) -> dict:
    # The awx.awx modules verify TLS with the system trust store; SSL_CERT_FILE points it at the test CA.
    return {"CONTROLLER_HOST": emulator.url, "CONTROLLER_OAUTH_TOKEN": emulator.token,
            "SSL_CERT_FILE": emulator.ca_bundle}


def surveys() -> dict:
    return {p.stem: json.loads(p.read_text()) for p in (PROJECT_ROOT / "playbooks/awx/surveys").glob("*.json")}


def test_configure_creates_then_changes_nothing_and_check_mode_writes_nothing(awx_emulator):
    env = controller_env(awx_emulator)
    extra = {"awx_project_scm_url": SCM_URL}

    first = run_playbook(PLAYBOOK, extra_vars=extra, env=env)
    assert first.rc == 0, first
    assert first.changed > 0

    project = awx_emulator.find("projects", name="azure_robotics.stack")
    assert project["scm_url"] == SCM_URL and project["status"] == "successful"
    assert "playbooks/train.yml" in project["playbooks"]
    templates = {t["name"]: t for t in awx_emulator.objects("job_templates")}
    assert set(templates) == {"Platform: site", "Platform: infrastructure", "Platform: cluster", "ML: train",
                              "ML: validate", "ML: mirror", "ML: resim", "Platform: destroy"}
    assert templates["ML: train"]["playbook"] == "playbooks/train.yml"
    expected = surveys()
    assert awx_emulator.survey("job_templates", templates["ML: train"]["id"]) == expected["train"]
    assert templates["ML: train"]["survey_enabled"] is True
    assert templates["Platform: site"]["survey_enabled"] is False
    assert awx_emulator.survey("job_templates", templates["Platform: site"]["id"]) == {}
    workflow = awx_emulator.find("workflow_job_templates", name="ML: train, mirror, validate")
    assert awx_emulator.survey("workflow_job_templates", workflow["id"]) == expected["train_mirror_validate"]
    nodes = {n["identifier"]: n for n in awx_emulator.objects("workflow_job_template_nodes")}
    assert nodes["train"]["unified_job_template"] == templates["ML: train"]["id"]
    assert awx_emulator.associated("workflow_job_template_nodes", nodes["train"]["id"], "success_nodes") == [nodes["mirror"]["id"]]
    assert awx_emulator.associated("workflow_job_template_nodes", nodes["mirror"]["id"], "success_nodes") == [nodes["validate"]["id"]]
    assert awx_emulator.associated("workflow_job_template_nodes", nodes["validate"]["id"], "success_nodes") == []
    sources = {s["name"]: s for s in awx_emulator.objects("inventory_sources")}
    assert sources["inventories/azure"]["source_path"] == "inventories/azure/hosts.yml"
    kinds = {c["name"]: c for c in awx_emulator.objects("credential_types")}
    assert any("OSMO_TOKEN" in c["injectors"].get("env", {}) for c in kinds.values())

    awx_emulator.clear_requests()
    second = run_playbook(PLAYBOOK, extra_vars=extra, env=env)
    assert second.rc == 0, second
    assert second.changed == 0, second
    assert awx_emulator.mutating_requests() == []

    awx_emulator.clear_requests()
    check = run_playbook(PLAYBOOK, "-vvv", extra_vars=extra, env=env, check=True)
    assert check.rc == 0 and check.changed == 0, check
    assert awx_emulator.mutating_requests() == []
    assert awx_emulator.token not in check.stdout + check.stderr, "the controller token must never be shown, even at -vvv"

    # A change in check mode: reported, not written.
    check_change = run_playbook(PLAYBOOK, extra_vars={**extra, "awx_project_scm_branch": "release"}, env=env, check=True)
    assert check_change.rc == 0 and check_change.changed == 1, check_change
    assert awx_emulator.mutating_requests() == []
    assert awx_emulator.find("projects", name="azure_robotics.stack")["scm_branch"] == "main"


def test_configure_reports_the_field_awx_rejects(awx_emulator):
    env = controller_env(awx_emulator)
    run = run_playbook(PLAYBOOK, "-e", json.dumps({"awx_project_scm_url": SCM_URL, "awx_job_templates": {
        "broken": {"name": "Broken", "playbook": "playbooks/missing.yml", "description": "x"}}}), env=env)
    assert run.rc != 0
    assert "Playbook not found for project" in run.stdout, run


def test_configure_refuses_an_untrusted_certificate(awx_emulator):
    env = {"CONTROLLER_HOST": awx_emulator.url, "CONTROLLER_OAUTH_TOKEN": awx_emulator.token}
    run = run_playbook(PLAYBOOK, extra_vars={"awx_project_scm_url": SCM_URL}, env=env)
    assert run.rc != 0
    assert "secure connection" in run.stdout or "CERTIFICATE_VERIFY_FAILED" in run.stdout, run
    assert awx_emulator.requests_to() == []

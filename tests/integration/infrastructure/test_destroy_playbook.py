"""playbooks/destroy.yml against the ARM emulator: explicit confirmation, AzureML workspace deleted for good, the
resource group deleted, the soft-deleted Key Vault purged - or kept, with a message, under purge protection."""

from __future__ import annotations

import json

import pytest

from support.azure import mutating
from support.playbook import run_playbook

from .example import INVENTORY, prepare
from .test_site_playbook import azure_env, failure

pytestmark = pytest.mark.slow

GROUP = "rg-robotics-dev-001"


@pytest.fixture
def emulator(arm_emulator_process):
    admin = arm_emulator_process
    admin.reset()
    admin.set_latency(profile="instant")
    prepare(admin)
    return admin


def playbook(admin, name, tmp_path, **extra):
    return run_playbook(name, "--limit", "azure", inventory=str(INVENTORY), env=azure_env(admin),
                        extra_vars=dict({"platform_facts_file": str(tmp_path / "facts.json")}, **extra), timeout=600)


def in_group(admin):
    return [r for r in admin.resources() if ("/resourcegroups/%s" % GROUP) in r["id"].lower()]


def test_destroy_needs_confirmation_then_deletes_and_purges(emulator, tmp_path):
    created = playbook(emulator, "site.yml", tmp_path)
    assert created.rc == 0, failure(created)
    assert (tmp_path / "facts.json").exists()
    # A later tier runs on its own from the saved document (rendered: there is no cluster here).
    rendered = tmp_path / "rendered"
    cluster = run_playbook("playbooks/cluster.yml", "--limit", "aks", inventory=str(INVENTORY),
                           extra_vars={"platform_facts_file": str(tmp_path / "facts.json"),
                                       "cluster_render_only": True, "cluster_render_dir": str(rendered)})
    assert cluster.rc == 0, failure(cluster)
    rendered_text = "\n".join(p.read_text() for p in rendered.rglob("*") if p.is_file())
    facts = json.loads((tmp_path / "facts.json").read_text())
    for value in (facts["storage_account"]["name"], facts["key_vault"]["name"],
                  facts["osmo_workload_identity"]["client_id"], facts["postgresql_connection_info"]["fqdn"]):
        assert value and value in rendered_text, value

    emulator.clear_requests()
    refused = playbook(emulator, "playbooks/destroy.yml", tmp_path, platform_destroy_confirm="yes")
    assert refused.rc != 0
    assert "platform_destroy_confirm=%s" % GROUP in refused.stdout
    assert emulator.requests() == []

    destroyed = playbook(emulator, "playbooks/destroy.yml", tmp_path, platform_destroy_confirm=GROUP)
    assert destroyed.rc == 0, failure(destroyed)
    assert in_group(emulator) == []
    log = emulator.requests()
    assert any(r["method"] == "DELETE" and r["query"].get("forceToPurge") == "true" and "/workspaces/" in r["path"]
               for r in log)
    assert any(r["method"] == "POST" and r["path"].lower().endswith("/deletedvaults/kvroboticsdev001/purge")
               for r in log)
    assert not [r for r in emulator.resources() if r["type"].lower().endswith("deletedvaults")]
    assert "Nothing of the platform is kept soft-deleted" in destroyed.stdout
    assert not (tmp_path / "facts.json").exists()
    missing = run_playbook("playbooks/workloads.yml", "--limit", "aks", inventory=str(INVENTORY),
                           extra_vars={"platform_facts_file": str(tmp_path / "facts.json")})
    assert missing.rc != 0 and "Provision the platform first" in missing.stdout

    emulator.clear_requests()
    again = playbook(emulator, "playbooks/destroy.yml", tmp_path, platform_destroy_confirm=GROUP)
    assert again.rc == 0 and again.changed == 0, failure(again)
    assert mutating(emulator.requests()) == []


def test_purge_protection_keeps_the_vault_and_says_until_when(emulator, tmp_path):
    created = playbook(emulator, "site.yml", tmp_path, key_vault_purge_protection_enabled=True)
    assert created.rc == 0, failure(created)
    destroyed = playbook(emulator, "playbooks/destroy.yml", tmp_path, platform_destroy_confirm=GROUP,
                         key_vault_purge_protection_enabled=True)
    assert destroyed.rc == 0, failure(destroyed)
    assert in_group(emulator) == []
    kept = [r for r in emulator.resources() if r["type"].lower().endswith("deletedvaults")]
    assert len(kept) == 1 and kept[0]["properties"]["purgeProtectionEnabled"] is True
    assert "stays soft-deleted with purge protection until" in destroyed.stdout
    assert not [r for r in emulator.requests() if r["path"].lower().endswith("/purge")]

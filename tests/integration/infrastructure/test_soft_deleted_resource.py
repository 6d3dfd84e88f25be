"""soft_deleted_resource against the ARM emulator: a deleted Key Vault keeps its name until purged (unless purge
protection forbids it); an AzureML workspace deleted with forceToPurge frees its name at once."""

from __future__ import annotations

import pytest

from emulators.arm.fixture import emulator_module_args
from support.modules import run_module

GROUP = "rg-soft-delete"
VAULT = "kvsoftdelete001"


@pytest.fixture
def args(arm_emulator):
    return emulator_module_args(arm_emulator.url, arm_emulator.subscription_id, arm_emulator.tenant_id)


def vault(args, emulator, state="present", protection=False):
    props = {"tenantId": emulator.tenant_id, "sku": {"family": "A", "name": "standard"},
             "enableRbacAuthorization": True}
    if protection:
        props["enablePurgeProtection"] = True
    return run_module("arm_resource", dict(args, resource_type="Microsoft.KeyVault/vaults", name=VAULT,
                                           resource_group=GROUP, api_version="2023-07-01", state=state,
                                           body={"location": "westus3", "properties": props}))


def purge(args, check_mode=False, **extra):
    return run_module("soft_deleted_resource", dict(args, kind="key_vault", name=VAULT, location="West US 3", **extra),
                      check_mode=check_mode)


def test_a_deleted_vault_keeps_its_name_until_purged(args, arm_emulator):
    assert not run_module("resource_group", dict(args, name=GROUP, location="westus3")).failed
    assert vault(args, arm_emulator).changed
    assert vault(args, arm_emulator, state="absent").changed
    again = vault(args, arm_emulator)
    assert again.failed and "ConflictError" in again["msg"] and "soft deleted" in again["msg"]

    arm_emulator.clear_requests()
    planned = purge(args, check_mode=True)
    assert planned.changed and not planned.failed
    assert [r["method"] for r in arm_emulator.requests()] == ["GET"]
    purged = purge(args)
    assert purged.changed and not purged["purge_blocked"]
    assert not purge(args).changed
    assert vault(args, arm_emulator).changed  # the name is free again


def test_purge_protection_keeps_the_vault_and_says_until_when(args, arm_emulator):
    assert not run_module("resource_group", dict(args, name=GROUP, location="westus3")).failed
    assert vault(args, arm_emulator, protection=True).changed
    assert vault(args, arm_emulator, state="absent").changed
    kept = purge(args)
    assert not kept.failed and not kept.changed and kept["purge_blocked"]
    assert kept["scheduled_purge_date"] and "purge protection" in " ".join(kept.get("warnings", []))
    strict = purge(args, fail_when_protected=True)
    assert strict.failed and "cannot be used again before" in strict["msg"]
    assert not [r for r in arm_emulator.requests() if r["path"].lower().endswith("/purge")]


def test_a_workspace_deleted_for_good_frees_its_name(args, arm_emulator):
    assert not run_module("resource_group", dict(args, name=GROUP, location="westus3")).failed
    workspace = dict(args, resource_type="Microsoft.MachineLearningServices/workspaces", name="mlw-soft",
                     resource_group=GROUP, api_version="2024-04-01",
                     body={"location": "westus3", "identity": {"type": "SystemAssigned"}, "properties": {}})
    assert run_module("arm_resource", workspace).changed
    assert run_module("arm_resource", dict(workspace, state="absent")).changed
    blocked = run_module("arm_resource", workspace)
    assert blocked.failed and "soft-deleted" in blocked["msg"]

    arm_emulator.state.soft_deleted.clear()
    assert run_module("arm_resource", workspace).changed
    gone = run_module("soft_deleted_resource", dict(args, kind="machine_learning_workspace", name="mlw-soft",
                                                    resource_group=GROUP))
    assert gone.changed and not gone.failed
    assert run_module("arm_resource", workspace).changed  # not kept soft-deleted

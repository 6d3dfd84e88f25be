"""The example inventory's whole platform graph through arm_resources (in-process, instant latencies).

Every resource is created with the settings the reference deploys; a rerun only reads (one GET per resource);
the role-assignment table is the reference's; nothing secret is in the result; the facts document has what the
cluster and workload tiers read.
"""

from __future__ import annotations

import json

import pytest

from emulators.arm.fixture import emulator_module_args
from support.azure import is_operation_poll, mutating
from support.modules import run_module

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure import platform

from .example import CALLER, example_settings, prepare

pytestmark = pytest.mark.slow


SITES = [{"name": "lab", "gateway_address": "203.0.113.10", "address_spaces": ["192.168.10.0/24"],
          "shared_key": "lab-shared-key-0123456789"}]


def apply(emulator, settings, check_mode=False, sites=()):
    args = emulator_module_args(emulator.url, emulator.subscription_id, emulator.tenant_id)
    return run_module("arm_resources", dict(args, resources=platform.resources(settings), concurrency=48,
                                            secret_values=platform.secret_values(sites)), check_mode=check_mode)


@pytest.fixture
def emulator(arm_emulator):
    prepare(arm_emulator)
    return arm_emulator


def test_every_resource_of_the_example_is_created_then_a_rerun_only_reads(emulator):
    settings = example_settings(
        emulator.subscription_id, startup_automation_enabled=True, data_lake_enabled=True, vm_subnet_enabled=True,
        aml_compute_clusters={"cpu": {"vm_size": "Standard_D4s_v3", "max_nodes": 2}},
        vpn_root_certificate={"name": "RoboticsVPNRootCert", "public_cert_data": "MIIC5jCCAc6gAwIBAgI="},
        vpn_site_connections=SITES,
        node_pools={"gpu": {"subnet_address_prefixes": ["10.0.7.0/24"], "min_count": 0},
                    "h100": {"subnet_address_prefixes": ["10.0.8.0/24"], "vm_size": "Standard_NC40ads_H100_v5"}})
    first = apply(emulator, settings, sites=SITES)
    assert not first.failed, first.get("msg")
    entries = first["resources"]
    assert all(e["status"] == "ok" and e["changed"] for k, e in entries.items() if not k.startswith("provider_"))
    stored = {r["id"].lower() for r in emulator.resources()}
    for entry in platform.resources(settings):
        if entry["params"].get("id"):
            assert entry["params"]["id"].lower() in stored, entry["key"]

    connection = emulator.resource(platform.builder(settings).id("Microsoft.Network/connections", "cn-lab-robotics-dev-001"))
    assert connection["properties"]["sharedKey"] == SITES[0]["shared_key"]
    pool = emulator.resource(platform.builder(settings).aks_id + "/agentPools/h100")
    assert pool["properties"]["vmSize"] == "Standard_NC40ads_H100_v5"
    # Secrets in Key Vault, none in the result.
    state = emulator.state
    vault = platform.builder(settings).key_vault_id
    values = [state.get("%s/secrets/%s" % (vault, name)).properties["value"]
              for name in ("osmo-admin-password", "psql-admin-password", "redis-primary-key")]
    text = json.dumps(first)
    assert all(value and value not in text for value in values)
    assert SITES[0]["shared_key"] not in text

    # The reference's role-assignment table: 29 grants (caller, identities, Grafana, kubelet, automation).
    assignments = [r for r in emulator.resources() if r["type"] == "Microsoft.Authorization/roleAssignments"]
    assert len(assignments) == len([e for e in entries.values() if e["kind"] == "role_assignment"])
    principals = {a["properties"]["principalId"] for a in assignments}
    assert CALLER in principals
    kubelet = entries["aks"]["outputs"]["kubelet_identity"]["object_id"]
    assert kubelet in principals

    facts = platform.facts(settings, first)
    assert facts["aks_oidc_issuer_url"] == entries["aks"]["outputs"]["oidc_issuer_url"]
    assert facts["osmo_workload_identity"]["client_id"] == entries["osmo_identity"]["outputs"]["client_id"]
    assert facts["container_registry"]["login_server"].endswith(".azurecr.io")
    assert facts["node_pools"]["gpu"]["node_labels"] == {"accelerator": "nvidia"}
    assert facts["postgresql_connection_info"]["secret_name"] == "psql-admin-password"
    assert not any(value in json.dumps(facts) for value in values)

    emulator.clear_requests()
    second = apply(emulator, settings, sites=SITES)
    assert not second.failed, second.get("msg")
    assert not second.changed, sorted(k for k, e in second["resources"].items() if e["changed"])
    log = emulator.requests()
    assert mutating(log) == []
    gets = [r["path"].lower() for r in log if r["method"] == "GET" and not is_operation_poll(r)]
    assert len(gets) == len(set(gets)) == len(entries)


def test_check_mode_lists_every_resource_and_only_reads(emulator):
    settings = example_settings(emulator.subscription_id)
    result = apply(emulator, settings, check_mode=True)
    assert not result.failed, result.get("msg")
    assert mutating(emulator.requests()) == []
    entries = result["resources"]
    would = {k for k, e in entries.items() if e["changed"]}
    assert would == {e["key"] for e in platform.resources(settings) if e["kind"] != "resource_provider"}
    assert {d["before_header"].split(" ")[0] for d in result["diff"]} == would

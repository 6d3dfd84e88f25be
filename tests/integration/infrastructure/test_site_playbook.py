"""``ansible-playbook site.yml -i inventories/azure --limit azure`` against the ARM emulator as a process, with
latencies proportional to the real ones (AKS and PostgreSQL 6 s, Managed Redis 9 s, VPN gateway 18 s, others
0.6 s: real durations / 100).

* the example inventory creates every resource, saves the facts document (no secrets in it or in the output);
  a second run reports changed=0 and sends only reads;
* ``--check --diff`` against an empty subscription lists every resource it would create, sends no write;
* killing ansible-playbook (SIGKILL of its process group) half-way, then rerunning: converges, no duplicate
  resources, no orphaned role assignments, and a further run changes nothing;
* a bad inventory fails before any request, naming every bad variable.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import time

import pytest

from emulators.arm.fixture import emulator_module_args
from support.azure import mutating
from support.paths import PROJECT_ROOT, tool
from support.playbook import ansible_env, run_playbook

from .example import CALLER, INVENTORY, example_resources, prepare, resource_ids

pytestmark = pytest.mark.slow

HOST = "azure-controller"
TIMEOUT = 600


@pytest.fixture
def emulator(arm_emulator_process):
    admin = arm_emulator_process
    admin.reset()
    admin.set_latency(profile="scaled")
    prepare(admin)
    yield admin
    admin.clear_faults()
    admin.set_latency(profile="instant")
    admin.settle()


def azure_env(admin) -> dict:
    info = admin.info
    args = emulator_module_args(info["url"], info["subscription_id"], info["tenant_id"])
    return {"AZURE_CLOUD": args["cloud"], "AZURE_CA_BUNDLE": args["ca_bundle"],
            "AZURE_SUBSCRIPTION_ID": args["subscription_id"], "AZURE_AUTH_SOURCE": "access_token",
            "AZURE_ACCESS_TOKEN": args["access_token"], "AZURE_TENANT_ID": args["tenant_id"]}


def site(admin, facts_file, *args, check=False, diff=False, extra=None):
    return run_playbook("site.yml", "--limit", "azure", *args, inventory=str(INVENTORY), check=check, diff=diff,
                        env=azure_env(admin), extra_vars=dict({"platform_facts_file": str(facts_file)},
                                                              **(extra or {})), timeout=TIMEOUT)


def failure(run) -> str:
    """The failed task's message (the whole result of a graph is long)."""
    lines = run.stdout.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.strip().startswith("msg:"):
            found.extend(lines[index:index + 6])
    return "rc=%s:\n%s" % (run.rc, "\n".join(found)[-4000:] or run.stdout[-3000:])


def stored_ids(admin) -> set[str]:
    return {r["id"].lower() for r in admin.resources()}


def assert_no_duplicates_or_orphans(admin, expected_assignments: int):
    resources = admin.resources()
    ids = [r["id"].lower() for r in resources]
    assert len(ids) == len(set(ids))
    assignments = [r for r in resources if r["type"] == "Microsoft.Authorization/roleAssignments"]
    grants = collections.Counter((a["properties"]["scope"].lower(), a["properties"]["principalId"],
                                  a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1]) for a in assignments)
    assert all(count == 1 for count in grants.values()), "the same role granted twice"
    assert len(assignments) == expected_assignments
    # Every assignment names a principal that exists: an identity, a system identity, the kubelet, the caller.
    principals = {CALLER}
    for record in resources:
        props = record.get("properties") or {}
        principals.update(p for p in (props.get("principalId"), (record.get("identity") or {}).get("principalId"),
                                      ((props.get("identityProfile") or {}).get("kubeletidentity") or {}).get("objectId"))
                          if p)
    orphans = [a["id"] for a in assignments if a["properties"]["principalId"] not in principals]
    assert orphans == []
    for assignment in assignments:
        scope = assignment["properties"]["scope"].lower()
        assert scope.count("/") <= 4 or scope in set(ids), "assignment on a scope that does not exist: %s" % scope


def test_site_creates_every_resource_then_a_rerun_changes_nothing_and_only_reads(emulator, tmp_path):
    facts_file = tmp_path / "facts" / "platform.json"
    started = time.monotonic()
    first = site(emulator, facts_file)
    elapsed = time.monotonic() - started
    assert first.rc == 0, failure(first)
    assert first.stats(HOST)["changed"] > 0

    resources = example_resources(emulator.info["subscription_id"])
    stored = stored_ids(emulator)
    missing = [key for key, rid in resource_ids(resources).items() if rid.lower() not in stored]
    assert missing == []
    kinds = collections.Counter(e["kind"] for e in resources)
    assert kinds["aks_cluster"] == 1 and kinds["aks_nodepool"] == 2 and kinds["federated_credential"] == 10
    assert_no_duplicates_or_orphans(emulator, kinds["role_assignment"])
    # The VPN gateway (18 s) alone bounds the run from below; it must not take much more than that chain.
    assert elapsed < 60, elapsed

    facts = json.loads(facts_file.read_text())
    assert facts["aks_cluster"]["name"] == "aks-robotics-dev-001"
    assert facts["aks_oidc_issuer_url"].startswith("https://")
    assert facts["ml_workload_identity"]["client_id"] and facts["osmo_workload_identity"]["client_id"]
    assert facts["node_pools"]["gpu"]["priority"] == "Spot"
    assert facts["dns_server_ip"] == "10.0.9.4"
    assert facts["osmo"]["hostname"] == "dev.osmo.local"
    assert "password" not in json.dumps(facts).lower().replace("psql-admin-password", "").replace(
        "osmo-admin-password", "")

    emulator.clear_requests()
    second = site(emulator, facts_file)
    assert second.rc == 0, failure(second)
    assert second.stats(HOST)["changed"] == 0, second
    log = emulator.requests()
    assert log and mutating(log) == []
    assert {r["method"] for r in log} == {"GET"}


SITE = {"name": "lab", "gateway_address": "203.0.113.10", "address_spaces": ["192.168.10.0/24"],
        "shared_key": "S2S-shared-key-not-for-output"}


def test_check_diff_on_an_empty_subscription_lists_every_resource_and_sends_no_write(emulator, tmp_path):
    extra = {"vpn_site_connections": [SITE]}
    run = site(emulator, tmp_path / "facts.json", "-vvv", check=True, diff=True, extra=extra)
    assert run.rc == 0, failure(run)
    assert mutating(emulator.requests()) == []
    assert emulator.resources() == []
    assert not (tmp_path / "facts.json").exists()
    resources = example_resources(emulator.info["subscription_id"], **extra)
    assert {"vpn_site_lab", "vpn_connection_lab"} <= {e["key"] for e in resources}
    for entry in resources:
        if entry["kind"] != "resource_provider":
            assert "%s (" % entry["key"] in run.stdout, "%s is not in the --diff output" % entry["key"]
    # The shared key goes through no_log secret_values: never printed, even at -vvv.
    assert SITE["shared_key"] not in run.stdout + run.stderr
    token = azure_env(emulator)["AZURE_ACCESS_TOKEN"]
    assert token not in run.stdout + run.stderr


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Ansible's workers run in sessions of their own, outside its process group)."""
    children = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children[int(fields[1])].append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


@pytest.mark.parametrize("what", ["process-tree", "process-group"])
def test_killed_half_way_then_rerun_converges_without_duplicates_or_orphans(emulator, tmp_path, what):
    """``process-tree``: ansible-playbook and everything it started die at once (operations are left in flight in
    ARM). ``process-group``: SIGKILL of ansible-playbook's process group only - its worker and the module carry on
    in their own session, so the rerun runs next to them and must cope with their writes."""
    facts_file = tmp_path / "facts.json"
    cmd = [tool("ansible-playbook"), "site.yml", "-i", str(INVENTORY), "--limit", "azure",
           "-e", json.dumps({"platform_facts_file": str(facts_file)})]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=ansible_env(azure_env(emulator)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        # Half-way: the cluster is being created and role assignments exist, long operations are in flight.
        while time.monotonic() < deadline:
            types = collections.Counter(r["type"] for r in emulator.resources())
            if types["Microsoft.ContainerService/managedClusters"] and types["Microsoft.Authorization/roleAssignments"] > 5:
                break
            assert proc.poll() is None, "the playbook ended before it could be interrupted"
            time.sleep(0.2)
        assert emulator.pending_operations(), "nothing was in flight when the playbook was killed"
        tree = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        if what == "process-tree":
            for pid in tree:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    finally:
        proc.wait(timeout=30)
    try:
        assert not facts_file.exists()

        rerun = site(emulator, facts_file)
        assert rerun.rc == 0, failure(rerun)
        resources = example_resources(emulator.info["subscription_id"])
        stored = stored_ids(emulator)
        assert [k for k, rid in resource_ids(resources).items() if rid.lower() not in stored] == []
        assert_no_duplicates_or_orphans(emulator, sum(1 for e in resources if e["kind"] == "role_assignment"))
        assert facts_file.exists()

        emulator.clear_requests()
        again = site(emulator, facts_file)
        assert again.rc == 0 and again.stats(HOST)["changed"] == 0, again
        assert mutating(emulator.requests()) == []
    finally:
        # The workers that outlived their process group wait forever for a parent that is gone.
        kill_leftovers(tree, str(facts_file))


def kill_leftovers(pids, marker):
    """SIGKILL to those of ``pids`` that still run this test's playbook (a reused pid is left alone)."""
    for pid in pids:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                if marker.encode() not in handle.read():
                    continue
            os.kill(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError):
            pass


# Bad values of different variables at once (each one alone: tests/unit/plugins/module_utils/test_infrastructure_settings.py).
BAD_VALUES = {
    "private_endpoints_enabled": False,
    "subnet_prefix_main": "10.0.1.7/24",
    "vm_subnet_enabled": True,
    "subnet_prefix_vm": "10.0.5.0/25",
    "node_pools": {"gpu": {"subnet_address_prefixes": ["10.9.0.0/24"], "min_count": 3, "max_count": 1,
                           "node_taints": ["nvidia.com/gpu=NoSchedule"]},
                   "h100": {"subnet_address_prefixes": ["10.0.8.0/24"], "vm_size": "Standard_NC40ads_H100_v5",
                            "priority": "Spot", "eviction_policy": ""}},
    "resource_prefix": "roboticsplatformteam",
    "location": "westus",
    "redis_clustering_policy": "Cluster",
}
NAMED = ("private_endpoints_enabled", "subnet_prefix_main", "subnet_prefix_vm", "node_pools.gpu.subnet_address_prefixes",
         "node_pools.gpu.min_count", "node_pools.gpu.node_taints", "node_pools.h100.eviction_policy",
         "key vault name", "storage account name", "Shorten resource_prefix", "nat_gateway_zones",
         "redis_clustering_policy")


def test_a_bad_inventory_fails_before_any_request_naming_every_variable(emulator, tmp_path):
    run = site(emulator, tmp_path / "facts.json", extra={"network_mode": "private"})
    assert run.rc != 0
    assert emulator.requests() == []
    assert "network_mode='private' is not a network mode" in run.stdout, run

    run = site(emulator, tmp_path / "facts.json", extra=BAD_VALUES)
    assert run.rc != 0
    assert emulator.requests() == []
    assert "nothing was sent to Azure" in run.stdout, run
    missing = [name for name in NAMED if name not in run.stdout]
    assert missing == [], run

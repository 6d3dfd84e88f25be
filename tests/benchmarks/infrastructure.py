"""Benchmark: full provisioning wall time against the critical path of the emulated latencies.

Starts the ARM emulator as a process with the ``scaled`` latency profile (real durations / 100: AKS and
PostgreSQL 6 s, Managed Redis 9 s, VPN gateway 18 s, every other long-running operation 0.6 s), runs

    ansible-playbook site.yml -i inventories/azure --limit azure

on an empty subscription (the example inventory: full-private network, VPN, OSMO DNS record), and reports:

* ``wall`` - the whole ansible-playbook run (start-up, inventory checks, the graph, the facts document);
* ``critical_path`` - the longest chain, through the platform's dependency graph, of the latencies the emulator
  gave the operations it started (read from its request log): what no schedule can beat;
* ``ratio`` - wall / critical_path (target <= 1.25), also for the provisioning task alone;
* ``sequential`` - the sum of every emulated latency: what one resource at a time would at least take.

    .venv/bin/python tests/benchmarks/infrastructure.py [--runs 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pathlib

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS), str(TESTS.parent / ".collections")]

from emulators.arm.admin import AdminClient  # noqa: E402
from emulators.arm.fixture import emulator_module_args  # noqa: E402
from integration.infrastructure.example import INVENTORY, example_resources, prepare  # noqa: E402
from support.paths import PROJECT_ROOT, tool  # noqa: E402
from support.playbook import ansible_env  # noqa: E402
from support.ports import free_port  # noqa: E402
from support.tls import ca_bundle_path, write_server_files  # noqa: E402

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.graph import critical_path  # noqa: E402

TARGET = 1.25


def start_emulator(directory):
    cert, key = write_server_files(directory)
    cmd = [sys.executable, "-m", "emulators.arm", "--port", str(free_port()), "--cert", cert, "--key", key,
           "--latency-profile", "scaled"]
    proc = subprocess.Popen(cmd, cwd=TESTS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    admin = AdminClient(info["url"], ca_bundle_path())
    admin.info = info
    return proc, admin


def node_id(entry, subscription):
    params = entry["params"]
    if params.get("id"):
        return params["id"]
    group = "/subscriptions/%s/resourceGroups/%s" % (subscription, params.get("resource_group"))
    if entry["kind"] == "aks_cluster":
        return "%s/providers/Microsoft.ContainerService/managedClusters/%s" % (group, params["name"])
    if entry["kind"] == "aks_nodepool":
        return "%s/providers/Microsoft.ContainerService/managedClusters/%s/agentPools/%s" % (
            group, params["cluster"], params["name"])
    return None


def emulated_critical_path(resources, log, subscription):
    """(critical path seconds, its keys, sequential sum) from the latencies the emulator logged per resource."""
    latency_by_path = {}
    for entry in log:
        if entry.get("latency") and entry["method"] in ("PUT", "PATCH", "DELETE", "POST"):
            path = entry["path"].lower()
            latency_by_path[path] = latency_by_path.get(path, 0.0) + entry["latency"]
    weights = {}
    for entry in resources:
        rid = node_id(entry, subscription)
        weights[entry["key"]] = latency_by_path.get(rid.lower(), 0.0) if rid else 0.0
    total, chain = critical_path(dict((e["key"], e["depends_on"]) for e in resources), weights)
    return total, chain, sum(latency_by_path.values()), weights


def run_once(admin, workdir):
    admin.reset()
    admin.set_latency(profile="scaled")
    prepare(admin)
    info = admin.info
    args = emulator_module_args(info["url"], info["subscription_id"], info["tenant_id"])
    timings = os.path.join(workdir, "tasks.json")
    env = ansible_env({
        "AZURE_CLOUD": args["cloud"], "AZURE_CA_BUNDLE": args["ca_bundle"], "AZURE_SUBSCRIPTION_ID": args["subscription_id"],
        "AZURE_AUTH_SOURCE": "access_token", "AZURE_ACCESS_TOKEN": args["access_token"], "AZURE_TENANT_ID": args["tenant_id"],
        "ANSIBLE_CALLBACK_PLUGINS": str(TESTS / "benchmarks" / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "task_timer", "TASK_TIMER_OUTPUT": timings,
    })
    cmd = [tool("ansible-playbook"), "site.yml", "-i", str(INVENTORY), "--limit", "azure",
           "-e", json.dumps({"platform_facts_file": os.path.join(workdir, "facts.json")})]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit("ansible-playbook failed:\n%s\n%s" % (proc.stdout[-4000:], proc.stderr[-2000:]))
    tasks = json.loads(open(timings).read())
    apply = next(t["seconds"] for t in tasks if "Create or update every resource" in t["task"])
    resources = example_resources(info["subscription_id"])
    path, chain, sequential, weights = emulated_critical_path(resources, admin.requests(), info["subscription_id"])
    return dict(wall=round(wall, 2), apply_task=round(apply, 2), critical_path=round(path, 2),
                ratio=round(wall / path, 3), apply_ratio=round(apply / path, 3), sequential=round(sequential, 2),
                resources=len(resources), long_operations=sum(1 for w in weights.values() if w),
                chain=[k for k in chain if weights.get(k)], tasks=[(t["task"], round(t["seconds"], 2)) for t in tasks])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", help="write the results here")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-infra-") as workdir:
        proc, admin = start_emulator(workdir)
        try:
            runs = [run_once(admin, workdir) for _run in range(options.runs)]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    best = min(runs, key=lambda r: r["wall"])
    summary = dict(runs=runs, median_wall=statistics.median(r["wall"] for r in runs),
                   median_ratio=statistics.median(r["ratio"] for r in runs), target=TARGET)
    print("resources: %d (%d long-running operations)" % (best["resources"], best["long_operations"]))
    print("critical path of the emulated latencies: %.2f s (%s)" % (best["critical_path"], " -> ".join(best["chain"])))
    print("sequential sum of the emulated latencies: %.2f s" % best["sequential"])
    for run in runs:
        print("wall %.2f s  ratio %.3f  |  provisioning task %.2f s  ratio %.3f" % (
            run["wall"], run["ratio"], run["apply_task"], run["apply_ratio"]))
    print("median ratio %.3f (target <= %.2f)" % (summary["median_ratio"], TARGET))
    if options.json:
        pathlib.Path(options.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

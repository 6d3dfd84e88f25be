"""Benchmark: wall time of a no-op rerun of aks_cluster and aks_nodepool, and import times of the Azure modules.

Starts the ARM emulator as a process, creates a resource group, an AKS cluster and a GPU Spot pool with
ansible-playbook, then reruns the same playbook (nothing to change) and reports, per task, the median wall time
and the requests each rerun sent; a ping task gives Ansible's own per-task cost on this machine as a
baseline. It also times the same no-op module runs in-process (the module's own cost,
without Ansible's fork and AnsiballZ packaging) and each module's import in a fresh interpreter.

    .venv/bin/python tests/benchmarks/azure_noop.py [--reruns 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS), str(TESTS.parent / ".collections")]

from emulators.arm.admin import AdminClient  # noqa: E402
from emulators.arm.fixture import emulator_module_args  # noqa: E402
from support.imports import azure_modules, measure  # noqa: E402
from support.modules import run_module  # noqa: E402
from support.paths import PROJECT_ROOT, tool  # noqa: E402
from support.playbook import ansible_env  # noqa: E402
from support.tls import ca_bundle_path, write_server_files  # noqa: E402

CLUSTER = dict(name="aks-bench", resource_group="rg-bench", location="westeurope", kubernetes_version="latest",
               oidc_issuer=True, workload_identity=True, entra_id={"azure_rbac": True}, disable_local_accounts=True,
               auto_upgrade_channel="patch", node_os_upgrade_channel="NodeImage",
               network={"plugin": "azure", "plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16"},
               key_vault_secrets_provider={"secret_rotation": True}, monitoring={"managed_prometheus": True},
               system_pool={"vm_size": "Standard_D4ds_v5", "min_count": 1, "max_count": 3,
                            "only_critical_addons": True})
POOL = dict(name="gpuspot", cluster="aks-bench", resource_group="rg-bench", vm_size="Standard_NC24ads_A100_v4",
            priority="Spot", eviction_policy="Delete", spot_max_price=-1, min_count=0, max_count=2, gpu_driver="none",
            taints=["nvidia.com/gpu=present:NoSchedule"], labels={"nvidia.com/gpu.present": "true"})


def playbook(path: pathlib.Path):
    tasks = [
        ("resource_group", dict(name="rg-bench", location="westeurope")),
        ("aks_cluster", CLUSTER),
        ("aks_nodepool", POOL),
    ]
    body = [{"name": "Benchmark", "hosts": "localhost", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "module_defaults": {"group/azure_robotics.stack.azure": "{{ azure }}"},
             "tasks": [{"name": "baseline (ansible.builtin.ping)", "ansible.builtin.ping": {}}]
             + [{"name": module, "azure_robotics.stack." + module: args} for module, args in tasks]}]
    path.write_text(json.dumps(body, indent=2))


def start_emulator(workdir: pathlib.Path):
    cert, key = write_server_files(workdir)
    proc = subprocess.Popen([sys.executable, "-m", "emulators.arm", "--port", "0", "--cert", cert, "--key", key],
                            cwd=str(TESTS), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    return proc, info


def run_playbook_timed(book, azure, output):
    env = ansible_env({"ANSIBLE_CALLBACK_PLUGINS": str(pathlib.Path(__file__).parent / "callback_plugins"),
                       "ANSIBLE_CALLBACKS_ENABLED": "task_timer", "TASK_TIMER_OUTPUT": str(output)})
    started = time.perf_counter()
    proc = subprocess.run([tool("ansible-playbook"), str(book), "-e", json.dumps({"azure": azure})],
                          cwd=str(PROJECT_ROOT), env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit("ansible-playbook failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-2000:]))
    return time.perf_counter() - started, json.loads(output.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures = {"reruns": args.reruns, "load_average": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="azure-bench-") as tmp:
        workdir = pathlib.Path(tmp)
        proc, info = start_emulator(workdir)
        try:
            admin = AdminClient(info["url"], ca_bundle_path())
            azure = emulator_module_args(info["url"], info["subscription_id"], info["tenant_id"])
            book = workdir / "bench.yml"
            playbook(book)
            _seconds, created = run_playbook_timed(book, azure, workdir / "create.json")
            assert [r["changed"] for r in created] == [False, True, True, True], created
            per_task, requests, totals = {}, {}, []
            for _attempt in range(args.reruns):
                admin.clear_requests()
                total, records = run_playbook_timed(book, azure, workdir / "rerun.json")
                assert not any(r["changed"] for r in records), records
                totals.append(total)
                for record in records:
                    per_task.setdefault(record["task"], []).append(record["seconds"])
                log = admin.requests()
                requests = {"count": len(log), "methods": sorted({r["method"] for r in log})}
            figures["playbook_noop_task_seconds"] = {k: round(statistics.median(v), 3) for k, v in per_task.items()}
            figures["playbook_noop_total_seconds"] = round(statistics.median(totals), 3)
            figures["requests_per_noop_rerun"] = requests

            in_process = {}
            for module, options in (("aks_cluster", CLUSTER), ("aks_nodepool", POOL)):
                samples = []
                for _attempt in range(args.reruns):
                    admin.clear_requests()
                    started = time.perf_counter()
                    result = run_module(module, dict(azure, **options))
                    samples.append(time.perf_counter() - started)
                    assert not result.get("failed") and not result["changed"], result
                    assert [r["method"] for r in admin.requests()] == ["GET"]
                in_process[module] = round(statistics.median(samples), 4)
            figures["in_process_noop_seconds"] = in_process
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    figures["import_seconds"] = {name: {k: round(v, 3) for k, v in measure(name).items() if k != "sdk_at_import"}
                                 for name in azure_modules()}
    report(figures)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=2))


def report(figures):
    print(textwrap.dedent("""\
        No-op rerun (median of %d; 1-minute load average at start %.1f)
          ansible-playbook, per task:""" % (figures["reruns"], figures["load_average"])))
    for task, seconds in figures["playbook_noop_task_seconds"].items():
        print("    %-16s %6.3f s" % (task, seconds))
    print("    %-16s %6.3f s" % ("whole playbook", figures["playbook_noop_total_seconds"]))
    print("  requests sent by one rerun: %(count)d (%(methods)s)" % figures["requests_per_noop_rerun"])
    print("  in-process module run (no Ansible overhead):")
    for module, seconds in figures["in_process_noop_seconds"].items():
        print("    %-16s %6.3f s" % (module, seconds))
    print("Import time in a fresh interpreter (best of 3): module / module + its SDK client")
    for name, timing in figures["import_seconds"].items():
        print("    %-28s %6.3f s / %6.3f s" % (name, timing["module"], timing["with_client"]))


if __name__ == "__main__":
    main()

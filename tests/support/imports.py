"""Import time of the collection's modules, measured in fresh interpreters (what each Ansible task pays)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support.paths import PROJECT_ROOT

MODULES = "ansible_collections.azure_robotics.stack.plugins.modules."
CLIENTS = "ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clients"

# The SDK service each Azure module builds its client from (None: no SDK client).
SERVICES = {
    "azure_auth_info": None,
    "resource_group": "resource", "resource_group_info": "resource", "resource_provider": "resource",
    "arm_resource": "resource", "arm_resource_info": "resource",
    "aks_cluster": "containerservice", "aks_cluster_info": "containerservice", "aks_nodepool": "containerservice",
    "aks_credentials": "containerservice",
    "user_assigned_identity": "msi", "user_assigned_identity_info": "msi", "federated_credential": "msi",
    "role_assignment": "authorization", "role_assignment_info": "authorization",
    "k8s_extension": "kubernetesconfiguration", "k8s_extension_info": "kubernetesconfiguration",
}

_PROBE = """
import importlib, json, sys, time
start = time.perf_counter()
importlib.import_module(sys.argv[1])
module = time.perf_counter() - start
sdk_loaded = sorted(m for m in sys.modules if m == "azure" or m.startswith("azure."))
if sys.argv[2]:
    from %s import import_client_class
    import_client_class(sys.argv[2])
print(json.dumps({"module": module, "with_client": time.perf_counter() - start, "sdk_at_import": sdk_loaded}))
""" % CLIENTS


def measure(name: str, repeat: int = 3) -> dict:
    """Best of ``repeat`` fresh-interpreter imports.

    ``module``: seconds to import the module (what every task pays before validating its options);
    ``with_client``: plus its service's SDK client (what a task that calls Azure pays);
    ``sdk_at_import``: azure.* packages loaded by the module import alone (should be none: SDKs load lazily).
    """
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT / ".collections"), PYTHONDONTWRITEBYTECODE="")
    best = None
    for _attempt in range(repeat):
        out = subprocess.run([sys.executable, "-c", _PROBE, MODULES + name, SERVICES.get(name) or ""],
                             env=env, capture_output=True, text=True, check=True, cwd=str(PROJECT_ROOT))
        sample = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None:
            best = sample
        else:
            best.update(module=min(best["module"], sample["module"]),
                        with_client=min(best["with_client"], sample["with_client"]))
    return best


def azure_modules() -> list[str]:
    return sorted(SERVICES)

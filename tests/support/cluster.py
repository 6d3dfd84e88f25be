"""Helpers of the cluster-role tests: stand-in charts carrying the real CRDs, operator stand-ins, paths.

The remote charts (NGC, ghcr.io) are out of reach here. A stand-in chart takes their place: it keeps the values it
got in a ConfigMap and creates the objects the real chart would create that the roles wait on or patch (the
operators' Deployments, the default SchedulingShard, the ClusterPolicy), with the real CRDs copied from
/work/shared/crds at test time (never into the repository).
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import threading
import time

import yaml

from support.paths import PROJECT_ROOT, SHARED


def _crds_dir() -> pathlib.Path:
    """``$AZURE_ROBOTICS_SHARED/crds``, else the nearest ``shared/crds`` above this checkout."""
    if (SHARED / "crds").is_dir():
        return SHARED / "crds"
    for parent in PROJECT_ROOT.parents:
        if (parent / "shared" / "crds").is_dir():
            return parent / "shared" / "crds"
    return SHARED / "crds"


CHARTS = PROJECT_ROOT / "tests" / "integration" / "cluster" / "charts"
CRDS = _crds_dir()
PLATFORM_FACTS = PROJECT_ROOT / "tests" / "integration" / "cluster" / "files" / "platform-facts.yml"


def package_standin(helm: str, directory: pathlib.Path, name: str, version: str, crds=()) -> pathlib.Path:
    """The stand-in chart renamed to ``name`` at ``version``, with ``crds`` (file names in /work/shared/crds)."""
    source = directory / "chart-src" / name / version
    shutil.copytree(CHARTS / "standin", source)
    chart = yaml.safe_load((source / "Chart.yaml").read_text())
    chart.update(name=name, version=version)
    (source / "Chart.yaml").write_text(yaml.safe_dump(chart))
    if crds:
        (source / "crds").mkdir()
        for crd in crds:
            shutil.copy(CRDS / crd, source / "crds" / crd)
    out = directory / "charts"
    out.mkdir(exist_ok=True)
    subprocess.run([helm, "package", str(source), "-d", str(out)], check=True, capture_output=True, text=True)
    return out / ("%s-%s.tgz" % (name, version))


class OperatorStandIn(threading.Thread):
    """Plays the operators the stand-in charts do not run: marks custom resources Available once they exist
    (the KAI operator does this for its SchedulingShard)."""

    def __init__(self, api_client, resources):
        super().__init__(daemon=True)
        self.api_client = api_client
        self.resources = resources          # [(group, version, plural, name)] of cluster-scoped objects
        self.stopped = threading.Event()
        self.marked = []

    def run(self):
        import kubernetes

        api = kubernetes.client.CustomObjectsApi(self.api_client)
        while not self.stopped.wait(0.2):
            for group, version, plural, name in self.resources:
                try:
                    obj = api.get_cluster_custom_object(group, version, plural, name)
                except kubernetes.client.ApiException:
                    continue
                conditions = (obj.get("status") or {}).get("conditions") or []
                if any(c.get("type") == "Available" and c.get("status") == "True" for c in conditions):
                    continue
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                api.patch_cluster_custom_object_status(group, version, plural, name, {"status": {"conditions": [
                    {"type": "Available", "status": "True", "reason": "Reconciled", "message": "stand-in",
                     "lastTransitionTime": now, "observedGeneration": obj["metadata"].get("generation", 1)}]}})
                self.marked.append(name)

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)

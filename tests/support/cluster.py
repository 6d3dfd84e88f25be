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

from emulators.k8s.validation import openapi_to_jsonschema
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


# -- schema validation of rendered manifests ------------------------------------------------------------------------
KUBERNETES_VERSION = "1.33"

# The AzureML extension's InstanceType CRD is not public. This schema states the rules its documentation gives
# (reference notes, azureml.md 1.6): a DNS-label name, a nodeSelector of strings, CPU and memory requests and
# limits set and non-zero, GPUs as whole numbers and in limits only.
_NONZERO_QUANTITY = r"^(?!0+(\.0+)?[A-Za-z]*$)[0-9]+(\.[0-9]+)?[A-Za-z]*$"
INSTANCE_TYPE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "amlarc.azureml.com/v1alpha1"},
        "kind": {"const": "InstanceType"},
        "metadata": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}}},
        "spec": {"type": "object", "required": ["resources"], "additionalProperties": False, "properties": {
            "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
            "resources": {"type": "object", "required": ["requests", "limits"], "additionalProperties": False,
                          "properties": {
                              "requests": {"type": "object", "required": ["cpu", "memory"],
                                           "propertyNames": {"not": {"pattern": "^nvidia\\.com/"}},
                                           "additionalProperties": {"type": "string", "pattern": _NONZERO_QUANTITY}},
                              "limits": {"type": "object", "required": ["cpu", "memory"],
                                         "properties": {"cpu": {"type": "string", "pattern": _NONZERO_QUANTITY},
                                                        "memory": {"type": "string", "pattern": _NONZERO_QUANTITY}},
                                         "patternProperties": {"^nvidia\\.com/": {"type": "integer", "minimum": 0}},
                                         "additionalProperties": False}}}}},
    },
}


def crd_schema(crd_file: str, version: str) -> dict:
    crd = yaml.safe_load((CRDS / crd_file).read_text())
    for item in crd["spec"]["versions"]:
        if item["name"] == version:
            schema = openapi_to_jsonschema(item["schema"]["openAPIV3Schema"], closed=True)
            schema.setdefault("properties", {})["metadata"] = {"type": "object"}
            return schema
    raise KeyError("%s has no version %s" % (crd_file, version))


def schema_errors(obj: dict, schema: dict) -> list:
    import jsonschema

    validator = jsonschema.Draft7Validator(schema)
    return ["%s: %s" % ("/".join(str(p) for p in error.absolute_path) or "(root)", error.message)
            for error in validator.iter_errors(obj)]


def builtin_errors(obj: dict) -> list:
    """kubernetes-validate's strict schemas (unknown fields are errors)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [str(exc)]
    return []

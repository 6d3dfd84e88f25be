# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AzureML jobs, environments and models: validation, naming and result shaping.

Pure Python, no SDK import: everything here runs before the first request
(bad input fails naming the option) or after the last one (results), and is
unit-tested on its own. ``azureml_client`` holds the azure-ai-ml calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

# Statuses of AzureML jobs (azure-ai-ml JobStatus). Terminal ones end a wait.
TERMINAL_STATUSES = ("Completed", "Failed", "Canceled", "NotResponding", "Paused")
FAILED_STATUSES = ("Failed", "NotResponding", "Canceled", "Paused")
ACTIVE_STATUSES = ("NotStarted", "Starting", "Provisioning", "Preparing", "Queued", "Running", "Finalizing",
                   "CancelRequested")

INPUT_TYPES = ("uri_folder", "uri_file", "custom_model", "mlflow_model", "triton_model", "literal")
OUTPUT_TYPES = ("uri_folder", "uri_file", "custom_model", "mlflow_model")
INPUT_MODES = ("ro_mount", "download", "direct", "eval_mount", "eval_download")
OUTPUT_MODES = ("rw_mount", "upload", "direct")
MODEL_INPUT_TYPES = ("custom_model", "mlflow_model", "triton_model")

# Name rules of the service (workspace, compute and job names; asset names and versions).
_WORKSPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$")
_RESOURCE_GROUP = re.compile(r"^[-\w._()]{1,90}$")
_COMPUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,15}$")
_JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
_ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_ASSET_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# An InstanceType is a Kubernetes object on the attached cluster: an RFC 1123 label.
_INSTANCE_TYPE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHM_SIZE = re.compile(r"^[0-9]+[bkmgBKMG]?$")
# registry/repository[:tag][@sha256:digest], as docker accepts it.
_IMAGE = re.compile(r"^(?P<repo>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
                    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@sha256:(?P<digest>[a-f0-9]{64}))?$")
# Remote references azure-ai-ml resolves without uploading anything.
_REMOTE_PATH = re.compile(r"^(azureml:|azureml://|https://|http://|wasbs?://|abfss?://|adl://|runs:/|models:/)")
_AZUREML_MODEL_REF = re.compile(r"^azureml:(?P<name>[^:@/]+)(?::(?P<version>[^:@/]+)|@(?P<label>[A-Za-z0-9_-]+))$")
_MLFLOW_MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>[^/]+)|@(?P<alias>[^/]+))/?$")


class AzureMLSpecError(ValueError):
    """Input that cannot be submitted; the message names the option and what to do."""


def _require(pattern, value, option, what):
    if value is None or not pattern.match(str(value)):
        raise AzureMLSpecError("%s=%r is not a valid %s" % (option, value, what))


def validate_workspace(resource_group, workspace_name):
    if not resource_group:
        raise AzureMLSpecError("resource_group is required: the resource group of the AzureML workspace")
    if not workspace_name:
        raise AzureMLSpecError("workspace_name is required: the name of the AzureML workspace")
    if not _RESOURCE_GROUP.match(resource_group) or resource_group.endswith("."):
        raise AzureMLSpecError("resource_group=%r is not a valid resource group name (1-90 letters, digits, "
                               "'_', '-', '.', '(', ')'; not ending with '.')" % resource_group)
    _require(_WORKSPACE_NAME, workspace_name, "workspace_name",
             "workspace name (3-33 letters, digits, '-' or '_', starting with a letter or digit)")


def validate_environment(environment):
    """Checks the ``environment`` option; returns it normalised (strings, image optional)."""
    if not environment:
        raise AzureMLSpecError("environment is required: give environment.name and environment.version, and "
                               "environment.image to register it")
    name, version, image = environment.get("name"), environment.get("version"), environment.get("image")
    _require(_ASSET_NAME, name, "environment.name", "asset name (letters, digits, '.', '-', '_')")
    if version is None or str(version) == "":
        raise AzureMLSpecError("environment.version is required (AzureML environment versions are immutable; "
                               "derive it from the image tag, e.g. with the azureml_environment_version filter)")
    version = str(version)
    _require(_ASSET_VERSION, version, "environment.version", "asset version (letters, digits, '.', '-', '_')")
    if image is not None and not _IMAGE.match(str(image)):
        raise AzureMLSpecError("environment.image=%r is not a container image reference "
                               "(registry/repository:tag or registry/repository@sha256:<digest>)" % image)
    return dict(environment, name=name, version=version, image=image)


def environment_version_from_image(image):
    """The environment version the reference derives from an image: ``<tag>`` or ``<tag>-sha256-<digest[:12]>``."""
    match = _IMAGE.match(str(image or ""))
    if not match:
        raise AzureMLSpecError("%r is not a container image reference (registry/repository:tag)" % (image,))
    tag = match.group("tag") or "latest"
    digest = match.group("digest")
    return "%s-sha256-%s" % (tag, digest[:12]) if digest else tag


def validate_compute(compute, instance_type, instance_count):
    if not compute:
        raise AzureMLSpecError("compute is required: the name of the attached Kubernetes compute")
    _require(_COMPUTE_NAME, compute, "compute",
             "compute name (2-16 letters, digits or '-', starting with a letter)")
    if instance_type is not None:
        _require(_INSTANCE_TYPE, instance_type, "instance_type",
                 "instance type name: an InstanceType object of the attached cluster, lower-case letters, digits "
                 "and '-' (e.g. gpuspot)")
    if instance_count is not None and int(instance_count) < 1:
        raise AzureMLSpecError("instance_count must be >= 1, got %s" % instance_count)


def normalise_inputs(inputs):
    """Turns the ``inputs`` option into ``{name: {type, path|value, mode}}``; scalars become literal inputs."""
    result = {}
    for name, spec in (inputs or {}).items():
        option = "inputs.%s" % name
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(name)):
            raise AzureMLSpecError("%s: input names must be identifiers (letters, digits, '_')" % option)
        if not isinstance(spec, dict):
            if isinstance(spec, (list, tuple)) or spec is None:
                raise AzureMLSpecError("%s must be a scalar (a literal input) or a dict with type and path" % option)
            result[name] = {"type": "literal", "value": _literal(spec)}
            continue
        kind = spec.get("type") or ("literal" if "value" in spec else "uri_folder")
        if kind not in INPUT_TYPES:
            raise AzureMLSpecError("%s.type=%r is not one of %s" % (option, kind, ", ".join(INPUT_TYPES)))
        if kind == "literal":
            if spec.get("value") is None:
                raise AzureMLSpecError("%s.value is required for a literal input" % option)
            result[name] = {"type": "literal", "value": _literal(spec["value"])}
            continue
        path = spec.get("path")
        if not path:
            raise AzureMLSpecError("%s.path is required for a %s input" % (option, kind))
        path = str(path)
        if not _REMOTE_PATH.match(path):
            raise AzureMLSpecError("%s.path=%r must be a remote reference (azureml:<name>:<version>, azureml://..., "
                                   "https://..., runs:/..., models:/...); ship local files with the code option"
                                   % (option, path))
        if kind in MODEL_INPUT_TYPES:
            path = model_input_path(path, option)
        mode = spec.get("mode")
        if mode is not None and mode not in INPUT_MODES:
            raise AzureMLSpecError("%s.mode=%r is not one of %s" % (option, mode, ", ".join(INPUT_MODES)))
        entry = {"type": kind, "path": path}
        if mode:
            entry["mode"] = mode
        result[name] = entry
    return result


def normalise_outputs(outputs):
    result = {}
    for name, spec in (outputs or {}).items():
        option = "outputs.%s" % name
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(name)):
            raise AzureMLSpecError("%s: output names must be identifiers (letters, digits, '_')" % option)
        spec = spec or {}
        if not isinstance(spec, dict):
            raise AzureMLSpecError("%s must be a dict (type, mode, path)" % option)
        kind = spec.get("type") or "uri_folder"
        if kind not in OUTPUT_TYPES:
            raise AzureMLSpecError("%s.type=%r is not one of %s" % (option, kind, ", ".join(OUTPUT_TYPES)))
        mode = spec.get("mode")
        if mode is not None and mode not in OUTPUT_MODES:
            raise AzureMLSpecError("%s.mode=%r is not one of %s" % (option, mode, ", ".join(OUTPUT_MODES)))
        entry = {"type": kind}
        if mode:
            entry["mode"] = mode
        if spec.get("path"):
            if not str(spec["path"]).startswith("azureml://"):
                raise AzureMLSpecError("%s.path=%r must be an azureml://datastores/<store>/paths/<path> URI"
                                       % (option, spec["path"]))
            entry["path"] = str(spec["path"])
        result[name] = entry
    return result


def model_input_path(path, option="checkpoint"):
    """Maps a model reference to the form azure-ai-ml resolves: ``models:/n/v`` becomes ``azureml:n:v``."""
    mlflow = _MLFLOW_MODEL_URI.match(path)
    if mlflow:
        if mlflow.group("alias") or mlflow.group("version") == "latest":
            return "azureml:%s@latest" % mlflow.group("name")
        return "azureml:%s:%s" % (mlflow.group("name"), mlflow.group("version"))
    if path.startswith("azureml:") and not path.startswith("azureml://") and not _AZUREML_MODEL_REF.match(path):
        raise AzureMLSpecError("%s=%r is not a model reference; use azureml:<name>:<version> or azureml:<name>@latest"
                               % (option, path))
    return path


def checkpoint_input(uri):
    """The job input for a checkpoint URI when AzureML must resolve it (a registered model), else None.

    ``models:/<name>/<version>`` and ``azureml:<name>:<version>`` become a ``custom_model`` input downloaded
    into the job (the reference downloads rather than mounts: mounts break with workload identity).
    ``runs:/``, blob URLs and paths are passed to the training command as they are.
    """
    if not uri:
        return None
    text = str(uri)
    if _MLFLOW_MODEL_URI.match(text) or _AZUREML_MODEL_REF.match(text):
        return {"type": "custom_model", "path": model_input_path(text, "checkpoint_uri"), "mode": "download"}
    if text.startswith("azureml://"):
        return {"type": "uri_folder", "path": text, "mode": "download"}
    if text.startswith("azureml:"):
        raise AzureMLSpecError("checkpoint_uri=%r is not a model reference; use azureml:<name>:<version>, "
                               "azureml:<name>@latest or models:/<name>/<version>" % text)
    return None


def _literal(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def validate_environment_variables(variables):
    result = {}
    for key, value in (variables or {}).items():
        if not _ENV_VAR.match(str(key)):
            raise AzureMLSpecError("environment_variables: %r is not a valid variable name (letters, digits, '_', "
                                   "not starting with a digit)" % (key,))
        if value is None:
            raise AzureMLSpecError("environment_variables.%s has no value" % key)
        result[str(key)] = _literal(value)
    return result


def validate_tags(tags, option="tags"):
    result = {}
    for key, value in (tags or {}).items():
        if value is None or isinstance(value, (dict, list)):
            raise AzureMLSpecError("%s.%s must be a string, got %r" % (option, key, value))
        result[str(key)] = _literal(value)
    return result


def validate_job_options(params):
    """Validates and normalises the options of ``azureml_job`` (state=present). Raises AzureMLSpecError."""
    validate_workspace(params.get("resource_group"), params.get("workspace_name"))
    if not params.get("command") or not str(params["command"]).strip():
        raise AzureMLSpecError("command is required: the shell command the job runs")
    validate_compute(params.get("compute"), params.get("instance_type"), params.get("instance_count"))
    if params.get("name") is not None:
        _require(_JOB_NAME, params["name"], "name",
                 "job name (1-255 letters, digits, '-' or '_', starting with a letter or digit)")
        if params.get("deterministic_name"):
            raise AzureMLSpecError("name and deterministic_name are mutually exclusive: give a name, or let the "
                                   "module derive one from the job definition")
    if params.get("experiment_name") is not None:
        _require(_ASSET_NAME, params["experiment_name"], "experiment_name",
                 "experiment name (letters, digits, '.', '-', '_')")
    if params.get("shm_size") is not None:
        _require(_SHM_SIZE, params["shm_size"], "shm_size", "size (a number with an optional b, k, m or g unit)")
    if params.get("timeout") is not None and int(params["timeout"]) <= 0:
        raise AzureMLSpecError("timeout must be a positive number of seconds, got %s" % params["timeout"])
    if params.get("poll_interval") is not None and int(params["poll_interval"]) <= 0:
        raise AzureMLSpecError("poll_interval must be a positive number of seconds, got %s" % params["poll_interval"])
    spec = {
        "command": str(params["command"]),
        "environment": validate_environment(params.get("environment")),
        "compute": params["compute"],
        "instance_type": params.get("instance_type"),
        "instance_count": params.get("instance_count") or 1,
        "shm_size": params.get("shm_size"),
        "timeout": params.get("timeout"),
        "inputs": normalise_inputs(params.get("inputs")),
        "outputs": normalise_outputs(params.get("outputs")),
        "environment_variables": validate_environment_variables(params.get("environment_variables")),
        "experiment_name": params.get("experiment_name") or "Default",
        "display_name": params.get("display_name"),
        "description": params.get("description"),
        "tags": validate_tags(params.get("tags")),
        "identity": params.get("identity"),
        "code": params.get("code"),
    }
    _check_input_references(spec)
    return spec


def _check_input_references(spec):
    """``${{inputs.x}}`` / ``${{outputs.y}}`` in the command must name declared inputs and outputs."""
    for kind, names in (("inputs", spec["inputs"]), ("outputs", spec["outputs"])):
        for ref in re.findall(r"\$\{\{\s*%s\.([A-Za-z0-9_]+)\s*\}\}" % kind, spec["command"]):
            if ref not in names:
                raise AzureMLSpecError("command refers to ${{%s.%s}}, but %s has no %r; declare it or fix the "
                                       "command" % (kind, ref, kind, ref))


def spec_digest(spec, code_digest=None):
    """A stable digest of everything that defines a job (the code directory by its content digest)."""
    material = dict(spec)
    material["code"] = code_digest
    material["environment"] = {k: material["environment"].get(k) for k in ("name", "version", "image")}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def deterministic_job_name(spec, code_digest=None):
    """``<experiment>-<16 hex digits of the definition's digest>``: the same definition gives the same name."""
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", spec.get("experiment_name") or "job").strip("-_")[:40] or "job"
    if not prefix[0].isalnum():
        prefix = "job-" + prefix
    return "%s-%s" % (prefix, spec_digest(spec, code_digest)[:16])


def directory_digest(path, ignore=(".git", "__pycache__", ".venv", ".tox", ".pytest_cache")):
    """SHA-256 over the relative paths and contents of a directory's files (sorted), for naming only."""
    import os

    digest = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in ignore)
        for name in sorted(files):
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).replace(os.sep, "/").encode("utf-8") + b"\0")
            with open(full, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            digest.update(b"\0")
    return digest.hexdigest()


def check_instance_type(compute_name, compute_type, instance_types, instance_type):
    """Fails when the compute cannot run the job as asked; returns a warning text or None."""
    if compute_type and str(compute_type).lower() != "kubernetes":
        if instance_type:
            raise AzureMLSpecError("compute %s is a %s compute; instance_type applies to attached Kubernetes "
                                   "computes only - drop instance_type or pick the Kubernetes compute"
                                   % (compute_name, compute_type))
        return None
    if not instance_type:
        return None
    known = sorted(instance_types or [])
    if not known:
        return ("compute %s reports no instance types; instance_type=%s is checked by the cluster when the job "
                "starts" % (compute_name, instance_type))
    if instance_type not in known:
        raise AzureMLSpecError("instance_type=%s is not defined on compute %s (it has: %s); create the InstanceType "
                               "on the cluster or pick one of these" % (instance_type, compute_name, ", ".join(known)))
    return None


def environment_conflict(name, version, existing_image, wanted_image):
    """The error for an existing environment version that holds another image (versions are immutable)."""
    return ("environment %s:%s already exists with image %s, not %s; AzureML environment versions are immutable - "
            "use a new environment.version for the new image (e.g. derived from its tag)"
            % (name, version, existing_image, wanted_image))


def output_locations(job_name, outputs):
    """Where a job's results are: the MLflow artefacts output and every named output."""
    locations = {"artifacts": "azureml://jobs/%s/outputs/artifacts/paths/" % job_name}
    for name, output in (outputs or {}).items():
        locations[name] = output.get("path") or "azureml://jobs/%s/outputs/%s" % (job_name, name)
    return locations


def error_from_stream_exception(text):
    """The AzureML error (``{code, message}``) inside azure-ai-ml's JobException text, when there is one."""
    start = (text or "").find("{")
    if start < 0:
        return None
    try:
        data = json.JSONDecoder().raw_decode(text[start:])[0]
    except ValueError:
        return None
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return {"code": err.get("code"), "message": err.get("message")}
    return None


def tail(text, max_bytes):
    """The last ``max_bytes`` of ``text`` (whole lines), marked when cut; nothing when ``max_bytes`` is 0."""
    data = (text or "").encode("utf-8")
    if len(data) <= max_bytes:
        return text or ""
    if max_bytes <= 0:
        return ""
    cut = data[-max_bytes:].decode("utf-8", "ignore")
    newline = cut.find("\n")
    if 0 <= newline < len(cut) - 1:
        cut = cut[newline + 1:]
    return "[... %d bytes cut ...]\n%s" % (len(data) - len(cut.encode("utf-8")), cut)


# -- models -------------------------------------------------------------------

def version_sort_key(version):
    text = str(version)
    return (1, int(text), "") if text.isdigit() else (0, 0, text)


def filter_model_versions(versions, tags=None, properties=None):
    """Keeps versions whose tags (and properties) hold every given key/value.

    AzureML cannot filter model versions by tag on the server, so this runs
    on the client. A value of ``None`` only requires the key to be present.
    """
    def matches(actual, wanted):
        actual = actual or {}
        for key, value in (wanted or {}).items():
            if key not in actual:
                return False
            if value is not None and str(actual[key]) != _literal(value):
                return False
        return True

    kept = [v for v in versions if matches(v.get("tags"), tags) and matches(v.get("properties"), properties)]
    return sorted(kept, key=lambda v: version_sort_key(v.get("version")), reverse=True)

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The azure-ai-ml calls behind ``azureml_job`` and ``azureml_model_info``.

azure-ai-ml builds its own REST clients, so it gets the collection's pieces
explicitly: the credential of ``AzureModule``, the cloud (a named cloud, or a
custom ARM endpoint registered as an azure-ai-ml cloud), the CA bundle (as
azure-core's ``connection_verify``, never disabled) and the jittered retry
policy. ``azure.ai.ml`` takes seconds to import; it is imported here, inside
``AzureMLClient``, only when a module executes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import io
import os
import sys
import threading
import time

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml import (
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    error_from_stream_exception,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clients import USER_AGENT
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import arm_retry_policy

# azure-ai-ml's names for the named clouds.
AZUREML_CLOUDS = {"public": "AzureCloud", "china": "AzureChinaCloud", "usgov": "AzureUSGovernment"}
STUDIO = {"public": "https://ml.azure.com/", "china": "https://ml.azure.cn/", "usgov": "https://ml.azure.us/"}


def cloud_kwargs(cloud):
    """MLClient keyword arguments selecting ``cloud``; custom ARM endpoints are registered under a derived name."""
    if not cloud.custom:
        return {"cloud": AZUREML_CLOUDS[cloud.name]}
    name = "AzureRoboticsCustom%s" % hashlib.sha256(cloud.arm.encode("utf-8")).hexdigest()[:10]
    return {
        "cloud": name,
        "cloud_metadata": {
            "azure_portal": "https://portal.azure.com/",
            "resource_manager": cloud.arm,
            "active_directory": "https://%s/" % cloud.authority,
            "aml_resource_id": STUDIO["public"],
            "storage_endpoint": cloud.storage_suffix,
            "registry_discovery_endpoint": cloud.arm,
        },
    }


class CapturedOutput:
    """azure-ai-ml prints progress and log streams to stdout, which is the module's JSON channel: keep it."""

    def __init__(self):
        self.buffer = io.StringIO()

    @contextlib.contextmanager
    def __call__(self):
        with contextlib.redirect_stdout(self.buffer):
            yield self.buffer

    def text(self):
        return self.buffer.getvalue()


def _status(job):
    status = getattr(job, "status", None)
    return str(getattr(status, "value", status)) if status is not None else None


class AzureMLClient:
    """One workspace, reached through azure-ai-ml's MLClient."""

    def __init__(self, azure, resource_group, workspace_name, poll_interval=15):
        self.azure = azure
        self.resource_group = resource_group
        self.workspace_name = workspace_name
        self.poll_interval = poll_interval
        self.captured = CapturedOutput()
        # azure-ai-ml reads its log-streaming poll bounds from the environment when it is imported.
        os.environ.setdefault("AZUREML_RUN_POLLING_INTERVAL_MIN", str(max(1, min(2, poll_interval))))
        os.environ.setdefault("AZUREML_RUN_POLLING_INTERVAL_MAX", str(max(1, poll_interval)))
        # When azureml-mlflow is installed, every workspace read imports it (and all of MLflow, ~8 s) only to
        # rewrite the MLflow tracking URI, which these modules never use; azure-ai-ml falls back to the URI in
        # the response when that import fails, so make it fail in this (short-lived module) process.
        if "azureml.mlflow" not in sys.modules:
            sys.modules["azureml.mlflow"] = None
        # azure-ai-ml resolves the cloud named in AZUREML_CURRENT_CLOUD while it is imported (fetching ARM
        # metadata for names it does not know); the cloud is passed explicitly below, so start from a known one.
        known = AZUREML_CLOUDS.get(azure.cloud.name, AZUREML_CLOUDS["public"])
        os.environ["AZUREML_CURRENT_CLOUD"] = known
        try:
            with self.captured():
                from azure.ai.ml import MLClient
        except ImportError as exc:
            azure.missing_library("azure-ai-ml", exc)
            raise
        p = azure.params
        kwargs = dict(cloud_kwargs(azure.cloud))
        kwargs.update(
            enable_telemetry=False,
            show_progress=False,
            user_agent=USER_AGENT,
            retry_policy=arm_retry_policy(retries=p["api_retries"]),
        )
        if p.get("ca_bundle"):
            kwargs["connection_verify"] = p["ca_bundle"]
        try:
            with self.captured():
                self.ml = MLClient(azure.credential, p["subscription_id"], resource_group, workspace_name, **kwargs)
        except Exception as exc:  # a credential or cloud set-up problem, before any request
            raise AzureModuleError("Failed to set up the azure-ai-ml client for workspace %s (cloud %s): %s"
                                   % (workspace_name, azure.cloud.name, exc))

    @property
    def workspace_id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s" % (
            self.azure.params["subscription_id"], self.resource_group, self.workspace_name)

    def _call(self, action, resource, func, *args, **kwargs):
        try:
            with self.captured():
                return func(*args, **kwargs)
        except AzureModuleError:
            raise
        except Exception as exc:  # every SDK error is reported with the resource and ARM's code
            from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import describe

            raise AzureModuleError(describe(exc, action, resource), error_code=getattr(
                getattr(exc, "error", None), "code", None))

    def _get_or_none(self, action, resource, func, *args, **kwargs):
        from azure.core.exceptions import ResourceNotFoundError

        try:
            with self.captured():
                return func(*args, **kwargs)
        except ResourceNotFoundError:
            return None
        except Exception:
            return self._call(action, resource, func, *args, **kwargs)

    # -- reads --------------------------------------------------------------
    def get_job(self, name):
        return self._get_or_none("read", "job '%s'" % name, self.ml.jobs.get, name)

    def get_compute(self, name):
        compute = self._get_or_none("read", "compute '%s'" % name, self.ml.compute.get, name)
        if compute is None:
            raise AzureModuleError("compute %s was not found in workspace %s; attach the AKS cluster first "
                                   "(azure_robotics.stack.azureml_compute or the azureml role) or fix the compute "
                                   "option" % (name, self.workspace_name))
        properties = getattr(compute, "properties", None) or {}
        return {
            "name": compute.name,
            "type": str(getattr(compute, "type", "") or ""),
            "provisioning_state": getattr(compute, "provisioning_state", None),
            "namespace": getattr(compute, "namespace", None) or properties.get("namespace"),
            "instance_types": sorted((properties.get("instanceTypes") or {}).keys()),
            "default_instance_type": properties.get("defaultInstanceType"),
        }

    def get_environment(self, name, version):
        return self._get_or_none("read", "environment '%s:%s'" % (name, version), self.ml.environments.get,
                                 name, version)

    def list_model_versions(self, name):
        from azure.core.exceptions import ResourceNotFoundError

        try:
            with self.captured():
                return list(self.ml.models.list(name=name))
        except ResourceNotFoundError:
            return []
        except Exception:
            return self._call("list the versions of", "model '%s'" % name, lambda: list(self.ml.models.list(name=name)))

    def get_model_version(self, name, version):
        return self._get_or_none("read", "model '%s:%s'" % (name, version), self.ml.models.get, name, version)

    # -- writes -------------------------------------------------------------
    def create_environment(self, spec):
        from azure.ai.ml.entities import Environment

        env = Environment(name=spec["name"], version=spec["version"], image=spec["image"],
                          description=spec.get("description"), tags=spec.get("tags") or {})
        return self._call("register", "environment '%s:%s'" % (spec["name"], spec["version"]),
                          self.ml.environments.create_or_update, env)

    def build_job(self, spec, name):
        from azure.ai.ml import Input, Output, command

        inputs = {}
        for key, value in spec["inputs"].items():
            if value["type"] == "literal":
                inputs[key] = value["value"]
            else:
                inputs[key] = Input(type=value["type"], path=value["path"], mode=value.get("mode"))
        outputs = {}
        for key, value in spec["outputs"].items():
            outputs[key] = Output(type=value["type"], path=value.get("path"), mode=value.get("mode"))
        env = spec["environment"]
        kwargs = dict(
            name=name,
            command=spec["command"],
            environment="azureml:%s:%s" % (env["name"], env["version"]),
            compute=spec["compute"],
            inputs=inputs,
            outputs=outputs,
            environment_variables=spec["environment_variables"],
            experiment_name=spec["experiment_name"],
            display_name=spec["display_name"] or name,
            description=spec["description"],
            tags=spec["tags"],
            instance_count=spec["instance_count"],
        )
        if spec["instance_type"]:
            kwargs["instance_type"] = spec["instance_type"]
        if spec["code"]:
            kwargs["code"] = spec["code"]
        if spec["shm_size"]:
            kwargs["shm_size"] = spec["shm_size"]
        if spec["timeout"]:
            kwargs["timeout"] = int(spec["timeout"])
        if spec["identity"]:
            from azure.ai.ml import AmlTokenConfiguration, ManagedIdentityConfiguration, UserIdentityConfiguration

            kwargs["identity"] = {"managed": ManagedIdentityConfiguration, "user": UserIdentityConfiguration,
                                  "aml_token": AmlTokenConfiguration}[spec["identity"]]()
        with self.captured():
            return command(**kwargs)

    def submit(self, spec, name):
        job = self.build_job(spec, name)
        return self._call("submit", "job '%s' to compute '%s'" % (name, spec["compute"]),
                          self.ml.jobs.create_or_update, job)

    def cancel(self, name, timeout):
        poller = self._call("cancel", "job '%s'" % name, self.ml.jobs.begin_cancel, name)
        self._call("cancel", "job '%s'" % name, poller.result, timeout)

    # -- waiting ------------------------------------------------------------
    def wait(self, name, timeout, sleep=time.sleep, clock=time.monotonic, until=TERMINAL_STATUSES):
        """Polls the job until its status is in ``until``; returns ``(job, timed_out)``."""
        deadline = clock() + timeout
        while True:
            job = self._call("read", "job '%s'" % name, self.ml.jobs.get, name)
            if _status(job) in until:
                return job, False
            remaining = deadline - clock()
            if remaining <= 0:
                return job, True
            sleep(min(self.poll_interval, remaining))

    def stream(self, name, timeout):
        """Streams the job's logs until it ends; returns ``(logs, error, finished)``.

        azure-ai-ml's ``jobs.stream`` blocks until the job ends and has no
        timeout, so it runs in a daemon thread that is abandoned (with the
        logs it collected) when ``timeout`` passes.
        """
        buffer = io.StringIO()
        outcome = {}

        def run():
            try:
                self.ml.jobs.stream(name)
            except Exception as exc:  # JobException carries the job's error; others are reported as they are
                outcome["exception"] = exc

        # The stream writes to whatever sys.stdout is when it starts: point it at the buffer from here (the
        # worker must not swap sys.stdout itself, or an abandoned worker would swap it back later).
        worker = threading.Thread(target=run, name="azureml-stream-%s" % name, daemon=True)
        saved = sys.stdout
        sys.stdout = buffer
        try:
            worker.start()
            worker.join(timeout)
        finally:
            sys.stdout = saved
        finished = not worker.is_alive()
        exc = outcome.get("exception")
        error = None
        if exc is not None:
            error = error_from_stream_exception(str(exc)) or {"code": type(exc).__name__, "message": str(exc)}
        return buffer.getvalue(), error, finished

    def job_error(self, name, timeout=60):
        """The error AzureML recorded for a failed job (run history), or None."""
        return self.stream(name, timeout)[1]


def job_result(job, studio_fallback=None):
    """The ``job`` return value of azureml_job from an azure-ai-ml Job."""
    resources = getattr(job, "resources", None)
    instance_type = getattr(resources, "instance_type", None) if resources is not None else None
    instance_count = getattr(resources, "instance_count", None) if resources is not None else None
    inputs = {}
    for key, value in (getattr(job, "inputs", None) or {}).items():
        data = getattr(value, "_data", value)
        if hasattr(data, "path") or hasattr(data, "type"):
            inputs[key] = {"type": getattr(data, "type", None), "path": getattr(data, "path", None),
                           "mode": getattr(data, "mode", None)}
        else:
            inputs[key] = {"type": "literal", "value": str(getattr(data, "_data", data))}
    outputs = {}
    for key, value in (getattr(job, "outputs", None) or {}).items():
        data = getattr(value, "_data", value)
        outputs[key] = {"type": getattr(data, "type", None), "path": getattr(data, "path", None),
                        "mode": getattr(data, "mode", None)}
    environment = getattr(job, "environment", None)
    code = getattr(job, "code", None)
    return {
        "name": job.name,
        "id": getattr(job, "id", None),
        "status": _status(job),
        "display_name": getattr(job, "display_name", None),
        "experiment_name": getattr(job, "experiment_name", None),
        "command": getattr(job, "command", None),
        "compute": getattr(job, "compute", None),
        "instance_type": instance_type,
        "instance_count": instance_count,
        "environment": environment if isinstance(environment, str) else getattr(environment, "id", None),
        "code": code if isinstance(code, str) or code is None else getattr(code, "id", None),
        "inputs": inputs,
        "outputs": outputs,
        "environment_variables": dict(getattr(job, "environment_variables", None) or {}),
        "tags": dict(getattr(job, "tags", None) or {}),
        "studio_url": getattr(job, "studio_url", None) or studio_fallback,
        "creation_context": _creation(job),
    }


def _creation(job):
    ctx = getattr(job, "creation_context", None)
    if ctx is None:
        return None
    created = getattr(ctx, "created_at", None)
    return {"created_at": created.isoformat() if hasattr(created, "isoformat") else created,
            "created_by": getattr(ctx, "created_by", None)}


def is_failure(status):
    return status in FAILED_STATUSES


def model_result(model):
    ctx = getattr(model, "creation_context", None)
    created = getattr(ctx, "created_at", None) if ctx is not None else None
    return {
        "name": model.name,
        "version": str(model.version),
        "id": getattr(model, "id", None),
        "azureml_id": "azureml:%s:%s" % (model.name, model.version),
        "type": getattr(model, "type", None),
        "path": getattr(model, "path", None),
        "description": getattr(model, "description", None),
        "tags": dict(getattr(model, "tags", None) or {}),
        "properties": dict(getattr(model, "properties", None) or {}),
        "stage": getattr(model, "stage", None),
        "job_name": getattr(model, "job_name", None),
        "created_at": created.isoformat() if hasattr(created, "isoformat") else created,
    }

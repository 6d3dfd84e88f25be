"""The emulated workspace: assets, computes, jobs and their clock-driven state machine.

Everything here is plain data guarded by one lock; ``server.py`` turns HTTP
requests into calls on ``Workspace`` and its return values into responses.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import hashlib
import re
import threading
import time
import uuid

ARM_PREFIX = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}"

# What the AzureML service reports for jobs that are still going, and when they stop.
ACTIVE_STATUSES = ("NotStarted", "Queued", "Preparing", "Provisioning", "Starting", "Running", "Finalizing",
                   "CancelRequested")
TERMINAL_STATUSES = ("Completed", "Failed", "Canceled", "NotResponding", "Paused")

# The instance types the reference architecture creates on the attached AKS cluster
# (defaultinstancetype, gpu/gpuspot and the 2- and 4-GPU variants).
_GPU = {"accelerator": "nvidia"}
_SPOT = {"accelerator": "nvidia", "kubernetes.azure.com/scalesetpriority": "spot"}
REFERENCE_INSTANCE_TYPES = {  # name: (node selector, requests, limits)
    "defaultinstancetype": ({}, {"cpu": "1", "memory": "4Gi"}, {"cpu": "2", "memory": "8Gi"}),
    "gpu": (_GPU, {"cpu": "4", "memory": "16Gi"}, {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"}),
    "gpuspot": (_SPOT, {"cpu": "4", "memory": "16Gi"}, {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"}),
    "gpu2": (_GPU, {"cpu": "8", "memory": "32Gi"}, {"cpu": "16", "memory": "64Gi", "nvidia.com/gpu": "2"}),
    "gpuspot2": (_SPOT, {"cpu": "8", "memory": "32Gi"}, {"cpu": "16", "memory": "64Gi", "nvidia.com/gpu": "2"}),
}


class ApiError(Exception):
    """An ARM-style error: HTTP status, error code and message (``{"error": {"code", "message"}}``)."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def utcnow() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def system_data() -> dict:
    now = utcnow()
    return {"createdAt": now, "createdBy": "emulator@azure-robotics.test", "createdByType": "User",
            "lastModifiedAt": now, "lastModifiedBy": "emulator@azure-robotics.test", "lastModifiedByType": "User"}


@dataclasses.dataclass
class JobRule:
    """How jobs whose command contains ``command_contains`` (all jobs when empty) behave."""

    command_contains: str = ""
    outcome: str = "Completed"  # Completed | Failed
    queued_seconds: float | None = None
    running_seconds: float | None = None
    error_code: str = "UserError"
    error_message: str = "Execution failed. User process exited with status code 1."
    log_lines: list[str] = dataclasses.field(default_factory=list)

    def matches(self, command: str) -> bool:
        return self.command_contains in (command or "")


@dataclasses.dataclass
class Job:
    name: str
    body: dict  # the resource as stored: id, name, type, properties, systemData
    submitted: float
    queued_seconds: float
    running_seconds: float
    rule: JobRule
    cancel_requested: float | None = None
    log_token: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)

    def status(self, now: float, cancel_seconds: float) -> str:
        elapsed = now - self.submitted
        if self.cancel_requested is not None:
            natural_end = self.submitted + self.queued_seconds + self.running_seconds
            if self.cancel_requested < natural_end:
                return "Canceled" if now - self.cancel_requested >= cancel_seconds else "CancelRequested"
        if elapsed < self.queued_seconds:
            return "Queued"
        if elapsed < self.queued_seconds + self.running_seconds:
            return "Running"
        return self.rule.outcome

    def started(self, now: float) -> bool:
        return now - self.submitted >= self.queued_seconds


class Workspace:
    """One AzureML workspace with its default datastore and one attached Kubernetes compute."""

    def __init__(self, subscription_id="00000000-0000-0000-0000-000000000000", resource_group="rg-robotics",
                 workspace_name="mlw-robotics", location="eastus", compute_name="k8s-robotics",
                 instance_types=None, queued_seconds=0.5, running_seconds=1.5, cancel_seconds=0.3,
                 token="emulator-token", storage=None):
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.workspace_name = workspace_name
        self.location = location
        self.compute_name = compute_name
        self.instance_types = dict(instance_types or REFERENCE_INSTANCE_TYPES)
        self.queued_seconds = queued_seconds
        self.running_seconds = running_seconds
        self.cancel_seconds = cancel_seconds
        self.token = token
        # storage: an object with account, key, blob_endpoint, container, sas(container) (see server.AzuriteStorage)
        self.storage = storage
        self.base_url = ""  # set by the server once it knows its port
        self.lock = threading.RLock()
        self.requests: list[dict] = []
        self.reset()

    # -- set-up -------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.environments: dict[str, dict[str, dict]] = {}
            self.environment_containers: dict[str, dict] = {}
            self.codes: dict[str, dict[str, dict]] = {}
            self.models: dict[str, dict[str, dict]] = {}
            self.model_containers: dict[str, dict] = {}
            self.jobs: dict[str, Job] = {}
            self.rules: list[JobRule] = []
            self.operations: dict[str, tuple[str, str]] = {}
            self.computes = {self.compute_name: self._kubernetes_compute(self.compute_name)}

    @property
    def arm_id(self) -> str:
        return ARM_PREFIX.format(sub=self.subscription_id, rg=self.resource_group, ws=self.workspace_name)

    def add_rule(self, rule: JobRule) -> None:
        with self.lock:
            self.rules.insert(0, rule)

    def add_model(self, name: str, version: str, tags=None, properties=None, path=None, model_type="custom_model",
                  description=None, created_at=None) -> dict:
        """Seeds a registered model version, as a training or mirror step would have created it."""
        body = {"properties": {"modelType": model_type, "tags": dict(tags or {}),
                               "properties": dict(properties or {}), "description": description,
                               "modelUri": path or "azureml://datastores/workspaceblobstore/paths/models/%s/%s/"
                               % (name, version)}}
        stored = self.put_model_version(name, str(version), body)
        if created_at:
            stored["systemData"]["createdAt"] = created_at
        return stored

    def _kubernetes_compute(self, name: str) -> dict:
        types = {}
        for type_name, (selector, requests, limits) in self.instance_types.items():
            types[type_name] = {"nodeSelector": dict(selector) or None,
                                "resources": {"requests": dict(requests), "limits": dict(limits)}}
        cluster = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/%s" % (
            self.subscription_id, self.resource_group, "aks-robotics")
        return {
            "id": "%s/computes/%s" % (self.arm_id, name),
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/computes",
            "location": self.location,
            "identity": {"type": "SystemAssigned", "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                         "tenantId": "00000000-0000-0000-0000-000000000001"},
            "properties": {
                "computeType": "Kubernetes",
                "computeLocation": self.location,
                "provisioningState": "Succeeded",
                "isAttachedCompute": True,
                "disableLocalAuth": True,
                "resourceId": cluster,
                "properties": {
                    "namespace": "azureml",
                    "extensionInstanceReleaseTrain": "stable",
                    "defaultInstanceType": "defaultinstancetype",
                    "instanceTypes": types,
                },
            },
            "systemData": system_data(),
        }

    # -- request log --------------------------------------------------------
    def record(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)

    # -- workspace ----------------------------------------------------------
    def workspace(self) -> dict:
        region_api = self.base_url.rstrip("/")
        return {
            "id": self.arm_id,
            "name": self.workspace_name,
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": self.location,
            "kind": "Default",
            "identity": {"type": "SystemAssigned", "principalId": "11111111-1111-1111-1111-111111111111",
                         "tenantId": "00000000-0000-0000-0000-000000000001"},
            "sku": {"name": "Basic", "tier": "Basic"},
            "tags": {},
            "properties": {
                "friendlyName": self.workspace_name,
                "workspaceId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.arm_id)),
                "provisioningState": "Succeeded",
                "discoveryUrl": region_api + "/discovery",
                "mlFlowTrackingUri": "azureml://%s/mlflow/v1.0%s" % (region_api.split("://", 1)[1], self.arm_id),
                "storageAccount": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/"
                                  "storageAccounts/%s" % (self.subscription_id, self.resource_group,
                                                          self.storage.account if self.storage else "stemulated"),
                "keyVault": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.KeyVault/vaults/kv-robotics"
                            % (self.subscription_id, self.resource_group),
                "hbiWorkspace": False,
                "publicNetworkAccess": "Enabled",
                "v1LegacyMode": False,
            },
            "systemData": system_data(),
        }

    def discovery(self) -> dict:
        api = self.base_url.rstrip("/")
        services = ("api", "catalog", "experimentation", "gallery", "history", "hyperdrive", "labeling",
                    "modelmanagement", "pipelines")
        urls = {key: api for key in services}
        urls["studio"] = "https://ml.azure.com"
        return urls

    # -- computes -----------------------------------------------------------
    def compute(self, name: str) -> dict:
        with self.lock:
            if name not in self.computes:
                raise ApiError(404, "ResourceNotFound", "The compute '%s' was not found in workspace '%s'."
                               % (name, self.workspace_name))
            return copy.deepcopy(self.computes[name])

    def list_computes(self) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(c) for c in self.computes.values()]

    # -- environments -------------------------------------------------------
    def get_environment_version(self, name: str, version: str) -> dict:
        with self.lock:
            found = self.environments.get(name, {}).get(version)
            if not found:
                raise ApiError(404, "UserError", "Environment %s:%s not found in workspace %s."
                               % (name, version, self.workspace_name))
            return copy.deepcopy(found)

    def put_environment_version(self, name: str, version: str, body: dict) -> tuple[int, dict]:
        props = dict(body.get("properties") or {})
        if not props.get("image") and not props.get("build"):
            raise ApiError(400, "UserError", "Environment %s:%s needs an image or a build context." % (name, version))
        with self.lock:
            versions = self.environments.setdefault(name, {})
            existing = versions.get(version)
            if existing:
                # Asset versions are immutable: an identical definition is accepted, a different one is not.
                old = existing["properties"]
                if old.get("image") != props.get("image") or old.get("build") != props.get("build"):
                    raise ApiError(409, "UserError",
                                   "Environment %s:%s already exists with a different definition (image %s); "
                                   "asset versions are immutable, use a new version." % (name, version,
                                                                                         old.get("image")))
                return 200, copy.deepcopy(existing)
            stored = {
                "id": "%s/environments/%s/versions/%s" % (self.arm_id, name, version),
                "name": version,
                "type": "Microsoft.MachineLearningServices/workspaces/environments/versions",
                "properties": {
                    "image": props.get("image"),
                    "build": props.get("build"),
                    "condaFile": props.get("condaFile"),
                    "description": props.get("description"),
                    "tags": props.get("tags") or {},
                    "properties": props.get("properties") or {},
                    "isAnonymous": bool(props.get("isAnonymous")),
                    "isArchived": False,
                    "environmentType": "UserCreated",
                    "osType": props.get("osType") or "Linux",
                    "autoRebuild": props.get("autoRebuild") or "Disabled",
                    "provisioningState": "Succeeded",
                },
                "systemData": system_data(),
            }
            versions[version] = stored
            self.environment_containers[name] = {
                "id": "%s/environments/%s" % (self.arm_id, name),
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/environments",
                "properties": {"latestVersion": version, "nextVersion": _next_version(versions),
                               "isArchived": False, "tags": {}, "properties": {}, "provisioningState": "Succeeded"},
                "systemData": system_data(),
            }
            return 201, copy.deepcopy(stored)

    def list_environment_versions(self, name: str) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(v) for v in self.environments.get(name, {}).values()]

    def get_environment_container(self, name: str) -> dict:
        with self.lock:
            if name not in self.environment_containers:
                raise ApiError(404, "UserError", "Environment %s not found." % name)
            return copy.deepcopy(self.environment_containers[name])

    # -- code assets --------------------------------------------------------
    def list_code_versions(self, name: str, content_hash: str | None) -> list[dict]:
        # With a content hash the service answers from every code container of the workspace: that is how an
        # anonymous snapshot (a new random name per submission) finds an identical upload and reuses it.
        with self.lock:
            if content_hash:
                found = [c for versions in self.codes.values() for c in versions.values()
                         if c["properties"].get("properties", {}).get("hash_sha256") == content_hash]
            else:
                found = list(self.codes.get(name, {}).values())
            return copy.deepcopy(found)

    def get_code_version(self, name: str, version: str) -> dict:
        with self.lock:
            found = self.codes.get(name, {}).get(version)
            if not found:
                raise ApiError(404, "UserError", "Code %s:%s not found." % (name, version))
            return copy.deepcopy(found)

    def start_pending_upload(self, name: str, version: str) -> dict:
        if self.storage is None:
            raise ApiError(400, "UserError", "This emulated workspace has no blob storage configured for uploads "
                                             "(start the emulator with an Azurite endpoint).")
        blob_uri = "%s/%s/LocalUpload/%s" % (self.storage.blob_endpoint.rstrip("/"), self.storage.container,
                                             hashlib.sha256(("%s:%s" % (name, version)).encode()).hexdigest()[:32])
        sas = self.storage.container_sas()
        return {
            "blobReferenceForConsumption": {
                "blobUri": blob_uri,
                "storageAccountArmId": self.workspace()["properties"]["storageAccount"],
                "credential": {"credentialType": "SAS", "sasUri": "%s?%s" % (blob_uri, sas)},
            },
            "pendingUploadId": uuid.uuid4().hex,
            "pendingUploadType": "TemporaryBlobReference",
        }

    def put_code_version(self, name: str, version: str, body: dict) -> tuple[int, dict]:
        props = dict(body.get("properties") or {})
        if not props.get("codeUri"):
            raise ApiError(400, "UserError", "Code %s:%s needs properties.codeUri." % (name, version))
        with self.lock:
            versions = self.codes.setdefault(name, {})
            existing = versions.get(version)
            if existing:
                if existing["properties"]["codeUri"] != props["codeUri"]:
                    raise ApiError(409, "UserError", "Code %s:%s already exists with another codeUri." % (name, version))
                return 200, copy.deepcopy(existing)
            stored = {
                "id": "%s/codes/%s/versions/%s" % (self.arm_id, name, version),
                "name": version,
                "type": "Microsoft.MachineLearningServices/workspaces/codes/versions",
                "properties": dict(props, provisioningState="Succeeded", isArchived=False),
                "systemData": system_data(),
            }
            versions[version] = stored
            return 201, copy.deepcopy(stored)

    # -- models -------------------------------------------------------------
    def put_model_version(self, name: str, version: str, body: dict) -> dict:
        props = dict(body.get("properties") or {})
        with self.lock:
            versions = self.models.setdefault(name, {})
            if version in versions:
                raise ApiError(409, "UserError", "Model %s:%s already exists; model versions are immutable."
                               % (name, version))
            stored = {
                "id": "%s/models/%s/versions/%s" % (self.arm_id, name, version),
                "name": version,
                "type": "Microsoft.MachineLearningServices/workspaces/models/versions",
                "properties": {
                    "modelType": props.get("modelType") or "custom_model",
                    "modelUri": props.get("modelUri"),
                    "description": props.get("description"),
                    "tags": props.get("tags") or {},
                    "properties": props.get("properties") or {},
                    "flavors": props.get("flavors") or {},
                    "isAnonymous": False,
                    "isArchived": False,
                    "jobName": props.get("jobName"),
                    "stage": props.get("stage") or "Development",
                    "provisioningState": "Succeeded",
                },
                "systemData": system_data(),
            }
            versions[version] = stored
            self.model_containers[name] = {
                "id": "%s/models/%s" % (self.arm_id, name),
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/models",
                "properties": {"latestVersion": _latest_version(versions), "nextVersion": _next_version(versions),
                               "isArchived": False, "tags": {}, "properties": {}, "provisioningState": "Succeeded"},
                "systemData": system_data(),
            }
            return copy.deepcopy(stored)

    def get_model_version(self, name: str, version: str) -> dict:
        with self.lock:
            found = self.models.get(name, {}).get(version)
            if not found:
                raise ApiError(404, "UserError", "Model %s:%s not found in workspace %s."
                               % (name, version, self.workspace_name))
            return copy.deepcopy(found)

    def list_model_versions(self, name: str, order_by: str | None, top: int | None, tags: str | None,
                            version: str | None) -> list[dict]:
        """Lists versions; ``tags`` (``key=value`` pairs, comma-separated) is ignored on purpose.

        AzureML documents that model versions cannot be filtered by tag on the
        server side through MLflow; the ARM list endpoint accepts the parameter,
        so the emulator records it and returns every version, which keeps
        clients honest about filtering locally.
        """
        with self.lock:
            found = [copy.deepcopy(v) for v in self.models.get(name, {}).values()]
        if version:
            found = [v for v in found if v["name"] == version]
        if order_by and "createdtime" in order_by.lower():
            found.sort(key=lambda v: v["systemData"]["createdAt"], reverse=order_by.lower().endswith("desc"))
        else:
            found.sort(key=lambda v: _version_key(v["name"]), reverse=True)
        if top:
            found = found[:top]
        return found

    def get_model_container(self, name: str) -> dict:
        with self.lock:
            if name not in self.model_containers:
                raise ApiError(404, "UserError", "Model container %s not found." % name)
            return copy.deepcopy(self.model_containers[name])

    def list_model_containers(self) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(c) for c in self.model_containers.values()]

    # -- datastores ---------------------------------------------------------
    def datastores(self) -> list[dict]:
        account = self.storage.account if self.storage else "stemulated"
        container = self.storage.container if self.storage else "azureml-blobstore"
        common = {"datastoreType": "AzureBlob", "accountName": account, "endpoint": "core.windows.net",
                  "protocol": "https", "serviceDataAccessAuthIdentity": "None", "tags": {}, "properties": {}}
        blob = dict(common, containerName=container, isDefault=True,
                    credentials={"credentialsType": "AccountKey"})
        artifacts = dict(common, containerName="azureml", isDefault=False,
                         credentials={"credentialsType": "AccountKey"})
        return [
            {"id": "%s/datastores/workspaceblobstore" % self.arm_id, "name": "workspaceblobstore",
             "type": "Microsoft.MachineLearningServices/workspaces/datastores", "properties": blob,
             "systemData": system_data()},
            {"id": "%s/datastores/workspaceartifactstore" % self.arm_id, "name": "workspaceartifactstore",
             "type": "Microsoft.MachineLearningServices/workspaces/datastores", "properties": artifacts,
             "systemData": system_data()},
        ]

    def datastore(self, name: str) -> dict:
        for store in self.datastores():
            if store["name"] == name:
                return store
        raise ApiError(404, "UserError", "Datastore %s not found." % name)

    def datastore_secrets(self, name: str) -> dict:
        self.datastore(name)
        if self.storage is None:
            raise ApiError(400, "UserError", "This emulated workspace has no storage account key to list.")
        return {"secretsType": "AccountKey", "key": self.storage.key}

    # -- jobs ---------------------------------------------------------------
    def _rule_for(self, command: str) -> JobRule:
        for rule in self.rules:
            if rule.matches(command):
                return rule
        return JobRule()

    def _validate_job(self, name: str, props: dict) -> None:
        if props.get("jobType") != "Command":
            raise ApiError(400, "UserError", "The emulator models command jobs only, got jobType %r."
                           % props.get("jobType"))
        for field in ("command", "environmentId", "computeId"):
            if not props.get(field):
                raise ApiError(400, "UserError", "Job %s: properties.%s is required." % (name, field))
        compute = props["computeId"].rstrip("/").rsplit("/", 1)[-1]
        if not props["computeId"].lower().startswith(self.arm_id.lower() + "/computes/"):
            raise ApiError(400, "UserError", "Job %s: computeId %s is not a compute of this workspace."
                           % (name, props["computeId"]))
        if compute not in self.computes:
            raise ApiError(400, "UserError", "Job %s: compute %s was not found in workspace %s."
                           % (name, compute, self.workspace_name))
        instance_type = (props.get("resources") or {}).get("instanceType")
        known = self.computes[compute]["properties"]["properties"]["instanceTypes"]
        if instance_type and instance_type not in known:
            raise ApiError(400, "UserError", "Job %s: instance type %s is not defined on compute %s (known: %s)."
                           % (name, instance_type, compute, ", ".join(sorted(known))))
        env = re.match(r"(?i)^%s/environments/([^/]+)/versions/([^/]+)$" % re.escape(self.arm_id),
                       props["environmentId"])
        if not env:
            raise ApiError(400, "UserError", "Job %s: environmentId %s is not an environment version of this "
                                             "workspace." % (name, props["environmentId"]))
        self.get_environment_version(env.group(1), env.group(2))
        if props.get("codeId"):
            code = re.match(r"(?i)^%s/codes/([^/]+)/versions/([^/]+)$" % re.escape(self.arm_id), props["codeId"])
            if not code:
                raise ApiError(400, "UserError", "Job %s: codeId %s is not a code version of this workspace."
                               % (name, props["codeId"]))
            self.get_code_version(code.group(1), code.group(2))
        for input_name, value in (props.get("inputs") or {}).items():
            uri = value.get("uri") or ""
            model = re.match(r"(?i)^%s/models/([^/]+)/versions/([^/]+)$" % re.escape(self.arm_id), uri)
            if value.get("jobInputType") in ("custom_model", "mlflow_model", "triton_model") and model:
                try:
                    self.get_model_version(model.group(1), model.group(2))
                except ApiError:
                    raise ApiError(400, "UserError", "Job %s: input %s refers to model %s:%s, which does not "
                                                     "exist." % (name, input_name, model.group(1), model.group(2)))

    def put_job(self, name: str, body: dict) -> tuple[int, dict]:
        props = copy.deepcopy(body.get("properties") or {})
        with self.lock:
            if name in self.jobs:
                raise ApiError(409, "UserError", "A job named %s already exists in workspace %s; job names are "
                                                 "unique and jobs cannot be resubmitted." % (name, self.workspace_name))
            self._validate_job(name, props)
            rule = self._rule_for(props.get("command", ""))
            props.setdefault("experimentName", "Default")
            props.setdefault("displayName", name)
            props["status"] = "NotStarted"
            studio = "https://ml.azure.com/runs/%s?wsid=%s" % (name, self.arm_id)
            props["services"] = {
                "Tracking": {"jobServiceType": "Tracking", "endpoint": self.workspace()["properties"]
                             ["mlFlowTrackingUri"]},
                "Studio": {"jobServiceType": "Studio", "endpoint": studio},
            }
            # Outputs the service adds to every command job (MLflow artefacts land under 'artifacts').
            outputs = props.get("outputs") or {}
            for output_name, output in outputs.items():
                if not output.get("uri"):
                    output["uri"] = "azureml://datastores/workspaceblobstore/paths/azureml/%s/%s/" % (
                        name, output_name)
            props["outputs"] = outputs
            stored = {"id": "%s/jobs/%s" % (self.arm_id, name), "name": name,
                      "type": "Microsoft.MachineLearningServices/workspaces/jobs", "properties": props,
                      "systemData": system_data()}
            self.jobs[name] = Job(
                name=name, body=stored, submitted=time.monotonic(), rule=rule,
                queued_seconds=self.queued_seconds if rule.queued_seconds is None else rule.queued_seconds,
                running_seconds=self.running_seconds if rule.running_seconds is None else rule.running_seconds,
            )
            return 201, self._job_view(self.jobs[name])

    def _job(self, name: str) -> Job:
        if name not in self.jobs:
            raise ApiError(404, "UserError", "Job %s was not found in workspace %s." % (name, self.workspace_name))
        return self.jobs[name]

    def _job_view(self, job: Job) -> dict:
        view = copy.deepcopy(job.body)
        view["properties"]["status"] = job.status(time.monotonic(), self.cancel_seconds)
        return view

    def get_job(self, name: str) -> dict:
        with self.lock:
            return self._job_view(self._job(name))

    def list_jobs(self) -> list[dict]:
        with self.lock:
            return [self._job_view(j) for j in sorted(self.jobs.values(), key=lambda j: j.submitted, reverse=True)]

    def cancel_job(self, name: str) -> str:
        """Starts a cancellation; returns the id of the operation to poll."""
        with self.lock:
            job = self._job(name)
            if job.status(time.monotonic(), self.cancel_seconds) in TERMINAL_STATUSES:
                raise ApiError(400, "UserError", "Job %s has already finished (%s) and cannot be canceled."
                               % (name, job.status(time.monotonic(), self.cancel_seconds)))
            if job.cancel_requested is None:
                job.cancel_requested = time.monotonic()
            op_id = uuid.uuid4().hex
            self.operations[op_id] = ("cancel", name)
            return op_id

    def operation_done(self, op_id: str) -> bool:
        with self.lock:
            if op_id not in self.operations:
                raise ApiError(404, "ResourceNotFound", "Operation %s not found." % op_id)
            name = self.operations[op_id][1]
            return self._job(name).status(time.monotonic(), self.cancel_seconds) in TERMINAL_STATUSES

    # -- run history --------------------------------------------------------
    def _log_text(self, job: Job, now: float) -> str:
        props = job.body["properties"]
        if not job.started(now):
            return ""
        lines = ["[%s] job %s started on compute %s (instance type %s)" % (
            "emulator", job.name, props["computeId"].rsplit("/", 1)[-1],
            (props.get("resources") or {}).get("instanceType") or "defaultinstancetype"),
            "$ %s" % props.get("command", "")]
        lines.extend(job.rule.log_lines)
        status = job.status(now, self.cancel_seconds)
        if status in TERMINAL_STATUSES:
            lines.append("[emulator] job %s finished: %s" % (job.name, status))
        return "\n".join(lines) + "\n"

    def run_details(self, run_id: str) -> dict:
        with self.lock:
            job = self._job(run_id)
            now = time.monotonic()
            status = job.status(now, self.cancel_seconds)
            props = job.body["properties"]
            details = {
                "runId": run_id,
                "runUuid": str(uuid.uuid5(uuid.NAMESPACE_URL, run_id)),
                "status": status,
                "target": props["computeId"].rsplit("/", 1)[-1],
                "createdTimeUtc": job.body["systemData"]["createdAt"],
                "tags": props.get("tags") or {},
                "properties": props.get("properties") or {},
                "warnings": [],
                "logFiles": {},
            }
            if job.started(now):
                details["logFiles"]["user_logs/std_log.txt"] = "%s/_logs/%s/user_logs/std_log.txt?sig=%s" % (
                    self.base_url.rstrip("/"), run_id, job.log_token)
            if status == "Failed":
                details["error"] = {"error": {"code": job.rule.error_code, "message": job.rule.error_message},
                                    "componentName": "CommonRuntime"}
            return details

    def log_file(self, run_id: str, path: str, signature: str | None) -> str:
        with self.lock:
            job = self._job(run_id)
            if signature != job.log_token:
                raise ApiError(403, "AuthenticationFailed", "Signature did not match.")
            if path != "user_logs/std_log.txt":
                raise ApiError(404, "BlobNotFound", "The specified blob does not exist.")
            return self._log_text(job, time.monotonic())


def _version_key(version: str):
    return (0, int(version), "") if version.isdigit() else (1, 0, version)


def _latest_version(versions: dict) -> str:
    return max(versions, key=_version_key)


def _next_version(versions: dict) -> str:
    numeric = [int(v) for v in versions if v.isdigit()]
    return str(max(numeric) + 1) if numeric else "1"

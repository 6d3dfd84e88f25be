"""Server-side validation of workflow specs, modelled on the OSMO service's pydantic models.

Written independently of the collection's client-side validator (plugins/module_utils/osmo/spec.py), so a
spec that slips past the client still fails here the way OSMO fails it: the first problem, one message,
HTTP 400 with error_code USAGE / RESOURCE / SUBMISSION.
"""

from __future__ import annotations

import datetime
import re
from typing import Dict, List, Optional, Union

import pydantic

NAME = r"[a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9])?"
NamePattern = pydantic.constr(pattern=f"^{NAME}$")
TASK_REF = re.compile(rf"^(?P<first>{NAME})(:(?P<second>{NAME}))?$")
_SEG = r"[^/,;*]+"
STORAGE_URL = re.compile(
    rf"^(swift://{_SEG}(/{_SEG}){{2,}}/*|s3://{_SEG}(/{_SEG})*/*|gs://{_SEG}(/{_SEG})*/*|"
    rf"tos://{_SEG}(/{_SEG})+/*|azure://{_SEG}(/{_SEG})+/*)$"
)
QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)([a-zA-Z]*)$")
UNITS = {"T", "Ti", "TiB", "G", "Gi", "GiB", "M", "Mi", "MiB", "K", "Ki", "KiB", "B", "m"}
CODES = re.compile(r"^(\d+(-\d+)?)+(,\d+(-\d+)?)*$")


class UsageError(Exception):
    """Becomes HTTP 400 {"message", "error_code", "workflow_id"}."""

    def __init__(self, message: str, code: str = "USAGE", workflow_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.workflow_id = workflow_id


def to_timedelta(value) -> datetime.timedelta:
    if isinstance(value, bool):
        raise ValueError(f"Cannot recognize duration: {value}.")
    if isinstance(value, (int, float)):
        return datetime.timedelta(seconds=value)
    text = str(value)
    iso = re.match(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", text)
    if text.startswith("P") and iso and any(iso.groups()):
        d, h, m, s = iso.groups()
        return datetime.timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(m or 0), seconds=float(s or 0))
    match = re.match(r"^(\d+)(ms|us|d|h|m|s)$", text)
    if not match:
        raise ValueError(f"Cannot recognize duration: {text}. Only support ISO 8601 (e.g. PT10S) or xd, xh, xm, xs, "
                         "xms, xus")
    number, unit = int(match.group(1)), match.group(2)
    return {
        "d": datetime.timedelta(days=number), "h": datetime.timedelta(hours=number),
        "m": datetime.timedelta(minutes=number), "s": datetime.timedelta(seconds=number),
        "ms": datetime.timedelta(milliseconds=number), "us": datetime.timedelta(microseconds=number),
    }[unit]


class Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class TopologyRequirement(Strict):
    key: str
    group: str = "default"
    requirementType: str = "required"

    @pydantic.field_validator("requirementType")
    @classmethod
    def _type(cls, value):
        if value not in ("required", "preferred"):
            raise ValueError(f"Invalid requirementType {value}")
        return value


class ResourceSpec(Strict):
    cpu: Optional[int] = None
    gpu: Optional[int] = None
    memory: Optional[str] = None
    storage: Optional[str] = None
    platform: Optional[str] = None
    nodesExcluded: List[str] = []
    topology: List[TopologyRequirement] = []

    @pydantic.field_validator("memory", "storage")
    @classmethod
    def _quantity(cls, value, info):
        if value is None:
            return value
        match = QUANTITY.match(value)
        if not match:
            raise UsageError(f"Resource {info.field_name} field has invalid value {value}", "RESOURCE")
        if match.group(2) and match.group(2) not in UNITS:
            raise UsageError(f"Resource {info.field_name} field has invalid unit: {match.group(2)}", "RESOURCE")
        return value


class TaskInput(Strict):
    task: str
    regex: str = ""

    @pydantic.field_validator("task")
    @classmethod
    def _ref(cls, value):
        if not TASK_REF.match(value):
            raise ValueError(f"Invalid Task Input: {value}")
        return value

    def upstream(self) -> str | None:
        match = TASK_REF.match(self.task)
        return None if match.group("second") else match.group("first")


class UrlInputOutput(Strict):
    url: str
    regex: str = ""

    @pydantic.field_validator("regex")
    @classmethod
    def _regex(cls, value):
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"Invalid regex: {value}") from exc
        return value


class Checkpoint(Strict):
    path: str
    url: str
    frequency: datetime.timedelta
    regex: str = ""

    @pydantic.field_validator("url")
    @classmethod
    def _url(cls, value):
        if not STORAGE_URL.match(value):
            raise ValueError(f"Invalid storage URL: {value}")
        return value

    @pydantic.field_validator("frequency", mode="before")
    @classmethod
    def _frequency(cls, value):
        return to_timedelta(value)


class File(Strict):
    path: str
    contents: str
    base64: bool = False

    @pydantic.field_validator("path")
    @classmethod
    def _path(cls, value):
        parts = [p for p in value.split("/") if p]
        if not parts or parts[0] == "osmo":
            raise ValueError(f'Empty path or adding file to "/osmo" is forbidden for file: {value}')
        return value


class Kpi(Strict):
    index: str
    path: str


class TaskSpec(Strict):
    name: NamePattern
    image: str
    command: List[str]
    args: List[str] = []
    environment: Dict[str, str] = {}
    lead: bool = False
    resource: str = "default"
    inputs: List[Union[TaskInput, UrlInputOutput]] = []
    outputs: List[UrlInputOutput] = []
    files: List[File] = []
    credentials: Dict[str, Union[str, Dict[str, str]]] = {}
    exitActions: Dict[str, str] = {}
    checkpoint: List[Checkpoint] = []
    volumeMounts: List[str] = []
    privileged: bool = False
    hostNetwork: bool = False
    kpis: List[Kpi] = []
    downloadType: Optional[str] = None
    cacheSize: Optional[str] = None
    backend: str = ""
    resources: ResourceSpec = ResourceSpec()

    @pydantic.field_validator("environment", "exitActions", mode="before")
    @classmethod
    def _stringify(cls, value):
        if isinstance(value, dict):
            return {str(k): str(v) if isinstance(v, (str, int, float, bool)) else v for k, v in value.items()}
        return value

    @pydantic.field_validator("command")
    @classmethod
    def _command(cls, value, info):
        if not value:
            raise ValueError(f"Container {info.data.get('name', '')} should have at least one command.")
        return value

    @pydantic.field_validator("name")
    @classmethod
    def _reserved(cls, value):
        if value.lower().replace("_", "-") == "osmo-ctrl":
            raise ValueError(f'Container {value} cannot be named "osmo-ctrl". This is a restricted name.')
        return value

    @pydantic.field_validator("files")
    @classmethod
    def _unique_files(cls, value, info):
        seen = set()
        for item in value:
            if item.path in seen:
                raise ValueError(f'Task "{info.data.get("name", "")}" has multiple files at the same path '
                                 f'"{item.path}". Each file path must be unique.')
            seen.add(item.path)
        return value

    @pydantic.field_validator("exitActions")
    @classmethod
    def _exit_actions(cls, value, info):
        for key, codes in value.items():
            if key.upper() not in ("COMPLETE", "FAIL", "RESCHEDULE"):
                raise ValueError(f"Invalid exit action {key} for task {info.data.get('name', '')}.")
            if not CODES.fullmatch(codes):
                raise ValueError(f"Invalid exit codes {codes} for action {key} for task {info.data.get('name', '')}.")
        return value

    @pydantic.field_validator("downloadType")
    @classmethod
    def _download_type(cls, value, info):
        if value is not None and value != "download":
            raise ValueError(f'Task "{info.data.get("name", "")}" uses invalid downloadType "{value}". '
                             "Valid types are: ['download']")
        return value


class GroupSpec(Strict):
    name: NamePattern
    tasks: List[TaskSpec]
    barrier: bool = True
    ignoreNonleadStatus: bool = True

    @pydantic.field_validator("tasks")
    @classmethod
    def _lead(cls, value, info):
        name = info.data.get("name", "<unknown>")
        if not value:
            raise ValueError(f'Group "{name}" needs to have at least one task.')
        if len(value) == 1:
            value[0].lead = True
        leaders = sum(1 for task in value if task.lead)
        if leaders != 1:
            raise ValueError(f'Group "{name}" has {leaders} leader(s) but must have exactly one.')
        return value


class TimeoutSpec(Strict):
    exec_timeout: Optional[datetime.timedelta] = None
    queue_timeout: Optional[datetime.timedelta] = None

    @pydantic.field_validator("exec_timeout", "queue_timeout", mode="before")
    @classmethod
    def _duration(cls, value):
        return None if value is None else to_timedelta(value)


class WorkflowSpec(Strict):
    name: NamePattern
    pool: str = ""
    labels: Dict[str, str] = {}
    timeout: TimeoutSpec = TimeoutSpec()
    resources: Dict[str, ResourceSpec] = {"default": ResourceSpec()}
    tasks: List[TaskSpec] = []
    groups: List[GroupSpec] = []
    backend: str = ""

    @pydantic.model_validator(mode="before")
    @classmethod
    def _tasks_or_groups(cls, values):
        if not isinstance(values, dict):
            return values
        if values.get("groups") and values.get("tasks"):
            raise ValueError("Cannot use both groups and tasks in the same workflow.")
        if not values.get("groups") and not values.get("tasks"):
            raise ValueError("Workflows need to have at least one group or one task.")
        seen = set()

        def visit(item):
            if isinstance(item, dict) and "name" in item:
                key = str(item["name"]).lower().replace("_", "-")
                if key in seen:
                    raise ValueError(
                        f'Multiple tasks/groups have the same name: "{key}". Note that names are not case sensitive '
                        'and we consider "-" and "_" the same. For example, "Group_1" and "group-1" are considered '
                        "the same name.")
                seen.add(key)

        for task in values.get("tasks") or []:
            visit(task)
        for group in values.get("groups") or []:
            visit(group)
            for task in (group.get("tasks") if isinstance(group, dict) else None) or []:
                visit(task)
        return values


class VersionedSpec(Strict):
    version: int = 2
    workflow: WorkflowSpec

    @pydantic.field_validator("version", mode="before")
    @classmethod
    def _version(cls, value):
        if isinstance(value, bool) or str(value) != "2":
            raise ValueError(f"Unsupported workflow version: {value}.")
        return 2


def _first_error(exc: pydantic.ValidationError) -> str:
    errors = exc.errors()
    parts = []
    for error in errors[:3]:
        location = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{location}: {error.get('msg')}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"{len(errors)} validation error(s) for workflow spec: " + "; ".join(parts) + more


def parse_spec(document: dict, workflow_id: str | None = None) -> WorkflowSpec:
    """Validates like the service's VersionedWorkflowSpec; returns the WorkflowSpec with tasks folded into groups."""
    try:
        spec = VersionedSpec(**document).workflow
    except UsageError:
        raise
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            ctx = error.get("ctx") or {}
            if isinstance(ctx.get("error"), UsageError):
                raise ctx["error"]
        raise UsageError(_first_error(exc), workflow_id=workflow_id) from exc
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc), workflow_id=workflow_id) from exc
    groups = list(spec.groups) + [GroupSpec(name=f"{t.name}-group", tasks=[t]) for t in spec.tasks]
    spec.groups, spec.tasks = groups, []
    _check_groups(spec)
    _check_resources_and_urls(spec)
    return spec


def _check_groups(spec: WorkflowSpec) -> None:
    task_group = {t.name: g.name for g in spec.groups for t in g.tasks}
    seen_groups: set[str] = set()
    for group in spec.groups:
        for task in group.tasks:
            for item in task.inputs:
                if isinstance(item, TaskInput) and item.upstream():
                    upstream = task_group.get(item.upstream())
                    if upstream is None:
                        raise UsageError(f"Task input {item.task} does not exist.", "SUBMISSION")
                    if upstream not in seen_groups:
                        raise UsageError(f'Group "{group.name}" requires input group "{upstream}" exists before '
                                         "itself.")
        seen_groups.add(group.name)


def _check_resources_and_urls(spec: WorkflowSpec) -> None:
    for group in spec.groups:
        for task in group.tasks:
            if task.resource not in spec.resources:
                if task.resource == "default":
                    raise UsageError(f"Task {task.name} has no specified resource. Specify a default resource in the "
                                     "resources section.", "RESOURCE")
                raise UsageError(f"Requesting undefined resource {task.resource}.", "RESOURCE")
            for item in list(task.inputs) + list(task.outputs):
                if isinstance(item, UrlInputOutput) and not STORAGE_URL.match(item.url):
                    raise UsageError(f"Invalid storage URL {item.url} in task {task.name}.")

"""The emulator's memory: resources, long-running operations, principals, faults, latencies, the request log.

Everything is guarded by one re-entrant lock; long-running operations settle lazily (each request first
finishes the operations whose time has come), so no background thread is needed and the outcome of a
poll only depends on the clock.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
import threading
import time
import uuid

# Real-world durations (seconds) of create/update/delete per resource type. ``--latency-profile scaled``
# divides them by 100; types not listed take DEFAULT_REAL_LATENCY.
REAL_LATENCY = {
    "microsoft.containerservice/managedclusters": 600.0,
    "microsoft.dbforpostgresql/flexibleservers": 600.0,
    "microsoft.cache/redisenterprise": 900.0,
    "microsoft.cache/redisenterprise/databases": 900.0,
    "microsoft.network/virtualnetworkgateways": 1800.0,
}
DEFAULT_REAL_LATENCY = 60.0
SCALED_FACTOR = 0.01

# Without a profile every long-running operation takes this long: enough for pollers to poll once.
INSTANT_LATENCY = 0.05


class ArmError(Exception):
    """An ARM error response: status, code, message (and optional target/headers)."""

    def __init__(self, status: int, code: str, message: str, target: str | None = None, headers=None,
                 details=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = dict(headers or {})
        self.details = details

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}


@dataclasses.dataclass
class Record:
    id: str
    type: str
    body: dict
    parent: str | None            # lower-case id of the parent resource / scope
    operation: str | None = None  # id of the operation in progress
    created: float = dataclasses.field(default_factory=time.time)

    @property
    def key(self) -> str:
        return self.id.lower()

    @property
    def properties(self) -> dict:
        return self.body.setdefault("properties", {})

    @property
    def provisioning_state(self) -> str | None:
        return (self.body.get("properties") or {}).get("provisioningState")


@dataclasses.dataclass
class Operation:
    id: str
    namespace: str
    location: str
    resource_key: str | None
    kind: str                 # create | update | delete | action
    started: float
    due: float
    outcome: str = "Succeeded"  # or Failed / Canceled (fault injection)
    error: dict | None = None
    status: str = "InProgress"
    ended: float | None = None
    api_version: str = ""
    on_done: object = None    # callable(state, operation) run when it settles

    def as_body(self) -> dict:
        body = {
            "id": "/subscriptions/{sub}/providers/%s/locations/%s/operations/%s" % (self.namespace, self.location, self.id),
            "name": self.id,
            "status": self.status,
            "startTime": _iso(self.started),
        }
        if self.ended is not None:
            body["endTime"] = _iso(self.ended)
        if self.status in ("Failed", "Canceled") and self.error:
            body["error"] = self.error
        return body


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + ".%06dZ" % int((timestamp % 1) * 1e6)


@dataclasses.dataclass
class FaultRule:
    kind: str                    # status | reset | lro_failed | lro_canceled | delay | authorization_failed
    method: str = "*"
    path: str = ".*"             # regex searched (case-insensitive) in the request path
    count: int | None = 1        # how many times it fires (None: always)
    skip: int = 0                # matching requests let through first
    status: int = 500
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0         # for delay
    fired: int = 0
    seen: int = 0
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path, re.IGNORECASE) is not None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


DEFAULT_STATUS_CODES = {
    429: ("TooManyRequests", "The request is being throttled as the limit has been reached for operation type - "
                             "Write_ObservationWindow_00:01:00. For more information, refer to - "
                             "https://aka.ms/srpthrottlinglimits"),
    500: ("InternalServerError", "Encountered internal server error. Diagnostic information: timestamp '%s'."),
    502: ("BadGateway", "The gateway did not receive a response from 'Microsoft.Resources' within the specified time "
                        "period."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
    504: ("GatewayTimeout", "The gateway did not receive a response within the specified time period."),
}


class EmulatorState:
    def __init__(self, specs, tenant_id: str, latency_default: float = INSTANT_LATENCY,
                 latency_types: dict | None = None, unregistered_providers=(), allow_unknown_types: bool = False,
                 principal_replication_delay: float = 0.0):
        self.lock = threading.RLock()
        self.specs = specs
        self.tenant_id = tenant_id
        self.resources: dict[str, Record] = {}
        self.operations: dict[str, Operation] = {}
        self.principals: dict[str, dict] = {}
        self._unregistered = tuple(ns.lower() for ns in unregistered_providers)
        self.providers: dict[str, str] = {ns: "NotRegistered" for ns in self._unregistered}
        self.extra_types: dict[str, dict] = {}
        self.faults: list[FaultRule] = []
        self.log: list[dict] = []
        self._seq = itertools.count(1)
        self._fault_ids = itertools.count(1)
        self.latency_default = latency_default
        self.latency_types = {k.lower(): float(v) for k, v in (latency_types or {}).items()}
        self.allow_unknown_types = allow_unknown_types
        self.principal_replication_delay = principal_replication_delay
        self.removal_hook = None  # callable(state, record) run for every record removed (soft delete)
        self.soft_deleted: dict[str, dict] = {}  # lower-case id -> what a soft delete kept (not addressable)

    # -- clock and ids --------------------------------------------------------
    @staticmethod
    def now() -> float:
        return time.time()

    @staticmethod
    def new_guid() -> str:
        return str(uuid.uuid4())

    # -- latency --------------------------------------------------------------
    def latency_for(self, resource_type: str) -> float:
        key = resource_type.lower()
        if key in self.latency_types:
            return self.latency_types[key]
        return self.latency_default

    def set_latency(self, types: dict | None = None, default: float | None = None, profile: str | None = None,
                    scale: float | None = None):
        with self.lock:
            if profile is not None:
                if profile == "scaled":
                    factor = SCALED_FACTOR if scale is None else scale
                    self.latency_default = DEFAULT_REAL_LATENCY * factor
                    self.latency_types = {k: v * factor for k, v in REAL_LATENCY.items()}
                elif profile == "instant":
                    self.latency_default = INSTANT_LATENCY
                    self.latency_types = {}
                else:
                    raise ValueError("unknown latency profile %r (use instant or scaled)" % profile)
            if default is not None:
                self.latency_default = float(default)
            for key, value in (types or {}).items():
                if value is None:
                    self.latency_types.pop(key.lower(), None)
                else:
                    self.latency_types[key.lower()] = float(value)

    def latency(self) -> dict:
        with self.lock:
            return {"default": self.latency_default, "types": dict(self.latency_types)}

    # -- resources ------------------------------------------------------------
    def get(self, resource_id: str | None) -> Record | None:
        if not resource_id:
            return None
        return self.resources.get(resource_id.lower())

    def put(self, record: Record):
        self.resources[record.key] = record

    def remove(self, resource_id: str):
        """Removes a resource and everything under it (children and extension resources)."""
        key = resource_id.lower()
        prefix = key + "/"
        for other in [k for k in self.resources if k == key or k.startswith(prefix)]:
            record = self.resources.pop(other)
            self.forget_principals_of(record)
            if self.removal_hook is not None:
                self.removal_hook(self, record)

    def children(self, container_id: str, resource_type: str | None = None) -> list[Record]:
        key = container_id.lower()
        wanted = resource_type.lower() if resource_type else None
        return [r for r in self.resources.values()
                if r.parent == key and (wanted is None or r.type.lower() == wanted)]

    def descendants(self, container_id: str, resource_type: str | None = None) -> list[Record]:
        prefix = container_id.lower().rstrip("/") + "/"
        wanted = resource_type.lower() if resource_type else None
        return [r for r in self.resources.values()
                if r.key.startswith(prefix) and (wanted is None or r.type.lower() == wanted)]

    # -- principals (Entra ID objects that role assignments can name) ---------
    def add_principal(self, principal_id: str, principal_type: str = "ServicePrincipal", delay: float | None = None,
                      owner: str | None = None):
        visible = self.now() + (self.principal_replication_delay if delay is None else delay)
        self.principals[principal_id.lower()] = {"id": principal_id, "type": principal_type, "visible_at": visible,
                                                 "owner": owner}

    def principal_visible(self, principal_id: str) -> bool:
        entry = self.principals.get((principal_id or "").lower())
        return bool(entry) and entry["visible_at"] <= self.now()

    def forget_principals_of(self, record: Record):
        for key in [k for k, v in self.principals.items() if v.get("owner") == record.key]:
            self.principals.pop(key, None)

    # -- operations -----------------------------------------------------------
    def start_operation(self, namespace: str, location: str, resource_key: str | None, kind: str, latency: float,
                        api_version: str, outcome: str = "Succeeded", error: dict | None = None,
                        on_done=None) -> Operation:
        started = self.now()
        op = Operation(id=self.new_guid(), namespace=namespace, location=location or "global",
                       resource_key=resource_key, kind=kind, started=started, due=started + max(0.0, latency),
                       outcome=outcome, error=error, api_version=api_version, on_done=on_done)
        self.operations[op.id] = op
        return op

    def settle(self, force: bool = False):
        """Finishes every operation whose time has come (all of them with ``force``)."""
        now = self.now()
        for op in sorted(self.operations.values(), key=lambda o: o.due):
            if op.status == "InProgress" and (force or op.due <= now):
                op.status = op.outcome
                op.ended = now
                if op.on_done is not None:
                    op.on_done(self, op)

    def pending_operations(self) -> list[dict]:
        with self.lock:
            return [dict(id=o.id, resource=o.resource_key, kind=o.kind, due=o.due)
                    for o in self.operations.values() if o.status == "InProgress"]

    # -- faults -----------------------------------------------------------------
    def add_fault(self, **rule) -> dict:
        with self.lock:
            fault = FaultRule(**rule)
            fault.id = next(self._fault_ids)
            self.faults.append(fault)
            return fault.as_dict()

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    def take_fault(self, method: str, path: str, kinds=None) -> FaultRule | None:
        """The first matching rule that still fires (consuming one shot)."""
        with self.lock:
            for fault in self.faults:
                if kinds is not None and fault.kind not in kinds:
                    continue
                if fault.count is not None and fault.fired >= fault.count:
                    continue
                if not fault.matches(method, path):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                fault.fired += 1
                return fault
            return None

    # -- request log --------------------------------------------------------------
    def record_request(self, entry: dict) -> dict:
        with self.lock:
            entry["seq"] = next(self._seq)
            self.log.append(entry)
            return entry

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict]:
        with self.lock:
            entries = [copy.deepcopy(e) for e in self.log]
        if method:
            entries = [e for e in entries if e["method"] == method.upper()]
        if path:
            entries = [e for e in entries if re.search(path, e["path"], re.IGNORECASE)]
        return entries

    def clear_requests(self):
        with self.lock:
            self.log.clear()

    def reset(self):
        with self.lock:
            self.resources.clear()
            self.operations.clear()
            self.principals.clear()
            self.faults.clear()
            self.log.clear()
            self.extra_types.clear()
            self.soft_deleted.clear()
            self.providers = {ns: "NotRegistered" for ns in self._unregistered}

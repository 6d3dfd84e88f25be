"""The ARM REST contract: routing, api-version checks, PUT/PATCH/GET/DELETE/list/POST, long-running operations."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
import time

from .behaviours import (
    BUILTIN_EXTRA_TYPES,
    on_removed,
    BUILTIN_ROLES,
    ROLE_DEFINITION_TYPE,
    Context,
    behaviour_for,
    builtin_role_definition,
    norm_location,
    KUBERNETES_VERSIONS,
    DEFAULT_KUBERNETES_MINOR,
)
from .paths import Target, parse
from .state import ArmError, EmulatorState, Record

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
RESOURCES_TYPE = "Microsoft.Resources/resourceGroups"
TERMINAL = ("Succeeded", "Failed", "Canceled")


@dataclasses.dataclass
class Response:
    status: int
    body: object = None
    headers: dict = dataclasses.field(default_factory=dict)


class ArmService:
    def __init__(self, state: EmulatorState, subscriptions, base_url=lambda: "https://127.0.0.1"):
        self.state = state
        self.state.removal_hook = on_removed
        self.subscriptions = {s.lower(): s for s in subscriptions}
        self.base_url = base_url

    @staticmethod
    def iso_now() -> str:
        now = time.time()
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%06dZ" % int((now % 1) * 1e6)

    # -- entry point ---------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict, headers: dict, raw: bytes) -> Response:
        with self.state.lock:
            self.state.settle()
            target = parse(path, method)
            if target.kind in ("operation_status", "operation_result"):
                return self.operation(target)
            self.check_subscription(target)
            if method == "PUT" and path.lower().rstrip("/").endswith("/draft/content"):
                return self.put_runbook_content(path, raw)
            api_version = query.get("api-version")
            self.check_api_version(target, api_version)
            body = self.parse_body(raw) if method in ("PUT", "PATCH", "POST") else None
            ctx = Context(self, target, api_version, query)
            kind = target.kind
            if kind == "subscriptions":
                return Response(200, {"value": [self.subscription_body(s) for s in self.subscriptions.values()]})
            if kind == "subscription":
                return Response(200, self.subscription_body(target.subscription))
            if kind == "providers":
                return Response(200, {"value": [self.provider_body(target.subscription, ns) for ns in self.namespaces()]})
            if kind == "provider" and method == "GET":
                return Response(200, self.provider_body(target.subscription, target.namespace))
            if kind == "provider_action":
                return self.provider_action(target)
            if kind == "resource_groups":
                return self.list_records(ctx, self.state.children(target.container, RESOURCES_TYPE))
            if kind == "rg_resources":
                self.require_resource_group(target)
                return self.list_records(ctx, [r for r in self.state.descendants(target.container)
                                               if r.parent == target.container.lower()])
            if kind in ("resource", "resource_group"):
                if method == "GET":
                    return self.get_resource(ctx)
                if method == "PUT":
                    return self.put_resource(ctx, body, headers)
                if method == "PATCH":
                    return self.patch_resource(ctx, body, headers)
                if method == "DELETE":
                    return self.delete_resource(ctx)
                if method == "HEAD":
                    return Response(204 if self.state.get(target.id) else 404)
            if kind == "collection" and method == "GET":
                return self.list_collection(ctx)
            if kind == "action" and method == "POST":
                return self.action(ctx, body)
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found for %s %s." % (method, path))

    # -- request checks ------------------------------------------------------------------------------
    @staticmethod
    def parse_body(raw: bytes):
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ArmError(400, "InvalidRequestContent",
                           "The request content was invalid and could not be deserialized: %s" % exc)

    def check_subscription(self, target: Target):
        subscription = target.subscription
        if subscription is None:
            return
        if not _GUID.match(subscription):
            raise ArmError(400, "InvalidSubscriptionId",
                           "The provided subscription identifier '%s' is malformed or invalid." % subscription)
        if subscription.lower() not in self.subscriptions:
            raise ArmError(404, "SubscriptionNotFound", "The subscription '%s' could not be found." % subscription)

    def versioned_type(self, target: Target) -> str | None:
        if target.kind in ("subscriptions", "subscription", "providers", "provider", "provider_action",
                           "resource_groups", "resource_group", "rg_resources"):
            return RESOURCES_TYPE
        if target.kind == "collection" and target.type and target.type.count("/") >= 2 \
                and not self.state.specs.known_type(target.type):
            # A list of child resources, or a GET action such as locations/kubernetesVersions.
            return target.type if self.known(target.type) else target.type.rsplit("/", 1)[0]
        return target.type

    def known(self, resource_type: str) -> bool:
        lowered = resource_type.lower()
        return self.state.specs.known_type(resource_type) or lowered in self.state.extra_types \
            or lowered in BUILTIN_EXTRA_TYPES

    def api_versions(self, resource_type: str) -> list[str]:
        extra = self.state.extra_types.get(resource_type.lower(), {}).get("api_versions", [])
        builtin = BUILTIN_EXTRA_TYPES.get(resource_type.lower())
        if builtin:
            extra = list(extra) + self.state.specs.api_versions(builtin)
        return sorted(set(self.state.specs.api_versions(resource_type)) | set(extra))

    def check_api_version(self, target: Target, api_version: str | None):
        if not api_version:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        resource_type = self.versioned_type(target)
        if resource_type is None:
            return
        supported = self.api_versions(resource_type)
        if not supported:
            if self.state.allow_unknown_types and _API_VERSION.match(api_version):
                return
            namespace, _sep, short_type = resource_type.partition("/")
            raise ArmError(400, "InvalidResourceType", "The resource type '%s' could not be found in the namespace "
                                                       "'%s' for api version '%s'." % (short_type, namespace, api_version))
        if api_version not in supported:
            if resource_type == RESOURCES_TYPE:
                raise ArmError(400, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported "
                                                                  "versions are '%s'." % (api_version, ",".join(supported)))
            raise ArmError(400, "NoRegisteredProviderFound",
                           "No registered resource provider found for location 'global' and API version '%s' for type "
                           "'%s'. The supported api-versions are '%s'." % (
                               api_version, resource_type.split("/", 1)[-1], ", ".join(supported)))

    def require_resource_group(self, target: Target):
        if target.resource_group is None:
            return None
        rg_id = "/subscriptions/%s/resourceGroups/%s" % (target.subscription, target.resource_group)
        record = self.state.get(rg_id)
        if record is None:
            raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % target.resource_group)
        return record

    def require_parent(self, target: Target):
        """Checks the resource group, the parent resource and (for extension resources) the scope exist."""
        self.require_resource_group(target)
        parent = target.parent or ""
        if parent.count("/") <= 4 and "/providers/" not in parent.lower():
            return None  # subscription or resource group scope
        record = self.state.get(parent)
        if record is None:
            raise ArmError(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. "
                                                          "Parent resource '%s' not found." % parent.rsplit("/", 1)[-1])
        return record

    def require_registered(self, resource_type: str):
        namespace = resource_type.split("/", 1)[0]
        if self.state.providers.get(namespace.lower()) in ("NotRegistered", "Registering", "Unregistered"):
            raise ArmError(409, "MissingSubscriptionRegistration",
                           "The subscription is not registered to use namespace '%s'. See https://aka.ms/rps-not-found "
                           "for how to register subscriptions." % namespace)

    # -- helpers -------------------------------------------------------------------------------------
    def canonical_type(self, target: Target) -> str:
        if target.kind == "resource_group":
            return RESOURCES_TYPE
        return self.state.specs.canonical_type(target.type)

    def view(self, ctx: Context, record: Record) -> dict:
        return behaviour_for(record.type).view(ctx, record)

    def async_headers(self, op, target: Target, location_only=False) -> dict:
        base = self.base_url().rstrip("/")
        suffix = "/subscriptions/%s/providers/%s/locations/%s" % (target.subscription, op.namespace, op.location)
        remaining = max(0.0, op.due - self.state.now())
        poll = max(0.02, min(remaining, 1.0))
        headers = {
            "Location": "%s%s/operationresults/%s?api-version=%s" % (base, suffix, op.id, op.api_version),
            "retry-after-ms": str(int(poll * 1000)),
        }
        # Retry-After carries whole seconds only, and clients read it before retry-after-ms: with scaled
        # (fractional) durations it is sent only when a whole second remains, rounded down.
        if poll >= 1.0:
            headers["Retry-After"] = str(int(math.floor(poll)))
        if not location_only:
            headers["Azure-AsyncOperation"] = "%s%s/operations/%s?api-version=%s" % (base, suffix, op.id, op.api_version)
        return headers

    def is_lro(self, resource_type: str, method: str, api_version: str) -> bool:
        behaviour = behaviour_for(resource_type)
        flag = behaviour.lro if method in ("PUT", "PATCH") else behaviour.lro_delete
        if flag is not None:
            return flag
        extra = self.state.extra_types.get(resource_type.lower())
        if extra is not None and extra.get("lro") is not None:
            return bool(extra["lro"])
        spec = self.state.specs.is_lro(resource_type, "PUT" if method == "PATCH" else method, api_version)
        return bool(spec)

    # -- GET -----------------------------------------------------------------------------------------
    def get_resource(self, ctx: Context) -> Response:
        target = ctx.target
        record = self.state.get(target.id)
        if record is None:
            if target.type and target.type.lower() == ROLE_DEFINITION_TYPE.lower():
                builtin = builtin_role_definition(target.parent, target.name)
                if builtin:
                    return Response(200, builtin)
            if target.kind == "resource_group":
                raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % target.name)
            self.require_resource_group(target)
            raise ArmError(404, "ResourceNotFound",
                           "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to "
                           "https://aka.ms/ARMResourceNotFoundFix" % (
                               target.type, target.name, target.resource_group or "<none>"))
        return Response(200, self.view(ctx, record))

    def list_records(self, ctx: Context, records) -> Response:
        return Response(200, {"value": [self.view(ctx, r) if isinstance(r, Record) else r
                                        for r in sorted(records, key=lambda r: r.created if isinstance(r, Record) else 0)]})

    def list_collection(self, ctx: Context) -> Response:
        target = ctx.target
        resource_type = self.state.specs.canonical_type(target.type)
        lowered = resource_type.lower()
        if lowered.endswith("/locations/kubernetesversions"):
            return Response(200, self.kubernetes_versions())
        behaviour = behaviour_for(resource_type)
        if lowered in ("microsoft.authorization/roleassignments", "microsoft.authorization/roledefinitions"):
            return self.list_records(ctx, behaviour.filter_list(ctx, []))
        self.require_resource_group(target)
        container = target.container
        if container and "/providers/" in container.lower() and self.state.get(container) is None:
            raise ArmError(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. "
                                                          "Parent resource '%s' not found." % container.rsplit("/", 1)[-1])
        if container.count("/") == 2:  # subscription-wide list of a top-level type
            records = self.state.descendants(container, resource_type)
        else:
            records = self.state.children(container, resource_type)
        return self.list_records(ctx, behaviour.filter_list(ctx, records))

    @staticmethod
    def kubernetes_versions() -> dict:
        values = []
        for minor, patches in sorted(KUBERNETES_VERSIONS.items()):
            values.append({
                "version": minor, "isDefault": minor == DEFAULT_KUBERNETES_MINOR, "isPreview": False,
                "capabilities": {"supportPlan": ["KubernetesOfficial", "AKSLongTermSupport"]},
                "patchVersions": {p: {"upgrades": []} for p in patches},
            })
        return {"values": values}

    # -- PUT / PATCH ---------------------------------------------------------------------------------
    def put_resource(self, ctx: Context, body, headers, patched_from: Record | None = None) -> Response:
        target = ctx.target
        resource_type = self.canonical_type(target)
        behaviour = behaviour_for(resource_type)
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                                                         "deserialized: the body must be a JSON object.")
        problem = self.state.specs.name_problem(resource_type, target.name)
        if problem:
            raise ArmError(400, "InvalidResourceName" if target.kind == "resource_group" else "InvalidParameter",
                           "The resource name '%s' is invalid for type '%s': it %s." % (target.name, resource_type, problem),
                           target="name")
        if target.kind != "resource_group":
            self.require_parent(target)
            self.require_registered(resource_type)
        existing = self.state.get(target.id)
        if existing is not None and existing.operation:
            op = self.state.operations.get(existing.operation)
            if op is not None and op.status == "InProgress":
                raise ArmError(409, behaviour.conflict_code,
                               "Operation is not allowed because there's an in progress %s operation on '%s'. Please "
                               "try again later." % (op.kind, target.name))
        self.check_preconditions(headers, existing)
        problem = self.state.specs.validate(resource_type, ctx.api_version, body)
        if problem:
            code, where, message = problem
            if where == "location":
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            raise ArmError(400, code, message, target=where)
        behaviour.check_put(ctx, body, existing)

        stored = copy.deepcopy(body)
        for key in ("id", "name", "type", "etag", "systemData"):
            stored.pop(key, None)
        if "location" in stored:
            stored["location"] = norm_location(stored["location"])
        record_id = existing.id if existing else self.canonical_id(target, resource_type)
        stored = dict({"id": record_id, "name": record_id.rsplit("/", 1)[-1], "type": resource_type}, **stored)
        behaviour.populate(ctx, stored, existing)
        stored["etag"] = 'W/"%s"' % self.state.new_guid()
        now = self.iso_now()
        created = existing.body.get("systemData", {}).get("createdAt", now) if existing else now
        stored["systemData"] = {"createdBy": "emulator@azure-robotics.invalid", "createdByType": "User",
                                "createdAt": created, "lastModifiedBy": "emulator@azure-robotics.invalid",
                                "lastModifiedByType": "User", "lastModifiedAt": now}
        lro = self.is_lro(resource_type, "PUT", ctx.api_version)
        parent_key = target.parent.lower() if target.parent else None
        record = Record(id=record_id, type=resource_type, body=stored, parent=parent_key,
                        created=existing.created if existing else self.state.now())
        if behaviour.provisioning_state:
            record.properties["provisioningState"] = ("Updating" if existing else "Creating") if lro else "Succeeded"
        self.state.put(record)
        behaviour.after_put(ctx, record, existing)
        status = 200 if existing else 201
        if not lro:
            return Response(status, self.view(ctx, record))
        fault = self.state.take_fault("PUT" if patched_from is None else "PATCH", "/" + target.id.strip("/"),
                                      kinds=("lro_failed", "lro_canceled"))
        outcome, error = self.lro_outcome(fault, record)
        op = self.state.start_operation(resource_type.split("/", 1)[0], self.location_of(record),
                                        record.key, "update" if existing else "create",
                                        self.state.latency_for(resource_type), ctx.api_version, outcome, error,
                                        on_done=self.finish_put)
        record.operation = op.id
        return Response(status, self.view(ctx, record), self.async_headers(op, target))

    def location_of(self, record: Record) -> str:
        """The region of a resource, or of the nearest parent that has one (operation URLs carry it)."""
        while record is not None:
            if record.body.get("location"):
                return norm_location(record.body["location"])
            record = self.state.resources.get(record.parent) if record.parent else None
        return "global"

    def lro_outcome(self, fault, record: Record):
        if fault is None:
            return "Succeeded", None
        outcome = "Failed" if fault.kind == "lro_failed" else "Canceled"
        default_code = "ResourceOperationFailure" if outcome == "Failed" else "OperationCanceled"
        message = fault.message or ("The resource operation completed with terminal provisioning state '%s'." % outcome)
        return outcome, {"code": fault.code or default_code, "message": message}

    @staticmethod
    def finish_put(state: EmulatorState, op):
        record = state.resources.get(op.resource_key)
        if record is None or record.operation != op.id:
            return
        record.operation = None
        behaviour = behaviour_for(record.type)
        if op.status == "Succeeded":
            if behaviour.provisioning_state:
                record.properties["provisioningState"] = "Succeeded"
            behaviour.on_succeeded(state, record)
        else:
            if behaviour.provisioning_state:
                record.properties["provisioningState"] = op.status
            behaviour.on_failed(state, record, op.status)

    def canonical_id(self, target: Target, resource_type: str) -> str:
        """The id as ARM stores it: names as first sent, namespaces and types in their registered casing."""
        if target.kind == "resource_group":
            return "/subscriptions/%s/resourceGroups/%s" % (target.subscription, target.name)
        parent = self.state.get(target.parent) if target.parent else None
        prefix = parent.id if parent is not None else (target.parent or "")
        tail = target.id[len(target.parent or ""):]
        parts = resource_type.split("/")
        if tail.lower().startswith("/providers/"):
            return "%s/providers/%s/%s/%s" % (prefix, parts[0], parts[-1], target.name)
        return "%s/%s/%s" % (prefix, parts[-1], target.name)

    def check_preconditions(self, headers, existing):
        if_match = headers.get("if-match")
        if if_match and if_match != "*" and (existing is None or existing.body.get("etag") != if_match):
            raise ArmError(412, "PreconditionFailed", "The condition specified using HTTP conditional header(s) is not met.")
        if if_match == "*" and existing is None:
            raise ArmError(412, "PreconditionFailed", "The resource does not exist.")
        if headers.get("if-none-match") == "*" and existing is not None:
            raise ArmError(412, "PreconditionFailed", "The resource already exists.")

    def patch_resource(self, ctx: Context, body, headers) -> Response:
        record = self.state.get(ctx.target.id)
        if record is None:
            self.require_resource_group(ctx.target)
            raise ArmError(404, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found."
                           % (ctx.target.type, ctx.target.name, ctx.target.resource_group))
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        merged = self.user_fields(ctx, record)
        merge_patch(merged, body)
        return self.put_resource(ctx, merged, headers, patched_from=record)

    def user_fields(self, ctx: Context, record: Record) -> dict:
        """The stored body without what the server computes (what a client would PUT back)."""
        body = self.view(ctx, record)
        for key in ("id", "name", "type", "etag", "systemData"):
            body.pop(key, None)
        (body.get("properties") or {}).pop("provisioningState", None)
        protected = record.body.get("_protected")
        if protected:
            body["properties"]["configurationProtectedSettings"] = copy.deepcopy(protected)
        return body

    # -- DELETE --------------------------------------------------------------------------------------
    def delete_resource(self, ctx: Context) -> Response:
        target = ctx.target
        record = self.state.get(target.id)
        if record is None:
            if target.kind == "resource_group":
                raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % target.name)
            self.require_resource_group(target)
            return Response(204)
        behaviour = behaviour_for(record.type)
        current = self.state.operations.get(record.operation) if record.operation else None
        if current is not None and current.status == "InProgress" and current.kind == "delete":
            return Response(202, None, self.async_headers(current, target, location_only=target.kind == "resource_group"))
        behaviour.check_delete(ctx, record)
        record.delete_query = dict(ctx.query)
        if not self.is_lro(record.type, "DELETE", ctx.api_version):
            self.state.remove(record.id)
            return Response(200)
        fault = self.state.take_fault("DELETE", "/" + target.id.strip("/"), kinds=("lro_failed", "lro_canceled"))
        outcome, error = self.lro_outcome(fault, record)
        if behaviour.provisioning_state or record.type == RESOURCES_TYPE:
            record.properties["provisioningState"] = "Deleting"
        for child in self.state.descendants(record.id):
            if behaviour_for(child.type).provisioning_state:
                child.properties["provisioningState"] = "Deleting"
        op = self.state.start_operation(record.type.split("/", 1)[0], self.location_of(record),
                                        record.key, "delete", self.state.latency_for(record.type), ctx.api_version,
                                        outcome, error, on_done=self.finish_delete)
        record.operation = op.id
        return Response(202, None, self.async_headers(op, target, location_only=target.kind == "resource_group"))

    @staticmethod
    def finish_delete(state: EmulatorState, op):
        record = state.resources.get(op.resource_key)
        if record is None:
            return
        record.operation = None
        if op.status == "Succeeded":
            state.remove(record.id)
        else:
            record.properties["provisioningState"] = "Failed"

    def put_runbook_content(self, path, raw):
        """``PUT <runbook>/draft/content``: the script as text (not JSON)."""
        runbook_id = path.split("?", 1)[0].rstrip("/")[:-len("/draft/content")]
        record = self.state.get(runbook_id)
        if record is None:
            raise ArmError(404, "ResourceNotFound", "The runbook '%s' was not found." % runbook_id.rsplit("/", 1)[-1])
        record.body["_draft"] = raw.decode("utf-8", "replace")
        record.properties["state"] = "Edit"
        return Response(202)

    # -- POST actions and providers -----------------------------------------------------------------
    def action(self, ctx: Context, body) -> Response:
        target = ctx.target
        record = self.state.get(target.id)
        if record is None:
            self.require_resource_group(target)
            raise ArmError(404, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found."
                           % (target.type, target.name, target.resource_group))
        handler = behaviour_for(record.type).actions.get(target.action.lower())
        if handler is None:
            raise ArmError(404, "InvalidResourceType", "The action '%s' is not supported by resource type '%s'."
                           % (target.action, record.type))
        status, result = handler(ctx, record, body)
        return Response(status, result)

    def namespaces(self) -> list[str]:
        names = {t.split("/", 1)[0] for t in self.state.specs.casing.values()}
        names.update(t.split("/", 1)[0] for t in self.state.extra_types)
        names.update(self.state.providers)
        canonical = {n.lower(): n for n in sorted(names, key=lambda n: (n.lower(), n != n.lower()))}
        for name in names:
            if name[0].isupper():
                canonical[name.lower()] = name
        return sorted(canonical.values(), key=str.lower)

    def provider_body(self, subscription: str, namespace: str) -> dict:
        canonical = next((n for n in self.namespaces() if n.lower() == namespace.lower()), None)
        if canonical is None:
            raise ArmError(404, "InvalidResourceNamespace", "The resource namespace '%s' is invalid." % namespace)
        state = self.state.providers.get(canonical.lower(), "Registered")
        types = sorted({t for t in self.state.specs.casing.values() if t.split("/", 1)[0].lower() == canonical.lower()})
        return {
            "id": "/subscriptions/%s/providers/%s" % (subscription, canonical),
            "namespace": canonical,
            "registrationState": state,
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [{"resourceType": t.split("/", 1)[1], "locations": [], "apiVersions":
                               list(reversed(self.api_versions(t)))} for t in types],
        }

    def provider_action(self, target: Target) -> Response:
        action = target.action.lower()
        body = self.provider_body(target.subscription, target.namespace)
        key = body["namespace"].lower()
        if action == "register":
            if self.state.providers.get(key, "Registered") != "Registered":
                self.state.providers[key] = "Registering"
                self.state.start_operation(body["namespace"], "global", None, "action",
                                           self.state.latency_for("Microsoft.Resources/providers"), "",
                                           on_done=lambda state, op, key=key: state.providers.__setitem__(key, "Registered"))
        elif action == "unregister":
            self.state.providers[key] = "Unregistered"
        else:
            raise ArmError(404, "InvalidResourceType", "The action '%s' is not supported on providers." % target.action)
        return Response(200, self.provider_body(target.subscription, target.namespace))

    # -- operations ----------------------------------------------------------------------------------
    def operation(self, target: Target) -> Response:
        op = self.state.operations.get(target.operation)
        if op is None:
            raise ArmError(404, "OperationNotFound", "The operation '%s' was not found." % target.operation)
        body = op.as_body()
        body["id"] = body["id"].replace("{sub}", target.subscription or "")
        if target.kind == "operation_status":
            headers = self.async_headers(op, target) if op.status == "InProgress" else {}
            headers.pop("Location", None)
            headers.pop("Azure-AsyncOperation", None)
            return Response(200, body, headers)
        if op.status == "InProgress":
            headers = self.async_headers(op, target, location_only=True)
            return Response(202, None, headers)
        if op.status != "Succeeded":
            error = op.error or {"code": op.status, "message": "The operation ended %s." % op.status}
            return Response(400 if op.status == "Failed" else 409, {"error": error})
        return Response(204 if op.kind == "delete" else 200, None if op.kind == "delete" else body)

    # -- misc -----------------------------------------------------------------------------------------
    def subscription_body(self, subscription: str) -> dict:
        return {"id": "/subscriptions/%s" % subscription, "subscriptionId": subscription, "tenantId": self.state.tenant_id,
                "displayName": "azure_robotics.stack emulated subscription", "state": "Enabled"}


def merge_patch(target: dict, patch: dict):
    """RFC 7396 JSON merge patch, in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


__all__ = ["ArmService", "Response", "merge_patch", "BUILTIN_ROLES"]

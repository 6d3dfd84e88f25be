"""The REST semantics of the API server: routing, discovery, verbs, preconditions, patches, apply, dry run, watch.

Transport-free: ``Api.handle(Request) -> Response``; server.py speaks HTTP around it.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import time
import uuid

import yaml

from . import defaults, fieldmanager, protobuf, validation
from .errors import ApiError
from .kinds import ResourceType
from .merge import ListSemantics, json_merge_patch, json_patch, strategic_merge_patch
from .selectors import fields_match, labels_match, parse_field_selector, parse_label_selector
from .store import clone

JSON = "application/json"
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")
NAMESPACES = ("", "namespaces")
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
INITIAL_STATUS = {
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                  "numberReady": 0},
}


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict               # name -> [values]
    headers: dict             # lower-case names
    body: bytes = b""

    def q(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default


@dataclasses.dataclass
class Response:
    status: int
    body: object = None       # dict (JSON) or str (text)
    headers: dict = dataclasses.field(default_factory=dict)
    stream: object = None     # iterator of bytes (watch)


def _now() -> str:
    return fieldmanager.now_rfc3339()


def _suffix(n=5) -> str:
    return "".join(random.choices("bcdfghjklmnpqrstvwxz2456789", k=n))


def _spec_side(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _comparable(obj: dict) -> dict:
    """An object without the fields a no-op write would change anyway."""
    out = clone(obj)
    meta = out.get("metadata", {})
    meta.pop("resourceVersion", None)
    for entry in meta.get("managedFields") or []:
        entry.pop("time", None)
    return out


class Api:
    def __init__(self, cluster):
        self.cluster = cluster
        self.store = cluster.store
        self.registry = cluster.registry
        self.config = cluster.config

    # -- entry point ----------------------------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        try:
            return self._dispatch(req)
        except ApiError as exc:
            return Response(exc.code, exc.body, dict(exc.headers))

    def _dispatch(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if req.path.rstrip("/") == "/version" or parts == ["version"]:
            return Response(200, self.cluster.version_info())
        if parts and parts[0] in ("healthz", "readyz", "livez"):
            return Response(200, "ok")
        if not parts or parts[0] not in ("api", "apis"):
            raise ApiError.no_route()
        if req.method != "GET" and (len(parts) <= 2 or (parts[0] == "apis" and len(parts) <= 3)):
            raise ApiError.method_not_allowed()
        if parts[0] == "api":
            if len(parts) == 1:
                return Response(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": self.cluster.address}]})
            group, version, rest = "", parts[1], parts[2:]
        else:
            if len(parts) == 1:
                return Response(200, self._group_list())
            if len(parts) == 2:
                return Response(200, self._group(parts[1]))
            group, version, rest = parts[1], parts[2], parts[3:]
        if not rest:
            return Response(200, self._resource_list(group, version))
        return self._resource_request(req, group, version, rest)

    # -- discovery ------------------------------------------------------------------------------------------------
    def _group_entry(self, group, versions, preferred):
        return {"name": group,
                "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                "preferredVersion": {"groupVersion": f"{group}/{preferred}", "version": preferred}}

    def _group_list(self):
        groups = self.registry.groups()
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [self._group_entry(g, v, p) for g, (v, p) in sorted(groups.items())]}

    def _group(self, group):
        groups = self.registry.groups()
        if group not in groups:
            raise ApiError.no_route()
        versions, preferred = groups[group]
        return dict(kind="APIGroup", apiVersion="v1", **self._group_entry(group, versions, preferred))

    def _resource_list(self, group, version):
        types = self.registry.resources(group, version)
        if not types:
            raise ApiError.no_route()
        resources = [entry for t in sorted(types, key=lambda t: t.plural) for entry in t.discovery()]
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version, "resources": resources}

    # -- routing --------------------------------------------------------------------------------------------------
    def _resource_request(self, req, group, version, rest) -> Response:
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            candidate = self.registry.get(group, version, rest[2])
            if candidate is not None and candidate.namespaced:
                namespace, rest = rest[1], rest[2:]
        rtype = self.registry.get(group, version, rest[0])
        if rtype is None or len(rest) > 3:
            raise ApiError.no_route()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in rtype.subresources:
            raise ApiError.no_route()
        if rtype.namespaced and namespace is None and name is not None:
            raise ApiError.no_route()
        if not rtype.namespaced and namespace is not None:
            raise ApiError.no_route()
        if sub == "scale":
            return self._scale(req, rtype, namespace, name)
        method = req.method
        if method == "GET":
            if name is None:
                if req.q("watch") in ("true", "1"):
                    return self._watch(req, rtype, namespace)
                return Response(200, self._list(req, rtype, namespace))
            return Response(200, self._present(rtype, self._get(rtype, namespace, name)))
        if method == "POST" and name is None:
            return self._create(req, rtype, namespace)
        if method == "PUT" and name is not None:
            return self._update(req, rtype, namespace, name, sub)
        if method == "PATCH" and name is not None:
            return self._patch(req, rtype, namespace, name, sub)
        if method == "DELETE":
            if name is None:
                return self._delete_collection(req, rtype, namespace)
            if sub is None:
                return self._delete(req, rtype, namespace, name)
        raise ApiError.method_not_allowed()

    # -- helpers --------------------------------------------------------------------------------------------------
    def _present(self, rtype, obj):
        obj["apiVersion"] = rtype.group_version
        obj["kind"] = rtype.kind
        return obj

    def _get(self, rtype, namespace, name):
        obj = self.store.get(rtype.key, namespace, name)
        if obj is None:
            raise ApiError.not_found(rtype, name)
        return obj

    def _body(self, req) -> object:
        if not req.body:
            raise ApiError.bad_request("the request body is empty")
        content_type = req.headers.get("content-type", JSON).split(";")[0].strip()
        if content_type == protobuf.CONTENT_TYPE:
            try:
                return protobuf.decode(req.body)
            except (protobuf.ProtobufError, UnicodeDecodeError) as exc:
                raise ApiError.unsupported_media_type(f"{content_type} ({exc})", [JSON]) from exc
        if content_type not in (JSON, "application/yaml") + PATCH_TYPES:
            # CBOR and other encodings are not modelled
            raise ApiError.unsupported_media_type(content_type, [JSON, "application/yaml", protobuf.CONTENT_TYPE])
        try:
            if content_type in ("application/apply-patch+yaml", "application/yaml"):
                return yaml.safe_load(req.body.decode())
            return json.loads(req.body.decode())
        except (ValueError, yaml.YAMLError) as exc:
            raise ApiError.bad_request(f"error decoding request body: {exc}") from exc

    def _object_body(self, req, rtype) -> dict:
        body = self._body(req)
        if not isinstance(body, dict):
            raise ApiError.bad_request(f"the body must be a {rtype.kind} object")
        expected = rtype.group_version
        if body.get("apiVersion") and body["apiVersion"] != expected:
            raise ApiError.bad_request(f"the API version in the data ({body['apiVersion']}) does not match the "
                                       f"expected API version ({expected})")
        if body.get("kind") and body["kind"] != rtype.kind:
            raise ApiError.bad_request(f"the kind in the data ({body['kind']}) does not match the expected kind "
                                       f"({rtype.kind})")
        body["apiVersion"], body["kind"] = expected, rtype.kind
        if not isinstance(body.get("metadata"), dict):
            body["metadata"] = {}
        return body

    def _dry_run(self, req) -> bool:
        values = req.query.get("dryRun") or []
        for value in values:
            if value != "All":
                raise ApiError.bad_request(f'unsupported dry run value "{value}": supported value is "All"')
        return bool(values)

    def _manager(self, req) -> str:
        manager = req.q("fieldManager")
        if manager:
            if len(manager) > 128:
                raise ApiError.bad_request("fieldManager: Too long: may not be longer than 128")
            return manager
        agent = req.headers.get("user-agent", "unknown")
        return agent.split("/")[0] or "unknown"

    def lists(self, rtype) -> ListSemantics:
        return ListSemantics(rtype.kind, self.cluster.schema_for(rtype))

    def _check_namespace(self, rtype, namespace, body_ns):
        if not rtype.namespaced:
            return
        if body_ns and body_ns != namespace:
            raise ApiError.bad_request("the namespace of the provided object does not match the namespace sent on "
                                       "the request")
        ns = self.store.get(NAMESPACES, None, namespace)
        if ns is None:
            raise ApiError.not_found(self.registry.by_key(NAMESPACES), namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise ApiError.forbidden(f"{rtype.plural} \"\" is forbidden: unable to create new content in namespace "
                                     f"{namespace} because it is being terminated", rtype, None)

    def _validate(self, req, rtype, obj, old=None) -> list:
        """Semantic and schema validation (422/400); returns API warnings."""
        name = obj["metadata"].get("name")
        causes = validation.validate_name(rtype, name) if old is None else []
        causes += validation.semantic(obj) if not rtype.custom else validation._labels(obj["metadata"], "metadata")
        if old is not None:
            causes += self._immutable(rtype, old, obj)
        if causes:
            raise ApiError.invalid(rtype, name, causes)
        field_validation = req.q("fieldValidation", "Warn")
        if rtype.custom:
            schema = self.cluster.schema_for(rtype)
            if schema is not None:
                status = obj.get("status")
                warnings = validation.custom_resource(obj, schema, field_validation, rtype)
                if status is not None and "status" not in obj and rtype.has_status:
                    obj["status"] = status
                return warnings
            return []
        if self.config.strict:
            return validation.strict_builtin(obj, self.config.version, field_validation)
        return []

    def _immutable(self, rtype, old, new) -> list:
        causes = []
        kind = rtype.kind
        if kind in ("ConfigMap", "Secret") and old.get("immutable"):
            for field in ("data", "binaryData"):
                if old.get(field) != new.get(field):
                    causes.append((field, "FieldValueForbidden", "Forbidden: field is immutable when "
                                   "`immutable` is set"))
        if kind == "Job":
            o, n = old.get("spec", {}), new.get("spec", {})
            if o.get("selector") != n.get("selector"):
                causes.append(("spec.selector", "FieldValueInvalid", "Invalid value: field is immutable"))
            if o.get("completionMode") != n.get("completionMode"):
                causes.append(("spec.completionMode", "FieldValueInvalid", "Invalid value: field is immutable"))
            if o.get("template") != n.get("template") and not (o.get("suspend") and n.get("suspend")):
                causes.append(("spec.template", "FieldValueInvalid", "Invalid value: field is immutable"))
            if o.get("completions") != n.get("completions"):
                elastic = (n.get("completionMode") == "Indexed" and n.get("completions") == n.get("parallelism"))
                if not elastic:
                    causes.append(("spec.completions", "FieldValueInvalid", "Invalid value: field is immutable"))
            for field in ("backoffLimitPerIndex", "podFailurePolicy"):
                if o.get(field) != n.get(field):
                    causes.append((f"spec.{field}", "FieldValueInvalid", "Invalid value: field is immutable"))
        if kind in ("Deployment", "DaemonSet", "StatefulSet"):
            if old.get("spec", {}).get("selector") != new.get("spec", {}).get("selector"):
                causes.append(("spec.selector", "FieldValueInvalid", "Invalid value: field is immutable"))
        if kind == "PersistentVolume":
            o, n = old.get("spec", {}), new.get("spec", {})
            for field in ("csi", "hostPath", "nfs", "local"):
                if o.get(field) != n.get(field) and o.get(field) is not None:
                    causes.append((f"spec.{field}", "FieldValueForbidden", "Forbidden: spec.persistentvolumesource "
                                   "is immutable after creation"))
        if kind == "PersistentVolumeClaim":
            o, n = old.get("spec", {}), new.get("spec", {})
            comparable = {k: v for k, v in o.items() if k not in ("resources", "volumeAttributesClassName")}
            now = {k: v for k, v in n.items() if k not in ("resources", "volumeAttributesClassName")}
            if o.get("volumeName") and not n.get("volumeName"):
                now["volumeName"] = o["volumeName"]
            if comparable != now:
                causes.append(("spec", "FieldValueForbidden", "Forbidden: spec is immutable after creation except "
                               "resources.requests and volumeAttributesClassName for bound claims"))
        if kind == "StorageClass":
            for field in ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"):
                if old.get(field) != new.get(field):
                    causes.append((field, "FieldValueForbidden", "Forbidden: updates to " + field +
                                   " are forbidden."))
        if kind == "CustomResourceDefinition":
            o, n = old.get("spec", {}), new.get("spec", {})
            for field in ("group", "scope"):
                if o.get(field) != n.get(field):
                    causes.append((f"spec.{field}", "FieldValueInvalid", "Invalid value: field is immutable"))
        return causes

    # -- reads ----------------------------------------------------------------------------------------------------
    def _selected(self, req, rtype, namespace):
        labels = parse_label_selector(req.q("labelSelector"))
        fields = parse_field_selector(req.q("fieldSelector"), rtype.kind)
        items, rv = self.store.list(rtype.key, namespace)
        return [o for o in items if labels_match(labels, o["metadata"].get("labels"))
                and fields_match(fields, o)], rv

    def _list(self, req, rtype, namespace):
        items, rv = self._selected(req, rtype, namespace)
        meta = {"resourceVersion": str(rv)}
        limit = int(req.q("limit") or 0)
        start = 0
        token = req.q("continue")
        if token:
            try:
                start = json.loads(base64.b64decode(token))["start"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ApiError.bad_request("continue key is not valid") from exc
        if limit or start:
            end = start + limit if limit else len(items)
            if end < len(items):
                meta["continue"] = base64.b64encode(json.dumps({"start": end}).encode()).decode()
                meta["remainingItemCount"] = len(items) - end
            items = items[start:end]
        for obj in items:
            if rtype.custom:
                self._present(rtype, obj)
            else:
                obj.pop("apiVersion", None)
                obj.pop("kind", None)
        return {"kind": rtype.list_kind, "apiVersion": rtype.group_version, "metadata": meta, "items": items}

    def _watch(self, req, rtype, namespace) -> Response:
        labels = parse_label_selector(req.q("labelSelector"))
        fields = parse_field_selector(req.q("fieldSelector"), rtype.kind)
        timeout = float(req.q("timeoutSeconds") or self.config.watch_timeout)
        bookmarks = req.q("allowWatchBookmarks") in ("true", "1")
        rv = req.q("resourceVersion")

        def matches(obj):
            return obj is not None and labels_match(labels, obj["metadata"].get("labels")) and fields_match(fields, obj)

        initial, start = [], None
        with self.store.lock:
            if rv in (None, "", "0"):
                items, start = self.store.list(rtype.key, namespace)
                initial = [("ADDED", o) for o in items if matches(o)]
            else:
                try:
                    start = int(rv)
                except ValueError as exc:
                    raise ApiError.bad_request(f'invalid resource version "{rv}"') from exc
                if start < self.store.oldest_event_rv - 1:
                    expired = ApiError.gone(f"too old resource version: {start} ({self.store.oldest_event_rv - 1})")
                    initial = [("ERROR", expired.body)]
                    start = None

        def line(etype, obj):
            if etype != "ERROR":
                obj = self._present(rtype, clone(obj))
            return (json.dumps({"type": etype, "object": obj}) + "\n").encode()

        def stream():
            for etype, obj in initial:
                yield line(etype, obj)
            if start is None:
                return
            current, deadline, last_bookmark = start, time.monotonic() + timeout, time.monotonic()
            while time.monotonic() < deadline and not self.store.closed and not self.cluster.stopping:
                events = self.store.events_after(current)
                for event in events:
                    current = event.rv
                    if event.key != rtype.key or (namespace is not None and event.namespace != namespace):
                        continue
                    now_in, was_in = matches(event.obj), matches(event.old)
                    if event.type == "DELETED":
                        if was_in or now_in:
                            yield line("DELETED", event.obj)
                    elif now_in and (was_in or event.type == "ADDED"):
                        yield line(event.type, event.obj)
                    elif now_in:
                        yield line("ADDED", event.obj)
                    elif was_in:
                        yield line("DELETED", event.obj)
                if not events:
                    if bookmarks and time.monotonic() - last_bookmark > self.config.bookmark_interval:
                        last_bookmark = time.monotonic()
                        yield line("BOOKMARK", {"kind": rtype.kind, "apiVersion": rtype.group_version,
                                                "metadata": {"resourceVersion": str(current)}})
                    self.store.wait(current, min(0.25, max(0.0, deadline - time.monotonic())))

        return Response(200, None, {"Content-Type": JSON}, stream())

    # -- writes ---------------------------------------------------------------------------------------------------
    def _create(self, req, rtype, namespace) -> Response:
        dry_run = self._dry_run(req)
        obj = self._object_body(req, rtype)
        meta = obj["metadata"]
        if meta.get("resourceVersion"):
            raise ApiError.bad_request("resourceVersion should not be set on objects to be created")
        for field in ("uid", "creationTimestamp", "deletionTimestamp", "managedFields", "generation", "selfLink"):
            meta.pop(field, None)
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = meta["generateName"] + _suffix()
            else:
                raise ApiError.invalid(rtype, "", [("metadata.name", "FieldValueRequired",
                                                    "Required value: name or generateName is required")])
        if rtype.namespaced:
            self._check_namespace(rtype, namespace, meta.get("namespace"))
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        return self._insert(req, rtype, obj, self._manager(req), dry_run)

    def _insert(self, req, rtype, obj, manager, dry_run, applied=False) -> Response:
        meta = obj["metadata"]
        if rtype.has_status:
            obj.pop("status", None)
            if not rtype.custom:            # built-in kinds answer with their initial status, CRs with none
                obj["status"] = clone(INITIAL_STATUS.get(rtype.kind, {}))
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = _now()
        if rtype.has_generation:
            meta["generation"] = 1
        if rtype.kind == "CustomResourceDefinition":
            meta.setdefault("finalizers", [])
            if "customresourcecleanup.apiextensions.k8s.io" not in meta["finalizers"]:
                meta["finalizers"].append("customresourcecleanup.apiextensions.k8s.io")
        defaults.apply_defaults(obj)
        warnings = self._validate(req, rtype, obj)
        if not applied:
            fieldmanager.record_update(None, obj, manager, rtype.group_version, self.lists(rtype))
        with self.store.lock:
            if self.store.get(rtype.key, meta.get("namespace"), meta["name"]) is not None:
                raise ApiError.already_exists(rtype, meta["name"])
            if dry_run:
                return Response(201, self._present(rtype, obj), self._warning_headers(warnings))
            stored = self.store.put(rtype.key, obj)
        return Response(201, self._present(rtype, stored), self._warning_headers(warnings))

    @staticmethod
    def _warning_headers(warnings):
        if not warnings:
            return {}
        return {"Warning": ", ".join('299 - ' + json.dumps(w) for w in warnings)}

    def _update(self, req, rtype, namespace, name, sub) -> Response:
        dry_run = self._dry_run(req)
        new = self._object_body(req, rtype)
        if new["metadata"].get("name") and new["metadata"]["name"] != name:
            raise ApiError.bad_request(f"the name of the object ({new['metadata']['name']}) does not match the name "
                                       f"on the URL ({name})")
        if rtype.namespaced and new["metadata"].get("namespace") not in (None, namespace):
            raise ApiError.bad_request("the namespace of the provided object does not match the namespace sent on "
                                       "the request")
        with self.store.lock:
            current = self._get(rtype, namespace, name)
            wanted = new["metadata"].get("resourceVersion")
            if wanted:
                if wanted != current["metadata"]["resourceVersion"]:
                    raise ApiError.conflict(rtype, name)
            elif rtype.custom:
                raise ApiError.invalid(rtype, name, [("metadata.resourceVersion", "FieldValueInvalid",
                                                      "Invalid value: 0x0: must be specified for an update")])
            return self._write(req, rtype, current, new, sub, self._manager(req), dry_run)

    def _write(self, req, rtype, current, new, sub, manager, dry_run, applied=False) -> Response:
        """Finishes an update/patch/apply: status/spec split, defaults, validation, generation, no-op detection."""
        meta, old_meta = new["metadata"], current["metadata"]
        for field in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds",
                      "namespace"):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        meta["name"] = old_meta["name"]
        if not applied:
            meta["managedFields"] = clone(old_meta.get("managedFields") or [])
        if sub == "status":
            result = clone(current)
            if "status" in new:
                result["status"] = new["status"]
            else:
                result.pop("status", None)
            if applied:
                result["metadata"]["managedFields"] = meta.get("managedFields", [])
            new = result
        elif rtype.has_status:
            if "status" in current:
                new["status"] = clone(current["status"])
            else:
                new.pop("status", None)
        if rtype.kind == "Service":
            spec, old_spec = new.setdefault("spec", {}), current.get("spec", {})
            for field in ("clusterIP", "clusterIPs"):
                if not spec.get(field) and old_spec.get(field):
                    spec[field] = old_spec[field]
        if sub != "status":
            defaults.apply_defaults(new)
        warnings = self._validate(req, rtype, new, current)
        if rtype.has_generation and _spec_side(new) != _spec_side(current):
            new["metadata"]["generation"] = old_meta.get("generation", 1) + 1
        if not applied:
            fieldmanager.record_update(current, new, manager, rtype.group_version, self.lists(rtype), sub)
        new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
        if _comparable(new) == _comparable(current):
            return Response(200, self._present(rtype, current), self._warning_headers(warnings))
        if dry_run:
            return Response(200, self._present(rtype, new), self._warning_headers(warnings))
        if old_meta.get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            self.store.put(rtype.key, new)
            final = self.store.remove(rtype.key, old_meta.get("namespace"), old_meta["name"])
            return Response(200, self._present(rtype, final), self._warning_headers(warnings))
        stored = self.store.put(rtype.key, new)
        return Response(200, self._present(rtype, stored), self._warning_headers(warnings))

    def _patch(self, req, rtype, namespace, name, sub) -> Response:
        dry_run = self._dry_run(req)
        content_type = req.headers.get("content-type", "").split(";")[0].strip()
        accepted = [t for t in PATCH_TYPES if not (rtype.custom and t == "application/strategic-merge-patch+json")]
        if content_type not in accepted:
            raise ApiError.unsupported_media_type(content_type, accepted)
        patch = self._body(req)
        if content_type == "application/apply-patch+yaml":
            return self._apply(req, rtype, namespace, name, sub, patch, dry_run)
        with self.store.lock:
            current = self._get(rtype, namespace, name)
            if content_type == "application/json-patch+json":
                patched = json_patch(current, patch)
            elif content_type == "application/merge-patch+json":
                if not isinstance(patch, dict):
                    raise ApiError.bad_request("the merge patch must be a JSON object")
                patched = json_merge_patch(current, patch)
            else:
                if not isinstance(patch, dict):
                    raise ApiError.bad_request("the strategic merge patch must be a JSON object")
                patched = strategic_merge_patch(current, patch, self.lists(rtype))
            if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
                raise ApiError.bad_request("the patched object must keep its metadata")
            if patched.get("apiVersion", rtype.group_version) != rtype.group_version or \
                    patched.get("kind", rtype.kind) != rtype.kind:
                raise ApiError.bad_request("the patch may not change the kind or apiVersion of the object")
            wanted = patched["metadata"].get("resourceVersion")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise ApiError.conflict(rtype, name)
            if patched["metadata"].get("name") != name:
                raise ApiError.bad_request("the patch may not change the name of the object")
            patched["apiVersion"], patched["kind"] = rtype.group_version, rtype.kind
            return self._write(req, rtype, current, patched, sub, self._manager(req), dry_run)

    def _apply(self, req, rtype, namespace, name, sub, applied, dry_run) -> Response:
        manager = req.q("fieldManager")
        if not manager:
            raise ApiError.bad_request("PATCH, application/apply-patch+yaml requests must have a fieldManager "
                                       "(fieldManager is required for apply requests)")
        force = req.q("force") in ("true", "1")
        if not isinstance(applied, dict):
            raise ApiError.bad_request("the apply configuration must be an object")
        if applied.get("apiVersion") != rtype.group_version or applied.get("kind") != rtype.kind:
            raise ApiError.bad_request(f"the apply configuration must set apiVersion: {rtype.group_version} and "
                                       f"kind: {rtype.kind}")
        meta = applied.get("metadata")
        if not isinstance(meta, dict) or meta.get("name") != name:
            raise ApiError.bad_request("the name in the apply configuration must match the name on the URL")
        if meta.get("managedFields") is not None:
            raise ApiError.bad_request("metadata.managedFields must be nil")
        if rtype.namespaced:
            if meta.get("namespace") not in (None, namespace):
                raise ApiError.bad_request("the namespace of the provided object does not match the namespace "
                                           "sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)       # ignored for cluster-scoped kinds, as on a real server
        lists = self.lists(rtype)
        with self.store.lock:
            current = self.store.get(rtype.key, namespace, name)
            if current is None:
                if sub:
                    raise ApiError.not_found(rtype, name)
                self._check_namespace(rtype, namespace, None)
                obj = fieldmanager.server_side_apply(None, applied, manager, force, lists)
                return self._insert(req, rtype, obj, manager, dry_run, applied=True)
            wanted = meta.get("resourceVersion")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise ApiError.conflict(rtype, name)
            applied_copy = clone(applied)
            applied_copy["metadata"].pop("resourceVersion", None)
            new = fieldmanager.server_side_apply(current, applied_copy, manager, force, lists, sub)
            return self._write(req, rtype, current, new, sub, manager, dry_run, applied=True)

    def _delete(self, req, rtype, namespace, name) -> Response:
        dry_run = self._dry_run(req)
        options = {}
        if req.body:
            try:
                if req.headers.get("content-type", "").startswith(protobuf.CONTENT_TYPE):
                    options = protobuf.decode(req.body)
                else:
                    options = json.loads(req.body.decode()) or {}
            except ValueError as exc:
                raise ApiError.bad_request(f"error decoding DeleteOptions: {exc}") from exc
        policy = req.q("propagationPolicy") or options.get("propagationPolicy")
        if req.q("orphanDependents") == "true" or options.get("orphanDependents") is True:
            policy = "Orphan"
        if policy not in (None, "Orphan", "Background", "Foreground"):
            raise ApiError.bad_request(f'propagationPolicy: Unsupported value: "{policy}"')
        if options.get("dryRun"):
            dry_run = True
        with self.store.lock:
            current = self._get(rtype, namespace, name)
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != current["metadata"]["uid"]:
                raise ApiError.conflict(rtype, name, f"Precondition failed: UID in precondition: {pre['uid']}, UID "
                                        f"in object meta: {current['metadata']['uid']}")
            if pre.get("resourceVersion") and pre["resourceVersion"] != current["metadata"]["resourceVersion"]:
                raise ApiError.conflict(rtype, name, "Precondition failed: ResourceVersion in precondition: "
                                        f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                                        f"{current['metadata']['resourceVersion']}")
            if policy is None:
                policy = "Orphan" if rtype.kind in ("Job", "CronJob") and not rtype.custom else "Background"
            if dry_run:
                return Response(200, self._present(rtype, current))
            return self._remove(rtype, current, policy)

    def _remove(self, rtype, current, policy) -> Response:
        meta = current["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        if rtype.kind == "Namespace" and not rtype.custom:
            finalizers = finalizers or list(current.get("spec", {}).get("finalizers") or [])
        if policy == "Foreground" and "foregroundDeletion" not in finalizers and self.store.dependents(meta["uid"]):
            meta.setdefault("finalizers", []).append("foregroundDeletion")
            finalizers.append("foregroundDeletion")
        if policy == "Orphan" and self.store.dependents(meta["uid"]):
            self.cluster.orphan_dependents(meta["uid"])
        if finalizers:
            if not meta.get("deletionTimestamp"):
                meta["deletionTimestamp"] = _now()
                meta["deletionGracePeriodSeconds"] = 0
                if rtype.kind == "Namespace":
                    current.setdefault("status", {})["phase"] = "Terminating"
                current = self.store.put(rtype.key, current)
            return Response(200, self._present(rtype, current))
        final = self.store.remove(rtype.key, meta.get("namespace"), meta["name"])
        return Response(200, self._present(rtype, final))

    def _delete_collection(self, req, rtype, namespace) -> Response:
        dry_run = self._dry_run(req)
        items = self._selected(req, rtype, namespace)[0]
        if not dry_run:
            policy = req.q("propagationPolicy") or ("Orphan" if rtype.kind == "Job" else "Background")
            with self.store.lock:
                for obj in items:
                    current = self.store.get(rtype.key, obj["metadata"].get("namespace"), obj["metadata"]["name"])
                    if current is not None:
                        self._remove(rtype, current, policy)
        return Response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})

    # -- scale subresource ----------------------------------------------------------------------------------------
    def _scale(self, req, rtype, namespace, name) -> Response:
        with self.store.lock:
            current = self._get(rtype, namespace, name)

            def scale(obj):
                selector = (obj.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
                return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                        "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                                     "creationTimestamp") if k in obj["metadata"]},
                        "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
                        "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                                   "selector": ",".join(f"{k}={v}" for k, v in selector.items())}}

            if req.method == "GET":
                return Response(200, scale(current))
            if req.method not in ("PUT", "PATCH"):
                raise ApiError.method_not_allowed()
            body = self._body(req)
            if req.method == "PATCH":
                body = json_merge_patch(scale(current), body)
            wanted = (body.get("metadata") or {}).get("resourceVersion")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise ApiError.conflict(rtype, name)
            new = clone(current)
            new.setdefault("spec", {})["replicas"] = (body.get("spec") or {}).get("replicas", 0)
            self._write(req, rtype, current, new, None, self._manager(req), self._dry_run(req))
            return Response(200, scale(self._get(rtype, namespace, name)))


def resource_type_for(obj: dict, registry) -> ResourceType | None:
    api_version = obj.get("apiVersion", "")
    group, _sep, version = api_version.rpartition("/")
    for rtype in registry.all():
        if rtype.group == group and rtype.version == version and rtype.kind == obj.get("kind"):
            return rtype
    return None

"""What ARM knows about each resource type, read from the official API descriptions.

The index is built once from ``arm-specs`` (the Azure REST API swagger files and the
deployment-template schemas, see /work/shared/arm-specs/SOURCES.md):

* which api-versions exist for a resource type (swagger folders + deployment schemas +
  :data:`NEWER_API_VERSIONS`, the SDK defaults published after the bundled snapshots);
* whether PUT / DELETE are long-running operations (``x-ms-long-running-operation``);
* the request-body schema of PUT, used to reject bodies real ARM rejects: wrong JSON
  types, values outside an enum, missing required properties.

Unknown properties are accepted (ARM ignores them), read-only properties are ignored.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import re
import threading

# SDK-default api-versions that are newer than the bundled swagger / schema snapshots
# (SOURCES.md, "Gaps"). They exist in ARM; the nearest older swagger validates their bodies.
NEWER_API_VERSIONS = {
    "microsoft.resources/resourcegroups": ["2025-04-01"],
    "microsoft.resources/subscriptions": ["2022-12-01", "2025-04-01"],
    "microsoft.resources/providers": ["2025-04-01"],
    "microsoft.containerservice/managedclusters": ["2026-08-01"],
    "microsoft.containerservice/managedclusters/agentpools": ["2026-08-01"],
    "microsoft.containerservice/managedclusters/maintenanceconfigurations": ["2026-08-01"],
    "microsoft.containerservice/managedclusters/trustedaccessrolebindings": ["2026-08-01"],
    "microsoft.containerservice/locations/kubernetesversions": ["2024-05-01", "2026-05-01", "2026-08-01"],
    "microsoft.storage/storageaccounts": ["2026-09-01"],
    "microsoft.storage/storageaccounts/blobservices": ["2026-09-01"],
    "microsoft.storage/storageaccounts/blobservices/containers": ["2026-09-01"],
    "microsoft.storage/storageaccounts/managementpolicies": ["2026-09-01"],
    "microsoft.keyvault/vaults": ["2026-05-15"],
    "microsoft.keyvault/vaults/secrets": ["2026-05-15"],
    "microsoft.network/*": ["2026-03-01"],
    "microsoft.dbforpostgresql/flexibleservers": ["2026-10-01"],
    "microsoft.dbforpostgresql/flexibleservers/databases": ["2026-10-01"],
    "microsoft.dbforpostgresql/flexibleservers/configurations": ["2026-10-01"],
    "microsoft.dbforpostgresql/flexibleservers/firewallrules": ["2026-10-01"],
    "microsoft.kubernetesconfiguration/extensions": ["2025-03-01"],
}

# Enum values added to a type after the bundled swagger snapshot (accepted as well).
NEWER_ENUM_VALUES = {
    "outboundtype": ["none"],
    "ossku": ["AzureLinux3", "Ubuntu2204", "Ubuntu2404", "Windows2025"],
    "networkdataplane": ["cilium"],
    # Data collection rules: the streams are an open set (modelAsString); these are the container-insights and
    # Prometheus ones AKS monitoring uses.
    "knowndataflowstreams": ["Microsoft-ContainerLog", "Microsoft-ContainerLogV2", "Microsoft-KubeEvents",
                             "Microsoft-KubePodInventory", "Microsoft-PrometheusMetrics"],
    "knownextensiondatasourcestreams": ["Microsoft-ContainerLog", "Microsoft-ContainerLogV2", "Microsoft-KubeEvents",
                                        "Microsoft-KubePodInventory"],
    # PostgreSQL flexible server major versions after the 2022-12-01 swagger.
    "serverversion": ["15", "16", "17"],
    # Azure Managed Redis (Microsoft.Cache/redisEnterprise 2025-07-01 deployment schema).
    "skuname": ["Balanced_B%d" % n for n in (0, 1, 3, 5, 10, 20, 50, 100, 150, 250, 350, 500, 700, 1000)]
    + ["MemoryOptimized_M%d" % n for n in (10, 20, 50, 100, 150, 250, 350, 500, 700, 1000)]
    + ["ComputeOptimized_X%d" % n for n in (3, 5, 10, 20, 50, 100, 150, 250, 350, 500, 700)],
}

# Name rules documented for types whose swagger path parameter carries none.
EXTRA_NAME_RULES = {
    "microsoft.managedidentity/userassignedidentities": {
        "pattern": "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$", "minLength": 3, "maxLength": 128},
    "microsoft.authorization/roleassignments": {
        "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
    "microsoft.kubernetesconfiguration/extensions": {
        "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "minLength": 1, "maxLength": 253},
}

_VERSION_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")


def _norm_type(resource_type: str) -> str:
    return resource_type.strip("/").lower()


def _type_from_template(template: str) -> str | None:
    """``/subscriptions/{s}/.../providers/Microsoft.X/a/{a}/b/{b}`` -> ``Microsoft.X/a/b``."""
    segments = [s for s in template.strip("/").split("/") if s]
    index = None
    for i, segment in enumerate(segments):
        if segment.lower() == "providers" and i + 1 < len(segments) and not segments[i + 1].startswith("{"):
            index = i
    if index is None:
        if [s.lower() for s in segments[-2:-1]] == ["resourcegroups"]:
            return "Microsoft.Resources/resourceGroups"
        return None
    namespace = segments[index + 1]
    rest = segments[index + 2:]
    if not rest or len(rest) % 2:
        return None
    types = rest[0::2]
    if any(t.startswith("{") for t in types):
        return None
    return "/".join([namespace] + types)


class SpecIndex:
    """api-versions, LRO flags and PUT body schemas per resource type."""

    def __init__(self, root: str | pathlib.Path | None):
        self.root = pathlib.Path(root) if root else None
        self.available = bool(self.root and (self.root / "specification").is_dir())
        self.versions: dict[str, set[str]] = {}
        self.casing: dict[str, str] = {}
        # type -> list of (api-version, file, put-body schema, put LRO, delete LRO, patch schema)
        self.operations: dict[str, list[tuple]] = {}
        self._files: dict[pathlib.Path, dict] = {}
        self.flat_cache: dict = {}
        self.name_rules: dict[str, dict] = {}
        self._lock = threading.Lock()
        if self.available:
            self._index_swagger()
            self._index_schemas()
        for key, versions in NEWER_API_VERSIONS.items():
            self.versions.setdefault(key, set()).update(versions)

    # -- loading ------------------------------------------------------------
    def _load(self, path: pathlib.Path) -> dict:
        path = path.resolve()
        with self._lock:
            if path not in self._files:
                self._files[path] = json.loads(path.read_text(encoding="utf-8"))
            return self._files[path]

    def _index_swagger(self):
        for path in sorted((self.root / "specification").rglob("*.json")):
            if not _VERSION_DIR.match(path.parent.name):
                continue
            document = self._load(path)
            version = path.parent.name
            for template, operations in (document.get("paths") or {}).items():
                resource_type = _type_from_template(template)
                if not resource_type:
                    continue
                key = _norm_type(resource_type)
                self.casing.setdefault(key, resource_type)
                self.versions.setdefault(key, set()).add(version)
                put = operations.get("put")
                if put is None:
                    continue
                body = self._body_parameter(path, document, put)
                self._index_name_rule(key, path, template, put, operations)
                patch = operations.get("patch")
                patch_body = self._body_parameter(path, document, patch) if patch else None
                delete = operations.get("delete") or {}
                self.operations.setdefault(key, []).append((
                    version, path, body, bool(put.get("x-ms-long-running-operation")),
                    bool(delete.get("x-ms-long-running-operation")), patch_body,
                ))

    def _index_schemas(self):
        schemas = self.root / "azure-resource-manager-schemas" / "schemas"
        if not schemas.is_dir():
            return
        for path in sorted(schemas.glob("*/*.json")):
            if not _VERSION_DIR.match(path.parent.name):
                continue
            document = self._load(path)
            sections = [v for k, v in document.items() if k.endswith("resourceDefinitions") and isinstance(v, dict)]
            sections.append(document.get("definitions") or {})
            for section in sections:
                for definition in section.values():
                    props = definition.get("properties") if isinstance(definition, dict) else None
                    if not isinstance(props, dict):
                        continue
                    types = (props.get("type") or {}).get("enum") if isinstance(props.get("type"), dict) else None
                    versions = (props.get("apiVersion") or {}).get("enum") if isinstance(props.get("apiVersion"), dict) else None
                    if not types or not versions:
                        continue
                    for resource_type in types:
                        if "/" not in resource_type:
                            continue  # a child definition named relative to its parent
                        key = _norm_type(resource_type)
                        self.casing.setdefault(key, resource_type)
                        self.versions.setdefault(key, set()).update(versions)

    def _index_name_rule(self, key, path, template, put, operations):
        last = [s for s in template.split("/") if s][-1]
        if not (last.startswith("{") and last.endswith("}")):
            return
        for parameter in list(put.get("parameters", [])) + list(operations.get("parameters", [])):
            _file, parameter = self.resolve(path, parameter)
            if parameter.get("in") == "path" and parameter.get("name") == last[1:-1]:
                rule = {k: parameter[k] for k in ("pattern", "minLength", "maxLength") if k in parameter}
                if rule:
                    self.name_rules.setdefault(key, rule)
                return

    def name_problem(self, resource_type: str, name: str) -> str | None:
        """Why ``name`` is not a valid name for the type (per the swagger path parameter), or None."""
        rule = self.name_rules.get(_norm_type(resource_type)) or EXTRA_NAME_RULES.get(_norm_type(resource_type))
        if not rule:
            return None
        if len(name) < rule.get("minLength", 0) or len(name) > rule.get("maxLength", 10 ** 6):
            return "must be %s to %s characters long" % (rule.get("minLength", 1), rule.get("maxLength", "any"))
        if "pattern" in rule and not re.search(rule["pattern"], name):
            return "must match the pattern %s" % rule["pattern"]
        return None

    def _body_parameter(self, path, document, operation):
        for parameter in operation.get("parameters", []):
            file, parameter = self.resolve(path, parameter)
            if parameter.get("in") == "body" and "schema" in parameter:
                return (file, parameter["schema"])
        return None

    # -- $ref resolution ----------------------------------------------------
    def resolve(self, file: pathlib.Path, node: dict):
        """Follows ``$ref`` chains; returns ``(file, node)``."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            target, _sep, pointer = ref.partition("#")
            if target:
                file = (file.parent / target).resolve()
            document = self._load(file)
            node = document
            for part in [p for p in pointer.split("/") if p]:
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 64:
                raise ValueError("$ref loop at %s" % ref)
        return file, node

    # -- queries --------------------------------------------------------------
    def known_type(self, resource_type: str) -> bool:
        return bool(self.api_versions(resource_type))

    def canonical_type(self, resource_type: str) -> str:
        return self.casing.get(_norm_type(resource_type), resource_type)

    def api_versions(self, resource_type: str) -> list[str]:
        key = _norm_type(resource_type)
        versions = set(self.versions.get(key, ()))
        namespace = key.split("/", 1)[0]
        if versions and (namespace + "/*") in NEWER_API_VERSIONS:
            versions.update(NEWER_API_VERSIONS[namespace + "/*"])
        return sorted(versions)

    def _nearest(self, resource_type: str, api_version: str):
        candidates = sorted(self.operations.get(_norm_type(resource_type), []), key=lambda o: o[0])
        if not candidates:
            return None
        older = [c for c in candidates if c[0] <= api_version]
        return (older or candidates)[-1]

    def is_lro(self, resource_type: str, method: str, api_version: str) -> bool | None:
        """True/False from the swagger; None when the type has no swagger."""
        operation = self._nearest(resource_type, api_version)
        if operation is None:
            return None
        return operation[3] if method == "PUT" else operation[4]

    def body_schema(self, resource_type: str, api_version: str, method: str = "PUT"):
        operation = self._nearest(resource_type, api_version)
        if operation is None:
            return None
        return operation[2] if method == "PUT" else operation[5]

    def validate(self, resource_type: str, api_version: str, body, method: str = "PUT"):
        """Returns None or ``(code, target, message)`` for the first problem found."""
        schema = self.body_schema(resource_type, api_version, method)
        if schema is None:
            return None
        file, node = schema
        problems: list = []
        _Validator(self, require=(method == "PUT")).check(file, node, body, "", problems)
        return problems[0] if problems else None


class _Validator:
    """A small swagger-2.0 checker: type, enum, required, nested objects/arrays/maps."""

    def __init__(self, index: SpecIndex, require: bool = True):
        self.index = index
        self.require = require

    def flatten(self, file, node, depth=0):
        """Merges ``allOf`` into ``{'properties', 'required', 'type', 'enum', ...}`` (cached per schema node)."""
        file, node = self.index.resolve(file, node)
        key = (file, id(node))
        cached = self.index.flat_cache.get(key)
        if cached is not None:
            return cached
        merged = self._flatten(file, node, depth)
        self.index.flat_cache[key] = merged
        return merged

    def _flatten(self, file, node, depth):
        merged = {"properties": {}, "required": set(), "files": {}}
        for part in node.get("allOf", []) if depth < 16 else []:
            part_file, part_node = self.index.resolve(file, part)
            sub = self.flatten(part_file, part_node, depth + 1)
            merged["properties"].update(sub["properties"])
            merged["files"].update(sub["files"])
            merged["required"].update(sub["required"])
            for key in ("type", "enum", "additionalProperties", "items", "x-ms-enum", "file"):
                if key in sub and key not in merged:
                    merged[key] = sub[key]
        for name, prop in (node.get("properties") or {}).items():
            merged["properties"][name] = prop
            merged["files"][name] = file
        merged["required"].update(node.get("required") or [])
        for key in ("type", "enum", "additionalProperties", "items", "x-ms-enum", "readOnly"):
            if key in node:
                merged[key] = node[key]
        merged["file"] = file
        return merged

    def check(self, file, node, value, path, problems, depth=0):
        if problems or value is None or depth > 40:
            return
        schema = self.flatten(file, node)
        file = schema["file"]
        expected = schema.get("type") or ("object" if schema["properties"] or "additionalProperties" in schema else None)
        if expected and not _is_type(value, expected):
            problems.append((
                "InvalidRequestContent", path or "body",
                "The request content was invalid and could not be deserialized: could not convert %s to type '%s'. "
                "Path '%s'." % (json.dumps(value)[:80], expected, path or "body"),
            ))
            return
        enum = schema.get("enum")
        if enum and isinstance(value, str):
            allowed = {str(e).lower() for e in enum}
            enum_name = (schema.get("x-ms-enum") or {}).get("name", "")
            allowed.update(v.lower() for v in NEWER_ENUM_VALUES.get(enum_name.lower(), ()))
            if value.lower() not in allowed:
                problems.append((
                    "InvalidParameter", path,
                    "The value '%s' of property '%s' is not valid. Allowed values are: %s."
                    % (value, path, ", ".join(str(e) for e in enum)),
                ))
                return
        if isinstance(value, dict):
            lowered = {k.lower(): k for k in value}
            props = schema["properties"]
            if self.require:
                for name in sorted(schema["required"]):
                    prop = props.get(name, {})
                    _file, resolved = self.index.resolve(schema["files"].get(name, file), prop) if prop else (file, {})
                    if prop.get("readOnly") or resolved.get("readOnly"):
                        continue
                    if name.lower() not in lowered or value[lowered[name.lower()]] is None:
                        target = (path + "." if path else "") + name
                        problems.append((
                            "InvalidParameter", target,
                            "Required property '%s' is missing from the request body." % target,
                        ))
                        return
            for name, prop in props.items():
                if name.lower() in lowered:
                    child = value[lowered[name.lower()]]
                    if prop.get("readOnly"):
                        continue
                    self.check(schema["files"].get(name, file), prop, child, (path + "." if path else "") + name,
                               problems, depth + 1)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and not props:
                for key, child in value.items():
                    self.check(file, extra, child, "%s['%s']" % (path, key), problems, depth + 1)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, child in enumerate(value):
                self.check(file, schema["items"], child, "%s[%d]" % (path, i), problems, depth + 1)


def _is_type(value, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "object":
        return isinstance(value, dict)
    if expected == "array":
        return isinstance(value, list)
    return True


def default_specs_root() -> str | None:
    """``$AZURE_ROBOTICS_SHARED/arm-specs``, else the nearest ``shared/arm-specs`` above this checkout."""
    shared = os.environ.get("AZURE_ROBOTICS_SHARED")
    if shared:
        return str(pathlib.Path(shared) / "arm-specs")
    for parent in pathlib.Path(__file__).resolve().parents:
        candidate = parent / "shared" / "arm-specs"
        if candidate.is_dir():
            return str(candidate)
    return None


@functools.lru_cache(maxsize=4)
def load_index(root: str | None) -> SpecIndex:
    return SpecIndex(root)

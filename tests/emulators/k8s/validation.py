"""Validation: names, the semantic rules of the built-in kinds we use, and schemas.

- Built-in kinds are always checked against the handful of semantic rules listed in CONTRACT.md (422 Invalid
  with field causes, worded like the API server). With ``strict`` they are also checked against the OpenAPI
  schemas that kubernetes-validate bundles: unknown fields follow ``fieldValidation`` (Strict: 400, Warn: dropped
  with a Warning header, Ignore: dropped), wrong types are 400 BadRequest, missing required fields 422.
- Custom resources are always validated against their CRD's openAPIV3Schema (structural checks; CEL rules are
  not evaluated), unknown fields are pruned unless ``x-kubernetes-preserve-unknown-fields``, and schema
  defaults are applied, as the real server does.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import re

from .errors import ApiError
from .selectors import selector_object_match

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

_LABEL_NAMED = {"Namespace", "Service", "Job", "CronJob"}  # kinds whose names must be DNS-1123 labels
_PATH_SEGMENT_NAMED = {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}


def _q(value) -> str:
    return json.dumps(value)


def validate_name(rtype, name) -> list:
    causes = []
    if rtype.kind in _PATH_SEGMENT_NAMED:
        if name in (".", "..") or "/" in name or "%" in name:
            causes.append(("metadata.name", "FieldValueInvalid",
                           f'Invalid value: {_q(name)}: may not contain \'/\' or \'%\''))
        return causes
    if rtype.kind in _LABEL_NAMED:
        if len(name) > 63 or not DNS1123_LABEL.match(name):
            causes.append(("metadata.name", "FieldValueInvalid",
                           f"Invalid value: {_q(name)}: a lowercase RFC 1123 label must consist of lower case "
                           "alphanumeric characters or '-', and must start and end with an alphanumeric character "
                           "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
        return causes
    if len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        causes.append(("metadata.name", "FieldValueInvalid",
                       f"Invalid value: {_q(name)}: a lowercase RFC 1123 subdomain must consist of lower case "
                       "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"))
    return causes


def _labels(meta: dict, field: str) -> list:
    causes = []
    for key, value in (meta.get("labels") or {}).items():
        name = key.rsplit("/", 1)[-1]
        if not LABEL_NAME.match(name) or len(name) > 63:
            causes.append((f"{field}.labels", "FieldValueInvalid", f"Invalid value: {_q(key)}: name part must "
                           "consist of alphanumeric characters, '-', '_' or '.'"))
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
            causes.append((f"{field}.labels", "FieldValueInvalid", f"Invalid value: {_q(value)}: a valid label "
                           "must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"))
    return causes


def _pod_spec(spec, field) -> list:
    causes = []
    if not isinstance(spec, dict):
        return [(field, "FieldValueRequired", "Required value")]
    containers = spec.get("containers")
    if not containers:
        causes.append((f"{field}.containers", "FieldValueRequired", "Required value"))
    names = set()
    for list_name in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(list_name) or []):
            where = f"{field}.{list_name}[{i}]"
            name = container.get("name")
            if not name:
                causes.append((f"{where}.name", "FieldValueRequired", "Required value"))
            elif name in names:
                causes.append((f"{where}.name", "FieldValueDuplicate", f"Duplicate value: {_q(name)}"))
            names.add(name)
            if not container.get("image"):
                causes.append((f"{where}.image", "FieldValueRequired", "Required value"))
            env_names = set()
            for j, env in enumerate(container.get("env") or []):
                if not env.get("name"):
                    causes.append((f"{where}.env[{j}].name", "FieldValueRequired", "Required value"))
                env_names.add(env.get("name"))
            mounts = {v.get("name") for v in spec.get("volumes") or []}
            for j, mount in enumerate(container.get("volumeMounts") or []):
                if mount.get("name") not in mounts:
                    causes.append((f"{where}.volumeMounts[{j}].name", "FieldValueNotFound",
                                   f"Not found: {_q(mount.get('name'))}"))
            for j, port in enumerate(container.get("ports") or []):
                if not isinstance(port.get("containerPort"), int) or not 0 < port["containerPort"] < 65536:
                    causes.append((f"{where}.ports[{j}].containerPort", "FieldValueInvalid",
                                   f"Invalid value: {port.get('containerPort')}: must be between 1 and 65535, "
                                   "inclusive"))
    for i, toleration in enumerate(spec.get("tolerations") or []):
        op = toleration.get("operator", "Equal")
        if op not in ("Equal", "Exists"):
            causes.append((f"{field}.tolerations[{i}].operator", "FieldValueNotSupported",
                           f'Unsupported value: {_q(op)}: supported values: "Equal", "Exists"'))
        if op == "Exists" and toleration.get("value"):
            causes.append((f"{field}.tolerations[{i}].operator", "FieldValueInvalid",
                           f"Invalid value: {_q(toleration.get('value'))}: value must be empty when `operator` is "
                           "'Exists'"))
        effect = toleration.get("effect")
        if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append((f"{field}.tolerations[{i}].effect", "FieldValueNotSupported",
                           f'Unsupported value: {_q(effect)}: supported values: "NoSchedule", "PreferNoSchedule", '
                           '"NoExecute"'))
    for name, value in (spec.get("nodeSelector") or {}).items():
        if not isinstance(value, str):
            causes.append((f"{field}.nodeSelector", "FieldValueInvalid", f"Invalid value: {_q(value)}"))
    return causes


def _template(obj, kind) -> list:
    spec = obj.get("spec") or {}
    template = spec.get("template")
    if not isinstance(template, dict):
        return [("spec.template", "FieldValueRequired", "Required value")]
    causes = _labels(template.get("metadata") or {}, "spec.template.metadata")
    causes += _pod_spec(template.get("spec"), "spec.template.spec")
    if kind in ("Deployment", "DaemonSet", "StatefulSet"):
        selector = spec.get("selector")
        if not selector:
            causes.append(("spec.selector", "FieldValueRequired", "Required value"))
        elif not selector_object_match(selector, (template.get("metadata") or {}).get("labels")):
            causes.append(("spec.template.metadata.labels", "FieldValueInvalid",
                           f"Invalid value: {_q((template.get('metadata') or {}).get('labels'))}: `selector` does "
                           "not match template `labels`"))
        restart = (template.get("spec") or {}).get("restartPolicy", "Always")
        if restart != "Always":
            causes.append(("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                           f'Unsupported value: {_q(restart)}: supported values: "Always"'))
    return causes


def _job(obj) -> list:
    spec = obj.get("spec") or {}
    causes = _template(obj, "Job")
    pod = (spec.get("template") or {}).get("spec") or {}
    restart = pod.get("restartPolicy")
    if restart not in ("OnFailure", "Never"):
        causes.append(("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                       f'Unsupported value: {_q(restart)}: supported values: "OnFailure", "Never"'))
    for field in ("parallelism", "completions", "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes",
                  "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or value < 0):
            causes.append((f"spec.{field}", "FieldValueInvalid",
                           f"Invalid value: {value}: must be greater than or equal to 0"))
    indexed = spec.get("completionMode") == "Indexed"
    if spec.get("completionMode") not in ("Indexed", "NonIndexed"):
        causes.append(("spec.completionMode", "FieldValueNotSupported",
                       f'Unsupported value: {_q(spec.get("completionMode"))}: supported values: "NonIndexed", '
                       '"Indexed"'))
    if indexed and spec.get("completions") is None:
        causes.append(("spec.completions", "FieldValueRequired", "Required value: when completion mode is Indexed"))
    if indexed and isinstance(spec.get("completions"), int) and spec["completions"] > 10 ** 5 \
            and spec.get("backoffLimitPerIndex") is not None:
        causes.append(("spec.completions", "FieldValueInvalid", f"Invalid value: {spec['completions']}: must be "
                       "less than or equal to 100000 when backoffLimitPerIndex is specified"))
    if spec.get("backoffLimitPerIndex") is not None and not indexed:
        causes.append(("spec.backoffLimitPerIndex", "FieldValueForbidden",
                       "Forbidden: requires indexed completion mode"))
    if spec.get("maxFailedIndexes") is not None:
        if spec.get("backoffLimitPerIndex") is None:
            causes.append(("spec.maxFailedIndexes", "FieldValueRequired",
                           "Required value: must be specified when backoffLimitPerIndex is specified"))
        elif isinstance(spec.get("completions"), int) and spec["maxFailedIndexes"] > spec["completions"]:
            causes.append(("spec.maxFailedIndexes", "FieldValueInvalid", f"Invalid value: "
                           f"{spec['maxFailedIndexes']}: must be less than or equal to completions"))
    policy = spec.get("podFailurePolicy")
    if policy:
        if restart != "Never":
            causes.append(("spec.podFailurePolicy", "FieldValueInvalid", "Invalid value: \"\": only "
                           "\"Never\" is supported when podFailurePolicy is specified"))
        for i, rule in enumerate(policy.get("rules") or []):
            action = rule.get("action")
            if action not in ("FailJob", "Ignore", "Count", "FailIndex"):
                causes.append((f"spec.podFailurePolicy.rules[{i}].action", "FieldValueNotSupported",
                               f'Unsupported value: {_q(action)}: supported values: "Count", "FailIndex", '
                               '"FailJob", "Ignore"'))
            if action == "FailIndex" and spec.get("backoffLimitPerIndex") is None:
                causes.append((f"spec.podFailurePolicy.rules[{i}].action", "FieldValueInvalid",
                               'Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'))
            if bool(rule.get("onExitCodes")) == bool(rule.get("onPodConditions")):
                causes.append((f"spec.podFailurePolicy.rules[{i}]", "FieldValueInvalid",
                               "Invalid value: specifying one of OnExitCodes and OnPodConditions is required"))
            codes = rule.get("onExitCodes") or {}
            if codes and codes.get("operator") not in ("In", "NotIn"):
                causes.append((f"spec.podFailurePolicy.rules[{i}].onExitCodes.operator", "FieldValueNotSupported",
                               f'Unsupported value: {_q(codes.get("operator"))}: supported values: "In", "NotIn"'))
    return causes


def _persistent_volume(obj) -> list:
    spec = obj.get("spec") or {}
    causes = []
    if not (spec.get("capacity") or {}).get("storage"):
        causes.append(("spec.capacity", "FieldValueRequired", "Required value"))
    if not spec.get("accessModes"):
        causes.append(("spec.accessModes", "FieldValueRequired", "Required value"))
    sources = [k for k in ("csi", "hostPath", "nfs", "local", "azureFile", "azureDisk") if spec.get(k)]
    if len(sources) != 1:
        causes.append(("spec", "FieldValueRequired", "Required value: must specify a volume type"))
    csi = spec.get("csi")
    if isinstance(csi, dict):
        for field in ("driver", "volumeHandle"):
            if not csi.get(field):
                causes.append((f"spec.csi.{field}", "FieldValueRequired", "Required value"))
    for i, mode in enumerate(spec.get("accessModes") or []):
        if mode not in ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"):
            causes.append((f"spec.accessModes[{i}]", "FieldValueNotSupported", f"Unsupported value: {_q(mode)}"))
    return causes


def _pvc(obj) -> list:
    spec = obj.get("spec") or {}
    causes = []
    if not spec.get("accessModes"):
        causes.append(("spec.accessModes", "FieldValueRequired", "Required value"))
    if not ((spec.get("resources") or {}).get("requests") or {}).get("storage"):
        causes.append(("spec.resources[storage]", "FieldValueRequired", "Required value"))
    return causes


def _crd(obj) -> list:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    causes = []
    expected = f"{names.get('plural')}.{spec.get('group')}"
    if obj["metadata"]["name"] != expected:
        causes.append(("metadata.name", "FieldValueInvalid",
                       f'Invalid value: {_q(obj["metadata"]["name"])}: must be spec.names.plural+"."+spec.group'))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(("spec.scope", "FieldValueNotSupported", f'Unsupported value: {_q(spec.get("scope"))}: '
                       'supported values: "Cluster", "Namespaced"'))
    for field in ("plural", "kind"):
        if not names.get(field):
            causes.append((f"spec.names.{field}", "FieldValueRequired", "Required value"))
    versions = spec.get("versions") or []
    if not versions:
        causes.append(("spec.versions", "FieldValueInvalid", "Invalid value: must have exactly one version marked "
                       "as storage version"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(("spec.versions", "FieldValueInvalid", "Invalid value: must have exactly one version marked "
                       "as storage version"))
    for i, ver in enumerate(versions):
        if not (ver.get("schema") or {}).get("openAPIV3Schema"):
            causes.append((f"spec.versions[{i}].schema.openAPIV3Schema", "FieldValueRequired",
                           "Required value: schemas are required"))
    return causes


def _config_keys(obj, field) -> list:
    causes = []
    for key in (obj.get(field) or {}):
        if not CONFIG_KEY.match(key) or len(key) > 253:
            causes.append((f"{field}[{key}]", "FieldValueInvalid", f"Invalid value: {_q(key)}: a valid config key "
                           "must consist of alphanumeric characters, '-', '_' or '.'"))
    return causes


def semantic(obj: dict) -> list:
    kind = obj.get("kind")
    causes = _labels(obj.get("metadata") or {}, "metadata")
    if kind == "Pod":
        causes += _pod_spec(obj.get("spec"), "spec")
    elif kind in ("Deployment", "DaemonSet", "StatefulSet"):
        causes += _template(obj, kind)
    elif kind == "Job":
        causes += _job(obj)
    elif kind == "PersistentVolume":
        causes += _persistent_volume(obj)
    elif kind == "PersistentVolumeClaim":
        causes += _pvc(obj)
    elif kind == "CustomResourceDefinition":
        causes += _crd(obj)
    elif kind == "ConfigMap":
        causes += _config_keys(obj, "data") + _config_keys(obj, "binaryData")
    elif kind == "Secret":
        causes += _config_keys(obj, "data")
        for key, value in (obj.get("data") or {}).items():
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, TypeError, ValueError):
                causes.append((f"data[{key}]", "FieldValueInvalid", "Invalid value: illegal base64 data"))
    elif kind == "Service":
        spec = obj.get("spec") or {}
        if spec.get("type", "ClusterIP") != "ExternalName" and spec.get("clusterIP") != "None" \
                and not spec.get("ports"):
            causes.append(("spec.ports", "FieldValueRequired", "Required value"))
    return causes


# -- built-in schemas (kubernetes-validate) -------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _definitions(version: str):
    from importlib import resources

    from referencing import Registry, Resource

    root = resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}.0-local-strict"
    definitions = Resource.from_contents(json.loads((root / "_definitions.json").read_text()))
    return root, definitions @ Registry()


@functools.lru_cache(maxsize=None)
def _builtin_validator(version: str, kind: str, api_version: str):
    import jsonschema
    from referencing import Resource

    root, registry = _definitions(version)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = root / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    return jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ registry)


def warm_up(version: str, kinds) -> None:
    """Loads the strict schemas of ``kinds`` ((kind, apiVersion) pairs) now rather than on a first request."""
    for kind, api_version in kinds:
        _builtin_validator(version, kind, api_version)


def strict_builtin(obj: dict, version: str, field_validation: str) -> list:
    """Schema-checks ``obj`` in place; returns warnings. Unknown fields are dropped (or 400 with Strict)."""
    validator = _builtin_validator(version, obj.get("kind", ""), obj.get("apiVersion", ""))
    if validator is None:
        return []
    warnings, unknown, invalid, required = [], [], [], []
    for error in validator.iter_errors(obj):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties":
            extra = set(error.instance) - set(error.schema.get("properties") or {})
            unknown += [(path, key) for key in sorted(extra)]
        elif error.validator == "required":
            required.append(_dotted(path + [error.message.split("'")[1]]))
        else:
            invalid.append((_dotted(path), error.message))
    if required:
        name = obj["metadata"].get("name")
        raise ApiError(422, "Invalid", f'{obj["kind"]} "{name}" is invalid: {required[0]}: Required value',
                       {"name": name, "kind": obj["kind"],
                        "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": f}
                                   for f in required]})
    if invalid:
        field, message = invalid[0]
        raise ApiError.bad_request(f'{obj["kind"]} in version "{obj["apiVersion"].split("/")[-1]}" cannot be '
                                   f'handled as a {obj["kind"]}: json: cannot unmarshal {field}: {message}')
    if unknown:
        fields = [_dotted(path + [key]) for path, key in unknown]
        if field_validation == "Strict":
            raise ApiError.bad_request("strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in fields))
        for path, key in unknown:
            parent = _at(obj, path)
            if isinstance(parent, dict):
                parent.pop(key, None)
        if field_validation != "Ignore":
            warnings += [f'unknown field "{f}"' for f in fields]
    return warnings


def _dotted(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out


def _at(obj, path):
    for part in path:
        obj = obj[part]
    return obj


# -- custom resources (CRD openAPIV3Schema) -------------------------------------------------------------------------
def openapi_to_jsonschema(node, closed: bool = False):
    """OpenAPI v3 structural schema -> JSON Schema (nullable, int-or-string, preserve-unknown-fields).

    ``closed`` makes unknown fields errors wherever the schema lists properties and does not preserve unknown
    fields: the strict check for rendered files. The API server instead prunes unknown fields (see ``_prune``)."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {k: openapi_to_jsonschema(v, closed) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = openapi_to_jsonschema(value, closed) if isinstance(value, dict) else value
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [openapi_to_jsonschema(v, closed) for v in value]
        elif key.startswith("x-kubernetes-") or key in ("description", "example", "externalDocs", "format",
                                                        "nullable"):
            continue
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if closed and out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


@functools.lru_cache(maxsize=256)
def _cr_validator(schema_json: str):
    import jsonschema

    schema = openapi_to_jsonschema(json.loads(schema_json))
    schema.get("properties", {}).pop("metadata", None)
    return jsonschema.Draft7Validator(schema)


def _prune(obj, schema, path, unknown, root=False):
    if not isinstance(schema, dict):
        return
    if isinstance(obj, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        for key in list(obj):
            if root and key in ("apiVersion", "kind", "metadata"):
                continue
            if props is not None and key in props:
                _prune(obj[key], props[key], path + [key], unknown)
            elif isinstance(extra, dict):
                _prune(obj[key], extra, path + [key], unknown)
            elif preserve or extra is True:
                continue
            elif props is not None or not preserve:
                unknown.append(_dotted(path + [key]))
                del obj[key]
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(obj):
            _prune(item, schema["items"], path + [i], unknown)


def _defaults(obj, schema):
    if not isinstance(schema, dict):
        return
    if isinstance(obj, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key not in obj and isinstance(sub, dict) and "default" in sub:
                obj[key] = copy.deepcopy(sub["default"])
            if key in obj:
                _defaults(obj[key], sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, value in obj.items():
                if key not in (schema.get("properties") or {}):
                    _defaults(value, extra)
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for item in obj:
            _defaults(item, schema["items"])


def _cause(error) -> tuple:
    field = _dotted(list(error.absolute_path))
    instance = error.instance
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return (_dotted(list(error.absolute_path) + [missing]), "FieldValueRequired", "Required value")
    if error.validator == "enum":
        allowed = ", ".join(_q(v) for v in error.validator_value)
        return (field, "FieldValueNotSupported", f"Unsupported value: {_q(instance)}: supported values: {allowed}")
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        return (field, "FieldValueTypeInvalid",
                f"Invalid value: {_q(type(instance).__name__)}: {field} in body must be of type {wanted}: "
                f"{_q(instance)}")
    return (field, "FieldValueInvalid", f"Invalid value: {_q(instance)}: {error.message}")


def custom_resource(obj: dict, schema: dict, field_validation: str, rtype) -> list:
    """Prunes, defaults and validates a custom resource in place; returns warnings or raises 400/422."""
    unknown: list = []
    _prune(obj, schema, [], unknown, root=True)
    if unknown and field_validation == "Strict":
        raise ApiError.bad_request("strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown))
    _defaults(obj, schema)
    validator = _cr_validator(json.dumps(schema, sort_keys=True))
    body = {k: v for k, v in obj.items() if k != "metadata"}
    causes = [_cause(e) for e in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))]
    if causes:
        raise ApiError.invalid(rtype, obj["metadata"].get("name"), causes)
    return [f'unknown field "{f}"' for f in unknown] if field_validation != "Ignore" else []

"""Label selectors (query string and LabelSelector objects) and field selectors, with the API server's rules."""

from __future__ import annotations

import re

from .errors import ApiError

_REQ = re.compile(
    r"^\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9][-A-Za-z0-9_./]*)\s*"
    r"(?:(?P<op>==|=|!=|\s+in\s+|\s+notin\s+)\s*(?P<value>\([^)]*\)|[^,()]*))?\s*$"
)

# Field selectors each kind supports besides metadata.name / metadata.namespace.
FIELD_LABELS = {
    "Pod": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase",
            "status.podIP", "status.nominatedNodeName", "spec.hostNetwork"},
    "Secret": {"type"},
    "Event": {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
              "reportingComponent", "source", "type"},
    "Namespace": {"status.phase"},
    "Node": {"spec.unschedulable"},
    "Job": {"status.successful"},
    "PersistentVolumeClaim": set(),
}


def _split(expr: str) -> list:
    parts, depth, cur = [], 0, ""
    for ch in expr:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def parse_label_selector(expr: str | None) -> list:
    """'a=b,c!=d,e in (x,y),!f' -> [(key, op, values)]; 400 BadRequest on a malformed selector."""
    if not expr:
        return []
    reqs = []
    for part in _split(expr):
        match = _REQ.match(part)
        if not match:
            raise ApiError.bad_request(f"unable to parse requirement: found '{part.strip()}', expected: identifier")
        key, op, value = match["key"], (match["op"] or "").strip(), match["value"]
        if match["neg"]:
            if op:
                raise ApiError.bad_request(f"unable to parse requirement: {part.strip()}")
            reqs.append((key, "!", ()))
        elif not op:
            reqs.append((key, "exists", ()))
        elif op in ("in", "notin"):
            if not (value or "").startswith("("):
                raise ApiError.bad_request(f"unable to parse requirement: found '{value}', expected: '('")
            values = tuple(v.strip() for v in value.strip()[1:-1].split(",") if v.strip())
            reqs.append((key, op, values))
        else:
            reqs.append((key, "!=" if op == "!=" else "=", ((value or "").strip(),)))
    return reqs


def labels_match(reqs: list, labels: dict | None) -> bool:
    labels = labels or {}
    for key, op, values in reqs:
        present = key in labels
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
        if op == "=" and labels.get(key) != values[0]:
            return False
        if op == "!=" and present and labels[key] == values[0]:
            return False
        if op == "in" and (not present or labels[key] not in values):
            return False
        if op == "notin" and present and labels[key] in values:
            return False
    return True


def selector_object_match(selector: dict | None, labels: dict | None) -> bool:
    """A metav1.LabelSelector (matchLabels + matchExpressions). An empty selector matches everything."""
    if not selector:
        return True
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def parse_field_selector(expr: str | None, kind: str) -> list:
    if not expr:
        return []
    reqs = []
    for part in expr.split(","):
        if not part.strip():
            continue
        match = re.match(r"^\s*([^!=]+?)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise ApiError.bad_request(f"invalid selector: '{expr}'; can't understand '{part}'")
        field, op, value = match.groups()
        if field not in ("metadata.name", "metadata.namespace") and field not in FIELD_LABELS.get(kind, set()):
            raise ApiError.bad_request(f'field label not supported: {field}')
        reqs.append((field, op != "!=", value))
    return reqs


def _field(obj: dict, path: str):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def fields_match(reqs: list, obj: dict) -> bool:
    for field, equal, value in reqs:
        if (_field(obj, field) == value) != equal:
            return False
    return True

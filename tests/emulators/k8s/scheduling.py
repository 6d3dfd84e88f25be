"""Where a pod may run: node selectors, required node affinity, taints/tolerations and extended resources.

When the cluster has no Node objects every pod fits on one implicit node (``emulated-node``): tests that do not
care about placement need not declare nodes. Once nodes exist, pods only land where the real scheduler's
filters (the subset above) would let them, so a missing toleration or a wrong node selector leaves the pod
Pending with an ``Unschedulable`` condition, as on a real cluster.
"""

from __future__ import annotations

import re

IMPLICIT_NODE = "emulated-node"
_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_SUFFIX = {"": 1, "m": 0.001, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 1024, "Mi": 1024 ** 2,
           "Gi": 1024 ** 3, "Ti": 1024 ** 4, "Pi": 1024 ** 5}


def quantity(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match or match.group(2) not in _SUFFIX:
        return 0.0
    return float(match.group(1)) * _SUFFIX[match.group(2)]


def tolerates(tolerations, taint) -> bool:
    for tol in tolerations or []:
        if tol.get("effect") and tol["effect"] != taint.get("effect"):
            continue
        op = tol.get("operator", "Equal")
        if not tol.get("key"):
            if op == "Exists":
                return True
            continue
        if tol["key"] != taint.get("key"):
            continue
        if op == "Exists" or tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def _expression(expr, labels) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt") and key in labels:
        try:
            return int(labels[key]) > int(values[0]) if op == "Gt" else int(labels[key]) < int(values[0])
        except (ValueError, IndexError):
            return False
    return False


def _affinity(spec, labels) -> bool:
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    return any(all(_expression(e, labels) for e in term.get("matchExpressions") or []) for term in terms)


def requests(spec) -> dict:
    total: dict = {}
    for container in spec.get("containers") or []:
        resources = container.get("resources") or {}
        wanted = dict(resources.get("limits") or {})
        wanted.update(resources.get("requests") or {})
        for name, value in wanted.items():
            total[name] = total.get(name, 0.0) + quantity(value)
    return total


def unschedulable_reason(spec, node, used) -> str | None:
    labels = node["metadata"].get("labels") or {}
    if node.get("spec", {}).get("unschedulable"):
        return "node(s) were unschedulable"
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in node.get("status", {}).get("conditions") or [])
    if not ready:
        return "node(s) were not ready"
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return "node(s) didn't match Pod's node affinity/selector"
    if not _affinity(spec, labels):
        return "node(s) didn't match Pod's node affinity/selector"
    for taint in node.get("spec", {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(spec.get("tolerations"), taint):
            return f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"
    allocatable = node.get("status", {}).get("allocatable") or {}
    for name, amount in requests(spec).items():
        if name in ("cpu", "memory", "ephemeral-storage") and name not in allocatable:
            continue
        if "/" in name or name in allocatable:
            free = quantity(allocatable.get(name, 0)) - used.get(name, 0.0)
            if amount > free + 1e-9:
                return f"Insufficient {name}"
    return None


def place(spec, nodes, usage) -> tuple:
    """(node name, None) or (None, 'FailedScheduling' message). ``usage``: node -> {resource: amount in use}."""
    if not nodes:
        return IMPLICIT_NODE, None
    reasons: dict = {}
    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        reason = unschedulable_reason(spec, node, usage.get(name, {}))
        if reason is None:
            return name, None
        reasons[reason] = reasons.get(reason, 0) + 1
    detail = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
    return None, f"0/{len(nodes)} nodes are available: {detail}."

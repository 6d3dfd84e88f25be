"""Field ownership (metadata.managedFields) and server-side apply.

Fields are tracked as paths in the FieldsV1 vocabulary: ``f:<field>`` for map fields, ``k:{...}`` for items of
associative lists, ``v:<json>`` for set items and ``.`` for the item itself. Each manager owns a set of leaf
paths. Apply conflicts are raised when another manager owns a field the applier sets to a different value;
``force`` takes ownership instead. Fields the applier owned before and no longer applies are removed when no
other manager owns them, as in the real field manager.
"""

from __future__ import annotations

import datetime
import json

from .errors import ApiError
from .merge import ListSemantics, item_key
from .store import clone

_SERVER_METADATA = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                    "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "generateName"}


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tracked(obj: dict, subresource: str | None) -> dict:
    """The part of an object whose fields are owned: spec side or status side."""
    if subresource == "status":
        return {"status": obj["status"]} if isinstance(obj.get("status"), dict) else {}
    result = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SERVER_METADATA}
    if meta:
        result["metadata"] = meta
    else:
        result.pop("metadata", None)
    return result


def leaves(obj, lists: ListSemantics, path=(), fpath=()) -> dict:
    """{field path: value} for every owned leaf of ``obj``."""
    out = {}
    if isinstance(obj, dict):
        if not obj and fpath:
            out[fpath] = {}
        for key, value in obj.items():
            out.update(leaves(value, lists, path + (key,), fpath + ("f:" + key,)))
        return out
    if isinstance(obj, list):
        list_type, keys = lists.of(path)
        if list_type == "map" and keys and all(isinstance(i, dict) for i in obj):
            for item in obj:
                kfp = fpath + ("k:" + json.dumps(dict(zip(keys, item_key(item, keys))), sort_keys=True,
                                                 separators=(",", ":")),)
                out[kfp + (".",)] = True
                for key, value in item.items():
                    out.update(leaves(value, lists, path + (key,), kfp + ("f:" + key,)))
            return out
        if list_type == "set":
            for item in obj:
                out[fpath + ("v:" + json.dumps(item, separators=(",", ":")),)] = True
            return out
    out[fpath] = obj
    return out


def to_fields_v1(paths) -> dict:
    root: dict = {}
    for path in sorted(paths):
        node = root
        for part in path:
            node = node.setdefault(part, {})
    return root


def from_fields_v1(fields: dict, prefix=()) -> set:
    out = set()
    for key, value in (fields or {}).items():
        path = prefix + (key,)
        if value:
            out |= from_fields_v1(value, path)
        else:
            out.add(path)
    return out


def readable(path: tuple) -> str:
    parts = []
    for part in path:
        if part.startswith("f:"):
            parts.append("." + part[2:])
        elif part.startswith("k:"):
            keys = json.loads(part[2:])
            parts.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]")
        elif part.startswith("v:"):
            parts.append(f"[{part[2:]}]")
    return "".join(parts)


def _entries(obj: dict) -> list:
    return clone((obj.get("metadata") or {}).get("managedFields") or [])


def _entry(manager, operation, api_version, paths, subresource):
    entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now_rfc3339(),
             "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)}
    if subresource:
        entry["subresource"] = subresource
    return entry


def _same(entry, manager, operation, subresource):
    return (entry.get("manager") == manager and entry.get("operation") == operation
            and entry.get("subresource") == subresource)


def _upsert(entries, manager, operation, api_version, paths, subresource) -> list:
    """Replaces (in place) or appends the entry of ``manager``; its time moves only when its fields change."""
    result, found = [], False
    for entry in entries:
        if _same(entry, manager, operation, subresource):
            found = True
            if not paths:
                continue
            if from_fields_v1(entry.get("fieldsV1")) != paths or entry.get("apiVersion") != api_version:
                entry = _entry(manager, operation, api_version, paths, subresource)
        result.append(entry)
    if not found and paths:
        result.append(_entry(manager, operation, api_version, paths, subresource))
    return result


def record_update(old: dict | None, new: dict, manager: str, api_version: str, lists: ListSemantics,
                  subresource: str | None = None) -> None:
    """Sets new.metadata.managedFields after a create/update/patch by ``manager`` (operation Update)."""
    before = leaves(_tracked(old, subresource), lists) if old else {}
    after = leaves(_tracked(new, subresource), lists)
    changed = {p for p, v in after.items() if p not in before or before[p] != v}
    removed = set(before) - set(after)
    entries = _entries(old) if old else []
    result, mine = [], set()
    for entry in entries:
        if (entry.get("subresource") or None) != subresource:
            result.append(entry)
            continue
        paths = from_fields_v1(entry.get("fieldsV1"))
        if _same(entry, manager, "Update", subresource):
            mine = paths - removed
            result.append(entry)
            continue
        kept = paths - removed - changed
        if kept != paths:
            if not kept:
                continue
            entry["fieldsV1"] = to_fields_v1(kept)
        result.append(entry)
    new.setdefault("metadata", {})["managedFields"] = _upsert(result, manager, "Update", api_version,
                                                              mine | changed, subresource)


def _delete_path(obj, path, lists, fields=()):
    """Removes the field or list item at FieldsV1 ``path`` from ``obj`` (in place)."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head.startswith("f:") and isinstance(obj, dict):
        name = head[2:]
        if name not in obj:
            return
        if not rest:
            del obj[name]
            return
        value = obj[name]
        if isinstance(value, list) and rest[0].startswith(("k:", "v:")):
            _delete_in_list(value, rest, lists, fields + (name,))
        else:
            _delete_path(value, rest, lists, fields + (name,))


def _delete_in_list(items, path, lists, fields):
    head, rest = path[0], path[1:]
    if head.startswith("v:"):
        value = json.loads(head[2:])
        if value in items:
            items.remove(value)
        return
    wanted = json.loads(head[2:])
    _, keys = lists.of(fields)
    for index, item in enumerate(items):
        if isinstance(item, dict) and dict(zip(keys, item_key(item, keys))) == wanted:
            if rest == (".",):
                items.pop(index)
            else:
                _delete_path(item, rest, lists, fields)
            return


def _merge_applied(live, applied, lists, path=()):
    if isinstance(applied, dict) and isinstance(live, dict):
        result = clone(live)
        for key, value in applied.items():
            result[key] = _merge_applied(live.get(key), value, lists, path + (key,))
        return result
    if isinstance(applied, list) and isinstance(live, list):
        list_type, keys = lists.of(path)
        if list_type == "map" and keys:
            result = clone(live)
            for item in applied:
                index = next((i for i, cur in enumerate(result) if item_key(cur, keys) == item_key(item, keys)),
                             None)
                if index is None:
                    result.append(clone(item))
                else:
                    result[index] = _merge_applied(result[index], item, lists, path)
            return result
        if list_type == "set":
            result = clone(live)
            for item in applied:
                if item not in result:
                    result.append(clone(item))
            return result
    return clone(applied)


def server_side_apply(live: dict | None, applied: dict, manager: str, force: bool, lists: ListSemantics,
                      subresource: str | None = None) -> dict:
    """Returns the object after ``manager`` applies ``applied`` to ``live`` (None when creating)."""
    api_version = applied.get("apiVersion", "")
    applied_leaves = leaves(_tracked(applied, subresource), lists)
    if live is None:
        obj = clone(applied)
        obj.setdefault("metadata", {})["managedFields"] = _upsert([], manager, "Apply", api_version,
                                                                  set(applied_leaves), subresource)
        return obj
    live_leaves = leaves(_tracked(live, subresource), lists)
    entries = _entries(live)
    conflicts, previous = [], set()
    for entry in entries:
        if (entry.get("subresource") or None) != subresource:
            continue
        owned = from_fields_v1(entry.get("fieldsV1"))
        if _same(entry, manager, "Apply", subresource):
            previous = owned
            continue
        for path in owned & set(applied_leaves):
            if path in live_leaves and live_leaves[path] != applied_leaves[path]:
                conflicts.append((entry["manager"], readable(path)))
    if conflicts and not force:
        raise ApiError.apply_conflict(sorted(set(conflicts)))
    obj = clone(live)
    others = set()
    new_entries = []
    for entry in entries:
        if (entry.get("subresource") or None) != subresource or _same(entry, manager, "Apply", subresource):
            new_entries.append(entry)
            continue
        owned = from_fields_v1(entry.get("fieldsV1"))
        if force:
            owned = {p for p in owned if not (p in applied_leaves and live_leaves.get(p) != applied_leaves[p])}
        others |= owned
        if owned:
            entry["fieldsV1"] = to_fields_v1(owned)
            new_entries.append(entry)
    for path in sorted(previous - set(applied_leaves) - others, key=len, reverse=True):
        _delete_path(obj, path, lists)
    merged = _merge_applied(obj, {k: v for k, v in applied.items() if k not in ("apiVersion", "kind")}, lists)
    merged["apiVersion"], merged["kind"] = live.get("apiVersion"), live.get("kind")
    for field in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp", "generation"):
        if field in live.get("metadata", {}):
            merged["metadata"][field] = live["metadata"][field]
    merged["metadata"]["managedFields"] = _upsert(new_entries, manager, "Apply", api_version, set(applied_leaves),
                                                  subresource)
    return merged

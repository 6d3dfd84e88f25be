"""Patches: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch; list semantics.

List semantics follow the API's schema: for built-in kinds the patch merge keys of the Go types (containers,
env, volumes ... by name; volumeMounts by mountPath; conditions by type ...), for custom resources the CRD's
``x-kubernetes-list-type`` / ``x-kubernetes-list-map-keys`` (default atomic, as in the real server).
"""

from __future__ import annotations


from .errors import ApiError
from .store import clone

_CONTAINER_LISTS = {"containers", "initContainers", "ephemeralContainers"}

# last path element -> (list type, keys) for built-in kinds; "ports" depends on its parent.
_BUILTIN_LISTS = {
    "containers": ("map", ("name",)),
    "initContainers": ("map", ("name",)),
    "ephemeralContainers": ("map", ("name",)),
    "volumes": ("map", ("name",)),
    "imagePullSecrets": ("map", ("name",)),
    "volumeMounts": ("map", ("mountPath",)),
    "volumeDevices": ("map", ("devicePath",)),
    "conditions": ("map", ("type",)),
    "ownerReferences": ("map", ("uid",)),
    "finalizers": ("set", ()),
    "hostAliases": ("map", ("ip",)),
    "topologySpreadConstraints": ("map", ("topologyKey", "whenUnsatisfiable")),
    "resourceClaims": ("map", ("name",)),
    "secrets": ("map", ("name",)),
}


class ListSemantics:
    """Tells, for a path of field names, whether the list there is a map (with keys), a set or atomic."""

    def __init__(self, kind: str, schema: dict | None = None):
        self.kind = kind
        self.schema = schema  # CRD openAPIV3Schema for custom resources

    def of(self, path: tuple) -> tuple:
        if self.schema is not None:
            return self._from_schema(path)
        if not path:
            return ("atomic", ())
        last = path[-1]
        parent = path[-2] if len(path) > 1 else None
        if last == "env" and parent in _CONTAINER_LISTS:
            return ("map", ("name",))
        if last == "ports":
            if parent in _CONTAINER_LISTS:
                return ("map", ("containerPort", "protocol"))
            if self.kind == "Service" and path == ("spec", "ports"):
                return ("map", ("port", "protocol"))
            return ("atomic", ())
        if last == "secrets" and self.kind != "ServiceAccount":
            return ("atomic", ())
        if last == "finalizers" and path not in (("metadata", "finalizers"), ("spec", "finalizers")):
            return ("atomic", ())
        return _BUILTIN_LISTS.get(last, ("atomic", ()))

    def _from_schema(self, path: tuple) -> tuple:
        if path and path[0] == "metadata":
            return ListSemantics("").of(path)
        node = self.schema
        for name in path:
            if node is None:
                break
            node = _child(node, name)
        if not node:
            return ("atomic", ())
        list_type = node.get("x-kubernetes-list-type", "atomic")
        if list_type == "map":
            return ("map", tuple(node.get("x-kubernetes-list-map-keys") or ()))
        return (list_type, ())

    def child_schema(self, path: tuple):
        node = self.schema
        for name in path:
            if node is None:
                return None
            node = _child(node, name)
        return node


def _child(node: dict, name: str):
    """The schema of field ``name`` below ``node``, looking through list items."""
    while node and node.get("type") == "array":
        node = node.get("items")
    if not node:
        return None
    props = node.get("properties") or {}
    if name in props:
        return props[name]
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def item_key(item, keys):
    if not isinstance(item, dict):
        return None
    return tuple(item.get(k, "TCP" if k == "protocol" else None) for k in keys)


# -- JSON merge patch -------------------------------------------------------------------------------------------
def json_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


# -- JSON patch -------------------------------------------------------------------------------------------------
def json_patch(target, operations):
    import jsonpatch

    if not isinstance(operations, list):
        raise ApiError.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        return jsonpatch.JsonPatch(operations).apply(clone(target))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, KeyError, IndexError, TypeError) as exc:
        raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: {exc}") \
            from exc


# -- strategic merge patch --------------------------------------------------------------------------------------
_DIRECTIVES = ("$patch", "$retainKeys")


def _clean(value):
    """A value inserted as-is: strip patch directives below it."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()
                if k not in _DIRECTIVES and not k.startswith(("$setElementOrder/", "$deleteFromPrimitiveList/"))
                and v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value if not (isinstance(v, dict) and v.get("$patch") == "delete")]
    return clone(value)


def strategic_merge_patch(original, patch, lists: ListSemantics, path: tuple = ()):
    if not isinstance(patch, dict):
        return _clean(patch)
    if not isinstance(original, dict):
        return _clean(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return _clean({k: v for k, v in patch.items() if k != "$patch"})
    if directive == "delete":
        return None
    result = clone(original)
    for key, value in patch.items():
        if key in _DIRECTIVES or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [x for x in result.get(field) or [] if x not in (value or [])]
            continue
        if value is None:
            result.pop(key, None)
            continue
        sub = path + (key,)
        if isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value, lists, sub)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, lists, sub)
        else:
            result[key] = clone(value)
    retain = patch.get("$retainKeys")
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(original, patch, lists, path):
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return _clean([i for i in patch if not (isinstance(i, dict) and i.get("$patch") == "replace")])
    list_type, keys = lists.of(path)
    original = clone(original) if isinstance(original, list) else []
    if list_type == "set":
        for item in patch:
            if item not in original:
                original.append(clone(item))
        return original
    if list_type != "map" or not keys:
        return _clean(patch)
    merge_key = keys[:1]  # strategic merge uses the single patchMergeKey
    for item in patch:
        if not isinstance(item, dict):
            raise ApiError.bad_request(f"the patch list item at {'.'.join(path)} must be an object")
        wanted = item_key(item, merge_key)
        index = next((i for i, cur in enumerate(original) if item_key(cur, merge_key) == wanted), None)
        if item.get("$patch") == "delete":
            if index is not None:
                original.pop(index)
            continue
        if index is None:
            original.append(_clean(item))
        else:
            original[index] = strategic_merge_patch(original[index], item, lists, path)
    return original

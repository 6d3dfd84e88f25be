"""Helpers for tests of the Azure modules: request-log queries and diff inspection."""

from __future__ import annotations

import collections

MUTATING = ("PUT", "PATCH", "DELETE", "POST")
# POST actions that only read (credentials); everything else POSTed changes something.
READ_ACTIONS = ("listclusterusercredential", "listclusteradmincredential", "listclustermonitoringusercredential")


def is_operation_poll(entry: dict) -> bool:
    path = entry["path"].lower()
    return "/operations/" in path or "/operationresults/" in path


def mutating(requests: list[dict]) -> list[dict]:
    return [r for r in requests if r["method"] in MUTATING
            and not (r["method"] == "POST" and r["path"].rsplit("/", 1)[-1].lower() in READ_ACTIONS)]


def gets_per_path(requests: list[dict]) -> dict[str, int]:
    counter = collections.Counter(r["path"].lower() for r in requests if r["method"] == "GET")
    return dict(counter)


def leaf_paths(tree, prefix=()) -> set[tuple]:
    """Paths to the leaves of a diff side; list items of objects are named by their ``name``."""
    paths = set()
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            paths |= leaf_paths(value, prefix + (key,))
        return paths
    if isinstance(tree, list) and tree and all(isinstance(i, dict) and "name" in i for i in tree):
        for item in tree:
            rest = {k: v for k, v in item.items() if k != "name"}
            paths |= leaf_paths(rest, prefix + ("[%s]" % item["name"],)) if rest else {prefix + ("[%s]" % item["name"],)}
        return paths
    return {prefix}


def diff_paths(diff: dict) -> set[tuple]:
    return leaf_paths(diff.get("before") or {}) | leaf_paths(diff.get("after") or {})

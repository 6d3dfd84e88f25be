# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Comparing what the user asked for with what ARM has, in ARM's JSON shape.

Pure Python. Only the fields the user specified are compared (a server-populated or
server-defaulted field never shows up as drift); ids and locations compare
case-insensitively; lists of objects are matched by a key (``name``); lists of
scalars are sets unless declared ordered. ``compare`` returns *every* difference,
``merge`` overlays the desired fields on the current resource for a PUT, and
``diff_view`` turns differences into Ansible's ``{before, after}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re


class Key:
    """A path step into a list of objects, by the value of their key field."""

    __slots__ = ("field", "value")

    def __init__(self, field, value):
        self.field = field
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Key) and (self.field, _norm_key(self.value)) == (other.field, _norm_key(other.value))

    def __hash__(self):
        return hash((self.field, _norm_key(self.value)))

    def __repr__(self):
        return "[%s=%s]" % (self.field, self.value)


class Difference:
    __slots__ = ("path", "before", "after")

    def __init__(self, path, before, after):
        self.path = tuple(path)
        self.before = before
        self.after = after

    def __repr__(self):
        return "Difference(%s: %r -> %r)" % (format_path(self.path), self.before, self.after)


def format_path(path):
    text = ""
    for step in path:
        if isinstance(step, Key):
            text += "[%s=%s]" % (step.field, step.value)
        elif isinstance(step, int):
            text += "[%d]" % step
        else:
            text += ("." if text else "") + str(step)
    return text


def _norm_key(value):
    return value.lower() if isinstance(value, str) else value


_ARM_ID = re.compile(r"^/subscriptions/[^/]+(/|$)", re.IGNORECASE)


def _pattern_matches(pattern, path):
    if len(pattern) != len(path):
        return False
    for want, step in zip(pattern, path):
        if want == "*":
            continue
        if isinstance(step, (Key, int)) or str(want).lower() != str(step).lower():
            return False
    return True


class Rules:
    """How to compare one resource type.

    Paths are tuples of keys; ``"*"`` matches any key or list item.

    ``keyed_lists``: ``{path: key_field}`` lists of objects matched by that field.
    ``ordered``: lists of scalars whose order matters (others compare as sets).
    ``case_insensitive``: string fields compared without case (ids and ``location`` always are).
    ``immutable``: fields that cannot change once the resource exists.
    ``versions``: fields holding versions where ``1.33`` matches ``1.33.2``.
    ``ignore``: fields never compared (read-only or server-owned, for free-form bodies).
    ``replace``: objects managed whole (extra keys on the resource are differences, e.g. tags with purge).
    ``auto_key``: match any list of objects that all carry this field by it (free-form bodies: ``name``).
    ``exact_lists``: an item of a keyed list that the desired list leaves out is a difference (the list is sent
    whole), instead of an item the user does not manage.
    """

    def __init__(self, keyed_lists=None, ordered=(), case_insensitive=(), immutable=(), versions=(), ignore=(),
                 replace=(), auto_key=None, exact_lists=False):
        self.keyed_lists = dict(keyed_lists or {})
        self.ordered = tuple(ordered)
        self.case_insensitive = tuple(case_insensitive)
        self.immutable = tuple(immutable)
        self.versions = tuple(versions)
        self.ignore = tuple(ignore)
        self.replace = tuple(replace)
        self.auto_key = auto_key
        self.exact_lists = exact_lists

    @staticmethod
    def _any(patterns, path):
        return any(_pattern_matches(p, path) for p in patterns)

    def list_key(self, path, items=None):
        for pattern, field in self.keyed_lists.items():
            if _pattern_matches(pattern, path):
                return field
        if self.auto_key and items and all(isinstance(i, dict) and i.get(self.auto_key) is not None for i in items):
            return self.auto_key
        return None

    def is_ordered(self, path):
        return self._any(self.ordered, path)

    def is_ignored(self, path):
        return self._any(self.ignore, path)

    def is_immutable(self, path):
        return self._any(self.immutable, path)

    def is_replaced(self, path):
        return self._any(self.replace, path)

    def is_version(self, path):
        return self._any(self.versions, path)

    def is_case_insensitive(self, path):
        return self._any(self.case_insensitive, path)


def _is_scalar(value):
    return not isinstance(value, (dict, list))


def _lookup(mapping, key):
    if key in mapping:
        return mapping[key]
    lowered = key.lower() if isinstance(key, str) else key
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.lower() == lowered:
            return value
    return None


def _location(value):
    return value.replace(" ", "").lower()


def scalars_equal(desired, current, rules=None, path=()):
    rules = rules or Rules()
    if desired == current and type(desired) is type(current):
        return True
    if isinstance(desired, bool) or isinstance(current, bool):
        return desired is current
    if isinstance(desired, (int, float)) and isinstance(current, (int, float)):
        return desired == current
    if isinstance(desired, str) and isinstance(current, str):
        if path and str(path[-1]).lower() == "location":
            return _location(desired) == _location(current)
        if rules.is_version(path):
            return versions_match(desired, current)
        if rules.is_case_insensitive(path) or _ARM_ID.match(desired) or _ARM_ID.match(current):
            return desired.lower().rstrip("/") == current.lower().rstrip("/")
        return desired == current
    return False


def versions_match(desired, current):
    """``1.33`` matches ``1.33`` and ``1.33.2``; ``1.33.2`` matches only itself."""
    want = str(desired).split(".")
    have = str(current).split(".")
    return have[:len(want)] == want


def _sort_key(value, rules, path):
    if isinstance(value, str):
        return "s:" + (value.lower() if rules.is_case_insensitive(path) or _ARM_ID.match(value) else value)
    return "j:" + json.dumps(value, sort_keys=True)


def compare(desired, current, rules=None, path=()):
    """Every difference between the user-specified ``desired`` and ``current`` (``None`` values in desired are
    "not specified" and skipped)."""
    rules = rules or Rules()
    if desired is None or rules.is_ignored(path):
        return []
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            # ARM treats an empty object and a missing one alike.
            return [] if current is None and not desired else [Difference(path, current, desired)]
        if rules.is_replaced(path):
            wanted = set(k.lower() for k, v in desired.items() if v is not None)
            if any(k.lower() not in wanted for k in current):
                return [Difference(path, current, desired)]
        differences = []
        for key, value in desired.items():
            if value is None:
                continue
            differences.extend(compare(value, _lookup(current, key), rules, path + (key,)))
        return differences
    if isinstance(desired, list):
        field = rules.list_key(path, desired)
        if field is not None:
            return _compare_keyed(desired, current, field, rules, path)
        if not isinstance(current, list):
            return [Difference(path, current, desired)]
        if all(_is_scalar(v) for v in desired) and all(_is_scalar(v) for v in current):
            if rules.is_ordered(path):
                same = len(desired) == len(current) and all(
                    scalars_equal(d, c, rules, path) for d, c in zip(desired, current))
            else:
                same = sorted(_sort_key(v, rules, path) for v in desired) == \
                    sorted(_sort_key(v, rules, path) for v in current)
            return [] if same else [Difference(path, current, desired)]
        if len(desired) != len(current):
            return [Difference(path, current, desired)]
        for index, (want, have) in enumerate(zip(desired, current)):
            if compare(want, have, rules, path + (index,)):
                return [Difference(path, current, desired)]
        return []
    if current is None or not scalars_equal(desired, current, rules, path):
        return [Difference(path, current, desired)]
    return []


def _compare_keyed(desired, current, field, rules, path):
    items = {}
    for item in current or []:
        if isinstance(item, dict):
            items[_norm_key(_lookup(item, field))] = item
    differences = []
    for item in desired:
        value = item.get(field)
        step = path + (Key(field, value),)
        have = items.get(_norm_key(value))
        if have is None:
            differences.append(Difference(step, None, item))
        else:
            differences.extend(compare(item, have, rules, step))
    if rules.exact_lists:
        wanted = set(_norm_key(item.get(field)) for item in desired)
        differences.extend(Difference(path + (Key(field, key),), item, None)
                           for key, item in items.items() if key not in wanted)
    return differences


def merge(current, desired, rules=None, path=()):
    """``current`` with the specified fields of ``desired`` laid over it (a new object)."""
    rules = rules or Rules()
    if desired is None:
        return copy.deepcopy(current)
    if rules.is_replaced(path):
        return _strip_none(desired)
    if isinstance(desired, dict) and isinstance(current, dict):
        result = copy.deepcopy(current)
        for key, value in desired.items():
            if value is None:
                continue
            existing_key = next((k for k in current if isinstance(k, str) and k.lower() == key.lower()), key)
            result[existing_key] = merge(current.get(existing_key), value, rules, path + (key,))
        return result
    field = rules.list_key(path, desired) if isinstance(desired, list) else None
    if field is not None and isinstance(current, list):
        result = [copy.deepcopy(item) for item in current]
        positions = dict((_norm_key(_lookup(item, field)), i) for i, item in enumerate(result) if isinstance(item, dict))
        for item in desired:
            position = positions.get(_norm_key(item.get(field)))
            if position is None:
                result.append(_strip_none(item))
            else:
                result[position] = merge(result[position], item, rules, path + (Key(field, item.get(field)),))
        return result
    return _strip_none(desired)


def _strip_none(value):
    if isinstance(value, dict):
        return dict((k, _strip_none(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return copy.deepcopy(value)


def _set_in(tree, path, value):
    node = tree
    for index, step in enumerate(path):
        last = index == len(path) - 1
        following = None if last else path[index + 1]
        if isinstance(step, Key):
            item = next((i for i in node if isinstance(i, dict) and _norm_key(i.get(step.field)) == _norm_key(step.value)),
                        None)
            if item is None:
                item = {step.field: step.value}
                node.append(item)
            if last:
                if isinstance(value, dict):
                    item.update(copy.deepcopy(value))
                return
            node = item
            continue
        if last:
            node[step] = copy.deepcopy(value)
            return
        node = node.setdefault(step, [] if isinstance(following, Key) else {})


def diff_view(differences):
    """Ansible's ``diff``: ``before`` and ``after`` holding only the differing fields."""
    before, after = {}, {}
    for difference in differences:
        if difference.before is not None:
            _set_in(before, difference.path, difference.before)
        if difference.after is not None:
            _set_in(after, difference.path, difference.after)
    return {"before": before, "after": after}


def patch_body(differences):
    """A JSON merge-patch body carrying the desired values of the differing fields."""
    return diff_view(differences)["after"]


def get_path(body, *path):
    node = body
    for step in path:
        if not isinstance(node, dict):
            return None
        node = _lookup(node, step)
    return node


def set_path(body, path, value):
    """Puts ``value`` at ``path``, making the objects on the way (a missing or null one becomes ``{}``)."""
    node = body
    for step in path[:-1]:
        if not isinstance(node.get(step), dict):
            node[step] = {}
        node = node[step]
    node[path[-1]] = value
    return body

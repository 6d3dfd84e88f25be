# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds a one-task OSMO workflow spec from module parameters, and serialises specs to YAML."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.spec import MAX_NAME_LENGTH

SPEC_VERSION = 2


def _clean(mapping):
    return dict((k, v) for k, v in mapping.items() if v not in (None, [], {}, ""))


def build_document(name, image, command, args=None, environment=None, resources=None, inputs=None, outputs=None,
                   pool=None, timeout=None, task_name=None, files=None, credentials=None, exit_actions=None,
                   labels=None, default_values=None):
    """A ``{'version': 2, 'workflow': {...}}`` document with one task named ``task_name`` (default: ``name``).

    ``resources`` becomes the workflow's ``default`` resource profile, so the task needs no ``resource:``.
    Values are taken as given; validation is ``spec.validate_document``'s job.
    """
    task = _clean(dict(
        name=task_name or name,
        image=image,
        command=list(command) if command else command,
        args=list(args or []),
        environment=dict((str(k), _env_value(v)) for k, v in (environment or {}).items()),
        inputs=[_clean(dict(i)) for i in (inputs or [])],
        outputs=[_clean(dict(o)) for o in (outputs or [])],
        files=[_clean(dict(f)) for f in (files or [])],
        credentials=credentials,
        exitActions=exit_actions,
    ))
    workflow = dict(name=name)
    if pool:
        workflow["pool"] = pool
    if labels:
        workflow["labels"] = dict(labels)
    if timeout:
        workflow["timeout"] = _clean(dict(timeout))
    if resources:
        workflow["resources"] = {"default": _clean(dict(resources))}
    workflow["tasks"] = [task]
    document = {"version": SPEC_VERSION, "workflow": workflow}
    if default_values:
        document["default-values"] = dict(default_values)
    return document


def _env_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def dump_document(document):
    """YAML text of a spec document in the key order OSMO's examples use (version, workflow, default-values)."""
    from ansible.module_utils.common.yaml import yaml_dump

    parts = []
    for key in ("version", "workflow", "default-values"):
        if key in document:
            parts.append(yaml_dump({key: _plain(document[key])}, default_flow_style=False, sort_keys=False,
                                   width=100000, allow_unicode=True))
    return "".join(parts)


def _plain(value):
    """Deep copy into plain dict/list/str (module params may carry tagged or custom types)."""
    if isinstance(value, dict):
        return dict((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    return str(value)


def fingerprint(*parts):
    """Stable short hash of JSON-serialisable parts (sorted keys)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(_plain(part), sort_keys=True, separators=(",", ":")).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def keyed_name(name, key):
    """The workflow name that carries an idempotency key: ``<name>-k<10 hex of sha256(key)>``.

    OSMO names workflows ``<name>-<N>``; a key in the name lets a rerun find an earlier submission
    with one list request on every OSMO version (labels exist only in newer releases).
    """
    suffix = "k" + hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:10]
    base = re.sub(r"[-_]+$", "", str(name)[:MAX_NAME_LENGTH - len(suffix) - 1])
    return "%s-%s" % (base, suffix)

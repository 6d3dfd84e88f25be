# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSMO workflow specifications: the schema, client-side validation and a builder from parameters.

OSMO validates a submitted spec server-side (pydantic models with
``extra='forbid'``) and answers with one message for the first problem. This
module applies the same rules before any request and reports *every* problem,
each with the path of the offending field (``workflow.groups[1].tasks[0].resource``),
so a playbook fails with something a person can fix.

Pure Python (no pydantic, no SDK): only ``re``. The document validated here is
the parsed YAML of the *rendered* spec (see ``render``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# OSMO's name rule for workflows, groups and tasks.
NAME_RE = re.compile(r"^[a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$")
_NAME = r"[a-zA-Z](?:[a-zA-Z0-9_-]*[a-zA-Z0-9])?"
# A task input: "<task>" in this workflow or "<workflow_id>:<task>" of a previous workflow.
TASK_REF_RE = re.compile(r"^(?P<first>%s)(?::(?P<second>%s))?$" % (_NAME, _NAME))
MAX_NAME_LENGTH = 64

TOP_LEVEL_KEYS = ("version", "workflow", "default-values")
SUPPORTED_VERSIONS = (2,)

# Tokens OSMO substitutes at run time. The submit-time template renderer only
# recognises them without inner spaces; "{{ output }}" is an undefined Jinja variable.
SPECIAL_TOKEN_RE = re.compile(r"\{\{(uuid|workflow_id|output|input:[^}]+|host:[^}]+)\}\}")
SPACED_TOKEN_RE = re.compile(
    r"\{\{(?P<inner>\s*(?:uuid|workflow_id|output|input\s*:\s*[^}\s]+|host\s*:\s*[^}\s]+)\s*)\}\}"
)

# Durations: <int><d|h|m|s|ms|us>, ISO 8601 (PT10M), or a number of seconds.
DURATION_RE = re.compile(r"^(\d+)(d|h|m|s|ms|us)$")
ISO_DURATION_RE = re.compile(r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$")

# Kubernetes-like quantities as OSMO parses them (memory, storage).
QUANTITY_RE = re.compile(r"^\d+(?:\.\d+)?(?:T|Ti|TiB|G|Gi|GiB|M|Mi|MiB|K|Ki|KiB|B|m)?$")

# exitActions ranges such as "0,1-10,16".
EXIT_CODES_RE = re.compile(r"^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$")
EXIT_ACTIONS = ("COMPLETE", "FAIL", "RESCHEDULE")

# Storage URLs OSMO can read from and write to.
_SEG = r"[^/,;*]+"
STORAGE_URL_RES = {
    "s3": re.compile(r"^s3://%s(?:/%s)*/*$" % (_SEG, _SEG)),
    "gs": re.compile(r"^gs://%s(?:/%s)*/*$" % (_SEG, _SEG)),
    "azure": re.compile(r"^azure://%s(?:/%s)+/*$" % (_SEG, _SEG)),
    "tos": re.compile(r"^tos://%s(?:/%s)+/*$" % (_SEG, _SEG)),
    "swift": re.compile(r"^swift://%s(?:/%s){2,}/*$" % (_SEG, _SEG)),
}
STORAGE_URL_FORMS = ("s3://<bucket>[/<path>]", "gs://<bucket>[/<path>]", "azure://<account>/<container>[/<path>]",
                     "tos://<endpoint>/<bucket>[/<path>]", "swift://<endpoint>/<account>/<bucket>[/<path>]")

# Workflow, group and task names that clash with OSMO's own containers.
RESERVED_TASK_NAMES = ("osmo-ctrl",)

# Common mistakes: the wrong key and what to write instead.
KEY_HINTS = {
    "env": "use 'environment' (OSMO's key for environment variables)",
    "resources": "a task names a workflow-level profile with 'resource: <name>'; "
                 "declare the profile under workflow.resources",
    "cmd": "use 'command' (a list of strings)",
    "entrypoint": "use 'command' (a list of strings)",
    "depends_on": "dependencies are data: add 'inputs: [{task: <upstream>}]'",
    "dependencies": "dependencies are data: add 'inputs: [{task: <upstream>}]'",
    "retries": "OSMO has no retry field; use 'exitActions: {RESCHEDULE: <codes>}'",
    "timeout": "timeouts are set for the whole workflow under workflow.timeout",
    "nodeSelector": "node placement comes from the pool's pod templates, not from the spec",
    "tolerations": "node placement comes from the pool's pod templates, not from the spec",
    "set": "template variables go under the top-level 'default-values' key",
    "variables": "template variables go under the top-level 'default-values' key",
}


class SpecError(object):
    """One problem in a spec: where (a field path) and what."""

    def __init__(self, path, message, token=None):
        self.path = path
        self.message = message
        self.token = token

    def __str__(self):
        return "%s: %s" % (self.path, self.message) if self.path else self.message

    def __repr__(self):
        return "SpecError(%r, %r)" % (self.path, self.message)

    def as_dict(self):
        return {"path": self.path, "message": self.message}


class SpecValidationError(ValueError):
    """Raised with every problem found; ``str()`` lists them one per line."""

    def __init__(self, errors, subject="workflow spec"):
        self.errors = list(errors)
        self.subject = subject
        lines = ["%s is invalid (%d problem%s):" % (subject, len(self.errors), "" if len(self.errors) == 1 else "s")]
        lines.extend("- %s" % e for e in self.errors)
        super(SpecValidationError, self).__init__("\n".join(lines))


def normalized_name(name):
    """OSMO compares names case-insensitively and treats '-' and '_' as equal."""
    return str(name).lower().replace("_", "-")


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else str(key)


class _Checker(object):
    """Collects errors while walking a document."""

    def __init__(self):
        self.errors = []

    def add(self, path, message):
        self.errors.append(SpecError(path, message))

    # -- scalar types ---------------------------------------------------------
    def string(self, value, path, allow_numbers=True, non_empty=False):
        # OSMO coerces numbers to strings in task fields (coerce_numbers_to_str), never booleans.
        ok = isinstance(value, str) or (allow_numbers and isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            self.add(path, "must be a string, got %s" % _kind(value))
            return False
        if non_empty and not str(value).strip():
            self.add(path, "must not be empty")
            return False
        return True

    def boolean(self, value, path):
        if not isinstance(value, bool):
            self.add(path, "must be true or false, got %s" % _kind(value))
            return False
        return True

    def integer(self, value, path, minimum=0):
        number = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
            number = int(value)
        if number is None:
            self.add(path, "must be a whole number (OSMO accepts integers only), got %s %r" % (_kind(value), value))
            return False
        if minimum is not None and number < minimum:
            self.add(path, "must be >= %d, got %d" % (minimum, number))
            return False
        return True

    def name(self, value, path, what):
        if not self.string(value, path, allow_numbers=False, non_empty=True):
            return False
        if not NAME_RE.match(value):
            self.add(path, "%s name %r is invalid: it must start with a letter, contain only letters, digits, "
                           "'-' and '_', and end with a letter or digit" % (what, value))
            return False
        if len(value) > MAX_NAME_LENGTH:
            self.add(path, "%s name %r is longer than %d characters" % (what, value, MAX_NAME_LENGTH))
            return False
        return True

    def duration(self, value, path):
        if isinstance(value, bool):
            self.add(path, "must be a duration such as 30m, 23h or 2d, got a boolean")
            return False
        if isinstance(value, (int, float)):
            if value < 0:
                self.add(path, "must not be negative")
                return False
            return True
        if not isinstance(value, str) or not (DURATION_RE.match(value) or (value != "P" and ISO_DURATION_RE.match(value))):
            self.add(path, "%r is not a duration: write <integer><d|h|m|s|ms|us> with one unit (e.g. 30m, 23h, 2d) "
                           "or ISO 8601 (PT30M)" % (value,))
            return False
        return True

    def quantity(self, value, path):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(path, "must be a quantity such as 16Gi, got %s" % _kind(value))
            return False
        if not QUANTITY_RE.match(str(value)):
            self.add(path, "%r is not a quantity: write a number with a unit such as 512Mi, 16Gi or 1Ti" % (value,))
            return False
        return True

    def storage_url(self, value, path):
        if not self.string(value, path, allow_numbers=False, non_empty=True):
            return False
        scheme = value.split("://", 1)[0] if "://" in value else None
        pattern = STORAGE_URL_RES.get(scheme)
        if pattern is None:
            self.add(path, "%r is not a storage URL OSMO supports; use one of %s" % (value, ", ".join(STORAGE_URL_FORMS)))
            return False
        if not pattern.match(value):
            form = [f for f in STORAGE_URL_FORMS if f.startswith(scheme + "://")][0]
            self.add(path, "%r is malformed; the form is %s (no ',', ';' or '*')" % (value, form))
            return False
        return True

    def string_list(self, value, path, non_empty=False):
        if not isinstance(value, list):
            self.add(path, "must be a list of strings, got %s" % _kind(value))
            return False
        if non_empty and not value:
            self.add(path, "must contain at least one entry")
            return False
        ok = True
        for i, item in enumerate(value):
            ok = self.string(item, join(path, i)) and ok
        return ok

    def string_map(self, value, path, allow_bool=False):
        if not isinstance(value, dict):
            self.add(path, "must be a mapping of names to strings, got %s" % _kind(value))
            return False
        ok = True
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(join(path, str(key)), "keys must be strings")
                ok = False
                continue
            if allow_bool and isinstance(item, bool):
                continue
            ok = self.string(item, join(path, key)) and ok
        return ok

    # -- structures -----------------------------------------------------------
    def mapping(self, value, path, allowed, required=(), what="entry"):
        """Checks that ``value`` is a mapping with only ``allowed`` keys and all ``required`` ones."""
        if not isinstance(value, dict):
            self.add(path, "must be a mapping, got %s" % _kind(value))
            return False
        for key in value:
            if key not in allowed:
                hint = KEY_HINTS.get(key)
                message = "unknown field %r in %s" % (key, what)
                if hint:
                    message += ": " + hint
                else:
                    message += "; allowed fields: %s" % ", ".join(sorted(allowed))
                self.add(join(path, key), message)
        for key in required:
            if key not in value or value[key] is None:
                self.add(join(path, key), "is required in %s" % what)
        return True


# Allowed keys per level (OSMO's models, all extra='forbid').
WORKFLOW_FIELDS = ("name", "pool", "labels", "timeout", "resources", "tasks", "groups", "backend")
TIMEOUT_FIELDS = ("exec_timeout", "queue_timeout")
RESOURCE_FIELDS = ("cpu", "gpu", "memory", "storage", "platform", "nodesExcluded", "topology")
TOPOLOGY_FIELDS = ("key", "group", "requirementType")
GROUP_FIELDS = ("name", "tasks", "barrier", "ignoreNonleadStatus")
TASK_FIELDS = ("name", "image", "command", "args", "environment", "lead", "resource", "inputs", "outputs", "files",
               "credentials", "exitActions", "checkpoint", "volumeMounts", "privileged", "hostNetwork", "kpis",
               "downloadType", "cacheSize", "backend")
FILE_FIELDS = ("path", "contents", "base64")
CHECKPOINT_FIELDS = ("path", "url", "frequency", "regex")
KPI_FIELDS = ("index", "path")
DOWNLOAD_TYPES = ("download",)


def _check_regex(chk, value, path):
    if value in (None, ""):
        return
    if not chk.string(value, path, allow_numbers=False):
        return
    try:
        re.compile(value)
    except re.error as exc:
        chk.add(path, "invalid regular expression %r: %s" % (value, exc))


def _check_resource(chk, value, path):
    if not chk.mapping(value, path, RESOURCE_FIELDS, what="a resource profile"):
        return
    for key in ("cpu", "gpu"):
        if value.get(key) is not None:
            chk.integer(value[key], join(path, key))
    for key in ("memory", "storage"):
        if value.get(key) is not None:
            chk.quantity(value[key], join(path, key))
    if value.get("platform") is not None:
        chk.string(value["platform"], join(path, "platform"), allow_numbers=False)
    if value.get("nodesExcluded") is not None:
        chk.string_list(value["nodesExcluded"], join(path, "nodesExcluded"))
    topology = value.get("topology")
    if topology is not None:
        if not isinstance(topology, list):
            chk.add(join(path, "topology"), "must be a list, got %s" % _kind(topology))
        else:
            for i, item in enumerate(topology):
                ipath = join(join(path, "topology"), i)
                if chk.mapping(item, ipath, TOPOLOGY_FIELDS, required=("key",), what="a topology requirement"):
                    rtype = item.get("requirementType")
                    if rtype is not None and rtype not in ("required", "preferred"):
                        chk.add(join(ipath, "requirementType"), "must be 'required' or 'preferred', got %r" % (rtype,))


def _check_input(chk, item, path):
    """Returns the referenced task name (in this workflow) or None."""
    if not isinstance(item, dict):
        chk.add(path, "an input must be a mapping such as {task: <name>} or {url: <storage URL>}, got %s" % _kind(item))
        return None
    kinds = [k for k in ("task", "url", "dataset") if k in item]
    if len(kinds) != 1:
        chk.add(path, "an input needs exactly one of 'task' or 'url' (got %s)" % (", ".join(sorted(item)) or "nothing"))
        return None
    kind = kinds[0]
    if kind == "dataset":
        # OSMO <= 6.3 only; removed in later releases.
        if chk.mapping(item, path, ("dataset",), what="a dataset input"):
            chk.mapping(item["dataset"], join(path, "dataset"), ("name", "regex", "localpath"), required=("name",),
                        what="a dataset input")
        return None
    chk.mapping(item, path, (kind, "regex"), what="a %s input" % kind)
    _check_regex(chk, item.get("regex"), join(path, "regex"))
    if kind == "url":
        chk.storage_url(item["url"], join(path, "url"))
        return None
    ref = item["task"]
    if not chk.string(ref, join(path, "task"), allow_numbers=False, non_empty=True):
        return None
    match = TASK_REF_RE.match(ref)
    if not match:
        chk.add(join(path, "task"), "%r is not a task name or '<workflow_id>:<task>'" % (ref,))
        return None
    if match.group("second"):
        return None  # the output of a task of a previous workflow
    return ref


def _check_output(chk, item, path):
    if not isinstance(item, dict):
        chk.add(path, "an output must be a mapping such as {url: <storage URL>}, got %s" % _kind(item))
        return
    if "dataset" in item or "update_dataset" in item:
        key = "dataset" if "dataset" in item else "update_dataset"
        if chk.mapping(item, path, (key,), what="a dataset output"):
            chk.mapping(item[key], join(path, key), ("name", "path", "paths", "regex", "metadata", "labels"),
                        required=("name",), what="a dataset output")
        return
    if chk.mapping(item, path, ("url", "regex"), required=("url",), what="an output"):
        if item.get("url") is not None:
            chk.storage_url(item["url"], join(path, "url"))
        _check_regex(chk, item.get("regex"), join(path, "regex"))


def _check_files(chk, files, path):
    if not isinstance(files, list):
        chk.add(path, "must be a list of {path, contents}, got %s" % _kind(files))
        return
    seen = set()
    for i, item in enumerate(files):
        ipath = join(path, i)
        if isinstance(item, dict) and "localpath" in item:
            chk.add(join(ipath, "localpath"), "'localpath' is resolved by the osmo CLI only; over the REST API inline "
                                              "the file with 'contents' (or deliver it as a url input)")
            continue
        if not chk.mapping(item, ipath, FILE_FIELDS, required=("path", "contents"), what="a file"):
            continue
        fpath = item.get("path")
        if fpath is not None and chk.string(fpath, join(ipath, "path"), allow_numbers=False):
            parts = [p for p in fpath.split("/") if p]
            if not parts:
                chk.add(join(ipath, "path"), "must not be empty")
            elif parts[0] == "osmo":
                chk.add(join(ipath, "path"), "%r is under /osmo, which OSMO reserves for itself" % fpath)
            elif fpath in seen:
                chk.add(join(ipath, "path"), "another file of this task already uses path %r" % fpath)
            seen.add(fpath)
        if item.get("contents") is not None:
            chk.string(item["contents"], join(ipath, "contents"))
        if "base64" in item:
            chk.boolean(item["base64"], join(ipath, "base64"))


def _check_credentials(chk, value, path):
    if not isinstance(value, dict):
        chk.add(path, "must be a mapping of credential names to a mount path or {ENV_VAR: key}, got %s" % _kind(value))
        return
    for key, item in value.items():
        ipath = join(path, key)
        if isinstance(item, dict):
            chk.string_map(item, ipath, allow_bool=True)
        elif not isinstance(item, (str, int, float)) or isinstance(item, bool):
            chk.add(ipath, "must be a mount path or a mapping {ENV_VAR: key}, got %s" % _kind(item))


def _check_exit_actions(chk, value, path):
    if not isinstance(value, dict):
        chk.add(path, "must be a mapping such as {RESCHEDULE: '3,137'}, got %s" % _kind(value))
        return
    for key, codes in value.items():
        ipath = join(path, key)
        if str(key).upper() not in EXIT_ACTIONS:
            chk.add(ipath, "unknown exit action %r; use one of %s" % (key, ", ".join(EXIT_ACTIONS)))
            continue
        if isinstance(codes, bool) or not EXIT_CODES_RE.match(str(codes)):
            chk.add(ipath, "%r is not a list of exit codes such as '1,3-5'" % (codes,))


def _check_task(chk, task, path, resource_names):
    """Field-level checks of one task."""
    if not chk.mapping(task, path, TASK_FIELDS, required=("name", "image", "command"), what="a task"):
        return
    if task.get("name") is not None and chk.name(task["name"], join(path, "name"), "task"):
        if normalized_name(task["name"]) in RESERVED_TASK_NAMES:
            chk.add(join(path, "name"), "%r is reserved by OSMO" % task["name"])
    if task.get("image") is not None:
        chk.string(task["image"], join(path, "image"), allow_numbers=False, non_empty=True)
    if task.get("command") is not None:
        chk.string_list(task["command"], join(path, "command"), non_empty=True)
    if "args" in task:
        chk.string_list(task["args"], join(path, "args"))
    if "environment" in task:
        env = task["environment"]
        if chk.string_map(env, join(path, "environment"), allow_bool=True):
            for key in env:
                if not re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", key):
                    chk.add(join(join(path, "environment"), key), "is not a valid environment variable name")
    for key in ("lead", "privileged", "hostNetwork"):
        if key in task:
            chk.boolean(task[key], join(path, key))
    if "resource" in task:
        rpath = join(path, "resource")
        if chk.string(task["resource"], rpath, allow_numbers=False, non_empty=True):
            if task["resource"] not in resource_names:
                chk.add(rpath, "names resource profile %r, which workflow.resources does not define (defined: %s)"
                        % (task["resource"], ", ".join(sorted(resource_names)) or "none"))
    elif "default" not in resource_names:
        chk.add(join(path, "resource"), "the task has no 'resource' and workflow.resources has no 'default' profile")
    for key, check in (("inputs", None), ("outputs", _check_output)):
        if key not in task:
            continue
        items = task[key]
        if not isinstance(items, list):
            chk.add(join(path, key), "must be a list, got %s" % _kind(items))
            continue
        if check is not None:
            for i, item in enumerate(items):
                check(chk, item, join(join(path, key), i))
    if "files" in task:
        _check_files(chk, task["files"], join(path, "files"))
    if "credentials" in task:
        _check_credentials(chk, task["credentials"], join(path, "credentials"))
    if "exitActions" in task:
        _check_exit_actions(chk, task["exitActions"], join(path, "exitActions"))
    if "checkpoint" in task:
        cps = task["checkpoint"]
        if not isinstance(cps, list):
            chk.add(join(path, "checkpoint"), "must be a list, got %s" % _kind(cps))
        else:
            for i, item in enumerate(cps):
                ipath = join(join(path, "checkpoint"), i)
                if chk.mapping(item, ipath, CHECKPOINT_FIELDS, required=("path", "url", "frequency"), what="a checkpoint"):
                    if item.get("url") is not None:
                        chk.storage_url(item["url"], join(ipath, "url"))
                    if item.get("frequency") is not None:
                        chk.duration(item["frequency"], join(ipath, "frequency"))
                    _check_regex(chk, item.get("regex"), join(ipath, "regex"))
    if "volumeMounts" in task:
        if chk.string_list(task["volumeMounts"], join(path, "volumeMounts")):
            for i, mount in enumerate(task["volumeMounts"]):
                parts = str(mount).split(":")
                if len(parts) > 2 or (len(parts) == 2 and not parts[1]) or not parts[0]:
                    chk.add(join(join(path, "volumeMounts"), i), "%r is not '/host/path' or '/host/path:/container/path'"
                            % (mount,))
    if "kpis" in task:
        if not isinstance(task["kpis"], list):
            chk.add(join(path, "kpis"), "must be a list, got %s" % _kind(task["kpis"]))
        else:
            for i, item in enumerate(task["kpis"]):
                chk.mapping(item, join(join(path, "kpis"), i), KPI_FIELDS, required=KPI_FIELDS, what="a KPI")
    if task.get("downloadType") is not None and task["downloadType"] not in DOWNLOAD_TYPES:
        chk.add(join(path, "downloadType"), "must be one of %s, got %r" % (", ".join(DOWNLOAD_TYPES), task["downloadType"]))
    if task.get("cacheSize") is not None:
        chk.quantity(task["cacheSize"], join(path, "cacheSize"))


def _group_layout(workflow):
    """[(group path, group name, [(task path, task)])] in submission order; flat tasks become one-task groups."""
    layout = []
    if isinstance(workflow.get("groups"), list):
        for gi, group in enumerate(workflow["groups"]):
            gpath = "workflow.groups[%d]" % gi
            if not isinstance(group, dict):
                continue
            tasks = group.get("tasks") if isinstance(group.get("tasks"), list) else []
            layout.append((gpath, group.get("name"), [(join(join(gpath, "tasks"), ti), t)
                                                      for ti, t in enumerate(tasks) if isinstance(t, dict)]))
    elif isinstance(workflow.get("tasks"), list):
        for ti, task in enumerate(workflow["tasks"]):
            if isinstance(task, dict):
                layout.append((None, "%s-group" % task.get("name"), [("workflow.tasks[%d]" % ti, task)]))
    return layout


def _check_names_unique(chk, workflow):
    seen = {}

    def visit(name, path):
        if not isinstance(name, str):
            return
        key = normalized_name(name)
        if key in seen:
            chk.add(path, "name %r clashes with %s (names are compared case-insensitively and '-' equals '_')"
                    % (name, seen[key]))
        else:
            seen[key] = "%r at %s" % (name, path)

    for gpath, gname, tasks in _group_layout(workflow):
        if gpath is not None:
            visit(gname, join(gpath, "name"))
        for tpath, task in tasks:
            visit(task.get("name"), join(tpath, "name"))


def _check_dependencies(chk, workflow):
    """Task inputs must name existing tasks of earlier groups: no self, circular or same-group dependency."""
    layout = _group_layout(workflow)
    task_group = {}
    for index, (gpath, gname, tasks) in enumerate(layout):
        for tpath, task in tasks:
            if isinstance(task.get("name"), str):
                task_group[task["name"]] = (index, gname)
    for index, (gpath, gname, tasks) in enumerate(layout):
        for tpath, task in tasks:
            inputs = task.get("inputs")
            if not isinstance(inputs, list):
                continue
            for i, item in enumerate(inputs):
                ipath = join(join(tpath, "inputs"), i)
                ref = _check_input(chk, item, ipath)
                if ref is None:
                    continue
                rpath = join(ipath, "task")
                if ref == task.get("name"):
                    chk.add(rpath, "task %r cannot take its own output as input" % ref)
                    continue
                if ref not in task_group:
                    chk.add(rpath, "input task %r does not exist in this workflow (tasks: %s)"
                            % (ref, ", ".join(sorted(task_group)) or "none"))
                    continue
                up_index, up_group = task_group[ref]
                if up_index == index and gpath is not None:
                    chk.add(rpath, "task %r depends on %r of its own group %r; tasks of a group run together, so move "
                                   "the upstream task to an earlier group" % (task.get("name"), ref, gname))
                elif up_index > index:
                    where = "group %r" % up_group if gpath is not None else "task %r" % ref
                    chk.add(rpath, "input %r comes from %s, which is listed after this one; list upstream %s first "
                                   "(a later or circular dependency)"
                            % (ref, where, "groups" if gpath is not None else "tasks"))


def _check_tokens_in_values(chk, workflow):
    """Special tokens that survived rendering must be well-formed and resolvable."""
    for gpath, gname, tasks in _group_layout(workflow):
        group_tasks = set(t.get("name") for unused_path, t in tasks)
        for tpath, task in tasks:
            inputs = task.get("inputs") if isinstance(task.get("inputs"), list) else []
            input_tasks = set()
            for item in inputs:
                if isinstance(item, dict) and isinstance(item.get("task"), str):
                    input_tasks.add(item["task"].split(":")[-1])
            for path, text in _strings(task, tpath):
                for match in SPECIAL_TOKEN_RE.finditer(text):
                    token = match.group(1)
                    if token.startswith("input:"):
                        ref = token[len("input:"):]
                        if ref.isdigit():
                            if int(ref) >= len(inputs):
                                chk.add(path, "{{%s}} refers to input %s but the task has %d input(s)"
                                        % (token, ref, len(inputs)))
                        elif ref not in input_tasks:
                            chk.add(path, "{{%s}} names %r, which is not a task input of this task" % (token, ref))
                    elif token.startswith("host:"):
                        ref = token[len("host:"):]
                        if ref not in group_tasks:
                            chk.add(path, "{{%s}} names %r, which is not a task of the same group" % (token, ref))


def _strings(value, path):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, join(path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, join(path, i))


def spaced_token_errors(text, path="template", line_offset=0):
    """Special tokens written with inner spaces (``{{ output }}``), which OSMO treats as undefined variables."""
    errors = []
    for match in SPACED_TOKEN_RE.finditer(text):
        inner = match.group("inner")
        compact = re.sub(r"\s+", "", inner)
        if inner != compact:
            line = text.count("\n", 0, match.start()) + 1 + line_offset
            errors.append(SpecError("%s line %d" % (path, line),
                                    "special token %r must be written without spaces: '{{%s}}' (with spaces OSMO "
                                    "treats it as an undefined template variable)" % (match.group(0), compact),
                                    token=compact))
    return errors


def validate_workflow(workflow, chk=None):
    """Checks the ``workflow:`` mapping. Returns a list of SpecError."""
    chk = chk or _Checker()
    path = "workflow"
    if not chk.mapping(workflow, path, WORKFLOW_FIELDS, required=("name",), what="the workflow"):
        return chk.errors
    if workflow.get("name") is not None:
        chk.name(workflow["name"], "workflow.name", "workflow")
    if workflow.get("pool") is not None:
        chk.string(workflow["pool"], "workflow.pool", allow_numbers=False)
    if workflow.get("labels") is not None:
        chk.string_map(workflow["labels"], "workflow.labels")
    if workflow.get("timeout") is not None:
        if chk.mapping(workflow["timeout"], "workflow.timeout", TIMEOUT_FIELDS, what="workflow.timeout"):
            for key in TIMEOUT_FIELDS:
                if workflow["timeout"].get(key) is not None:
                    chk.duration(workflow["timeout"][key], join("workflow.timeout", key))
    resources = workflow.get("resources")
    if resources is None:
        resource_names = set(["default"])  # OSMO's implicit empty 'default' profile
    elif not isinstance(resources, dict):
        chk.add("workflow.resources", "must be a mapping of profile names to resources, got %s" % _kind(resources))
        resource_names = set()
    else:
        resource_names = set(resources)
        for key, spec in resources.items():
            _check_resource(chk, spec, join("workflow.resources", key))

    has_tasks = bool(workflow.get("tasks"))
    has_groups = bool(workflow.get("groups"))
    if has_tasks and has_groups:
        chk.add("workflow", "use either 'tasks' or 'groups', not both")
    elif not has_tasks and not has_groups:
        chk.add("workflow", "needs at least one entry in 'tasks' or 'groups'")

    if "groups" in workflow and workflow["groups"] is not None:
        groups = workflow["groups"]
        if not isinstance(groups, list):
            chk.add("workflow.groups", "must be a list, got %s" % _kind(groups))
        else:
            for gi, group in enumerate(groups):
                gpath = "workflow.groups[%d]" % gi
                if not chk.mapping(group, gpath, GROUP_FIELDS, required=("name", "tasks"), what="a group"):
                    continue
                if group.get("name") is not None:
                    chk.name(group["name"], join(gpath, "name"), "group")
                for key in ("barrier", "ignoreNonleadStatus"):
                    if key in group:
                        chk.boolean(group[key], join(gpath, key))
                tasks = group.get("tasks")
                if tasks is None:
                    continue
                if not isinstance(tasks, list) or not tasks:
                    chk.add(join(gpath, "tasks"), "must be a non-empty list of tasks")
                    continue
                for ti, task in enumerate(tasks):
                    _check_task(chk, task, join(join(gpath, "tasks"), ti), resource_names)
                if len(tasks) > 1:
                    leads = [ti for ti, t in enumerate(tasks) if isinstance(t, dict) and t.get("lead") is True]
                    if len(leads) != 1:
                        chk.add(join(gpath, "tasks"), "group %r has %d lead task(s); exactly one task needs 'lead: true'"
                                % (group.get("name"), len(leads)))
    if "tasks" in workflow and workflow["tasks"] is not None:
        tasks = workflow["tasks"]
        if not isinstance(tasks, list):
            chk.add("workflow.tasks", "must be a list, got %s" % _kind(tasks))
        else:
            for ti, task in enumerate(tasks):
                _check_task(chk, task, "workflow.tasks[%d]" % ti, resource_names)

    _check_names_unique(chk, workflow)
    _check_dependencies(chk, workflow)
    _check_tokens_in_values(chk, workflow)
    return chk.errors


def validate_document(document):
    """Checks a whole rendered spec (``version``, ``workflow``, ``default-values``). Returns a list of SpecError."""
    chk = _Checker()
    if not isinstance(document, dict):
        chk.add("", "the spec must be a mapping with a top-level 'workflow' key, got %s" % _kind(document))
        return chk.errors
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            chk.add(str(key), "unknown top-level key %r; only %s are allowed" % (key, ", ".join(TOP_LEVEL_KEYS)))
    if "version" in document:
        version = document["version"]
        if isinstance(version, bool) or str(version) not in [str(v) for v in SUPPORTED_VERSIONS]:
            chk.add("version", "unsupported spec version %r; OSMO supports %s"
                    % (version, ", ".join(str(v) for v in SUPPORTED_VERSIONS)))
    if "default-values" in document and document["default-values"] is not None \
            and not isinstance(document["default-values"], dict):
        chk.add("default-values", "must be a mapping of variable names to values")
    if document.get("workflow") is None:
        chk.add("workflow", "is required: the spec needs a top-level 'workflow' mapping")
        return chk.errors
    validate_workflow(document["workflow"], chk)
    return chk.errors


def workflow_task_names(workflow):
    """Names of all tasks in submission order."""
    return [t.get("name") for unused_path, unused_name, tasks in _group_layout(workflow) for unused, t in tasks]

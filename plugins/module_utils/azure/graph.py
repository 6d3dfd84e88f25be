# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A dependency graph of Azure resources, applied concurrently (the ``arm_resources`` module).

Ansible runs one task at a time, so a platform of ~100 resources whose operations take from seconds to half
an hour cannot be provisioned faster than the sum of its steps with one task per resource. Here every
resource is a node: a ``kind`` (the engine of one of the collection's modules), that module's options,
``depends_on`` and references to other nodes' results (``{"ref": "ml_identity.principal_id"}``) that are
resolved when the node they name completes. A thread pool runs every node whose dependencies are done, each
through the same desired-state engine as its module (one GET, compare, write, wait), so the whole graph takes
about as long as its longest dependency chain.

The graph itself (keys, kinds, references, cycles, options) is checked before any request. A node that fails
is reported with its resource and message; the nodes that depend on it are skipped, the others complete
(no operation is abandoned half-way), and the task fails naming them all. A rerun converges.

Pure Python apart from ``GraphRunner`` (which drives the SDK through the kinds).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import threading
import time

REF = "ref"
SECRET_VALUE = "secret_value"  # {"secret_value": name}: a value of the task's no_log secret_values
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
CALLER = "caller"  # pseudo-node: the identity the modules run as (object_id, tenant_id, principal_type)

# Result fields that are never outputs (the rest of a kind's result is).
NOT_OUTPUTS = ("resource", "diff", "changed", "failed", "invocation", "warnings", "msg", "role_definition_id")


class GraphProblem(ValueError):
    """The graph cannot be applied; ``problems`` name the nodes and options."""

    def __init__(self, problems):
        super(GraphProblem, self).__init__("; ".join(problems))
        self.problems = list(problems)


class Unresolved(Exception):
    """A reference to a value that is not known (yet): the node it names was not created, e.g. in check mode."""


class NodeFailed(BaseException):
    """Raised by a node's ``fail`` (like ``fail_json`` for a module: not caught by ``except Exception``)."""

    def __init__(self, message, details=None):
        super(NodeFailed, self).__init__(message)
        self.message = message
        self.details = details or {}


# -- references --------------------------------------------------------------------------------------

def is_ref(value):
    return isinstance(value, dict) and REF in value and set(value) <= {REF, "format"}


def is_secret_value(value):
    return isinstance(value, dict) and set(value) == {SECRET_VALUE}


def find_secret_values(value):
    """Every secret_value name in ``value``."""
    if is_secret_value(value):
        return [value[SECRET_VALUE]]
    if isinstance(value, dict):
        return [name for item in value.values() for name in find_secret_values(item)]
    if isinstance(value, list):
        return [name for item in value for name in find_secret_values(item)]
    return []


def ref_key(ref):
    return ref.split(".", 1)[0]


def find_refs(value):
    """Every reference string in ``value`` (nested dicts and lists)."""
    found = []
    if is_ref(value):
        found.append(value[REF])
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(find_refs(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(find_refs(item))
    return found


def dotted_get(tree, path):
    """``tree`` at ``a.b.0.c`` (list indexes allowed); raises KeyError when absent."""
    node = tree
    for step in [s for s in path.split(".") if s]:
        if isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            raise KeyError(path)
    return node


def resolve(value, lookup, secrets=None):
    """``value`` with every reference replaced by ``lookup(ref)`` (optionally formatted into a string) and every
    secret_value by its value from ``secrets``."""
    if is_ref(value):
        resolved = lookup(value[REF])
        if value.get("format"):
            return value["format"].replace("{}", str(resolved))
        return resolved
    if is_secret_value(value):
        return (secrets or {}).get(value[SECRET_VALUE], "<secret %s>" % value[SECRET_VALUE])
    if isinstance(value, dict):
        return dict((k, resolve(v, lookup, secrets)) for k, v in value.items())
    if isinstance(value, list):
        return [resolve(v, lookup, secrets) for v in value]
    return value


_PLACEHOLDERS = dict(int=0, float=0.0, bool=True, list=[], dict={}, raw="<ref>")


def placeholders(value, spec=None):
    """``value`` with references replaced by values its ``spec`` accepts (to check options before any request)."""
    if is_secret_value(value):
        return "<secret>"
    if is_ref(value):
        spec = spec or {}
        if spec.get("choices"):
            return spec["choices"][0]
        return copy.deepcopy(_PLACEHOLDERS.get(spec.get("type") or "str", "<%s>" % value[REF]))
    if isinstance(value, dict):
        options = (spec or {}).get("options") if spec and "options" in spec else spec if spec and not (
            "type" in spec and isinstance(spec.get("type"), str)) else None
        return dict((k, placeholders(v, (options or {}).get(k))) for k, v in value.items())
    if isinstance(value, list):
        return [placeholders(v, dict(type=(spec or {}).get("elements"), options=(spec or {}).get("options"))
                             if spec else None) for v in value]
    return value


# -- the graph ------------------------------------------------------------------------------------------

class Node:
    def __init__(self, key, kind, params, depends_on=(), outputs=None, write_only=(), description=None):
        self.key = key
        self.kind = kind
        self.params = params
        self.outputs = dict(outputs or {})
        self.write_only = list(write_only)
        self.description = description
        refs = find_refs(params) + [w["secret"] + ".value" for w in self.write_only]
        implied = [ref_key(r) for r in refs if ref_key(r) != CALLER]
        self.depends_on = list(dict.fromkeys(list(depends_on) + implied))


def parse_nodes(resources, kinds, secret_names=None):
    """Nodes from the module's ``resources`` option; raises GraphProblem listing every problem.

    ``secret_names``: the names of the task's secret_values (every secret_value must name one).
    """
    problems, nodes = [], {}
    for index, item in enumerate(resources or []):
        where = "resources[%d]" % index
        key = item.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key) or key == CALLER:
            problems.append("%s.key=%r must be lowercase letters, digits and '_' starting with a letter (not %r)"
                            % (where, key, CALLER))
            continue
        if key in nodes:
            problems.append("%s.key=%r is used twice" % (where, key))
            continue
        if item.get("kind") not in kinds:
            problems.append("%s (%s): kind=%r is not one of %s"
                            % (where, key, item.get("kind"), ", ".join(sorted(kinds))))
            continue
        for option in ("write_only",):
            for entry in item.get(option) or []:
                if not isinstance(entry, dict) or set(entry) != {"path", "secret"}:
                    problems.append("%s (%s): write_only entries need path and secret" % (where, key))
        nodes[key] = Node(key, item["kind"], item.get("params") or {}, item.get("depends_on") or [],
                          item.get("outputs"), item.get("write_only") or [], item.get("description"))
    for node in nodes.values():
        for name in find_secret_values(node.params):
            if secret_names is not None and name not in secret_names:
                problems.append("%s: secret_value %r is not a key of secret_values" % (node.key, name))
        for dependency in node.depends_on:
            if dependency not in nodes:
                problems.append("%s: depends on or refers to %r, which is not a key of resources" % (node.key, dependency))
        for entry in node.write_only:
            target = nodes.get(entry["secret"])
            if target is not None and target.kind != "key_vault_secret":
                problems.append("%s: write_only secret %r must be a key_vault_secret node" % (node.key, entry["secret"]))
    if not problems:
        cycle = find_cycle(nodes)
        if cycle:
            problems.append("dependency cycle: %s" % " -> ".join(cycle))
    if problems:
        raise GraphProblem(problems)
    return nodes


def find_cycle(nodes):
    """One dependency cycle as a list of keys, or None."""
    state = {}
    stack = []

    def visit(key):
        state[key] = "active"
        stack.append(key)
        for dependency in nodes[key].depends_on:
            if dependency not in nodes:
                continue
            if state.get(dependency) == "active":
                return stack[stack.index(dependency):] + [dependency]
            if dependency not in state:
                found = visit(dependency)
                if found:
                    return found
        stack.pop()
        state[key] = "done"
        return None

    for key in nodes:
        if key not in state:
            found = visit(key)
            if found:
                return found
    return None


def critical_path(depends_on, weight):
    """The longest chain of ``weight`` through the graph: ``(total, [keys])``.

    ``depends_on``: key -> dependency keys; ``weight``: key -> seconds.
    """
    memo = {}

    def longest(key):
        if key not in memo:
            best = None
            for dependency in depends_on.get(key) or []:
                candidate = longest(dependency)
                if best is None or candidate[0] > best[0]:
                    best = candidate
            best = best or (0.0, [])
            memo[key] = (best[0] + float(weight.get(key) or 0.0), best[1] + [key])
        return memo[key]

    result = (0.0, [])
    for key in depends_on:
        candidate = longest(key)
        if candidate[0] > result[0] or (candidate[0] == result[0] and len(candidate[1]) > len(result[1])):
            result = candidate
    return result


def principal_type(claims):
    """User or ServicePrincipal, from an Entra token's claims (idtyp when present, else delegated = user)."""
    if claims.get("idtyp"):
        return "ServicePrincipal" if claims["idtyp"] == "app" else "User"
    return "User" if claims.get("scp") or claims.get("upn") else "ServicePrincipal"


# Rough durations (seconds) of long operations by resource type: only used to start long chains first.
ESTIMATES = {"virtualnetworkgateways": 1800.0, "redisenterprise": 900.0, "flexibleservers": 600.0,
             "managedclusters": 600.0}


def estimated_seconds(node):
    if node.kind in ("aks_cluster", "aks_nodepool"):
        return 600.0
    if node.kind != "arm_resource":
        return 1.0
    parts = str(node.params.get("id") or "").lower().split("/")
    if "redisenterprise" in parts:
        return ESTIMATES["redisenterprise"]
    return ESTIMATES.get(parts[-2] if len(parts) > 1 else "", 60.0)


# -- running ----------------------------------------------------------------------------------------------

class _Debug:
    def __init__(self, module):
        self._module = module

    def debug(self, msg):
        if self._module is not None:
            self._module.debug(msg)

    def warn(self, msg):
        if self._module is not None:
            self._module.warn(msg)


class NodeAzure:
    """What a kind's ``run`` needs of an AzureModule, for one node on one thread: its own options, the shared
    credential and clients, and failures raised (not exited) so that the other nodes carry on."""

    def __init__(self, runner, params):
        self._runner = runner
        self.params = params
        self.check_mode = runner.check_mode
        self.cloud = runner.azure.cloud
        self.module = _Debug(getattr(runner.azure, "module", None))
        self.warnings = []

    @property
    def credential(self):
        return self._runner.azure.credential

    def client(self, service, **kwargs):
        return self._runner.client(service)

    def missing_library(self, package, exc):
        raise NodeFailed("the Python package %s is required: %s" % (package, exc))

    def warn(self, msg):
        self.warnings.append(msg)

    def fail(self, msg, **kwargs):
        raise NodeFailed(msg, kwargs)

    def fail_azure(self, exc, action, resource, **kwargs):
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import (
            AzureModuleError,
            describe,
        )

        if isinstance(exc, AzureModuleError):
            kwargs.update(exc.details)
            raise NodeFailed(exc.message, kwargs)
        kwargs.setdefault("error_code", getattr(getattr(exc, "error", None), "code", None))
        raise NodeFailed(describe(exc, action, resource), kwargs)

    def exit(self, **kwargs):
        raise NodeFailed("internal error: a kind called exit()")


class NodeResult:
    def __init__(self, key):
        self.key = key
        self.status = "pending"   # pending | running | ok | failed | skipped
        self.result = None
        self.message = None
        self.details = {}
        self.warnings = []
        self.started = None
        self.ended = None
        self.pending_create = False  # check mode: would be created after a dependency that does not exist yet


class GraphRunner:
    """Runs the nodes of a parsed graph on a thread pool through their kinds' ``run``.

    ``azure``: the AzureModule of the task (common options, credential, check mode). ``kinds``: kind name ->
    module with ``ARGUMENT_SPEC``, ``MODULE_OPTIONS`` and ``run(azure)``. ``common``: the parameters every node
    inherits (subscription, retries, wait, ...).
    """

    def __init__(self, azure, nodes, kinds, common, concurrency=16, clock=time.monotonic, secrets=None):
        self.azure = azure
        self.nodes = nodes
        self.kinds = kinds
        self.common = common
        self.check_mode = azure.check_mode
        self.concurrency = max(1, int(concurrency))
        self.clock = clock
        self.results = dict((key, NodeResult(key)) for key in nodes)
        self.secrets = dict(secrets or {})
        self.secret_handles = {}
        self._clients = {}
        self._clients_lock = threading.Lock()
        self._service_locks = {}
        self._session = None
        self._caller = None
        self._caller_lock = threading.Lock()
        self.started = None

    # -- shared services --------------------------------------------------------------------------------
    def client(self, service):
        """One client per service, shared by the threads (Azure SDK clients are thread-safe) over one
        connection pool as large as the graph's concurrency."""
        with self._clients_lock:
            lock = self._service_locks.setdefault(service, threading.Lock())
        with lock:  # one lock per service: building one client (importing its SDK) does not hold up the others
            if service not in self._clients:
                from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clients import build_client

                def missing(package, exc):
                    raise NodeFailed("the Python package %s is required: %s" % (package, exc))

                p = self.common
                self._clients[service] = build_client(
                    service, credential=self.azure.credential, subscription_id=p["subscription_id"],
                    cloud=self.azure.cloud, ca_bundle=p.get("ca_bundle"), retries=p["api_retries"], missing=missing,
                    **self._transport())
            return self._clients[service]

    def _transport(self):
        """A requests session with a pool for every concurrent node (the default keeps 10 connections)."""
        with self._clients_lock:
            if self._session is None:
                try:
                    import requests
                    from requests.adapters import HTTPAdapter
                except ImportError:
                    return {}
                self._session = requests.Session()
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.concurrency + 8)
                self._session.mount("https://", adapter)
                self._session.mount("http://", adapter)
        from azure.core.pipeline.transport import RequestsTransport

        options = dict(session=self._session, session_owner=False)
        if self.common.get("ca_bundle"):
            options["connection_verify"] = self.common["ca_bundle"]
        return dict(transport=RequestsTransport(**options))

    def caller(self):
        """Claims of the ARM token: who runs the modules (for role assignments to the current user)."""
        with self._caller_lock:
            if self._caller is None:
                from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import token_claims

                try:
                    token = self.azure.credential.get_token(self.azure.cloud.scope)
                except Exception as exc:  # reported like any module's credential failure
                    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import describe

                    raise NodeFailed(describe(exc, "get an ARM token for", "the current identity"))
                claims = token_claims(token.token)
                self._caller = dict(object_id=claims.get("oid"), tenant_id=claims.get("tid"),
                                    principal_type=principal_type(claims))
            return self._caller

    # -- references -----------------------------------------------------------------------------------
    def lookup(self, ref):
        key, _sep, path = ref.partition(".")
        if key == CALLER:
            source = self.caller()
        else:
            outcome = self.results[key]
            if outcome.status != "ok" or outcome.pending_create or outcome.result is None:
                raise Unresolved(ref)
            source = outcome.result
        try:
            value = dotted_get(source, path) if path else source
        except KeyError:
            raise Unresolved(ref)
        if value is None:
            raise Unresolved(ref)
        return value

    def node_params(self, node, params):
        """The node's options validated against its kind's argument spec (defaults applied), plus the common ones."""
        from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AZURE_WAIT_ARGS

        kind = self.kinds[node.kind]
        spec = dict(kind.ARGUMENT_SPEC)
        options = dict(kind.MODULE_OPTIONS)
        with_wait = options.pop("wait_options", True)
        if with_wait:
            spec.update(AZURE_WAIT_ARGS)
        validator = ArgumentSpecValidator(spec, **options)
        given = dict(params)
        if with_wait:
            given.setdefault("wait", self.common.get("wait", True))
            given.setdefault("wait_timeout", self.common.get("wait_timeout", 1800))
        result = validator.validate(given)
        if result.error_messages:
            messages = []
            for error in result.errors:
                text = getattr(error, "msg", None) or str(error)
                if type(error).__name__ == "UnsupportedError":
                    text = "unsupported option %s" % text
                messages.append("%s (%s): %s" % (node.key, node.kind, text))
            raise GraphProblem(messages)
        merged = dict(self.common)
        merged.update(result.validated_parameters)
        return merged

    def check_options(self):
        """Every node's options (references as placeholders) against its kind's spec, before any request."""
        problems = []
        for node in self.nodes.values():
            try:
                self.node_params(node, placeholders(node.params, self.kinds[node.kind].ARGUMENT_SPEC))
            except GraphProblem as exc:
                problems.extend(exc.problems)
        if problems:
            raise GraphProblem(problems)

    # -- one node -------------------------------------------------------------------------------------
    def run_node(self, node):
        outcome = self.results[node.key]
        outcome.started = self.clock()
        try:
            try:
                params = resolve(node.params, self.lookup, self.secrets)
            except Unresolved as exc:
                if not self.check_mode:
                    raise NodeFailed("reference %s has no value: the resource it names did not return it"
                                     % exc.args[0])
                # Check mode: the dependency would be created, so this node would be too.
                outcome.pending_create = True
                outcome.result = dict(changed=True, diff=dict(before={}, after=dict(
                    pending="would be created after %s" % ref_key(exc.args[0]))))
                outcome.status = "ok"
                return outcome
            azure = NodeAzure(self, self.node_params(node, params))
            kind = self.kinds[node.kind]
            if node.kind == "key_vault_secret":
                box = []
                result = kind.run(azure, handle_box=box)
                if box:
                    self.secret_handles[node.key] = box[0]
            elif node.write_only:
                result = kind.run(azure, write_only=self.write_only_fields(node))
            else:
                result = kind.run(azure)
            outcome.result = result
            outcome.warnings = azure.warnings
            outcome.status = "ok"
        except NodeFailed as exc:
            outcome.status = "failed"
            outcome.message = exc.message
            outcome.details = exc.details
        except GraphProblem as exc:
            outcome.status = "failed"
            outcome.message = str(exc)
        except Exception as exc:  # a bug or an unexpected SDK error: reported on this node only
            outcome.status = "failed"
            outcome.message = "%s: %s" % (type(exc).__name__, exc)
        finally:
            outcome.ended = self.clock()
        return outcome

    def write_only_fields(self, node):
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds.arm_resource import WriteOnly

        fields = []
        for entry in node.write_only:
            handle = self.secret_handles.get(entry["secret"])
            if handle is None:
                raise NodeFailed("write_only secret %r produced no value" % entry["secret"])
            fields.append(WriteOnly(entry["path"].split("."), handle.value_for_create,
                                    value=lambda h=handle: h.value, fresh=lambda h=handle: h.created))
        return fields

    # -- the whole graph ------------------------------------------------------------------------------
    def priorities(self):
        """Key -> estimated seconds of the longest chain from the node to the end of the graph: ready nodes that
        start the longest chains are submitted first (a scheduling hint only)."""
        dependants = dict((key, []) for key in self.nodes)
        for key, node in self.nodes.items():
            for dependency in node.depends_on:
                dependants[dependency].append(key)
        memo = {}

        def chain(key):
            if key not in memo:
                memo[key] = estimated_seconds(self.nodes[key]) + max([chain(d) for d in dependants[key]] or [0.0])
            return memo[key]

        return dict((key, chain(key)) for key in self.nodes)

    def run(self):
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        self.started = self.clock()
        priority = self.priorities()
        waiting = dict((key, set(node.depends_on)) for key, node in self.nodes.items())
        running = {}
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="arm-node") as pool:
            while waiting or running:
                ready = sorted([k for k, deps in waiting.items() if not deps], key=lambda k: -priority[k])
                for key in ready[:max(0, self.concurrency - len(running))]:
                    del waiting[key]
                    self.results[key].status = "running"
                    running[pool.submit(self.run_node, self.nodes[key])] = key
                if not running:
                    break
                done, _pending = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    key = running.pop(future)
                    outcome = self.results[key]
                    for other, deps in list(waiting.items()):
                        if key in deps:
                            if outcome.status == "ok":
                                deps.discard(key)
                            else:
                                self._skip(other, key, waiting)
        return self.results

    def _skip(self, key, because, waiting):
        if key not in waiting:
            return
        del waiting[key]
        outcome = self.results[key]
        outcome.status = "skipped"
        outcome.message = "not applied: it depends on %s, which %s" % (
            because, "failed" if self.results[because].status == "failed" else "was not applied")
        for other, deps in list(waiting.items()):
            if key in deps:
                self._skip(other, key, waiting)

    # -- the task's result ----------------------------------------------------------------------------
    def report(self):
        """``(summary, failed_messages)``: per-node results without secrets, plus what failed."""
        summary, failures = {}, []
        for key, node in self.nodes.items():
            outcome = self.results[key]
            result = outcome.result or {}
            entry = dict(kind=node.kind, status=outcome.status, depends_on=list(node.depends_on),
                         changed=bool(result.get("changed")) if outcome.status == "ok" else False)
            if result.get("id"):
                entry["id"] = result["id"]
            if outcome.pending_create:
                entry["pending"] = True
            outputs = dict((k, copy.deepcopy(v)) for k, v in result.items() if k not in NOT_OUTPUTS and k != "id")
            for name, path in node.outputs.items():
                try:
                    outputs[name] = copy.deepcopy(dotted_get(result, path))
                except KeyError:
                    outputs[name] = None
            if outputs:
                entry["outputs"] = outputs
            if outcome.status == "ok" and result.get("changed"):
                entry["action"] = "create" if not (result.get("diff") or {}).get("before") else "update"
            if outcome.message:
                entry["msg"] = outcome.message
                if outcome.details:
                    entry["details"] = outcome.details
            if outcome.warnings:
                entry["warnings"] = outcome.warnings
            if outcome.started is not None and self.started is not None:
                entry["started"] = round(outcome.started - self.started, 3)
                entry["seconds"] = round((outcome.ended or outcome.started) - outcome.started, 3)
            summary[key] = entry
            if outcome.status == "failed":
                failures.append("%s: %s" % (key, outcome.message))
        return summary, failures

    def diffs(self):
        """One diff per changed node, headed by its key and resource id (Ansible shows a list of diffs)."""
        shown = []
        for key, node in self.nodes.items():
            outcome = self.results[key]
            result = outcome.result or {}
            if outcome.status != "ok" or not result.get("changed"):
                continue
            diff = result.get("diff") or {}
            label = "%s (%s)" % (key, result.get("id") or node.kind)
            shown.append(dict(before=diff.get("before") or {}, after=diff.get("after") or {},
                              before_header=label, after_header=label))
        return shown

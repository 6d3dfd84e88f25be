# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state engine every Azure resource module runs on.

One GET reads the resource; ``compare`` (diff.py) finds every difference between
the user-specified fields and ARM's; immutable changes are refused before any
write; check mode stops before the write; otherwise one PUT (or PATCH) carries
the current resource with the desired fields laid over it, through the SDK. Long
operations are awaited up to ``wait_timeout`` (on timeout the task fails with the
resource id and its last ``provisioningState``); ``wait: false`` returns once ARM
accepted the request. A resource found mid-operation (e.g. after an earlier
timeout) is awaited before it is compared, so a rerun converges.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import (
    Difference,
    Rules,
    compare,
    diff_view,
    format_path,
    merge,
    patch_body,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import (
    AzureModuleError,
    error_message_text,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import error_code
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, is_poller, to_rest

TERMINAL_STATES = ("succeeded", "failed", "canceled", "cancelled")
FAILED_STATES = ("failed", "canceled", "cancelled")

PARTICIPLES = {"create": "be created", "update": "be updated", "delete": "be deleted"}

# Own polling (a resource found mid-operation): first wait, growth, longest wait (seconds).
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.25, 1.6, 15.0

# A write refused because another operation runs on the resource (409): e.g. an earlier, interrupted run's
# operation that started after this run's read. Such a write is retried once the resource settled.
IN_PROGRESS_CODES = ("AnotherOperationInProgress", "OperationNotAllowed")
IN_PROGRESS_ATTEMPTS = 5


class _InProgress(Exception):
    """A write was refused with 409 because another operation is running on the resource."""


def provisioning_state(resource):
    if not isinstance(resource, dict):
        return None
    props = resource.get("properties")
    if isinstance(props, dict) and props.get("provisioningState"):
        return props["provisioningState"]
    return resource.get("provisioningState")


class ArmResource:
    """One ARM resource and the SDK calls that read, write, update and delete it.

    ``read()`` returns an SDK model (raising the SDK's not-found error when absent);
    ``write(body, wait)``, ``update(patch, wait)`` and ``remove(wait)`` return an
    LRO poller or a model. ``wait`` is False when the user set ``wait: false``: pass
    ``polling=False`` to ``begin_*`` calls so they return once ARM accepted.
    """

    def __init__(self, kind, resource_id, read, write=None, remove=None, update=None):
        self.kind = kind
        self.id = resource_id
        self.read = read
        self.write = write
        self.remove = remove
        self.update = update

    def describe(self):
        return "%s '%s'" % (self.kind, self.id)


class DesiredState:
    def __init__(self, azure, resource, rules=None, fields=None, sleep=time.sleep, clock=time.monotonic):
        self.azure = azure
        self.resource = resource
        self.rules = rules or Rules()
        self.fields = fields
        self.params = azure.params
        self._sleep = sleep
        self._clock = clock
        self.deadline = clock() + float(self.params.get("wait_timeout") or 1800)
        self._current = None
        self._read = False
        self._retry_in_progress = False

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def waiting(self):
        return bool(self.params.get("wait", True))

    def current(self, refresh=False):
        """The resource as ARM JSON, or None; read once unless ``refresh``."""
        if refresh or not self._read:
            try:
                self._current = to_rest(self.resource.read())
            except Exception as exc:  # not-found is an answer, anything else a failure
                if not is_not_found(exc):
                    self.azure.fail_azure(exc, "read", self.resource.describe())
                self._current = None
            self._read = True
        return self._current

    def _await_settled(self, current, action):
        """Waits (GET polling) while the resource is mid-operation, e.g. after an earlier timeout."""
        delay = POLL_FIRST
        while current is not None and (provisioning_state(current) or "succeeded").lower() not in TERMINAL_STATES:
            if self._clock() + delay > self.deadline:
                self._timed_out(action, provisioning_state(current))
            self._sleep(delay)
            delay = min(POLL_MAX, delay * POLL_GROWTH)
            current = self.current(refresh=True)
        return current

    # -- results and failures --------------------------------------------------------------------------
    def option_names(self, differences):
        names = []
        for difference in differences:
            name = (self.fields.option_for(difference.path) if self.fields else None) or format_path(difference.path)
            if name not in names:
                names.append(name)
        return names

    def _timed_out(self, action, state):
        goal = PARTICIPLES.get(action, action)
        self.azure.fail(
            "Timed out after %ss waiting for %s to %s; its last provisioningState is %s. Azure carries on with the "
            "operation: rerun the task (with a longer wait_timeout if needed) to pick it up."
            % (self.params.get("wait_timeout"), self.resource.describe(), goal, state or "unknown"),
            resource_id=self.resource.id, provisioning_state=state,
        )

    def _lro_failed(self, exc, action):
        code = error_code(exc)
        latest = self.current(refresh=True)
        state = provisioning_state(latest)
        message = "Failed to %s %s: the operation ended %s%s: %s" % (
            action, self.resource.describe(), state or "Failed", " (%s)" % code if code else "",
            error_message_text(exc).rstrip("."))
        message += ". Fix the cause and rerun the task; it retries the operation."
        self.azure.fail(message, resource_id=self.resource.id, provisioning_state=state, error_code=code)

    def finish(self, outcome, action):
        """Waits for a poller (up to the deadline) and returns the final resource as ARM JSON."""
        if not is_poller(outcome):
            return to_rest(outcome)
        if not self.waiting:
            try:
                return to_rest(outcome.result())
            except Exception as exc:  # the initial response was an error
                self.azure.fail_azure(exc, action, self.resource.describe())
        try:
            outcome.wait(timeout=max(0.0, self.deadline - self._clock()))
        except Exception as exc:  # the operation ended Failed/Canceled
            self._lro_failed(exc, action)
        if not outcome.done():
            latest = self.current(refresh=True)
            self._timed_out(action, provisioning_state(latest))
        try:
            return to_rest(outcome.result())
        except Exception as exc:
            self._lro_failed(exc, action)

    def _call(self, function, action, *args):
        try:
            return function(*args)
        except AzureModuleError:
            raise
        except Exception as exc:  # ARM refused the request
            if action in ("create", "update") and self._retry_in_progress and getattr(exc, "status_code", None) == 409 \
                    and error_code(exc) in IN_PROGRESS_CODES:
                raise _InProgress(exc)
            self.azure.fail_azure(exc, action, self.resource.describe())

    # -- present ------------------------------------------------------------------------------------------
    def present(self, desired, create_body=None, update_mode="put", extra_differences=None, check=None,
                finalize=None, normalize=None):
        """Makes the resource match ``desired``; see ``_present``. A write refused because another operation
        is running on the resource waits for that operation and starts over (read, compare, write)."""
        delay = POLL_FIRST
        for attempt in range(IN_PROGRESS_ATTEMPTS):
            self._retry_in_progress = attempt < IN_PROGRESS_ATTEMPTS - 1
            try:
                return self._present(desired, create_body, update_mode, extra_differences, check, finalize,
                                     normalize)
            except _InProgress:
                if self._clock() + delay > self.deadline:
                    self._timed_out("finish its current operation", provisioning_state(self._current))
                self._sleep(delay)
                delay = min(POLL_MAX, delay * POLL_GROWTH)
                self._await_settled(self.current(refresh=True), "finish its current operation")
                self._read = False
        raise AssertionError("unreachable")

    def _present(self, desired, create_body=None, update_mode="put", extra_differences=None, check=None,
                 finalize=None, normalize=None):
        """Makes the resource match ``desired`` (ARM JSON of user-specified fields).

        ``create_body``: the full body for a create (defaults to ``desired``). ``update_mode``: ``put`` sends
        the merged resource, ``patch`` only the differing fields. ``extra_differences``: differences the
        module found itself (e.g. write-only settings). ``check(current, differences)``: module rules that
        need the current resource (fail to refuse). ``finalize(body)``: last touch on the merged PUT body.
        ``normalize(current)``: the current resource without what the service adds by itself (compared only).
        Returns the module result.
        """
        current = self.current()
        if current is not None and not self.azure.check_mode:
            current = self._await_settled(current, "finish its current operation")
        if current is None:
            body = create_body if create_body is not None else desired
            result = dict(changed=True, diff={"before": {}, "after": body}, id=self.resource.id)
            if self.azure.check_mode:
                result["resource"] = None
                return result
            outcome = self._call(self.resource.write, "create", body, self.waiting)
            result["resource"] = self.finish(outcome, "create")
            return result

        differences = compare(desired, normalize(current) if normalize else current, self.rules)
        differences.extend(extra_differences or [])
        immutable = [d for d in differences if self.rules.is_immutable(d.path)]
        if immutable:
            self.refuse(immutable)
        if check is not None:
            check(current, differences)
        state = provisioning_state(current)
        if state and state.lower() in FAILED_STATES:
            differences.append(Difference(("properties", "provisioningState"), state, "Succeeded"))
        result = dict(changed=bool(differences), id=current.get("id") or self.resource.id, resource=current,
                      diff=diff_view(differences))
        if not differences or self.azure.check_mode:
            return result
        if update_mode == "patch" and self.resource.update is not None:
            outcome = self._call(self.resource.update, "update", patch_body(
                [d for d in differences if d.path != ("properties", "provisioningState")]), self.waiting)
        else:
            body = merge(current, desired, self.rules)
            if finalize is not None:
                body = finalize(body)
            outcome = self._call(self.resource.write, "update", body, self.waiting)
        result["resource"] = self.finish(outcome, "update")
        return result

    def refuse(self, differences):
        names = self.option_names(differences)
        details = "; ".join("%s: %r -> %r" % (format_path(d.path), d.before, d.after) for d in differences)
        self.azure.fail(
            "Cannot change %s of %s (%s): %s fixed once the resource exists. Keep the current value, or delete and "
            "recreate the resource (state=absent, then present)."
            % (", ".join(names), self.resource.describe(), details, "it is" if len(names) == 1 else "they are"),
            resource_id=self.resource.id, immutable_options=names,
        )

    # -- absent -------------------------------------------------------------------------------------------
    def absent(self):
        current = self.current()
        if current is None:
            return dict(changed=False, diff={"before": {}, "after": {}}, id=self.resource.id, resource=None)
        result = dict(changed=True, id=current.get("id") or self.resource.id, resource=None,
                      diff={"before": {"id": current.get("id") or self.resource.id, "state": "present"},
                            "after": {"state": "absent"}})
        if self.azure.check_mode:
            return result
        state = (provisioning_state(current) or "").lower()
        if state == "deleting":
            if self.waiting:
                self._await_settled(current, "be deleted")
            return result
        outcome = self._call(self.resource.remove, "delete", self.waiting)
        if is_poller(outcome) and self.waiting:
            self.finish(outcome, "delete")
        return result

    def run(self, desired=None, **kwargs):
        """``present`` or ``absent`` per the ``state`` option."""
        if self.params.get("state", "present") == "absent":
            return self.absent()
        return self.present(desired, **kwargs)

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workflow states, waiting, failure reports and the lookup of an earlier submission."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

ALIVE_STATUSES = ("PENDING", "RUNNING", "WAITING")
# Task failures that are consequences, not causes.
CONSEQUENTIAL_FAILURES = ("FAILED_UPSTREAM", "FAILED_CANCELED")


class WaitTimeout(Exception):
    def __init__(self, message, workflow=None):
        super(WaitTimeout, self).__init__(message)
        self.workflow = workflow


def is_alive(status):
    return status in ALIVE_STATUSES


def is_failed(status):
    return bool(status) and status != "COMPLETED" and not is_alive(status)


def summarize(data):
    """The parts of ``GET /api/workflow/{id}`` a playbook needs: status, times, groups and tasks."""
    data = data or {}
    groups = []
    for group in data.get("groups") or []:
        tasks = []
        for task in group.get("tasks") or []:
            tasks.append(dict(
                name=task.get("name"), status=task.get("status"), retry_id=task.get("retry_id"),
                exit_code=task.get("exit_code"), failure_message=task.get("failure_message"),
                lead=task.get("lead", False), node_name=task.get("node_name"), pod_name=task.get("pod_name"),
                start_time=task.get("start_time"), end_time=task.get("end_time"),
            ))
        groups.append(dict(name=group.get("name"), status=group.get("status"),
                           failure_message=group.get("failure_message"), tasks=tasks))
    return dict(
        id=data.get("name"), uuid=data.get("uuid"), status=data.get("status"), pool=data.get("pool"),
        submitted_by=data.get("submitted_by"), submit_time=data.get("submit_time"),
        start_time=data.get("start_time"), end_time=data.get("end_time"), duration=data.get("duration"),
        queued_time=data.get("queued_time"), priority=data.get("priority"), tags=data.get("tags") or [],
        labels=data.get("labels") or {}, dashboard_url=data.get("dashboard_url"), outputs=data.get("outputs"),
        groups=groups,
    )


def all_tasks(data):
    for group in (data or {}).get("groups") or []:
        for task in group.get("tasks") or []:
            yield group, task


def failed_tasks(data):
    """Tasks whose own failure made the workflow fail (not the FAILED_UPSTREAM/canceled followers)."""
    causes = [(g, t) for g, t in all_tasks(data)
              if is_failed(t.get("status")) and t.get("status") not in CONSEQUENTIAL_FAILURES]
    if causes:
        return causes
    return [(g, t) for g, t in all_tasks(data) if is_failed(t.get("status"))]


def wait_for(client, workflow_id, timeout, poll_interval=5.0, clock=None, sleep=None, until=None):
    """Polls ``GET /api/workflow/{id}`` until the status leaves PENDING/RUNNING/WAITING (or ``until`` says so).

    Raises WaitTimeout carrying the last seen state.
    """
    clock = clock or time.time
    sleep = sleep or time.sleep
    deadline = clock() + timeout
    interval = max(0.2, float(poll_interval))
    while True:
        data = client.workflow(workflow_id)
        status = (data or {}).get("status")
        done = until(data) if until else not is_alive(status)
        if done:
            return data
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(
                "Timed out after %ss waiting for OSMO workflow '%s': it is still %s. The workflow keeps running; "
                "rerun with a larger wait_timeout, or query it with azure_robotics.stack.osmo_workflow_info"
                % (timeout, workflow_id, status), workflow=data)
        sleep(min(interval, remaining))
        interval = min(interval * 1.5, 30.0)


def task_log_excerpts(client, data, last_n_lines=50):
    """``{task name: log text}`` for the tasks that caused a failure (their logs, else their error logs)."""
    workflow_id = data.get("name")
    excerpts = {}
    for group, task in failed_tasks(data):
        name = task.get("name")
        text = ""
        for error in (False, True):
            try:
                text = client.logs(workflow_id, task=name, retry_id=task.get("retry_id"),
                                   last_n_lines=last_n_lines, error=error) or ""
            except Exception as exc:  # a missing log must not hide the failure itself
                text = "(could not read the %slogs: %s)" % ("error " if error else "", exc)
            if text.strip():
                break
        excerpts[name] = text.rstrip("\n")
    return excerpts


def failure_message(data, excerpts):
    """One message: workflow, status, each failed task with exit code, reason and its last log lines."""
    lines = ["OSMO workflow '%s' ended %s." % (data.get("name"), data.get("status"))]
    for group, task in failed_tasks(data):
        bits = ["task '%s' (group '%s') %s" % (task.get("name"), group.get("name"), task.get("status"))]
        if task.get("exit_code") is not None:
            bits.append("exit code %s" % task.get("exit_code"))
        if task.get("failure_message"):
            bits.append(task.get("failure_message"))
        lines.append("- " + ", ".join(bits))
        log = excerpts.get(task.get("name"))
        if log:
            lines.append("  last log lines of '%s':" % task.get("name"))
            lines.extend("    " + line for line in log.splitlines())
    upstream = [t.get("name") for unused_group, t in all_tasks(data) if t.get("status") == "FAILED_UPSTREAM"]
    if upstream:
        lines.append("- not run because an upstream task failed: %s" % ", ".join(upstream))
    return "\n".join(lines)


WORKFLOW_ID_RE = re.compile(r"^(?P<name>.+)-(?P<number>\d+)$")


def find_submission(client, name, pool=None):
    """The newest workflow whose ID is ``<name>-<N>`` (not merely containing ``name``), or None.

    OSMO's ``name`` filter is a substring match on the workflow ID, hence the exact check.
    """
    listing = client.list_workflows(name=name, pools=[pool] if pool else None, all_pools=not pool, limit=100,
                                    order="DESC") or {}
    best = None
    for entry in listing.get("workflows") or []:
        match = WORKFLOW_ID_RE.match(entry.get("name") or "")
        if not match or match.group("name") != name:
            continue
        number = int(match.group("number"))
        if best is None or number > best[0]:
            best = (number, entry)
    return best[1] if best else None

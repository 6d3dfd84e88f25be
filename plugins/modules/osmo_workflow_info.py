#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: osmo_workflow_info
short_description: Read the status, groups, tasks and logs of NVIDIA OSMO workflows
version_added: 0.1.0
description:
  - With O(workflow_id), reads one workflow (C(GET /api/workflow/{id})) - status, times, groups and tasks with
    their status, exit code and failure message - and optionally its logs.
  - Without it, lists workflows (C(GET /api/workflow)) filtered by name, pool, status and user.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  workflow_id:
    description: ID of the workflow (C(<name>-<N>)) or its UUID.
    type: str
  logs:
    description:
      - Also return logs. V(none) returns none, V(all) the log of every task, V(failed) those of the failed tasks
        (their error logs when the log is empty).
    type: str
    choices: [none, all, failed]
    default: none
  task:
    description: Only this task's log (with O(logs=all)).
    type: str
  log_lines:
    description: Last lines of each log to return (0 for all).
    type: int
    default: 200
  name:
    description: When listing, only workflows whose ID contains this text.
    type: str
  pool:
    description: When listing, only workflows of this pool (all pools otherwise).
    type: str
  statuses:
    description: When listing, only workflows in these states.
    type: list
    elements: str
  all_users:
    description: When listing, include other users' workflows.
    type: bool
    default: false
  limit:
    description: When listing, at most this many workflows (newest first; OSMO caps it at 1000).
    type: int
    default: 20
extends_documentation_fragment:
  - azure_robotics.stack.osmo
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads only.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Status and tasks of a workflow
  azure_robotics.stack.osmo_workflow_info:
    workflow_id: isaac-train-4
  register: run

- name: Logs of the tasks that failed
  azure_robotics.stack.osmo_workflow_info:
    workflow_id: isaac-train-4
    logs: failed
    log_lines: 100

- name: My running workflows on a pool
  azure_robotics.stack.osmo_workflow_info:
    pool: gpu-spot
    statuses: [PENDING, RUNNING]
"""

RETURN = r"""
workflow:
  description: The workflow, when O(workflow_id) is given.
  returned: when workflow_id is given
  type: dict
  contains:
    id:
      description: Workflow ID.
      type: str
    status:
      description: Workflow status (PENDING, RUNNING, WAITING, COMPLETED or a FAILED state).
      type: str
    groups:
      description: Groups, each with C(name), C(status), C(failure_message) and C(tasks) (C(name), C(status),
        C(exit_code), C(failure_message), C(lead), C(retry_id), C(start_time), C(end_time)).
      type: list
      elements: dict
    submit_time:
      description: Submission time (UTC, ISO 8601).
      type: str
    end_time:
      description: End time, once finished.
      type: str
logs:
  description: Log text by task name.
  returned: when logs is not none
  type: dict
workflows:
  description: Workflows found (C(name), C(status), C(pool), C(user), C(submit_time), ...), newest first.
  returned: when workflow_id is not given
  type: list
  elements: dict
more_entries:
  description: Whether more workflows match than O(limit) returned.
  returned: when workflow_id is not given
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo import workflows
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.client import OsmoApiError
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.common import (
    OSMO_COMMON_ARGS,
    build_client,
    validate_common,
)


def main():
    spec = dict(
        workflow_id=dict(type="str"),
        logs=dict(type="str", default="none", choices=["none", "all", "failed"]),
        task=dict(type="str"),
        log_lines=dict(type="int", default=200),
        name=dict(type="str"),
        pool=dict(type="str"),
        statuses=dict(type="list", elements="str"),
        all_users=dict(type="bool", default=False),
        limit=dict(type="int", default=20),
    )
    spec.update(OSMO_COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    errors = validate_common(p)
    if p["log_lines"] < 0:
        errors.append("log_lines must be >= 0, got %s" % p["log_lines"])
    if not 1 <= p["limit"] <= 1000:
        errors.append("limit must be between 1 and 1000, got %s" % p["limit"])
    if p["logs"] != "none" and not p["workflow_id"]:
        errors.append("logs=%s needs workflow_id" % p["logs"])
    if errors:
        module.fail_json(msg="; ".join(errors))
    client = build_client(p)
    result = dict(changed=False)
    try:
        if p["workflow_id"]:
            data = client.workflow(p["workflow_id"])
            result["workflow"] = workflows.summarize(data)
            lines = p["log_lines"] or None
            if p["logs"] == "failed":
                result["logs"] = workflows.task_log_excerpts(client, data, lines)
            elif p["logs"] == "all":
                names = [t.get("name") for unused_group, t in workflows.all_tasks(data)]
                if p["task"]:
                    if p["task"] not in names:
                        module.fail_json(msg="task=%s is not a task of workflow %s (tasks: %s)"
                                         % (p["task"], p["workflow_id"], ", ".join(names)), **result)
                    names = [p["task"]]
                result["logs"] = dict((name, client.logs(p["workflow_id"], task=name, last_n_lines=lines))
                                      for name in names)
        else:
            listing = client.list_workflows(name=p["name"], pools=[p["pool"]] if p["pool"] else None,
                                            statuses=p["statuses"], all_users=p["all_users"],
                                            all_pools=not p["pool"], limit=p["limit"], order="DESC") or {}
            result["workflows"] = listing.get("workflows") or []
            result["more_entries"] = bool(listing.get("more_entries"))
    except OsmoApiError as exc:
        module.fail_json(msg=exc.message, api_error=exc.as_dict())
    module.exit_json(**result)


if __name__ == "__main__":
    main()

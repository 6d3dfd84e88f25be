#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: local_service
short_description: Run a health-checked background service on the workstation
version_added: 0.1.0
description:
  - Starts a long-running process (for example an MLflow tracking server or Azurite) in its own
    session so that it outlives the playbook, waits until its health URL answers, and stops it again.
  - The PID, the command it was started with and its log live in O(data_dir).
  - A running, healthy service started with the same command, working directory, environment variable names, host
    and port is left alone (C(changed=false)); a crashed, unhealthy or reconfigured one is restarted.
  - Fails, before starting anything, when O(port) is held by a process that is not this service.
  - Fails, before stopping or starting anything, when O(chdir) is not a directory, O(health_status) is not a list
    of HTTP statuses or O(stop_timeout) is negative.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Name of the service; names the PID, state and log files.
    type: str
    required: true
  state:
    description:
      - V(started) ensures the service runs and is healthy.
      - V(stopped) ensures it does not run.
    type: str
    choices: [started, stopped]
    default: started
  data_dir:
    description: Directory for the PID, state and log files. Created when missing.
    type: path
    required: true
  command:
    description: Program and arguments, as a list (no shell). Required when O(state=started).
    type: list
    elements: str
  chdir:
    description:
      - Working directory of the service; relative paths in O(command) are resolved from it. It must exist.
      - Defaults to O(data_dir).
    type: path
  environment:
    description:
      - Extra environment variables for the service.
      - Only the names are recorded in the state file, never the values.
    type: dict
    default: {}
  host:
    description: Address the service listens on.
    type: str
    default: 127.0.0.1
  port:
    description: TCP port the service listens on; checked for conflicts before starting.
    type: int
  health_url:
    description: URL that answers with one of O(health_status) once the service is ready.
    type: str
  health_status:
    description:
      - HTTP statuses of O(health_url) that mean healthy (redirects are not followed, so a C(3xx) status can be
        listed too). Each must be between 100 and 599.
    type: list
    elements: int
    default: [200]
  start_timeout:
    description: Seconds to wait for the service to become healthy.
    type: int
    default: 60
  stop_timeout:
    description:
      - Seconds to wait after SIGTERM before SIGKILL, when the service is stopped or restarted, and when a
        service that did not become healthy within O(start_timeout) is stopped again.
    type: int
    default: 15
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is started or stopped; port conflicts are still reported.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Run an MLflow tracking server on loopback
  azure_robotics.stack.local_service:
    name: mlflow
    data_dir: "{{ playbook_dir }}/.local/platform"
    command: [mlflow, server, --host, 127.0.0.1, --port, "5000"]
    port: 5000
    health_url: http://127.0.0.1:5000/health

- name: Stop it
  azure_robotics.stack.local_service:
    name: mlflow
    data_dir: "{{ playbook_dir }}/.local/platform"
    state: stopped
"""

RETURN = r"""
name:
  description: Name of the service.
  returned: always
  type: str
  sample: mlflow
state:
  description: State of the service after the task (V(started) or V(stopped)).
  returned: always
  type: str
  sample: started
pid:
  description: PID of the service's process, when it runs.
  returned: always
  type: int
  sample: 12345
health_url:
  description: URL used for the health check.
  returned: always
  type: str
  sample: http://127.0.0.1:5000/health
log_file:
  description: Path of the service's log file.
  returned: always
  type: str
  sample: /home/user/project/.local/platform/mlflow.log
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.azure_robotics.stack.plugins.module_utils.local_service import LocalService, ServiceError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="started", choices=["started", "stopped"]),
            data_dir=dict(type="path", required=True),
            command=dict(type="list", elements="str"),
            chdir=dict(type="path"),
            environment=dict(type="dict", default={}),
            host=dict(type="str", default="127.0.0.1"),
            port=dict(type="int"),
            health_url=dict(type="str"),
            health_status=dict(type="list", elements="int", default=[200]),
            start_timeout=dict(type="int", default=60),
            stop_timeout=dict(type="int", default=15),
        ),
        required_if=[("state", "started", ("command",))],
        supports_check_mode=True,
    )
    p = module.params
    if p["port"] is not None and not 0 < p["port"] < 65536:
        module.fail_json(msg="port must be between 1 and 65535, got %s" % p["port"])
    if not p["health_status"] or any(not 100 <= code <= 599 for code in p["health_status"]):
        module.fail_json(msg="health_status must list HTTP statuses between 100 and 599, got %s" % p["health_status"])
    if p["stop_timeout"] < 0:
        module.fail_json(msg="stop_timeout must be >= 0 seconds, got %s" % p["stop_timeout"])
    if p["state"] == "started" and p["chdir"] is not None and not os.path.isdir(p["chdir"]):
        module.fail_json(msg="chdir=%s does not exist or is not a directory" % p["chdir"])
    env = dict((k, str(v)) for k, v in p["environment"].items())
    service = LocalService(
        p["name"], p["data_dir"], command=p["command"], host=p["host"], port=p["port"],
        health_url=p["health_url"], health_status=p["health_status"], env=env, cwd=p["chdir"],
    )
    result = dict(name=p["name"], health_url=p["health_url"], log_file=service.log_file)
    try:
        if p["state"] == "started":
            before = service.preflight()
            up_to_date = before["state"] == "running" and before["matches"]
            changed = not up_to_date
            pid = before["pid"]
            if changed and not module.check_mode:
                if before["state"] != "stopped":
                    service.stop(p["stop_timeout"])
                pid = service.start(p["start_timeout"], p["stop_timeout"])
            after_state = "started"
        else:
            before = service.status()
            changed = before["state"] != "stopped"
            pid = None
            if changed and not module.check_mode:
                service.stop(p["stop_timeout"])
            after_state = "stopped"
    except ServiceError as exc:
        module.fail_json(msg=str(exc), **result)
    before_state = "stopped" if before["state"] == "stopped" else before["state"] if before["state"] != "running" else "started"
    result.update(
        changed=changed,
        state=after_state,
        pid=pid,
        diff=dict(before=dict(state=before_state, pid=before["pid"]), after=dict(state=after_state, pid=pid)),
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

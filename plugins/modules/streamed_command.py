#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: streamed_command
short_description: Run a long command on the controller and show its output while it runs
version_added: 0.1.0
description:
  - Runs a program (no shell) on the Ansible controller and displays the lines it prints as they come,
    prefixed with the host name, instead of all at once when the task ends. Made for training runs that print
    one progress line per iteration.
  - The host must use the local connection (C(ansible_connection=local)); the command runs on the controller.
  - A run that exceeds O(timeout) receives SIGTERM (a training run then stops after its current iteration
    and writes its final checkpoint), then SIGKILL after O(kill_grace) seconds, and the task fails.
  - Running a command always reports C(changed=true); set C(changed_when) on the task when that is not right.
  - This module is implemented as an action plugin; the module file only documents it.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  argv:
    description: Program and arguments.
    type: list
    elements: str
    required: true
  chdir:
    description:
      - Working directory of the command on the controller; a relative program path in O(argv) is resolved from
        it. It must exist (also in check mode). Defaults to the working directory of C(ansible-playbook).
    type: path
  environment:
    description:
      - Extra environment variables for the command (added to the controller's environment).
      - The values are never shown or returned.
    type: dict
    default: {}
  stream:
    description: Display output lines while the command runs.
    type: bool
    default: true
  stream_filter:
    description:
      - Regular expression; only matching lines are displayed while streaming (all lines are still kept for
        O(output_lines)).
    type: str
  output_lines:
    description: Number of last output lines returned in RV(stdout_lines) and shown in the failure message.
    type: int
    default: 50
  timeout:
    description: Seconds after which the command is stopped and the task fails; V(0) means no limit.
    type: int
    default: 0
  kill_grace:
    description: Seconds between SIGTERM and SIGKILL when O(timeout) is exceeded.
    type: int
    default: 30
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode the command is not run; the task reports that it would run it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
notes:
  - Output goes through a pipe; programs that buffer their output must flush it (the training package does).
"""

EXAMPLES = r"""
- name: Train and show progress lines as they come
  azure_robotics.stack.streamed_command:
    argv: ["{{ ansible_playbook_python }}", -m, robotics_training, train, --task, HalfCheetah-v5,
           --output-dir, /tmp/runs/halfcheetah]
    stream_filter: '^\[train\]'
    timeout: 3600
"""

RETURN = r"""
rc:
  description: Exit status of the command (negative when killed by a signal).
  returned: when the command ran
  type: int
  sample: 0
cmd:
  description: The program and arguments that ran.
  returned: always
  type: list
  elements: str
stdout_lines:
  description: The last O(output_lines) lines of output (stdout and stderr, merged).
  returned: when the command ran
  type: list
  elements: str
duration:
  description: Wall-clock seconds the command ran.
  returned: when the command ran
  type: float
  sample: 182.4
timed_out:
  description: Whether the command was stopped because it exceeded O(timeout).
  returned: when the command ran
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            argv=dict(type="list", elements="str", required=True),
            chdir=dict(type="path"),
            environment=dict(type="dict", default={}, no_log=True),
            stream=dict(type="bool", default=True),
            stream_filter=dict(type="str"),
            output_lines=dict(type="int", default=50),
            timeout=dict(type="int", default=0),
            kill_grace=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg="azure_robotics.stack.streamed_command runs as an action plugin on the controller; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()

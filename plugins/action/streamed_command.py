# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of azure_robotics.stack.streamed_command: a controller-side command with live output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import re
import signal
import subprocess
import threading
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

ARGUMENT_SPEC = dict(
    argv=dict(type="list", elements="str", required=True),
    chdir=dict(type="path"),
    environment=dict(type="dict", default={}, no_log=True),
    stream=dict(type="bool", default=True),
    stream_filter=dict(type="str"),
    output_lines=dict(type="int", default=50),
    timeout=dict(type="int", default=0),
    kill_grace=dict(type="int", default=30),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        connection = (task_vars or {}).get("ansible_connection", self._play_context.connection)
        if connection not in ("local", "ansible.builtin.local"):
            raise AnsibleActionFail(
                "streamed_command runs the command on the controller; host %s uses connection '%s' "
                "(set ansible_connection=local)" % ((task_vars or {}).get("inventory_hostname"), connection))
        try:
            pattern = re.compile(args["stream_filter"]) if args["stream_filter"] else None
        except re.error as exc:
            raise AnsibleActionFail("stream_filter: not a valid regular expression: %s" % exc)
        if args["output_lines"] < 1 or args["timeout"] < 0 or args["kill_grace"] < 0:
            raise AnsibleActionFail("output_lines must be positive, timeout and kill_grace not negative")
        if args["chdir"] is not None and not os.path.isdir(args["chdir"]):
            raise AnsibleActionFail("chdir=%s does not exist or is not a directory" % args["chdir"])
        result["cmd"] = list(args["argv"])
        if self._task.check_mode:
            result.update(changed=True, msg="check mode: the command was not run")
            return result

        host = (task_vars or {}).get("inventory_hostname", "localhost")
        env = dict(os.environ)
        env.update({str(k): str(v) for k, v in args["environment"].items()})
        env.setdefault("PYTHONUNBUFFERED", "1")
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                args["argv"], cwd=args["chdir"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, bufsize=1, universal_newlines=True,
                errors="replace",
            )
        except OSError as exc:
            raise AnsibleActionFail("cannot run %s: %s" % (args["argv"][0], exc))
        tail = collections.deque(maxlen=args["output_lines"])

        def pump():
            for line in process.stdout:
                line = line.rstrip("\n")
                tail.append(line)
                if args["stream"] and (pattern is None or pattern.search(line)):
                    display.display("%s | %s" % (host, line))

        reader = threading.Thread(target=pump, name="streamed-command-output", daemon=True)
        reader.start()
        timed_out = False
        try:
            process.wait(timeout=args["timeout"] or None)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout=args["kill_grace"])
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait()
        except BaseException:
            self._signal(process, signal.SIGKILL)
            process.wait()
            raise
        reader.join(timeout=10)
        result.update(
            changed=True, rc=process.returncode, stdout_lines=list(tail), timed_out=timed_out,
            duration=round(time.monotonic() - started, 3),
        )
        if timed_out:
            result.update(failed=True, msg="%s exceeded timeout=%ss and was stopped; last output:\n%s" % (
                args["argv"][0], args["timeout"], "\n".join(list(tail)[-10:])))
        elif process.returncode != 0:
            result.update(failed=True, msg="%s exited with status %s; last output:\n%s" % (
                " ".join(args["argv"][:4]), process.returncode, "\n".join(list(tail)[-15:])))
        return result

    @staticmethod
    def _signal(process, signum):
        try:
            os.killpg(process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

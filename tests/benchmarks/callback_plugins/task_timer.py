# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: records the wall time of every task into the JSON file named by $TASK_TIMER_OUTPUT."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_timer
type: aggregate
short_description: Wall time of each task, written as JSON (benchmarks only)
description:
  - "Writes a JSON list of task name, seconds and changed flag to the file in E(TASK_TIMER_OUTPUT)."
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}
        self._records = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = (task.get_name(), time.perf_counter())

    def _done(self, result, failed=False):
        name, started = self._started.get(result.task._uuid, (result.task.get_name(), time.perf_counter()))
        self._records.append({"task": name, "seconds": time.perf_counter() - started,
                              "changed": bool(result._result.get("changed")), "failed": failed})

    def v2_runner_on_ok(self, result):
        self._done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("TASK_TIMER_OUTPUT")
        if path:
            with open(path, "w") as handle:
                json.dump(self._records, handle)

"""Runs a collection module in this process, the way Ansible would, and returns its result.

Much faster than ansible-playbook (no fork, no AnsiballZ, imports stay warm), so it is used for the
many runs of the module test matrix; ansible-playbook runs prove the user path separately.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading

from ansible.module_utils import _internal as module_internal
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

MODULES = "ansible_collections.azure_robotics.stack.plugins.modules."


class ModuleResult(dict):
    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))

    @property
    def changed(self) -> bool:
        return bool(self.get("changed"))


@contextlib.contextmanager
def _captured():
    box = {}
    original = basic.AnsibleModule._record_module_result

    def record(self, result):
        result = dict(result)
        # ansible-core 2.19 keeps warnings as WarningSummary objects until they are serialised; tests read text.
        result["warnings"] = [getattr(getattr(w, "event", None), "msg", w) for w in result.get("warnings") or []]
        box["result"] = json.loads(json.dumps(result, default=str))

    basic.AnsibleModule._record_module_result = record
    try:
        yield box
    finally:
        basic.AnsibleModule._record_module_result = original


def run_module(name: str, args: dict, check_mode: bool = False, diff: bool = True,
               join_threads: float = 0.0) -> ModuleResult:
    """``main()`` of ``plugins/modules/<name>.py`` with ``args``; the result dict (``failed`` on failure).

    ``join_threads`` waits that long for threads the module left running (an SDK poller abandoned at a
    ``wait_timeout``) so that they do not poll during the next step of a test.
    """
    main = name if callable(name) else importlib.import_module(MODULES + name).main
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    before = set(threading.enumerate())
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()
    # Once anything imported controller code in this process (a filter plugin, ansible.errors, ...),
    # ansible-core sends module warnings to the controller's display instead of the result: run as a module.
    was_controller, module_internal.is_controller = module_internal.is_controller, False
    try:
        with _captured() as box, patch_module_args(args):
            try:
                main()
            except SystemExit:
                pass
    finally:
        module_internal.is_controller = was_controller
    if join_threads:
        for thread in set(threading.enumerate()) - before:
            if thread.name.startswith("LROPoller"):
                thread.join(timeout=join_threads)
    if "result" not in box:
        raise AssertionError("module %s returned no result" % name)
    box["result"].setdefault("failed", False)
    # ansible-core 2.19 returns warnings as structured events; tests read their text.
    box["result"]["warnings"] = [w["event"]["msg"] if isinstance(w, dict) and "event" in w else w
                                 for w in box["result"].get("warnings") or []]
    return ModuleResult(box["result"])

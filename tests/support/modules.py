"""Runs a module's main() in-process with given arguments and returns its JSON result (as Ansible would)."""

from __future__ import annotations

import contextlib
import io
import json

from ansible.module_utils.testing import patch_module_args


def run_module(main, args: dict, check_mode: bool = False, diff: bool = False) -> dict:
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit:
            pass
    result = json.loads(out.getvalue())
    # ansible-core 2.19 returns warnings as structured events; tests read their text
    result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) and "event" in w else w
                          for w in result.get("warnings") or []]
    return result

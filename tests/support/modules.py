"""Runs an Ansible module's main() in-process and returns its JSON result (fast, no ansible-playbook)."""

from __future__ import annotations

import importlib
import json

import pytest
from ansible.module_utils.testing import patch_module_args


def run_module(name: str, args: dict, capsys, check_mode: bool = False, diff: bool = False) -> dict:
    """``name`` is the module's short name in azure_robotics.stack; returns the result with ``failed`` set."""
    module = importlib.import_module(f"ansible_collections.azure_robotics.stack.plugins.modules.{name}")
    all_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    capsys.readouterr()
    with patch_module_args(all_args), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    result = json.loads(out[out.index("{"):])
    result.setdefault("failed", False)
    return result

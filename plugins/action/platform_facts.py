# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds the platform facts document and writes it on the controller (no module round trip).

The document is the contract between the infrastructure tier and the later tiers; it holds no secret, so it
is written as plain JSON (0644) and shown in the diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure import platform

SPEC = dict(
    settings=dict(type="dict", required=True),
    result=dict(type="dict"),
    path=dict(type="path"),
)


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=SPEC)
        settings = args["settings"]
        if "names" not in settings or "subnets" not in settings:
            raise AnsibleActionFail("settings must be the output of the azure_robotics.stack.platform_settings filter")
        document = platform.facts(settings, args.get("result") or {})
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        result.update(changed=False, ansible_facts={"platform_facts": document})
        path = args.get("path")
        if not path:
            return result
        result["path"] = path
        before = None
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                before = handle.read().decode("utf-8", "replace")
        if before == text:
            return result
        result["changed"] = True
        if self._task.diff:
            result["diff"] = dict(before=before or "", after=text, before_header=path, after_header=path)
        if self._task.check_mode:
            return result
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".platform-facts-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(to_bytes(text))
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except OSError as exc:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise AnsibleActionFail("cannot write the platform facts to %s: %s" % (path, exc))
        return result

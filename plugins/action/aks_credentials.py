# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the aks_credentials module and hides its result from every output, as ``no_log: true`` would.

The result holds a kubeconfig or a bearer token. Marking it ``_ansible_no_log`` makes callbacks,
``-vvv`` and log files show it censored, while ``register`` still receives the values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result.update(self._execute_module(task_vars=task_vars))
        result["_ansible_no_log"] = True
        return result

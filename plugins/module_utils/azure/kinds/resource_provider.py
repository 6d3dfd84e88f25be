# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource-provider registration.

Shared by the ``resource_provider`` module and the ``arm_resources`` graph."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_rest


ARGUMENT_SPEC = dict(
    namespace=dict(type="str", required=True),
    state=dict(type="str", default="registered", choices=["registered", "unregistered"]),
)
MODULE_OPTIONS = dict(wait_options=True)


def run(azure):
    """Applies ``azure.params``; returns the module result."""
    p = azure.params
    namespace = p["namespace"]
    if not re.match(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$", namespace):
        azure.fail("namespace=%r must look like Microsoft.ContainerService" % namespace)
    operations = azure.client("resource").providers
    described = "resource provider '%s'" % namespace

    def read():
        try:
            return to_rest(operations.get(namespace)).get("registrationState")
        except Exception as exc:  # e.g. an unknown namespace
            azure.fail_azure(exc, "read", described)

    wanted = "Registered" if p["state"] == "registered" else "Unregistered"
    state = read()
    if state == wanted or (wanted == "Unregistered" and state == "NotRegistered"):
        return dict(changed=False, registration_state=state, diff=dict(before={}, after={}))
    diff = dict(before=dict(registration_state=state), after=dict(registration_state=wanted))
    if azure.check_mode:
        return dict(changed=True, registration_state=state, diff=diff)
    if not state.endswith("ing"):
        try:
            (operations.register if wanted == "Registered" else operations.unregister)(namespace)
        except Exception as exc:  # reported with the namespace
            azure.fail_azure(exc, "register" if wanted == "Registered" else "unregister", described)
    deadline = time.monotonic() + p["wait_timeout"]
    delay = 0.25
    state = read()
    while p["wait"] and state.endswith("ing"):
        if time.monotonic() + delay > deadline:
            azure.fail("Timed out after %ss waiting for %s; its registrationState is %s. Azure carries on: rerun the "
                       "task to pick it up." % (p["wait_timeout"], described, state), registration_state=state)
        time.sleep(delay)
        delay = min(15.0, delay * 1.6)
        state = read()
    return dict(changed=True, registration_state=state, diff=diff)

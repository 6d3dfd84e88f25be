#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: resource_provider
short_description: Register an Azure resource provider in the subscription
version_added: 0.2.0
description:
  - Registers a resource provider namespace (for example V(Microsoft.KubernetesConfiguration)) so that the
    subscription can create its resource types, and waits until the registration is complete.
  - Unregistered providers make resource creation fail with C(MissingSubscriptionRegistration).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  namespace:
    description: Resource provider namespace.
    type: str
    required: true
  state:
    description: V(registered) or V(unregistered).
    type: str
    choices: [registered, unregistered]
    default: registered
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Providers the platform needs
  azure_robotics.stack.resource_provider:
    namespace: "{{ item }}"
  loop:
    - Microsoft.ContainerService
    - Microsoft.KubernetesConfiguration
    - Microsoft.MachineLearningServices
"""

RETURN = r"""
registration_state:
  description: Registration state after the task.
  returned: always
  type: str
  sample: Registered
diff:
  description: The registration state before and after.
  returned: always
  type: dict
"""

import re
import time

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_rest


def main():
    azure = AzureModule(argument_spec=dict(
        namespace=dict(type="str", required=True),
        state=dict(type="str", default="registered", choices=["registered", "unregistered"]),
    ))
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
        azure.exit(changed=False, registration_state=state, diff=dict(before={}, after={}))
    diff = dict(before=dict(registration_state=state), after=dict(registration_state=wanted))
    if azure.check_mode:
        azure.exit(changed=True, registration_state=state, diff=diff)
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
    azure.exit(changed=True, registration_state=state, diff=diff)


if __name__ == "__main__":
    main()

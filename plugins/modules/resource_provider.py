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

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import resource_provider as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

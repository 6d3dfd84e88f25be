#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: federated_credential
short_description: Create, update or delete a federated identity credential of a user-assigned identity
version_added: 0.2.0
description:
  - Lets tokens from an external OIDC issuer (an AKS cluster's issuer, GitHub Actions, ...) for one subject be
    exchanged for tokens of a user-assigned managed identity (workload identity federation).
  - Azure refuses concurrent writes of credentials of the same identity; such a conflict is retried with backoff.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Credential name, 3-120 letters, digits, V(-) or V(_).
    type: str
    required: true
  identity:
    description: Name of the user-assigned identity.
    type: str
    required: true
  resource_group:
    description: Resource group of the identity.
    type: str
    required: true
  issuer:
    description:
      - The https URL of the token issuer, for example the C(oidc_issuer_url) that M(azure_robotics.stack.aks_cluster)
        returns. Required with O(state=present).
    type: str
  subject:
    description:
      - The subject of the external tokens, for Kubernetes C(system:serviceaccount:<namespace>:<name>).
      - Required with O(state=present).
    type: str
  audiences:
    description: Audience of the external tokens (exactly one).
    type: list
    elements: str
    default: [api://AzureADTokenExchange]
  state:
    description: V(present) creates or updates the credential, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Let the OSMO workflow service account use the OSMO identity
  azure_robotics.stack.federated_credential:
    name: osmo-workflow
    identity: id-osmo-robotics-dev-001
    resource_group: rg-robotics-dev-001
    issuer: "{{ aks.oidc_issuer_url }}"
    subject: system:serviceaccount:osmo-workflows:osmo-workflow
"""

RETURN = r"""
id:
  description: Resource ID of the credential.
  returned: always
  type: str
resource:
  description: The credential as Azure Resource Manager returns it.
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.kinds import federated_credential as kind


def main():
    azure = AzureModule(argument_spec=kind.ARGUMENT_SPEC, **kind.MODULE_OPTIONS)
    azure.exit(**kind.run(azure))


if __name__ == "__main__":
    main()

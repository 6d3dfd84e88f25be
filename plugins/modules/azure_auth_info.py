#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_auth_info
short_description: Show which Azure cloud and credential the collection's modules would use
version_added: 0.1.0
description:
  - Resolves the common Azure options (O(auth_source), O(cloud) and the rest) the same way every Azure module of
    this collection does, and reports the result.
  - With O(verify=true) it also acquires a token for Azure Resource Manager and reports who it belongs to
    (tenant, object ID, application ID, expiry). The token itself is never returned.
  - Useful as the first task of a play, to fail early with a clear message when no credential is available.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  verify:
    description: Acquire an ARM token to prove that the credential works.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads only.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Fail early when no Azure credential is usable
  azure_robotics.stack.azure_auth_info:
    verify: true
  register: azure_auth

- name: Use a sovereign cloud with the Azure CLI's login
  azure_robotics.stack.azure_auth_info:
    cloud: usgov
    auth_source: cli
"""

RETURN = r"""
cloud:
  description: Endpoints of the resolved cloud.
  returned: always
  type: dict
  sample:
    name: public
    resource_manager: https://management.azure.com/
    authority: login.microsoftonline.com
    audience: https://management.azure.com/
    storage_suffix: core.windows.net
    custom: false
auth_source:
  description: The auth source in use.
  returned: always
  type: str
  sample: auto
subscription_id:
  description: Subscription the modules would act on, when known.
  returned: always
  type: str
identity:
  description: Claims of the ARM token (never the token), when O(verify=true).
  returned: when verify is true
  type: dict
  contains:
    tenant_id:
      description: Tenant that issued the token.
      type: str
    object_id:
      description: Object ID of the principal.
      type: str
    app_id:
      description: Application (client) ID, for service principals and managed identities.
      type: str
    expires_on:
      description: Expiry of the token, seconds since the epoch.
      type: int
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import token_claims


def main():
    azure = AzureModule(
        argument_spec=dict(verify=dict(type="bool", default=False)),
        wait_options=False,
        needs_subscription=False,
    )
    p = azure.params
    result = dict(changed=False, cloud=azure.cloud.as_dict(), auth_source=p["auth_source"],
                  subscription_id=p["subscription_id"])
    if p["verify"]:
        try:
            token = azure.credential.get_token(azure.cloud.scope)
        except Exception as exc:  # every credential failure is reported the same way
            azure.fail_azure(exc, "get an Azure Resource Manager token for", "cloud '%s'" % azure.cloud.name)
        claims = token_claims(token.token)
        result["identity"] = dict(
            tenant_id=claims.get("tid"), object_id=claims.get("oid"), app_id=claims.get("appid") or claims.get("azp"),
            expires_on=token.expires_on,
        )
    azure.exit(**result)


if __name__ == "__main__":
    main()

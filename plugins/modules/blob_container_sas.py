#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: blob_container_sas
short_description: Generate a shared access signature for one blob container
version_added: 0.1.0
description:
  - Generates a container SAS with the given permissions and expiry and returns it in RV(sas_token).
  - By default a user delegation SAS, signed with a delegation key that storage hands out to the module's Entra
    identity (which needs the C(Storage Blob Delegator) role, or a data role, on the account), so no account key
    is read or stored. An account-key SAS is available for accounts that allow shared keys.
  - The token is a secret. Run the task with C(no_log) and store the token only where it is used, for example in a
    Kubernetes Secret (the P(azure_robotics.stack.resim_cluster#role) role does both).
  - Nothing in Azure changes, so the module always reports C(changed=false). The expiry is checked before any
    request.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  account_name:
    description: Storage account name.
    type: str
    required: true
  container:
    description: Blob container name.
    type: str
    required: true
  permissions:
    description: SAS permissions, as in the az CLI (V(rl) read and list, V(racwdl) read, add, create, write, delete, list).
    type: str
    default: rl
  expiry:
    description:
      - When the SAS expires, as a duration from now (V(30m), V(48h), V(2d)) or a UTC time (V(2026-12-01T00:00:00Z)).
      - Must be in the future; a user delegation SAS lasts at most seven days.
    type: str
    default: 48h
  auth_mode:
    description: V(user_delegation) (keyless) or V(account_key) (needs O(account_key)).
    type: str
    choices: [user_delegation, account_key]
    default: user_delegation
  account_key:
    description: Account key, with O(auth_mode=account_key). Never logged.
    type: str
  blob_endpoint:
    description:
      - Blob endpoint of the account; defaults to C(https://<account_name>.blob.<storage suffix of the cloud>).
      - Set it for custom domains, private endpoints or emulators.
    type: str
  https_only:
    description: Restrict the SAS to HTTPS.
    type: bool
    default: true
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Validates the options and returns the expiry without generating a token.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: A read-only SAS for the input container, valid two days
  azure_robotics.stack.blob_container_sas:
    account_name: resiminput
    container: input
    permissions: rl
    expiry: 2d
  register: input_sas
  no_log: true
"""

RETURN = r"""
sas_token:
  description: The SAS query string, without the leading C(?). Not returned in check mode.
  returned: success and not check mode
  type: str
expiry:
  description: When the SAS expires (UTC).
  returned: always
  type: str
  sample: "2026-11-24T10:00:00Z"
expiry_epoch:
  description: The same time in seconds since the epoch.
  returned: always
  type: int
  sample: 1795514400
container_url:
  description: URL of the container (without the SAS).
  returned: always
  type: str
  sample: https://resiminput.blob.core.windows.net/input
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sas import SasError, container_sas, validate


def main():
    azure = AzureModule(
        argument_spec=dict(
            account_name=dict(type="str", required=True),
            container=dict(type="str", required=True),
            permissions=dict(type="str", default="rl"),
            expiry=dict(type="str", default="48h"),
            auth_mode=dict(type="str", default="user_delegation", choices=["user_delegation", "account_key"]),
            account_key=dict(type="str", no_log=True),
            blob_endpoint=dict(type="str"),
            https_only=dict(type="bool", default=True),
        ),
        wait_options=False,
        needs_subscription=False,
        required_if=[("auth_mode", "account_key", ("account_key",))],
    )
    p = azure.params
    try:
        expiry = validate(p["permissions"], p["expiry"], p["auth_mode"])
    except SasError as exc:
        azure.fail(str(exc))
    endpoint = (p["blob_endpoint"] or "https://%s.blob.%s" % (p["account_name"], azure.cloud.storage_suffix))
    endpoint = endpoint.rstrip("/")
    result = dict(changed=False, expiry=expiry.strftime("%Y-%m-%dT%H:%M:%SZ"), expiry_epoch=int(expiry.timestamp()),
                  container_url="%s/%s" % (endpoint, p["container"]))
    if azure.check_mode:
        azure.exit(**result)
    try:
        token = container_sas(endpoint, p["account_name"], p["container"], p["permissions"], expiry, p["auth_mode"],
                              credential=azure.credential if p["auth_mode"] == "user_delegation" else None,
                              account_key=p["account_key"], https_only=p["https_only"],
                              connection_verify=p.get("ca_bundle"))
    except ImportError as exc:
        azure.missing_library("azure-storage-blob", exc)
    except Exception as exc:  # azure-core errors: reported with the account and the reason
        azure.fail_azure(exc, "generate a SAS for", "container %s/%s" % (p["account_name"], p["container"]))
    azure.exit(sas_token=token, **result)


if __name__ == "__main__":
    main()

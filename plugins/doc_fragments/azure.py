# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Common options of every Azure module (module_utils/azure/common.py AZURE_COMMON_ARGS).
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - Where the credential comes from. All sources except V(access_token) are keyless.
      - V(auto) tries the environment, workload identity, managed identity and the Azure CLI, in that order
        (azure-identity's C(DefaultAzureCredential), without interactive prompts). An explicit O(access_token)
        wins over the chain.
      - V(cli) uses the login of the C(az) command (C(az login)); only the C(az) binary is needed, not its Python
        packages.
      - V(env) uses C(AZURE_CLIENT_ID), C(AZURE_TENANT_ID) and C(AZURE_CLIENT_SECRET) or
        C(AZURE_CLIENT_CERTIFICATE_PATH).
      - V(msi) uses a managed identity; set O(client_id) for a user-assigned one.
      - V(workload_identity) exchanges a Kubernetes service-account token (O(federated_token_file)) for an Entra
        token, as in AKS pods and CI with OIDC.
      - V(access_token) sends O(access_token) as the bearer token as is.
      - Can be set with the E(AZURE_AUTH_SOURCE) environment variable.
    type: str
    choices: [auto, cli, env, msi, workload_identity, access_token]
    default: auto
  subscription_id:
    description:
      - Azure subscription ID. Can be set with E(AZURE_SUBSCRIPTION_ID).
    type: str
  tenant_id:
    description:
      - Entra ID tenant. Can be set with E(AZURE_TENANT_ID).
    type: str
  client_id:
    description:
      - Client ID of a user-assigned managed identity or of the application used by workload identity.
      - Can be set with E(AZURE_CLIENT_ID).
    type: str
  access_token:
    description:
      - A bearer token for Azure Resource Manager, used with O(auth_source=access_token) (or V(auto)).
      - Never logged. Can be set with E(AZURE_ACCESS_TOKEN).
    type: str
  federated_token_file:
    description:
      - File holding the federated (service-account) token for O(auth_source=workload_identity).
      - Can be set with E(AZURE_FEDERATED_TOKEN_FILE), which the AKS workload-identity webhook sets in pods.
    type: path
  cloud:
    description:
      - V(public), V(china), V(usgov), or the C(https://) URL of a custom Azure Resource Manager endpoint
        (Azure Stack, a sovereign-cloud front door or an emulator).
      - For a custom URL the ARM endpoint is its own token audience.
      - Can be set with E(AZURE_CLOUD).
    type: str
    default: public
  ca_bundle:
    description:
      - CA bundle (PEM) to verify the ARM endpoint's TLS certificate, for private or emulated endpoints.
      - TLS verification cannot be turned off.
      - Can be set with E(AZURE_CA_BUNDLE).
    type: path
  api_retries:
    description:
      - How many times a throttled (429), failed (5xx) or reset request is retried, with full-jitter exponential
        backoff; a C(Retry-After) header from the server is obeyed.
    type: int
    default: 8
requirements:
  - python >= 3.9
  - azure-identity >= 1.19.0
  - azure-core >= 1.31.0
notes:
  - Options can be set for a whole play with C(module_defaults) and the group C(group/azure_robotics.stack.azure).
"""

    # Options of modules that create, update or delete through long-running operations.
    WAIT = r"""
options:
  wait:
    description:
      - Wait for a create, update or delete to finish (C(provisioningState) C(Succeeded), or gone).
      - With V(false) the task returns once Azure accepted the request.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true). On timeout the task fails with the resource ID and its last
        C(provisioningState); rerunning the task picks the operation up again.
    type: int
    default: 1800
"""

    # Tags of resources that carry them (module_utils/azure/common.py AZURE_TAG_ARGS).
    TAGS = r"""
options:
  tags:
    description:
      - Tags to set on the resource.
      - Only the tags listed here are managed; other tags on the resource are kept unless O(purge_tags=true).
    type: dict
  purge_tags:
    description:
      - Remove tags that are on the resource but not in O(tags).
    type: bool
    default: false
"""

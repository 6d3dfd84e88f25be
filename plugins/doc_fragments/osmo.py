# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Common options of the OSMO modules (module_utils/osmo/common.py OSMO_COMMON_ARGS).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - URL of the OSMO service (its gateway), for example C(https://osmo.example.com).
      - Can be set with the E(OSMO_URL) environment variable.
    type: str
    required: true
  token:
    description:
      - "Bearer token for the OSMO API, sent as C(Authorization: Bearer <token>)."
      - An ID token (JWT) of the identity provider, or an OSMO access token (C(osmo token set)); see
        O(token_exchange).
      - Never logged or returned. Can be set with E(OSMO_TOKEN).
      - Leave unset for OSMO installs whose gateway injects a fixed identity (development only).
    type: str
  token_exchange:
    description:
      - Exchange O(token), an OSMO access token, for a short-lived OSMO JWT with
        C(POST /api/auth/jwt/access_token) and send the JWT instead.
      - The JWT is renewed before it expires (OSMO issues them for 300 seconds) and once after a 401,
        so long waits keep working.
    type: bool
    default: false
  ca_bundle:
    description:
      - CA bundle (PEM) to verify the OSMO service's TLS certificate, for private CAs.
      - TLS verification cannot be turned off.
      - Can be set with E(OSMO_CA_BUNDLE).
    type: path
  api_retries:
    description:
      - How many times a request is retried after a throttled (429), unavailable (5xx) or failed
        connection, with full-jitter exponential backoff; a C(Retry-After) header is obeyed.
      - A submission is only retried when OSMO certainly did not process it (429, 503, connection refused),
        so it is never submitted twice.
    type: int
    default: 5
  request_timeout:
    description: Seconds to wait for one HTTP response.
    type: int
    default: 60
requirements:
  - python >= 3.9
notes:
  - Options can be set for a whole play with C(module_defaults) and the group C(group/azure_robotics.stack.osmo).
seealso:
  - name: OSMO workflow specification
    description: The fields of a workflow spec and OSMO's rules for them.
    link: https://nvidia.github.io/OSMO/main/user_guide/workflows/specification/index.html
"""

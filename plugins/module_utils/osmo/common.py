# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every OSMO module shares, validated before any request, and the client built from them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.client import OsmoClient

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urlparse import urlsplit  # type: ignore

OSMO_COMMON_ARGS = dict(
    url=dict(type="str", required=True, fallback=(env_fallback, ["OSMO_URL"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["OSMO_TOKEN"])),
    token_exchange=dict(type="bool", default=False),
    ca_bundle=dict(type="path", fallback=(env_fallback, ["OSMO_CA_BUNDLE"])),
    api_retries=dict(type="int", default=5),
    request_timeout=dict(type="int", default=60),
)


def validate_common(params):
    """Returns a list of messages, each naming the option."""
    errors = []
    parts = urlsplit(params.get("url") or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append("url=%r must be the OSMO service URL, e.g. https://osmo.example.com (or set OSMO_URL)"
                      % params.get("url"))
    if params.get("ca_bundle") and not os.path.isfile(params["ca_bundle"]):
        errors.append("ca_bundle=%s does not exist or is not a file" % params["ca_bundle"])
    if params.get("api_retries", 0) < 0:
        errors.append("api_retries must be >= 0, got %s" % params["api_retries"])
    if params.get("request_timeout", 1) <= 0:
        errors.append("request_timeout must be a positive number of seconds, got %s" % params["request_timeout"])
    if params.get("token_exchange") and not params.get("token"):
        errors.append("token_exchange=true needs token (an OSMO access token; or set OSMO_TOKEN)")
    return errors


def build_client(params):
    return OsmoClient(
        params["url"], token=params.get("token"), token_exchange=params.get("token_exchange", False),
        ca_bundle=params.get("ca_bundle"), timeout=params.get("request_timeout", 60),
        retries=params.get("api_retries", 5),
    )

# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSMO's master encryption key (MEK) document, the ``mek.yaml`` of the ``mek-config`` ConfigMap.

``currentMek: <kid>`` and ``meks: {<kid>: base64(JWK {"k": base64url(32 bytes), "kid", "kty": "oct"})}``. OSMO
encrypts secrets in its database with it: a new MEK against an existing database breaks every login, so the
document is generated once, kept in Key Vault, and only ever restored, never regenerated.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.inputs import InputError

_KID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def mek_document(seed, kid="key1"):
    """The mek.yaml text for a key derived from ``seed`` (a random string of at least 32 characters)."""
    if not isinstance(seed, str) or len(seed) < 32:
        raise InputError("osmo_mek: the random seed must be a string of at least 32 characters")
    if not _KID.match(kid):
        raise InputError("osmo_mek_kid must be 1-64 letters, digits, '-' or '_', got %r" % (kid,))
    key = base64.urlsafe_b64encode(hashlib.sha256(seed.encode("utf-8")).digest()).decode().rstrip("=")
    jwk = json.dumps({"k": key, "kid": kid, "kty": "oct"}, separators=(",", ":"))
    return "currentMek: %s\nmeks:\n  %s: %s\n" % (kid, kid, base64.b64encode(jwk.encode()).decode())


def mek_problems(text):
    """Why ``text`` is not a usable mek.yaml (empty list when it is)."""
    import yaml

    try:
        document = yaml.safe_load(text) if isinstance(text, str) else None
    except yaml.YAMLError:
        return ["it is not YAML"]   # the parser's message would quote the key
    if not isinstance(document, dict) or not isinstance(document.get("meks"), dict):
        return ["it needs currentMek and a meks mapping"]
    current = document.get("currentMek")
    if current not in document["meks"]:
        return ["currentMek %r is not one of the meks (%s)" % (current, ", ".join(map(str, document["meks"])))]
    try:
        jwk = json.loads(base64.b64decode(str(document["meks"][current]), validate=True))
    except (ValueError, TypeError):
        return ["meks.%s is not a base64-encoded JSON Web Key" % current]
    if not isinstance(jwk, dict) or jwk.get("kty") != "oct" or not jwk.get("k"):
        return ["meks.%s must be a symmetric JWK (kty oct with k)" % current]
    return []

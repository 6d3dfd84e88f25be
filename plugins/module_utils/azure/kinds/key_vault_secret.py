# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key Vault secrets written through ARM (``Microsoft.KeyVault/vaults/secrets``), once.

Written through Azure Resource Manager rather than the vault's data plane, so that a vault without public
network access can still be seeded from outside its network (as the reference does with azapi). ARM never
returns a secret's value, so a secret that exists is left alone: a generated password is written once and a
rerun never rotates it. The value is either generated here (``generate``) or taken from a POST action of
another resource (``value_from``, e.g. the access keys of a Redis database); it never appears in a result.

``SecretHandle`` lets a consumer in the same ``arm_resources`` graph (a PostgreSQL server's admin password)
get the value it needs only when it creates itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import secrets
import string
import threading

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import get_path
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest

API_VERSION = "2026-02-01"
HIDDEN = "(secret, not shown)"
SPECIALS = "!#%*+-=_"
_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")

ARGUMENT_SPEC = dict(
    vault_id=dict(type="str", required=True),
    name=dict(type="str", required=True),
    generate=dict(type="dict", options=dict(
        length=dict(type="int", default=32),
        special=dict(type="bool", default=True),
    )),
    value_from=dict(type="dict", options=dict(
        action_id=dict(type="str", required=True),
        api_version=dict(type="str", required=True),
        field=dict(type="str", required=True),
    )),
    content_type=dict(type="str"),
    tags=dict(type="dict"),
    api_version=dict(type="str", default=API_VERSION),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
MODULE_OPTIONS = dict(wait_options=False, mutually_exclusive=[("generate", "value_from")],
                      required_one_of=[("generate", "value_from")])


def generate_password(length=32, special=True, rng=None):
    """A random password with upper, lower and digits (and specials), at least one of each."""
    rng = rng or secrets.SystemRandom()
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits] + ([SPECIALS] if special else [])
    if length < len(classes):
        raise ValueError("a password needs at least %d characters" % len(classes))
    alphabet = "".join(classes)
    chars = [rng.choice(c) for c in classes] + [rng.choice(alphabet) for _i in range(length - len(classes))]
    rng.shuffle(chars)
    return "".join(chars)


def problems(params):
    found = []
    if not _NAME.match(params.get("name") or ""):
        found.append("name=%r must be 1-127 letters, digits or '-'" % params.get("name"))
    if "/providers/microsoft.keyvault/vaults/" not in (params.get("vault_id") or "").lower():
        found.append("vault_id=%r must be the resource ID of a Key Vault" % params.get("vault_id"))
    generate = params.get("generate") or {}
    if generate and not 8 <= generate.get("length", 32) <= 256:
        found.append("generate.length must be between 8 and 256")
    return found


def arm_post(client, resource_path, api_version):
    """POSTs an ARM action (``<id>/listKeys``) and returns the JSON answer."""
    from azure.core.rest import HttpRequest

    request = HttpRequest("POST", "%s?api-version=%s" % (resource_path, api_version), json={})
    send = getattr(client, "send_request", None) or getattr(client, "_send_request")
    response = send(request)
    response.raise_for_status()
    return response.json() if response.content else {}


class SecretHandle:
    """The value of one secret node, for consumers in the same graph; never returned."""

    def __init__(self, azure, secret_id, api_version, generate, body):
        self._azure = azure
        self._id = secret_id
        self._api_version = api_version
        self._generate = generate
        self._body = body
        self._lock = threading.Lock()
        self.value = None
        self.created = False

    def value_for_create(self):
        """The value a consumer being created must use; when the secret existed already its value is unknown
        (ARM never returns it), so a new one is generated and written first (nothing used the old one yet)."""
        with self._lock:
            if self.value is None:
                if self._azure.check_mode:
                    return HIDDEN
                if not self._generate:
                    self._azure.fail("secret '%s' exists but its value cannot be read through ARM; delete it so that "
                                     "it is written again" % self._id, resource_id=self._id)
                self.value = generate_password(**self._generate)
                _write(self._azure, self._id, self._api_version, self._body, self.value)
                self._azure.warn("secret '%s' was written again: the resource that uses it did not exist yet"
                                 % self._id)
                self.created = True
            return self.value


def _write(azure, secret_id, api_version, body, value):
    import io
    import json

    document = {"properties": dict(body.get("properties") or {}, value=value)}
    if body.get("tags") is not None:
        document["tags"] = body["tags"]
    payload = io.BytesIO(json.dumps(document).encode("utf-8"))
    operations = azure.client("resource").resources
    try:
        operations.begin_create_or_update_by_id(secret_id, parameters=payload, api_version=api_version).result()
    except Exception as exc:  # named with the secret
        azure.fail_azure(exc, "write", "secret '%s'" % secret_id)


def run(azure, handle_box=None):
    """Writes the secret when it is missing. ``handle_box`` (a list) receives the SecretHandle."""
    p = azure.params
    found = problems(p)
    if found:
        azure.fail("Invalid secret options: %s." % "; ".join(found))
    secret_id = "%s/secrets/%s" % (p["vault_id"].rstrip("/"), p["name"])
    described = "secret '%s'" % secret_id
    body = {"properties": {"attributes": {"enabled": True}}}
    if p["content_type"]:
        body["properties"]["contentType"] = p["content_type"]
    if p["tags"] is not None:
        body["tags"] = p["tags"]
    handle = SecretHandle(azure, secret_id, p["api_version"], p["generate"], body)
    if handle_box is not None:
        handle_box.append(handle)
    operations = azure.client("resource").resources
    try:
        current = to_rest(operations.get_by_id(secret_id, api_version=p["api_version"]))
    except Exception as exc:  # not-found is an answer
        if not is_not_found(exc):
            azure.fail_azure(exc, "read", described)
        current = None

    if p["state"] == "absent":
        if current is None:
            return dict(changed=False, id=secret_id, diff=dict(before={}, after={}))
        if not azure.check_mode:
            try:
                operations.begin_delete_by_id(secret_id, api_version=p["api_version"]).result()
            except Exception as exc:  # named with the secret
                azure.fail_azure(exc, "delete", described)
        diff = dict(before=dict(id=secret_id, state="present"), after=dict(state="absent"))
        return dict(changed=True, id=secret_id, diff=diff)

    if current is not None:
        # Written once: the value is never compared (ARM does not return it) and never rotated.
        return dict(changed=False, id=secret_id, diff=dict(before={}, after={}))
    after = dict(name=p["name"], value=HIDDEN, contentType=p["content_type"])
    result = dict(changed=True, id=secret_id, diff=dict(before={}, after=after))
    if azure.check_mode:
        return result
    if p["generate"]:
        value = generate_password(**p["generate"])
    else:
        source = p["value_from"]
        try:
            answer = arm_post(azure.client("resource"), source["action_id"], source["api_version"])
        except Exception as exc:  # named with the action
            azure.fail_azure(exc, "call", "action '%s'" % source["action_id"])
        value = get_path(answer, *source["field"].split("."))
        if not isinstance(value, str) or not value:
            azure.fail("action '%s' returned no %s for %s" % (source["action_id"], source["field"], described))
    _write(azure, secret_id, p["api_version"], body, value)
    handle.value = value
    handle.created = True
    return result

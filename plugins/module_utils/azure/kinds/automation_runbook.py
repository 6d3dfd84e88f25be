# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Azure Automation runbook with its script, published.

A runbook's script is not part of its ARM body: it is uploaded as the draft's content (``PUT
.../draft/content``) and published (``POST .../publish``). The SHA-256 of the script is kept in the runbook's
``contentHash`` tag, so one GET tells whether the published script is the wanted one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import json

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import is_not_found, to_rest

API_VERSION = "2023-11-01"
HASH_TAG = "contentHash"

ARGUMENT_SPEC = dict(
    automation_account_id=dict(type="str", required=True),
    name=dict(type="str", required=True),
    location=dict(type="str", required=True),
    runbook_type=dict(type="str", default="PowerShell72"),
    content=dict(type="str", required=True),
    description=dict(type="str"),
    tags=dict(type="dict"),
    api_version=dict(type="str", default=API_VERSION),
)
MODULE_OPTIONS = dict(wait_options=False)


def content_hash(content):
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _send(client, method, path, api_version, body=None, content_type="application/json"):
    from azure.core.rest import HttpRequest

    data = body if isinstance(body, str) else (json.dumps(body) if body is not None else None)
    request = HttpRequest(method, "%s?api-version=%s" % (path, api_version), content=data,
                          headers={"Content-Type": content_type})
    send = getattr(client, "send_request", None) or getattr(client, "_send_request")
    response = send(request)
    response.raise_for_status()
    return response


def run(azure):
    p = azure.params
    runbook_id = "%s/runbooks/%s" % (p["automation_account_id"].rstrip("/"), p["name"])
    described = "runbook '%s'" % runbook_id
    operations = azure.client("resource").resources
    try:
        current = to_rest(operations.get_by_id(runbook_id, api_version=p["api_version"]))
    except Exception as exc:  # not-found is an answer
        if not is_not_found(exc):
            azure.fail_azure(exc, "read", described)
        current = None
    wanted = content_hash(p["content"])
    tags = dict(p["tags"] or {})
    tags[HASH_TAG] = wanted
    have = ((current or {}).get("tags") or {}).get(HASH_TAG)
    props = (current or {}).get("properties") or {}
    if current is not None and have == wanted and props.get("runbookType") == p["runbook_type"] \
            and (props.get("state") or "Published") == "Published":
        return dict(changed=False, id=runbook_id, diff=dict(before={}, after={}))
    diff = dict(before={} if current is None else {"contentHash": have}, after={"contentHash": wanted})
    if azure.check_mode:
        return dict(changed=True, id=runbook_id, diff=diff)
    body = {"location": p["location"], "tags": tags, "properties": {
        "runbookType": p["runbook_type"], "logProgress": False, "logVerbose": False,
        "description": p["description"] or "", "draft": {}}}
    client = azure.client("resource")
    try:
        payload = io.BytesIO(json.dumps(body).encode("utf-8"))
        operations.begin_create_or_update_by_id(runbook_id, parameters=payload, api_version=p["api_version"]).result()
        _send(client, "PUT", runbook_id + "/draft/content", p["api_version"], p["content"], "text/powershell")
        _send(client, "POST", runbook_id + "/publish", p["api_version"])
    except Exception as exc:  # named with the runbook
        azure.fail_azure(exc, "publish", described)
    return dict(changed=True, id=runbook_id, diff=diff)

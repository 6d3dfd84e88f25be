# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small client for OSMO's REST API (the endpoints the ``osmo`` CLI uses for workflows).

Authentication is a bearer token: an IdP JWT, or an OSMO access token sent as
is or exchanged for a short-lived OSMO JWT (``POST /api/auth/jwt/access_token``,
refreshed before it expires and once on a 401). Requests are retried with the
collection's jittered backoff, honouring ``Retry-After``; a submission (not
idempotent) is only retried when the service certainly did not process it
(429, 503, connection refused). Errors name the action, the endpoint and the
workflow, and never contain the token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import socket
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote, urlencode
from ansible.module_utils.urls import open_url

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import (
    RETRYABLE_STATUS,
    Backoff,
    retry_after_from_headers,
)

USER_AGENT = "azure_robotics.stack"
# Statuses after which a non-idempotent request was certainly not processed.
SAFE_TO_RESEND = frozenset((429, 503))
# Renew an exchanged JWT this many seconds before it expires (OSMO issues them for 300 s).
JWT_MARGIN = 30

STATUS_HINTS = {
    401: "the token was rejected: check the OSMO token (option token / OSMO_TOKEN); an OSMO access token may need "
         "token_exchange=true",
    403: "the token's roles do not allow this action on this pool: ask an OSMO admin for a role granting "
         "workflow:Create/Read on the pool",
    404: "not found: check the URL, the pool and the workflow ID",
    409: "the service refuses this change (for example ConfigMap-managed configuration)",
}


class OsmoApiError(Exception):
    """A failed OSMO API call, phrased for the user."""

    def __init__(self, message, status=None, error_code=None, method=None, endpoint=None, workflow=None,
                 body=None):
        super(OsmoApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.method = method
        self.endpoint = endpoint
        self.workflow = workflow
        self.body = body

    def as_dict(self):
        return dict(status=self.status, error_code=self.error_code, method=self.method, endpoint=self.endpoint,
                    workflow=self.workflow, message=self.message)


def _query_string(query):
    if not query:
        return ""
    pairs = []
    for key in sorted(query):
        value = query[key]
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, bool):
                item = "true" if item else "false"
            pairs.append((key, str(item)))
    return "?" + urlencode(pairs) if pairs else ""


def _error_details(body):
    """(message, error_code) from an OSMO error body ``{"message", "error_code", "workflow_id"}`` or FastAPI's."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        text = (body or "").strip()
        return (text[:2000] if text else None), None
    if isinstance(data, dict):
        message = data.get("message")
        detail = data.get("detail")
        if message is None and detail is not None:
            message = detail if isinstance(detail, str) else json.dumps(detail)
        return message, data.get("error_code")
    return str(data), None


def _is_connection_refused(exc):
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, ConnectionRefusedError) or getattr(reason, "errno", None) == errno.ECONNREFUSED


class OsmoClient(object):
    def __init__(self, url, token=None, token_exchange=False, ca_bundle=None, validate_certs=True, timeout=60,
                 retries=5, backoff_delay=1.0, sleep=None, opener=None, clock=None):
        self.base = url.rstrip("/")
        self._token = token
        self.token_exchange = token_exchange
        self.ca_bundle = ca_bundle
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.backoff = Backoff(retries=retries, delay=backoff_delay, max_delay=30.0)
        self._sleep = sleep or time.sleep
        self._open = opener or open_url
        self._clock = clock or time.time
        self._jwt = None
        self._jwt_expires = 0

    # -- transport ------------------------------------------------------------
    def _send(self, method, path, query=None, body=None, headers=None):
        data = None
        all_headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        response = self._open(
            self.base + path + _query_string(query), data=data, headers=all_headers, method=method,
            timeout=self.timeout, validate_certs=self.validate_certs, ca_path=self.ca_bundle,
            follow_redirects="none", use_netrc=False, use_proxy=True,
        )
        try:
            return response.getcode(), response.read().decode("utf-8", "replace")
        finally:
            response.close()

    def _authorization(self, force_refresh=False):
        if not self._token:
            return {}
        if not self.token_exchange:
            return {"Authorization": "Bearer %s" % self._token}
        if force_refresh or self._jwt is None or self._clock() >= self._jwt_expires - JWT_MARGIN:
            self._exchange()
        return {"Authorization": "Bearer %s" % self._jwt}

    def _exchange(self):
        endpoint = "/api/auth/jwt/access_token"
        data = self._call("POST", endpoint, body={"token": self._token}, idempotent=False, authenticate=False,
                          action="exchange the OSMO access token for a JWT")
        if not isinstance(data, dict) or not data.get("token"):
            raise OsmoApiError("OSMO API POST %s returned no token (%s)" % (endpoint, (data or {}).get("error")),
                               method="POST", endpoint=endpoint)
        self._jwt = data["token"]
        expires = data.get("expires_at")
        self._jwt_expires = float(expires) if expires else self._clock() + 300

    def _call(self, method, path, query=None, body=None, idempotent=None, authenticate=True, workflow=None,
              action=None, text=False):
        if idempotent is None:
            idempotent = method in ("GET", "HEAD")
        attempt = 0
        refreshed = False
        while True:
            headers = self._authorization() if authenticate else {}
            status = None
            retry_after = None
            try:
                status, payload = self._send(method, path, query=query, body=body, headers=headers)
            except HTTPError as exc:
                status = exc.code
                try:
                    payload = exc.read().decode("utf-8", "replace")
                except Exception:  # a body that cannot be read is reported as empty
                    payload = ""
                retry_after = retry_after_from_headers(dict(exc.headers.items()) if exc.headers else None)
                if status == 401 and authenticate and self.token_exchange and not refreshed:
                    refreshed = True
                    self._authorization(force_refresh=True)
                    continue
                retryable = status in (RETRYABLE_STATUS if idempotent else SAFE_TO_RESEND)
                if retryable and attempt < self.backoff.retries:
                    self._sleep(self.backoff.delay_for(attempt, retry_after))
                    attempt += 1
                    continue
                raise self._error(method, path, status, payload, workflow, action)
            except (URLError, socket.timeout, ConnectionError, OSError) as exc:
                retryable = idempotent or _is_connection_refused(exc)
                if retryable and attempt < self.backoff.retries:
                    self._sleep(self.backoff.delay_for(attempt))
                    attempt += 1
                    continue
                reason = getattr(exc, "reason", exc)
                values = (self._action(action, method), method, self.base + path, self._for(workflow), reason)
                raise OsmoApiError(
                    "%s: OSMO API %s %s%s could not be reached: %s - check the URL (option url / OSMO_URL), the "
                    "network and, for HTTPS, ca_bundle" % values,
                    method=method, endpoint=path, workflow=workflow)
            if text:
                return payload
            if not payload.strip():
                return None
            try:
                return json.loads(payload)
            except ValueError:
                return payload

    @staticmethod
    def _action(action, method):
        return "Failed to %s" % action if action else "Request failed"

    @staticmethod
    def _for(workflow):
        return " for workflow '%s'" % workflow if workflow else ""

    def _error(self, method, path, status, payload, workflow, action):
        message, code = _error_details(payload)
        detail = "HTTP %s" % status + (", %s" % code if code else "")
        values = (self._action(action, method), method, path, self._for(workflow), detail)
        text = "%s: OSMO API %s %s%s answered %s" % values
        if message:
            text += ": %s" % message
        hint = STATUS_HINTS.get(status)
        if hint:
            text += " - %s" % hint
        return OsmoApiError(text, status=status, error_code=code, method=method, endpoint=path, workflow=workflow,
                            body=payload)

    # -- endpoints ------------------------------------------------------------
    def version(self):
        return self._call("GET", "/api/version", action="read the OSMO version")

    def submit(self, pool, spec_text, set_variables=None, set_string_variables=None, priority=None,
               validation_only=False, dry_run=False, env_vars=None, labels=None, workflow=None, templated_spec=None):
        """POST /api/pool/{pool}/workflow. ``validation_only`` runs every server-side check without submitting.

        ``templated_spec`` is the original template of an already rendered ``spec_text`` (kept by OSMO for
        ``osmo workflow spec --template``), as the osmo CLI sends it.
        """
        query = {"validation_only": True if validation_only else None, "dry_run": True if dry_run else None,
                 "priority": priority, "env_vars": env_vars or None, "label": labels or None}
        body = {"file": spec_text, "set_variables": list(set_variables or []),
                "set_string_variables": list(set_string_variables or [])}
        if templated_spec is not None:
            body["uploaded_templated_spec"] = templated_spec
        if validation_only:
            action = "validate"
        elif dry_run:
            action = "render"
        else:
            action = "submit"
        return self._call("POST", "/api/pool/%s/workflow" % quote(pool, safe=""), query=query, body=body,
                          idempotent=validation_only or dry_run, workflow=workflow,
                          action="%s the workflow on pool '%s'" % (action, pool))

    def workflow(self, workflow_id, verbose=False):
        return self._call("GET", "/api/workflow/%s" % quote(workflow_id, safe=""),
                          query={"verbose": True if verbose else None}, workflow=workflow_id,
                          action="read the workflow")

    def list_workflows(self, name=None, pools=None, statuses=None, users=None, all_users=False, all_pools=False,
                       limit=20, offset=0, order="DESC"):
        query = {"name": name, "pools": pools or None, "statuses": statuses or None, "users": users or None,
                 "all_users": True if all_users else None, "all_pools": True if all_pools else None,
                 "limit": limit, "offset": offset or None, "order": order}
        return self._call("GET", "/api/workflow", query=query, action="list workflows")

    def cancel(self, workflow_id, message=None, force=False):
        return self._call("POST", "/api/workflow/%s/cancel" % quote(workflow_id, safe=""),
                          query={"message": message, "force": True if force else None}, idempotent=True,
                          workflow=workflow_id, action="cancel the workflow")

    def logs(self, workflow_id, task=None, retry_id=None, last_n_lines=None, error=False):
        kind = "error_logs" if error else "logs"
        return self._call("GET", "/api/workflow/%s/%s" % (quote(workflow_id, safe=""), kind),
                          query={"task_name": task, "retry_id": retry_id, "last_n_lines": last_n_lines},
                          workflow=workflow_id, action="read the %s" % kind.replace("_", " "), text=True)

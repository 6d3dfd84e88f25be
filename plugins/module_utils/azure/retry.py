# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retries with full-jitter exponential backoff that honour ``Retry-After``.

One backoff computation serves two places: the ``jittered_backoff`` decorator
(eventual-consistency errors such as ``PrincipalNotFound`` right after an
identity was created) and ``ArmRetryPolicy``, the azure-core pipeline policy
every client of this collection is built with (throttling, 5xx, connection
resets), so both wait the same way and both obey the server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import functools
import random
import time

# HTTP statuses that are worth another attempt on an idempotent request.
RETRYABLE_STATUS = frozenset((408, 429, 500, 502, 503, 504))

# ARM error codes that are transient (throttling, replication lag of Entra ID and ARM).
RETRYABLE_CODES = frozenset((
    "TooManyRequests",
    "RetryableError",
    "ServerTimeout",
    "InternalServerError",
    "ServiceUnavailable",
    "GatewayTimeout",
    "OperationNotAllowed.Retry",
))

# Longest Retry-After we obey before giving up instead of sleeping (seconds).
MAX_RETRY_AFTER = 600.0


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` (or ``retry-after-ms``) header value.

    Accepts delta-seconds (``"5"``, ``"2.5"``) and HTTP-dates
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``). Returns None when absent or unparsable;
    a date in the past gives 0.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def retry_after_from_headers(headers, now=None):
    """Reads ``retry-after-ms``, ``x-ms-retry-after-ms`` or ``Retry-After`` (in that order)."""
    if not headers:
        return None
    lowered = dict((str(k).lower(), v) for k, v in headers.items())
    for key in ("retry-after-ms", "x-ms-retry-after-ms"):
        if key in lowered:
            ms = parse_retry_after(lowered[key], now)
            if ms is not None:
                return ms / 1000.0
    return parse_retry_after(lowered.get("retry-after"), now)


class Backoff:
    """Full-jitter exponential backoff: attempt ``n`` waits ``uniform(0, min(max_delay, delay * 2**n))``.

    A server-given Retry-After replaces the jittered delay (never shortened).
    """

    def __init__(self, retries=8, delay=1.0, max_delay=60.0, rng=None):
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.retries = retries
        self.delay = delay
        self.max_delay = max_delay
        self._rng = rng or random.Random()

    def delay_for(self, attempt, retry_after=None):
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        cap = min(self.max_delay, self.delay * (2 ** attempt))
        return self._rng.uniform(0, cap)


def error_status(exc):
    return getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)


def error_code(exc):
    """The ARM error code of an azure-core HttpResponseError (or None)."""
    err = getattr(exc, "error", None)
    code = getattr(err, "code", None)
    if code:
        return code
    return getattr(exc, "code", None)


def error_headers(exc):
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None)


def _is_connection_error(exc):
    names = set(cls.__name__ for cls in type(exc).__mro__)
    return bool(names & {"ServiceRequestError", "ServiceResponseError", "ConnectionError", "IncompleteReadError"})


def is_retryable(exc, extra_codes=()):
    code = error_code(exc)
    if code and (code in RETRYABLE_CODES or code in extra_codes):
        return True
    status = error_status(exc)
    if status in RETRYABLE_STATUS:
        return True
    return status is None and _is_connection_error(exc)


def jittered_backoff(retries=8, delay=1.0, max_delay=60.0, extra_codes=(), sleep=None, on_retry=None, rng=None):
    """Decorator: retries transient Azure errors, honouring Retry-After.

    ``extra_codes`` adds ARM error codes that are transient for this call only
    (e.g. ``PrincipalNotFound`` for role assignments). Anything else is raised
    at once. After ``retries`` retries the last error is raised.
    """
    policy = Backoff(retries=retries, delay=delay, max_delay=max_delay, rng=rng)
    extra = frozenset(extra_codes)

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            attempt = 0
            while True:
                try:
                    return func(*args, **kwargs)
                except Exception as exc:  # classified below; non-retryable errors re-raised untouched
                    if attempt >= policy.retries or not is_retryable(exc, extra):
                        raise
                    wait = policy.delay_for(attempt, retry_after_from_headers(error_headers(exc)))
                    if on_retry is not None:
                        on_retry(attempt + 1, wait, exc)
                    (sleep or time.sleep)(wait)
                    attempt += 1

        return wrapper

    return decorate


def arm_retry_policy(retries=8, delay=1.0, max_delay=60.0, sleep=None):
    """An azure-core RetryPolicy that backs off with full jitter and obeys Retry-After.

    Imported lazily: azure-core is only needed once a client is built.
    """
    from azure.core.pipeline.policies import RetryPolicy

    backoff = Backoff(retries=retries, delay=delay, max_delay=max_delay)
    sleeper = sleep or time.sleep

    class ArmRetryPolicy(RetryPolicy):
        def get_backoff_time(self, settings):
            attempt = max(0, len(settings.get("history") or []) - 1)
            return backoff.delay_for(attempt)

        def sleep(self, settings, transport, response=None):
            retry_after = None
            if response is not None:
                retry_after = retry_after_from_headers(response.http_response.headers)
            wait = retry_after if retry_after is not None else self.get_backoff_time(settings)
            if wait:
                sleeper(min(wait, MAX_RETRY_AFTER))

    return ArmRetryPolicy(
        retry_total=retries,
        retry_connect=retries,
        retry_read=retries,
        retry_status=retries,
        retry_backoff_factor=delay,
        retry_backoff_max=max_delay,
        retry_on_status_codes=sorted(RETRYABLE_STATUS),
    )

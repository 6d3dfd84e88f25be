import email.utils
import time

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import (
    Backoff,
    arm_retry_policy,
    jittered_backoff,
    parse_retry_after,
    retry_after_from_headers,
)


class FakeResponse:
    def __init__(self, status, headers=None):
        self.status_code = status
        self.headers = headers or {}
        self.reason = "x"


def http_error(status, code=None, headers=None):
    exc = HttpResponseError(message="boom", response=None)
    exc.status_code = status
    exc.response = FakeResponse(status, headers)
    if code:
        exc.error = type("E", (), {"code": code, "message": "boom"})()
    return exc


# -- Retry-After parsing ---------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [("5", 5.0), ("2.5", 2.5), ("0", 0.0), (" 7 ", 7.0), ("-3", 0.0)])
def test_retry_after_seconds(value, seconds):
    assert parse_retry_after(value) == seconds


def test_retry_after_http_date():
    now = 1_800_000_000.0
    when = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(when, now=now) == pytest.approx(30, abs=1)


def test_retry_after_http_date_in_the_past_is_zero():
    now = 1_800_000_000.0
    assert parse_retry_after(email.utils.formatdate(now - 100, usegmt=True), now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Mon, 99 Foo"])
def test_retry_after_unparsable(value):
    assert parse_retry_after(value) is None


def test_retry_after_ms_headers_take_precedence():
    assert retry_after_from_headers({"retry-after-ms": "1500", "Retry-After": "9"}) == 1.5
    assert retry_after_from_headers({"x-ms-retry-after-ms": "250"}) == 0.25
    assert retry_after_from_headers({"Retry-After": "9"}) == 9.0
    assert retry_after_from_headers({}) is None


def test_backoff_is_full_jitter_and_capped():
    backoff = Backoff(retries=10, delay=1.0, max_delay=8.0)
    for attempt in range(10):
        delay = backoff.delay_for(attempt)
        assert 0 <= delay <= min(8.0, 2 ** attempt)
    assert backoff.delay_for(3, retry_after=12) == 12


# -- the decorator ---------------------------------------------------------------

def flaky(errors, result="ok"):
    calls = []

    def func():
        calls.append(time.monotonic())
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return func, calls


def test_honours_retry_after_in_seconds():
    slept = []
    func, calls = flaky([http_error(429, headers={"Retry-After": "3"})])
    assert jittered_backoff(retries=3, sleep=slept.append)(func)() == "ok"
    assert slept == [3.0] and len(calls) == 2


def test_honours_retry_after_as_http_date():
    slept = []
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    func, dummy = flaky([http_error(503, headers={"Retry-After": when})])
    jittered_backoff(retries=3, sleep=slept.append)(func)()
    assert 18 <= slept[0] <= 20.5


def test_503_twice_then_success():
    slept = []
    func, calls = flaky([http_error(503), http_error(503)])
    assert jittered_backoff(retries=5, delay=0.5, sleep=slept.append)(func)() == "ok"
    assert len(calls) == 3 and len(slept) == 2
    assert 0 <= slept[0] <= 0.5 and 0 <= slept[1] <= 1.0


def test_max_attempts_then_the_last_error():
    slept = []
    errors = [http_error(500) for dummy in range(10)]
    func, calls = flaky(errors)
    with pytest.raises(HttpResponseError):
        jittered_backoff(retries=3, sleep=slept.append)(func)()
    assert len(calls) == 4 and len(slept) == 3


@pytest.mark.parametrize("exc", [
    http_error(400, code="InvalidParameter"),
    http_error(403, code="AuthorizationFailed"),
    ResourceNotFoundError("gone"),
    ValueError("a bug"),
])
def test_non_retryable_errors_raise_at_once(exc):
    slept = []
    func, calls = flaky([exc])
    with pytest.raises(type(exc)):
        jittered_backoff(retries=5, sleep=slept.append)(func)()
    assert len(calls) == 1 and slept == []


def test_extra_codes_make_eventual_consistency_errors_retryable():
    slept = []
    func, calls = flaky([http_error(400, code="PrincipalNotFound")] * 2)
    assert jittered_backoff(retries=5, extra_codes=("PrincipalNotFound",), sleep=slept.append)(func)() == "ok"
    assert len(calls) == 3


def test_connection_errors_are_retried():
    func, calls = flaky([ServiceRequestError("connection reset")])
    assert jittered_backoff(retries=2, sleep=lambda s: None)(func)() == "ok"
    assert len(calls) == 2


def test_on_retry_reports_each_wait():
    seen = []
    func, dummy = flaky([http_error(429, headers={"Retry-After": "1"})])
    jittered_backoff(retries=2, sleep=lambda s: None, on_retry=lambda attempt, wait, exc: seen.append((attempt, wait)))(func)()
    assert seen == [(1, 1.0)]


# -- the azure-core pipeline policy ----------------------------------------------

class ScriptedTransport(HttpTransport):
    """Answers each request with the next scripted (status, headers)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []

    def send(self, request, **kwargs):
        from azure.core.pipeline.transport._requests_basic import RequestsTransportResponse
        import requests

        self.requests.append(request)
        status, headers = self.script.pop(0)
        raw = requests.Response()
        raw.status_code = status
        raw.headers.update(headers)
        raw._content = b"{}"
        return RequestsTransportResponse(request, raw)

    def open(self):
        pass

    def close(self):
        pass

    def __exit__(self, *args):
        pass


def pipeline(script, slept, retries=4):
    transport = ScriptedTransport(script)
    policy = arm_retry_policy(retries=retries, delay=0.01, sleep=slept.append)
    client = PipelineClient("https://arm.test/", transport=transport, policies=[policy])
    return client, transport


def test_pipeline_policy_obeys_retry_after_seconds():
    slept = []
    client, transport = pipeline([(429, {"Retry-After": "4"}), (200, {})], slept)
    response = client.send_request(HttpRequest("GET", "https://arm.test/x"))
    assert response.status_code == 200
    assert slept == [4.0] and len(transport.requests) == 2


def test_pipeline_policy_obeys_retry_after_http_date():
    slept = []
    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    client, dummy = pipeline([(503, {"Retry-After": when}), (200, {})], slept)
    client.send_request(HttpRequest("GET", "https://arm.test/x"))
    assert 8 <= slept[0] <= 10.5


def test_pipeline_policy_gives_up_after_max_attempts():
    slept = []
    client, transport = pipeline([(503, {})] * 10, slept, retries=2)
    response = client.send_request(HttpRequest("GET", "https://arm.test/x"))
    assert response.status_code == 503
    assert len(transport.requests) == 3


def test_pipeline_policy_does_not_retry_client_errors():
    slept = []
    client, transport = pipeline([(400, {}), (200, {})], slept)
    assert client.send_request(HttpRequest("GET", "https://arm.test/x")).status_code == 400
    assert len(transport.requests) == 1 and slept == []

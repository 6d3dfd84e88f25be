"""The OSMO REST client: retries, honest errors, bearer tokens and the access-token exchange (no network)."""

import io
import json
from email.message import Message

import pytest
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.client import OsmoApiError, OsmoClient

SECRET = "osmo_secret_token_value"


class FakeResponse:
    def __init__(self, status, body):
        self.status, self.body = status, body

    def getcode(self):
        return self.status

    def read(self):
        return self.body.encode()

    def close(self):
        pass


class FakeOsmo:
    """Answers from a queue of (status, body, headers) per (method, path); records every call."""

    def __init__(self, answers):
        self.answers = {k: list(v) for k, v in answers.items()}
        self.calls = []

    def __call__(self, url, data=None, headers=None, method=None, **kwargs):
        path = url.split("://", 1)[1].split("/", 1)[1]
        path = "/" + path.split("?", 1)[0]
        self.calls.append(dict(url=url, method=method, headers=dict(headers or {}),
                               body=json.loads(data) if data else None, kwargs=kwargs))
        queue = self.answers[(method, path)]
        status, body, header_values = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(status, Exception):
            raise status
        if status >= 400:
            hdrs = Message()
            for k, v in (header_values or {}).items():
                hdrs[k] = v
            raise HTTPError(url, status, "error", hdrs, io.BytesIO(body.encode()))
        return FakeResponse(status, body)


def client(fake, **kwargs):
    kwargs.setdefault("token", SECRET)
    return OsmoClient("https://osmo.example.com/", opener=fake, sleep=sleeps.append, **kwargs)


sleeps = []


@pytest.fixture(autouse=True)
def _reset():
    sleeps.clear()


def test_get_is_retried_on_503_and_obeys_retry_after():
    answers = [(503, "busy", {"Retry-After": "7"}), (200, json.dumps({"name": "w-1", "status": "RUNNING"}), None)]
    fake = FakeOsmo({("GET", "/api/workflow/w-1"): answers})
    assert client(fake).workflow("w-1")["status"] == "RUNNING"
    assert sleeps == [7.0]
    assert fake.calls[0]["headers"]["Authorization"] == "Bearer " + SECRET
    assert fake.calls[0]["kwargs"]["follow_redirects"] == "none"
    assert fake.calls[0]["kwargs"]["use_netrc"] is False


def test_submission_is_not_resent_after_a_500_but_is_after_a_429():
    body = {"message": "database hiccup", "error_code": "SERVER"}
    fake = FakeOsmo({("POST", "/api/pool/default/workflow"): [(500, json.dumps(body), None)]})
    with pytest.raises(OsmoApiError) as info:
        client(fake).submit("default", "workflow: {}", workflow="train-k1")
    assert info.value.status == 500 and len(fake.calls) == 1
    answers = [(429, "slow down", {"Retry-After": "1"}), (200, json.dumps({"name": "train-1"}), None)]
    fake = FakeOsmo({("POST", "/api/pool/default/workflow"): answers})
    assert client(fake).submit("default", "workflow: {}")["name"] == "train-1"
    assert len(fake.calls) == 2 and sleeps == [1.0]


def test_connection_refused_is_retried_even_for_a_submission():
    refused = URLError(ConnectionRefusedError(111, "Connection refused"))
    fake = FakeOsmo({("POST", "/api/pool/p/workflow"): [(refused, "", None), (200, '{"name": "a-1"}', None)]})
    assert client(fake).submit("p", "x")["name"] == "a-1"


def test_errors_name_action_endpoint_workflow_and_osmo_message_but_never_the_token():
    body = {"message": "Task input t9 does not exist.", "error_code": "SUBMISSION", "workflow_id": None}
    fake = FakeOsmo({("POST", "/api/pool/gpu/workflow"): [(400, json.dumps(body), None)]})
    with pytest.raises(OsmoApiError) as info:
        client(fake).submit("gpu", "x", workflow="train-k1")
    message = str(info.value)
    assert "Failed to submit the workflow on pool 'gpu'" in message
    assert "POST /api/pool/gpu/workflow for workflow 'train-k1'" in message
    assert "HTTP 400, SUBMISSION" in message and "Task input t9 does not exist." in message
    assert SECRET not in message and SECRET not in repr(info.value.as_dict())
    assert info.value.status == 400 and info.value.error_code == "SUBMISSION"


def test_401_explains_the_token_options():
    fake = FakeOsmo({("GET", "/api/version"): [(401, "Jwt verification fails", None)]})
    with pytest.raises(OsmoApiError) as info:
        client(fake).version()
    assert "Jwt verification fails" in str(info.value) and "OSMO_TOKEN" in str(info.value)


def test_unreachable_service_names_the_url():
    fake = FakeOsmo({("GET", "/api/version"): [(URLError("Name or service not known"), "", None)]})
    with pytest.raises(OsmoApiError) as info:
        client(fake, retries=1).version()
    assert "https://osmo.example.com/api/version could not be reached" in str(info.value)
    assert len(fake.calls) == 2


def test_access_token_is_exchanged_renewed_before_expiry_and_after_a_401():
    now = [1000.0]
    fake = FakeOsmo({
        ("POST", "/api/auth/jwt/access_token"): [(200, json.dumps({"token": "jwt-1", "expires_at": 1300}), None),
                                                 (200, json.dumps({"token": "jwt-2", "expires_at": 1600}), None),
                                                 (200, json.dumps({"token": "jwt-3", "expires_at": 1900}), None)],
        ("GET", "/api/version"): [(200, '{"major": "6"}', None), (200, '{"major": "6"}', None),
                                  (401, "Jwt is expired", None), (200, '{"major": "6"}', None)],
    })
    c = OsmoClient("https://osmo.example.com", token=SECRET, token_exchange=True, opener=fake,
                   sleep=lambda s: None, clock=lambda: now[0])
    c.version()
    exchange = fake.calls[0]
    assert exchange["body"] == {"token": SECRET} and "Authorization" not in exchange["headers"]
    assert fake.calls[1]["headers"]["Authorization"] == "Bearer jwt-1"
    now[0] = 1280.0  # within the renewal margin of the 300-second JWT
    c.version()
    assert fake.calls[3]["headers"]["Authorization"] == "Bearer jwt-2"
    c.version()  # the service rejects jwt-2: renewed once, then retried
    assert [call["headers"].get("Authorization") for call in fake.calls[4:]] == ["Bearer jwt-2", None,
                                                                                 "Bearer jwt-3"]


def test_query_strings_repeat_list_values_and_encode_booleans():
    fake = FakeOsmo({("GET", "/api/workflow"): [(200, '{"workflows": [], "more_entries": false}', None)]})
    client(fake).list_workflows(name="train", pools=["a", "b"], statuses=["RUNNING"], all_users=True)
    url = fake.calls[0]["url"]
    assert "pools=a&pools=b" in url and "all_users=true" in url and "name=train" in url and "order=DESC" in url


def test_logs_are_text():
    fake = FakeOsmo({("GET", "/api/workflow/w-1/error_logs"): [(200, "line 1\nline 2\n", None)]})
    assert client(fake).logs("w-1", task="t", error=True, last_n_lines=5) == "line 1\nline 2\n"
    assert "task_name=t" in fake.calls[0]["url"] and "last_n_lines=5" in fake.calls[0]["url"]

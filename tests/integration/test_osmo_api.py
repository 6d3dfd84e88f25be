"""OSMO's REST contract: the emulator, and a real OSMO when OSMO_URL/OSMO_TOKEN are set (marker cloud).

Each test talks HTTP the way the collection's client and the osmo CLI do, so the emulator's answers (status
codes, error bodies, state machine) are held to what a real service returns.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
import requests

from emulators.osmo.fixtures import ACCESS_TOKEN, TOKEN, OsmoTarget
from support.paths import PROJECT_ROOT

SPEC = textwrap.dedent("""\
    workflow:
      name: {name}
      resources:
        default: {{cpu: 1, memory: 1Gi, storage: 1Gi}}
      tasks:
      - name: produce
        image: ubuntu:24.04
        command: [bash, -c, "echo produced $GREETING; echo {{{{workflow_id}}}} > {{{{output}}}}/id.txt"]
        environment: {{GREETING: "{{{{ greeting }}}}"}}
      - name: consume
        image: ubuntu:24.04
        command: [bash, -c, "echo consumed {{{{input:0}}}}; exit {{{{ exit_code }}}}"]
        inputs: [{{task: produce}}]
      - name: report
        image: ubuntu:24.04
        command: [bash, -c, "echo report"]
        inputs: [{{task: consume}}]
    default-values:
      greeting: hello
      exit_code: 0
    """)


class Api:
    def __init__(self, target):
        self.target = target
        self.session = requests.Session()
        # Per request: requests lets REQUESTS_CA_BUNDLE override a session-level verify.
        self.verify = target.ca_bundle or True

    def call(self, method, path, token="default", **kwargs):
        headers = kwargs.pop("headers", {})
        token = self.target.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.target.url + path, headers=headers, timeout=30, verify=self.verify,
                                    **kwargs)

    def submit(self, text, **params):
        body = {"file": text, "set_variables": params.pop("set_variables", []),
                "set_string_variables": params.pop("set_string_variables", [])}
        return self.call("POST", f"/api/pool/{self.target.pool}/workflow", json=body, params=params)

    def wait(self, workflow_id, timeout=120):
        deadline = time.time() + timeout
        while True:
            data = self.call("GET", f"/api/workflow/{workflow_id}").json()
            if data["status"] not in ("PENDING", "RUNNING", "WAITING") or time.time() > deadline:
                return data
            time.sleep(0.2 if self.target.is_emulator else 5)


@pytest.fixture
def api(osmo_target):
    return Api(osmo_target)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_requests_without_or_with_a_wrong_token_are_refused(api):
    assert api.call("GET", "/api/version", token=None).status_code == 401
    assert api.call("GET", "/api/version", token="not-a-token").status_code == 401
    version = api.call("GET", "/api/version").json()
    assert set(version) >= {"major", "minor", "revision"}


def test_undefined_template_variable_is_a_400_naming_it(api):
    text = SPEC.format(name=unique("undef")).replace("{{ greeting }}", "{{ salutation }}")
    response = api.submit(text)
    assert response.status_code == 400
    body = response.json()
    assert "'salutation' is undefined" in body["message"]
    assert body["error_code"] == "USAGE"


def test_validation_only_and_dry_run_do_not_create_workflows(api):
    name = unique("validate")
    valid = api.submit(SPEC.format(name=name), validation_only="true")
    assert valid.status_code == 200, valid.text
    assert valid.json()["logs"] == "Workflow validation succeeded."
    dry = api.submit(SPEC.format(name=name), dry_run="true", set_variables=["exit_code=7"])
    assert dry.status_code == 200
    rendered = dry.json()["spec"]
    assert "exit 7" in rendered and "{{workflow_id}}" in rendered  # run-time tokens are not rendered
    listing = api.call("GET", "/api/workflow", params={"name": name, "pools": api.target.pool}).json()
    assert listing["workflows"] == []


# Specs a client might send without checking: the service itself rejects each (HTTP 400 + message).
SERVER_REJECTS = {
    "env-key": ("environment: {{GREETING", "env: {{GREETING", "env"),
    "fractional-cpu": ("cpu: 1,", "cpu: 0.5,", "cpu"),
    "unknown-input-task": ("inputs: [{{task: produce}}]", "inputs: [{{task: nope}}]", "nope"),
    "task-before-its-input": ("inputs: [{{task: consume}}]", "inputs: [{{task: report}}]", "report"),
    "unknown-top-level": ("default-values:", "extras: 1\ndefault-values:", "extras"),
    "files-under-osmo": ("image: ubuntu:24.04\n    command: [bash, -c, \"echo report\"]",
                         "image: ubuntu:24.04\n    command: [bash, -c, \"echo report\"]\n"
                         "    files: [{{path: /osmo/x, contents: y}}]", "/osmo"),
}


@pytest.mark.parametrize("case", sorted(SERVER_REJECTS))
def test_the_service_rejects_invalid_specs_on_its_own(api, case):
    old, new, words = SERVER_REJECTS[case]
    text = SPEC.format(name=unique("bad")).replace(old.format(), new.format(), 1)
    assert new.format() in text, "the edit must apply"
    response = api.submit(text, validation_only="true")
    assert response.status_code == 400, response.text
    assert words in response.json()["message"]


def test_a_workflow_runs_through_the_state_machine_and_writes_logs(api):
    name = unique("happy")
    response = api.submit(SPEC.format(name=name), set_string_variables=["greeting=bonjour"])
    assert response.status_code == 200, response.text
    workflow_id = response.json()["name"]
    assert workflow_id.startswith(name + "-") and workflow_id.rsplit("-", 1)[1].isdigit()
    first = api.call("GET", f"/api/workflow/{workflow_id}").json()
    assert first["status"] in ("PENDING", "RUNNING")
    data = api.wait(workflow_id)
    assert data["status"] == "COMPLETED", data
    assert [g["status"] for g in data["groups"]] == ["COMPLETED"] * 3
    assert [g["name"] for g in data["groups"]] == ["produce-group", "consume-group", "report-group"]
    task = data["groups"][1]["tasks"][0]
    assert task["name"] == "consume" and task["exit_code"] == 0 and task["lead"] is True
    logs = api.call("GET", f"/api/workflow/{workflow_id}/logs", params={"task_name": "produce"}).text
    assert "produced bonjour" in logs
    assert "[consume]" not in logs


def test_a_failing_task_fails_its_downstream_as_failed_upstream(api):
    name = unique("sad")
    response = api.submit(SPEC.format(name=name), set_variables=["exit_code=3"])
    workflow_id = response.json()["name"]
    data = api.wait(workflow_id)
    assert data["status"] == "FAILED"
    statuses = {g["tasks"][0]["name"]: (g["tasks"][0]["status"], g["tasks"][0]["exit_code"]) for g in data["groups"]}
    assert statuses["produce"] == ("COMPLETED", 0)
    assert statuses["consume"] == ("FAILED", 3)
    assert statuses["report"][0] == "FAILED_UPSTREAM"
    errors = api.call("GET", f"/api/workflow/{workflow_id}/error_logs", params={"task_name": "consume"})
    assert errors.status_code == 200 and "consumed" in errors.text


def test_list_filters_by_name_status_and_pool(api):
    name = unique("listed")
    ids = [api.submit(SPEC.format(name=name)).json()["name"] for unused in range(2)]
    assert ids[1].endswith("-2") or ids[1] != ids[0]
    everything = api.call("GET", "/api/workflow", params={"name": name, "pools": api.target.pool,
                                                          "order": "DESC"}).json()
    assert [w["name"] for w in everything["workflows"]] == list(reversed(ids))
    assert everything["more_entries"] is False
    limited = api.call("GET", "/api/workflow", params={"name": name, "pools": api.target.pool, "limit": 1}).json()
    assert len(limited["workflows"]) == 1 and limited["more_entries"] is True
    none = api.call("GET", "/api/workflow", params={"name": name, "pools": api.target.pool,
                                                    "statuses": "FAILED_CANCELED"}).json()
    assert none["workflows"] == []
    too_many = api.call("GET", "/api/workflow", params={"all_pools": "true", "limit": 5000})
    assert too_many.status_code == 400
    for workflow_id in ids:
        api.call("POST", f"/api/workflow/{workflow_id}/cancel")


def test_cancel_stops_a_running_workflow_and_refuses_a_finished_one(api):
    slow = SPEC.format(name=unique("cancel")).replace("echo report", "sleep 600")
    workflow_id = api.submit(slow).json()["name"]
    response = api.call("POST", f"/api/workflow/{workflow_id}/cancel", params={"message": "test"})
    assert response.status_code == 200 and response.json() == {"name": workflow_id}
    data = api.wait(workflow_id)
    assert data["status"] == "FAILED_CANCELED"
    again = api.call("POST", f"/api/workflow/{workflow_id}/cancel")
    assert again.status_code == 400 and "already finished" in again.json()["message"]


def test_an_unknown_workflow_is_a_400_saying_not_found(api):
    response = api.call("GET", "/api/workflow/does-not-exist-1")
    assert response.status_code == 400
    assert "not found" in response.json()["message"]


def test_access_tokens_are_exchanged_for_expiring_jwts(osmo_api):
    from support import tls

    ca = tls.ca_bundle_path()
    bad = requests.post(osmo_api.url + "/api/auth/jwt/access_token", json={"token": "wrong"}, verify=ca)
    assert bad.status_code == 400
    issued = requests.post(osmo_api.url + "/api/auth/jwt/access_token", json={"token": ACCESS_TOKEN},
                           verify=ca).json()
    assert issued["expires_at"] > time.time()
    ok = requests.get(osmo_api.url + "/api/version", headers={"Authorization": "Bearer " + issued["token"]},
                      verify=ca)
    assert ok.status_code == 200
    osmo_api.jwts[issued["token"]] = (osmo_api.jwts[issued["token"]][0], time.time() - 1)
    expired = requests.get(osmo_api.url + "/api/version", headers={"Authorization": "Bearer " + issued["token"]},
                           verify=ca)
    assert expired.status_code == 401 and expired.text == "Jwt is expired"


def test_the_request_log_records_calls_without_secrets(osmo_api):
    from support import tls

    api = Api(OsmoTarget("emulator", osmo_api.url, TOKEN, "default", tls.ca_bundle_path(), osmo_api))
    api.submit(SPEC.format(name="logged"), validation_only="true")
    entry = osmo_api.requests_to("POST", r"/api/pool/default/workflow")[-1]
    assert entry["query"] == {"validation_only": ["true"]}
    assert entry["body"]["file"].startswith("workflow:") and entry["status"] == 200
    assert entry["authorization"] == "bearer" and "emulator-token" not in json.dumps(entry)


def test_injected_failure_rules_fail_matching_tasks(osmo_api):
    from support import tls

    osmo_api.store.failure_rules.append({"task": "produce", "exit_code": 137, "log": "Killed (out of memory)"})
    api = Api(OsmoTarget("emulator", osmo_api.url, TOKEN, "default", tls.ca_bundle_path(), osmo_api))
    workflow_id = api.submit(SPEC.format(name="injected")).json()["name"]
    data = api.wait(workflow_id, timeout=30)
    assert data["status"] == "FAILED"
    assert [g["status"] for g in data["groups"]] == ["FAILED", "FAILED_UPSTREAM", "FAILED_UPSTREAM"]
    logs = api.call("GET", f"/api/workflow/{workflow_id}/logs").text
    assert "Killed (out of memory)" in logs and "exited with code 137" in logs


def test_process_mode_serves_the_same_api(osmo_emulator_process):
    url = osmo_emulator_process["url"]
    assert requests.get(url + "/api/version", timeout=10).status_code == 401
    headers = {"Authorization": "Bearer emulator-token"}
    response = requests.post(url + "/api/pool/default/workflow", headers=headers, timeout=10,
                             json={"file": SPEC.format(name="process")})
    assert response.json()["name"] == "process-1"
    log = requests.get(url + "/_emulator/requests", timeout=10).json()["requests"]
    assert [r["path"] for r in log] == ["/api/version", "/api/pool/default/workflow"]

    # The admin API: timing and failure rules for later submissions, a cleared request log.
    timing = requests.post(url + "/_emulator/timing", json={"run_seconds": 0.1, "queue_seconds": 0}, timeout=10)
    assert timing.json()["run_seconds"] == 0.1
    requests.post(url + "/_emulator/failures", json={"task": "consume", "exit_code": 42}, timeout=10)
    requests.delete(url + "/_emulator/requests", timeout=10)
    workflow_id = requests.post(url + "/api/pool/default/workflow", headers=headers, timeout=10,
                                json={"file": SPEC.format(name="process")}).json()["name"]
    assert workflow_id == "process-2"
    deadline = time.time() + 20
    while (data := requests.get(f"{url}/api/workflow/{workflow_id}", headers=headers, timeout=10).json())[
            "status"] in ("PENDING", "RUNNING"):
        assert time.time() < deadline
        time.sleep(0.1)
    assert [g["tasks"][0].get("exit_code") for g in data["groups"]] == [0, 42, None]
    assert data["groups"][2]["status"] == "FAILED_UPSTREAM"
    assert len(requests.get(url + "/_emulator/requests", timeout=10).json()["requests"]) >= 2


def test_process_mode_help():
    out = subprocess.run([sys.executable, "-m", "emulators.osmo", "--help"], cwd=PROJECT_ROOT / "tests",
                         capture_output=True, text=True, check=True).stdout
    assert "--port" in out and "--access-token" in out

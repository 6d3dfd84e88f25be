"""The emulated AzureML workspace itself: the ARM contract it enforces, and its process mode."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from support.module_runner import run_module
from support.paths import PROJECT_ROOT
from support.tls import ca_bundle_path


def call(server, method, path, body=None, token="emulator-token", api_version="2024-04-01"):
    url = server.url.rstrip("/") + path
    if api_version:
        url += ("&" if "?" in url else "?") + "api-version=" + api_version
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    context = ssl.create_default_context(cafile=ca_bundle_path())
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None, dict(response.headers)
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        return err.code, json.loads(text) if text else None, dict(err.headers)


def env_body(image="nvcr.io/nvidia/isaac-lab:2.3.2"):
    return {"properties": {"image": image, "isAnonymous": False}}


def job_body(ws, instance_type="gpuspot", command="echo hi"):
    return {"properties": {"jobType": "Command", "command": command,
                           "computeId": "%s/computes/%s" % (ws.arm_id, ws.compute_name),
                           "environmentId": "%s/environments/env/versions/1" % ws.arm_id,
                           "resources": {"instanceType": instance_type}}}


def test_arm_contract(azureml_emulator):
    server, ws = azureml_emulator, azureml_emulator.workspace
    status, body, headers = call(server, "GET", ws.arm_id, token=None)
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in headers
    assert call(server, "GET", ws.arm_id, token="wrong")[1]["error"]["code"] == "InvalidAuthenticationToken"
    assert call(server, "GET", ws.arm_id, api_version=None)[1]["error"]["code"] == "MissingApiVersionParameter"
    assert call(server, "GET", ws.arm_id, api_version="2019-01-01")[1]["error"]["code"] == \
        "InvalidApiVersionParameter"
    assert call(server, "GET", ws.arm_id.replace(ws.resource_group, "rg-other"))[0] == 404

    status, workspace = call(server, "GET", ws.arm_id)[:2]
    assert status == 200 and workspace["properties"]["discoveryUrl"].startswith(server.url)
    assert workspace["properties"]["mlFlowTrackingUri"].startswith("azureml://")
    compute = call(server, "GET", ws.arm_id + "/computes/" + ws.compute_name)[1]
    assert compute["properties"]["computeType"] == "Kubernetes"
    assert "gpuspot" in compute["properties"]["properties"]["instanceTypes"]

    assert call(server, "PUT", ws.arm_id + "/environments/env/versions/1", env_body())[0] == 201
    assert call(server, "PUT", ws.arm_id + "/environments/env/versions/1", env_body())[0] == 200
    conflict = call(server, "PUT", ws.arm_id + "/environments/env/versions/1", env_body("other/image:1"))
    assert conflict[0] == 409

    assert call(server, "PUT", ws.arm_id + "/jobs/j-bad", job_body(ws, "gpu8"))[0] == 400
    status, job = call(server, "PUT", ws.arm_id + "/jobs/j1", job_body(ws))[:2]
    assert status == 201 and job["properties"]["services"]["Studio"]["endpoint"].startswith("https://ml.azure.com/")
    assert call(server, "PUT", ws.arm_id + "/jobs/j1", job_body(ws))[0] == 409
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen.append(call(server, "GET", ws.arm_id + "/jobs/j1")[1]["properties"]["status"])
        if seen[-1] == "Completed":
            break
        time.sleep(0.2)
    assert seen[0] == "Queued" and "Running" in seen and seen[-1] == "Completed"
    # The request log has every call, with its body and outcome.
    puts = [e for e in ws.requests if e["method"] == "PUT" and e["path"].endswith("/jobs/j1")]
    assert [e["status"] for e in puts] == [201, 409]
    assert puts[0]["body"]["properties"]["resources"]["instanceType"] == "gpuspot"


def test_cancel_is_a_long_running_operation(azureml_emulator):
    server, ws = azureml_emulator, azureml_emulator.workspace
    from emulators.azureml import JobRule

    ws.add_rule(JobRule(command_contains="sleep", running_seconds=60))
    call(server, "PUT", ws.arm_id + "/environments/env/versions/1", env_body())
    call(server, "PUT", ws.arm_id + "/jobs/j2", job_body(ws, command="sleep 60"))
    status, headers = call(server, "POST", ws.arm_id + "/jobs/j2/cancel")[::2]
    assert status == 202 and "/operationResults/" in headers["Location"]
    time.sleep(0.5)
    assert call(server, "GET", ws.arm_id + "/jobs/j2")[1]["properties"]["status"] == "Canceled"
    operation = headers["Location"].split(server.url.rstrip("/"), 1)[1]
    assert call(server, "GET", operation, api_version=None)[0] == 200
    assert call(server, "POST", ws.arm_id + "/jobs/j2/cancel")[0] == 400


def test_process_mode_serves_modules_and_keeps_a_request_log(tmp_path):
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "emulators.azureml", "--request-log", str(log),
                             "--queued-seconds", "0.2", "--running-seconds", "0.5"],
                            cwd=PROJECT_ROOT / "tests", stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT / "tests")))
    try:
        ready = json.loads(proc.stdout.readline())
        args = {"subscription_id": ready["subscription_id"], "resource_group": ready["resource_group"],
                "workspace_name": ready["workspace_name"], "auth_source": "access_token",
                "access_token": ready["token"], "cloud": ready["url"], "ca_bundle": ready["ca_bundle"]}
        run = run_module("azureml_job", dict(args, compute=ready["compute"], command="echo hi",
                                             environment={"name": "env", "version": "1", "image": "python:3.11"},
                                             wait=True, poll_interval=1))
        assert not run.failed, run
        assert run.result["job"]["status"] == "Completed"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["method"] for e in entries if e["method"] == "PUT"] == ["PUT", "PUT"]
    assert any(e["path"].endswith("/environments/env/versions/1") for e in entries)

"""The common Azure options as a user meets them: through ansible, module_defaults and bad input."""

from __future__ import annotations

import json
import subprocess

import pytest

from support.paths import PROJECT_ROOT, tool
from support.playbook import ansible_env, run_playbook


def adhoc(module_args: str, env: dict | None = None) -> tuple[int, dict]:
    proc = subprocess.run(
        [tool("ansible"), "localhost", "-m", "azure_robotics.stack.azure_auth_info", "-a", module_args,
         "-e", "ansible_python_interpreter={{ ansible_playbook_python }}"],
        cwd=PROJECT_ROOT, env=ansible_env({"ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "oneline",
                                           **(env or {})}),
        capture_output=True, text=True, check=False, timeout=120,
    )
    # oneline: "localhost | FAILED! => {...}" / "localhost | SUCCESS => {...}"
    line = next(l for l in proc.stdout.splitlines() if l.startswith("localhost"))
    return proc.returncode, json.loads(line.split("=>", 1)[1])


@pytest.mark.parametrize("args, option", [
    ("auth_source=password", "auth_source"),
    ("cloud=http://127.0.0.1:8443", "cloud="),
    ("cloud=mars", "cloud="),
    ("auth_source=workload_identity tenant_id=t client_id=c", "federated_token_file"),
    ("auth_source=access_token", "access_token"),
    ("api_retries=-1", "api_retries"),
    ("ca_bundle=/nonexistent/ca.pem", "ca_bundle"),
])
def test_bad_common_options_fail_naming_the_option(args, option):
    rc, result = adhoc(args, env={"AZURE_FEDERATED_TOKEN_FILE": "", "AZURE_ACCESS_TOKEN": ""})
    assert rc != 0
    assert option in result["msg"], result["msg"]


def test_environment_fallbacks_and_custom_cloud():
    rc, result = adhoc("", env={"AZURE_CLOUD": "https://arm.example.test:8443", "AZURE_SUBSCRIPTION_ID": "sub-1"})
    assert rc == 0, result
    assert result["cloud"]["resource_manager"] == "https://arm.example.test:8443/"
    assert result["cloud"]["custom"] is True
    assert result["subscription_id"] == "sub-1"


def test_access_token_is_never_shown(tmp_path):
    token = "header.eyJ0aWQiOiJ0ZW5hbnQtMSIsIm9pZCI6Im9iai0xIn0.signature"
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  connection: local\n"
        "  vars: {ansible_python_interpreter: '{{ ansible_playbook_python }}'}\n"
        "  module_defaults:\n"
        "    group/azure_robotics.stack.azure:\n"
        "      auth_source: access_token\n"
        f"      access_token: {token}\n"
        "      cloud: usgov\n"
        "  tasks:\n"
        "    - azure_robotics.stack.azure_auth_info: {verify: true}\n"
        "      register: auth\n"
        "    - ansible.builtin.assert:\n"
        "        that:\n"
        "          - auth.cloud.name == 'usgov'\n"
        "          - auth.identity.tenant_id == 'tenant-1'\n"
        "          - auth.identity.object_id == 'obj-1'\n"
    )
    run = run_playbook(str(playbook), "-vvv", inventory="localhost,")
    assert run.rc == 0, run
    assert token not in run.stdout and token not in run.stderr

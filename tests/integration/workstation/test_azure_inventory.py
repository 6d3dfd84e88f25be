"""The same workstation playbook with inventories/azure: the training goes to AzureML (here the emulated
workspace), nothing starts on this machine. Only connection details differ from a real workspace."""

from __future__ import annotations

import pytest

from support.paths import PROJECT_ROOT
from support.playbook import run_playbook, task_statuses

pytestmark = pytest.mark.slow


def test_inventories_azure_sends_the_loop_s_training_to_azureml(azureml_emulator):
    from emulators.azureml.fixtures import emulator_target

    target = emulator_target(azureml_emulator)
    args = target.module_args
    extra = {
        # What a real environment sets in its inventory copy or environment (subscription, workspace, compute);
        # the token, cloud endpoint and CA bundle only point the modules at the emulator.
        "azure_subscription_id": args["subscription_id"],
        "azure_auth_source": args["auth_source"],
        "azure_access_token": args["access_token"],
        "azure_cloud": args["cloud"],
        "azure_ca_bundle": args["ca_bundle"],
        "training_job_azureml_resource_group": args["resource_group"],
        "training_job_azureml_workspace_name": args["workspace_name"],
        "training_job_azureml_compute": target.compute,
        "training_job_azureml_poll_interval": 1,
        "training_job_stream": False,
        "training_job_wait_timeout": 300,
    }
    inventory = str(PROJECT_ROOT / "inventories" / "azure")
    run = run_playbook("playbooks/workstation.yml", inventory=inventory, extra_vars=extra)
    assert run.rc == 0, run
    platform = [s for t, s in task_statuses(run.stdout) if t.startswith("azure_robotics.stack.local_platform")]
    assert platform and set(platform) == {"skipping"}, run  # nothing starts on this machine

    jobs = target.requests("PUT", "/jobs/")
    assert len(jobs) == 1, jobs
    body = jobs[0]["body"]["properties"]
    # The inventory's group_vars/workstation.yml chose the task, the experiment and the instance type.
    assert body["command"].startswith("robotics-training train --task Isaac-Velocity-Rough-Anymal-C-v0 ")
    assert body["experimentName"] == "isaaclab-anymal"
    assert body["resources"]["instanceType"] == "gpuspot"
    assert "Backend:        azureml" in run.stdout and "Status:         Completed" in run.stdout, run

    again = run_playbook("playbooks/workstation.yml", inventory=inventory, extra_vars=extra)
    assert again.rc == 0 and again.changed == 0, again
    assert len(target.requests("PUT", "/jobs/")) == 1  # the deterministic job name finds the first job


def test_inventories_azure_with_training_backend_osmo_submits_an_osmo_workflow(osmo_emulator_target, azurite, tmp_path):
    emulator = osmo_emulator_target.emulator
    emulator.tokens["workstation-loop-token"] = "ansible"
    extra = {
        "training_backend": "osmo",  # the one line that changes between the two cluster backends
        "training_job_osmo_token": "workstation-loop-token",
        "training_job_osmo_ca_bundle": osmo_emulator_target.ca_bundle,
        "training_job_osmo_code_storage_url": "azure://devstoreaccount1/osmo/osmo-code",
        "training_job_osmo_storage_connection_string": azurite["connection_string"],
        "training_job_osmo_poll_interval": 1,
        "training_job_wait": True,
        "training_job_wait_timeout": 120,
        "training_job_stream": False,
    }
    env = {"OSMO_URL": osmo_emulator_target.url, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    inventory = str(PROJECT_ROOT / "inventories" / "azure")
    run = run_playbook("playbooks/workstation.yml", inventory=inventory, extra_vars=extra, env=env)
    assert run.rc == 0, run
    submitted = [r for r in emulator.requests_to("POST", r"/api/pool/default/workflow")
                 if "validation_only" not in r["query"]]
    assert len(submitted) == 1
    spec = submitted[0]["body"]["file"]
    assert "Isaac-Velocity-Rough-Anymal-C-v0" in spec and "anymal-rough-policy" in spec
    assert "Backend:        osmo" in run.stdout and "Status:         COMPLETED" in run.stdout, run
    assert "workstation-loop-token" not in run.stdout + run.stderr

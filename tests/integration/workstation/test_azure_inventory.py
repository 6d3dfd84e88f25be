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

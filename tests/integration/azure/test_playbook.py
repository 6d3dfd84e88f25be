"""The user's path: ansible-playbook with module_defaults for group/azure_robotics.stack.azure, against the ARM
emulator running as a separate process (the emulator's custom-cloud URL, the access_token auth source)."""

from __future__ import annotations

import json
import textwrap

import pytest

from emulators.arm.fixture import emulator_module_args
from support.azure import mutating
from support.playbook import run_playbook

pytestmark = pytest.mark.slow

PLAYBOOK = textwrap.dedent("""\
    - name: Azure resources of the platform, against the ARM emulator
      hosts: localhost
      gather_facts: false
      vars:
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
        group: rg-azr-playbook
        pool_max: 2
      module_defaults:
        group/azure_robotics.stack.azure: "{{ azure }}"
      tasks:
        - name: Resource group
          azure_robotics.stack.resource_group:
            name: "{{ group }}"
            location: westeurope

        - name: Identity of the ML workloads
          azure_robotics.stack.user_assigned_identity:
            name: id-ml
            resource_group: "{{ group }}"
            location: westeurope
          register: ml_identity

        - name: Contributor on the group for it
          azure_robotics.stack.role_assignment:
            scope: "/subscriptions/{{ azure.subscription_id }}/resourceGroups/{{ group }}"
            principal_id: "{{ ml_identity.principal_id }}"
            principal_type: ServicePrincipal
            role: Contributor

        - name: Cluster
          azure_robotics.stack.aks_cluster:
            name: aks-playbook
            resource_group: "{{ group }}"
            location: westeurope
            oidc_issuer: true
            workload_identity: true
            entra_id:
              azure_rbac: true
            disable_local_accounts: true
            system_pool:
              vm_size: Standard_D4ds_v5
              count: 1
          register: aks

        - name: GPU Spot pool
          azure_robotics.stack.aks_nodepool:
            name: gpu
            cluster: aks-playbook
            resource_group: "{{ group }}"
            vm_size: Standard_NC24ads_A100_v4
            priority: Spot
            eviction_policy: Delete
            min_count: 0
            max_count: "{{ pool_max }}"
            taints: ["nvidia.com/gpu=present:NoSchedule"]

        - name: Federated credential for a service account
          azure_robotics.stack.federated_credential:
            name: ml-default
            identity: id-ml
            resource_group: "{{ group }}"
            issuer: "{{ aks.oidc_issuer_url }}"
            subject: system:serviceaccount:azureml:default

        - name: API server token
          azure_robotics.stack.aks_credentials:
            name: aks-playbook
            resource_group: "{{ group }}"
          register: access

        - name: The token reached the play
          ansible.builtin.assert:
            that:
              - access.token | length > 20
              - "'token' in access.kubeconfig"
            quiet: true
    """)


@pytest.fixture(scope="module")
def project(tmp_path_factory, arm_emulator_process):
    directory = tmp_path_factory.mktemp("azure-playbook")
    (directory / "site.yml").write_text(PLAYBOOK)
    info = arm_emulator_process.info
    azure = emulator_module_args(info["url"], info["subscription_id"], "8a0b6c1d-2e3f-4a5b-9c6d-7e8f9a0b1c2d")
    return directory, {"azure": azure}, arm_emulator_process


def test_first_run_creates_everything_second_run_changes_nothing(project):
    directory, extra_vars, admin = project
    first = run_playbook(str(directory / "site.yml"), extra_vars=extra_vars)
    assert first.rc == 0, first
    assert first.stats()["changed"] == 6, first
    admin.clear_requests()
    second = run_playbook(str(directory / "site.yml"), extra_vars=extra_vars)
    assert second.rc == 0 and second.changed == 0, second
    assert mutating(admin.requests()) == []


def test_secrets_never_reach_the_output(project):
    directory, extra_vars, admin = project
    run = run_playbook(str(directory / "site.yml"), "-vvv", extra_vars=extra_vars)
    assert run.rc == 0, run
    token = extra_vars["azure"]["access_token"]
    assert token not in run.stdout and token not in run.stderr
    assert "certificate-authority-data" not in run.stdout
    assert "the output has been hidden" in run.stdout


def test_check_mode_with_diff_shows_the_change_and_sends_nothing(project):
    directory, extra_vars, admin = project
    admin.clear_requests()
    run = run_playbook(str(directory / "site.yml"), extra_vars=dict(extra_vars, pool_max=4), check=True, diff=True)
    assert run.rc == 0 and run.changed == 1, run
    assert "maxCount" in run.stdout and json.dumps(4) in run.stdout
    assert mutating(admin.requests()) == []

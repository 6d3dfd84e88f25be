"""playbooks/resim.yml as a user runs it, against the Kubernetes emulator."""

from __future__ import annotations

import json

import kubernetes
import pytest
import yaml

from emulators.k8s import Failure, JobBehaviour
from support.playbook import run_playbook
from support.resim import NODE_POOLS, with_claims

pytestmark = pytest.mark.slow


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"all": {"vars": {"node_pools": NODE_POOLS}, "children": {"aks": {"hosts": {
        "aks-controller": {"ansible_connection": "local",
                           "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}}}))
    return str(path)


BATCH = {"njobs": 40, "parallelism": 10, "image": "registry.example/resim:1.0", "command": ["/opt/resim/run.sh"],
         "input_prefix": "recordings/2024-04", "output_prefix": "results"}


@pytest.mark.k8s_config(pod_duration=0.05)
def test_a_batch_runs_reports_and_reruns_as_a_no_op(k8s_emulator, inventory, tmp_path):
    with_claims(k8s_emulator)
    k8s_emulator.cluster.add_job_behaviour(JobBehaviour(match_name="resim-b-*", failures={5: Failure()}))
    env = {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path)}
    template = tmp_path / "job.yaml"
    template.write_text(yaml.safe_dump({"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {
        "containers": [{"name": "resim", "image": "placeholder"}, {"name": "gpu-load",
                                                                   "image": "nvidia/samples:gpu"}]}}}}))
    first = run_playbook("playbooks/resim.yml", inventory=inventory, env=env,
                         extra_vars=dict(BATCH, job_template=str(template)))
    assert first.rc == 0, first
    assert first.changed == 1, first
    assert "succeeded=39" in first.stdout and "Failed indexes: 5" in first.stdout, first
    jobs = kubernetes.client.BatchV1Api(k8s_emulator.api_client()).list_namespaced_job("resim").items
    assert len(jobs) == 1 and jobs[0].spec.completions == 40
    assert [c.name for c in jobs[0].spec.template.spec.containers] == ["resim", "gpu-load"]
    assert jobs[0].spec.template.spec.service_account_name == "resim"
    progress = [json.loads(line) for line in next(tmp_path.glob("resim-*.progress.jsonl")).read_text().splitlines()]
    assert progress[-1]["succeeded"] == 39 and len(progress) >= 2

    again = run_playbook("playbooks/resim.yml", inventory=inventory, env=env,
                         extra_vars=dict(BATCH, job_template=str(template)))
    assert again.rc == 0 and again.changed == 0, again

    retried = run_playbook("playbooks/resim.yml", inventory=inventory, env=env,
                           extra_vars=dict(BATCH, job_template=str(template), resim_retry_failed=True))
    assert retried.rc == 0 and retried.changed == 1, retried
    assert "succeeded=40" in retried.stdout and "Failed indexes: none" in retried.stdout, retried


def test_bad_input_is_named(k8s_emulator, inventory, tmp_path):
    with_claims(k8s_emulator)
    env = {"K8S_AUTH_KUBECONFIG": k8s_emulator.kubeconfig_path, "TMPDIR": str(tmp_path)}
    run = run_playbook("playbooks/resim.yml", inventory=inventory, env=env, extra_vars=dict(BATCH, njobs=0))
    assert run.rc != 0 and "njobs must be a whole number >= 1" in run.stdout, run
    run = run_playbook("playbooks/resim.yml", inventory=inventory, env=env, extra_vars=dict(BATCH, node_pool="a100"))
    assert run.rc != 0 and "node_pool 'a100' is not declared in node_pools (declared: gpu)" in run.stdout, run
    assert not [r for r in k8s_emulator.requests if r["method"] != "GET"]

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: resim_batch
short_description: Run a resimulation batch of N GPU tasks on Kubernetes as one Indexed Job
version_added: 0.1.0
description:
  - Submits O(njobs) tasks as one Indexed Job (C(completions=njobs), C(parallelism), a per-index backoff limit and
    a pod failure policy), whatever O(njobs) is, in four API requests.
  - Each pod runs O(command) after a short shell prelude that derives, from its completion index, the environment
    variables C(RESIM_TASK_INDEX), C(RESIM_INPUT_SHARD) (under O(input_prefix) on the read-only input claim) and
    C(RESIM_OUTPUT_PREFIX) (under O(output_prefix)/O(batch_id) on the output claim, created if missing). The image
    therefore needs C(/bin/sh), C(expr), C(cut) and C(mkdir).
  - GPU requests, node selector and tolerations come from the node pool O(node_pool) in the O(node_pools)
    declaration, so they match the taints and time slicing of that pool.
  - The batch is identified by O(batch_id): running the module again with the same id and options changes nothing
    and reports the batch's progress and per-index results. Changing what the tasks run under an existing id fails;
    O(parallelism) may change while the batch runs.
  - With O(retry_failed=true), once the batch has finished, the indexes that failed (and only those) run again as a
    new Indexed Job C(resim-<batch_id>-r<n>), up to O(max_attempts) attempts in all.
  - O(state=cancelled) suspends the batch (pods stop, finished results stay); O(state=present) resumes it.
    O(state=absent) deletes its Jobs, their pods and its record. Finished Jobs are deleted by Kubernetes after
    O(ttl_seconds_after_finished); their results are kept in the batch's record ConfigMap C(resim-<batch_id>).
  - Checks that the claims exist before submitting. The claims are created by the
    P(azure_robotics.stack.resim_cluster#role) role.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  batch_id:
    description:
      - Name of the batch; the Jobs are C(resim-<batch_id>) and C(resim-<batch_id>-r<attempt>).
      - Lowercase letters, digits and C(-), at most 50 characters.
    type: str
    required: true
  namespace:
    description: Namespace of the batch and of its claims.
    type: str
    default: resim
  state:
    description:
      - V(present) submits the batch (or resumes a cancelled one) and reports its progress.
      - V(cancelled) suspends every unfinished attempt.
      - V(absent) deletes the batch.
    type: str
    choices: [present, cancelled, absent]
    default: present
  njobs:
    description: Number of tasks (completions), 1 to 100000. Required with O(state=present).
    type: int
  parallelism:
    description:
      - How many tasks run at once. Defaults to O(njobs). A value above O(njobs) is reduced to O(njobs) with a
        warning. Can be changed while the batch runs.
    type: int
  image:
    description: Container image of the tasks (or the image of the O(job_template)'s container).
    type: str
  command:
    description:
      - The task's command, run after the prelude. Required unless the O(job_template)'s container has one.
    type: list
    elements: str
  args:
    description: Arguments appended to O(command).
    type: list
    elements: str
  env:
    description: Extra environment variables of the task.
    type: dict
  labels:
    description: Extra labels of the Jobs and pods.
    type: dict
  input_claim:
    description: PersistentVolumeClaim of the input container, mounted read-only.
    type: str
    default: resim-input
  output_claim:
    description: PersistentVolumeClaim of the output container.
    type: str
    default: resim-output
  input_prefix:
    description: Folder of the input shards inside the input container; task I(i) reads C(<input_prefix>/<i>).
    type: str
    default: ''
  output_prefix:
    description: Folder of the results; task I(i) writes to C(<output_prefix>/<batch_id>/<i>).
    type: str
    default: ''
  input_mount_path:
    description: Where the input claim is mounted in the task's container.
    type: str
    default: /mnt/resim/input
  output_mount_path:
    description: Where the output claim is mounted in the task's container.
    type: str
    default: /mnt/resim/output
  shard_width:
    description: Zero-pad shard names to this width (V(5) gives C(00042)); V(0) does not pad.
    type: int
    default: 0
  output_url:
    description:
      - URL of the output container (for example C(https://<account>.blob.core.windows.net/output)); when set,
        each index's result carries its C(output_url).
    type: str
  node_pool:
    description:
      - Pool of O(node_pools) the tasks run on; its taints become tolerations (plus the Spot taint on Spot pools)
        and it is selected by its C(kubernetes.azure.com/agentpool) label (see O(node_selector_by)).
    type: str
  node_pools:
    description:
      - The C(node_pools) declaration of the inventory (pool name to settings). Required with O(node_pool).
    type: dict
  node_selector_by:
    description: Select the pool's nodes by AKS agent pool name or by VM size.
    type: str
    choices: [agentpool, vm_size]
    default: agentpool
  gpus:
    description:
      - GPUs per task (V(0) for CPU-only tasks). On a time-sliced pool each unit is a share of a GPU; a pool with
        C(gpu_sharing.rename_by_default) is requested as C(nvidia.com/gpu.shared).
    type: int
    default: 1
  cpu:
    description: CPU request per task (Kubernetes quantity).
    type: str
  memory:
    description: Memory request per task (Kubernetes quantity).
    type: str
  backoff_limit_per_index:
    description: Retries of a task inside an attempt before its index is marked failed.
    type: int
    default: 1
  max_failed_indexes:
    description: Fail the attempt early once more than this many indexes have failed.
    type: int
  fail_index_exit_codes:
    description:
      - Exit codes meaning "this task cannot succeed" (for example a corrupt recording): the index fails at once,
        without its retries. Pod disruptions (such as Spot evictions) never count as failures.
    type: list
    elements: int
  active_deadline_seconds:
    description: Fail an attempt still running after this many seconds.
    type: int
  ttl_seconds_after_finished:
    description: Kubernetes deletes a finished Job and its pods after this many seconds (default one week).
    type: int
    default: 604800
  service_account_name:
    description: Service account of the pods (for example one federated for workload identity).
    type: str
  priority_class_name:
    description: Priority class of the pods.
    type: str
  job_template:
    description:
      - A C(batch/v1) Job manifest to start from, for pod settings this module has no option for (sidecars,
        volumes, security context, affinity). Its container named C(resim) (or its first container) runs the task.
      - Completion mode, completions, parallelism, restart policy, the claims and the labels are always the
        module's.
    type: dict
  retry_failed:
    description: When the batch has finished with failed indexes, run those indexes again.
    type: bool
    default: false
  max_attempts:
    description: Attempts in all (the first one included) that O(retry_failed) may reach.
    type: int
    default: 3
  wait:
    description:
      - Wait until the batch finishes (with O(retry_failed), until the retries finish too), reporting progress.
      - Progress is returned in RV(progress) and, while waiting, appended to O(progress_file).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait; the batch keeps running after a timeout (reported as a warning).
    type: int
    default: 3600
  progress_file:
    description: File to which each progress change is appended as one JSON line while waiting (C(tail -f) it).
    type: path
extends_documentation_fragment:
  - azure_robotics.stack.k8s_connection
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the batch and its claims; returns the Jobs it would create in RV(manifests).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff shows the Job manifests submitted (or that would be).
notes:
  - The emulated cluster of the collection's tests runs this module unchanged; see C(tests/emulators/k8s/CONTRACT.md).
seealso:
  - role: azure_robotics.stack.resim_cluster
"""

EXAMPLES = r"""
- name: 1000 resimulation tasks on the Spot GPU pool, at most 50 at a time
  azure_robotics.stack.resim_batch:
    batch_id: drive-2024-04-r1
    njobs: 1000
    parallelism: 50
    image: myregistry.azurecr.io/resim:1.4.2
    command: [/opt/resim/run.sh]
    input_prefix: recordings/2024-04
    output_prefix: results
    shard_width: 5
    node_pool: gpu
    node_pools: "{{ node_pools }}"
    wait: true
    wait_timeout: 14400
  register: batch

- name: Run again the indexes that failed, and only those
  azure_robotics.stack.resim_batch:
    batch_id: drive-2024-04-r1
    njobs: 1000
    image: myregistry.azurecr.io/resim:1.4.2
    command: [/opt/resim/run.sh]
    input_prefix: recordings/2024-04
    output_prefix: results
    shard_width: 5
    node_pool: gpu
    node_pools: "{{ node_pools }}"
    retry_failed: true
    wait: true

- name: Stop the batch (finished tasks keep their results)
  azure_robotics.stack.resim_batch:
    batch_id: drive-2024-04-r1
    state: cancelled

- name: Remove the batch's Jobs and pods
  azure_robotics.stack.resim_batch:
    batch_id: drive-2024-04-r1
    state: absent
    wait: true
"""

RETURN = r"""
jobs:
  description: Jobs of the batch, one per attempt.
  returned: always
  type: list
  elements: str
  sample: [resim-drive-2024-04-r1, resim-drive-2024-04-r1-r1]
submitted:
  description: Jobs created by this run (or that would be, in check mode).
  returned: state=present
  type: list
  elements: str
manifests:
  description: The Job manifests of RV(submitted).
  returned: state=present
  type: list
  elements: dict
summary:
  description: Counts over all attempts.
  returned: state in (present, cancelled)
  type: dict
  sample:
    total: 1000
    succeeded: 997
    failed: 3
    pending: 0
    unknown: 0
    active: 0
    attempts: 1
    finished: true
    complete: false
    failed_indexes: [17, 404, 968]
    failed_ranges: "17,404,968"
    succeeded_ranges: "0-16,18-403,405-967,969-999"
indexes:
  description:
    - One entry per task, in index order; C(status) is V(succeeded), V(failed), V(pending) (not finished yet) or
      V(unknown) (its Job was deleted before its result was recorded).
  returned: state in (present, cancelled)
  type: list
  elements: dict
  sample:
    - index: 17
      status: failed
      attempt: 0
      input: recordings/2024-04/00017
      output: results/drive-2024-04-r1/00017
      output_url: https://resimout.blob.core.windows.net/output/results/drive-2024-04-r1/00017
progress:
  description: Progress observed while waiting, one entry per change (time, succeeded, failed, active, pending, attempt).
  returned: state=present
  type: list
  elements: dict
api_calls:
  description: Kubernetes API requests this run made (watch streams count once).
  returned: always
  type: int
  sample: 4
timings:
  description: Seconds spent submitting (C(submit_seconds), when a batch was submitted) and in all (C(total_seconds)).
  returned: always
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.azure_robotics.stack.plugins.module_utils.k8s.connection import (
    K8S_CONNECTION_ARGS,
    KubeConnectionError,
    api_client,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.resim.spec import SpecError, normalize

USER_AGENT = "azure_robotics.stack/resim_batch"


def main():
    argument_spec = dict(
        batch_id=dict(type="str", required=True),
        namespace=dict(type="str", default="resim"),
        state=dict(type="str", default="present", choices=["present", "cancelled", "absent"]),
        njobs=dict(type="int"),
        parallelism=dict(type="int"),
        image=dict(type="str"),
        command=dict(type="list", elements="str"),
        args=dict(type="list", elements="str"),
        env=dict(type="dict"),
        labels=dict(type="dict"),
        input_claim=dict(type="str", default="resim-input"),
        output_claim=dict(type="str", default="resim-output"),
        input_prefix=dict(type="str", default=""),
        output_prefix=dict(type="str", default=""),
        input_mount_path=dict(type="str", default="/mnt/resim/input"),
        output_mount_path=dict(type="str", default="/mnt/resim/output"),
        shard_width=dict(type="int", default=0),
        output_url=dict(type="str"),
        node_pool=dict(type="str"),
        node_pools=dict(type="dict"),
        node_selector_by=dict(type="str", default="agentpool", choices=["agentpool", "vm_size"]),
        gpus=dict(type="int", default=1),
        cpu=dict(type="str"),
        memory=dict(type="str"),
        backoff_limit_per_index=dict(type="int", default=1),
        max_failed_indexes=dict(type="int"),
        fail_index_exit_codes=dict(type="list", elements="int"),
        active_deadline_seconds=dict(type="int"),
        ttl_seconds_after_finished=dict(type="int", default=604800),
        service_account_name=dict(type="str"),
        priority_class_name=dict(type="str"),
        job_template=dict(type="dict"),
        retry_failed=dict(type="bool", default=False),
        max_attempts=dict(type="int", default=3),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=3600),
        progress_file=dict(type="path"),
    )
    argument_spec.update(K8S_CONNECTION_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[("state", "present", ("njobs",))],
                           required_by={"node_pool": ("node_pools",)})
    params = module.params
    if params["wait_timeout"] <= 0:
        module.fail_json(msg="wait_timeout must be a positive number of seconds, got %d" % params["wait_timeout"])
    try:
        spec = normalize(params, module.warn)
    except SpecError as exc:
        module.fail_json(msg=str(exc))

    from ansible_collections.azure_robotics.stack.plugins.module_utils.resim.batch import Batch, BatchError

    def on_progress(snapshot):
        if params["progress_file"]:
            with open(params["progress_file"], "a") as handle:
                handle.write(json.dumps(dict(snapshot, batch_id=spec["batch_id"])) + "\n")

    try:
        client = api_client(params, USER_AGENT, module.warn)
        batch = Batch(client, spec, check_mode=module.check_mode, warn=module.warn, progress=on_progress)
        if params["state"] == "present":
            result = batch.present(retry_failed=params["retry_failed"], max_attempts=params["max_attempts"],
                                   wait=params["wait"], timeout=params["wait_timeout"])
        elif params["state"] == "cancelled":
            result = batch.cancelled(wait=params["wait"], timeout=params["wait_timeout"])
        else:
            result = batch.absent(wait=params["wait"], timeout=params["wait_timeout"])
    except (KubeConnectionError, BatchError) as exc:
        module.fail_json(msg=str(exc))
    if module._diff and result.get("manifests"):
        result["diff"] = {"before": "", "after": "\n".join(json.dumps(m, indent=2, sort_keys=True)
                                                            for m in result["manifests"]),
                          "after_header": ", ".join(result["submitted"])}
    module.exit_json(batch_id=spec["batch_id"], namespace=spec["namespace"], **result)


if __name__ == "__main__":
    main()

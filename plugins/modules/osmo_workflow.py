#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: osmo_workflow
short_description: Submit, wait for and cancel NVIDIA OSMO workflows
version_added: 0.1.0
description:
  - Builds an OSMO workflow spec from parameters (one task) or takes it from a template, validates it client-side
    with OSMO's rules, submits it with C(POST /api/pool/{pool}/workflow), optionally waits for it to finish, and
    reports the failed tasks' logs when it fails. With O(state=canceled) it cancels a workflow.
  - "Client-side validation reports every problem at once, each with the path of the offending field (for example
    C(workflow.groups[1].tasks[0].resource)), before any request: only C(version), C(workflow) and
    C(default-values) at the top level; C(tasks) or C(groups), not both; exactly one lead per group; unique task and
    group names (case-insensitive, C(-) equals C(_)); integer C(cpu) and C(gpu); C(environment), not C(env);
    no unknown field at any level; valid names, durations, quantities and storage URLs; C(files) not under
    C(/osmo); task inputs that name existing tasks of earlier groups (no self, circular or same-group
    dependency); special tokens (C({{output}}), C({{input:N}}), C({{workflow_id}}), C({{host:task}})) written
    without inner spaces and resolvable; no undefined template variable."
  - Templates are rendered here the way the OSMO service renders them (Jinja2 sandbox, StrictUndefined, variables
    from C(default-values), O(set_variables) and O(set_string_variables)); like the C(osmo) CLI, the rendered spec
    is submitted and the template is attached for reference.
  - Every submission creates a new workflow. To make reruns converge, set O(idempotency_key) or O(idempotent);
    the workflow name then carries a hash of the key, an earlier submission with that name that is running or
    COMPLETED is reused (C(changed=false)), and only a FAILED one is submitted again (see O(resubmit_failed)).
  - "Code delivery: with O(code_dir) and O(code_url) a local source directory is packed into a deterministic,
    content-addressed archive C(<sha256>.tar.gz), uploaded to Azure Blob Storage only when absent, and given to the
    workflow as a C(url) input (never as base64 in an environment variable, which Linux caps at 128 KiB)."
  - In check mode nothing is submitted or uploaded; the spec is sent with C(validation_only=true), so OSMO's own
    checks (pool, resources, credentials) run too.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  state:
    description:
      - V(present) submits the workflow (or finds the earlier submission, see O(idempotency_key)).
      - V(canceled) cancels O(workflow_id), or the submission found by O(name) and O(idempotency_key).
    type: str
    choices: [present, canceled]
    default: present
  pool:
    description:
      - OSMO pool to submit to. Falls back to C(workflow.pool) of the spec, then to E(OSMO_POOL).
    type: str
  workflow_id:
    description: ID (C(<name>-<N>)) of the workflow to cancel with O(state=canceled).
    type: str
  name:
    description:
      - Workflow name for a spec built from parameters (OSMO names the workflow C(<name>-<N>)).
      - With O(state=canceled), the name used at submission together with O(idempotency_key).
    type: str
  task_name:
    description: Name of the single task of a spec built from parameters. Defaults to O(name).
    type: str
  image:
    description: Container image of the task (spec from parameters).
    type: str
  command:
    description: Entry point of the task, a list of strings (spec from parameters).
    type: list
    elements: str
  args:
    description: Arguments of the task (spec from parameters).
    type: list
    elements: str
  environment:
    description: Environment variables of the task (spec from parameters). Values become strings.
    type: dict
  resources:
    description:
      - The workflow's C(default) resource profile (spec from parameters).
    type: dict
    suboptions:
      cpu:
        description: Whole CPU cores (OSMO accepts integers only).
        type: raw
      gpu:
        description: Whole GPUs (OSMO accepts integers only).
        type: raw
      memory:
        description: Memory, a quantity such as C(16Gi).
        type: str
      storage:
        description: Ephemeral storage, a quantity such as C(100Gi).
        type: str
      platform:
        description: Platform of the pool (the pool's default platform otherwise).
        type: str
  inputs:
    description:
      - "Task inputs, each C({task: <name>}) or C({url: <storage URL>}) with an optional C(regex)
        (spec from parameters). Input N is downloaded to C({{input:N}})."
      - With O(code_dir) the code archive is input 0 and these follow.
    type: list
    elements: dict
  outputs:
    description: "Task outputs, each C({url: <storage URL>}) with an optional C(regex); C({{output}}) is uploaded there."
    type: list
    elements: dict
  files:
    description:
      - Files written into the task's container, each C({path, contents[, base64]}). Paths under C(/osmo) are
        refused; C(localpath) is a CLI-only feature and is refused too.
    type: list
    elements: dict
  credentials:
    description: The task's C(credentials) mapping, passed as is (spec from parameters).
    type: dict
  exit_actions:
    description: "The task's C(exitActions), for example C({RESCHEDULE: '137'}) (spec from parameters)."
    type: dict
  timeout:
    description: The workflow's C(timeout) (spec from parameters).
    type: dict
    suboptions:
      exec_timeout:
        description: Maximum run time of each group, C(<int><s|m|h|d>) such as C(23h).
        type: str
      queue_timeout:
        description: Maximum time each group may wait for resources.
        type: str
  template:
    description:
      - The workflow spec (YAML text, may be a Jinja template with C(default-values)). Exclusive with
        O(template_file) and with the spec-from-parameters options.
    type: str
  template_file:
    description: Path of a workflow spec or template on the host the module runs on.
    type: path
  set_variables:
    description:
      - Template variables, like C(osmo workflow submit --set). String values that look like numbers become
        numbers, as in OSMO.
    type: dict
    default: {}
  set_string_variables:
    description: Template variables that always stay strings, like C(--set-string).
    type: dict
    default: {}
  priority:
    description: Scheduling priority; V(LOW) is preemptible.
    type: str
    choices: [HIGH, NORMAL, LOW]
  env_vars:
    description: Environment variables added to every task at submission, like C(--set-env).
    type: dict
  idempotency_key:
    description:
      - Makes the submission idempotent. The workflow name becomes C(<name>-k<10 hex of sha256(key)>); when a
        workflow of that name already exists on the pool and is running or COMPLETED, nothing is submitted and the
        task reports C(changed=false) (and waits for it when O(wait=true)).
      - Use a value that identifies the run, for example an experiment name and a seed.
    type: str
  idempotent:
    description:
      - Derive O(idempotency_key) from the rendered spec, the pool, the priority and O(env_vars), so that
        running the same task again does not submit the same workflow twice.
    type: bool
    default: false
  resubmit_failed:
    description:
      - With an idempotency key, submit again when the earlier submission ended in a FAILED state.
      - With V(false) the failed workflow is reported (and fails the task when O(fail_on_failure=true)).
    type: bool
    default: true
  cancel_message:
    description: Message recorded with the cancellation.
    type: str
  force:
    description: With O(state=canceled), force the cancellation (also deletes the group's pods).
    type: bool
    default: false
  wait:
    description:
      - Wait until the workflow leaves PENDING/RUNNING/WAITING (or, with O(state=canceled), until it stopped).
      - With V(false) the task returns once OSMO accepted the submission.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true). On timeout the task fails with the workflow ID and its last status; the
        workflow keeps running.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between status reads while waiting (grows up to 30 s).
    type: float
    default: 10
  fail_on_failure:
    description:
      - Fail the task when the workflow ended in a FAILED state. The message names each failed task with its exit
        code and the last O(log_lines) lines of its log.
    type: bool
    default: true
  log_lines:
    description: Number of log lines fetched per failed task (0 fetches none).
    type: int
    default: 50
  code_dir:
    description:
      - Local directory packed into a deterministic archive (sorted entries, fixed times and owners, gzip without a
        timestamp) named after the SHA-256 of its contents.
      - VCS folders, caches and virtual environments are left out (see O(code_excludes)).
      - Needs O(code_url).
    type: path
  code_url:
    description:
      - Blob location the archive is uploaded to, C(azure://<account>/<container>[/<prefix>]); the archive becomes
        C(<code_url>/<sha256>.tar.gz) and is uploaded only when that blob does not exist yet.
      - For a spec built from parameters the archive is the task's input 0 (downloaded to C({{input:0}})); for a
        template its URL is the template variable named by O(code_variable).
    type: str
  code_excludes:
    description:
      - Extra exclude patterns added to the defaults. A pattern without C(/) is a file or folder name matched at
        any depth (shell wildcards allowed, for example C(*.ckpt)); a pattern with C(/) is a path relative to
        O(code_dir) (C(./data), C(/data) and C(data/) all mean the folder C(data) at the top).
    type: list
    elements: str
    default: []
  code_archive_dir:
    description: Local folder for the archives. Defaults to C(~/.cache/azure_robotics/code-archives).
    type: path
  code_variable:
    description: Name of the template variable that receives the archive's URL.
    type: str
    default: code_url
  code_storage_connection_string:
    description:
      - Connection string of the storage account, for Azurite and other local stand-ins. Keyless auth is used
        otherwise. Never logged. Can be set with E(AZURE_STORAGE_CONNECTION_STRING).
      - Its account must be the account of O(code_url).
    type: str
  code_storage_auth_source:
    description:
      - Credential for the upload when no connection string is given; V(auto) is C(DefaultAzureCredential)
        (environment, workload identity, managed identity, Azure CLI). The identity needs
        C(Storage Blob Data Contributor) on the account.
      - V(workload_identity) needs O(code_storage_tenant_id) and O(code_storage_client_id) (or E(AZURE_TENANT_ID)
        and E(AZURE_CLIENT_ID)) and E(AZURE_FEDERATED_TOKEN_FILE); this and the other C(code_storage_*) options are
        checked before anything is packaged, uploaded or sent.
    type: str
    choices: [auto, cli, env, msi, workload_identity]
    default: auto
  code_storage_client_id:
    description:
      - Client ID of a user-assigned managed identity or workload-identity application for the upload.
      - Read with O(code_storage_auth_source) V(auto), V(msi) and V(workload_identity); with the others the module
        warns that it has no effect.
    type: str
  code_storage_tenant_id:
    description:
      - Tenant of the identity used for the upload.
      - Read with O(code_storage_auth_source) V(auto), V(cli) and V(workload_identity); with the others the module
        warns that it has no effect.
    type: str
  code_storage_cloud:
    description: Azure cloud of the storage account (V(public), V(china), V(usgov) or a custom ARM URL).
    type: str
    default: public
  code_storage_ca_bundle:
    description: CA bundle to verify the blob endpoint's TLS certificate (private endpoints, emulators).
    type: path
extends_documentation_fragment:
  - azure_robotics.stack.osmo
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Sends the spec with C(validation_only=true); reads only otherwise. Nothing is uploaded.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Shows the spec that is (or would be) submitted.
"""

EXAMPLES = r"""
- name: Run one task and wait for it
  azure_robotics.stack.osmo_workflow:
    url: https://osmo.example.com
    token: "{{ osmo_token }}"
    pool: gpu-spot
    name: hello
    image: ubuntu:24.04
    command: [bash, -c]
    args: ["echo hello from {{ '{{workflow_id}}' }}"]
    resources: {cpu: 1, memory: 1Gi, storage: 1Gi}
    wait: true
    wait_timeout: 600

- name: Train from a template with the code uploaded once, without submitting the same run twice
  azure_robotics.stack.osmo_workflow:
    pool: gpu-spot
    template: "{{ lookup('ansible.builtin.file', 'train-workflow.yaml') }}"
    set_string_variables:
      task: Isaac-Velocity-Rough-Anymal-C-v0
      output_url: azure://mystorage/runs/anymal
    set_variables:
      num_envs: 2048
    code_dir: "{{ playbook_dir }}/../training"
    code_url: azure://mystorage/osmo/osmo-code
    idempotent: true
    wait: true
    wait_timeout: 86400
  register: training

- name: Only validate (no submission), also against OSMO's server-side checks
  azure_robotics.stack.osmo_workflow:
    pool: default
    template_file: workflows/train.yaml
  check_mode: true

- name: Cancel it
  azure_robotics.stack.osmo_workflow:
    state: canceled
    workflow_id: "{{ training.workflow_id }}"
    wait: true
"""

RETURN = r"""
workflow_id:
  description: ID of the workflow (C(<name>-<N>)) submitted, found or canceled.
  returned: when a workflow was submitted or found
  type: str
  sample: isaac-train-k3f9a0c2d1e-4
name:
  description: Workflow name as submitted (with the idempotency suffix when a key is used).
  returned: state=present
  type: str
pool:
  description: Pool the workflow was submitted to.
  returned: state=present
  type: str
submitted:
  description: Whether this run created a workflow (false in check mode and when an earlier submission was reused).
  returned: state=present
  type: bool
status:
  description: Workflow status (C(PENDING) right after submission without O(wait)).
  returned: when known
  type: str
  sample: COMPLETED
spec:
  description: The rendered and validated spec that was (or would be) submitted.
  returned: state=present
  type: dict
idempotency_key:
  description: The key in use (explicit or derived), or null.
  returned: state=present
  type: str
previous_workflow_id:
  description: A FAILED earlier submission with the same key that was superseded by this one.
  returned: when a failed submission was resubmitted
  type: str
validation:
  description: OSMO's answer to the C(validation_only) request (C(logs), C(warnings)).
  returned: in check mode when a submission would happen
  type: dict
workflow:
  description: Status, times, groups and tasks (status, exit code, failure message) of the workflow.
  returned: when the workflow's state was read
  type: dict
  contains:
    id:
      description: Workflow ID.
      type: str
    status:
      description: Workflow status.
      type: str
    groups:
      description: Groups with their C(tasks).
      type: list
      elements: dict
failed_task_logs:
  description: The last O(log_lines) log lines of each failed task, by task name.
  returned: when the workflow failed
  type: dict
code:
  description: The code archive.
  returned: when O(code_dir) is set
  type: dict
  contains:
    url:
      description: C(azure://) URL of the archive, passed to the workflow.
      type: str
    sha256:
      description: Content hash (the archive's name without C(.tar.gz)).
      type: str
    uploaded:
      description: Whether this run uploaded it (would upload, in check mode).
      type: bool
    files:
      description: Number of files packed.
      type: int
    size:
      description: Archive size in bytes (not computed in check mode).
      type: int
dashboard_url:
  description: OSMO's dashboard link for the workflow, when the service has one.
  returned: when a workflow was submitted
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.workflow_module import ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()

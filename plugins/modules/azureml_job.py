#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azureml_job
short_description: Submit, wait for and cancel AzureML command jobs on an attached Kubernetes compute
version_added: 0.1.0
description:
  - Registers the job's environment (a container image) in an Azure Machine Learning workspace when it is not
    there yet, and submits a command job to an attached Kubernetes compute (the AzureML extension on AKS) with an
    instance type, inputs, outputs, environment variables, an experiment, a display name and tags.
  - Environment registration is idempotent. An existing O(environment.name)/O(environment.version) with the same
    image is reused without a request that changes anything; one with a different image is an error that names
    both images, because AzureML environment versions are immutable.
  - An optional O(code) directory is uploaded by azure-ai-ml to the workspace's default datastore as a content-hashed
    snapshot (an identical directory is uploaded once).
  - Jobs are not updated in place. With O(name) or O(deterministic_name=true) a job that already exists under that
    name is reported (and waited for) instead of being submitted again, so reruns do not submit twice.
    Without either, every run submits a new job with a generated name.
  - With O(wait=true) the module polls the job until it is Completed, Failed or Canceled (O(stream=true) also
    collects its logs); a job that does not complete makes the task fail with AzureML's error and the logs.
  - O(state=canceled) cancels a running job.
  - Uses azure-ai-ml with the collection's credential, cloud (including a custom C(https://) ARM endpoint) and
    O(ca_bundle). Check mode reads the workspace, compute, environment and job, and reports what would be
    submitted without any request that changes anything.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  resource_group:
    description: Resource group of the AzureML workspace.
    type: str
    required: true
  workspace_name:
    description: Name of the AzureML workspace.
    type: str
    required: true
  state:
    description:
      - V(present) submits the job unless a job with its name exists.
      - V(canceled) cancels the job named O(name) unless it has already ended.
    type: str
    choices: [present, canceled]
    default: present
  name:
    description:
      - Job name, unique in the workspace (letters, digits, C(-) and C(_)). A job that already exists under this
        name is not submitted again.
      - Required with O(state=canceled). Mutually exclusive with O(deterministic_name).
    type: str
  deterministic_name:
    description:
      - Derive the job name from the job definition (experiment, command, environment, compute, instance type,
        inputs, outputs, environment variables, tags and the content of O(code)), as
        C(<experiment>-<16 hex digits>). Rerunning the same definition finds the first job instead of submitting
        another; changing any of them submits a new job.
    type: bool
    default: false
  command:
    description:
      - The shell command the job runs, e.g. C(robotics-training train --task ...). C(${{inputs.<name>}}) and
        C(${{outputs.<name>}}) refer to O(inputs) and O(outputs); references to undeclared ones are rejected.
      - Required with O(state=present).
    type: str
  code:
    description:
      - Local directory uploaded with the job and used as its working directory (C(.amlignore) and C(.gitignore)
        files in it are honoured). Uploaded once per content.
    type: path
  environment:
    description: The environment (container image) the job runs in.
    type: dict
    suboptions:
      name:
        description: Environment name.
        type: str
        required: true
      version:
        description:
          - Environment version. Versions are immutable, so derive it from the image tag (the
            P(azure_robotics.stack.azureml_environment_version#filter) filter does that).
        type: str
        required: true
      image:
        description:
          - Container image, e.g. C(nvcr.io/nvidia/isaac-lab:2.3.2). Registers the version when it does not exist.
          - Without it, the environment version must already exist.
        type: str
      description:
        description: Description of a newly registered environment version.
        type: str
      tags:
        description: Tags of a newly registered environment version.
        type: dict
  compute:
    description:
      - Name of the attached Kubernetes compute. It must exist in the workspace; it is read before submitting.
    type: str
  instance_type:
    description:
      - InstanceType of the attached cluster the job runs on, e.g. C(gpuspot) (lower-case letters, digits, C(-)).
        When the compute reports its instance types, an unknown one is rejected before submitting.
      - The compute's default instance type is used when omitted.
    type: str
  instance_count:
    description: Number of nodes (pods) of the job.
    type: int
    default: 1
  shm_size:
    description: Size of C(/dev/shm) in the job's container, e.g. C(16g).
    type: str
  timeout:
    description: Maximum run time of the job in seconds (the job's C(limits.timeout)); AzureML cancels it after that.
    type: int
  inputs:
    description:
      - Job inputs by name. A scalar is a literal input. A dict has C(type) (V(uri_folder), V(uri_file),
        V(custom_model), V(mlflow_model), V(triton_model), V(literal)), C(path), a remote reference such as
        C(azureml:<name>:<version>), C(azureml://...), C(https://...), C(runs:/...) or C(models:/<name>/<version>),
        and an optional C(mode) (V(ro_mount), V(download), V(direct), V(eval_mount), V(eval_download)).
      - C(models:/<name>/<version>) is turned into C(azureml:<name>:<version>) for model inputs.
    type: dict
  outputs:
    description:
      - Job outputs by name, each a dict with C(type) (V(uri_folder) by default), C(mode) (V(upload), V(rw_mount),
        V(direct)) and an optional C(path) (C(azureml://datastores/<store>/paths/<path>)).
    type: dict
  environment_variables:
    description: Environment variables of the job's container. Values are passed as strings; do not put secrets here.
    type: dict
  experiment_name:
    description: Experiment (MLflow experiment) the job is recorded under.
    type: str
    default: Default
  display_name:
    description: Display name in AzureML studio. Defaults to the job name.
    type: str
  description:
    description: Job description.
    type: str
  tags:
    description: Job tags (string values).
    type: dict
  identity:
    description:
      - Identity the job uses to reach data and the workspace. V(managed) is the compute's managed identity (the
        reference's choice), V(user) the submitter's, V(aml_token) an AzureML token. The service default when
        omitted.
    type: str
    choices: [managed, user, aml_token]
  poll_interval:
    description: Seconds between status polls while waiting (also the longest pause between log reads when O(stream=true)).
    type: int
    default: 15
  stream:
    description:
      - Follow the job's logs while waiting and return them in RV(logs); on failure the task fails with them.
      - Implies waiting, bounded by O(wait_timeout).
    type: bool
    default: false
  logs_max_bytes:
    description:
      - Keep at most this many bytes of the end of the logs in RV(logs) and in failure messages (whole lines,
        after a C([... N bytes cut ...]) line when cut). V(0) keeps none.
    type: int
    default: 65536
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the workspace's compute, environment and job; submits, registers and cancels nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The job and the environment version that would be created.
notes:
  - O(wait) waits for the job to end (Completed, Failed or Canceled), not only for its submission; a job still
    running after O(wait_timeout) fails the task, and rerunning the task with the same O(name) (or
    O(deterministic_name)) picks the job up again.
  - O(state=canceled) with O(wait=true) waits until the job reports Canceled.
  - Requires the Python package C(azure-ai-ml) on the host that runs the module.
requirements:
  - azure-ai-ml >= 1.20.0
seealso:
  - module: azure_robotics.stack.azureml_model_info
"""

EXAMPLES = r"""
- name: Train on the attached AKS cluster and wait for the result
  azure_robotics.stack.azureml_job:
    resource_group: rg-robotics
    workspace_name: mlw-robotics
    compute: k8s-robotics
    instance_type: gpuspot
    environment:
      name: isaaclab-training-env
      version: "2.3.2"
      image: nvcr.io/nvidia/isaac-lab:2.3.2
    command: >-
      robotics-training train --task Isaac-Velocity-Rough-Anymal-C-v0 --framework rsl_rl
      --num-envs 4096 --checkpoint-uri ${{inputs.checkpoint}} --checkpoint-mode warm-start
      --output-dir ${{outputs.checkpoints}}
    inputs:
      checkpoint:
        type: custom_model
        path: azureml:anymal-policy:3
        mode: download
    outputs:
      checkpoints:
        type: uri_folder
        mode: upload
    environment_variables:
      ACCEPT_EULA: "Y"
    experiment_name: isaaclab-training
    tags:
      task: Isaac-Velocity-Rough-Anymal-C-v0
    deterministic_name: true
    stream: true
    wait_timeout: 86400
  register: training

- name: Cancel it
  azure_robotics.stack.azureml_job:
    resource_group: rg-robotics
    workspace_name: mlw-robotics
    name: "{{ training.job.name }}"
    state: canceled
"""

RETURN = r"""
job:
  description: The job as AzureML reports it (after waiting, its final state); in check mode, what would be submitted.
  returned: always
  type: dict
  contains:
    name:
      description: Job name (in check mode without O(name) or O(deterministic_name), null).
      type: str
      sample: isaaclab-training-3f2a9c0d1e4b5a69
    id:
      description: ARM ID of the job.
      type: str
    status:
      description: AzureML status (NotStarted, Queued, Preparing, Running, Finalizing, Completed, Failed, Canceled, ...).
      type: str
      sample: Completed
    studio_url:
      description: Link to the job in AzureML studio.
      type: str
    experiment_name:
      description: Experiment of the job.
      type: str
    compute:
      description: Compute the job runs on.
      type: str
    instance_type:
      description: Instance type of the job.
      type: str
    environment:
      description: Environment of the job.
      type: str
    command:
      description: The command.
      type: str
    inputs:
      description: Inputs by name (C(type), C(path), C(mode), or C(value) for literals).
      type: dict
    outputs:
      description: Outputs by name.
      type: dict
    output_locations:
      description:
        - Where the job's results are. C(artifacts) is the MLflow artefact location of the job (the same as
          C(runs:/<job name>/)); other keys are the named outputs.
      type: dict
      sample:
        artifacts: azureml://jobs/isaaclab-training-3f2a9c0d1e4b5a69/outputs/artifacts/paths/
    error:
      description: AzureML's error for a failed job (C(code), C(message)).
      type: dict
environment:
  description: The environment version the job uses and whether this task registered it.
  returned: always
  type: dict
  contains:
    name:
      description: Environment name.
      type: str
    version:
      description: Environment version.
      type: str
    image:
      description: Image of the environment version.
      type: str
    changed:
      description: Whether the version was (or in check mode would be) registered by this task.
      type: bool
submitted:
  description: Whether this task submitted the job (false when it existed, and in check mode).
  returned: always
  type: bool
logs:
  description: The end of the job's logs (at most O(logs_max_bytes)), when O(stream=true).
  returned: when stream is true
  type: str
"""

import os

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml import (
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    AzureMLSpecError,
    check_instance_type,
    deterministic_job_name,
    directory_digest,
    environment_conflict,
    output_locations,
    tail,
    validate_job_options,
    validate_workspace,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import AzureModuleError

ARGUMENT_SPEC = dict(
    resource_group=dict(type="str", required=True),
    workspace_name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "canceled"]),
    name=dict(type="str"),
    deterministic_name=dict(type="bool", default=False),
    command=dict(type="str"),
    code=dict(type="path"),
    environment=dict(type="dict", options=dict(
        name=dict(type="str", required=True),
        version=dict(type="str", required=True),
        image=dict(type="str"),
        description=dict(type="str"),
        tags=dict(type="dict"),
    )),
    compute=dict(type="str"),
    instance_type=dict(type="str"),
    instance_count=dict(type="int", default=1),
    shm_size=dict(type="str"),
    timeout=dict(type="int"),
    inputs=dict(type="dict"),
    outputs=dict(type="dict"),
    environment_variables=dict(type="dict"),
    experiment_name=dict(type="str", default="Default"),
    display_name=dict(type="str"),
    description=dict(type="str"),
    tags=dict(type="dict"),
    identity=dict(type="str", choices=["managed", "user", "aml_token"]),
    poll_interval=dict(type="int", default=15),
    stream=dict(type="bool", default=False),
    logs_max_bytes=dict(type="int", default=65536),
)


class JobRunner:
    def __init__(self, azure):
        self.azure = azure
        self.p = azure.params
        self.client = None
        self.result = dict(changed=False, submitted=False)

    def connect(self):
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import AzureMLClient

        self.client = AzureMLClient(self.azure, self.p["resource_group"], self.p["workspace_name"],
                                    poll_interval=self.p["poll_interval"])

    # -- state=present ------------------------------------------------------
    def present(self, spec):
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import job_result

        env = spec["environment"]
        name = self.p["name"]
        if self.p["deterministic_name"]:
            name = deterministic_job_name(spec, directory_digest(spec["code"]) if spec["code"] else None)
        self.result["environment"] = dict(name=env["name"], version=env["version"], image=env.get("image"),
                                          changed=False)
        existing = self.client.get_job(name) if name else None
        if existing is not None:
            self.result["job"] = self.describe(job_result(existing))
            return self.finish(existing)

        compute = self.client.get_compute(spec["compute"])
        try:
            warning = check_instance_type(compute["name"], compute["type"], compute["instance_types"],
                                          spec["instance_type"])
        except AzureMLSpecError as exc:
            self.azure.fail(str(exc), compute=compute)
        if warning:
            self.azure.warn(warning)

        registered = self.client.get_environment(env["name"], env["version"])
        if registered is not None:
            if env.get("image") and registered.image != env["image"]:
                self.azure.fail(environment_conflict(env["name"], env["version"], registered.image, env["image"]),
                                environment=dict(name=env["name"], version=env["version"], image=registered.image))
            self.result["environment"]["image"] = registered.image
        elif not env.get("image"):
            self.azure.fail("environment %s:%s does not exist in workspace %s; give environment.image to register "
                            "it, or fix environment.name/environment.version" % (env["name"], env["version"],
                                                                                 self.p["workspace_name"]))
        else:
            self.result["environment"]["changed"] = True

        preview = self.preview(spec, name)
        self.result["changed"] = True
        if self.azure.module._diff:
            before_env = None if self.result["environment"]["changed"] else dict(self.result["environment"])
            self.result["diff"] = dict(before=dict(job=None, environment=before_env),
                                       after=dict(job=preview, environment=dict(self.result["environment"])))
        if self.azure.check_mode:
            self.result["job"] = preview
            return self.result

        if self.result["environment"]["changed"]:
            self.client.create_environment(env)
        job = self.client.submit(spec, name)
        self.result["submitted"] = True
        self.result["job"] = self.describe(job_result(job))
        return self.finish(job)

    def preview(self, spec, name):
        env = spec["environment"]
        job = dict(
            name=name, id=None, status=None, studio_url=None, experiment_name=spec["experiment_name"],
            display_name=spec["display_name"] or name, command=spec["command"], compute=spec["compute"],
            instance_type=spec["instance_type"], instance_count=spec["instance_count"],
            environment="azureml:%s:%s" % (env["name"], env["version"]), code=spec["code"],
            inputs=spec["inputs"], outputs=spec["outputs"], environment_variables=spec["environment_variables"],
            tags=spec["tags"],
        )
        if name:
            job["output_locations"] = output_locations(name, spec["outputs"])
        return job

    def describe(self, job):
        job["output_locations"] = output_locations(job["name"], job.get("outputs"))
        return job

    def finish(self, job):
        """Waits (and streams) when asked; fails when the job did not complete."""
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import job_result

        p = self.p
        if self.azure.check_mode or not (p["wait"] or p["stream"]):
            return self.result
        name = job.name
        error = None
        timed_out = False
        if job_result(job)["status"] in TERMINAL_STATUSES:
            pass  # an existing job that has ended: nothing to wait for or stream (one read on a rerun)
        elif p["stream"]:
            logs, error, finished = self.client.stream(name, p["wait_timeout"])
            self.result["logs"] = tail(logs, p["logs_max_bytes"])
            job = self.client.get_job(name) or job
            timed_out = not finished and job_result(job)["status"] not in TERMINAL_STATUSES
        else:
            job, timed_out = self.client.wait(name, p["wait_timeout"])
        self.result["job"] = self.describe(job_result(job))
        status = self.result["job"]["status"]
        if timed_out:
            self.azure.fail("job %s is still %s after wait_timeout=%ss; rerun with the same name to keep waiting, "
                            "or raise wait_timeout (%s)" % (name, status, p["wait_timeout"],
                                                            self.result["job"]["studio_url"]), **self.result)
        if status in FAILED_STATUSES:
            if status == "Failed" and error is None:
                error = self.client.job_error(name)
            self.result["job"]["error"] = error
            message = "job %s ended %s" % (name, status)
            if error:
                message += ": %s: %s" % (error.get("code"), error.get("message"))
            message += " (%s)" % self.result["job"]["studio_url"]
            if self.result.get("logs"):
                message += "\n--- last lines of the job's logs ---\n%s" % tail(self.result["logs"], 4096)
            self.azure.fail(message, **self.result)
        return self.result

    # -- state=canceled -----------------------------------------------------
    def canceled(self):
        from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import job_result

        p = self.p
        job = self.client.get_job(p["name"])
        if job is None:
            self.azure.fail("job %s was not found in workspace %s; check name" % (p["name"], p["workspace_name"]))
        self.result["job"] = self.describe(job_result(job))
        if self.result["job"]["status"] in TERMINAL_STATUSES:
            return self.result
        self.result["changed"] = True
        if self.azure.module._diff:
            self.result["diff"] = dict(before=dict(status=self.result["job"]["status"]),
                                       after=dict(status="Canceled"))
        if self.azure.check_mode:
            return self.result
        self.client.cancel(p["name"], p["wait_timeout"] if p["wait"] else None)
        if p["wait"]:
            job, timed_out = self.client.wait(p["name"], p["wait_timeout"])
            self.result["job"] = self.describe(job_result(job))
            if timed_out:
                self.azure.fail("job %s is still %s after wait_timeout=%ss" % (
                    p["name"], self.result["job"]["status"], p["wait_timeout"]), **self.result)
        return self.result


def main():
    azure = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                        required_if=[("state", "canceled", ["name"])])
    p = azure.params
    spec = None
    try:
        validate_workspace(p["resource_group"], p["workspace_name"])
        if p["state"] == "present":
            spec = validate_job_options(p)
        if p["logs_max_bytes"] < 0:
            raise AzureMLSpecError("logs_max_bytes must be >= 0, got %s" % p["logs_max_bytes"])
    except AzureMLSpecError as exc:
        azure.fail(str(exc))
    if spec and spec["code"] and not os.path.isdir(spec["code"]):
        azure.fail("code=%s is not a directory" % spec["code"])

    runner = JobRunner(azure)
    try:
        runner.connect()
        result = runner.present(spec) if spec else runner.canceled()
    except AzureModuleError as exc:
        azure.fail_azure(exc, "submit", "job", **runner.result)
    azure.exit(**result)


if __name__ == "__main__":
    main()

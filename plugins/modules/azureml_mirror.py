#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azureml_mirror
short_description: Register a training run's final checkpoint as exactly one model version in AzureML or MLflow
version_added: 0.1.0
description:
  - Mirrors the output of one training run into an AzureML workspace, or into a plain MLflow tracking server such as
    the one of the local platform, as one MLflow run (TensorBoard logs and the final checkpoint as artifacts,
    TensorBoard scalars as metrics) and one model version.
  - Supported layouts are rsl_rl (C(model_<N>.pt)), skrl (C(checkpoints/agent_<N>.pt), C(best_agent.pt)) and the
    Hugging Face Trainer (C(checkpoint-<N>/)); the checkpoint with the highest step is the final one. Optimizer,
    scheduler, gradient-scaler, RNG-state and training-argument files are left out of the model.
  - Idempotent. Existing versions of O(model_name) are matched on their C(source_run_id) tag and on a fingerprint of
    the source listing or the content hash of the checkpoint, client-side, because AzureML cannot filter versions
    by tag. A run mirrored before reports no change and uploads nothing; a changed checkpoint gives a new
    version.
  - Resumable. Every verified upload is journaled under O(state_dir); a mirror interrupted before it registered the
    version is continued by the next run in the same MLflow run, without uploading finished files again.
  - The work is done by the installed C(azure-robotics-training) package (C(robotics_training.mirror)), the same
    code as the C(robotics-training mirror) command used inside OSMO workflows and AzureML jobs.
  - The model version is created with explicit registered-model and model-version calls, which AzureML's MLflow
    endpoint supports (not C(mlflow.register_model), which needs an C(MLmodel) file, nor logged models).
author:
  - azure_robotics.stack maintainers (@azure-robotics)
requirements:
  - azure-robotics-training (the training package of this collection)
  - mlflow-skinny
  - azure-storage-blob and azure-identity, for sources in Blob Storage
  - azure-ai-ml and azureml-mlflow, for AzureML workspaces
options:
  source:
    description:
      - The run's output. A local directory, C(azure://<account>/<container>/<prefix>), or a blob URL
        C(https://<account>.blob.core.windows.net/<container>/<prefix>), optionally with a SAS query string (kept out
        of results and tags).
      - Blob sources are read with O(blob_connection_string) when it names the same account, otherwise with the
        credential of the common Azure options (keyless by default).
    type: str
    required: true
  source_uri:
    description:
      - The durable location of the run, stored as the C(source_uri) tag, when O(source) is a copy of it (for
        example the download of an OSMO workflow input). Defaults to O(source).
    type: str
  model_name:
    description: Registered model to add the version to; created when missing.
    type: str
    required: true
  experiment:
    description: Experiment of the mirror runs. Defaults to O(model_name).
    type: str
  source_run_id:
    description:
      - Id of the training run, stored as the C(source_run_id) tag and used to find earlier mirrors of it.
      - Defaults to the last component of O(source).
    type: str
  osmo_workflow_id:
    description: OSMO workflow that trained the run, stored as the C(osmo_workflow_id) tag.
    type: str
  source_kind:
    description: How the run reaches the registry, stored as the C(source) tag.
    type: str
    choices: [local, osmo-train, osmo-replay]
    default: local
  layout:
    description: Checkpoint layout; V(auto) detects it.
    type: str
    choices: [auto, rsl_rl, skrl, hf_trainer]
    default: auto
  framework:
    description: Value of the C(framework) tag. Defaults to the layout.
    type: str
  task:
    description: Value of the C(task) tag, e.g. C(Isaac-Velocity-Rough-Anymal-C-v0).
    type: str
  target:
    description:
      - V(mlflow) registers on the MLflow server at O(tracking_uri).
      - V(azureml) registers in the workspace O(workspace_name) of O(resource_group) in O(subscription_id); its
        MLflow tracking URI is read from the workspace.
      - V(auto) takes V(mlflow) when O(tracking_uri) is set, otherwise V(azureml).
    type: str
    choices: [auto, mlflow, azureml]
    default: auto
  tracking_uri:
    description:
      - MLflow tracking URI, for O(target=mlflow). Can be set with E(MLFLOW_TRACKING_URI).
    type: str
  resource_group:
    description:
      - Resource group of the AzureML workspace. Can be set with E(AZURE_RESOURCE_GROUP).
    type: str
  workspace_name:
    description:
      - Name of the AzureML workspace. Can be set with E(AZUREML_WORKSPACE_NAME).
    type: str
  artifact_location:
    description:
      - Artifact root of the experiment when the mirror creates it, e.g. a C(wasbs://) location; ignored for an
        existing experiment.
    type: str
  blob_connection_string:
    description:
      - Connection string of a storage account (Azurite, or key-based accounts) for blob sources and blob
        artifact roots in that account. Can be set with E(AZURE_STORAGE_CONNECTION_STRING).
    type: str
  state_dir:
    description:
      - Directory of the resume journals. Defaults to E(ROBOTICS_MIRROR_STATE_DIR) or
        C(~/.cache/robotics-training/mirror).
    type: path
  parallel:
    description: Concurrent transfers.
    type: int
    default: 4
  timeout:
    description:
      - Seconds after which the mirror stops between two files and fails; the next run resumes it.
    type: int
  reuse_unchanged:
    description:
      - When no version holds this run yet, compare the checkpoint's content hash with the C(content_hash) tag of the
        model's latest version; when they are equal, register nothing and return that version.
      - For loops that train again on every run (the workstation loop) and want a new version only when the weights
        differ. Only the latest version is compared, so going back to older weights still gives a version.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Lists the source and queries the registry; reports what would be uploaded and registered.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The model version before and after, and the files to upload.
notes:
  - A failing mirror fails this task only. Inside a training job use C(robotics-training mirror --best-effort) as a
    step of its own, so that the training's result never depends on the mirror.
  - O(subscription_id) is needed only for O(target=azureml).
"""

EXAMPLES = r"""
- name: Mirror a local rsl_rl run into the local platform's MLflow registry
  azure_robotics.stack.azureml_mirror:
    source: "{{ playbook_dir }}/../.local/runs/anymal-flat/2026-05-01_12-00-00"
    model_name: anymal-flat-policy
    tracking_uri: http://127.0.0.1:5000
    task: Isaac-Velocity-Flat-Anymal-C-v0

- name: Mirror an OSMO run's durable output into an AzureML workspace (keyless)
  azure_robotics.stack.azureml_mirror:
    source: azure://robotics0data/training/outputs/train-anymal-12
    model_name: anymal-rough-policy
    source_run_id: train-anymal-12
    osmo_workflow_id: train-anymal-12
    source_kind: osmo-replay
    target: azureml
    subscription_id: "{{ subscription_id }}"
    resource_group: rg-robotics
    workspace_name: mlw-robotics
"""

RETURN = r"""
action:
  description: What the mirror did (or would do in check mode).
  returned: always
  type: str
  choices: [create, resume, reuse]
  sample: create
model_name:
  description: The registered model.
  returned: always
  type: str
model_version:
  description: The version that holds this run; null in check mode when it would be created.
  returned: always
  type: str
  sample: "3"
run_id:
  description: The MLflow run that holds the artifacts; null in check mode when it would be created.
  returned: always
  type: str
bytes_uploaded:
  description: Bytes uploaded by this task (0 in check mode and when nothing was to do).
  returned: always
  type: int
bytes_to_upload:
  description: Bytes the plan had to upload.
  returned: always
  type: int
files_to_upload:
  description: Artifact paths the plan had to upload.
  returned: always
  type: list
  elements: str
files_skipped:
  description: Training-state files of the final checkpoint left out of the model.
  returned: always
  type: list
  elements: str
  sample: [checkpoint-500/optimizer.pt, checkpoint-500/rng_state.pth]
layout:
  description: The detected layout.
  returned: always
  type: str
  sample: rsl_rl
step:
  description: Step of the final checkpoint (null for skrl's best_agent.pt alone).
  returned: always
  type: int
checkpoint:
  description: The final checkpoint, relative to O(source).
  returned: always
  type: str
  sample: model_1500.pt
content_hash:
  description: sha256 over the model's files; null in check mode when not computed.
  returned: always
  type: str
metrics_logged:
  description: TensorBoard scalar points logged as metrics by this task.
  returned: always
  type: int
source_run_id:
  description: The C(source_run_id) tag.
  returned: always
  type: str
"""

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule

ARGUMENT_SPEC = dict(
    source=dict(type="str", required=True),
    source_uri=dict(type="str"),
    model_name=dict(type="str", required=True),
    experiment=dict(type="str"),
    source_run_id=dict(type="str"),
    osmo_workflow_id=dict(type="str"),
    source_kind=dict(type="str", default="local", choices=["local", "osmo-train", "osmo-replay"]),
    layout=dict(type="str", default="auto", choices=["auto", "rsl_rl", "skrl", "hf_trainer"]),
    framework=dict(type="str"),
    task=dict(type="str"),
    target=dict(type="str", default="auto", choices=["auto", "mlflow", "azureml"]),
    tracking_uri=dict(type="str", fallback=(env_fallback, ["MLFLOW_TRACKING_URI"])),
    resource_group=dict(type="str", fallback=(env_fallback, ["AZURE_RESOURCE_GROUP", "AZUREML_RESOURCE_GROUP"])),
    workspace_name=dict(type="str", fallback=(env_fallback, ["AZUREML_WORKSPACE_NAME"])),
    artifact_location=dict(type="str"),
    blob_connection_string=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_STORAGE_CONNECTION_STRING"])),
    state_dir=dict(type="path"),
    parallel=dict(type="int", default=4),
    timeout=dict(type="int"),
    reuse_unchanged=dict(type="bool", default=False),
)


def request_from(params, mirror, credential_factory):
    target = mirror.Target(kind=params["target"], tracking_uri=params["tracking_uri"],
                           subscription_id=params["subscription_id"], resource_group=params["resource_group"],
                           workspace_name=params["workspace_name"])
    return mirror.MirrorRequest(
        source=params["source"], source_uri=params["source_uri"], model_name=params["model_name"], target=target,
        experiment=params["experiment"],
        source_run_id=params["source_run_id"], osmo_workflow_id=params["osmo_workflow_id"],
        source_kind=params["source_kind"], layout=params["layout"], framework=params["framework"],
        task=params["task"], artifact_location=params["artifact_location"],
        blob_connection_string=params["blob_connection_string"], credential_factory=credential_factory,
        state_dir=params["state_dir"], parallel=params["parallel"], timeout=params["timeout"],
        reuse_unchanged=params["reuse_unchanged"],
    )


def diff_of(plan, result=None):
    """Before: the version and run that hold this run, and the files already uploaded; after: the same, done."""
    planned = plan.as_dict()
    done = sorted(planned["files_already_uploaded"])
    before = {"model_version": planned["model_version"], "run_id": planned["run_id"], "uploaded": done}
    after = {
        "model_version": result.model_version if result is not None else planned["model_version"] or "(new)",
        "run_id": result.run_id if result is not None else planned["run_id"] or "(new)",
        "uploaded": sorted(done + planned["files_to_upload"]),
    }
    return {"before": before, "after": after}


def main():
    azure = AzureModule(argument_spec=ARGUMENT_SPEC, wait_options=False, needs_subscription=False)
    module = azure.module
    try:
        from robotics_training import mirror
        from robotics_training.mirror.core import Mirror
    except ImportError as exc:
        module.fail_json(msg=missing_required_lib("azure-robotics-training"), exception=str(exc))

    request = request_from(module.params, mirror, lambda: azure.credential)
    runner = Mirror(request)
    try:
        plan = runner.plan()
        result = None if module.check_mode or plan.action == "reuse" else runner.execute(plan)
    except mirror.MirrorError as exc:
        module.fail_json(msg=str(exc), error_type=type(exc).__name__)

    planned = plan.as_dict()
    output = dict(
        changed=plan.action != "reuse",
        action=plan.action,
        model_name=request.model_name,
        model_version=result.model_version if result is not None else planned["model_version"],
        run_id=result.run_id if result is not None else planned["run_id"],
        bytes_uploaded=result.bytes_uploaded if result is not None else 0,
        bytes_to_upload=planned["bytes_to_upload"],
        files_to_upload=planned["files_to_upload"],
        files_skipped=planned["files_skipped"],
        layout=planned["layout"],
        step=planned["step"],
        checkpoint=planned["checkpoint"],
        content_hash=(result.content_hash if result is not None
                      else plan.version.tags.get("content_hash") if plan.version is not None else plan.content_hash),
        metrics_logged=result.metrics_logged if result is not None else 0,
        source_run_id=planned["source_run_id"],
    )
    for warning in (result.warnings if result is not None else []):
        module.warn(warning)
    if module._diff:
        output["diff"] = diff_of(plan, result)
    module.exit_json(**output)


if __name__ == "__main__":
    main()

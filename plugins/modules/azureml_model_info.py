#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azureml_model_info
short_description: List the versions of an AzureML registered model, filtered by tags and properties
version_added: 0.1.0
description:
  - Lists the versions of a model registered in an Azure Machine Learning workspace, newest first, with their tags
    and properties (for example the C(success_threshold) property a validation reads, or the C(source_run_id) tag
    a mirror matches on).
  - AzureML cannot filter model versions by tag on the server, so O(tags) and O(properties) are applied on the
    client after listing every version of O(name) (one paged list request).
  - Reads only.
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
  name:
    description: Name of the registered model.
    type: str
    required: true
  version:
    description:
      - Only this version (one read request). V(latest) means the highest version after filtering.
    type: str
  tags:
    description:
      - Keep only versions whose tags contain every key with the given value (compared as strings). A null value
        only requires the key to be present.
    type: dict
  properties:
    description: Like O(tags), for the versions' properties.
    type: dict
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads only.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
requirements:
  - azure-ai-ml >= 1.20.0
seealso:
  - module: azure_robotics.stack.azureml_job
"""

EXAMPLES = r"""
- name: The newest evaluated version of the policy and its success threshold
  azure_robotics.stack.azureml_model_info:
    resource_group: rg-robotics
    workspace_name: mlw-robotics
    name: isaac-velocity-rough-anymal-c-v0
    tags:
      evaluated: "true"
      framework: rsl_rl
  register: policy

- name: Validate against the model's own threshold
  ansible.builtin.debug:
    msg: "{{ policy.latest.azureml_id }} needs {{ policy.latest.properties.success_threshold | default('0.7') }}"
  when: policy.latest is not none
"""

RETURN = r"""
models:
  description: Matching versions, highest version first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Model name.
      type: str
    version:
      description: Version.
      type: str
      sample: "3"
    azureml_id:
      description: Reference for job inputs (C(azureml:<name>:<version>)).
      type: str
      sample: azureml:isaac-velocity-rough-anymal-c-v0:3
    id:
      description: ARM ID of the version.
      type: str
    type:
      description: Model type (C(custom_model), C(mlflow_model), C(triton_model)).
      type: str
    path:
      description: Where the model's files are.
      type: str
    tags:
      description: Tags of the version.
      type: dict
    properties:
      description: Properties of the version (e.g. C(success_threshold)).
      type: dict
    description:
      description: Description.
      type: str
    stage:
      description: Stage.
      type: str
    job_name:
      description: Job that produced the model, when recorded.
      type: str
    created_at:
      description: Creation time (ISO 8601).
      type: str
latest:
  description: The first element of RV(models), or null when nothing matches.
  returned: always
  type: dict
count:
  description: Number of matching versions.
  returned: always
  type: int
total:
  description: Number of versions of the model before filtering.
  returned: always
  type: int
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml import (
    AzureMLSpecError,
    filter_model_versions,
    validate_tags,
    validate_workspace,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import AzureModuleError

ARGUMENT_SPEC = dict(
    resource_group=dict(type="str", required=True),
    workspace_name=dict(type="str", required=True),
    name=dict(type="str", required=True),
    version=dict(type="str"),
    tags=dict(type="dict"),
    properties=dict(type="dict"),
)


def main():
    azure = AzureModule(argument_spec=ARGUMENT_SPEC, wait_options=False, supports_check_mode=True)
    p = azure.params
    try:
        validate_workspace(p["resource_group"], p["workspace_name"])
        if not p["name"].strip():
            raise AzureMLSpecError("name must not be empty")
        # Filters are compared as strings; validate_tags rejects nested values early.
        tags = {k: v for k, v in (p["tags"] or {}).items() if v is None}
        tags.update(validate_tags({k: v for k, v in (p["tags"] or {}).items() if v is not None}, "tags"))
        props = {k: v for k, v in (p["properties"] or {}).items() if v is None}
        props.update(validate_tags({k: v for k, v in (p["properties"] or {}).items() if v is not None},
                                   "properties"))
    except AzureMLSpecError as exc:
        azure.fail(str(exc))

    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import (
        AzureMLClient,
        model_result,
    )

    try:
        client = AzureMLClient(azure, p["resource_group"], p["workspace_name"])
        if p["version"] and p["version"] != "latest":
            found = client.get_model_version(p["name"], p["version"])
            versions = [model_result(found)] if found is not None else []
        else:
            versions = [model_result(m) for m in client.list_model_versions(p["name"])]
    except AzureModuleError as exc:
        azure.fail_azure(exc, "list", "model '%s'" % p["name"])
    matching = filter_model_versions(versions, tags, props)
    azure.exit(changed=False, models=matching, latest=matching[0] if matching else None, count=len(matching),
               total=len(versions))


if __name__ == "__main__":
    main()

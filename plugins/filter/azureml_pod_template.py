# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for OSMO pod templates: the AzureML workspace fragment, and OSMO's merge (docs: one YAML file per filter)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.module_utils.azureml_pod_template import (
    PodTemplateError,
    azureml_pod_template_env,
    merge_pod_templates,
)


def _filter(workspace, template="default_user", container="{{USER_CONTAINER_NAME}}"):
    try:
        return azureml_pod_template_env(workspace, template=template, container=container)
    except PodTemplateError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"azureml_pod_template_env": _filter, "osmo_pod_template_merge": merge_pod_templates}

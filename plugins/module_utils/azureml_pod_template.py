# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AzureML workspace coordinates as a fragment of OSMO's ``default_user`` pod template.

With it, every OSMO user container knows which workspace to mirror models
into (``robotics-training mirror`` reads these variables), without a workflow
having to pass them. Pure: the cluster's ``osmo`` role merges the fragment into
the pod templates it deploys; an absent workspace gives an empty fragment, so
nothing is injected.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# OSMO merges pod-template lists by name; this is the name of the user's container.
USER_CONTAINER = "{{USER_CONTAINER_NAME}}"
TEMPLATE = "default_user"

ENV = (
    ("AZURE_SUBSCRIPTION_ID", "subscription_id"),
    ("AZURE_RESOURCE_GROUP", "resource_group"),
    ("AZUREML_WORKSPACE_NAME", "name"),
)


class PodTemplateError(ValueError):
    pass


def azureml_pod_template_env(workspace, template=TEMPLATE, container=USER_CONTAINER):
    """``{template: {spec: {containers: [{name, env}]}}}`` for the workspace, or ``{}`` when there is none.

    ``workspace`` is a dict with ``name``, ``resource_group`` and
    ``subscription_id`` (``workspace_name`` is accepted for ``name``); None,
    an empty dict or an empty name mean "no workspace".
    """
    if not workspace:
        return {}
    if not isinstance(workspace, dict):
        raise PodTemplateError("azureml_pod_template_env expects a dict with name, resource_group and "
                               "subscription_id, got %s" % type(workspace).__name__)
    values = dict(workspace)
    if not values.get("name") and values.get("workspace_name"):
        values["name"] = values["workspace_name"]
    if not values.get("name"):
        return {}
    missing = [key for dummy, key in ENV if not values.get(key)]
    if missing:
        raise PodTemplateError("the AzureML workspace %s lacks %s; both are needed to mirror models into it"
                               % (values["name"], " and ".join(missing)))
    env = [{"name": var, "value": str(values[key])} for var, key in ENV]
    return {template: {"spec": {"containers": [{"name": container, "env": env}]}}}


def merge_pod_templates(templates, fragment):
    """Merges ``fragment`` into ``templates`` the way OSMO merges pod templates.

    Maps merge recursively; lists of maps merge item by item on ``name`` (an
    item with a new name is appended); any other value is replaced. Neither
    input is modified.
    """
    return _merge(templates or {}, fragment or {})


def _merge(base, extra):
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base[key], value) if key in base else _copy(value)
        return merged
    if isinstance(base, list) and isinstance(extra, list) and _named(base) and _named(extra):
        merged = [_copy(item) for item in base]
        index = dict((item["name"], i) for i, item in enumerate(merged))
        for item in extra:
            if item["name"] in index:
                merged[index[item["name"]]] = _merge(merged[index[item["name"]]], item)
            else:
                index[item["name"]] = len(merged)
                merged.append(_copy(item))
        return merged
    return _copy(extra)


def _named(items):
    return all(isinstance(item, dict) and "name" in item for item in items)


def _copy(value):
    if isinstance(value, dict):
        return dict((k, _copy(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value

"""AWX API v2 resource kinds: fields with the defaults and types AWX's serializers use, foreign keys, validation."""

from __future__ import annotations

import json

import yaml

# field -> (python type(s) or None for any, default); "fk:<collection>" marks a foreign key
STR, BOOL, INT, DICT = (str,), (bool,), (int,), (dict,)
ASK = {f"ask_{k}_on_launch": (BOOL, False) for k in (
    "variables", "inventory", "credential", "limit", "tags", "skip_tags", "job_type", "verbosity", "diff_mode",
    "scm_branch", "execution_environment", "forks", "instance_groups", "job_slice_count", "labels", "timeout")}
WF_ASK = {k: ASK[k] for k in ("ask_variables_on_launch", "ask_inventory_on_launch", "ask_limit_on_launch",
                              "ask_scm_branch_on_launch", "ask_labels_on_launch", "ask_tags_on_launch",
                              "ask_skip_tags_on_launch")}

KINDS = {
    "organizations": {"type": "organization", "fields": {
        "name": (STR, None), "description": (STR, ""), "max_hosts": (INT, 0), "default_environment": ("fk:execution_environments", None)},
        "required": ["name"], "unique": ["name"]},
    "execution_environments": {"type": "execution_environment", "fields": {
        "name": (STR, None), "image": (STR, ""), "organization": ("fk:organizations", None), "pull": (STR, "")},
        "required": ["name", "image"], "unique": ["name"]},
    "projects": {"type": "project", "fields": {
        "name": (STR, None), "description": (STR, ""), "organization": ("fk:organizations", None),
        "scm_type": (STR, ""), "scm_url": (STR, ""), "scm_branch": (STR, ""), "scm_refspec": (STR, ""),
        "scm_clean": (BOOL, False), "scm_delete_on_update": (BOOL, False), "scm_track_submodules": (BOOL, False),
        "scm_update_on_launch": (BOOL, False), "scm_update_cache_timeout": (INT, 0), "allow_override": (BOOL, False),
        "timeout": (INT, 0), "local_path": (STR, ""), "custom_virtualenv": (None, None),
        "credential": ("fk:credentials", None), "default_environment": ("fk:execution_environments", None),
        "signature_validation_credential": ("fk:credentials", None)},
        "required": ["name", "organization"], "unique": ["name", "organization"],
        "choices": {"scm_type": ["", "git", "svn", "insights", "archive"]}},
    "inventories": {"type": "inventory", "fields": {
        "name": (STR, None), "description": (STR, ""), "organization": ("fk:organizations", None),
        "kind": (STR, ""), "host_filter": (None, None), "variables": (STR, ""),
        "prevent_instance_group_fallback": (BOOL, False)},
        "required": ["name", "organization"], "unique": ["name", "organization"],
        "choices": {"kind": ["", "smart", "constructed"]}, "null_to_blank": ["kind"], "yaml": ["variables"]},
    "inventory_sources": {"type": "inventory_source", "fields": {
        "name": (STR, None), "description": (STR, ""), "inventory": ("fk:inventories", None), "source": (STR, ""),
        "source_path": (STR, ""), "source_project": ("fk:projects", None), "source_vars": (STR, ""),
        "overwrite": (BOOL, False), "overwrite_vars": (BOOL, False), "update_on_launch": (BOOL, False),
        "update_cache_timeout": (INT, 0), "timeout": (INT, 0), "verbosity": (INT, 1),
        "credential": ("fk:credentials", None), "execution_environment": ("fk:execution_environments", None),
        "enabled_var": (STR, ""), "enabled_value": (STR, ""), "host_filter": (STR, ""), "limit": (STR, ""),
        "scm_branch": (STR, ""), "custom_virtualenv": (None, None)},
        "required": ["name", "inventory", "source"], "unique": ["name", "inventory"],
        "choices": {"source": ["scm", "ec2", "gce", "azure_rm", "vmware", "satellite6", "openstack", "rhv",
                               "controller", "insights", "terraform", "openshift_virtualization", "constructed"],
                    "verbosity": [0, 1, 2]}, "yaml": ["source_vars"]},
    "credential_types": {"type": "credential_type", "fields": {
        "name": (STR, None), "description": (STR, ""), "kind": (STR, "cloud"), "inputs": (DICT, {}),
        "injectors": (DICT, {})}, "read_only": {"managed": False, "namespace": None},
        "required": ["name", "kind"], "unique": ["name", "kind"], "choices": {"kind": ["cloud", "net"]}},
    "credentials": {"type": "credential", "fields": {
        "name": (STR, None), "description": (STR, ""), "organization": ("fk:organizations", None),
        "credential_type": ("fk:credential_types", None), "inputs": (DICT, {})},
        "required": ["name", "credential_type"], "unique": ["name", "organization", "credential_type"]},
    "labels": {"type": "label", "fields": {"name": (STR, None), "organization": ("fk:organizations", None)},
               "required": ["name", "organization"], "unique": ["name", "organization"]},
    "job_templates": {"type": "job_template", "fields": {
        "name": (STR, None), "description": (STR, ""), "job_type": (STR, "run"), "inventory": ("fk:inventories", None),
        "project": ("fk:projects", None), "playbook": (STR, ""), "scm_branch": (STR, ""), "forks": (INT, 0),
        "limit": (STR, ""), "verbosity": (INT, 0), "extra_vars": (STR, ""), "job_tags": (STR, ""),
        "force_handlers": (BOOL, False), "skip_tags": (STR, ""), "start_at_task": (STR, ""), "timeout": (INT, 0),
        "use_fact_cache": (BOOL, False), "host_config_key": (STR, ""), **ASK, "survey_enabled": (BOOL, False),
        "become_enabled": (BOOL, False), "diff_mode": (BOOL, False), "allow_simultaneous": (BOOL, False),
        "custom_virtualenv": (None, None), "job_slice_count": (INT, 1), "webhook_service": (STR, ""),
        "webhook_credential": ("fk:credentials", None), "execution_environment": ("fk:execution_environments", None),
        "prevent_instance_group_fallback": (BOOL, False)},
        "read_only": {"organization": None},
        "required": ["name", "project", "playbook"], "unique": ["name", "organization"],
        "choices": {"job_type": ["run", "check"], "verbosity": [0, 1, 2, 3, 4, 5],
                    "webhook_service": ["", "github", "gitlab"]}, "yaml": ["extra_vars"]},
    "workflow_job_templates": {"type": "workflow_job_template", "fields": {
        "name": (STR, None), "description": (STR, ""), "organization": ("fk:organizations", None),
        "inventory": ("fk:inventories", None), "extra_vars": (STR, ""), "survey_enabled": (BOOL, False),
        "allow_simultaneous": (BOOL, False), "limit": (None, None), "scm_branch": (None, None), **WF_ASK,
        "webhook_service": (STR, ""), "webhook_credential": ("fk:credentials", None), "job_tags": (None, None),
        "skip_tags": (None, None)},
        "required": ["name"], "unique": ["name", "organization"],
        "choices": {"webhook_service": ["", "github", "gitlab"]}, "yaml": ["extra_vars"]},
    "workflow_job_template_nodes": {"type": "workflow_job_template_node", "fields": {
        "workflow_job_template": ("fk:workflow_job_templates", None),
        "unified_job_template": ("fk:unified_job_templates", None), "identifier": (STR, None),
        "extra_data": (DICT, {}), "inventory": ("fk:inventories", None), "scm_branch": (None, None),
        "job_type": (None, None), "job_tags": (None, None), "skip_tags": (None, None), "limit": (None, None),
        "diff_mode": (None, None), "verbosity": (None, None), "forks": (None, None), "job_slice_count": (None, None),
        "timeout": (None, None), "execution_environment": ("fk:execution_environments", None),
        "all_parents_must_converge": (BOOL, False)},
        "required": ["workflow_job_template"], "unique": ["identifier", "workflow_job_template"]},
}

# Sub-lists (associations) of each kind, and the collection their members come from.
ASSOCIATIONS = {
    "job_templates": {"credentials": "credentials", "labels": "labels", "instance_groups": "instance_groups",
                      "notification_templates_started": "notification_templates",
                      "notification_templates_success": "notification_templates",
                      "notification_templates_error": "notification_templates"},
    "workflow_job_templates": {"labels": "labels", "notification_templates_started": "notification_templates",
                               "notification_templates_success": "notification_templates",
                               "notification_templates_error": "notification_templates",
                               "notification_templates_approvals": "notification_templates"},
    "projects": {"notification_templates_started": "notification_templates",
                 "notification_templates_success": "notification_templates",
                 "notification_templates_error": "notification_templates"},
    "inventory_sources": {"notification_templates_started": "notification_templates",
                          "notification_templates_success": "notification_templates",
                          "notification_templates_error": "notification_templates"},
    "inventories": {"instance_groups": "instance_groups"},
    "workflow_job_template_nodes": {"success_nodes": "workflow_job_template_nodes",
                                    "failure_nodes": "workflow_job_template_nodes",
                                    "always_nodes": "workflow_job_template_nodes",
                                    "credentials": "credentials", "labels": "labels",
                                    "instance_groups": "instance_groups"},
}
SURVEY_KINDS = ("job_templates", "workflow_job_templates")
UNIFIED = ("projects", "inventory_sources", "job_templates", "workflow_job_templates")
CREDENTIAL_INPUT_TYPES = ("string", "boolean")


def field_errors(kind: str, data: dict, existing: dict | None, lookup) -> dict:
    """DRF-style {field: [message]} for ``data`` (a POST body or a PATCH); unknown fields are ignored as DRF does."""
    spec = KINDS[kind]
    errors: dict = {}
    merged = dict(existing or {})
    for field, value in data.items():
        if field not in spec["fields"]:
            continue
        types, unused_default = spec["fields"][field]
        if value is None and field in spec.get("null_to_blank", ()):
            continue
        if isinstance(types, str):
            if value is None:
                continue
            target = types.split(":", 1)[1]
            if isinstance(value, bool) or not isinstance(value, int):
                errors[field] = ["Incorrect type. Expected pk value, received %s." % type(value).__name__]
            elif lookup(target, value) is None:
                errors[field] = ['Invalid pk "%s" - object does not exist.' % value]
            continue
        if value is None:
            if types is not None and field not in ("host_filter",):
                errors[field] = ["This field may not be null."]
            continue
        if types is not None and (not isinstance(value, types) or (types == INT and isinstance(value, bool))):
            label = {STR: "string", BOOL: "boolean", INT: "integer", DICT: "object"}[types]
            errors[field] = ["Must be a valid %s." % label]
            continue
        choices = spec.get("choices", {}).get(field)
        if choices is not None and value not in choices:
            errors[field] = ['"%s" is not a valid choice.' % value]
        if field in spec.get("yaml", ()) and value:
            try:
                parsed = yaml.safe_load(value)
            except yaml.YAMLError:
                parsed = None
            if not isinstance(parsed, dict):
                errors[field] = ["Cannot parse as JSON (error: not a dictionary) or YAML (error: not a dictionary)."]
    merged.update({k: v for k, v in data.items() if k in spec["fields"]})
    for field in spec["required"]:
        if merged.get(field) in (None, "") and field not in errors:
            errors[field] = ["This field is required." if existing is None or field in data else
                             "This field may not be blank."]
    if kind == "credential_types":
        errors.update(_credential_type_errors(merged))
    return errors


def _credential_type_errors(item: dict) -> dict:
    inputs, injectors = item.get("inputs") or {}, item.get("injectors") or {}
    fields = inputs.get("fields", [])
    if not isinstance(fields, list):
        return {"inputs": ["'fields' must be a list"]}
    ids = []
    for index, field in enumerate(fields):
        if not isinstance(field, dict) or "id" not in field or "label" not in field:
            return {"inputs": [f"fields.{index}: 'id' and 'label' are required"]}
        if field.get("type", "string") not in CREDENTIAL_INPUT_TYPES:
            return {"inputs": [f"fields.{index}.type: '{field.get('type')}' is not one of {list(CREDENTIAL_INPUT_TYPES)}"]}
        if field["id"] in ids:
            return {"inputs": [f"field IDs must be unique ({field['id']})"]}
        ids.append(field["id"])
    for name in inputs.get("required", []):
        if name not in ids:
            return {"inputs": [f"required field {name} is not defined in fields"]}
    unknown = set(injectors) - {"env", "extra_vars", "file"}
    if unknown:
        return {"injectors": [f"unknown injector sections {sorted(unknown)}"]}
    text = json.dumps(injectors)
    import re

    for name in re.findall(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)", text):
        if name not in ids and name != "tower":
            return {"injectors": [f"'{name}' is undefined (inputs: {ids})"]}
    return {}

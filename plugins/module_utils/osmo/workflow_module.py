# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``osmo_workflow`` does: prepare and validate the spec, deliver code, submit or cancel, wait, report.

Like the ``osmo`` CLI with a templated file, the spec is rendered here (same
rules as the service) and the *rendered* spec is submitted, with the original
template attached as ``uploaded_templated_spec``; what the service validates is
exactly what was validated client-side.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import io
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo import builder, code_delivery, workflows
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.client import OsmoApiError
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.common import (
    OSMO_COMMON_ARGS,
    build_client,
    validate_common,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.render import (
    RenderError,
    as_assignments,
    render_template,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.spec import validate_document

RESOURCE_OPTIONS = dict(
    cpu=dict(type="raw"),
    gpu=dict(type="raw"),
    memory=dict(type="str"),
    storage=dict(type="str"),
    platform=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    state=dict(type="str", default="present", choices=["present", "canceled"]),
    pool=dict(type="str", fallback=(env_fallback, ["OSMO_POOL"])),
    workflow_id=dict(type="str"),
    # spec from parameters
    name=dict(type="str"),
    task_name=dict(type="str"),
    image=dict(type="str"),
    command=dict(type="list", elements="str"),
    args=dict(type="list", elements="str"),
    environment=dict(type="dict"),
    resources=dict(type="dict", options=RESOURCE_OPTIONS),
    inputs=dict(type="list", elements="dict"),
    outputs=dict(type="list", elements="dict"),
    files=dict(type="list", elements="dict"),
    credentials=dict(type="dict"),
    exit_actions=dict(type="dict"),
    timeout=dict(type="dict", options=dict(exec_timeout=dict(type="str"), queue_timeout=dict(type="str"))),
    # spec from a template
    template=dict(type="str"),
    template_file=dict(type="path"),
    set_variables=dict(type="dict", default={}),
    set_string_variables=dict(type="dict", default={}),
    # submission
    priority=dict(type="str", choices=["HIGH", "NORMAL", "LOW"]),
    env_vars=dict(type="dict"),
    idempotency_key=dict(type="str", no_log=False),
    idempotent=dict(type="bool", default=False),
    resubmit_failed=dict(type="bool", default=True),
    cancel_message=dict(type="str"),
    force=dict(type="bool", default=False),
    # waiting and reporting
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=3600),
    poll_interval=dict(type="float", default=10),
    fail_on_failure=dict(type="bool", default=True),
    log_lines=dict(type="int", default=50),
)
ARGUMENT_SPEC.update(OSMO_COMMON_ARGS)
ARGUMENT_SPEC.update(code_delivery.CODE_ARGS)

PARAMETER_SPEC_OPTIONS = ("image", "command", "args", "environment", "resources", "inputs", "outputs", "files",
                          "credentials", "exit_actions", "timeout", "task_name")


class ModuleFailure(Exception):
    def __init__(self, msg, **details):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.details = details


def option_errors(p):
    """Bad input named by option, before anything is read or sent."""
    errors = list(validate_common(p))
    errors.extend(code_delivery.validate(p))
    if p["wait_timeout"] <= 0:
        errors.append("wait_timeout must be a positive number of seconds, got %s" % p["wait_timeout"])
    if p["poll_interval"] <= 0:
        errors.append("poll_interval must be a positive number of seconds, got %s" % p["poll_interval"])
    if p["log_lines"] < 0:
        errors.append("log_lines must be >= 0, got %s" % p["log_lines"])
    if p["state"] == "canceled":
        if not p["workflow_id"] and not (p["name"] and p["idempotency_key"]):
            errors.append("state=canceled needs workflow_id (or name and idempotency_key of the submission)")
        return errors
    from_template = p["template"] is not None or p["template_file"] is not None
    given = [o for o in PARAMETER_SPEC_OPTIONS if p.get(o) not in (None, [], {})]
    if p["template"] is not None and p["template_file"] is not None:
        errors.append("template and template_file are mutually exclusive")
    if from_template and given:
        errors.append("with template/template_file the spec comes from the template; remove %s (or put them in the "
                      "template)" % ", ".join(given))
    if not from_template:
        missing = [o for o in ("name", "image", "command") if not p.get(o)]
        if missing:
            errors.append("a spec built from parameters needs %s (or give template / template_file)"
                          % ", ".join(missing))
    if p["template_file"] is not None and not os.path.isfile(p["template_file"]):
        errors.append("template_file=%s does not exist or is not a file" % p["template_file"])
    if p["workflow_id"]:
        errors.append("workflow_id is only used with state=canceled; a submission gets its ID from OSMO")
    return errors


def _resources(p):
    res = p.get("resources")
    if not res:
        return None
    return dict((k, v) for k, v in res.items() if v is not None)


def prepare(p, code_url=None):
    """Returns ``(document, template_text, variables)``: the rendered and validated spec.

    Raises ModuleFailure listing every problem with its field path.
    """
    set_vars = dict(p.get("set_variables") or {})
    set_strings = dict((k, "" if v is None else str(v)) for k, v in (p.get("set_string_variables") or {}).items())
    if code_url and (p["template"] is not None or p["template_file"] is not None):
        set_strings[p["code_variable"]] = code_url
    if p["template"] is not None or p["template_file"] is not None:
        if p["template_file"] is not None:
            try:
                with io.open(p["template_file"], encoding="utf-8") as handle:
                    template = handle.read()
            except (IOError, OSError, UnicodeDecodeError) as exc:
                raise ModuleFailure("template_file=%s cannot be read as UTF-8 text: %s; nothing was sent to OSMO"
                                    % (p["template_file"], exc))
            subject = "template_file %s" % p["template_file"]
        else:
            template = p["template"]
            subject = "template"
    else:
        inputs = list(p.get("inputs") or [])
        if code_url:
            inputs.insert(0, {"url": code_url})
        document = builder.build_document(
            name=p["name"], image=p["image"], command=p["command"], args=p.get("args"),
            environment=p.get("environment"), resources=_resources(p), inputs=inputs, outputs=p.get("outputs"),
            pool=None, timeout=p.get("timeout"), task_name=p.get("task_name"), files=p.get("files"),
            credentials=p.get("credentials"), exit_actions=p.get("exit_actions"),
        )
        template = builder.dump_document(document)
        subject = ("the workflow spec built from the module's parameters (workflow.tasks[0] holds image, command, "
                   "args, environment, inputs, outputs, files, credentials and exit_actions as exitActions; "
                   "workflow.resources.default holds resources)")
    try:
        rendered, variables = render_template(template, set_vars, set_strings)
    except RenderError as exc:
        raise ModuleFailure(_problems(subject, exc.errors), spec_errors=[e.as_dict() for e in exc.errors])
    errors = validate_document(rendered)
    if errors:
        raise ModuleFailure(_problems(subject, errors), spec_errors=[e.as_dict() for e in errors])
    return rendered, template, variables


def _problems(subject, errors):
    lines = ["%s is invalid (%d problem%s); nothing was sent to OSMO:"
             % (subject[0].upper() + subject[1:], len(errors), "" if len(errors) == 1 else "s")]
    lines.extend("- %s" % e for e in errors)
    return "\n".join(lines)


def _pool(p, document):
    pool = p.get("pool") or (document.get("workflow") or {}).get("pool")
    if not pool:
        raise ModuleFailure("pool is required (or set workflow.pool in the spec, or OSMO_POOL)")
    return pool


def _submission_document(document, p, pool):
    """The document as submitted: rendered, with the idempotency name applied. Returns (document, key)."""
    doc = copy.deepcopy(document)
    key = p.get("idempotency_key")
    if not key and p.get("idempotent"):
        # The same rendered spec on the same pool at the same priority is the same submission.
        key = builder.fingerprint(doc, pool, p.get("priority") or "NORMAL", p.get("env_vars") or {})
    if key:
        doc["workflow"]["name"] = builder.keyed_name(doc["workflow"]["name"], key)
    doc.pop("default-values", None)  # already applied
    return doc, key


def _check_stable(spec_text, document):
    """OSMO renders the submitted text once more: it must come out unchanged (no Jinja left in values)."""
    try:
        again, unused = render_template(spec_text)
    except RenderError as exc:
        again, unused = None, exc
    if again is None or again.get("workflow") != document.get("workflow"):
        detail = unused if again is None else "the second rendering differs"
        raise ModuleFailure(
            "The rendered spec still contains Jinja syntax ({{ }}, {%% %%} or {# #}) in a value, probably from a "
            "variable's value; OSMO would render it again at submission. Remove it or escape it, e.g. "
            "{{ '{{' }} (details: %s)" % detail)


def _finish(module, client, p, data, result):
    """Adds the final state; fails with the failed tasks' logs when the workflow failed."""
    summary = workflows.summarize(data)
    result["workflow"] = summary
    result["status"] = summary["status"]
    if workflows.is_failed(summary["status"]):
        excerpts = workflows.task_log_excerpts(client, data, p["log_lines"]) if p["log_lines"] else {}
        result["failed_task_logs"] = excerpts
        if p["fail_on_failure"]:
            raise ModuleFailure(workflows.failure_message(data, excerpts), **result)
    return result


def run_present(module, client, p):
    result = dict(changed=False, submitted=False)
    code_url = None
    if p.get("code_dir"):
        # Validate options that need no upload first, so a broken spec never uploads anything.
        prepare(p, code_url="azure://placeholder/placeholder/placeholder.tar.gz")
        for option in code_delivery.unused_options(p):
            module.warn("%s has no effect with code_storage_auth_source=%s (it reads its own settings); remove it or "
                        "pick an auth source that uses it" % (option, p.get("code_storage_auth_source") or "auto"))
        try:
            code = code_delivery.deliver(p, module.check_mode)
        except code_delivery.CodeDeliveryError as exc:
            raise ModuleFailure(str(exc))
        result["code"] = code
        code_url = code["url"]
        if code["uploaded"]:
            result["changed"] = True
    document, template, variables = prepare(p, code_url)
    pool = _pool(p, document)
    submit_doc, key = _submission_document(document, p, pool)
    spec_text = builder.dump_document(submit_doc)
    _check_stable(spec_text, submit_doc)
    name = submit_doc["workflow"]["name"]
    result.update(name=name, pool=pool, spec=submit_doc, idempotency_key=key)
    template_attachment = template if (p["template"] is not None or p["template_file"] is not None) else None

    if key:
        existing = workflows.find_submission(client, name, pool)
        if existing and workflows.is_failed(existing.get("status")) and p["resubmit_failed"]:
            result["previous_workflow_id"] = existing.get("name")
            existing = None
        if existing:
            workflow_id = existing["name"]
            result["workflow_id"] = workflow_id
            if p["wait"] and not module.check_mode:
                data = workflows.wait_for(client, workflow_id, p["wait_timeout"], p["poll_interval"])
            else:
                data = client.workflow(workflow_id)
            return _finish(module, client, p, data, result)

    if module._diff:
        result["diff"] = dict(before="", after=spec_text, before_header="(no workflow)",
                              after_header="OSMO workflow %s on pool %s" % (name, pool))
    if module.check_mode:
        response = client.submit(pool, spec_text, priority=p.get("priority"), validation_only=True,
                                 env_vars=as_assignments(p["env_vars"]) if p.get("env_vars") else None,
                                 workflow=name, templated_spec=template_attachment)
        result.update(changed=True, validation=dict(logs=(response or {}).get("logs"),
                                                    warnings=(response or {}).get("warnings") or []))
        return result

    response = client.submit(pool, spec_text, priority=p.get("priority"),
                             env_vars=as_assignments(p["env_vars"]) if p.get("env_vars") else None,
                             workflow=name, templated_spec=template_attachment)
    response = response or {}
    workflow_id = response.get("name")
    result.update(changed=True, submitted=True, workflow_id=workflow_id, dashboard_url=response.get("dashboard_url"),
                  warnings_from_osmo=response.get("warnings") or [])
    if template_attachment is not None:
        result["template_variables"] = sorted(variables)
    if not p["wait"]:
        result["status"] = "PENDING"
        return result
    data = workflows.wait_for(client, workflow_id, p["wait_timeout"], p["poll_interval"])
    return _finish(module, client, p, data, result)


def run_canceled(module, client, p):
    result = dict(changed=False)
    workflow_id = p.get("workflow_id")
    if not workflow_id:
        name = builder.keyed_name(p["name"], p["idempotency_key"])
        existing = workflows.find_submission(client, name, p.get("pool"))
        if not existing:
            result.update(status=None, workflow_id=None, msg="no workflow named %s-<N> exists" % name)
            return result
        workflow_id = existing["name"]
    result["workflow_id"] = workflow_id
    data = client.workflow(workflow_id)
    if not workflows.is_alive((data or {}).get("status")):
        result.update(status=data.get("status"), workflow=workflows.summarize(data))
        return result
    result["changed"] = True
    if module.check_mode:
        result.update(status=data.get("status"), workflow=workflows.summarize(data))
        return result
    client.cancel(workflow_id, message=p.get("cancel_message"), force=p.get("force"))
    if p["wait"]:
        data = workflows.wait_for(client, workflow_id, p["wait_timeout"], p["poll_interval"])
    else:
        data = client.workflow(workflow_id)
    result.update(status=data.get("status"), workflow=workflows.summarize(data))
    return result


def run(module):
    """Runs the module; ``module`` is an AnsibleModule built with ARGUMENT_SPEC."""
    p = module.params
    errors = option_errors(p)
    if errors:
        module.fail_json(msg="; ".join(errors))
    client = build_client(p)
    try:
        if p["state"] == "canceled":
            result = run_canceled(module, client, p)
        else:
            result = run_present(module, client, p)
    except ModuleFailure as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    except OsmoApiError as exc:
        module.fail_json(msg=exc.message, api_error=exc.as_dict())
    except workflows.WaitTimeout as exc:
        details = dict(workflow=workflows.summarize(exc.workflow)) if exc.workflow else {}
        module.fail_json(msg=str(exc), **details)
    module.exit_json(**result)

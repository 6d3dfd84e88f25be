# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX / Automation Platform surveys generated from the roles' argument specs.

``playbooks/awx/vars/templates.yml`` says which job template offers which options; this module turns each
offered option (a role's ``meta/argument_specs.yml`` option, or a play variable described in that file) into an
AWX survey question, and checks a survey against the rules AWX's ``survey_spec`` endpoint applies (question
types, required keys, default types, choices, ``min``/``max``) plus the launch-time limits a default must meet.

Pure functions; the caller passes a ``read_yaml(relative_path)`` function so that nothing here does I/O.
``scripts/awx-surveys.py`` writes the surveys to ``playbooks/awx/surveys/``; the tests regenerate them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MAPPING_FILE = "playbooks/awx/vars/templates.yml"
SURVEY_DIR = "playbooks/awx/surveys"

# AWX's question types and the Python type of their defaults (awx/api/views JobTemplateSurveySpec).
QUESTION_TYPES = {
    "text": (str,),
    "textarea": (str,),
    "password": (str,),
    "multiplechoice": (str,),
    "multiselect": (str,),
    "integer": (int,),
    "float": (float, int),
}
TEXT_MAX_DEFAULT = 1024
BOOL_CHOICES = ["true", "false"]
_MARKUP = re.compile(r"\b[A-Z]\(([^()]*)\)")
_QUESTION_KEYS = ("role", "entry", "option", "playbook", "variable", "type", "elements", "choices", "default",
                  "required", "description", "question", "min", "max", "template")


class SurveyError(ValueError):
    """A question that cannot be generated; the message names the template, the variable and the fix."""


def plain_text(description):
    """An argument spec description (str or list, with O()/V()/C() markup) as one line of plain text."""
    if description is None:
        return ""
    if isinstance(description, (list, tuple)):
        description = " ".join(str(part) for part in description)
    text = _MARKUP.sub(r"\1", str(description))
    return " ".join(text.split())


def humanize(variable):
    return variable.replace("_", " ").strip().capitalize()


def _is_template(value):
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def role_option(read_yaml, role, entry, option):
    """The option's spec from roles/<role>/meta/argument_specs.yml."""
    path = "roles/%s/meta/argument_specs.yml" % role
    specs = (read_yaml(path) or {}).get("argument_specs") or {}
    if entry not in specs:
        raise SurveyError("%s has no entry point '%s' (entries: %s)" % (path, entry, ", ".join(sorted(specs))))
    options = specs[entry].get("options") or {}
    if option not in options:
        raise SurveyError("%s entry '%s' has no option '%s'" % (path, entry, option))
    return dict(options[option])


def play_vars(read_yaml, playbook):
    """``vars:`` of the playbook's plays, merged (first play wins)."""
    plays = read_yaml(playbook) or []
    merged = {}
    for play in reversed(plays if isinstance(plays, list) else []):
        if isinstance(play, dict) and isinstance(play.get("vars"), dict):
            merged.update(play["vars"])
    return merged


def resolve(read_yaml, read_text, template_key, item):
    """The option spec (type, default, choices, required, description) a mapping entry stands for."""
    unknown = sorted(set(item) - set(_QUESTION_KEYS))
    if unknown:
        raise SurveyError("%s: unknown keys %s in a survey entry" % (template_key, ", ".join(unknown)))
    if "role" in item:
        option = item.get("option")
        if not option:
            raise SurveyError("%s: a role question needs `option`" % template_key)
        spec = role_option(read_yaml, item["role"], item.get("entry", "main"), option)
        for key in ("type", "choices", "default", "elements"):
            if key in item:
                raise SurveyError("%s: `%s` of %s comes from the role's argument spec; do not set it here"
                                  % (template_key, key, option))
        variable = item.get("variable", option)
        source = "roles/%s/meta/argument_specs.yml (%s.%s)" % (item["role"], item.get("entry", "main"), option)
    elif "playbook" in item:
        variable = item.get("variable")
        if not variable:
            raise SurveyError("%s: a playbook question needs `variable`" % template_key)
        if "type" not in item or "description" not in item:
            raise SurveyError("%s: %s is a play variable of %s; give its `type` and `description`"
                              % (template_key, variable, item["playbook"]))
        if not re.search(r"\b%s\b" % re.escape(variable), read_text(item["playbook"])):
            raise SurveyError("%s: %s does not use the variable %s" % (template_key, item["playbook"], variable))
        declared = play_vars(read_yaml, item["playbook"])
        spec = {k: item[k] for k in ("type", "elements", "choices", "description") if k in item}
        if variable in declared:
            if "default" in item:
                raise SurveyError("%s: the default of %s comes from the play vars of %s; do not set it here"
                                  % (template_key, variable, item["playbook"]))
            spec["default"] = declared[variable]
        elif "default" in item:
            spec["default"] = item["default"]
        elif not item.get("required"):
            raise SurveyError("%s: %s has no default in %s; mark it `required: true` or give a default"
                              % (template_key, variable, item["playbook"]))
        source = "%s (play vars)" % item["playbook"]
    else:
        raise SurveyError("%s: a survey entry needs `role` or `playbook`" % template_key)
    if "description" in item and "role" in item:
        spec["description"] = item["description"]
    if "required" in item:
        spec["required"] = bool(item["required"])
    return variable, spec, source


def question(template_key, variable, spec, item):
    """One AWX survey question for ``variable`` from its option spec ``spec``."""
    where = "%s: %s" % (template_key, variable)
    kind = spec.get("type", "str")
    choices = spec.get("choices")
    default = spec.get("default")
    required = bool(spec.get("required", False))
    if _is_template(default):
        raise SurveyError("%s: its default %r is a template; a survey can only offer literal defaults" % (where, default))
    entry = {
        "question_name": item.get("question") or humanize(variable),
        "question_description": plain_text(spec.get("description")),
        "required": required,
        "variable": variable,
    }
    if spec.get("no_log"):
        if default not in (None, ""):
            raise SurveyError("%s: a secret (no_log) option cannot have a survey default" % where)
        entry.update(type="password", default="", min=item.get("min", 0), max=item.get("max", TEXT_MAX_DEFAULT))
        return entry
    if kind == "bool":
        entry.update(type="multiplechoice", choices=list(BOOL_CHOICES))
        if default is not None:
            entry["default"] = "true" if default else "false"
    elif kind == "list":
        if not choices:
            raise SurveyError("%s: a list option can only be offered with `choices` (as a multiselect)" % where)
        entry.update(type="multiselect", choices=[str(c) for c in choices])
        if default:
            entry["default"] = "\n".join(str(d) for d in default)
    elif choices:
        entry.update(type="multiplechoice", choices=[str(c) for c in choices])
        if default is not None:
            entry["default"] = str(default)
    elif kind == "int":
        entry.update(type="integer")
        if default not in (None, ""):
            entry["default"] = int(default)
    elif kind == "float":
        entry.update(type="float")
        if default not in (None, ""):
            entry["default"] = float(default)
    elif kind in ("str", "path"):
        entry.update(type="text", default="" if default is None else str(default))
    else:
        raise SurveyError("%s: options of type %s cannot be survey questions" % (where, kind))
    if entry["type"] in ("text", "integer", "float", "password"):
        lowest = 1 if (required and entry["type"] == "text") else 0
        entry["min"] = item.get("min", lowest if entry["type"] == "text" else None)
        entry["max"] = item.get("max", TEXT_MAX_DEFAULT if entry["type"] == "text" else None)
        for key in ("min", "max"):
            if entry[key] is None:
                del entry[key]
    elif "min" in item or "max" in item:
        raise SurveyError("%s: min/max apply to text and number questions only" % where)
    return entry


def template_survey(read_yaml, read_text, key, template):
    items = template.get("survey") or []
    spec = []
    for item in items:
        variable, option_spec, unused_source = resolve(read_yaml, read_text, key, item)
        spec.append(question(key, variable, option_spec, item))
    return {"name": template.get("name", key), "description": template.get("description", ""), "spec": spec}


def generate(read_yaml, read_text):
    """Every survey of the mapping file: {key: survey}; templates without questions have none."""
    mapping = read_yaml(MAPPING_FILE) or {}
    templates = mapping.get("awx_job_templates") or {}
    surveys = {}
    for key, template in templates.items():
        if template.get("survey"):
            surveys[key] = template_survey(read_yaml, read_text, key, template)
    for key, workflow in (mapping.get("awx_workflows") or {}).items():
        if key in templates:
            raise SurveyError("workflow %s: the key is also a job template's" % key)
        for node in workflow.get("nodes") or []:
            if node not in templates:
                raise SurveyError("workflow %s: node %s is not a job template of %s" % (key, node, MAPPING_FILE))
        spec = []
        for item in workflow.get("survey") or []:
            source = item.get("template")
            if source not in surveys:
                raise SurveyError("workflow %s: %r is not a job template with a survey" % (key, source))
            wanted = item.get("variable")
            questions = [q for q in surveys[source]["spec"] if wanted in (None, q["variable"])]
            if wanted and not questions:
                raise SurveyError("workflow %s: the survey of %s has no question %s" % (key, source, wanted))
            spec.extend(dict(q) for q in questions)
        if spec:
            surveys[key] = {"name": workflow.get("name", key), "description": workflow.get("description", ""),
                            "spec": spec}
    for key, survey in surveys.items():
        problems = survey_problems(survey)
        if problems:
            raise SurveyError("survey %s: %s" % (key, "; ".join(problems)))
    return surveys


def survey_problems(survey):
    """What AWX would reject in ``survey`` (POST survey_spec: 400), plus defaults a launch would refuse."""
    problems = []
    if not isinstance(survey, dict):
        return ["the survey is not a JSON object"]
    for field, kind, label in (("name", str, "string"), ("description", str, "string"), ("spec", list, "list")):
        if field not in survey:
            problems.append("field '%s' is missing" % field)
        elif not isinstance(survey[field], kind):
            problems.append("'%s' must be a %s" % (field, label))
    if problems:
        return problems
    if not survey["spec"]:
        return ["'spec' doesn't contain any items"]
    seen = set()
    for index, item in enumerate(survey["spec"]):
        problems.extend("question %d (%s): %s" % (index, item.get("variable") if isinstance(item, dict) else "?", p)
                        for p in question_problems(item))
        if isinstance(item, dict):
            if item.get("variable") in seen:
                problems.append("question %d: variable %r is duplicated" % (index, item.get("variable")))
            seen.add(item.get("variable"))
    return problems


def question_problems(item):
    if not isinstance(item, dict):
        return ["not a JSON object"]
    problems = []
    for field in ("type", "question_name", "variable", "required"):
        if field not in item:
            problems.append("'%s' is missing" % field)
    if problems:
        return problems
    for field in ("type", "question_name", "variable"):
        if not isinstance(item[field], str):
            problems.append("'%s' must be a string" % field)
    if not isinstance(item["required"], bool):
        problems.append("'required' must be a boolean")
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(item["variable"])):
        problems.append("'variable' is not a valid Ansible variable name")
    qtype = item["type"]
    if qtype not in QUESTION_TYPES:
        return problems + ["type %r is not one of %s" % (qtype, ", ".join(QUESTION_TYPES))]
    default = item.get("default", "")
    if default != "" and (isinstance(default, bool) or not isinstance(default, QUESTION_TYPES[qtype])):
        problems.append("default %r is not a %s" % (default, "string" if qtype not in ("integer", "float") else qtype))
        return problems
    for key in ("min", "max"):
        if item.get(key) is not None and (isinstance(item[key], bool) or not isinstance(item[key], int)):
            problems.append("'%s' must be an integer" % key)
    if isinstance(item.get("min"), int) and isinstance(item.get("max"), int) and item["min"] > item["max"]:
        problems.append("min %d is above max %d" % (item["min"], item["max"]))
    if qtype in ("multiplechoice", "multiselect"):
        choices = item.get("choices")
        if not choices:
            problems.append("a %s question needs choices" % qtype)
            return problems
        if isinstance(choices, str):
            choices = [c for c in choices.splitlines() if c.strip()]
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            problems.append("choices must be a list of strings (or one newline-separated string)")
            return problems
        if len(set(choices)) != len(choices):
            problems.append("choices are duplicated")
        defaults = [d for d in str(default).splitlines() if d.strip()] if default != "" else []
        if qtype == "multiplechoice" and len(defaults) > 1:
            problems.append("a multiple choice question has one default")
        missing = [d for d in defaults if d not in choices]
        if missing:
            problems.append("default %s is not among the choices %s" % (", ".join(missing), ", ".join(choices)))
    elif default != "" and default is not None:
        lowest, highest = item.get("min"), item.get("max")
        measure = len(default) if qtype in ("text", "textarea", "password") else default
        if isinstance(lowest, int) and measure < lowest:
            problems.append("default %r is below the minimum %d" % (default, lowest))
        if isinstance(highest, int) and measure > highest:
            problems.append("default %r is above the maximum %d" % (default, highest))
    if item["required"] and qtype in ("text", "textarea") and default == "" and item.get("min", 0) < 1:
        problems.append("a required text question without default needs min >= 1")
    return problems

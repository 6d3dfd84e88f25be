# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renders an OSMO workflow template the way the OSMO service does at submission.

The service splits the file into its top-level sections (only ``version``,
``workflow`` and ``default-values`` are allowed), takes variables from
``default-values`` and the request's ``set_variables`` (cast to int/float when
possible) and ``set_string_variables`` (always strings), hides the run-time
tokens (``{{output}}``, ``{{input:0}}``, ...) and renders the ``workflow``
section with Jinja2 in a sandbox with StrictUndefined. Rendering it here first
turns an undefined variable into an error that names it and its line, before
anything is sent.

Jinja2 and PyYAML are imported lazily (both ship with ansible-core).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.spec import (
    SPECIAL_TOKEN_RE,
    TOP_LEVEL_KEYS,
    SpecError,
    spaced_token_errors,
)

SECTION_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9_-]*):(.*?)(?=^[a-zA-Z][a-zA-Z0-9_-]*:|\Z)", re.DOTALL | re.MULTILINE)
TEMPLATE_MARKERS = ("{%", "{{", "{#", "default-values")


class RenderError(ValueError):
    def __init__(self, errors):
        self.errors = list(errors)
        super(RenderError, self).__init__("\n".join("- %s" % e for e in self.errors))


def is_templated(text):
    return any(marker in text for marker in TEMPLATE_MARKERS)


def cast_value(text):
    """``set_variables`` semantics: int if it parses, else float, else the string."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_assignments(items, option, cast=True):
    """``["k=v", ...]`` or a mapping -> dict. Raises RenderError naming the option."""
    result = {}
    if not items:
        return result
    if isinstance(items, dict):
        for key, value in items.items():
            result[str(key)] = value if cast else ("" if value is None else str(value))
        return result
    errors = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or "=" not in item:
            errors.append(SpecError("%s[%d]" % (option, i), "%r is not of the form name=value" % (item,)))
            continue
        key, value = item.split("=", 1)
        result[key] = cast_value(value) if cast else value
    if errors:
        raise RenderError(errors)
    return result


def as_assignments(mapping):
    """dict -> ``["k=v", ...]`` for the REST body (sorted, so requests are reproducible)."""
    out = []
    for key in sorted(mapping):
        value = mapping[key]
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append("%s=%s" % (key, "" if value is None else value))
    return out


def split_sections(text, first_lines=None):
    """Returns ``({key: section text}, [SpecError])``; ``first_lines`` receives each section's first line number."""
    sections = {}
    errors = []
    first_lines = {} if first_lines is None else first_lines
    for match in SECTION_RE.finditer(text):
        key = match.group(1)
        line = text.count("\n", 0, match.start()) + 1
        if key not in TOP_LEVEL_KEYS:
            errors.append(SpecError(key, "unknown top-level key %r (line %d); only %s are allowed"
                                    % (key, line, ", ".join(TOP_LEVEL_KEYS))))
            continue
        if key in sections:
            errors.append(SpecError(key, "top-level key %r appears twice (line %d)" % (key, line)))
            continue
        sections[key] = match.group(1) + ":" + match.group(2)
        first_lines[key] = line
    if "workflow" not in sections and not errors:
        errors.append(SpecError("workflow", "is required: the spec needs a top-level 'workflow' mapping"))
    return sections, errors


def _yaml_load(text):
    from ansible.module_utils.common.yaml import yaml_load

    return yaml_load(text)


def _undefined_line(text, name):
    pattern = re.compile(r"(\{\{|\{%%)[^}]*\b%s\b" % re.escape(name))
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return number
    return None


def render_template(text, set_variables=None, set_string_variables=None):
    """Renders ``text``; returns ``(document, variables)``.

    ``document`` is the parsed spec: ``{'version': .., 'workflow': .., 'default-values': ..}`` with the
    workflow section rendered. Raises RenderError (every error names a path) on an unknown top-level key,
    a spaced special token, an undefined variable, a Jinja syntax error or invalid YAML.
    """
    if not isinstance(text, str) or not text.strip():
        raise RenderError([SpecError("template", "is empty")])
    first_lines = {}
    sections, errors = split_sections(text, first_lines)
    if errors:
        raise RenderError(errors)

    variables = {}
    document = {}
    if "default-values" in sections:
        try:
            loaded = _yaml_load(sections["default-values"]) or {}
        except Exception as exc:  # YAML errors of any parser version
            raise RenderError([SpecError("default-values", "is not valid YAML: %s" % exc)])
        defaults = loaded.get("default-values") if isinstance(loaded, dict) else None
        if defaults is not None and not isinstance(defaults, dict):
            raise RenderError([SpecError("default-values", "must be a mapping of variable names to values")])
        document["default-values"] = defaults or {}
        variables.update(defaults or {})
    if "version" in sections:
        try:
            document["version"] = (_yaml_load(sections["version"]) or {}).get("version")
        except Exception as exc:
            raise RenderError([SpecError("version", "is not valid YAML: %s" % exc)])
    variables.update(parse_assignments(set_variables, "set_variables", cast=True))
    variables.update(parse_assignments(set_string_variables, "set_string_variables", cast=False))

    workflow_text = sections["workflow"]
    offset = first_lines.get("workflow", 1) - 1  # line numbers in messages are the template's
    # A spaced "{{ output }}" is a plain Jinja variable to the service: an error unless defined as one.
    spaced = [e for e in spaced_token_errors(workflow_text, "template", offset) if e.token not in variables]
    if spaced:
        raise RenderError(spaced)

    # Hide the run-time tokens from Jinja, as the service does.
    protected = {}

    def hide(match):
        key = "__osmo_token_%d" % len(protected)
        protected[key] = match.group(0)
        return "{{ %s }}" % key

    hidden = SPECIAL_TOKEN_RE.sub(hide, workflow_text)
    context = dict(variables)
    context.update(protected)

    from jinja2 import StrictUndefined
    from jinja2.exceptions import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    try:
        rendered = env.from_string(hidden).render(**context)
    except UndefinedError as exc:
        message = str(exc)
        match = re.search(r"'([^']+)' is undefined", message)
        name = match.group(1) if match else None
        line = _undefined_line(workflow_text, name) if name else None
        where = "template line %d" % (line + offset) if line else "template"
        hint = ("; set it with set_variables / set_string_variables or under default-values"
                if name else "")
        raise RenderError([SpecError(where, "template variable %s%s" % (message, hint))])
    except TemplateSyntaxError as exc:
        raise RenderError([SpecError("template line %s" % ((exc.lineno or 1) + offset),
                                     "Jinja syntax error: %s" % exc.message)])
    except TemplateError as exc:
        raise RenderError([SpecError("template", "Jinja error: %s" % exc)])

    try:
        loaded = _yaml_load(rendered)
    except Exception as exc:
        raise RenderError([SpecError("workflow", "the rendered spec is not valid YAML: %s" % exc)])
    document["workflow"] = loaded.get("workflow") if isinstance(loaded, dict) else None
    return document, variables

"""Server-side rendering of a submitted workflow file, as the OSMO service does it.

Top-level sections are split on column-0 keys (only version, workflow and default-values); default-values
and the request's set_variables / set_string_variables feed a sandboxed Jinja2 environment with
StrictUndefined; the run-time tokens ({{output}}, {{input:N}}, {{workflow_id}}, {{host:T}}, {{uuid}}) are
hidden from Jinja first, but only in their exact, space-free form.
"""

from __future__ import annotations

import hashlib
import re

import jinja2
import jinja2.sandbox
import yaml

from .models import UsageError

SECTION = re.compile(r"^([a-zA-Z][a-zA-Z0-9_-]*):(.*?)(?=^[a-zA-Z][a-zA-Z0-9_-]*:|\Z)", re.DOTALL | re.MULTILINE)
ALLOWED = {"workflow", "default-values", "version"}
TOKEN = re.compile(r"{{(uuid|workflow_id|output|input:[^}]+|host:[^}]+)}}")


def _assignments(items, cast: bool) -> dict:
    result = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"Data {item} is incorrectly formatted")
        key, value = item.split("=", 1)
        if cast:
            for kind in (int, float):
                try:
                    value = kind(value)
                    break
                except ValueError:
                    continue
        result[key] = value
    return result


def render(file_text: str, set_variables=None, set_string_variables=None) -> dict:
    """Returns the rendered document ({'version'?, 'workflow'}) or raises UsageError."""
    sections: dict[str, str] = {}
    for match in SECTION.finditer(file_text):
        key = match.group(1)
        if key not in ALLOWED:
            raise UsageError(f'Unknown top-level key "{key}" found in the workflow spec.', "USER")
        if key in sections:
            raise UsageError(f'Duplicate top-level key "{key}" found in the workflow spec.', "USER")
        sections[key] = f"{key}:{match.group(2)}"
    if "workflow" not in sections:
        raise UsageError("Workflow spec not found.", "USER")
    data: dict = {}
    if "default-values" in sections:
        data.update((yaml.safe_load(sections["default-values"]) or {}).get("default-values") or {})
    data.update(_assignments(set_variables, cast=True))
    data.update(_assignments(set_string_variables, cast=False))

    text = sections["workflow"]
    for token in TOKEN.findall(text):
        key = "hash" + str(int(hashlib.md5(token.strip().encode()).hexdigest(), 16))
        data[key] = "{{" + token + "}}"
        text = text.replace("{{" + token + "}}", "{{" + key + "}}")
    env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    try:
        rendered = env.from_string(text).render(data)
    except (jinja2.TemplateError, TypeError) as exc:
        raise UsageError(f"Jinja Template Error: {exc}") from exc
    try:
        document = yaml.safe_load(rendered) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"Workflow spec is not properly formatted: {exc}") from exc
    if "version" in sections:
        document["version"] = (yaml.safe_load(sections["version"]) or {}).get("version")
    return document

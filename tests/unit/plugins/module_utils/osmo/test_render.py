"""Template rendering with OSMO's submit-time semantics (sandbox, StrictUndefined, protected tokens)."""

import textwrap

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.render import (
    RenderError,
    as_assignments,
    cast_value,
    is_templated,
    parse_assignments,
    render_template,
)

TEMPLATE = textwrap.dedent("""\
    # a comment before the spec
    version: 2
    workflow:
      name: {{ name }}
      resources:
        default: {cpu: {{ cpu }}, memory: 4Gi}
      tasks:
      - name: train
        image: "{{ image }}"
        command: [bash, -c, "run --id {{workflow_id}} --out {{output}} --n {{ n }}"]
    default-values:
      name: demo
      cpu: 2
      image: ubuntu:24.04
      n: 10
    """)


def render_errors(text, **kwargs):
    with pytest.raises(RenderError) as info:
        render_template(text, **kwargs)
    return info.value.errors


def test_defaults_render_and_tokens_survive():
    document, variables = render_template(TEMPLATE)
    task = document["workflow"]["tasks"][0]
    assert document["version"] == 2
    assert document["workflow"]["resources"]["default"]["cpu"] == 2
    assert task["command"][2] == "run --id {{workflow_id}} --out {{output}} --n 10"
    assert variables["name"] == "demo"


def test_set_variables_are_cast_like_osmo_and_string_variables_are_not():
    document, unused = render_template(TEMPLATE, set_variables=["cpu=8", "n=2.5"], set_string_variables={"name": "run7"})
    assert document["workflow"]["resources"]["default"]["cpu"] == 8
    assert document["workflow"]["name"] == "run7"
    assert "--n 2.5" in document["workflow"]["tasks"][0]["command"][2]
    assert cast_value("3") == 3 and cast_value("3.5") == 3.5 and cast_value("x") == "x"


def test_an_undefined_variable_names_itself_and_its_line():
    errors = render_errors(TEMPLATE.replace("{{ n }}", "{{ num_envs }}"))
    assert len(errors) == 1
    assert errors[0].path == "template line 10"
    assert "'num_envs' is undefined" in errors[0].message
    assert "set_variables" in errors[0].message


def test_a_spaced_special_token_is_flagged_with_its_line():
    errors = render_errors(TEMPLATE.replace("{{output}}", "{{ output }}"))
    assert errors[0].path == "template line 10"
    assert "'{{output}}'" in errors[0].message and "without spaces" in errors[0].message


def test_a_spaced_token_is_fine_when_it_is_a_defined_variable():
    document, unused = render_template(TEMPLATE.replace("{{output}}", "{{ output }}"),
                                       set_string_variables={"output": "/mnt/out"})
    assert "--out /mnt/out" in document["workflow"]["tasks"][0]["command"][2]


def test_spaced_input_tokens_are_flagged():
    text = TEMPLATE.replace("{{output}}", "{{ input:0 }}")
    assert "'{{input:0}}'" in render_errors(text)[0].message


def test_unknown_and_duplicate_top_level_keys():
    assert render_errors(TEMPLATE + "resources:\n  x: 1\n")[0].path == "resources"
    assert "twice" in render_errors(TEMPLATE + "version: 2\n")[0].message
    assert render_errors("default-values:\n  a: 1\n")[0].path == "workflow"


def test_jinja_syntax_and_yaml_errors():
    assert "syntax" in render_errors(TEMPLATE.replace("{{ name }}", "{{ name "))[0].message
    assert "not valid YAML" in render_errors("workflow:\n  name: [unclosed\n")[0].message


def test_sandbox_blocks_unsafe_attribute_access():
    errors = render_errors(TEMPLATE.replace("{{ name }}", "{{ name.__class__.__mro__ }}"))
    assert errors[0].path == "template"


def test_assignments():
    assert parse_assignments(["a=1", "b=x=y"], "set_variables") == {"a": 1, "b": "x=y"}
    with pytest.raises(RenderError) as info:
        parse_assignments(["novalue"], "set_variables")
    assert info.value.errors[0].path == "set_variables[0]"
    assert as_assignments({"b": True, "a": 2}) == ["a=2", "b=true"]
    assert is_templated("a: {{ x }}") and not is_templated("workflow:\n  name: x\n")

"""osmo_workflow's preparation steps: option checks, spec preparation, idempotency names (no network)."""

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo import workflow_module as wm

TEMPLATE = """\
workflow:
  name: {{ run }}
  tasks:
  - name: t
    image: ubuntu
    command: [echo, "{{ message }}"]
default-values:
  run: demo
  message: hi
"""


def params(**overrides):
    values = {k: v.get("default") for k, v in wm.ARGUMENT_SPEC.items()}
    values.update(url="https://osmo.example.com", pool="default")
    values.update(overrides)
    return values


def test_option_errors_name_the_options():
    assert wm.option_errors(params(name="n", image="i", command=["c"])) == []
    errors = wm.option_errors(params(template=TEMPLATE, image="i", args=["a"], workflow_id="w-1"))
    assert "remove image, args" in errors[0] and "workflow_id is only used with state=canceled" in errors[1]
    assert wm.option_errors(params(state="canceled", name="n")) == [
        "state=canceled needs workflow_id (or name and idempotency_key of the submission)"]
    assert "poll_interval must be a positive" in wm.option_errors(params(name="n", image="i", command=["c"],
                                                                         poll_interval=0))[0]


def test_prepare_renders_a_template_with_variables():
    document, template, variables = wm.prepare(params(template=TEMPLATE, set_string_variables={"message": 42}))
    assert document["workflow"]["tasks"][0]["command"] == ["echo", "42"]
    assert template == TEMPLATE and variables["run"] == "demo"


def test_prepare_maps_built_spec_errors_to_the_options():
    with pytest.raises(wm.ModuleFailure) as info:
        wm.prepare(params(name="n", image="i", command=["c"], environment={"BAD NAME": "x"}))
    assert "workflow.tasks[0] holds image, command" in info.value.msg
    assert info.value.details["spec_errors"][0]["path"] == "workflow.tasks[0].environment.BAD NAME"


def test_the_code_url_is_input_zero_or_a_template_variable():
    url = "azure://acct/osmo/code/abc.tar.gz"
    built, unused_t, unused_v = wm.prepare(params(name="n", image="i", command=["c"], inputs=[]), code_url=url)
    assert built["workflow"]["tasks"][0]["inputs"] == [{"url": url}]
    template = TEMPLATE.replace('command: [echo, "{{ message }}"]', 'command: [echo]\n    inputs: [{url: "{{ code }}"}]')
    templated, unused_t, variables = wm.prepare(params(template=template, code_variable="code"), code_url=url)
    assert templated["workflow"]["tasks"][0]["inputs"] == [{"url": url}] and variables["code"] == url


def test_idempotency_names_are_stable_and_follow_the_spec():
    document, unused_t, unused_v = wm.prepare(params(template=TEMPLATE))
    first, key = wm._submission_document(document, params(idempotent=True), "default")
    again, same = wm._submission_document(document, params(idempotent=True), "default")
    other_pool, other = wm._submission_document(document, params(idempotent=True), "gpu")
    assert key == same and key != other
    assert first["workflow"]["name"] == again["workflow"]["name"] != other_pool["workflow"]["name"]
    explicit, given = wm._submission_document(document, params(idempotency_key="exp-1"), "default")
    assert given == "exp-1" and explicit["workflow"]["name"].startswith("demo-k")
    plain, none = wm._submission_document(document, params(), "default")
    assert none is None and plain["workflow"]["name"] == "demo" and "default-values" not in plain


def test_jinja_left_in_a_value_is_refused_before_submission():
    document, unused_t, unused_v = wm.prepare(params(template=TEMPLATE,
                                                     set_string_variables={"message": "{{ x }}"}))
    assert document["workflow"]["tasks"][0]["command"][1] == "{{ x }}"
    with pytest.raises(wm.ModuleFailure, match="still contains Jinja syntax"):
        wm._check_stable(wm.builder.dump_document(document), document)

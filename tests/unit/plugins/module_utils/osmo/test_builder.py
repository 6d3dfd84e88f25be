"""Specs built from module parameters, their YAML form and deterministic names."""

from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo import builder
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.render import render_template
from ansible_collections.azure_robotics.stack.plugins.module_utils.osmo.spec import MAX_NAME_LENGTH, validate_document


def test_built_document_is_a_valid_one_task_workflow_that_survives_rendering():
    doc = builder.build_document(
        name="train", image="nvcr.io/nvidia/isaac-lab:2.3.2", command=["bash", "-c"],
        args=["tar xzf {{input:0}}/*.tar.gz && robotics-training train --out {{output}}"],
        environment={"ACCEPT_EULA": "Y", "NUM_ENVS": 4096, "HEADLESS": True},
        resources={"gpu": 1, "cpu": 30, "memory": "400Gi", "storage": "200Gi"},
        inputs=[{"url": "azure://acct/osmo/osmo-code/abc.tar.gz"}],
        outputs=[{"url": "azure://acct/runs/{{workflow_id}}"}], timeout={"exec_timeout": "23h"},
    )
    text = builder.dump_document(doc)
    assert text.startswith("version: 2\nworkflow:\n")
    rendered, unused_variables = render_template(text)
    assert validate_document(rendered) == []
    task = rendered["workflow"]["tasks"][0]
    assert task["environment"] == {"ACCEPT_EULA": "Y", "NUM_ENVS": "4096", "HEADLESS": "true"}
    assert task["args"][0].startswith("tar xzf {{input:0}}/")
    assert rendered["workflow"]["resources"]["default"]["gpu"] == 1


def test_keyed_names_are_deterministic_valid_and_short_enough():
    a = builder.keyed_name("isaac-train", "exp-1/seed-42")
    assert a == builder.keyed_name("isaac-train", "exp-1/seed-42")
    assert a != builder.keyed_name("isaac-train", "exp-1/seed-43")
    assert a.startswith("isaac-train-k") and len(a) == len("isaac-train-k") + 10
    long = builder.keyed_name("x" * 80, "k")
    assert len(long) <= MAX_NAME_LENGTH
    doc = builder.build_document(name=long, image="i", command=["c"])
    assert validate_document(doc) == []


def test_fingerprint_ignores_key_order():
    assert builder.fingerprint({"a": 1, "b": [1, 2]}) == builder.fingerprint({"b": [1, 2], "a": 1})
    assert builder.fingerprint({"a": 1}) != builder.fingerprint({"a": 2})

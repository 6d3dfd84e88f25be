import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml import (
    AzureMLSpecError,
    check_instance_type,
    checkpoint_input,
    deterministic_job_name,
    directory_digest,
    environment_version_from_image,
    error_from_stream_exception,
    filter_model_versions,
    normalise_inputs,
    output_locations,
    tail,
    validate_job_options,
)


def options(**overrides):
    params = dict(
        resource_group="rg-robotics", workspace_name="mlw-robotics", command="train ${{inputs.steps}}",
        compute="k8s-robotics", instance_type="gpuspot", instance_count=1,
        environment=dict(name="isaaclab", version="2.3.2", image="nvcr.io/nvidia/isaac-lab:2.3.2"),
        inputs={"steps": 10}, outputs=None, environment_variables={"A": 1}, experiment_name="isaaclab-training",
        display_name=None, description=None, tags={"task": "anymal"}, identity=None, code=None, name=None,
        deterministic_name=False, shm_size=None, timeout=None, poll_interval=15,
    )
    params.update(overrides)
    return params


def test_a_complete_job_is_normalised():
    spec = validate_job_options(options())
    assert spec["inputs"] == {"steps": {"type": "literal", "value": "10"}}
    assert spec["environment_variables"] == {"A": "1"}
    assert spec["environment"]["version"] == "2.3.2"


@pytest.mark.parametrize("overrides, option", [
    ({"workspace_name": None}, "workspace_name"),
    ({"workspace_name": "ws"}, "workspace_name"),
    ({"resource_group": None}, "resource_group"),
    ({"resource_group": "rg/with/slash"}, "resource_group"),
    ({"command": "  "}, "command"),
    ({"compute": None}, "compute"),
    ({"compute": "a-compute-name-longer-than-16"}, "compute"),
    ({"instance_type": "GPU_Spot"}, "instance_type"),
    ({"instance_type": "gpuspot-"}, "instance_type"),
    ({"instance_count": 0}, "instance_count"),
    ({"name": "-starts-with-dash"}, "name"),
    ({"name": "ok", "deterministic_name": True}, "deterministic_name"),
    ({"environment": None}, "environment"),
    ({"environment": {"name": "e", "version": "", "image": "x/y:1"}}, "environment.version"),
    ({"environment": {"name": "e v", "version": "1", "image": "x/y:1"}}, "environment.name"),
    ({"environment": {"name": "e", "version": "1", "image": "UPPER/case:1"}}, "environment.image"),
    ({"inputs": {"bad-name": 1}}, "inputs.bad-name"),
    ({"inputs": {"x": [1, 2]}}, "inputs.x"),
    ({"inputs": {"x": {"type": "uri_folder"}}}, "inputs.x.path"),
    ({"inputs": {"x": {"type": "uri_folder", "path": "./data"}}}, "inputs.x.path"),
    ({"inputs": {"x": {"type": "uri_folder", "path": "azureml://x", "mode": "upload"}}}, "inputs.x.mode"),
    ({"inputs": {"x": {"type": "custom_model", "path": "azureml:model"}}}, "inputs.x"),
    ({"outputs": {"o": {"type": "table"}}}, "outputs.o.type"),
    ({"outputs": {"o": {"path": "https://x"}}}, "outputs.o.path"),
    ({"environment_variables": {"A-B": "1"}}, "environment_variables"),
    ({"tags": {"k": {"nested": 1}}}, "tags.k"),
    ({"command": "train ${{outputs.model}}"}, "outputs.model"),
    ({"shm_size": "16 GB"}, "shm_size"),
    ({"timeout": 0}, "timeout"),
    ({"experiment_name": "has space"}, "experiment_name"),
])
def test_bad_options_name_the_option(overrides, option):
    with pytest.raises(AzureMLSpecError) as err:
        validate_job_options(options(**overrides))
    assert option in str(err.value)


def test_model_inputs_accept_mlflow_and_azureml_references():
    inputs = normalise_inputs({
        "a": {"type": "custom_model", "path": "models:/policy/3"},
        "b": {"type": "custom_model", "path": "models:/policy@champion", "mode": "download"},
        "c": {"type": "mlflow_model", "path": "azureml:policy:2"},
        "d": {"type": "uri_folder", "path": "azureml://datastores/workspaceblobstore/paths/data/"},
        "e": {"value": True},
    })
    assert inputs["a"] == {"type": "custom_model", "path": "azureml:policy:3"}
    assert inputs["b"] == {"type": "custom_model", "path": "azureml:policy@latest", "mode": "download"}
    assert inputs["c"]["path"] == "azureml:policy:2"
    assert inputs["d"]["type"] == "uri_folder"
    assert inputs["e"] == {"type": "literal", "value": "true"}


@pytest.mark.parametrize("uri, expected", [
    ("models:/anymal/3", {"type": "custom_model", "path": "azureml:anymal:3", "mode": "download"}),
    ("models:/anymal/latest", {"type": "custom_model", "path": "azureml:anymal@latest", "mode": "download"}),
    ("azureml:anymal:3", {"type": "custom_model", "path": "azureml:anymal:3", "mode": "download"}),
    ("azureml://jobs/j1/outputs/checkpoints", {"type": "uri_folder", "path": "azureml://jobs/j1/outputs/checkpoints",
                                               "mode": "download"}),
    ("runs:/abc/checkpoints/model_10.pt", None),
    ("https://acct.blob.core.windows.net/c/model.pt", None),
    ("/data/model.pt", None),
    ("", None),
    (None, None),
])
def test_checkpoint_input(uri, expected):
    assert checkpoint_input(uri) == expected


def test_deterministic_names_follow_the_definition(tmp_path):
    spec = validate_job_options(options())
    name = deterministic_job_name(spec)
    assert name == deterministic_job_name(validate_job_options(options()))
    assert name.startswith("isaaclab-training-") and len(name) == len("isaaclab-training-") + 16
    assert deterministic_job_name(validate_job_options(options(inputs={"steps": 11}))) != name
    assert deterministic_job_name(validate_job_options(options(tags={"task": "ant"}))) != name
    assert deterministic_job_name(spec, code_digest="abc") != name
    # Only the environment's identity counts, not its description.
    described = options(environment=dict(options()["environment"], description="new words"))
    assert deterministic_job_name(validate_job_options(described)) == name


def test_directory_digest_changes_with_content_only(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"\0")
    first = directory_digest(str(tmp_path))
    (tmp_path / "__pycache__" / "b.pyc").write_bytes(b"\1")
    assert directory_digest(str(tmp_path)) == first
    (tmp_path / "a.py").write_text("x = 2\n")
    assert directory_digest(str(tmp_path)) != first


@pytest.mark.parametrize("image, version", [
    ("nvcr.io/nvidia/isaac-lab:2.3.2", "2.3.2"),
    ("myacr.azurecr.io/isaaclab", "latest"),
    ("localhost:5000/isaac/lab:v1@sha256:" + "a" * 64, "v1-sha256-aaaaaaaaaaaa"),
])
def test_environment_version_from_image(image, version):
    assert environment_version_from_image(image) == version


def test_environment_version_rejects_non_images():
    with pytest.raises(AzureMLSpecError):
        environment_version_from_image("not an image")


def test_instance_type_checks():
    assert check_instance_type("k8s", "kubernetes", ["gpu", "gpuspot"], "gpuspot") is None
    assert check_instance_type("k8s", "kubernetes", ["gpu"], None) is None
    with pytest.raises(AzureMLSpecError, match="instance_type=gpu8 .* gpu, gpuspot"):
        check_instance_type("k8s", "kubernetes", ["gpuspot", "gpu"], "gpu8")
    with pytest.raises(AzureMLSpecError, match="amlcompute"):
        check_instance_type("cpu-cluster", "amlcompute", [], "gpuspot")
    assert "reports no instance types" in check_instance_type("k8s", "kubernetes", [], "gpuspot")


def test_model_versions_are_filtered_on_the_client_and_sorted_newest_first():
    versions = [
        {"version": "2", "tags": {"task": "a", "evaluated": "true"}, "properties": {}},
        {"version": "10", "tags": {"task": "a", "evaluated": "true"}, "properties": {"success_threshold": "0.7"}},
        {"version": "3", "tags": {"task": "b", "evaluated": "true"}, "properties": {}},
        {"version": "4", "tags": {"task": "a"}, "properties": {}},
    ]
    assert [v["version"] for v in filter_model_versions(versions, {"task": "a", "evaluated": True})] == ["10", "2"]
    assert [v["version"] for v in filter_model_versions(versions, {"evaluated": None})] == ["10", "3", "2"]
    assert [v["version"] for v in filter_model_versions(versions, None, {"success_threshold": 0.7})] == ["10"]
    assert [v["version"] for v in filter_model_versions(versions)] == ["10", "4", "3", "2"]


def test_error_from_stream_exception():
    text = 'Exception : \n {\n "error": {"code": "UserError", "message": "exit 3"}, "componentName": "x"} '
    assert error_from_stream_exception(text) == {"code": "UserError", "message": "exit 3"}
    assert error_from_stream_exception("no json here") is None


def test_tail_keeps_whole_lines_at_the_end():
    text = "".join("line %03d\n" % i for i in range(100))
    cut = tail(text, 30)
    assert cut.startswith("[... ") and cut.endswith("line 099\n")
    assert "line 097" in cut and "line 096" not in cut  # the partial line is dropped
    assert tail("short", 100) == "short"


def test_output_locations():
    assert output_locations("j1", {"checkpoints": {"path": None}}) == {
        "artifacts": "azureml://jobs/j1/outputs/artifacts/paths/",
        "checkpoints": "azureml://jobs/j1/outputs/checkpoints",
    }

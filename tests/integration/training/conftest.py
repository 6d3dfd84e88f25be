"""Fixtures of the training tests: a local MLflow server (started by the local_platform role on free ports)."""

from __future__ import annotations

import pytest

from support.local_servers import role_node_dir
from support.playbook import run_playbook
from support.ports import free_port


@pytest.fixture(scope="session")
def mlflow_platform(tmp_path_factory):
    """Vars of a running local platform with MLflow only; train.yml sees it as already up."""
    vars_ = {
        "local_platform_data_dir": str(tmp_path_factory.mktemp("training-platform")),
        "local_platform_node_dir": role_node_dir(),
        "local_platform_mlflow_port": free_port(),
        "local_platform_azurite_enabled": False,
        "demo_loop": False,  # the platform only, without the training loop
    }
    run = run_playbook("playbooks/workstation.yml", extra_vars=vars_)
    assert run.rc == 0, run
    vars_["tracking_uri"] = f"http://127.0.0.1:{vars_['local_platform_mlflow_port']}"
    yield vars_
    run_playbook("playbooks/local-stop.yml", extra_vars=vars_)


@pytest.fixture(scope="session")
def mlflow_client(mlflow_platform):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=mlflow_platform["tracking_uri"], registry_uri=mlflow_platform["tracking_uri"])


@pytest.fixture(scope="session", autouse=True)
def torch_dynamo_imported_with_the_builtin_intern():
    """Imports torch._dynamo (loaded lazily by torch.jit/onnx in these tests) with the builtin ``sys.intern``.

    In-process module runs of other tests in this worker load ansible's module_utils, which replaces
    ``sys.intern`` with a callable object; torch._dynamo refuses to register its polyfill for a non-function.
    """
    import sys

    current = sys.intern
    builtin = getattr(type(current), "unpatched_implementation", current)
    sys.intern = builtin
    try:
        import torch._dynamo  # noqa: F401
    finally:
        sys.intern = current

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

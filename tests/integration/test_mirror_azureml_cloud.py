"""The mirror against a real AzureML workspace. Runs only when its coordinates are in the environment.

Needs AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME, a credential that
DefaultAzureCredential finds (az login, workload identity, ...) with the AzureML Data Scientist role,
and the azureml extra of the training package. AzureML cannot delete model containers, so every run
adds one version to the model ``robotics-mirror-cloud-test`` under a new source run id.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from support import training_runs

COORDINATES = ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME")
pytestmark = [
    pytest.mark.cloud,
    pytest.mark.skipif(not all(os.environ.get(v) for v in COORDINATES),
                       reason="needs AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME"),
]
MODEL = "robotics-mirror-cloud-test"


def test_one_version_per_run_in_a_real_workspace(tmp_path, capsys, monkeypatch):
    from robotics_training.cli import main

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("ROBOTICS_MIRROR_STATE_DIR", str(tmp_path / "state"))
    run = training_runs.rsl_rl_run(tmp_path / "run", steps=(0, 10))
    source_run_id = f"cloud-test-{uuid.uuid4().hex[:10]}"
    argv = ["mirror", str(run), "--model-name", MODEL, "--source-run-id", source_run_id, "--target", "azureml",
            "--quiet"]

    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["status"] == "created" and first["version_created"]

    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert second["status"] == "reused" and second["bytes_uploaded"] == 0
    assert second["model_version"] == first["model_version"]

"""Where models are registered: a plain MLflow server, or an AzureML workspace through its MLflow endpoint.

``Target.validate`` is pure and runs before anything is read or written. For a
workspace, the tracking URI is asked of the workspace itself
(``MLClient.workspaces.get(...).mlflow_tracking_uri``; private-link workspaces
use other hosts, so it is never built by hand), and the azureml-mlflow plugin
must be installed for MLflow to speak ``azureml://``.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from robotics_training.mirror.errors import CoordinatesError, TargetError

WORKSPACE_ENV = {
    "subscription_id": "AZURE_SUBSCRIPTION_ID",
    "resource_group": "AZURE_RESOURCE_GROUP",
    "workspace_name": "AZUREML_WORKSPACE_NAME",
}
TARGET_KINDS = ("auto", "mlflow", "azureml")


@dataclasses.dataclass
class Target:
    kind: str = "auto"
    tracking_uri: str | None = None
    subscription_id: str | None = None
    resource_group: str | None = None
    workspace_name: str | None = None

    @classmethod
    def from_env(cls, environ: dict | None = None, **given: Any) -> "Target":
        """Explicit values win; unset ones come from MLFLOW_TRACKING_URI and the workspace variables."""
        env = os.environ if environ is None else environ
        values = {k: v for k, v in given.items() if v}
        values.setdefault("tracking_uri", env.get("MLFLOW_TRACKING_URI") or None)
        for field, var in WORKSPACE_ENV.items():
            values.setdefault(field, env.get(var) or None)
        if not values["resource_group"]:  # the name some workflows use
            values["resource_group"] = env.get("AZUREML_RESOURCE_GROUP") or None
        return cls(**values)

    def resolved_kind(self) -> str:
        if self.kind not in TARGET_KINDS:
            raise CoordinatesError(f"target={self.kind!r}: use one of {', '.join(TARGET_KINDS)}")
        if self.kind != "auto":
            return self.kind
        if self.tracking_uri:
            return "mlflow"
        if any(getattr(self, f) for f in WORKSPACE_ENV):
            return "azureml"
        raise CoordinatesError(
            "missing coordinates: give --tracking-uri (MLFLOW_TRACKING_URI) for an MLflow server, or the AzureML "
            "workspace with --subscription-id, --resource-group and --workspace (AZURE_SUBSCRIPTION_ID, "
            "AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE_NAME)")

    def validate(self) -> str:
        """Checks that the chosen target is fully given; returns ``mlflow`` or ``azureml``."""
        kind = self.resolved_kind()
        if kind == "mlflow" and not self.tracking_uri:
            raise CoordinatesError("missing coordinates: target mlflow needs --tracking-uri (MLFLOW_TRACKING_URI)")
        if kind == "azureml":
            missing = [f"{WORKSPACE_ENV[f]} (--{f.replace('_name', '').replace('_', '-')})"
                       for f in WORKSPACE_ENV if not getattr(self, f)]
            if missing:
                raise CoordinatesError("missing coordinates of the AzureML workspace: " + ", ".join(missing))
        return kind

    def describe(self) -> str:
        if self.validate() == "mlflow":
            return str(self.tracking_uri)
        return (f"AzureML workspace {self.workspace_name} (resource group {self.resource_group}, "
                f"subscription {self.subscription_id})")


def workspace_tracking_uri(target: Target, credential: Any, ml_client_factory: Any = None) -> str:
    """The workspace's MLflow tracking URI, from the workspace resource."""
    if ml_client_factory is None:
        try:
            from azure.ai.ml import MLClient
        except ImportError as exc:
            raise TargetError("mirroring into an AzureML workspace needs azure-ai-ml and azureml-mlflow: "
                              "pip install 'azure-robotics-training[azureml]'") from exc
        ml_client_factory = MLClient
    try:
        client = ml_client_factory(credential, target.subscription_id, target.resource_group, target.workspace_name)
        uri = client.workspaces.get(target.workspace_name).mlflow_tracking_uri
    except Exception as exc:  # the SDK raises many types; all mean "the workspace could not be read"
        raise TargetError(f"cannot read AzureML workspace {target.workspace_name} in resource group "
                          f"{target.resource_group}: {_first_line(exc)}; check the coordinates and that the "
                          "identity has the AzureML Data Scientist role") from exc
    if not uri:
        raise TargetError(f"AzureML workspace {target.workspace_name} reports no MLflow tracking URI")
    return uri


def tracking_client(target: Target, credential_factory: Any = None, ml_client_factory: Any = None) -> tuple[Any, str]:
    """``(MlflowClient, tracking_uri)`` for the target."""
    kind = target.validate()
    if kind == "azureml":
        from robotics_training.mirror.blobs import default_credential

        credential = credential_factory() if credential_factory else default_credential()
        uri = workspace_tracking_uri(target, credential, ml_client_factory)
        # Large checkpoints: the plugin's default artifact timeout is too short for multi-GB files.
        os.environ.setdefault("AZUREML_ARTIFACTS_DEFAULT_TIMEOUT", "7200")
    else:
        uri = str(target.tracking_uri)
    if uri.startswith("azureml:"):
        try:
            import azureml.mlflow  # noqa: F401  (registers the azureml:// stores)
        except ImportError as exc:
            raise TargetError("the tracking URI is an AzureML one; install azureml-mlflow: "
                              "pip install 'azure-robotics-training[azureml]'") from exc
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri), uri


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

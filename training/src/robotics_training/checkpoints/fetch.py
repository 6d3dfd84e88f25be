"""Brings a checkpoint from MLflow, Blob Storage or a local path onto local disk.

Only the checkpoint that will be used is downloaded: for a folder (a run's artifact directory, a blob prefix)
the names are listed first and the latest checkpoint of a known layout is picked.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

from robotics_training.checkpoints.layout import NoCheckpointError, latest_checkpoint, resolve_checkpoint_file
from robotics_training.checkpoints.uri import CheckpointSource, parse_checkpoint_uri


class CheckpointFetchError(RuntimeError):
    """The checkpoint could not be downloaded; the message names the location and the cause."""


def fetch_checkpoint(uri: str, destination: str | os.PathLike | None = None, *, tracking_uri: str | None = None,
                     blob_connection_string: str | None = None) -> pathlib.Path:
    """Returns the local path of the checkpoint file that ``uri`` designates."""
    source = parse_checkpoint_uri(uri)
    if source.kind == "local":
        try:
            return resolve_checkpoint_file(source.path)
        except NoCheckpointError as exc:
            raise CheckpointFetchError(f"checkpoint {source.display}: {exc}") from None
    destination = pathlib.Path(destination or tempfile.mkdtemp(prefix="checkpoint-"))
    destination.mkdir(parents=True, exist_ok=True)
    try:
        if source.kind == "mlflow":
            local = _fetch_mlflow(source, destination, tracking_uri)
        else:
            local = _fetch_blob(source, destination, blob_connection_string)
        return resolve_checkpoint_file(local)
    except NoCheckpointError as exc:
        raise CheckpointFetchError(f"checkpoint {source.display}: {exc}") from None


def _fetch_mlflow(source: CheckpointSource, destination: pathlib.Path, tracking_uri: str | None) -> pathlib.Path:
    import mlflow
    from mlflow.exceptions import MlflowException

    if tracking_uri:
        # Some MLflow download paths consult the process-wide URIs whatever is passed in; set both.
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
    uri = source.uri
    try:
        if uri.startswith("models:/"):
            # A model version's source may be one file or a folder; resolve it and fetch like a run artifact.
            uri = model_version_source(uri, tracking_uri)
        if uri.startswith("runs:/"):
            run_id, _slash, artifact_path = uri[len("runs:/"):].partition("/")
            chosen = _choose_run_artifact(run_id, artifact_path.strip("/"), tracking_uri)
            if chosen is not None:
                return pathlib.Path(mlflow.artifacts.download_artifacts(
                    run_id=run_id, artifact_path=chosen, dst_path=str(destination), tracking_uri=tracking_uri))
        return pathlib.Path(mlflow.artifacts.download_artifacts(
            artifact_uri=uri, dst_path=str(destination), tracking_uri=tracking_uri, registry_uri=tracking_uri))
    except MlflowException as exc:
        raise CheckpointFetchError(f"checkpoint {source.uri}: MLflow could not provide it: {exc.message}") from None


def model_version_source(uri: str, tracking_uri: str | None) -> str:
    """The source URI of the model version a ``models:/name/version|latest`` or ``models:/name@alias`` names."""
    return resolve_model_version(uri, tracking_uri).source


def resolve_model_version(uri: str, tracking_uri: str | None):
    """The MLflow ModelVersion that a ``models:/`` URI names (``latest``: the highest version)."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    rest = uri[len("models:/"):].strip("/")
    if "@" in rest:
        name, alias = rest.split("@", 1)
        version = client.get_model_version_by_alias(name, alias)
    else:
        name, _slash, ref = rest.partition("/")
        if ref.isdigit():
            version = client.get_model_version(name, ref)
        else:
            versions = client.search_model_versions(f"name='{name}'")
            if not versions:
                raise CheckpointFetchError(f"checkpoint {uri}: registered model '{name}' has no versions")
            version = max(versions, key=lambda v: int(v.version))
    return version


def _choose_run_artifact(run_id: str, artifact_path: str, tracking_uri: str | None) -> str | None:
    """The latest checkpoint below a run's artifact folder, or None when ``artifact_path`` is a file."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    names: list[str] = []
    pending = [artifact_path or None]
    while pending:
        folder = pending.pop()
        for info in client.list_artifacts(run_id, folder):
            if info.is_dir:
                pending.append(info.path)
            else:
                names.append(info.path)
    if not names:
        return None
    return latest_checkpoint(names)


def _blob_container_client(source: CheckpointSource, connection_string: str | None):
    from azure.storage.blob import BlobServiceClient, ContainerClient

    connection_string = connection_string or os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    if connection_string and _connection_string_account(connection_string) == source.account:
        return BlobServiceClient.from_connection_string(connection_string).get_container_client(source.container)
    if source.uri.startswith(("https://", "http://")) and "?" in source.uri:
        # A SAS URL carries its own credential.
        sas = source.uri.partition("?")[2]
        return ContainerClient(f"{source.endpoint}", source.container, credential=sas)
    from azure.identity import DefaultAzureCredential

    endpoint = source.endpoint or (
        f"https://{source.account}.blob.{os.environ.get('AZURE_STORAGE_ENDPOINT_SUFFIX', 'core.windows.net')}")
    return BlobServiceClient(endpoint, credential=DefaultAzureCredential()).get_container_client(source.container)


def _connection_string_account(connection_string: str) -> str | None:
    for part in connection_string.split(";"):
        key, _equals, value = part.partition("=")
        if key.strip().lower() == "accountname":
            return value.strip()
    return None


def _fetch_blob(source: CheckpointSource, destination: pathlib.Path, connection_string: str | None) -> pathlib.Path:
    from azure.core.exceptions import AzureError

    container = _blob_container_client(source, connection_string)
    prefix = source.blob_path
    try:
        names = [b.name for b in container.list_blobs(name_starts_with=prefix)]
        if prefix in names:
            chosen = prefix
        else:
            folder = prefix.rstrip("/") + "/" if prefix else ""
            below = [n[len(folder):] for n in names if n.startswith(folder)]
            if not below:
                raise CheckpointFetchError(
                    f"checkpoint {source.display}: no blob named '{prefix}' and nothing below it in container "
                    f"'{source.container}' of account '{source.account}'")
            chosen = folder + latest_checkpoint(below)
        target = destination / chosen.rsplit("/", 1)[-1]
        with open(target, "wb") as handle:
            container.download_blob(chosen).readinto(handle)
        return target
    except NoCheckpointError:
        raise
    except AzureError as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise CheckpointFetchError(
            f"checkpoint {source.display}: blob storage refused or failed ({reason}); check the account, container "
            "and that the identity has 'Storage Blob Data Reader' (or give a connection string)") from None

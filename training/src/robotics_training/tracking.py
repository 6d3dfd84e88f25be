"""MLflow tracking for a training run: parameters, per-iteration metrics, artefacts.

Metrics are logged asynchronously and checkpoints uploaded by a background thread, so a slow tracking
server costs the training loop almost nothing. Without a tracking URI every call is a no-op (training still
writes TensorBoard files and checkpoints to disk). No model is ever registered here: registering is the
mirror step's job.
"""

from __future__ import annotations

import os
import pathlib
import queue
import threading
import time

from robotics_training.config import flatten

MAX_PARAM_LENGTH = 500
MAX_METRICS_PER_BATCH = 1000  # MLflow's limit per log_batch request


class Tracker:
    def __init__(self, tracking_uri: str | None, experiment: str, run_name: str | None = None) -> None:
        self.enabled = bool(tracking_uri) or bool(os.environ.get("MLFLOW_RUN_ID"))
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.run_name = run_name
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self._client = None
        self._uploads: queue.Queue = queue.Queue()
        self._uploaded: dict[str, float] = {}
        self._worker: threading.Thread | None = None
        self.upload_errors: list[str] = []
        self.flush_interval = 2.0
        self._pending: list = []
        self._last_flush = 0.0

    # -- run lifecycle -------------------------------------------------------------------------------
    def start(self, params: dict, tags: dict) -> str | None:
        if not self.enabled:
            return None
        import mlflow
        from mlflow.tracking import MlflowClient

        if self.tracking_uri:
            mlflow.set_tracking_uri(self.tracking_uri)
        if not os.environ.get("MLFLOW_RUN_ID"):  # AzureML jobs hand us their run; keep its experiment
            mlflow.set_experiment(self.experiment)
        run = mlflow.start_run(run_name=self.run_name)
        self.run_id = run.info.run_id
        self.experiment_id = run.info.experiment_id
        self._client = MlflowClient(tracking_uri=self.tracking_uri)
        mlflow.log_params({k: _param(v) for k, v in flatten(params).items()})
        self.set_tags(tags)
        self._worker = threading.Thread(target=self._upload_loop, name="mlflow-artifacts", daemon=True)
        self._worker.start()
        return self.run_id

    def set_tags(self, tags: dict) -> None:
        if self.run_id:
            import mlflow

            mlflow.set_tags({k: str(v) for k, v in tags.items() if v is not None})

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Buffers metrics and sends them in one batch every ``flush_interval`` seconds (asynchronously).

        One request per iteration would cost the tracking server (often on the same machine) more CPU than
        the metrics are worth; the UI lags by at most ``flush_interval``.
        """
        if not (self.run_id and metrics):
            return
        from mlflow.entities import Metric

        timestamp = int(time.time() * 1000)
        self._pending.extend(Metric(key, float(value), timestamp, step) for key, value in metrics.items())
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush_metrics(synchronous=False)

    def flush_metrics(self, synchronous: bool = True) -> None:
        pending, self._pending = self._pending, []
        self._last_flush = time.monotonic()
        for start in range(0, len(pending), MAX_METRICS_PER_BATCH):
            self._client.log_batch(self.run_id, metrics=pending[start:start + MAX_METRICS_PER_BATCH],
                                   synchronous=synchronous)

    # -- artefacts -----------------------------------------------------------------------------------
    def upload_later(self, path: str | os.PathLike, artifact_path: str) -> None:
        """Queue a file for upload (checkpoints while training runs)."""
        if self.run_id:
            self._uploads.put((str(path), artifact_path))

    def upload_now(self, path: str | os.PathLike, artifact_path: str | None) -> None:
        if self.run_id:
            self._upload(str(path), artifact_path)

    def upload_changed(self, files: list[pathlib.Path], artifact_path: str) -> None:
        """Upload files not yet uploaded, or changed since (a checkpoint re-saved at the end)."""
        for path in files:
            if self._uploaded.get(str(path)) != path.stat().st_mtime:
                self.upload_now(path, artifact_path)

    def _upload(self, path: str, artifact_path: str | None) -> None:
        try:
            mtime = os.stat(path).st_mtime
            if os.path.isdir(path):
                self._client.log_artifacts(self.run_id, path, artifact_path or os.path.basename(path))
            else:
                self._client.log_artifact(self.run_id, path, artifact_path)
            self._uploaded[path] = mtime
        except Exception as exc:  # an upload failure must not end training
            self.upload_errors.append(f"{path}: {exc}")
            print(f"[train] warning: could not upload {path} to MLflow: {exc}", flush=True)

    def _upload_loop(self) -> None:
        while True:
            item = self._uploads.get()
            if item is None:
                return
            self._upload(*item)

    def drain_uploads(self) -> None:
        """Wait until every queued upload is done (the queue accepts no more afterwards)."""
        if self._worker:
            self._uploads.put(None)
            self._worker.join()
            self._worker = None

    def finish(self, status: str) -> None:
        """Drain uploads and metrics, then close the run (FINISHED, FAILED or KILLED)."""
        if not self.run_id:
            return
        import mlflow

        self.drain_uploads()
        self.flush_metrics(synchronous=True)
        mlflow.flush_async_logging()
        mlflow.end_run(status=status)


def _param(value) -> str:
    text = str(value)
    return text if len(text) <= MAX_PARAM_LENGTH else text[: MAX_PARAM_LENGTH - 3] + "..."

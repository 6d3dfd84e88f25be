"""``robotics-training report``: plots and an HTML page of a training run, next to it and in MLflow."""

from __future__ import annotations

import argparse
import contextlib
import json
import pathlib
import sys

from . import arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a run's report (HTML page, reward/episode-length/evaluation plots) and log it to MLflow",
        description="Reads the run directory's training_result.json, the per-iteration metrics (the MLflow run's "
        "mean_reward and mean_episode_length, else the run's TensorBoard files) and an evaluation result, writes "
        "report.html with PNG plots to <run-dir>/report, and logs them as artifacts (report/) of the MLflow run "
        "together with the validation metrics. Files are rewritten and re-logged only when their content changes. "
        "Prints one JSON summary on stdout.",
    )
    parser.add_argument("--run-dir", required=True, help="the training run's directory (holds training_result.json)")
    parser.add_argument("--validation", help="JSON result of `robotics-training evaluate --output`")
    parser.add_argument("--output-dir", help="where the report goes (default: <run-dir>/report)")
    parser.add_argument("--model-name", help="registered model of the run (shown, and tagged with the verdict)")
    parser.add_argument("--model-version", help="its version")
    arguments.add_tracking_uri(parser, "the run's own, else $MLFLOW_TRACKING_URI")
    parser.add_argument("--no-mlflow", action="store_true", help="neither read from nor log to MLflow")
    parser.set_defaults(func=run)


def _load_json(path: pathlib.Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"cannot read the {what} {path}: {exc.strerror}") from None
    except ValueError:
        raise ValueError(f"the {what} {path} is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"the {what} {path} does not hold a JSON object")
    return data


def run(args: argparse.Namespace) -> int:
    from robotics_training import report

    run_dir = pathlib.Path(args.run_dir).resolve()
    try:
        training = _load_json(run_dir / "training_result.json", "training result")
        validation = _load_json(pathlib.Path(args.validation), "validation result") if args.validation else None
        if bool(args.model_name) != bool(args.model_version):
            raise ValueError("--model-name and --model-version go together")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    tracking_uri = None if args.no_mlflow else (args.tracking_uri or training.get("tracking_uri"))
    run_id = training.get("run_id") if tracking_uri else None
    client = None
    try:
        if run_id:
            from mlflow.tracking import MlflowClient

            client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
            series, source = report.metric_series_from_mlflow(client, run_id), f"MLflow run {run_id}"
        else:
            series, source = report.metric_series_from_tensorboard(run_dir), "TensorBoard files of the run"
        inputs = report.ReportInputs(
            run_dir=run_dir, training=training, series=series, metrics_source=source, validation=validation,
            model_name=args.model_name, model_version=args.model_version,
            run_url=report.run_url(tracking_uri, training.get("experiment_id"), run_id),
        )
        output_dir = pathlib.Path(args.output_dir).resolve() if args.output_dir else run_dir / "report"
        files = report.render(inputs)
        written = report.write_if_changed(output_dir, files)
        logged = []
        if client is not None:
            logged = _log_to_mlflow(client, run_id, output_dir, files, validation, args.model_name,
                                    args.model_version)
    except report.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # MLflow unreachable or refusing: one clear line, no traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    summary = {
        "changed": bool(written or logged),
        "report": str(output_dir / report.PAGE),
        "files": sorted(str(output_dir / name) for name in files),
        "written": sorted(written),
        "mlflow_updates": logged,
        "metrics_source": source,
        "points": {name: len(points) for name, points in series.items()},
        "verdict": report.verdict(validation),
        "run_url": inputs.run_url,
        "artifact_uri": f"runs:/{run_id}/report/{report.PAGE}" if client is not None else None,
    }
    print(json.dumps(summary, indent=2), flush=True)
    return 0


def _log_to_mlflow(client, run_id: str, output_dir: pathlib.Path, files: dict[str, bytes], validation: dict | None,
                   model_name: str | None, model_version: str | None) -> list[str]:
    """Logs what the run does not hold yet; returns what was updated (empty: nothing to do)."""
    from robotics_training import report

    updates = []
    held = {info.path: info.file_size for info in client.list_artifacts(run_id, "report")}
    if any(held.get(f"report/{name}") != len(data) for name, data in files.items()) or \
            _stale(client, run_id, files, held):
        with contextlib.redirect_stdout(sys.stderr):
            for name in files:
                client.log_artifact(run_id, str(output_dir / name), "report")
        updates.append("artifacts")
    if validation:
        run = client.get_run(run_id)
        metrics = {
            "validation_mean_return": validation.get("mean_return"),
            "validation_success_rate": validation.get("success_rate"),
        }
        if validation.get("passed") is not None:
            metrics["validation_passed"] = 1.0 if validation["passed"] else 0.0
        metrics = {k: float(v) for k, v in metrics.items() if v is not None}
        if any(run.data.metrics.get(k) != v for k, v in metrics.items()):
            from mlflow.entities import Metric, RunTag

            client.log_batch(run_id, metrics=[Metric(k, v, 0, 0) for k, v in metrics.items()],
                             tags=[RunTag("validation_verdict", report.verdict(validation))])
            updates.append("validation metrics")
        if model_name and model_version:
            version = client.get_model_version(model_name, model_version)
            tags = {"validation_verdict": report.verdict(validation),
                    "validation_mean_return": f"{validation.get('mean_return', float('nan')):.4f}"}
            for key, value in tags.items():
                if (version.tags or {}).get(key) != value:
                    client.set_model_version_tag(model_name, model_version, key, value)
                    updates.append(f"model version tag {key}")
    return updates


def _stale(client, run_id: str, files: dict[str, bytes], held: dict) -> bool:
    """Same sizes can hide new content: compare the page (small; it holds the plots' digest) byte for byte."""
    import tempfile

    from robotics_training import report

    if f"report/{report.PAGE}" not in held:
        return True
    with tempfile.TemporaryDirectory(prefix="report-") as scratch, contextlib.redirect_stdout(sys.stderr):
        path = client.download_artifacts(run_id, f"report/{report.PAGE}", scratch)
        return pathlib.Path(path).read_bytes() != files[report.PAGE]

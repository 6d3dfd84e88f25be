"""``robotics-training mirror``: register a training run's final checkpoint as one model version.

Prints one JSON object on stdout (the summary, or the error), progress on
stderr. Exit codes: 0 done (or nothing to do), 2 missing or invalid
coordinates, 3 unreadable source / no checkpoint, 4 checksum mismatch,
5 target error, 1 anything else. ``--best-effort`` turns every failure into a
warning and exit code 0, for use as the last step of a training job.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "mirror",
        help="register a run's final checkpoint and TensorBoard logs as one model version (idempotent, resumable)",
        description="Uploads the final checkpoint (without optimizer, scheduler, RNG and training-argument files) "
        "and the TensorBoard logs of a training run as artifacts of an MLflow run, logs the TensorBoard scalars as "
        "metrics, and creates one model version tagged with the source run. Mirroring the same run again does "
        "nothing; an interrupted mirror resumes. Supported layouts: rsl_rl (model_<N>.pt), skrl "
        "(checkpoints/agent_<N>.pt, best_agent.pt), Hugging Face Trainer (checkpoint-<N>/).",
    )
    parser.add_argument("source", help="the run's output: a directory, azure://<account>/<container>/<prefix>, or a "
                        "blob URL https://<account>.blob.core.windows.net/<container>/<prefix>[?<SAS>]")
    parser.add_argument("--model-name", default=os.environ.get("AZUREML_MODEL_NAME"),
                        help="registered model name (default: $AZUREML_MODEL_NAME)")
    parser.add_argument("--experiment", help="experiment of the mirror runs (default: the model name)")
    parser.add_argument("--source-uri", help="the durable location of the run, tagged as source_uri, when SOURCE is a "
                        "copy of it (e.g. an OSMO workflow input)")
    parser.add_argument("--source-run-id", help="id of the training run, tagged as source_run_id "
                        "(default: the last component of the source location)")
    parser.add_argument("--osmo-workflow-id", default=os.environ.get("OSMO_WORKFLOW_ID"),
                        help="OSMO workflow that produced the run (default: $OSMO_WORKFLOW_ID)")
    parser.add_argument("--source-kind", default="local", choices=["osmo-train", "osmo-replay", "local"],
                        help="how the run is being mirrored, tagged as source (default: local)")
    parser.add_argument("--layout", default="auto", choices=["auto", "rsl_rl", "skrl", "hf_trainer"],
                        help="checkpoint layout (default: detected)")
    parser.add_argument("--framework", help="framework tag (default: the layout, e.g. rsl_rl)")
    parser.add_argument("--task", help="task tag, e.g. Isaac-Velocity-Rough-Anymal-C-v0")
    target = parser.add_argument_group("target (an MLflow server, or an AzureML workspace)")
    target.add_argument("--target", default="auto", choices=["auto", "mlflow", "azureml"],
                        help="auto: the tracking URI when given, else the AzureML workspace")
    target.add_argument("--tracking-uri", help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI)")
    target.add_argument("--subscription-id", help="AzureML workspace subscription (default: $AZURE_SUBSCRIPTION_ID)")
    target.add_argument("--resource-group", help="AzureML workspace resource group (default: $AZURE_RESOURCE_GROUP)")
    target.add_argument("--workspace", help="AzureML workspace name (default: $AZUREML_WORKSPACE_NAME)")
    target.add_argument("--artifact-location", help="artifact root for the experiment, when the mirror creates it")
    parser.add_argument("--state-dir", help="where resume journals are kept (default: $ROBOTICS_MIRROR_STATE_DIR or "
                        "~/.cache/robotics-training/mirror)")
    parser.add_argument("--parallel", type=int, default=4, help="concurrent transfers (default: 4)")
    parser.add_argument("--timeout", type=float, help="give up after this many seconds (a rerun resumes)")
    parser.add_argument("--reuse-unchanged", action="store_true", help="register nothing when the model's latest "
                        "version holds the same checkpoint content (a new run that trained the same weights)")
    parser.add_argument("--plan", action="store_true", help="print what would be uploaded and registered; "
                        "write nothing")
    parser.add_argument("--best-effort", action="store_true", help="on failure, warn and exit 0 (for the last "
                        "step of a training job)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    # Connection strings are secrets: taken from the environment only, never from the command line.
    parser.set_defaults(func=run)


def _progress(quiet: bool):
    if quiet:
        return None

    def say(message: str) -> None:
        print(f"mirror: {message}", file=sys.stderr, flush=True)

    return say


def run(args: argparse.Namespace) -> int:
    from robotics_training.mirror import MirrorError, MirrorRequest, Target, mirror, plan

    try:
        target = Target.from_env(kind=args.target, tracking_uri=args.tracking_uri,
                                 subscription_id=args.subscription_id, resource_group=args.resource_group,
                                 workspace_name=args.workspace)
        request = MirrorRequest(
            source=args.source,
            model_name=args.model_name or "",
            target=target,
            source_uri=args.source_uri,
            experiment=args.experiment,
            source_run_id=args.source_run_id,
            osmo_workflow_id=args.osmo_workflow_id or None,
            source_kind=args.source_kind,
            layout=args.layout,
            framework=args.framework,
            task=args.task,
            artifact_location=args.artifact_location,
            blob_connection_string=os.environ.get("AZURE_STORAGE_CONNECTION_STRING") or None,
            state_dir=args.state_dir,
            parallel=args.parallel,
            timeout=args.timeout,
            reuse_unchanged=args.reuse_unchanged,
            progress=_progress(args.quiet),
        )
        if args.plan:
            print(json.dumps(plan(request).as_dict(), sort_keys=True))
            return 0
        result = mirror(request)
    except MirrorError as exc:
        return _failed(str(exc), exc.exit_code, args.best_effort)
    except Exception as exc:  # unexpected: still one JSON line and a clear exit code
        return _failed(f"{type(exc).__name__}: {exc}", 1, args.best_effort)
    for warning in result.warnings:
        print(f"mirror: warning: {warning}", file=sys.stderr)
    print(json.dumps(result.as_dict(), sort_keys=True))
    return 0


def _failed(message: str, code: int, best_effort: bool) -> int:
    label = "warning" if best_effort else "error"
    print(f"mirror: {label}: {message}", file=sys.stderr, flush=True)
    print(json.dumps({"status": "failed", "error": message, "exit_code": code}, sort_keys=True))
    return 0 if best_effort else code

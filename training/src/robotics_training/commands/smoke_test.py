"""``robotics-training smoke-test``: proves that tracking and storage are reachable, without training."""

from __future__ import annotations

import argparse
import json
import os
import time

from . import arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "smoke-test",
        help="check connectivity to the MLflow tracking server and blob storage",
        description="Logs one MLflow run with a 'connectivity' metric and, when a storage target is given, "
        "writes and reads back one blob. Exits non-zero naming what is unreachable.",
    )
    arguments.add_tracking_uri(parser)
    parser.add_argument("--experiment", default="connectivity-smoke-test")
    parser.add_argument("--blob-connection-string", default=os.environ.get("AZURE_STORAGE_CONNECTION_STRING"),
                        help="connection string of a storage account (default: $AZURE_STORAGE_CONNECTION_STRING)")
    parser.add_argument("--blob-account-url", default=os.environ.get("AZURE_STORAGE_ACCOUNT_URL"),
                        help="https://<account>.blob.core.windows.net, used with DefaultAzureCredential")
    parser.add_argument("--container", default="smoke-test")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report: dict = {}
    if args.tracking_uri:
        import mlflow

        mlflow.set_tracking_uri(args.tracking_uri)
        mlflow.set_experiment(args.experiment)
        with mlflow.start_run(run_name="smoke-test") as active:
            mlflow.log_metric("connectivity", 1.0)
            report["mlflow_run_id"] = active.info.run_id
    if args.blob_connection_string or args.blob_account_url:
        from azure.storage.blob import BlobServiceClient

        if args.blob_connection_string:
            service = BlobServiceClient.from_connection_string(args.blob_connection_string)
        else:
            from azure.identity import DefaultAzureCredential

            service = BlobServiceClient(args.blob_account_url, credential=DefaultAzureCredential())
        container = service.get_container_client(args.container)
        if not container.exists():
            container.create_container()
        name = f"smoke/{int(time.time() * 1000)}.txt"
        container.upload_blob(name, b"ok", overwrite=True)
        assert container.download_blob(name).readall() == b"ok"
        container.delete_blob(name)
        report["blob"] = f"{service.url.rstrip('/')}/{args.container}"
    if not report:
        print("nothing to check: give --tracking-uri and/or a blob target")
        return 2
    print(json.dumps(report))
    return 0

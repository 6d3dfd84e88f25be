#!/usr/bin/env python
"""Throughput of the model mirror against a plain parallel blob upload, and the cost of a no-op re-mirror.

Builds a Hugging Face Trainer run of about --size-mb (sharded weights written
by torch.save, TensorBoard logs, plus training state the mirror leaves out),
puts it in Azurite, then measures, --repeat times each:

* baseline: a plain parallel azure-storage-blob upload of the files the mirror
  transfers, from local disk into Azurite;
* mirror:   ``robotics_training.mirror.mirror`` from the Azurite copy (azure://)
  into an MLflow run whose experiment keeps its artifacts in the same Azurite
  (wasbs://), including look-ups, metrics and registration;
* no-op:    mirroring the same run again, as the CLI (a new process) and in-process.

Starts its own MLflow server and Azurite on free ports unless --mlflow-url and
--azurite-port name running ones. Prints one JSON document. Not part of the
test suite (tests/integration/test_mirror_benchmark.py runs a small smoke of it).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import azurite as azurite_account  # noqa: E402
from support import local_servers, training_runs  # noqa: E402

MiB = 1024 * 1024


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=500, help="size of the mirrored files (default 500)")
    parser.add_argument("--shards", type=int, default=4, help="weight shards in the checkpoint (default 4)")
    parser.add_argument("--parallel", type=int, default=4, help="concurrency of both contenders (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each (default 3; medians reported)")
    parser.add_argument("--mlflow-url", help="use this running MLflow server")
    parser.add_argument("--azurite-port", type=int, help="use the Azurite running on this loopback port")
    parser.add_argument("--workdir", help="where the run and the services' data go (default: a temp dir)")
    return parser.parse_args(argv)


def build_run(workdir: pathlib.Path, size_mb: int, shards: int) -> pathlib.Path:
    run = workdir / "run"
    if not run.exists():
        training_runs.hf_trainer_run(run, steps=(100,), model_bytes=size_mb * MiB // shards, shards=shards)
    return run


def plain_upload(container, files: list[tuple[pathlib.Path, str]], parallel: int) -> float:
    """The baseline: every file uploaded with azure-storage-blob, files and blocks in parallel."""

    def one(item):
        path, name = item
        with open(path, "rb") as handle:
            container.upload_blob(name, handle, overwrite=True, max_concurrency=parallel)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - start


def main(argv=None) -> int:
    args = parse_args(argv)
    from azure.storage.blob import BlobServiceClient

    from robotics_training.mirror import MirrorRequest, Target, mirror
    from robotics_training.mirror.layouts import select
    from robotics_training.mirror.location import parse_location
    from robotics_training.mirror.readers import LocalReader

    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="mirror-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = []
    try:
        if args.azurite_port:
            azurite_port = args.azurite_port
        else:
            started.append(local_servers.start_azurite(workdir / "azurite"))
            azurite_port = started[-1].port
        if args.mlflow_url:
            mlflow_url = args.mlflow_url
        else:
            started.append(local_servers.start_mlflow(workdir / "mlflow"))
            mlflow_url = started[-1].url
        conn = azurite_account.connection_string(azurite_port)
        service = BlobServiceClient.from_connection_string(conn, max_block_size=8 * MiB, max_single_put_size=8 * MiB)
        tag = uuid.uuid4().hex[:8]
        names = {"runs": f"bench-runs-{tag}", "baseline": f"bench-baseline-{tag}", "mlflow": f"bench-mlflow-{tag}"}
        for name in names.values():
            service.create_container(name)

        run = build_run(workdir, args.size_mb, args.shards)
        t0 = time.perf_counter()
        run_bytes = training_runs.upload_dir(service.get_container_client(names["runs"]), run, "bench/run",
                                             max_concurrency=args.parallel)
        setup_s = time.perf_counter() - t0

        env = dict(os.environ, AZURE_STORAGE_CONNECTION_STRING=conn, MLFLOW_TRACKING_URI=mlflow_url)
        os.environ.update(AZURE_STORAGE_CONNECTION_STRING=conn)
        source = f"azure://{azurite_account.ACCOUNT}/{names['runs']}/bench/run"
        artifact_root = f"wasbs://{names['mlflow']}@{azurite_account.ACCOUNT}.blob.core.windows.net/artifacts"

        def request(model: str) -> MirrorRequest:
            return MirrorRequest(source=source, model_name=model, target=Target(tracking_uri=mlflow_url),
                                 source_run_id="bench-run", artifact_location=artifact_root,
                                 blob_connection_string=conn, parallel=args.parallel,
                                 state_dir=str(workdir / "state"))

        # The files the mirror transfers: the final checkpoint without training state, and the logs.
        selection = select(LocalReader(parse_location(str(run))).list_files())
        files = [(run / p.source.relpath, p.source.relpath) for p in selection.files]
        mirrored_bytes = selection.bytes
        baseline_s, mirror_s = [], []
        for i in range(args.repeat):  # interleaved, so both contenders see an equally busy machine
            baseline_s.append(plain_upload(service.get_container_client(names["baseline"]),
                                           [(path, f"{i}/{name}") for path, name in files], args.parallel))
            start = time.perf_counter()
            result = mirror(request(f"bench-{tag}-{i}"))
            mirror_s.append(time.perf_counter() - start)
            assert result.status == "created" and result.bytes_uploaded >= mirrored_bytes, result

        noop_cli = []
        for dummy in range(args.repeat):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "robotics_training", "mirror", source, "--model-name",
                                   f"bench-{tag}-0", "--source-run-id", "bench-run", "--quiet",
                                   "--state-dir", str(workdir / "state")],
                                  env=env, capture_output=True, text=True, check=False)
            noop_cli.append(time.perf_counter() - start)
            summary = json.loads(proc.stdout)
            assert summary["status"] == "reused" and summary["bytes_uploaded"] == 0, proc.stdout + proc.stderr
        noop_inproc = []
        for dummy in range(args.repeat):
            start = time.perf_counter()
            again = mirror(request(f"bench-{tag}-0"))
            noop_inproc.append(time.perf_counter() - start)
            assert again.status == "reused" and again.bytes_uploaded == 0

        base = statistics.median(baseline_s)
        mirrored = statistics.median(mirror_s)
        report = {
            "run_bytes": run_bytes,
            "mirrored_bytes": mirrored_bytes,
            "parallel": args.parallel,
            "repeat": args.repeat,
            "setup_upload_s": round(setup_s, 2),
            "baseline_s": [round(x, 2) for x in baseline_s],
            "mirror_s": [round(x, 2) for x in mirror_s],
            "baseline_mb_per_s": round(mirrored_bytes / MiB / base, 1),
            "mirror_mb_per_s": round(mirrored_bytes / MiB / mirrored, 1),
            "throughput_ratio": round(base / mirrored, 3),
            "noop_cli_s": [round(x, 2) for x in noop_cli],
            "noop_in_process_s": [round(x, 3) for x in noop_inproc],
        }
        print(json.dumps(report, indent=1))
        return 0
    finally:
        for server in reversed(started):
            server.stop()


if __name__ == "__main__":
    sys.exit(main())

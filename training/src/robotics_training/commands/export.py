"""``robotics-training export``: a checkpoint's policy as ONNX and/or TorchScript."""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from . import arguments

TOLERANCE = 1e-4


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a policy to ONNX and/or TorchScript",
        description="Loads a checkpoint (path, runs:/, models:/, blob URL) and writes policy.onnx and/or "
        "policy.pt (TorchScript) taking observations [batch, obs_dim] to actions [batch, num_actions], with "
        "the observation normaliser included. Each file is loaded back and compared with the PyTorch policy; "
        "export.json records the files and the differences.",
    )
    arguments.add_checkpoint(parser)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--format", default="both", choices=["onnx", "torchscript", "both"])
    arguments.add_tracking_uri(parser)
    parser.set_defaults(func=run)


def _previous_export(path: pathlib.Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def run(args: argparse.Namespace) -> int:
    if not args.checkpoint:
        print("error: --checkpoint (or $CHECKPOINT_URI) is required", file=sys.stderr)
        return 2
    import contextlib
    import tempfile

    from robotics_training.files import sha256_file

    from robotics_training.checkpoints.fetch import CheckpointFetchError, fetch_checkpoint
    from robotics_training.checkpoints.uri import CheckpointUriError, strip_query
    from robotics_training.export import check_exports, export_onnx, export_torchscript
    from robotics_training.policy import PolicyLoadError, load_policy

    out = pathlib.Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    formats = ["onnx", "torchscript"] if args.format == "both" else [args.format]
    try:
        with tempfile.TemporaryDirectory(prefix="export-") as download_dir:
            path = fetch_checkpoint(args.checkpoint, download_dir, tracking_uri=args.tracking_uri)
            policy = load_policy(str(path))
            checkpoint_name, checkpoint_sha256 = path.name, sha256_file(path)
    except (CheckpointUriError, CheckpointFetchError, PolicyLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    previous = _previous_export(out / "export.json")
    if (previous.get("checkpoint_sha256") == checkpoint_sha256 and previous.get("passed")
            and sorted(previous.get("files", {})) == sorted(formats)
            and all(pathlib.Path(f).is_file() for f in previous["files"].values())):
        print(json.dumps({**previous, "changed": False}, indent=2), flush=True)
        return 0
    files: dict[str, pathlib.Path] = {}
    with contextlib.redirect_stdout(sys.stderr):  # the exporters print progress; stdout carries only JSON
        if "torchscript" in formats:
            files["torchscript"] = export_torchscript(policy, out / "policy.pt")
        if "onnx" in formats:
            files["onnx"] = export_onnx(policy, out / "policy.onnx")
        checks = check_exports(policy, files)
    diffs = {k: v for k, v in checks.items() if k.endswith("max_abs_diff")}
    result = {
        "checkpoint": strip_query(args.checkpoint), "checkpoint_file": checkpoint_name,
        "checkpoint_sha256": checkpoint_sha256, "framework": policy.framework, "task": policy.metadata.get("task"), "step": policy.step,
        "obs_dim": policy.obs_dim, "num_actions": policy.num_actions, "input_name": "obs", "output_name": "actions",
        "files": {k: str(v) for k, v in files.items()}, "checks": checks, "tolerance": TOLERANCE,
        "passed": all(v <= TOLERANCE for v in diffs.values()),
    }
    (out / "export.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({**result, "changed": True}, indent=2), flush=True)
    if not result["passed"]:
        print(f"error: an export differs from the PyTorch policy by more than {TOLERANCE}: {diffs}", file=sys.stderr)
        return 1
    return 0

"""Export of a policy to TorchScript and ONNX, each checked against the PyTorch policy it came from."""

from __future__ import annotations

import pathlib
import warnings

FORMATS = ("onnx", "torchscript")


def export_torchscript(policy, path: pathlib.Path) -> pathlib.Path:
    import torch

    scripted = torch.jit.script(policy.module)
    scripted.save(str(path))
    return path


def export_onnx(policy, path: pathlib.Path) -> pathlib.Path:
    import torch

    dummy = (torch.zeros(1, policy.obs_dim),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                policy.module, dummy, str(path), input_names=["obs"], output_names=["actions"], opset_version=18,
                dynamo=True, dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False,
            )
        except Exception:
            # The torch.export-based exporter refuses some graphs that the TorchScript-based one handles.
            torch.onnx.export(
                policy.module, dummy, str(path), input_names=["obs"], output_names=["actions"], opset_version=18,
                dynamo=False, dynamic_axes={"obs": {0: "batch"}, "actions": {0: "batch"}},
            )
    return path


def check_exports(policy, files: dict[str, pathlib.Path], samples: int = 32, seed: int = 0) -> dict:
    """Max. absolute difference between each export and the PyTorch policy on random observations."""
    import numpy as np
    import torch

    generator = torch.Generator().manual_seed(seed)
    obs = torch.randn(samples, policy.obs_dim, generator=generator) * 2.0
    with torch.inference_mode():
        expected = policy.module(obs).numpy()
    checks: dict[str, object] = {}
    if "torchscript" in files:
        loaded = torch.jit.load(str(files["torchscript"]))
        with torch.inference_mode():
            checks["torchscript_max_abs_diff"] = float(np.abs(loaded(obs).numpy() - expected).max())
    if "onnx" in files:
        import onnx

        model = onnx.load(str(files["onnx"]))
        onnx.checker.check_model(model, full_check=True)
        checks["onnx_checker"] = "passed"
        inputs = {"obs": obs.numpy().astype(np.float32)}
        try:
            import onnxruntime

            session = onnxruntime.InferenceSession(str(files["onnx"]), providers=["CPUExecutionProvider"])
            actual = session.run(None, inputs)[0]
            checks["onnx_runtime"] = "onnxruntime"
        except ImportError:
            from onnx.reference import ReferenceEvaluator

            actual = ReferenceEvaluator(model).run(None, inputs)[0]
            checks["onnx_runtime"] = "onnx.reference"
        checks["onnx_max_abs_diff"] = float(np.abs(actual - expected).max())
    return checks

"""Output directories of training runs in each framework's layout, written with the real libraries.

Checkpoints are written by ``torch.save`` and logs by TensorBoard's
``SummaryWriter``, exactly as rsl_rl, skrl and the Hugging Face Trainer write
them, so the mirror is tested against real files, not imitations.
"""

from __future__ import annotations

import json
import pathlib

MiB = 1024 * 1024


def _tensor(nbytes: int, seed: int):
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 255, (max(1, nbytes),), dtype=torch.uint8, generator=generator)


def write_scalars(logdir: pathlib.Path, tags: dict[str, list[float]], start_step: int = 0, step_every: int = 1) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(logdir))
    try:
        for tag, values in tags.items():
            for i, value in enumerate(values):
                writer.add_scalar(tag, value, global_step=start_step + i * step_every)
    finally:
        writer.close()


def rsl_rl_run(root: pathlib.Path, steps=(0, 50, 100), model_bytes: int = 64 * 1024, seed: int = 0) -> pathlib.Path:
    """rsl_rl: ``model_<it>.pt`` (model + optimizer state dicts in one file) and events in the run directory."""
    import torch

    root.mkdir(parents=True, exist_ok=True)
    for i, step in enumerate(steps):
        torch.save({
            "model_state_dict": {"actor.weight": _tensor(model_bytes, seed + i)},
            "optimizer_state_dict": {"state": {}, "param_groups": [{"lr": 1e-3}]},
            "iter": step,
            "infos": None,
        }, root / f"model_{step}.pt")
    write_scalars(root, {
        "Train/mean_reward": [float(-100 + 3 * i) for i in range(len(steps) * 4)],
        "Loss/value_function": [float(1.0 / (i + 1)) for i in range(len(steps) * 4)],
    })
    (root / "git").mkdir(exist_ok=True)
    (root / "git" / "robotics.diff").write_text("--- a\n+++ b\n")
    return root


def skrl_run(root: pathlib.Path, steps=(1000, 2000), model_bytes: int = 64 * 1024, best: bool = True,
             seed: int = 10) -> pathlib.Path:
    """skrl: ``checkpoints/agent_<timestep>.pt`` and ``best_agent.pt``, events in the experiment directory."""
    import torch

    (root / "checkpoints").mkdir(parents=True, exist_ok=True)
    for i, step in enumerate(steps):
        torch.save({"policy": {"net.0.weight": _tensor(model_bytes, seed + i)}, "optimizer": {"state": {}}},
                   root / "checkpoints" / f"agent_{step}.pt")
    if best:
        torch.save({"policy": {"net.0.weight": _tensor(model_bytes, seed + 99)}}, root / "checkpoints" / "best_agent.pt")
    write_scalars(root, {"Reward / Total reward (mean)": [float(i) for i in range(6)],
                         "Loss / Policy loss": [0.5, 0.4, 0.3, 0.2, 0.1, 0.05]}, step_every=max(1, steps[-1] // 6))
    return root


def hf_trainer_run(root: pathlib.Path, steps=(10, 20), model_bytes: int = 64 * 1024, shards: int = 1,
                   seed: int = 20) -> pathlib.Path:
    """Hugging Face Trainer: ``checkpoint-<step>/`` with weights and training state, events under ``runs/``."""
    import torch

    for i, step in enumerate(steps):
        ckpt = root / f"checkpoint-{step}"
        ckpt.mkdir(parents=True, exist_ok=True)
        (ckpt / "config.json").write_text(json.dumps({"model_type": "policy", "hidden": 64}))
        (ckpt / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        for shard in range(shards):
            name = "pytorch_model.bin" if shards == 1 else f"pytorch_model-{shard + 1:05d}-of-{shards:05d}.bin"
            torch.save({"w": _tensor(model_bytes, seed + 100 * i + shard)}, ckpt / name)
        # Training state the mirror must leave out.
        torch.save({"state": {0: {"exp_avg": _tensor(model_bytes, seed + 7)}}}, ckpt / "optimizer.pt")
        torch.save({"last_epoch": step}, ckpt / "scheduler.pt")
        torch.save({"python": [1, 2, 3]}, ckpt / "rng_state.pth")
        torch.save({"output_dir": str(root)}, ckpt / "training_args.bin")
    scalars = {"train/loss": [2.0, 1.5, 1.2, 1.0], "train/learning_rate": [1e-4, 1e-4, 5e-5, 1e-5]}
    write_scalars(root / "runs" / "May01_12-00-00_host", scalars, step_every=5)
    return root


def write_layout(layout: str, root: pathlib.Path, **kwargs) -> pathlib.Path:
    return {"rsl_rl": rsl_rl_run, "skrl": skrl_run, "hf_trainer": hf_trainer_run}[layout](root, **kwargs)


def upload_dir(container_client, directory: pathlib.Path, prefix: str, max_concurrency: int = 4) -> int:
    """Uploads every file of ``directory`` under ``prefix``; returns the bytes sent."""
    total = 0
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(directory).as_posix()}"
        with open(path, "rb") as handle:
            container_client.upload_blob(name, handle, overwrite=True, max_concurrency=max_concurrency)
        total += path.stat().st_size
    return total

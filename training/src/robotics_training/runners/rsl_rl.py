"""rsl_rl 5.x runner: upstream ``OnPolicyRunner.learn`` with a reporting logger and checkpoint metadata.

The learning loop is rsl_rl's own, unchanged; this module only replaces its console logger (one progress line
per iteration instead of a block, the same TensorBoard tags, MLflow metrics, the stop decision) and adds
the package's metadata to each checkpoint. Layout: ``model_<iteration>.pt`` and TensorBoard event files in
the run directory.

Iteration numbers: ``model_<N>.pt`` holds the state after iteration N. ``resume`` continues at N + 1 with
the optimizer state; ``warm-start`` loads the actor/critic weights and starts again at 0.
"""

from __future__ import annotations

import os
import statistics

from robotics_training.progress import IterationReporter, IterationStats
from robotics_training.runners import CheckpointMismatchError, RunOutcome, StopTraining, freeze_startup_objects


def _classes():
    from rsl_rl.runners import OnPolicyRunner
    from rsl_rl.utils.logger import Logger

    class ReportingLogger(Logger):
        """rsl_rl's Logger with the per-iteration output replaced; episode bookkeeping is inherited."""

        reporter: IterationReporter

        def process_env_step(self, rewards, dones, extras, intrinsic_rewards=None):
            super().process_env_step(rewards, dones, extras, intrinsic_rewards)
            self._step_reward_sum = getattr(self, "_step_reward_sum", 0.0) + rewards.sum()
            self._step_count = getattr(self, "_step_count", 0) + rewards.numel()

        def log(self, it, start_it, total_it, collect_time, learn_time, loss_dict, learning_rate, action_std,
                rnd_weight=None, **_ignored):
            if self.writer is None:
                return
            writer = self.writer
            collection_size = self.cfg["num_steps_per_env"] * self.num_envs * self.gpu_world_size
            mean_reward = statistics.mean(self.rewbuffer) if self.rewbuffer else None
            mean_length = statistics.mean(self.lenbuffer) if self.lenbuffer else None
            step_count = getattr(self, "_step_count", 0)
            step_reward = float(self._step_reward_sum) / step_count if step_count else None
            self._step_reward_sum, self._step_count = 0.0, 0
            for key, value in self._episode_extras().items():
                writer.add_scalar(key if "/" in key else f"Episode/{key}", value, it)
            for key, value in loss_dict.items():
                writer.add_scalar(f"Loss/{key}", value, it)
            writer.add_scalar("Loss/learning_rate", learning_rate, it)
            std = float(action_std.mean().item())
            writer.add_scalar("Policy/mean_std", std, it)
            writer.add_scalar("Perf/total_fps", int(collection_size / max(collect_time + learn_time, 1e-9)), it)
            writer.add_scalar("Perf/collection_time", collect_time, it)
            writer.add_scalar("Perf/learning_time", learn_time, it)
            if mean_reward is not None:
                writer.add_scalar("Train/mean_reward", mean_reward, it)
                writer.add_scalar("Train/mean_episode_length", mean_length, it)
            if step_reward is not None:
                writer.add_scalar("Train/mean_step_reward", step_reward, it)
            stats = IterationStats(
                iteration=it, last_iteration=total_it - 1, env_steps=collection_size,
                collect_time=collect_time, learn_time=learn_time, mean_reward=mean_reward,
                mean_episode_length=mean_length, mean_step_reward=step_reward,
                losses={k: float(v) for k, v in loss_dict.items()}, learning_rate=float(learning_rate),
                action_std=std,
            )
            if self.reporter.report(stats) and it < total_it - 1:
                raise StopTraining()

        def _episode_extras(self) -> dict[str, float]:
            import torch

            values: dict[str, list] = {}
            for info in self.ep_extras:
                for key, value in info.items():
                    tensor = value if isinstance(value, torch.Tensor) else torch.tensor([float(value)])
                    values.setdefault(key, []).append(tensor.float().reshape(-1).cpu())
            self.ep_extras.clear()
            return {k: float(torch.cat(v).mean()) for k, v in values.items() if v}

    class ReportingRunner(OnPolicyRunner):
        def __init__(self, env, train_cfg, log_dir, device, reporter, metadata, on_checkpoint):
            super().__init__(env, train_cfg, log_dir=log_dir, device=device)
            logger = ReportingLogger(
                log_dir=log_dir, cfg=self.cfg, env_cfg=env.cfg, num_envs=env.num_envs,
                is_distributed=self.is_distributed, gpu_world_size=self.gpu_world_size,
                gpu_global_rank=self.gpu_global_rank, device=device,
            )
            logger.reporter = reporter
            logger.git_status_repos = []  # no git diff of site-packages into the run directory
            self.logger = logger
            self.metadata = metadata
            self.on_checkpoint = on_checkpoint
            self.saved: list[str] = []

        def save(self, path, infos=None):
            super().save(path, {**(infos or {}), "robotics_training": self.metadata})
            if path not in self.saved:
                self.saved.append(path)
            self.on_checkpoint(path)

    return ReportingRunner


def observation_dim(env) -> int:
    obs = env.get_observations()
    return int(obs["policy"].shape[-1])


def train(env, train_cfg: dict, *, output_dir: str, device: str, iterations: int, reporter: IterationReporter,
          metadata: dict, on_checkpoint, checkpoint: str | None = None, checkpoint_mode: str = "from-scratch",
          ) -> RunOutcome:
    runner_class = _classes()
    runner = runner_class(env, train_cfg, output_dir, device, reporter, metadata, on_checkpoint)
    resumed_from = None
    if checkpoint:
        resumed_from = load_into(runner, checkpoint, checkpoint_mode)
    start = runner.current_learning_iteration
    freeze_startup_objects()
    reporter.budget.start()
    stop_reason = "completed"
    try:
        runner.learn(num_learning_iterations=iterations)
    except StopTraining:
        stop_reason = reporter.budget.stop_reason or "stopped"
        runner.save(os.path.join(output_dir, f"model_{runner.current_learning_iteration}.pt"))
    finally:
        if runner.logger.writer is not None:
            runner.logger.writer.flush()
            runner.logger.writer.close()
        _remove_empty_dir(os.path.join(output_dir, "git"))
    final = os.path.join(output_dir, f"model_{runner.current_learning_iteration}.pt")
    return RunOutcome(
        final_checkpoint=final, final_iteration=runner.current_learning_iteration, start_iteration=start,
        stop_reason=stop_reason, checkpoints=list(runner.saved), tensorboard_dir=output_dir,
        resumed_from_iteration=resumed_from,
    )


def load_into(runner, checkpoint: str, mode: str) -> int | None:
    """Loads ``checkpoint`` for ``mode``; returns the iteration resumed from (None for warm-start)."""
    import torch

    state = torch.load(checkpoint, map_location=runner.device, weights_only=False)
    if not isinstance(state, dict) or "actor_state_dict" not in state:
        framework = "skrl" if isinstance(state, dict) and "policy" in state else "an unknown framework"
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} is not an rsl_rl checkpoint (it looks like {framework}); "
            "use --framework skrl or an rsl_rl model_<N>.pt")
    try:
        if mode == "resume":
            missing = [k for k in ("optimizer_state_dict", "iter") if k not in state]
            if missing:
                raise CheckpointMismatchError(
                    f"cannot resume from {checkpoint}: it has no {' and no '.join(missing)} (a weights-only copy?); "
                    "use --checkpoint-mode warm-start to load only the weights")
            runner.alg.load(state, None, strict=True)
            runner.current_learning_iteration = int(state["iter"]) + 1
            return int(state["iter"])
        runner.alg.load(state, {"actor": True, "critic": "critic_state_dict" in state}, strict=True)
        return None
    except RuntimeError as exc:
        if isinstance(exc, CheckpointMismatchError):
            raise
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} does not fit this task's networks: {str(exc).splitlines()[0]}") from None


def _remove_empty_dir(path: str) -> None:
    # rsl_rl's logger creates git/ for diffs of repositories; none are tracked here, so it stays empty.
    try:
        os.rmdir(path)
    except OSError:
        pass

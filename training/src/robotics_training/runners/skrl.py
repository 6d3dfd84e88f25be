"""skrl 2.x runner: skrl's PPO agent driven by a headless training loop that can stop between iterations.

One iteration is one rollout (``rollouts`` steps of every env) followed by the PPO update. skrl's layout is
kept: TensorBoard event files in the run directory, ``checkpoints/agent_<timestep>.pt`` (timestep = steps per
env so far) and ``checkpoints/best_agent.pt``. Each checkpoint also carries a ``robotics_training`` entry
(task, framework, network sizes, timestep) used by resume, evaluation and export.
"""

from __future__ import annotations

import os
import pathlib
import time

from robotics_training.progress import IterationReporter, IterationStats
from robotics_training.runners import CheckpointMismatchError, RunOutcome, freeze_startup_objects

# Checkpoint entries that warm-start loads (weights and normaliser statistics, not the optimiser).
WEIGHT_MODULES = ("policy", "value", "observation_preprocessor", "state_preprocessor", "value_preprocessor")


class _Metadata:
    """Stored in each checkpoint by skrl's own writer (it calls ``state_dict()``)."""

    def __init__(self, base: dict, agent) -> None:
        self.base, self.agent = base, agent

    def state_dict(self) -> dict:
        return {**self.base, "timestep": self.agent.robotics_timestep}

    def load_state_dict(self, _state) -> None:  # read by load_into, not by skrl
        return None


def _resolve(agent_cfg: dict, device):
    from skrl.resources.preprocessors.torch import RunningStandardScaler
    from skrl.resources.schedulers.torch import KLAdaptiveLR

    classes = {"RunningStandardScaler": RunningStandardScaler, "KLAdaptiveLR": KLAdaptiveLR, None: None, "": None}
    cfg = dict(agent_cfg)
    for key in ("learning_rate_scheduler", "observation_preprocessor", "state_preprocessor", "value_preprocessor"):
        if key in cfg:
            if cfg[key] not in classes:
                raise ValueError(f"skrl agent setting {key}: unknown class '{cfg[key]}'")
            cfg[key] = classes[cfg[key]]
    return cfg


def _agent_class():
    from skrl.agents.torch.ppo import PPO

    class ReportingPPO(PPO):
        reporter: IterationReporter
        rollouts: int
        stop_requested = False
        _last_episode_stats = (None, None)
        robotics_timestep = 0
        last_iteration = 0

        def write_tracking_data(self, *, timestep, timesteps):
            data = {k: list(v) for k, v in self.tracking_data.items()}
            super().write_tracking_data(timestep=timestep, timesteps=timesteps)
            self.writer.flush() if hasattr(self.writer, "flush") else None
            self._report(data, timestep)

        def _report(self, data, timestep):
            import numpy as np

            def mean(key):
                values = data.get(key)
                return float(np.mean(values)) if values else None

            now = time.monotonic()
            iteration_time = now - self._iteration_started
            self._iteration_started = now
            learn_time = (mean("Stats / Algorithm update time (ms)") or 0.0) / 1000.0
            # skrl clears its episode statistics at every write; carry the last value over iterations
            # without finished episodes, like rsl_rl's window of recent episodes.
            mean_reward = mean("Reward / Total reward (mean)")
            mean_length = mean("Episode / Total timesteps (mean)")
            if mean_reward is None:
                mean_reward, mean_length = self._last_episode_stats
            self._last_episode_stats = (mean_reward, mean_length)
            losses = {name: mean(f"Loss / {name.capitalize()} loss") for name in ("policy", "value", "entropy")}
            stats = IterationStats(
                iteration=timestep // self.rollouts - 1, last_iteration=self.last_iteration,
                env_steps=self.rollouts * self.num_envs, collect_time=max(iteration_time - learn_time, 0.0),
                learn_time=learn_time, mean_reward=mean_reward, mean_episode_length=mean_length,
                mean_step_reward=mean("Reward / Instantaneous reward (mean)"),
                losses={k: v for k, v in losses.items() if v is not None},
                learning_rate=mean("Learning / Learning rate") or float(self.optimizer.param_groups[0]["lr"]),
                action_std=mean("Policy / Standard deviation"),
            )
            if self.reporter.report(stats):
                self.stop_requested = True

    return ReportingPPO


def train(env, cfg: dict, *, output_dir: str, device: str, iterations: int, reporter: IterationReporter,
          metadata: dict, on_checkpoint, checkpoint: str | None = None, checkpoint_mode: str = "from-scratch",
          ) -> RunOutcome:
    import torch
    from skrl.agents.torch.ppo import PPO_CFG
    from skrl.memories.torch import RandomMemory

    from robotics_training.runners.skrl_models import build_models

    models_cfg = cfg["models"]
    models = build_models(env.observation_space, env.action_space, device, models_cfg["hidden_dims"],
                          models_cfg.get("activation", "elu"), models_cfg.get("initial_log_std", 0.0))
    agent_settings = _resolve(cfg["agent"], device)
    rollouts = int(agent_settings["rollouts"])
    for key in ("observation_preprocessor", "value_preprocessor", "state_preprocessor"):
        if agent_settings.get(key) is not None:
            size = env.observation_space if key != "value_preprocessor" else 1
            agent_settings[f"{key}_kwargs"] = {"size": size, "device": device}
    out = pathlib.Path(output_dir)
    agent_settings["experiment"] = {
        "directory": str(out.parent), "experiment_name": out.name, "write_interval": rollouts,
        "checkpoint_interval": rollouts * int(cfg.get("checkpoint_interval_iterations", 50)),
    }
    memory = RandomMemory(memory_size=rollouts, num_envs=env.num_envs, device=device)
    agent = _agent_class()(models=models, memory=memory, observation_space=env.observation_space,
                           action_space=env.action_space, device=device, cfg=PPO_CFG(**agent_settings))
    agent.reporter, agent.rollouts, agent.num_envs = reporter, rollouts, env.num_envs
    agent.checkpoint_modules["robotics_training"] = _Metadata(metadata, agent)

    start_timestep, resumed_from = 0, None
    if checkpoint:
        start_timestep, resumed_from = load_into(agent, checkpoint, checkpoint_mode, rollouts)
    end_timestep = start_timestep + iterations * rollouts
    agent.last_iteration = end_timestep // rollouts - 1
    agent.init(trainer_cfg=None)
    agent.enable_training_mode(True)

    checkpoints_dir = out / "checkpoints"
    seen: set[str] = set()

    def note_new_checkpoints():
        for path in sorted(checkpoints_dir.glob("*.pt")):
            stamp = f"{path}:{path.stat().st_mtime_ns}"
            if stamp not in seen:
                seen.add(stamp)
                on_checkpoint(str(path))

    observations, _infos = env.reset()
    states = env.state()
    stateful = states is not None
    freeze_startup_objects()
    reporter.budget.start()
    agent._iteration_started = time.monotonic()
    timestep = start_timestep
    try:
        for timestep in range(start_timestep, end_timestep):
            agent.robotics_timestep = timestep + 1
            agent.pre_interaction(timestep=timestep, timesteps=end_timestep)
            with torch.no_grad():
                actions, _outputs = agent.act(observations, states, timestep=timestep, timesteps=end_timestep)
                next_observations, rewards, terminated, truncated, infos = env.step(actions)
                next_states = env.state() if stateful else None
                agent.record_transition(
                    observations=observations, states=states, actions=actions, rewards=rewards,
                    next_observations=next_observations, next_states=next_states, terminated=terminated,
                    truncated=truncated, infos=infos, timestep=timestep, timesteps=end_timestep,
                )
            agent.post_interaction(timestep=timestep, timesteps=end_timestep)
            observations, states = next_observations, next_states
            if (timestep + 1) % rollouts == 0:
                note_new_checkpoints()
                if agent.stop_requested and timestep + 1 < end_timestep:
                    break
        final_timestep = timestep + 1
        stop_reason = "completed" if final_timestep == end_timestep else reporter.budget.stop_reason
        final = checkpoints_dir / f"agent_{final_timestep}.pt"
        if not final.exists():
            agent.write_checkpoint(timestep=final_timestep, timesteps=end_timestep)
        note_new_checkpoints()
    finally:
        if getattr(agent, "writer", None) is not None:
            agent.writer.close()
    checkpoints = sorted({s.rsplit(":", 1)[0] for s in seen})
    return RunOutcome(
        final_checkpoint=str(final), final_iteration=final_timestep // rollouts - 1,
        start_iteration=start_timestep // rollouts, stop_reason=stop_reason or "stopped", checkpoints=checkpoints,
        tensorboard_dir=str(out), resumed_from_iteration=resumed_from,
    )


def load_into(agent, checkpoint: str, mode: str, rollouts: int) -> tuple[int, int | None]:
    """Loads ``checkpoint``; returns (timestep to continue from, iteration resumed from or None)."""
    import torch

    state = torch.load(checkpoint, map_location=agent.device, weights_only=False)
    if not isinstance(state, dict) or "policy" not in state:
        framework = "rsl_rl" if isinstance(state, dict) and "actor_state_dict" in state else "an unknown framework"
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} is not a skrl checkpoint (it looks like {framework}); "
            "use --framework rsl_rl or a skrl checkpoints/agent_<N>.pt")
    names = WEIGHT_MODULES if mode == "warm-start" else tuple(agent.checkpoint_modules)
    if mode == "resume":
        missing = [k for k in ("optimizer",) if k not in state]
        timestep = _checkpoint_timestep(checkpoint, state)
        if timestep is None:
            missing.append("timestep")
        if missing:
            raise CheckpointMismatchError(
                f"cannot resume from {checkpoint}: it has no {' and no '.join(missing)}; "
                "use --checkpoint-mode warm-start to load only the weights")
    try:
        for name in names:
            module = agent.checkpoint_modules.get(name)
            if module is None or name not in state or name == "robotics_training":
                continue
            module.load_state_dict(state[name])
    except RuntimeError as exc:
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} does not fit this task's networks: {str(exc).splitlines()[0]}") from None
    if mode != "resume":
        return 0, None
    # Continue at the next rollout boundary after the saved timestep.
    start = -(-timestep // rollouts) * rollouts
    return start, start // rollouts - 1


def _checkpoint_timestep(path: str, state: dict) -> int | None:
    meta = state.get("robotics_training")
    if isinstance(meta, dict) and isinstance(meta.get("timestep"), int):
        return meta["timestep"]
    from robotics_training.checkpoints.layout import checkpoint_step

    parsed = checkpoint_step(os.path.basename(path))
    return parsed[1] if parsed and parsed[0] == "skrl" else None

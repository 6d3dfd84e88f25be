"""A trained policy as a plain deterministic ``torch.nn.Module``: observations [N, obs_dim] -> actions.

Built from an rsl_rl (``model_<N>.pt``) or skrl (``checkpoints/agent_<N>.pt``) checkpoint, including the
observation normaliser, so evaluation and every export format run exactly the same function. Network sizes
come from the checkpoint's ``robotics_training`` metadata, or are read off the weight shapes for checkpoints
written by other tools.
"""

from __future__ import annotations

import dataclasses
import re


class PolicyLoadError(RuntimeError):
    pass


@dataclasses.dataclass
class LoadedPolicy:
    framework: str
    module: object          # torch.nn.Module, eval mode, on CPU
    obs_dim: int
    num_actions: int
    metadata: dict
    step: int | None        # rsl_rl iteration or skrl timestep


def load_checkpoint_state(path: str) -> dict:
    import pickle

    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # Checkpoints written by other tools may pickle config objects; they are the user's own files.
        state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict):
        raise PolicyLoadError(f"{path} is not a checkpoint dictionary")
    return state


def load_policy(path: str) -> LoadedPolicy:
    state = load_checkpoint_state(path)
    if "actor_state_dict" in state:
        return _rsl_rl_policy(path, state)
    if "policy" in state:
        return _skrl_policy(path, state)
    raise PolicyLoadError(
        f"{path}: neither an rsl_rl checkpoint (actor_state_dict) nor a skrl one (policy); keys: "
        f"{', '.join(sorted(map(str, state))[:8])}")


def _linear_layers(weights: dict, prefix: str) -> list[tuple[int, int]]:
    """(in, out) of ``<prefix>.<i>.weight`` linear layers in index order."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.weight$")
    layers = sorted((int(m[1]), tuple(v.shape)) for k, v in weights.items() if (m := pattern.match(k)) and v.dim() == 2)
    return [(shape[1], shape[0]) for _index, shape in layers]


def _rsl_rl_policy(path: str, state: dict) -> LoadedPolicy:
    import torch
    from rsl_rl.models import MLPModel
    from tensordict import TensorDict

    weights = state["actor_state_dict"]
    infos = state.get("infos") or {}
    meta = infos.get("robotics_training", {}) if isinstance(infos, dict) else {}
    layers = _linear_layers(weights, "mlp")
    if not layers:
        raise PolicyLoadError(f"{path}: the actor has no MLP layers (recurrent/CNN actors are not supported here)")
    obs_dim = layers[0][0]
    actor_cfg = dict(meta.get("actor") or {})
    distribution_cfg = actor_cfg.get("distribution_cfg") or {"class_name": "GaussianDistribution", "init_std": 1.0}
    hidden = actor_cfg.get("hidden_dims") or [out for _in, out in layers[:-1]]
    activation = actor_cfg.get("activation", "elu")
    normalization = any(k.startswith("obs_normalizer.") for k in weights)
    head_out = layers[-1][1]
    # Gaussian heads output the mean (state-dependent std doubles it); the std parameter names the action count.
    std = next((v for k, v in weights.items() if k.startswith("distribution.") and v.dim() == 1), None)
    num_actions = int(std.shape[0]) if std is not None else head_out
    dummy = TensorDict({"policy": torch.zeros(1, obs_dim)}, batch_size=[1])
    try:
        model = MLPModel(dummy, {"actor": ["policy"]}, "actor", num_actions, hidden_dims=hidden,
                         activation=activation, obs_normalization=normalization, distribution_cfg=distribution_cfg)
        model.load_state_dict(weights, strict=True)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise PolicyLoadError(f"{path}: cannot rebuild the rsl_rl actor: {str(exc).splitlines()[0]}") from None
    module = model.as_jit().eval()
    return LoadedPolicy("rsl_rl", module, obs_dim, num_actions, meta, state.get("iter"))


class _SkrlDeterministic:
    """Factory for the skrl deterministic policy module (torch imported lazily)."""

    @staticmethod
    def build(net, mean, variance, clip: float, epsilon: float):
        import torch

        class SkrlPolicy(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.net = net
                self.normalize = mean is not None
                self.register_buffer("obs_mean", mean if mean is not None else torch.zeros(1))
                self.register_buffer("obs_std", (variance.sqrt() + epsilon) if variance is not None else torch.ones(1))
                self.clip = clip

            def forward(self, obs: torch.Tensor) -> torch.Tensor:
                if self.normalize:
                    obs = torch.clamp((obs - self.obs_mean) / self.obs_std, -self.clip, self.clip)
                return self.net(obs)

        return SkrlPolicy()


def _skrl_policy(path: str, state: dict) -> LoadedPolicy:
    from robotics_training.runners.skrl_models import mlp

    weights = state["policy"]
    meta = state.get("robotics_training") or {}
    layers = _linear_layers(weights, "net")
    if not layers:
        raise PolicyLoadError(
            f"{path}: unsupported skrl policy layout (expected net.<i>.weight layers, got "
            f"{', '.join(sorted(weights)[:6])})")
    obs_dim, num_actions = layers[0][0], layers[-1][1]
    hidden = [out for _in, out in layers[:-1]]
    net = mlp(obs_dim, hidden, num_actions, meta.get("activation", "elu"))
    try:
        net.load_state_dict({k[len("net."):]: v for k, v in weights.items() if k.startswith("net.")}, strict=True)
    except RuntimeError as exc:
        raise PolicyLoadError(f"{path}: cannot rebuild the skrl policy: {str(exc).splitlines()[0]}") from None
    scaler = state.get("observation_preprocessor") or {}
    mean = scaler.get("running_mean")
    variance = scaler.get("running_variance")
    module = _SkrlDeterministic.build(
        net, mean.float() if mean is not None else None, variance.float() if variance is not None else None,
        clip=5.0, epsilon=1e-8).eval()
    return LoadedPolicy("skrl", module, obs_dim, num_actions, meta, meta.get("timestep"))

"""skrl 2.x models for flat observations: a Gaussian policy and a value function, both MLPs."""

from __future__ import annotations


def mlp(in_dim: int, hidden_dims: list[int], out_dim: int, activation: str = "elu"):
    from torch import nn

    activations = {"elu": nn.ELU, "relu": nn.ReLU, "tanh": nn.Tanh, "selu": nn.SELU}
    if activation not in activations:
        raise ValueError(f"activation '{activation}' is not one of {', '.join(activations)}")
    layers, last = [], in_dim
    for size in hidden_dims:
        layers += [nn.Linear(last, size), activations[activation]()]
        last = size
    layers.append(nn.Linear(last, out_dim))
    return nn.Sequential(*layers)


def build_models(observation_space, action_space, device, hidden_dims: list[int], activation: str = "elu",
                 initial_log_std: float = 0.0) -> dict:
    import torch
    from skrl.models.torch import DeterministicMixin, GaussianMixin, Model

    class Policy(GaussianMixin, Model):
        def __init__(self):
            Model.__init__(self, observation_space=observation_space, action_space=action_space, device=device)
            GaussianMixin.__init__(self, clip_actions=False, clip_log_std=True, min_log_std=-20.0, max_log_std=2.0)
            self.net = mlp(self.num_observations, hidden_dims, self.num_actions, activation)
            self.log_std_parameter = torch.nn.Parameter(torch.full((self.num_actions,), float(initial_log_std)))

        def compute(self, inputs, role=""):
            return self.net(inputs["observations"]), {"log_std": self.log_std_parameter}

    class Value(DeterministicMixin, Model):
        def __init__(self):
            Model.__init__(self, observation_space=observation_space, action_space=action_space, device=device)
            DeterministicMixin.__init__(self, clip_actions=False)
            self.net = mlp(self.num_observations, hidden_dims, 1, activation)

        def compute(self, inputs, role=""):
            return self.net(inputs["observations"]), {}

    return {"policy": Policy().to(device), "value": Value().to(device)}

"""The model builder: a ``torch.nn.Sequential`` multi-layer perceptron from a small config.

Each hidden layer is ``Linear -> [BatchNorm1d] -> activation -> [Dropout]``; the output layer is a
plain ``Linear`` (logits for classification, one value for regression). ``nn.Dropout`` is inverted
dropout (kept units are scaled by 1/(1-p) in training, nothing happens in eval mode);
``nn.BatchNorm1d`` normalizes with the batch's statistics in training mode and with its running
averages in eval mode. L2 weight decay is the optimizer's ``weight_decay``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

MAX_DEPTH = 6
MAX_WIDTH = 128
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
}
# Weight initialization (biases start at 0 except for torch's default):
#   default  torch's nn.Linear default (Kaiming-uniform with a = sqrt(5), bias uniform)
#   xavier   Glorot uniform, keeps the variance through tanh/sigmoid layers
#   kaiming  He normal, keeps the variance through ReLU layers
#   small    N(0, 0.01^2): the signal shrinks layer after layer
#   zeros    every weight 0: all units of a layer stay identical (symmetry is never broken)
INITS = ("default", "xavier", "kaiming", "small", "zeros")
LOSSES = ("cross_entropy", "mse")


@dataclass(frozen=True)
class ModelConfig:
    hidden: tuple[int, ...] = (8, 8)  # widths of the hidden layers (0 to 6 of them)
    activation: str = "relu"
    batch_norm: bool = False
    dropout: float = 0.0
    init: str = "default"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(w) for w in self.hidden))
        if len(self.hidden) > MAX_DEPTH:
            raise ValueError(f"at most {MAX_DEPTH} hidden layers, got {len(self.hidden)}")
        for width in self.hidden:
            if not 1 <= width <= MAX_WIDTH:
                raise ValueError(f"layer widths must be between 1 and {MAX_WIDTH}, got {width}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of: {', '.join(ACTIVATIONS)}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout p must be in [0, 1), got {self.dropout}")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; choose one of: {', '.join(INITS)}")


def _initialize(layer: nn.Linear, init: str, activation: str) -> None:
    if init == "default":
        return
    with torch.no_grad():
        if init == "xavier":
            gain = nn.init.calculate_gain(activation if activation != "linear" else "linear")
            nn.init.xavier_uniform_(layer.weight, gain=gain)
        elif init == "kaiming":
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        elif init == "small":
            nn.init.normal_(layer.weight, 0.0, 0.01)
        else:
            nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)


def build_model(
    config: ModelConfig,
    input_dim: int,
    output_dim: int,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> nn.Sequential:
    """The MLP for ``config``; the same seed, the same initial weights (global RNG untouched)."""
    layers: list[nn.Module] = []
    linears: list[nn.Linear] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        width_in = input_dim
        for width in config.hidden:
            linear = nn.Linear(width_in, width)
            linears.append(linear)
            layers.append(linear)
            if config.batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(ACTIVATIONS[config.activation]())
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            width_in = width
        output = nn.Linear(width_in, output_dim)
        layers.append(output)
        for linear in linears:
            _initialize(linear, config.init, config.activation)
        if config.init != "default":
            _initialize(output, "xavier" if config.init != "zeros" else "zeros", "linear")
    return nn.Sequential(*layers).to(device=device, dtype=dtype)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def describe(config: ModelConfig, input_dim: int, output_dim: int) -> str:
    """``2-8-8-2 relu, BN, dropout 0.2``."""
    sizes = "-".join(str(n) for n in (input_dim, *config.hidden, output_dim))
    parts = [sizes, config.activation if config.hidden else "linear model"]
    if config.batch_norm and config.hidden:
        parts.append("BN")
    if config.dropout > 0 and config.hidden:
        parts.append(f"dropout {config.dropout:g}")
    return ", ".join(parts)


def loss_function(name: str, task: str, classes: int):
    """``(outputs, targets) -> scalar`` for ``name`` on ``task``.

    Targets are class labels (int64), class probabilities ((B, C) floats, from mixup) or values
    (regression). Classification with ``mse`` compares the softmax probabilities with one-hot
    targets (the notes' comparison: MSE's gradient vanishes where the softmax saturates).
    Raises ``ValueError`` for cross-entropy on a regression task.
    """
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    if task == "regression":
        if name != "mse":
            raise ValueError(
                "a regression task needs the loss 'mse' (cross-entropy is for classes)"
            )

        def regression(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
            return F.mse_loss(outputs[:, 0], targets)

        return regression
    if name == "cross_entropy":
        return F.cross_entropy  # accepts labels or probabilities

    def softmax_mse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if not targets.is_floating_point():
            targets = F.one_hot(targets, classes).to(outputs.dtype)
        return F.mse_loss(torch.softmax(outputs, dim=1), targets)

    return softmax_mse

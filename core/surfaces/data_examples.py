"""The examples behind a data surface: the datasets and the per-example loss.

:class:`Examples` holds a dataset (float64 numpy) and evaluates the mean loss of points in
parameter space over all or some examples, on any device and dtype, keeping the autograd graph;
:class:`ShiftedExamples` is the same examples with their loss moved in parameter space (the
train/test lessons' test set). The generators make each model's dataset from a seed, so a seed
gives the same data everywhere. :mod:`core.surfaces.data` builds the surfaces on them.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["Examples", "ShiftedExamples", "basin_data", "logistic_data", "regression_data"]

# The targets depend on the standardized features with these weights, so the normalized surface's
# minimum sits near them whatever the raw scales are.
_REGRESSION_WEIGHTS = (1.0, 1.0)
_LOGISTIC_WEIGHTS = (2.0, 1.0)
_BASIN_OFFSET = 0.035  # std of the examples' offsets per unit of noise
# Above this many (point, example) pairs the loss is evaluated in chunks of points.
_CHUNK_PAIRS = 1 << 21


# --------------------------------------------------------------------------------------------
# Examples: the dataset and the per-example loss
# --------------------------------------------------------------------------------------------


class Examples:
    """A dataset and its loss ``(points (P, 2), example indices) -> mean loss (P,)``.

    Holds float64 numpy arrays and caches torch copies per (device, dtype), so the loss works
    on any device and dtype and keeps the autograd graph of ``points``.
    """

    def __init__(self, model: str, loss: str, inputs: np.ndarray, targets: np.ndarray) -> None:
        self.model, self.loss_name = model, loss
        self.inputs, self.targets = inputs, targets  # (N, 2), (N,)
        self._tensors: dict[tuple[torch.device, torch.dtype], tuple[torch.Tensor, ...]] = {}
        for dtype in (torch.float64, torch.float32):  # made here, outside any torch.func transform
            self._on(torch.empty(0, dtype=dtype))
        self._base = None
        if model == "two_basins":
            from core.surfaces.library import builtin_surface

            self._base = builtin_surface("two_basins").fn

    def __len__(self) -> int:
        return len(self.targets)

    def _on(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        key = (like.device, like.dtype)
        cached = self._tensors.get(key)
        if cached is None:
            cached = (
                torch.as_tensor(self.inputs, dtype=like.dtype, device=like.device),
                torch.as_tensor(self.targets, dtype=like.dtype, device=like.device),
            )
            # Inside a torch.func transform new tensors are wrapped for that transform's level;
            # such a copy must not outlive it.
            if not any(map(torch._C._functorch.is_functorch_wrapped_tensor, cached)):
                self._tensors[key] = cached
        return cached

    def loss(self, points: torch.Tensor, indices: torch.Tensor | None = None) -> torch.Tensor:
        inputs, targets = self._on(points)
        if indices is not None:
            indices = torch.as_tensor(indices, dtype=torch.long, device=points.device)
            if indices.numel() == 0:
                raise ValueError("a minibatch needs at least one example (got an empty batch)")
            inputs, targets = inputs[indices], targets[indices]
        count = len(targets)
        if len(points) * count <= _CHUNK_PAIRS:
            return self._mean_loss(points, inputs, targets)
        size = max(1, _CHUNK_PAIRS // count)
        return torch.cat(
            [
                self._mean_loss(points[i : i + size], inputs, targets)
                for i in range(0, len(points), size)
            ]
        )

    def _mean_loss(self, points, inputs, targets) -> torch.Tensor:
        if self.model == "two_basins":
            moved = points[:, None, :] - inputs[None, :, :]  # (P, B, 2): each example's copy
            copies = self._base(moved.reshape(-1, 2)).reshape(len(points), -1)
            return (copies * targets).mean(dim=1)  # targets hold the examples' strengths
        outputs = points @ inputs.T  # (P, B): w · x for every point and example
        wanted = targets.expand_as(outputs)
        if self.model == "regression":
            return F.mse_loss(outputs, wanted, reduction="none").mean(dim=1)
        if self.loss_name == "cross_entropy":
            return F.binary_cross_entropy_with_logits(outputs, wanted, reduction="none").mean(dim=1)
        return F.mse_loss(torch.sigmoid(outputs), wanted, reduction="none").mean(dim=1)


class ShiftedExamples:
    """The same examples, their loss surface moved by ``shift`` in parameter space."""

    def __init__(self, examples: Examples | ShiftedExamples, shift: tuple[float, float]) -> None:
        self.examples, self.shift = examples, shift

    def __len__(self) -> int:
        return len(self.examples)

    def loss(self, points: torch.Tensor, indices: torch.Tensor | None = None) -> torch.Tensor:
        offset = torch.tensor(self.shift, dtype=points.dtype, device=points.device)
        return self.examples.loss(points - offset, indices)


# --------------------------------------------------------------------------------------------
# Dataset generators
# --------------------------------------------------------------------------------------------


def _features(rng: np.random.Generator, n: int, scales: tuple[float, float]) -> np.ndarray:
    """Independent standard normal features times ``scales``."""
    return rng.standard_normal((n, 2)) * np.asarray(scales)


def _standardize(inputs: np.ndarray) -> np.ndarray:
    """Mean 0 and standard deviation 1 per feature (a constant feature is only centred)."""
    std = inputs.std(axis=0)
    return (inputs - inputs.mean(axis=0)) / np.where(std > 0, std, 1.0)


def regression_data(n, seed, scales, normalize, noise) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = _features(rng, n, scales)
    z = inputs / np.asarray(scales)  # the features in standard units
    targets = z @ np.asarray(_REGRESSION_WEIGHTS) + noise * rng.standard_normal(n)
    return (_standardize(inputs) if normalize else inputs), targets


def logistic_data(n, seed, scales, normalize) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = _features(rng, n, scales)
    z = inputs / np.asarray(scales)
    # Labels drawn from a logistic model, so the classes overlap and the optimum is finite.
    chance = 1.0 / (1.0 + np.exp(-(z @ np.asarray(_LOGISTIC_WEIGHTS))))
    targets = (rng.random(n) < chance).astype(np.float64)
    return (_standardize(inputs) if normalize else inputs), targets


def basin_data(n, seed, noise) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (N, 2) with mean 0 and strengths (N,) with mean 1 and std about ``noise``."""
    rng = np.random.default_rng(seed)
    offsets = _BASIN_OFFSET * noise * rng.standard_normal((n, 2))
    offsets -= offsets.mean(axis=0)
    if noise == 0 or n == 1:
        return offsets, np.ones(n)
    # Gamma strengths: positive, mean 1, std `noise`; a few examples pull much harder than most.
    shape = 1.0 / noise**2
    strengths = rng.gamma(shape, 1.0 / shape, n)
    return offsets, strengths / strengths.mean()

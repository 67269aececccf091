r"""The gradient noise scale (McCandlish, Kaplan, Amodei et al., "An Empirical Model of
Large-Batch Training", 2018) and the cloud of minibatch gradients, from per-example gradients.

For a loss that is the mean of per-example losses, :math:`L = \frac1N \sum_i \ell_i`, the
per-example gradients :math:`g_i` (``torch.func``: ``vmap`` of ``grad`` over the examples;
``functional_call`` for a network) give

.. math::
    G = \frac1N \sum_i g_i, \qquad
    \Sigma = \frac1N \sum_i (g_i - G)(g_i - G)^\top, \qquad
    B_\text{simple} = \frac{\operatorname{tr} \Sigma}{|G|^2}.

:math:`\Sigma` is the covariance of one example's gradient over the data set (divided by
:math:`N`, the data set is the whole population). :math:`B_\text{simple}` is the batch size at
which a minibatch gradient's noise is as large as the gradient itself: far below it, doubling the
batch nearly halves the updates needed; far above it, a larger batch only wastes examples.

A minibatch of :math:`B` examples drawn **with replacement** has mean :math:`G` and covariance
:math:`\Sigma / B`; drawn **without replacement** (as training does: a shuffled epoch cut into
batches) the covariance is :math:`\frac{\Sigma}{B} \cdot \frac{N - B}{N - 1}` (the finite-population
correction: the full batch has no noise). :func:`minibatch_gradients` samples either way: the
cloud the Surface Lab draws around the full gradient.

Batch norm couples the examples of a batch, so a network's per-example gradients are taken in
eval mode (running statistics), as :mod:`core.nets.curvature` does; dropout is off too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

__all__ = [
    "NoiseRecord",
    "NoiseScale",
    "minibatch_covariance",
    "minibatch_gradients",
    "model_per_example_gradients",
    "network_noise_scale",
    "noise_scale",
    "surface_minibatch_gradients",
    "surface_noise_scale",
    "surface_per_example_gradients",
    "trainer_noise_record",
]

# Examples per vmap call: bounds the memory of a network's per-example gradients' graph.
_CHUNK = 4096


@dataclass(frozen=True)
class NoiseScale:
    """The noise scale of a set of per-example gradients (see the module docstring)."""

    b_simple: float  # tr(Sigma) / |G|^2 (inf where G = 0)
    trace_sigma: float  # tr(Sigma), the total variance of one example's gradient
    grad_norm_sq: float  # |G|^2
    examples: int  # N
    mean_gradient: np.ndarray  # G, (P,)


def noise_scale(per_example: torch.Tensor) -> NoiseScale:
    """:class:`NoiseScale` of per-example gradients ``(N, P)`` (or ``(N, ...)``, flattened)."""
    g = per_example.detach().reshape(len(per_example), -1).to(torch.float64)
    mean = g.mean(0)
    trace = float((g - mean).square().sum(1).mean())
    norm_sq = float(mean.square().sum())
    b_simple = trace / norm_sq if norm_sq > 0 else float("inf")
    return NoiseScale(b_simple, trace, norm_sq, len(g), mean.cpu().numpy())


# --- per-example gradients ------------------------------------------------------------------


def surface_per_example_gradients(surface, point: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """``(N, 2)``: the gradient of each example's loss of a data surface
    (:class:`core.surfaces.data.DataSurface`) at ``point``, in float64."""
    p = torch.as_tensor(point, dtype=torch.float64).reshape(2)

    def example_loss(w: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return surface.batch_loss(w[None], index.reshape(1))[0]

    indices = torch.arange(surface.n_examples)
    per_example = vmap(grad(example_loss), in_dims=(None, 0))
    return torch.cat([per_example(p, chunk) for chunk in indices.split(_CHUNK)])


def model_per_example_gradients(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
) -> torch.Tensor:
    """``(N, P)``: each example's gradient of ``loss_fn(model(x_i), y_i)`` with respect to the
    model's trainable parameters, flattened in ``model.parameters()`` order (eval mode, on a copy:
    the caller's model is untouched)."""
    frozen = copy.deepcopy(model).eval()
    names = [name for name, p in frozen.named_parameters() if p.requires_grad]
    params = {name: p.detach() for name, p in frozen.named_parameters() if p.requires_grad}
    buffers = dict(frozen.named_buffers())

    def example_loss(weights: dict, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        outputs = functional_call(frozen, (weights, buffers), (xi[None],))
        return loss_fn(outputs, yi[None])

    per_example = vmap(grad(example_loss), in_dims=(None, 0, 0))
    chunks = []
    for xs, ys in zip(x.split(_CHUNK), y.split(_CHUNK), strict=True):
        grads = per_example(params, xs, ys)
        chunks.append(torch.cat([grads[name].reshape(len(xs), -1) for name in names], 1))
    return torch.cat(chunks)


def surface_noise_scale(surface, point: Sequence[float] | torch.Tensor) -> NoiseScale:
    """The noise scale of a data surface at ``point``."""
    return noise_scale(surface_per_example_gradients(surface, point))


def network_noise_scale(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
) -> NoiseScale:
    """The noise scale of a network's training loss at its current weights (e.g. a trainer's
    ``model``, ``loss_fn``, ``x_train``, ``y_train``), measured live during training."""
    return noise_scale(model_per_example_gradients(model, loss_fn, x, y))


@dataclass(frozen=True)
class NoiseRecord:
    """A network training's noise scale after one epoch, beside the batch size it trains with
    (the Network Lab's "Noise scale" tab, recorded live while it shows)."""

    epoch: int
    b_simple: float
    batch_size: int  # the batch in use; the training set's size for full-batch training
    examples: int  # N, the training set's size
    run: str = ""


def trainer_noise_record(trainer, epoch: int) -> NoiseRecord:
    """:class:`NoiseRecord` of a :class:`core.nets.trainer.Trainer` at its current weights."""
    scale = network_noise_scale(trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    examples, size = len(trainer.x_train), trainer.config.batch_size
    batch = size if 0 < size < examples else examples
    return NoiseRecord(epoch, scale.b_simple, batch, examples, trainer.label)


# --- the cloud of minibatch gradients ----------------------------------------------------------


def minibatch_gradients(
    per_example: torch.Tensor,
    batch_size: int,
    count: int = 200,
    *,
    seed: int = 0,
    replacement: bool = False,
) -> torch.Tensor:
    """``(count, P)``: the gradients of ``count`` random minibatches of ``batch_size`` examples
    (each the mean of its examples' gradients, exactly a minibatch loss's gradient), drawn without
    replacement within a batch (as training draws them) unless ``replacement``; seeded."""
    n = len(per_example)
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in [1, {n}], got {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    if replacement:
        index = torch.randint(n, (count, batch_size), generator=generator)
    else:
        index = torch.rand(count, n, generator=generator).argsort(1)[:, :batch_size]
    flat = per_example.reshape(n, -1)
    return flat[index.to(flat.device)].mean(1)


def surface_minibatch_gradients(
    surface,
    point: Sequence[float] | torch.Tensor,
    batch_size: int,
    count: int = 200,
    *,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``(full gradient (2,), cloud (count, 2))`` of a data surface at ``point``: what the Surface
    Lab draws, the minibatch gradients of ``batch_size`` examples around the full gradient."""
    per_example = surface_per_example_gradients(surface, point)
    cloud = minibatch_gradients(per_example, batch_size, count, seed=seed)
    return per_example.mean(0).numpy(), cloud.numpy()


def minibatch_covariance(
    per_example: torch.Tensor, batch_size: int, *, replacement: bool = False
) -> torch.Tensor:
    """``(P, P)``: the exact covariance of a minibatch gradient, ``Sigma / B``, times
    ``(N - B) / (N - 1)`` without replacement (the module docstring)."""
    flat = per_example.reshape(len(per_example), -1).to(torch.float64)
    n = len(flat)
    centred = flat - flat.mean(0)
    sigma = centred.T @ centred / n
    factor = 1.0 if replacement or n == 1 else (n - batch_size) / (n - 1)
    return sigma / batch_size * factor

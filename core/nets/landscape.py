"""Slices of a network's loss landscape, for the Surface Lab's map and plots.

* :func:`interpolation_curve`: the loss along the straight line ``(1 - a) theta_A + a theta_B``
  between two weight vectors (initial and final weights, or a small-batch and a large-batch
  solution), ``a`` a little beyond [0, 1] on both sides (Goodfellow et al., 2015).
* :func:`slice_surface`: the loss on the plane ``theta + a d1 + b d2`` around the current weights,
  along two random *filter-normalized* directions (Li et al., 2018: each row of a weight matrix --
  one unit's incoming weights -- of a Gaussian direction is rescaled to the norm of the same row of
  the weights, so that the picture does not depend on the network's scale; biases and batch-norm
  parameters get direction 0). It is returned as a :class:`core.surfaces.Surface`, so
  ``core.surfaces.raster.rasterize`` samples it and the Surface Lab's map shows it.

Everything is evaluated in eval mode (dropout off, batch norm on running statistics) with
``torch.func.functional_call`` batched by ``torch.func.vmap`` over many weight vectors at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from core.nets.curvature import flat_loss
from core.surfaces.base import Surface

CHUNK = 256  # weight vectors evaluated in one vmap call (bounds memory)


def _batched_loss(model, loss_fn, x, y, dtype) -> tuple[Callable, torch.Tensor]:
    loss = flat_loss(model, loss_fn, x, y, dtype=dtype)
    batched = torch.func.vmap(loss.fn)

    def evaluate(thetas: torch.Tensor) -> torch.Tensor:
        out = [batched(chunk) for chunk in torch.split(thetas, CHUNK)]
        return torch.cat(out) if out else thetas.new_zeros(0)

    return evaluate, loss.theta0


def interpolation_curve(
    model: nn.Module,
    loss_fn: Callable,
    x: torch.Tensor,
    y: torch.Tensor,
    theta_a: torch.Tensor,
    theta_b: torch.Tensor,
    alphas: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(alphas, losses) along ``(1 - a) theta_a + a theta_b``; default ``a`` in [-0.5, 1.5]."""
    alphas = np.linspace(-0.5, 1.5, 81) if alphas is None else np.asarray(alphas, float)
    evaluate, _ = _batched_loss(model, loss_fn, x, y, torch.float32)
    a = torch.as_tensor(alphas, dtype=torch.float32)[:, None]
    thetas = (1 - a) * theta_a.to(torch.float32) + a * theta_b.to(torch.float32)
    with torch.no_grad():
        losses = evaluate(thetas)
    return alphas, losses.numpy().astype(float)


def filter_normalized_direction(model: nn.Module, seed: int = 0) -> torch.Tensor:
    """A random flat direction, each weight row scaled to the norm of the model's same row."""
    generator = torch.Generator().manual_seed(seed)
    parts = []
    for parameter in (p for p in model.parameters() if p.requires_grad):
        weights = parameter.detach().to("cpu", torch.float32)
        if weights.dim() < 2:
            parts.append(torch.zeros(weights.numel()))  # biases, batch-norm scale and shift
            continue
        direction = torch.randn(weights.shape, generator=generator)
        rows = weights.reshape(weights.shape[0], -1)
        drows = direction.reshape(direction.shape[0], -1)
        scale = rows.norm(dim=1, keepdim=True) / (drows.norm(dim=1, keepdim=True) + 1e-10)
        parts.append((drows * scale).reshape(-1))
    return torch.cat(parts)


def slice_surface(
    model: nn.Module,
    loss_fn: Callable,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    span: float = 1.0,
    seed: int = 0,
    directions: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Surface:
    """The loss on the plane ``theta + a d1 + b d2``, ``a, b`` in [-span, span], as a Surface.

    The current weights are the origin; no critical points are claimed (training may have
    stopped anywhere).
    """
    evaluate, theta0 = _batched_loss(model, loss_fn, x, y, torch.float32)
    if directions is None:
        directions = (
            filter_normalized_direction(model, seed),
            filter_normalized_direction(model, seed + 1),
        )
    d1, d2 = (d.to(torch.float32) for d in directions)

    def fn(points: torch.Tensor) -> torch.Tensor:
        p = points.to(torch.float32)
        thetas = theta0 + p[:, :1] * d1 + p[:, 1:2] * d2
        return evaluate(thetas).to(points.dtype)

    return Surface(
        name="network_slice",
        fn=fn,
        x_range=(-span, span),
        y_range=(-span, span),
        title={"en": "Loss around the current weights", "zh": "当前权重附近的损失"},
        note={
            "en": "A 2D slice of the network's loss along two random filter-normalized directions.",
            "zh": "沿两个随机的、按滤波器归一化的方向截取的网络损失二维切片。",
        },
    )

r"""Sharpness for the edge of stability (Cohen, Kaur, Li, Kolter and Talwalkar, ICLR 2021;
Cohen et al., "Adaptive Gradient Methods at the Edge of Stability", 2022).

**Sharpness** is the largest eigenvalue :math:`\lambda_\max` of the Hessian of the training loss
(the full training set) at the network's current weights. Gradient descent with learning rate
:math:`\eta` on a quadratic converges exactly when :math:`\lambda_\max < 2/\eta`; on a network,
full-batch GD first sharpens (:math:`\lambda_\max` rises: progressive sharpening) until it reaches
:math:`2/\eta`, then hovers there while the loss keeps falling, not monotonically (the edge of
stability). With heavy-ball momentum :math:`\beta` (torch's SGD: ``b <- beta b + g``,
``w <- w - eta b``) the quadratic's threshold is :math:`(2 + 2\beta)/\eta`.

**Preconditioned sharpness (Adam).** Adam steps :math:`w \leftarrow w - \eta\,\hat m / D` with
:math:`D = \operatorname{diag}(\sqrt{\hat v} + \epsilon)`, :math:`\hat v` the bias-corrected
second moment (``exp_avg_sq / (1 - beta2^t)``, ``max_exp_avg_sq`` with amsgrad; read through
:func:`core.optim.state.read_state`). The quantity reported is

.. math::
    \lambda_\max\!\left(D^{-1/2} H D^{-1/2}\right) \quad (= \lambda_\max(D^{-1} H)),

compared with the threshold :math:`\frac{2 + 2\beta_1}{(1 - \beta_1)\,\eta}` (38/η at
:math:`\beta_1 = 0.9`). Cohen et al. 2022 write the preconditioner as
:math:`P_t = (1 - \beta_1^t)\, D / \eta` and the threshold on :math:`\lambda_\max(P_t^{-1} H)`
as :math:`(2 + 2\beta_1)/(1 - \beta_1)`; theirs is ours times :math:`\eta / (1 - \beta_1^t)`, so
the two agree once :math:`\beta_1^t` is negligible (after about 50 steps at 0.9); the early steps'
factor is left out here on purpose (one fixed line to draw).

**How.** Up to ``EXACT_LIMIT`` (2,000) parameters the full Hessian
(:func:`core.nets.curvature.full_hessian`) and ``eigvalsh``; beyond, Lanczos on Hessian-vector
products (:func:`core.nets.curvature.extreme_eigenvalues`). Like :mod:`core.nets.curvature`, the
loss is evaluated on a float64 copy in eval mode (dropout off, batch norm on running statistics),
so for a network with neither it is exactly the loss full-batch GD descends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.nets.curvature import (
    EXACT_LIMIT,
    extreme_eigenvalues,
    flat_loss,
    full_hessian,
    hvp_operator,
)
from core.optim import read_state

__all__ = [
    "EdgeRecord",
    "SharpnessReading",
    "adam_preconditioner",
    "edge_of_stability",
    "measure",
    "sharpness",
    "stability_threshold",
]

_ADAM_FAMILY = (torch.optim.Adam, torch.optim.AdamW)


def sharpness(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    preconditioner: torch.Tensor | None = None,
    exact_limit: int = EXACT_LIMIT,
    dtype: torch.dtype = torch.float64,
    seed: int = 0,
) -> tuple[float, str]:
    """``(largest eigenvalue, "exact" or "lanczos")`` of the Hessian of ``loss_fn(model(x), y)``
    at the model's weights, or of ``D^{-1/2} H D^{-1/2}`` for a flat ``preconditioner`` ``D``
    (positive, one entry per trainable parameter in ``model.parameters()`` order)."""
    loss = flat_loss(model, loss_fn, x, y, dtype=dtype)
    dim = loss.theta0.numel()
    scale = None
    if preconditioner is not None:
        scale = preconditioner.detach().reshape(-1).to(dtype).rsqrt()
        if scale.numel() != dim:
            raise ValueError(f"the preconditioner has {scale.numel()} entries for {dim} weights")
    if dim <= exact_limit:
        hessian = full_hessian(loss)
        if scale is not None:
            hessian = scale[:, None] * hessian * scale[None, :]
        return float(torch.linalg.eigvalsh(hessian.double())[-1]), "exact"
    matvec, _, _ = hvp_operator(loss)
    if scale is not None:
        plain = matvec

        def matvec(v: torch.Tensor) -> torch.Tensor:
            return scale * plain(scale * v)

    top, _ = extreme_eigenvalues(matvec, dim, k=1, seed=seed)
    return float(top[0]), "lanczos"


def adam_preconditioner(
    optimizer: torch.optim.Optimizer, params: list[torch.Tensor]
) -> torch.Tensor | None:
    """Adam's ``D = sqrt(v_hat) + eps`` flattened over ``params`` (None before the first step)."""
    parts = []
    for p in params:
        zero = torch.zeros_like(p)
        state = read_state(optimizer, p, zero, zero)
        if "second_moment" not in state:
            return None
        eps = _group(optimizer, p).get("eps", 0.0)
        parts.append((state["second_moment"].sqrt() + eps).reshape(-1))
    return torch.cat(parts)


def _group(optimizer: torch.optim.Optimizer, p: torch.Tensor) -> dict:
    return next(g for g in optimizer.param_groups if any(q is p for q in g["params"]))


def _base(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    base = getattr(optimizer, "base_optimizer", None)  # SAM: its base decides the dynamics
    return base if isinstance(base, torch.optim.Optimizer) else optimizer


def stability_threshold(optimizer: torch.optim.Optimizer) -> tuple[float, bool]:
    """``(threshold, preconditioned)`` for the optimizer's current lr (first param group):
    SGD ``(2 + 2 momentum) / lr`` on the sharpness; Adam/AdamW ``(2 + 2 beta1) / ((1 - beta1)
    lr)`` on the preconditioned sharpness; NaN for the others (no such line)."""
    base = _base(optimizer)
    group = base.param_groups[0]
    lr = float(group["lr"])
    if lr <= 0:
        return math.inf, False
    if isinstance(base, _ADAM_FAMILY) or type(base).__name__ == "LectureAdam":
        beta1 = float(group["betas"][0])
        return (2 + 2 * beta1) / ((1 - beta1) * lr), True
    if isinstance(base, torch.optim.SGD):
        return (2 + 2 * float(group["momentum"])) / lr, False
    return math.nan, False


@dataclass(frozen=True)
class EdgeRecord:
    """One epoch of :func:`edge_of_stability`."""

    epoch: int
    train_loss: float
    sharpness: float  # the Hessian's largest eigenvalue
    preconditioned: float  # Adam: lambda_max(D^-1/2 H D^-1/2); NaN otherwise / before a step
    threshold: float  # 2/lr (SGD, with momentum (2+2b)/lr) or 38/lr (Adam, beta1 0.9); NaN else
    method: str  # "exact" or "lanczos"

    @property
    def shown(self) -> float:
        """The quantity to draw against ``threshold``: preconditioned for Adam, else plain."""
        return self.preconditioned if not math.isnan(self.preconditioned) else self.sharpness


@dataclass(frozen=True)
class SharpnessReading:
    """What :func:`measure` reads at a trainer's current weights."""

    sharpness: float  # the Hessian's largest eigenvalue
    preconditioned: float  # Adam: lambda_max(D^-1/2 H D^-1/2); NaN otherwise / before a step
    threshold: float  # stability_threshold's line for the quantity shown; NaN when none
    method: str  # "exact" or "lanczos"
    eigenvalues: np.ndarray | None  # the whole spectrum, ascending (exact and asked for only)


def measure(
    trainer, *, spectrum: bool = False, exact_limit: int = EXACT_LIMIT, seed: int = 0
) -> SharpnessReading:
    """Sharpness, Adam's preconditioned sharpness and (``spectrum``, exact only) every eigenvalue
    of the Hessian of ``trainer``'s full training loss; an exact Hessian is computed once for all
    three."""
    args = (trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    threshold, wants_preconditioned = stability_threshold(trainer.optimizer)
    d = None
    if wants_preconditioned:
        d = adam_preconditioner(_base(trainer.optimizer), trainer.parameters)
    loss = flat_loss(*args)
    if loss.theta0.numel() > exact_limit:
        top, method = sharpness(*args, exact_limit=exact_limit, seed=seed)
        preconditioned = math.nan
        if d is not None:
            preconditioned, _ = sharpness(
                *args, preconditioner=d, exact_limit=exact_limit, seed=seed
            )
        return SharpnessReading(top, preconditioned, threshold, method, None)
    hessian = full_hessian(loss).double()
    eigenvalues = torch.linalg.eigvalsh(hessian)
    preconditioned = math.nan
    if d is not None:
        scale = d.detach().reshape(-1).double().rsqrt()
        scaled = scale[:, None] * hessian * scale[None, :]
        preconditioned = float(torch.linalg.eigvalsh(scaled)[-1])
    kept = eigenvalues.numpy().copy() if spectrum else None
    return SharpnessReading(float(eigenvalues[-1]), preconditioned, threshold, "exact", kept)


def edge_of_stability(trainer, *, every: int = 1, seed: int = 0) -> Iterator[EdgeRecord]:
    """Train ``trainer`` (a :class:`core.nets.trainer.Trainer`; full batch for the edge of
    stability: ``batch_size`` 0) and yield the sharpness after epoch 0 and every ``every``-th
    epoch (and the last), measured on the whole training set."""
    from core.nets.trainer import EpochRecord

    for record in trainer.records():
        if not isinstance(record, EpochRecord):
            continue
        if record.epoch % every and not trainer.finished:
            continue
        if not np.isfinite(record.train_loss):
            return
        reading = measure(trainer, seed=seed)
        yield EdgeRecord(
            record.epoch,
            record.train_loss,
            reading.sharpness,
            reading.preconditioned,
            reading.threshold,
            reading.method,
        )

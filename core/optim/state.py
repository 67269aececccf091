"""Every optimizer's internal state in one vocabulary, so views can show it uniformly.

``read_state(optimizer, param, grad, update)`` returns, for ``param`` after a step, tensors of
``param``'s shape (detached copies) under these keys; a key is absent when the optimizer has no
such quantity (or has not taken a step yet):

=================  ========================================================================
key                meaning and source
=================  ========================================================================
``grad``           the gradient used in the step (passed in by the caller)
``velocity``       the momentum term in *gradient* convention (points uphill, like ``grad``):
                   SGD ``momentum_buffer`` (momentum > 0); Adam/AdamW/LectureAdam
                   ``exp_avg`` (raw, not bias-corrected); RMSprop ``momentum_buffer``
                   (momentum > 0; it accumulates ``g / sigma``, not ``g``); EmaMomentum
                   ``velocity``; LectureMomentum ``-movement / lr``
``second_moment``  sigma^2, the squared scale the step divides by: Adagrad ``sum``;
                   RMSprop ``square_avg`` (centered: ``square_avg - grad_avg^2``); Adam
                   ``exp_avg_sq`` (``max_exp_avg_sq`` with amsgrad) divided by
                   ``1 - beta2^t`` when the optimizer applies bias correction; RMS
                   ``sum_sq / (t+1)``
``effective_lr``   the per-parameter step size eta / sigma: ``lr / (sqrt(second_moment) + eps)``
                   for adaptive optimizers (Adagrad: ``clr = lr / (1 + (step-1) lr_decay)``
                   instead of ``lr``), ``lr`` broadcast to the shape for the others; absent
                   for LBFGS, Newton and optimizers this module does not know
``update``         ``theta_new - theta_old`` (passed in by the caller)
``ascent``         SAM only (``core.optim.sam``): the ascent step ``rho g / ||g||`` of the last
                   step, from the point the step started at (``theta_old + ascent`` is where
                   SAM took its second gradient); the other keys are its base optimizer's
=================  ========================================================================

``lr`` is always the param group's current value, the one learning-rate schedules change.
For Adam the step is ``update = -effective_lr * velocity / (1 - beta1^t)`` (no weight decay).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

STATE_KEYS = ("grad", "velocity", "second_moment", "effective_lr", "update")


def _group_of(optimizer: torch.optim.Optimizer, param: torch.Tensor) -> dict:
    for group in optimizer.param_groups:
        if any(p is param for p in group["params"]):
            return group
    raise ValueError("param is not optimized by this optimizer")


def _copy(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone()


# A state reader: (the param's optimizer state, its param group, the group's lr) ->
# (velocity, second_moment, scale); scale is the numerator of effective_lr (None where
# effective_lr is undefined). Each registry entry (core.optim.registry) names its reader.
StateReader = Callable[[dict, dict, float], tuple[Tensor | None, Tensor | None, float | None]]


def _stepped(state: dict) -> bool:
    return float(state.get("step", 0)) > 0  # Adagrad allocates its state before any step


def read_sgd(state: dict, group: dict, lr: float) -> tuple:
    return state.get("momentum_buffer"), None, lr


def read_ema_momentum(state: dict, group: dict, lr: float) -> tuple:
    return state.get("velocity"), None, lr


def read_lecture_momentum(state: dict, group: dict, lr: float) -> tuple:
    velocity = -state["movement"] / lr if "movement" in state and lr > 0 else None
    return velocity, None, lr


def read_adam(state: dict, group: dict, lr: float) -> tuple:
    """Adam, AdamW and LectureAdam."""
    if not _stepped(state):
        return state.get("exp_avg"), None, None
    second_moment = state["max_exp_avg_sq" if group["amsgrad"] else "exp_avg_sq"]
    if group.get("bias_correction", True):
        second_moment = second_moment / (1 - group["betas"][1] ** float(state["step"]))
    return state.get("exp_avg"), second_moment, lr


def read_adagrad(state: dict, group: dict, lr: float) -> tuple:
    if not _stepped(state):
        return None, None, None
    return None, state["sum"], lr / (1 + (float(state["step"]) - 1) * group["lr_decay"])


def read_rmsprop(state: dict, group: dict, lr: float) -> tuple:
    velocity = state.get("momentum_buffer") if group["momentum"] > 0 else None
    if not _stepped(state):
        return velocity, None, None
    second_moment = state["square_avg"]
    if group["centered"]:
        second_moment = second_moment - state["grad_avg"] ** 2
    return velocity, second_moment, lr


def read_rms(state: dict, group: dict, lr: float) -> tuple:
    if not _stepped(state):
        return None, None, None
    return None, state["sum_sq"] / state["step"], lr


def read_state(
    optimizer: torch.optim.Optimizer,
    param: torch.Tensor,
    grad: torch.Tensor,
    update: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The state of ``param`` after a step in LossLab's vocabulary (see the module docstring).

    The optimizer's registry entry (``core.optim.registry``) names the reader of its state."""
    from core.optim.registry import entry_for

    base = getattr(optimizer, "base_optimizer", None)
    if isinstance(base, torch.optim.Optimizer):  # a wrapper (SAM): its base's state and its own
        out = read_state(base, param, grad, update)
        ascent = optimizer.state.get(param, {}).get("ascent")
        if ascent is not None:
            out["ascent"] = _copy(ascent)
        return out
    group = _group_of(optimizer, param)
    state = optimizer.state.get(param, {})
    lr = float(group["lr"])
    out: dict[str, torch.Tensor] = {"grad": _copy(grad)}
    eps = group.get("eps", 0.0)
    entry = entry_for(optimizer)
    reader = None if entry is None else entry.state_reader
    velocity = second_moment = scale = None
    if reader is not None:
        velocity, second_moment, scale = reader(state, group, lr)

    if velocity is not None:
        out["velocity"] = _copy(velocity)
    if second_moment is not None:
        out["second_moment"] = _copy(second_moment)
        out["effective_lr"] = scale / (second_moment.detach().sqrt() + eps)
    elif scale is not None:
        out["effective_lr"] = torch.full_like(param, scale).detach()
    out["update"] = _copy(update)
    return out

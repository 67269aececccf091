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
=================  ========================================================================

``lr`` is always the param group's current value, the one learning-rate schedules change.
For Adam the step is ``update = -effective_lr * velocity / (1 - beta1^t)`` (no weight decay).
"""

from __future__ import annotations

import torch

from core.optim.lecture import RMS, EmaMomentum, LectureAdam, LectureMomentum

STATE_KEYS = ("grad", "velocity", "second_moment", "effective_lr", "update")


def _group_of(optimizer: torch.optim.Optimizer, param: torch.Tensor) -> dict:
    for group in optimizer.param_groups:
        if any(p is param for p in group["params"]):
            return group
    raise ValueError("param is not optimized by this optimizer")


def _copy(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone()


def read_state(
    optimizer: torch.optim.Optimizer,
    param: torch.Tensor,
    grad: torch.Tensor,
    update: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The state of ``param`` after a step in LossLab's vocabulary (see the module docstring)."""
    group = _group_of(optimizer, param)
    state = optimizer.state.get(param, {})
    lr = float(group["lr"])
    out: dict[str, torch.Tensor] = {"grad": _copy(grad)}
    velocity = second_moment = None
    scale = None  # the numerator of effective_lr; stays None where effective_lr is undefined
    eps = group.get("eps", 0.0)
    stepped = float(state.get("step", 0)) > 0  # Adagrad allocates its state before any step

    if isinstance(optimizer, torch.optim.SGD):
        velocity, scale = state.get("momentum_buffer"), lr
    elif isinstance(optimizer, EmaMomentum):
        velocity, scale = state.get("velocity"), lr
    elif isinstance(optimizer, LectureMomentum):
        scale = lr
        if "movement" in state and lr > 0:
            velocity = -state["movement"] / lr
    elif isinstance(optimizer, torch.optim.Adam | LectureAdam):  # AdamW is an Adam
        velocity = state.get("exp_avg")
        if stepped:
            scale = lr
            second_moment = state["max_exp_avg_sq" if group["amsgrad"] else "exp_avg_sq"]
            if group.get("bias_correction", True):
                second_moment = second_moment / (1 - group["betas"][1] ** float(state["step"]))
    elif isinstance(optimizer, torch.optim.Adagrad):
        if stepped:
            second_moment = state["sum"]
            scale = lr / (1 + (float(state["step"]) - 1) * group["lr_decay"])
    elif isinstance(optimizer, torch.optim.RMSprop):
        if group["momentum"] > 0:
            velocity = state.get("momentum_buffer")
        if stepped:
            scale, second_moment = lr, state["square_avg"]
            if group["centered"]:
                second_moment = second_moment - state["grad_avg"] ** 2
    elif isinstance(optimizer, RMS) and stepped:
        scale, second_moment = lr, state["sum_sq"] / state["step"]

    if velocity is not None:
        out["velocity"] = _copy(velocity)
    if second_moment is not None:
        out["second_moment"] = _copy(second_moment)
        out["effective_lr"] = scale / (second_moment.detach().sqrt() + eps)
    elif scale is not None:
        out["effective_lr"] = torch.full_like(param, scale).detach()
    out["update"] = _copy(update)
    return out

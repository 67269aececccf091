r"""Gradient descent's stability limit: the largest learning rate that does not diverge.

On a quadratic with Hessian :math:`H`, gradient descent multiplies the distance to the minimum
along the eigenvector of eigenvalue :math:`\lambda` by :math:`1 - \eta\lambda` every step, so it
converges exactly when :math:`|1 - \eta\lambda| < 1` for every eigenvalue, i.e. for

.. math:: \eta < 2 / \lambda_{\max}.

Torch's heavy-ball momentum (``b <- beta b + (1 - dampening) g``, ``w <- w - eta b``) turns
each direction into a two-term recurrence whose characteristic polynomial
:math:`z^2 - (1 + \beta - \eta (1 - d) \lambda) z + \beta` has both roots inside the unit circle
exactly when :math:`\eta (1 - d) \lambda < 2 + 2\beta`; Nesterov's form (``g + beta b``) when
:math:`\eta \lambda < (2 + 2\beta) / (1 + 2\beta)`. Weight decay adds itself to every eigenvalue.
On any other surface the same numbers, with the Hessian at a point, are the *local* limit
there: where the run starts, the steepest direction bounces back and forth once the learning
rate passes it.

:func:`lr_limit` is the formula; :func:`optimizer_lr_limit` reads an optimizer's data (the run
editor's, a scene's); :func:`curvature_limit_at` takes :math:`\lambda_{\max}` from the exact 2x2
Hessian at a point (:func:`core.curvature.curvature_at`, the Hessian panel's) and says whether
the surface is a quadratic there (the same Hessian everywhere: the limit holds globally).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.curvature import LossFn, curvature_at
from core.surfaces.base import Surface

__all__ = [
    "LIMITED_OPTIMIZERS",
    "LocalCurvature",
    "StabilityLimit",
    "curvature_limit_at",
    "lr_limit",
    "optimizer_lr_limit",
]

#: The optimizers whose step is a fixed multiple of the gradient (plus momentum): the only ones
#: with a learning-rate limit set by the curvature alone. SAM counts with an SGD base (its step
#: is SGD's with the gradient of a nearby point; the limit is that of the SGD inside).
LIMITED_OPTIMIZERS = ("sgd", "lecture_momentum", "ema_momentum", "sam")


@dataclass(frozen=True)
class StabilityLimit:
    """The largest stable learning rate ``lr`` (``inf``: none, e.g. no positive curvature) and
    its ``formula`` in plain text ("2/λmax", "(2+2β)/λmax", ...)."""

    lr: float
    formula: str

    def exceeded_by(self, lr: float) -> bool:
        """Whether ``lr`` is past the limit (a run with it diverges on a quadratic)."""
        return math.isfinite(self.lr) and lr > self.lr


def lr_limit(
    lambda_max: float,
    momentum: float = 0.0,
    *,
    nesterov: bool = False,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
) -> float:
    """The largest stable learning rate of (torch's) SGD for top Hessian eigenvalue
    ``lambda_max``: ``2/λ``, ``(2+2β)/((1-d)λ)`` with momentum ``β`` and dampening ``d``,
    ``(2+2β)/((1+2β)λ)`` with Nesterov; ``λ`` includes ``weight_decay``. ``inf`` where nothing
    bounds it (``λ <= 0``: no direction curves up; full dampening: the gradient is never added).
    """
    curvature = float(lambda_max) + float(weight_decay)
    if not math.isfinite(curvature):
        return float("nan")
    beta = float(momentum)
    # Where a root of the recurrence reaches -1: eta * gain * lambda = 2 + 2 beta. Nesterov's
    # g + beta b weighs the gradient (1 + 2 beta) there; dampening keeps (1 - d) of it.
    gain = 1.0 + 2.0 * beta if nesterov else (1.0 - float(dampening) if beta > 0 else 1.0)
    if curvature <= 0 or gain <= 0:
        return float("inf")
    return (2.0 + 2.0 * beta) / (gain * curvature)


def _formula(momentum: float, nesterov: bool, dampening: float) -> str:
    if momentum <= 0:
        return "2/λmax"
    if nesterov:
        return "(2+2β)/((1+2β)λmax)"
    if dampening > 0:
        return "(2+2β)/((1−d)λmax)"
    return "(2+2β)/λmax"


def optimizer_lr_limit(lambda_max: float, optimizer: Mapping[str, Any]) -> StabilityLimit | None:
    """The stability limit of ``optimizer`` (``{"name": ..., **hyper}``, a scene's or the run
    editor's data) at curvature ``lambda_max``; ``None`` for an optimizer without one (adaptive
    step sizes, L-BFGS, Newton, SAM around Adam)."""
    name = optimizer.get("name")
    if name not in LIMITED_OPTIMIZERS or (name == "sam" and optimizer.get("base", "sgd") != "sgd"):
        return None
    if name == "ema_momentum":
        # v <- βv + (1-β)g is torch's SGD with lr (1-β)η: the limit on η is 1/(1-β) larger.
        beta = float(optimizer.get("beta", 0.9))
        limit = lr_limit(lambda_max, beta) / (1.0 - beta)
        return StabilityLimit(limit, "(2+2β)/((1−β)λmax)")
    momentum = float(optimizer.get("momentum", 0.0) or 0.0)
    nesterov = bool(optimizer.get("nesterov", False))
    dampening = float(optimizer.get("dampening", 0.0) or 0.0)
    weight_decay = float(optimizer.get("weight_decay", 0.0) or 0.0)
    limit = lr_limit(
        lambda_max, momentum, nesterov=nesterov, dampening=dampening, weight_decay=weight_decay
    )
    formula = _formula(momentum, nesterov, dampening)
    if weight_decay > 0:  # the decay adds itself to every eigenvalue
        formula = formula.replace("λmax", "(λmax+wd)")
    return StabilityLimit(limit, formula)


@dataclass(frozen=True)
class LocalCurvature:
    """The Hessian's largest eigenvalue at ``point`` and whether the surface is a quadratic
    around it (``quadratic``: the Hessian is the same at points around it, so the limit holds
    for the whole run, not only at its start)."""

    point: tuple[float, float]
    lambda_max: float
    quadratic: bool


# Where the Hessian is compared to the start's: these fractions of the view's size away.
_PROBES = np.array([[0.17, 0.0], [0.0, 0.23], [-0.31, -0.13], [0.29, -0.37]])


def curvature_limit_at(
    surface: Surface | LossFn, point: tuple[float, float] | np.ndarray
) -> LocalCurvature:
    """λmax of the exact Hessian at ``point`` (the Hessian panel's :func:`curvature_at`) and
    whether the surface is quadratic there (its Hessian equal at probes around the point)."""
    x, y = (float(v) for v in np.asarray(point, dtype=float).reshape(2))
    ranges = (getattr(surface, "x_range", (-1.0, 1.0)), getattr(surface, "y_range", (-1.0, 1.0)))
    size = np.array([hi - lo for lo, hi in ranges], dtype=float)
    probes = np.vstack([[x, y], np.array([x, y]) + _PROBES * size])
    here = curvature_at(surface, probes)
    lambda_max = float(here.eigenvalues[0, 1])
    hessians = here.hessian
    scale = max(float(np.abs(hessians[0]).max()), 1e-12)
    quadratic = bool(
        np.all(np.isfinite(hessians)) and np.abs(hessians - hessians[0]).max() <= 1e-7 * scale
    )
    return LocalCurvature((x, y), lambda_max, quadratic)

r"""Sharpness-aware minimization (SAM; Foret, Kleiner, Mobahi and Neyshabur, ICLR 2021).

SAM minimizes the worst loss in a ball of radius :math:`\rho` around the weights,
:math:`\max_{\|\epsilon\| \le \rho} L(w + \epsilon)`, to first order: it climbs to the ascent
point :math:`w + \hat\epsilon` and descends with the gradient found there. A minimum whose
neighbourhood is high (a sharp one) keeps a large gradient at the ascent point and is left; a
flat one is not. Each step costs two forward-backward passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.optim import Optimizer

Closure = Callable[[], torch.Tensor]
BaseFactory = Callable[..., Optimizer]


class SAM(Optimizer):
    r"""SAM as a wrapper around a base optimizer (``torch.optim.SGD`` unless told otherwise).

    .. code-block:: text

        input: closure (clears the gradients, computes the loss L, calls backward, returns L),
               radius rho, base optimizer (lr and its other hyper-parameters)
        g <- grad L(w)                                   (first forward-backward pass)
        for each parameter group:
            e <- rho * g / ||g||_2        (norm over the group's parameters; e = 0 when g = 0)
            w <- w + e                                   (the ascent point)
        g_sam <- grad L(w + e)                           (second forward-backward pass)
        w <- w - e                                       (back: w is restored exactly, a copy)
        base optimizer step with g_sam in p.grad         (SGD: w <- w - lr * g_sam)
        return L(w)                                      (the loss before the step)

    The norm is taken per parameter group, so with one group (the usual case) it is the paper's
    norm over all weights. ``rho = 0`` is the base optimizer exactly (the ascent is zero; the
    second pass sees the same weights). The base optimizer shares SAM's ``param_groups``, so a
    learning-rate scheduler on SAM changes the base's ``lr``.

    State (``optimizer.state[p]``, for drawing the ascent): ``ascent`` (:math:`\hat\epsilon`,
    shape of ``p``) and ``ascent_point`` (:math:`w + \hat\epsilon`, where the second gradient was
    taken), both from the last step. The base optimizer's own state (momentum buffer, Adam's
    moments) is in ``optimizer.base_optimizer.state[p]``; ``core.optim.state.read_state`` reports
    it together with ``ascent``.

    ``state_dict()`` holds SAM's own state and groups; the base's moments are in
    ``base_optimizer.state_dict()`` (save both to resume a run).

    ``base_optimizer``: a ``torch.optim.Optimizer`` class (or any ``(param_groups, **hyper)``
    factory); ``lr`` (``None``: the base's default) and ``base_hyper`` go to it.
    """

    def __init__(
        self,
        params,
        lr: float | None = None,
        rho: float = 0.05,
        base_optimizer: BaseFactory = torch.optim.SGD,
        **base_hyper: Any,
    ) -> None:
        if not rho >= 0.0:
            raise ValueError(f"invalid rho (the SAM radius): {rho}")
        if lr is not None:
            base_hyper["lr"] = lr
        super().__init__(params, {"rho": rho})
        self.base_optimizer = base_optimizer(self.param_groups, **base_hyper)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    def _evaluate(self, closure: Closure) -> torch.Tensor:
        self.zero_grad(set_to_none=True)
        with torch.enable_grad():
            return closure()

    @torch.no_grad()
    def ascend(self) -> None:
        """Move every parameter to its ascent point ``w + rho g / ||g||`` (``p.grad`` = ``g``)."""
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            norm = torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(p.grad) for p in params])
            )
            scale = torch.where(norm > 0, group["rho"] / norm, torch.zeros_like(norm))
            for p in params:
                state = self.state[p]
                state["origin"] = p.detach().clone()
                ascent = state["ascent"] = p.grad * scale.to(p.grad.dtype)
                p.add_(ascent)
                state["ascent_point"] = p.detach().clone()

    @torch.no_grad()
    def descend(self) -> None:
        """Put every parameter back at ``w`` and let the base optimizer step with ``p.grad``."""
        for group in self.param_groups:
            for p in group["params"]:
                origin = self.state[p].pop("origin", None)
                if origin is not None:
                    p.copy_(origin)
        self.base_optimizer.step()

    def step(self, closure: Closure | None = None) -> torch.Tensor:  # type: ignore[override]
        """One SAM step; ``closure`` is required (it is called twice)."""
        if closure is None:
            raise RuntimeError(
                "SAM.step() needs a closure that clears the gradients, computes the loss, calls "
                "backward() and returns the loss: it evaluates the gradient twice per step"
            )
        loss = self._evaluate(closure)
        self.ascend()
        self._evaluate(closure)
        self.descend()
        return loss.detach() if isinstance(loss, torch.Tensor) else loss

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self.base_optimizer.param_groups = self.param_groups


def ascent_segment(positions: np.ndarray, ascent: np.ndarray, step: int) -> np.ndarray | None:
    """The ascent SAM takes from the point of ``step``, as a segment ``[[w], [w + e]]`` ``(2, 2)``.

    ``positions`` ``(T, 2)`` and ``ascent`` ``(T, 2)`` are one point's recorded rows (the
    engine's: row ``t`` of ``ascent`` belongs to the update into step ``t``, so the ascent from
    step ``step`` is row ``step + 1``). ``None`` where that step is not recorded (yet: the last
    point of a run has no next step) or is not finite.
    """
    following = step + 1
    if step < 0 or following >= min(len(positions), len(ascent)):
        return None
    start = np.asarray(positions[step], dtype=float)
    end = start + np.asarray(ascent[following], dtype=float)
    segment = np.stack([start, end])
    return segment if np.all(np.isfinite(segment)) else None

"""The learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks",
2017; fastai's ``lr_find``): a short training run on a **copy** of the network whose learning rate
grows exponentially every update, recording the loss against the learning rate.

The procedure, as fastai does it:

* ``steps`` updates (default 100) with the run's optimizer (``core.optim.build_optimizer``, its
  other hyper-parameters as given), the learning rate of update ``i`` being
  ``start_lr * (end_lr / start_lr) ** (i / (steps - 1))`` (default 1e-7 .. 10), set on every
  parameter group; each update takes the next minibatch (seeded shuffles of the training set;
  batch size 0: the full batch);
* the recorded loss of update ``i`` is the minibatch loss the update's gradient came from; the
  smoothed loss is its exponential moving average with weight ``beta`` (0.98), bias-corrected
  (``avg_i / (1 - beta^(i+1))``) so the first values are not pulled towards 0;
* the test stops early when the smoothed loss exceeds ``DIVERGE_FACTOR`` (4) times its minimum so
  far, or the loss stops being finite.

Two suggestions are computed, both from the smoothed curve (:class:`RangeTest`):

* ``"steepest"`` (**the default** that ``suggestion`` returns and the lab applies): the learning
  rate where the smoothed loss falls fastest against ``log(lr)`` (the most negative slope), looked
  for only before the minimum (where the curve is falling) and after the first tenth of the
  sweep (the EMA's start-up);
* ``"min/10"``: the learning rate of the smoothed minimum divided by 10 (the minimum itself is
  already at the edge of instability).

The caller's model is never touched: the test trains a deep copy. :func:`range_test_points`
yields the sweep one :class:`RangePoint` at a time (a window draws the curve as it comes) and
:func:`range_test_of` turns the points into the :class:`RangeTest`; :func:`lr_range_test` does
both. L-BFGS is refused (:func:`range_test_problem`): its update is a line search, not one step
of size ``lr``, so a loss against ``lr`` says nothing about the rate to train with.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.optim import build_optimizer, needs_closure

START_LR = 1e-7
END_LR = 10.0
STEPS = 100
BETA = 0.98
DIVERGE_FACTOR = 4.0
SUGGESTIONS = ("steepest", "min/10")
DEFAULT_SUGGESTION = "steepest"
REFUSED_OPTIMIZERS = {
    "lbfgs": (
        "the range test needs an optimizer that takes one step of size lr per update; "
        "L-BFGS searches along its direction instead"
    ),
}


def range_test_problem(optimizer_name: str) -> str | None:
    """Why the range test refuses optimizer ``optimizer_name`` (None: it does not)."""
    return REFUSED_OPTIMIZERS.get(optimizer_name)


@dataclass(frozen=True)
class RangePoint:
    """One update of the sweep: its learning rate, minibatch loss and smoothed loss."""

    index: int
    lr: float
    loss: float
    smoothed: float
    diverged: bool  # the smoothed loss blew up at this update: the sweep's last point


@dataclass(frozen=True)
class RangeTest:
    """The recorded sweep (one entry per update taken) and its suggestions."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_early: bool  # the smoothed loss blew past DIVERGE_FACTOR x its minimum
    steepest: float  # NaN when the curve never falls
    min_over_10: float

    def suggestion(self, method: str = DEFAULT_SUGGESTION) -> float:
        """The suggested learning rate by ``method`` (one of :data:`SUGGESTIONS`)."""
        if method == "steepest":
            return self.steepest
        if method == "min/10":
            return self.min_over_10
        raise ValueError(f"unknown suggestion {method!r}; choose one of {SUGGESTIONS}")

    @property
    def lowest_lr(self) -> float:
        """The learning rate of the smoothed curve's minimum (NaN: no finite point)."""
        finite = np.where(np.isfinite(self.smoothed), self.smoothed, np.inf)
        if not np.isfinite(finite).any():
            return math.nan
        return float(self.lrs[int(np.argmin(finite))])


def lr_schedule(steps: int, start_lr: float = START_LR, end_lr: float = END_LR) -> np.ndarray:
    """The sweep's learning rates: ``steps`` values spaced evenly in ``log(lr)``."""
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr} and {end_lr}")
    if steps < 2:
        raise ValueError(f"the sweep needs at least 2 steps, got {steps}")
    return np.geomspace(start_lr, end_lr, steps)


def smooth(losses: np.ndarray, beta: float = BETA) -> np.ndarray:
    """The bias-corrected exponential moving average of ``losses``."""
    out = np.empty(len(losses))
    average = 0.0
    for i, loss in enumerate(losses):
        average = beta * average + (1 - beta) * loss
        out[i] = average / (1 - beta ** (i + 1))
    return out


def suggest(lrs: np.ndarray, smoothed: np.ndarray) -> tuple[float, float]:
    """``(steepest, min/10)`` of a smoothed curve (the module docstring)."""
    lowest = int(np.nanargmin(smoothed))
    min_over_10 = float(lrs[lowest]) / 10
    skip = min(len(lrs) // 10, lowest)
    if lowest - skip < 1 or len(lrs) < 2:
        return math.nan, min_over_10
    # central differences over the whole curve, looked at strictly before the minimum
    slopes = np.gradient(smoothed, np.log(lrs))[skip:lowest]
    steepest = int(np.argmin(slopes))
    if not slopes[steepest] < 0:
        return math.nan, min_over_10
    return float(lrs[skip + steepest]), min_over_10


def range_test_points(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: dict[str, Any],
    *,
    batch_size: int = 0,
    start_lr: float = START_LR,
    end_lr: float = END_LR,
    steps: int = STEPS,
    beta: float = BETA,
    seed: int = 0,
) -> Iterator[RangePoint]:
    """The sweep on a copy of ``model``, one :class:`RangePoint` per update (the module
    docstring); it ends after ``steps`` updates or at the first point that ``diverged``.

    ``optimizer`` is a run's optimizer config, ``{"name": ..., **hyper}`` (its ``lr`` is
    replaced by the sweep's); ``batch_size`` 0 is the full batch. The settings are checked
    here, before the first point: a ``ValueError`` says what is refused.
    """
    lrs = lr_schedule(steps, start_lr, end_lr)
    problem = range_test_problem(optimizer["name"])
    if problem is not None:
        raise ValueError(problem)
    if not 0 <= beta < 1:
        raise ValueError(f"the smoothing weight beta must be in [0, 1), got {beta}")
    return _sweep(model, loss_fn, x, y, optimizer, lrs, batch_size, beta, seed)


def _sweep(model, loss_fn, x, y, optimizer, lrs, batch_size, beta, seed) -> Iterator[RangePoint]:
    network = copy.deepcopy(model).train()  # the caller's model is never trained
    params = [p for p in network.parameters() if p.requires_grad]
    name = optimizer["name"]
    hyper = {k: v for k, v in optimizer.items() if k not in ("name", "lr")}
    opt = build_optimizer(name, params, lr=float(lrs[0]), **hyper)
    closure_needed = needs_closure(name)
    batches = _batches(len(x), batch_size, seed)
    average, best = 0.0, math.inf
    for i, lr in enumerate(lrs):
        for group in opt.param_groups:
            group["lr"] = float(lr)
        index = next(batches)
        loss = _update(network, opt, loss_fn, x[index], y[index], closure_needed)
        average = beta * average + (1 - beta) * loss
        value = average / (1 - beta ** (i + 1))
        diverged = not math.isfinite(value) or value > DIVERGE_FACTOR * best
        yield RangePoint(i, float(lr), loss, value, diverged)
        if diverged:
            return
        best = min(best, value)


def range_test_of(points: Sequence[RangePoint]) -> RangeTest:
    """The :class:`RangeTest` of a sweep's points (all of them, in order)."""
    if not points:
        raise ValueError("the range test recorded no point")
    lrs = np.array([point.lr for point in points])
    curve = np.array([point.smoothed for point in points])
    losses = np.array([point.loss for point in points])
    finite = np.where(np.isfinite(curve), curve, np.inf)
    steepest, min_over_10 = suggest(lrs, finite)
    return RangeTest(lrs, losses, curve, points[-1].diverged, steepest, min_over_10)


def lr_range_test(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: dict[str, Any],
    **options: Any,
) -> RangeTest:
    """Run the range test on a copy of ``model`` (:func:`range_test_points`'s arguments)."""
    return range_test_of(list(range_test_points(model, loss_fn, x, y, optimizer, **options)))


def trainer_range_points(trainer: Any, **options: Any) -> Iterator[RangePoint]:
    """:func:`range_test_points` with a :class:`core.nets.trainer.Trainer`'s network, training
    set, loss, optimizer config, batch size and seed (``options`` override the sweep's
    settings); the trainer's network keeps its weights."""
    config = trainer.config
    settings: dict[str, Any] = {"batch_size": config.batch_size, "seed": config.seed, **options}
    return range_test_points(
        trainer.model,
        trainer.loss_fn,
        trainer.x_train,
        trainer.y_train,
        config.optimizer,
        **settings,
    )


def trainer_range_test(trainer: Any, **options: Any) -> RangeTest:
    """:func:`lr_range_test` on a trainer (:func:`trainer_range_points`)."""
    return range_test_of(list(trainer_range_points(trainer, **options)))


def _batches(n: int, batch_size: int, seed: int):
    """Endless minibatch index tensors: seeded shuffles cut into batches (full batch for 0)."""
    if batch_size <= 0 or batch_size >= n:
        while True:
            yield slice(None)
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from torch.randperm(n, generator=generator).split(batch_size)


def _update(network, opt, loss_fn, x, y, closure_needed: bool) -> float:
    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        value = loss_fn(network(x), y)
        value.backward()
        return value

    if closure_needed:
        return float(opt.step(closure))
    value = closure().detach()
    opt.step()
    return float(value)

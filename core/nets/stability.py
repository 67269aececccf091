r"""The edge of stability, compared across optimizers (Cohen et al., ICLR 2021 and 2022).

One task (data, model, loss, initial weights) is trained four ways from the same weights, and after
every ``every``-th epoch the Hessian of the full training loss is measured
(:func:`core.nets.sharpness.measure`):

* ``gd``: full-batch gradient descent at the user's learning rate :math:`\eta`;
* ``gd_edge``: full-batch GD at a learning rate chosen so that it reaches the edge: its
  :math:`2/\eta` is ``EDGE_FACTOR`` (2) times the sharpness at the initial weights
  (:math:`\eta = 1/\lambda_0`), so progressive sharpening has to double the sharpness first;
* ``sgd``: minibatch SGD at that same learning rate (its sharpness, measured on the full
  training set, tends to stay below :math:`2/\eta`: the noise keeps it out of sharp regions);
* ``adam``: full-batch Adam (:math:`\beta_1` 0.9): its *preconditioned* sharpness
  :math:`\lambda_\max(D^{-1/2} H D^{-1/2})` is compared with :math:`(2+2\beta_1)/((1-\beta_1)\eta)`
  (38/η).

**SAM against SGD** (:func:`sam_configs`, keys ``SAM_KEYS``): minibatch SGD and
sharpness-aware minimization (Foret et al., ICLR 2021; ``core.optim.sam``) with the same learning
rate, momentum and batch size, from the same initial weights and in the same batch order (one
seed for both); SAM takes each gradient at the ascent point :math:`w + \rho\, g/\|g\|` and is
expected to end in a flatter minimum (a lower sharpness) at a similar training loss.

Each record carries the training and validation loss and accuracy (the trainer's own
``evaluate``, eval mode), the sharpness (exact up to
``core.nets.curvature.EXACT_LIMIT`` parameters, Lanczos beyond: ``method`` says which) and, for
exact Hessians, the whole eigenvalue spectrum as a histogram over fixed **symmetric-log bins**
(:func:`spectrum_edges`: ``BINS_PER_DECADE`` bins per decade from ``SPECTRUM_ZERO`` to
``SPECTRUM_TOP`` on each side, one bin for :math:`|\lambda| <` ``SPECTRUM_ZERO``; eigenvalues
beyond the range count in the outermost bins, so a histogram sums to the parameter count) and the
number of negative eigenvalues (``(eigenvalues < 0).sum()``, the tiny ones around zero included).

:func:`config_records` is one configuration's stream (the desktop window runs each as its own
stream, so that one failing config stops alone); :func:`stability_experiment` interleaves all of
them, one record at a time. Both are generators: stop them by not asking for more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from core.nets.sharpness import measure

__all__ = [
    "BINS_PER_DECADE",
    "CONFIG_KEYS",
    "DEFAULT_RHO",
    "DEFAULT_SGD_LR",
    "EDGE_FACTOR",
    "SAM_KEYS",
    "SPECTRUM_TOP",
    "SPECTRUM_ZERO",
    "StabilityConfig",
    "StabilityRecord",
    "config_records",
    "default_configs",
    "edge_lr",
    "sam_configs",
    "spectrum_edges",
    "spectrum_histogram",
    "stability_experiment",
]

EDGE_FACTOR = 2.0  # gd_edge's 2/lr is this many times the initial sharpness
SPECTRUM_ZERO = 1e-4  # |eigenvalue| below this falls in the middle ("zero") bin
SPECTRUM_TOP = 1e4  # the outermost bins end here (beyond: counted in them)
BINS_PER_DECADE = 4
DEFAULT_SGD_BATCH = 32
DEFAULT_ADAM_LR = 0.01
ADAM_BETAS = (0.9, 0.999)
CONFIG_KEYS = ("gd", "gd_edge", "sgd", "adam")
SAM_KEYS = ("sgd", "sam")
DEFAULT_RHO = 0.05  # SAM's radius (Foret et al.'s usual value)
DEFAULT_SGD_LR = 0.2  # SGD and SAM when the task does not train with SGD: fast on the circles


@dataclass(frozen=True)
class StabilityConfig:
    """One way to train the task: ``optimizer`` as ``core.optim.build_optimizer`` takes it, its
    ``"lr"`` None for "the edge learning rate" (:func:`edge_lr`); ``batch_size`` 0: full batch."""

    key: str
    optimizer: dict[str, Any] = field(default_factory=lambda: {"name": "sgd", "lr": 0.1})
    batch_size: int = 0


@dataclass(frozen=True)
class StabilityRecord:
    """Configuration ``config`` after ``epoch`` epochs."""

    config: str
    epoch: int
    lr: float
    train_loss: float
    val_loss: float  # the trainer's evaluate() on the validation set (NaN when it is empty)
    val_accuracy: float  # NaN for regression
    sharpness: float  # the Hessian's largest eigenvalue (full training set)
    preconditioned: float  # Adam: lambda_max(D^-1/2 H D^-1/2); NaN otherwise / before a step
    threshold: float  # 2/lr (GD, SGD) or (2 + 2 beta1)/((1 - beta1) lr) (Adam)
    method: str  # "exact" or "lanczos"
    histogram: np.ndarray | None  # counts per spectrum_edges() bin (exact Hessians only)
    negative: int | None  # (eigenvalues < 0).sum() (exact Hessians only)
    diverged: bool = False  # the training loss blew up here: the last record

    @property
    def shown(self) -> float:
        """The quantity compared with ``threshold``: preconditioned for Adam, else plain."""
        return self.preconditioned if not math.isnan(self.preconditioned) else self.sharpness


def spectrum_edges(
    zero: float = SPECTRUM_ZERO, top: float = SPECTRUM_TOP, per_decade: int = BINS_PER_DECADE
) -> np.ndarray:
    """Symmetric-log bin edges, ascending: ``-top .. -zero`` by ``per_decade`` bins per decade,
    one bin ``[-zero, zero)``, then ``zero .. top`` likewise (``2 n + 1`` bins)."""
    decades = round(math.log10(top / zero))
    positive = np.logspace(math.log10(zero), math.log10(top), decades * per_decade + 1)
    return np.concatenate([-positive[::-1], positive])


def spectrum_histogram(eigenvalues: np.ndarray, edges: np.ndarray | None = None) -> np.ndarray:
    """Counts of ``eigenvalues`` per bin of ``edges`` (``spectrum_edges()``); values beyond the
    edges count in the outermost bins, so the counts sum to ``len(eigenvalues)``."""
    edges = spectrum_edges() if edges is None else edges
    values = np.clip(np.asarray(eigenvalues, dtype=float), edges[0], edges[-1])
    counts, _ = np.histogram(values, bins=edges)
    return counts


def default_configs(
    lr: float, *, batch_size: int = DEFAULT_SGD_BATCH, adam_lr: float = DEFAULT_ADAM_LR
) -> tuple[StabilityConfig, ...]:
    """GD at ``lr``, GD and minibatch SGD (``batch_size``) at the edge learning rate, and
    full-batch Adam at ``adam_lr`` (betas 0.9, 0.999)."""
    return (
        StabilityConfig("gd", {"name": "sgd", "lr": float(lr)}),
        StabilityConfig("gd_edge", {"name": "sgd", "lr": None}),
        StabilityConfig("sgd", {"name": "sgd", "lr": None}, int(batch_size)),
        StabilityConfig("adam", {"name": "adam", "lr": float(adam_lr), "betas": ADAM_BETAS}),
    )


def sam_configs(
    lr: float,
    *,
    rho: float = DEFAULT_RHO,
    momentum: float = 0.0,
    batch_size: int = DEFAULT_SGD_BATCH,
) -> tuple[StabilityConfig, ...]:
    """Minibatch SGD and SAM around that same SGD (``lr``, ``momentum``, ``batch_size``), SAM's
    radius ``rho``: keys ``SAM_KEYS``."""
    sgd = {"name": "sgd", "lr": float(lr), "momentum": float(momentum)}
    sam = {**sgd, "name": "sam", "rho": float(rho), "base": "sgd"}
    return (
        StabilityConfig("sgd", sgd, int(batch_size)),
        StabilityConfig("sam", sam, int(batch_size)),
    )


def edge_lr(data: Any, model: Any, base: Any, dtype: torch.dtype = torch.float64) -> float:
    """``2 / (EDGE_FACTOR * lambda_0)``: the learning rate whose ``2/lr`` is ``EDGE_FACTOR`` times
    the sharpness at the task's initial weights."""
    from core.nets.trainer import Trainer

    probe = Trainer(data, model, replace(base, optimizer={"name": "sgd", "lr": 0.1}), dtype=dtype)
    top = measure(probe).sharpness
    if not top > 0:
        raise ValueError(f"the initial sharpness is {top:.3g}: no edge learning rate")
    return 2.0 / (EDGE_FACTOR * top)


def _train_config(base: Any, config: StabilityConfig, lr: float, epochs: int) -> Any:
    """The task's training with ``config``'s optimizer and batch size, a constant learning rate
    (one 2/lr line), every epoch run (no early stopping)."""
    optimizer = {**config.optimizer, "lr": lr}
    return replace(
        base,
        optimizer=optimizer,
        batch_size=config.batch_size,
        epochs=int(epochs),
        schedule=None,
        patience=None,
        per_step=False,
    )


def config_records(
    data: Any,
    model: Any,
    base: Any,
    config: StabilityConfig,
    *,
    epochs: int,
    every: int = 1,
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
    edge: float | None = None,
) -> Iterator[StabilityRecord]:
    """Train ``config`` on the task (``data``: a ``Dataset``; ``model``: a ``ModelConfig``;
    ``base``: the task's ``TrainConfig``, whose loss and seed are kept) and yield a record after
    epoch 0, every ``every``-th epoch and the last (or the one where the loss blew up).
    ``edge``: the edge learning rate when known (else computed here when ``config`` needs it)."""
    from core.nets.trainer import EpochRecord, Trainer

    lr = config.optimizer.get("lr")
    if lr is None:
        lr = edge if edge is not None else edge_lr(data, model, base, dtype)
    trainer = Trainer(
        data, model, _train_config(base, config, float(lr), epochs), device=device, dtype=dtype
    )
    edges = spectrum_edges()
    for record in trainer.records():
        if not isinstance(record, EpochRecord):
            continue
        if record.epoch % max(int(every), 1) and not trainer.finished:
            continue
        if not math.isfinite(record.train_loss):
            yield _blown(config.key, float(lr), record)
            return
        reading = measure(trainer, spectrum=True, seed=seed)
        eigenvalues = reading.eigenvalues
        yield StabilityRecord(
            config=config.key,
            epoch=record.epoch,
            lr=float(lr),
            train_loss=record.train_loss,
            val_loss=record.val_loss,
            val_accuracy=record.val_accuracy,
            sharpness=reading.sharpness,
            preconditioned=reading.preconditioned,
            threshold=reading.threshold,
            method=reading.method,
            histogram=None if eigenvalues is None else spectrum_histogram(eigenvalues, edges),
            negative=None if eigenvalues is None else int((eigenvalues < 0).sum()),
            diverged=record.diverged,
        )


def _blown(key: str, lr: float, record: Any) -> StabilityRecord:
    """The last record of a run whose loss blew up: no Hessian measured."""
    nan = math.nan
    losses = (record.train_loss, record.val_loss, record.val_accuracy)
    return StabilityRecord(key, record.epoch, lr, *losses, nan, nan, nan, "", None, None, True)


def stability_experiment(
    data: Any,
    model: Any,
    base: Any,
    configs: Sequence[StabilityConfig],
    *,
    epochs: int,
    every: int = 1,
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
) -> Iterator[StabilityRecord]:
    """Every config's records (:func:`config_records`), interleaved one at a time, so that all
    curves grow together; the edge learning rate is computed once for all that need it."""
    needs_edge = any(config.optimizer.get("lr") is None for config in configs)
    edge = edge_lr(data, model, base, dtype) if needs_edge else None
    options = {"epochs": epochs, "every": every, "seed": seed, "device": device, "dtype": dtype}
    streams = [config_records(data, model, base, c, edge=edge, **options) for c in configs]
    while streams:
        for stream in list(streams):
            record = next(stream, None)
            if record is None:
                streams.remove(stream)
            else:
                yield record

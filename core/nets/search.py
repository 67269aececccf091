"""Hyper-parameter search: grid search against random search with the same budget (notes 004).

Two axes (for example the learning rate and the weight decay, or the learning rate and the batch
size), each an :class:`Axis` with its bounds and scale:

* ``log``: a scale parameter (learning rate, weight decay): the grid is evenly spaced in log
  space (``numpy.geomspace``); random samples are **log-uniform** (uniform in ``log x``), so every
  decade gets the same share of the trials;
* ``linear``: the grid is ``numpy.linspace``; random samples are uniform;
* ``int`` / ``log_int``: integers (batch size): the linear or log grid rounded (repeats dropped);
  random samples are uniform integers, or log-uniform rounded to an integer.

:func:`grid_settings` is the product of ``per_axis`` values on each axis; :func:`random_settings`
draws the same number of trials (seeded). Bergstra and Bengio (2012): when one parameter matters
much more than the other, a grid of n x n trials tries only n distinct values of it, while n^2
random trials try n^2 -- :func:`summarize` counts the distinct values per axis, and
:func:`marginal` gives the (value, loss) points of one axis for the plot that shows it.

:func:`search` runs the trials and is a **generator**: it yields a :class:`SearchProgress` after
every epoch of work (so a worker thread can update a progress bar and stop between two events by
no longer iterating) whose ``finished`` holds the trials that ended there (a heat map grows live).
Trials are trained together by :class:`core.nets.many.ManyTrainer` in chunks of ``chunk`` trials
where :func:`core.nets.many.many_problem` allows (every trial keeps its own data order and
hyper-parameters; the records equal the plain :class:`~core.nets.trainer.Trainer`'s to rounding),
else one :class:`~core.nets.fast.FastTrainer` per trial (batch norm, dropout, early stopping...).
Every trial starts from the same initial weights (the base config's seed): the trials differ in
their hyper-parameters only. (Dropout draws its masks from torch's global generator: a trial on
one trainer seeds it with the config's seed when it starts.)

A hyper-parameter is ``batch_size`` or a hyper-parameter of the base config's optimizer
(``lr``, ``weight_decay``, ``momentum``, ...). :func:`trials_csv` builds the CSV text (the caller
writes it, e.g. with ``core.fileio.write_atomic``).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import torch

from core.nets.datasets import Dataset
from core.nets.fast import FastTrainer
from core.nets.many import ManyTrainer, many_problem
from core.nets.models import ModelConfig
from core.nets.trainer import EpochRecord, TrainConfig
from core.optim.factory import check_hyper
from core.optim.registry import OPTIMIZERS

Scale = Literal["log", "linear", "int", "log_int"]
SCALES = ("log", "linear", "int", "log_int")
SearchKind = Literal["grid", "random"]
DEFAULT_CHUNK = 16  # trials per ManyTrainer: bigger is faster, smaller shows results sooner


@dataclass(frozen=True)
class Axis:
    """One hyper-parameter's range: ``low`` .. ``high`` (both included) on ``scale``."""

    name: str
    low: float
    high: float
    scale: Scale = "log"

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale {self.scale!r}; choose one of: {', '.join(SCALES)}")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"{self.name}: need finite low <= high, got {self.low}, {self.high}")
        if self.scale in ("log", "log_int") and self.low <= 0:
            raise ValueError(f"{self.name}: a log scale needs low > 0, got {self.low}")
        if self.scale in ("int", "log_int") and (self.low != int(self.low)):
            raise ValueError(f"{self.name}: an integer axis needs integer bounds")

    @property
    def integer(self) -> bool:
        return self.scale in ("int", "log_int")

    def grid(self, count: int) -> list[float]:
        """``count`` evenly spaced values (in log space for log scales); integers deduplicated."""
        if count < 1:
            raise ValueError(f"need at least 1 value per axis, got {count}")
        if self.scale in ("log", "log_int"):
            values = np.geomspace(self.low, self.high, count)
        else:
            values = np.linspace(self.low, self.high, count)
        if self.integer:
            return sorted({int(round(v)) for v in values})
        return [float(v) for v in values]

    def sample(self, rng: np.random.Generator, count: int) -> list[float]:
        """``count`` random values: log-uniform on log scales, uniform otherwise."""
        if self.scale == "log":
            return [
                float(v) for v in np.exp(rng.uniform(np.log(self.low), np.log(self.high), count))
            ]
        if self.scale == "linear":
            return [float(v) for v in rng.uniform(self.low, self.high, count)]
        if self.scale == "int":
            return [int(v) for v in rng.integers(int(self.low), int(self.high) + 1, count)]
        # log_int: log-uniform over [low - 0.5, high + 0.5) so the end values get their share
        logs = rng.uniform(np.log(self.low - 0.5 + 1e-9), np.log(self.high + 0.5), count)
        return [int(min(max(round(v), self.low), self.high)) for v in np.exp(logs)]


Settings = dict[str, float]


def grid_settings(axes: Sequence[Axis], per_axis: int) -> list[Settings]:
    """Every combination of ``per_axis`` values on each axis (the first axis varies slowest)."""
    combos: list[Settings] = [{}]
    for axis in axes:
        combos = [{**c, axis.name: v} for c in combos for v in axis.grid(per_axis)]
    return combos


def random_settings(axes: Sequence[Axis], trials: int, seed: int = 0) -> list[Settings]:
    """``trials`` settings, each axis sampled independently (same seed, same settings)."""
    rng = np.random.default_rng(seed)
    columns = {axis.name: axis.sample(rng, trials) for axis in axes}
    return [{name: values[i] for name, values in columns.items()} for i in range(trials)]


def search_settings(
    kind: SearchKind, axes: Sequence[Axis], per_axis: int, seed: int = 0
) -> list[Settings]:
    """The trials of one search: the grid, or as many random trials as the grid has."""
    grid = grid_settings(axes, per_axis)
    if kind == "grid":
        return grid
    if kind == "random":
        return random_settings(axes, len(grid), seed)
    raise ValueError(f"unknown search {kind!r}; choose 'grid' or 'random'")


def apply_settings(base: TrainConfig, settings: Settings) -> TrainConfig:
    """``base`` with ``settings`` put in: ``batch_size`` on the config, the rest on its optimizer.

    Raises ``ValueError`` for a name the optimizer does not take or an invalid value.
    """
    optimizer = dict(base.optimizer)
    name = optimizer["name"]
    batch_size = base.batch_size
    for key, value in settings.items():
        if key == "batch_size":
            batch_size = int(value)
        elif key in OPTIMIZERS[name].defaults:
            optimizer[key] = value
        else:
            raise ValueError(f"{key!r} is neither batch_size nor a hyper-parameter of {name}")
    check_hyper(name, {k: v for k, v in optimizer.items() if k != "name"})
    return replace(base, optimizer=optimizer, batch_size=batch_size)


@dataclass(frozen=True)
class Trial:
    """One finished trial. Losses are per epoch, epoch 0 (the initial weights) first."""

    index: int
    settings: Settings
    val_losses: tuple[float, ...]
    train_losses: tuple[float, ...]
    best_val_loss: float  # the lowest finite validation loss (inf: none)
    best_epoch: int
    final_val_loss: float
    final_accuracy: float  # validation accuracy at the end (NaN for regression)
    status: str  # "ok", "stopped_early" or "diverged"


@dataclass(frozen=True)
class SearchProgress:
    """One step of a search: ``fraction`` of the work done, and the trials that just ended."""

    kind: SearchKind
    done: int  # trials finished so far
    total: int
    fraction: float
    finished: tuple[Trial, ...] = ()


def _trial(index: int, settings: Settings, records: list[EpochRecord]) -> Trial:
    val = tuple(r.val_loss for r in records)
    finite = [(v, r.epoch) for v, r in zip(val, records, strict=True) if math.isfinite(v)]
    best_val, best_epoch = min(finite, default=(math.inf, 0), key=lambda pair: pair[0])
    last = records[-1]
    status = "diverged" if last.diverged else ("stopped_early" if last.stopped else "ok")
    return Trial(
        index=index,
        settings=dict(settings),
        val_losses=val,
        train_losses=tuple(r.train_loss for r in records),
        best_val_loss=best_val,
        best_epoch=best_epoch,
        final_val_loss=last.val_loss,
        final_accuracy=last.val_accuracy,
        status=status,
    )


@dataclass
class _Run:
    """Bookkeeping of :func:`search`: epochs of work done and trials finished."""

    kind: SearchKind
    total: int
    epochs: int
    work: int = 0
    done: int = 0

    def progress(self, finished: list[Trial]) -> SearchProgress:
        self.done += len(finished)
        fraction = min(1.0, self.work / max(self.total * self.epochs, 1))
        if self.done == self.total:
            fraction = 1.0
        return SearchProgress(self.kind, self.done, self.total, fraction, tuple(finished))


def _chunk_many(
    data: Dataset,
    model_config: ModelConfig,
    configs: list[TrainConfig],
    indices: list[int],
    settings: Sequence[Settings],
    run: _Run,
    device: torch.device | str,
    dtype: torch.dtype,
) -> Iterator[SearchProgress]:
    labels = [str(i) for i in indices]
    many = ManyTrainer(
        data,
        model_config,
        configs,
        labels=labels,
        device=device,
        dtype=dtype,
        track_grad_norm=False,
    )
    history: dict[int, list[EpochRecord]] = {i: [] for i in indices}
    open_trials = set(indices)
    for epoch_records in many.records():
        finished = []
        for record in epoch_records:
            index = int(record.run)
            history[index].append(record)
            if record.diverged or record.epoch >= run.epochs:
                finished.append(index)
        run.work += len(epoch_records) if epoch_records and epoch_records[0].epoch > 0 else 0
        done = []
        for index in finished:
            open_trials.discard(index)
            done.append(_trial(index, settings[index], history[index]))
            run.work += run.epochs - history[index][-1].epoch  # a diverged trial's lost epochs
        yield run.progress(done)
    leftover = [_trial(i, settings[i], history[i]) for i in sorted(open_trials)]
    if leftover:
        yield run.progress(leftover)


def _one_trainer(
    data: Dataset,
    model_config: ModelConfig,
    config: TrainConfig,
    index: int,
    settings: Settings,
    run: _Run,
    device: torch.device | str,
    dtype: torch.dtype,
) -> Iterator[SearchProgress]:
    torch.manual_seed(config.seed)  # dropout's masks come from torch's global generator
    trainer = FastTrainer(
        data, model_config, config, device=device, dtype=dtype, track_grad_norm=False
    )
    records: list[EpochRecord] = []
    for record in trainer.records():
        if not isinstance(record, EpochRecord):
            continue
        records.append(record)
        run.work += 1 if record.epoch > 0 else 0
        if trainer.finished:
            break
        yield run.progress([])
    run.work += run.epochs - records[-1].epoch  # stopped early or diverged: the epochs skipped
    yield run.progress([_trial(index, settings, records)])


def search(
    data: Dataset,
    model_config: ModelConfig,
    base: TrainConfig,
    settings: Sequence[Settings],
    *,
    kind: SearchKind = "grid",
    chunk: int = DEFAULT_CHUNK,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Iterator[SearchProgress]:
    """Train one network per entry of ``settings`` (see :func:`search_settings`) on ``data``.

    Yields :class:`SearchProgress` events (module docstring); trial ``i`` is ``settings[i]``.
    Raises ``ValueError`` for an invalid setting before any training starts.
    """
    configs = [apply_settings(base, s) for s in settings]
    run = _Run(kind, len(configs), max(base.epochs, 1))
    for start in range(0, len(configs), max(chunk, 1)):
        indices = list(range(start, min(start + max(chunk, 1), len(configs))))
        part = [configs[i] for i in indices]
        if many_problem(model_config, part, data) is None:
            yield from _chunk_many(data, model_config, part, indices, settings, run, device, dtype)
            continue
        for i in indices:
            yield from _one_trainer(
                data, model_config, configs[i], i, settings[i], run, device, dtype
            )


def grid_vs_random(
    data: Dataset,
    model_config: ModelConfig,
    base: TrainConfig,
    axes: Sequence[Axis],
    per_axis: int,
    *,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Iterator[SearchProgress]:
    """The grid search, then the random search with the same number of trials (``kind`` tells
    which an event belongs to)."""
    for kind in ("grid", "random"):
        yield from search(
            data,
            model_config,
            base,
            search_settings(kind, axes, per_axis, seed),
            kind=kind,
            chunk=chunk,
            device=device,
            dtype=dtype,
        )


@dataclass(frozen=True)
class SearchSummary:
    trials: int
    best: Trial | None  # the lowest best validation loss
    distinct: dict[str, int]  # per axis: how many distinct values were tried


def summarize(trials: Sequence[Trial], axes: Sequence[Axis]) -> SearchSummary:
    """The best trial (lowest ``best_val_loss``; diverged runs only if nothing else) and the
    number of distinct values tried on each axis."""
    ranked = sorted(trials, key=lambda t: (t.status == "diverged", t.best_val_loss, t.index))
    distinct = {axis.name: len({t.settings[axis.name] for t in trials}) for axis in axes}
    return SearchSummary(len(trials), ranked[0] if ranked else None, distinct)


def marginal(
    trials: Sequence[Trial], name: str, metric: str = "best_val_loss"
) -> tuple[np.ndarray, np.ndarray]:
    """(values of hyper-parameter ``name``, ``metric``) of every trial, sorted by value: the
    projection onto one axis (grid trials stack on few values; random ones spread out)."""
    pairs = sorted((t.settings[name], getattr(t, metric)) for t in trials)
    values = np.array([p[0] for p in pairs], dtype=float)
    return values, np.array([p[1] for p in pairs], dtype=float)


def heat_map(
    trials: Sequence[Trial], x_axis: str, y_axis: str, metric: str = "best_val_loss"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x values, y values, grid)`` for a heat map of ``metric``: the distinct values of each
    axis, sorted, and ``grid[i, j]`` the metric of the trial at ``(x[j], y[i])`` (NaN where no
    trial finished yet). For grid trials; random trials are drawn as points instead."""
    xs = np.array(sorted({t.settings[x_axis] for t in trials}), dtype=float)
    ys = np.array(sorted({t.settings[y_axis] for t in trials}), dtype=float)
    grid = np.full((len(ys), len(xs)), np.nan)
    for t in trials:
        i = int(np.searchsorted(ys, t.settings[y_axis]))
        j = int(np.searchsorted(xs, t.settings[x_axis]))
        grid[i, j] = getattr(t, metric)
    return xs, ys, grid


def _cell(value: float) -> str:
    return "" if isinstance(value, float) and math.isnan(value) else f"{value:.10g}"


def trials_csv(trials: Sequence[Trial], kind: str = "") -> str:
    """CSV text, one row per trial: ``search``, ``trial``, the hyper-parameters, ``status``,
    ``best_val_loss``, ``best_epoch``, ``final_val_loss``, ``final_val_accuracy`` and
    ``val_loss_0`` .. ``val_loss_E`` (empty where a trial ended earlier or a value is NaN)."""
    names = list(dict.fromkeys(name for t in trials for name in t.settings))
    epochs = max((len(t.val_losses) for t in trials), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "search",
            "trial",
            *names,
            "status",
            "best_val_loss",
            "best_epoch",
            "final_val_loss",
            "final_val_accuracy",
            *(f"val_loss_{e}" for e in range(epochs)),
        ]
    )
    for t in trials:
        losses = [_cell(v) for v in t.val_losses] + [""] * (epochs - len(t.val_losses))
        writer.writerow(
            [
                kind,
                t.index,
                *(_cell(t.settings.get(n, math.nan)) for n in names),
                t.status,
                _cell(t.best_val_loss),
                t.best_epoch,
                _cell(t.final_val_loss),
                _cell(t.final_accuracy),
                *losses,
            ]
        )
    return out.getvalue()

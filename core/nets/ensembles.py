"""Snapshot ensembles with warm restarts, and weight averaging (SWA, EMA) (notes 004).

**Snapshot ensembles** (Huang et al. 2017, the notes' "将学习率周期性增大"): train with a cosine
learning rate that restarts (``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``, the
``cosine_restarts`` schedule), stepped once per epoch as the trainer does; every cycle ends in a
different low-loss point. :func:`snapshot_config` builds such a run; :func:`snapshot_ensemble`
wraps its trainer's records and, after the last epoch of each cycle (epoch ``T_0``,
``T_0 + T_0 T_mult``, ...: the epoch that used the cycle's lowest rate), takes a snapshot of the
model and yields a :class:`SnapshotRecord`: on the validation set, the ensemble of the snapshots
so far (the mean of their predicted class probabilities; for regression the mean prediction)
against the single model of that moment (the latest snapshot).

**Weight averaging** (``torch.optim.swa_utils.AveragedModel``) on any run:
:func:`with_weight_average` wraps a trainer's records and yields an :class:`AveragedRecord` after
each epoch with the averaged model's losses and accuracies (its curve):

* ``swa``: the equal-weight running mean of the weights at the end of every epoch from
  ``start_epoch`` on (torch's default averaging);
* ``ema``: an exponential moving average updated after every optimizer step
  (``get_ema_multi_avg_fn(decay)``; the first update copies the weights, as torch does).

Buffers are not averaged (``use_buffers=False``); with batch norm, ``update_bn`` recomputes the
averaged model's running statistics on the training set before each evaluation (the averaged
weights need their own statistics). The GUI hooks in by iterating these wrappers instead of
``trainer.records()`` (``snapshot_ensemble(trainer)``,
``with_weight_average(WeightAverager(trainer, "ema"))``): they yield the trainer's own records
unchanged, plus their own records.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn, update_bn

from core.nets.trainer import EpochRecord, StepRecord, TrainConfig, Trainer

AverageKind = Literal["swa", "ema"]
DEFAULT_EMA_DECAY = 0.99  # per update; the lab's runs are short (0.999 would lag for 1000 steps)


def cycle_ends(first_cycle: int, cycles: int, t_mult: int = 1) -> list[int]:
    """The epochs at which the cycles end: ``T_0``, ``T_0 + T_0 T_mult``, ..."""
    if first_cycle < 1 or cycles < 1 or t_mult < 1:
        raise ValueError("cycle length, cycle count and T_mult must be >= 1")
    ends, length, epoch = [], first_cycle, 0
    for _ in range(cycles):
        epoch += length
        ends.append(epoch)
        length *= t_mult
    return ends


def snapshot_config(
    base: TrainConfig,
    first_cycle: int,
    cycles: int,
    *,
    t_mult: int = 1,
    eta_min: float = 0.0,
) -> TrainConfig:
    """``base`` with the warm-restart cosine schedule and exactly ``cycles`` cycles of epochs."""
    ends = cycle_ends(first_cycle, cycles, t_mult)
    schedule = {"name": "cosine_restarts", "T_0": first_cycle, "T_mult": t_mult, "eta_min": eta_min}
    return replace(base, schedule=schedule, epochs=ends[-1], patience=None)


def restart_cycle_ends(config: TrainConfig) -> list[int]:
    """The cycle ends of a ``cosine_restarts`` config within its epochs (the last epoch too)."""
    schedule = config.schedule or {}
    if schedule.get("name") != "cosine_restarts":
        raise ValueError("a snapshot ensemble needs the 'cosine_restarts' schedule")
    first = int(schedule.get("T_0") or max(1, config.epochs // 4))  # the schedule's default
    t_mult = int(schedule.get("T_mult", 1))
    ends, length, epoch = [], first, first
    while epoch <= config.epochs:
        ends.append(epoch)
        length *= t_mult
        epoch += length
    return ends if ends and ends[-1] == config.epochs else [*ends, config.epochs]


@dataclass
class SnapshotRecord:
    """One cycle's end: the snapshot alone, the ensemble of all snapshots so far (validation)."""

    cycle: int  # 1, 2, ...
    epoch: int
    snapshots: int
    single_loss: float  # the latest snapshot (the single model of this moment)
    single_accuracy: float  # NaN for regression
    ensemble_loss: float  # NLL of the averaged probabilities (regression: MSE of the mean)
    ensemble_accuracy: float
    weights: dict[str, torch.Tensor] = field(repr=False, default_factory=dict)  # state dict
    run: str = ""


def ensemble_scores(
    outputs: list[np.ndarray], targets: np.ndarray, task: str
) -> tuple[float, float]:
    """(loss, accuracy) of the mean of ``outputs`` (class probabilities ``(N, C)`` or values
    ``(N,)``, as ``Trainer.predict`` gives them)."""
    if not outputs or len(targets) == 0:
        return math.nan, math.nan
    mean = np.mean(np.stack(outputs), axis=0)
    if task != "classification":
        return float(np.mean((mean - targets) ** 2)), math.nan
    picked = mean[np.arange(len(targets)), targets]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-12, None))))
    return loss, float(np.mean(mean.argmax(1) == targets))


def snapshot_ensemble(trainer: Trainer) -> Iterator[EpochRecord | StepRecord | SnapshotRecord]:
    """The trainer's records, and a :class:`SnapshotRecord` after each cycle's last epoch.

    The trainer's config needs the ``cosine_restarts`` schedule (:func:`snapshot_config`) and no
    early stopping. A diverged run ends without a snapshot of the blown-up weights.
    """
    if trainer.config.patience is not None:
        raise ValueError("a snapshot ensemble trains every cycle: turn early stopping off")
    ends = restart_cycle_ends(trainer.config)
    data = trainer.data
    outputs: list[np.ndarray] = []
    single: list[np.ndarray] = []
    for record in trainer.records():
        yield record
        if not isinstance(record, EpochRecord) or record.diverged or record.epoch not in ends:
            continue
        single = [trainer.predict(data.x_val)]
        outputs.append(single[0])
        single_loss, single_accuracy = ensemble_scores(single, data.y_val, data.task)
        loss, accuracy = ensemble_scores(outputs, data.y_val, data.task)
        yield SnapshotRecord(
            cycle=len(outputs),
            epoch=record.epoch,
            snapshots=len(outputs),
            single_loss=single_loss,
            single_accuracy=single_accuracy,
            ensemble_loss=loss,
            ensemble_accuracy=accuracy,
            weights=copy.deepcopy(trainer.model.state_dict()),
            run=record.run,
        )


@dataclass
class AveragedRecord:
    """The averaged model after an epoch (eval mode, like the trainer's own records)."""

    kind: AverageKind
    epoch: int
    averaged: int  # how many weight vectors are in the average
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    run: str = ""


class WeightAverager:
    """An ``AveragedModel`` of ``trainer.model`` (SWA or EMA, see the module docstring).

    EMA updates through an optimizer step hook (a ``FastTrainer``'s compiled epochs keep it
    themselves, told by ``watch_average``); SWA through :meth:`end_epoch`. ``remove()``
    takes the hook off.
    """

    def __init__(
        self,
        trainer: Trainer,
        kind: AverageKind = "swa",
        *,
        start_epoch: int = 1,
        decay: float = DEFAULT_EMA_DECAY,
    ) -> None:
        if kind not in ("swa", "ema"):
            raise ValueError(f"unknown averaging {kind!r}; choose 'swa' or 'ema'")
        self.trainer, self.kind, self.start_epoch = trainer, kind, max(start_epoch, 1)
        self.decay = decay
        multi_avg_fn = get_ema_multi_avg_fn(decay) if kind == "ema" else None
        self.model = AveragedModel(trainer.model, multi_avg_fn=multi_avg_fn, use_buffers=False)
        self.batch_norm = any(
            isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in trainer.model.modules()
        )
        self._handle = None
        self._watch = getattr(trainer, "watch_average", None)  # compiled epochs keep it too
        if kind == "ema":
            self._handle = trainer.optimizer.register_step_post_hook(self._after_step)
            if self._watch is not None:
                self._watch(self)

    def _after_step(self, *_: object) -> None:
        if self.averages_epoch(self.trainer.epoch + 1):  # the epoch being trained
            self.model.update_parameters(self.trainer.model)

    def averages_epoch(self, epoch: int) -> bool:
        """Whether the EMA follows the updates of ``epoch``."""
        return epoch >= self.start_epoch

    def hooks(self) -> tuple[object, ...]:
        """The optimizer step hook it put on (EMA): a compiled epoch does its work itself."""
        return (self._after_step,) if self._handle is not None else ()

    def end_epoch(self, epoch: int) -> None:
        if self.kind == "swa" and epoch >= self.start_epoch:
            self.model.update_parameters(self.trainer.model)

    @property
    def count(self) -> int:
        return int(self.model.n_averaged)

    def after_epoch(self, record: EpochRecord) -> AveragedRecord | None:
        """Average the trainer's weights at the end of ``record``'s epoch and evaluate the
        averaged model; None before ``start_epoch`` or while nothing is averaged yet. The one
        step every caller takes (a wrapper of ``trainer.records()``, a snapshot stream, the
        Network Lab's session)."""
        if record.epoch < self.start_epoch:
            return None
        self.end_epoch(record.epoch)
        if self.count == 0:
            return None
        train_loss, train_accuracy, val_loss, val_accuracy = self.evaluate()
        return AveragedRecord(
            kind=self.kind,
            epoch=record.epoch,
            averaged=self.count,
            train_loss=train_loss,
            train_accuracy=train_accuracy,
            val_loss=val_loss,
            val_accuracy=val_accuracy,
            run=record.run,
        )

    def evaluate(self) -> tuple[float, float, float, float]:
        """(train loss, train accuracy, val loss, val accuracy) of the averaged model."""
        trainer = self.trainer
        if self.batch_norm:
            update_bn([trainer.x_train], self.model)
        self.model.eval()
        with torch.inference_mode():
            scores = []
            for x, y in ((trainer.x_train, trainer.y_train), (trainer.x_val, trainer.y_val)):
                if len(x) == 0:
                    scores += [math.nan, math.nan]
                    continue
                out = self.model(x)
                scores.append(float(trainer.loss_fn(out, y)))
                classes = trainer.data.task == "classification"
                scores.append(int((out.argmax(1) == y).sum()) / len(y) if classes else math.nan)
        return scores[0], scores[1], scores[2], scores[3]

    def remove(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
            if self._watch is not None and getattr(self.trainer, "averager", None) is self:
                self._watch(None)


def with_weight_average(
    averager: WeightAverager,
) -> Iterator[EpochRecord | StepRecord | AveragedRecord]:
    """``averager.trainer.records()`` with an :class:`AveragedRecord` after each epoch record
    from the averager's ``start_epoch`` on; ``averager.model`` is the averaged model. Takes the
    averager's hook off when the run ends or the caller stops iterating."""
    try:
        for record in averager.trainer.records():
            yield record
            if isinstance(record, EpochRecord):
                averaged = averager.after_epoch(record)
                if averaged is not None:
                    yield averaged
    finally:
        averager.remove()

"""The trainer: a plain generator that trains one network and yields a record per epoch.

``Trainer(data, model_config, train_config).records()`` yields an :class:`EpochRecord` for epoch 0
(the initial weights) and one after each epoch, and, with ``per_step=True``, a
:class:`StepRecord` after every optimizer update. No threads, no Qt: the GUI drives it from a worker
thread, ``losslab run`` drains it.

Conventions:

* Any optimizer of the engine (``core.optim.build_optimizer``) with its torch name and
  hyper-parameters; L-BFGS gets a closure over the current batch. ``newton`` is refused: it treats
  each row of a parameter as its own problem, which is wrong for weight matrices.
* A schedule (``core.schedules.build_scheduler``) advances once per **epoch** (the usual torch
  loop), so its run length is the number of epochs.
* ``batch_size`` 0 (or >= the training set) is full-batch gradient descent; otherwise the training
  set is reshuffled every epoch (seeded) and the last, smaller batch is kept (with batch norm a
  last batch of one sample is dropped: its variance is undefined).
* The loss and accuracy in a record are measured after the epoch on the *whole* training and
  validation sets in eval mode (dropout off, batch norm on its running statistics): clean curves
  that compare like with like. ``grad_norm`` is the mean norm of the epoch's mini-batch gradients
  (epoch 0: the full-batch gradient at the initial weights). ``lr`` is the rate the epoch used.
* Early stopping (``patience``) watches the validation loss: the best epoch is the first with the
  lowest validation loss so far (epoch 0 included); training stops at the first epoch that is
  ``patience`` epochs past the best one. With ``restore_best`` the weights of the best epoch are
  put back when training ends (stopped early or not); the last record says so.
* A run **diverges** when its loss stops being finite or grows past
  ``DIVERGENCE_FACTOR * |initial loss| + DIVERGENCE_MARGIN`` (the initial loss: the training loss
  at epoch 0), checked on every epoch's training loss and, with ``per_step``, on every
  mini-batch loss. Training stops there and the status is ``"diverged"``: a loss that rose from
  0.7 to 1e105 has blown up even though it is still a finite number.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from core.nets.datasets import Augmentation, Dataset, augment_batch, kfold_datasets
from core.nets.models import ModelConfig, build_model, count_parameters, loss_function
from core.nets.rules import batch_norm_problem, optimizer_problem
from core.optim import build_optimizer, needs_closure
from core.schedules import build_scheduler

MAX_EPOCHS = 100_000
# A loss above DIVERGENCE_FACTOR times the initial loss (plus a margin, for an initial loss near
# 0) means the run blew up. Generous on purpose: a too-large learning rate that only bounces
# (cross-entropy 0.7 -> 50) is not divergence; 0.7 -> 1e6 is.
DIVERGENCE_FACTOR = 1e4
DIVERGENCE_MARGIN = 100.0


def divergence_limit(initial_loss: float) -> float:
    """The loss above which a run that started at ``initial_loss`` counts as diverged."""
    if not math.isfinite(initial_loss):
        return math.inf
    return DIVERGENCE_FACTOR * abs(initial_loss) + DIVERGENCE_MARGIN


@dataclass(frozen=True)
class TrainConfig:
    optimizer: dict[str, Any] = field(default_factory=lambda: {"name": "adam", "lr": 0.01})
    schedule: dict[str, Any] | None = None
    epochs: int = 100
    batch_size: int = 0  # 0: full batch
    loss: str = "cross_entropy"
    patience: int | None = None  # early stopping off when None
    restore_best: bool = True
    seed: int = 0  # initial weights and the order of the batches
    per_step: bool = False
    augmentation: Augmentation = field(default_factory=Augmentation)

    def __post_init__(self) -> None:
        if not 0 <= self.epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be between 0 and {MAX_EPOCHS}, got {self.epochs}")
        if self.batch_size < 0:
            raise ValueError(f"batch_size must be >= 0 (0: full batch), got {self.batch_size}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be >= 1, got {self.patience}")
        problem = optimizer_problem(self.optimizer.get("name"))
        if problem is not None:
            raise ValueError(problem)


@dataclass
class EpochRecord:
    epoch: int
    step: int  # optimizer updates so far
    train_loss: float
    train_accuracy: float  # NaN for regression
    val_loss: float
    val_accuracy: float
    lr: float  # NaN at epoch 0
    grad_norm: float
    best_epoch: int
    run: str = ""
    stopped: bool = False  # early stopping ended training here
    restored: bool = False  # the best epoch's weights were put back after this record
    diverged: bool = False

    def metrics(self) -> dict[str, float | int | bool]:
        out: dict[str, Any] = {
            "epoch": self.epoch,
            "step": self.step,
            "train_loss": self.train_loss,
            "train_accuracy": self.train_accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "lr": self.lr,
            "grad_norm": self.grad_norm,
        }
        return out


@dataclass
class StepRecord:
    epoch: int
    step: int
    loss: float  # the mini-batch loss the update used
    lr: float
    grad_norm: float
    run: str = ""


class Trainer:
    """One network on one dataset with one training configuration."""

    def __init__(
        self,
        data: Dataset,
        model_config: ModelConfig,
        config: TrainConfig,
        *,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
        label: str = "",
    ) -> None:
        self.data, self.model_config, self.config, self.label = data, model_config, config, label
        self.device, self.dtype = torch.device(device), dtype
        self.loss_fn = loss_function(config.loss, data.task, data.classes)
        problem = batch_norm_problem(
            config.batch_size, model_config.batch_norm, model_config.hidden
        )
        if problem is not None:
            raise ValueError(problem)
        self.model = build_model(
            model_config,
            data.input_dim,
            data.output_dim,
            seed=config.seed,
            dtype=dtype,
            device=self.device,
        )
        self.parameters = [p for p in self.model.parameters() if p.requires_grad]
        name = config.optimizer["name"]
        hyper = {k: v for k, v in config.optimizer.items() if k != "name"}
        self.optimizer = build_optimizer(name, self.parameters, **hyper)
        self.scheduler = build_scheduler(self.optimizer, config.schedule, max(config.epochs, 1))
        self._closure = needs_closure(name)
        self.x_train, self.y_train = self._tensors(data.x_train, data.y_train)
        self.x_val, self.y_val = self._tensors(data.x_val, data.y_val)
        self.initial_weights = self.weights()
        self.generator = torch.Generator().manual_seed(config.seed)
        self.epoch = 0
        self.step = 0
        self.best_epoch = 0
        self.best_val = math.inf
        self.best_state: dict[str, torch.Tensor] | None = None
        self.finished = False
        self.status = "ok"  # "ok", "stopped_early" or "diverged"
        self.loss_limit = math.inf  # set from the initial loss (divergence_limit)

    # -- data -------------------------------------------------------------------------------------

    def _tensors(self, x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = torch.as_tensor(x, device=self.device).to(self.dtype)
        if self.data.task == "classification":
            return inputs, torch.as_tensor(y, dtype=torch.int64, device=self.device)
        return inputs, torch.as_tensor(y, device=self.device).to(self.dtype)

    @property
    def parameter_count(self) -> int:
        return count_parameters(self.model)

    def weights(self) -> torch.Tensor:
        """All trainable parameters as one flat vector (a copy)."""
        return torch.cat([p.detach().reshape(-1) for p in self.parameters]).clone()

    # -- evaluation -------------------------------------------------------------------------------

    def _measure(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        if len(x) == 0:
            return math.nan, math.nan
        outputs = self.model(x)
        loss = float(self.loss_fn(outputs, y))
        if self.data.task != "classification":
            return loss, math.nan
        return loss, int((outputs.argmax(1) == y).sum()) / len(y)

    def evaluate(self) -> tuple[float, float, float, float]:
        """(train loss, train accuracy, val loss, val accuracy) in eval mode."""
        was_training = self.model.training
        self.model.eval()
        with torch.inference_mode():
            train = self._measure(self.x_train, self.y_train)
            val = self._measure(self.x_val, self.y_val)
        self.model.train(was_training)
        return (*train, *val)

    def predict(self, inputs: np.ndarray | torch.Tensor) -> np.ndarray:
        """Eval-mode outputs: class probabilities (N, C) or regression values (N,)."""
        x = torch.as_tensor(inputs, device=self.device).to(self.dtype)
        was_training = self.model.training
        self.model.eval()
        with torch.inference_mode():
            out = self.model(x)
            out = torch.softmax(out, 1) if self.data.task == "classification" else out[:, 0]
        self.model.train(was_training)
        return out.cpu().numpy()

    def full_gradient_norm(self) -> float:
        """Norm of the full-batch training gradient (train mode, as an update would see it)."""
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x_train), self.y_train)
        loss.backward()
        norm = float(torch.nn.utils.get_total_norm([p.grad for p in self.parameters]))
        self.optimizer.zero_grad(set_to_none=True)
        return norm

    # -- training ---------------------------------------------------------------------------------

    def _batches(self) -> list[torch.Tensor] | None:
        n, size = len(self.x_train), self.config.batch_size
        if size == 0 or size >= n:
            return None  # full batch
        order = torch.randperm(n, generator=self.generator, device="cpu").to(self.device)
        batches = list(torch.split(order, size))
        if len(batches[-1]) == 1 and self.model_config.batch_norm and len(batches) > 1:
            batches.pop()
        return batches

    def _update(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on a batch; returns (loss, gradient norm) as tensors."""
        augmentation = self.config.augmentation
        if augmentation.any() and self.data.image_shape is not None:
            x, y = augment_batch(
                x, y, augmentation, self.data.classes, self.generator, self.data.image_shape
            )
        if self._closure:

            def closure() -> torch.Tensor:
                self.optimizer.zero_grad(set_to_none=True)
                value = self.loss_fn(self.model(x), y)
                value.backward()
                return value

            loss = self.optimizer.step(closure)
            loss = torch.as_tensor(loss).detach()
        else:
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss_fn(self.model(x), y)
            loss.backward()
            loss = loss.detach()
        grads = [p.grad for p in self.parameters if p.grad is not None]
        norm = torch.nn.utils.get_total_norm(grads) if grads else torch.zeros(())
        if not self._closure:
            self.optimizer.step()
        self.step += 1
        return loss, norm

    def _record(self, lr: float, grad_norm: float) -> EpochRecord:
        train_loss, train_acc, val_loss, val_acc = self.evaluate()
        return EpochRecord(
            epoch=self.epoch,
            step=self.step,
            train_loss=train_loss,
            train_accuracy=train_acc,
            val_loss=val_loss,
            val_accuracy=val_acc,
            lr=lr,
            grad_norm=grad_norm,
            best_epoch=self.best_epoch,
            run=self.label,
        )

    def _track_best(self, record: EpochRecord) -> None:
        if record.val_loss < self.best_val:
            self.best_val, self.best_epoch = record.val_loss, record.epoch
            if self.config.patience is not None and self.config.restore_best:
                self.best_state = copy.deepcopy(self.model.state_dict())
        record.best_epoch = self.best_epoch

    def records(self) -> Iterator[EpochRecord | StepRecord]:
        """Epoch 0, then one record per epoch (and per step with ``per_step``)."""
        config = self.config
        self.model.train()
        first = self._record(math.nan, self.full_gradient_norm())
        first.diverged = not math.isfinite(first.train_loss)
        self.loss_limit = divergence_limit(first.train_loss)
        self._track_best(first)
        yield first
        if first.diverged:
            self.status, self.finished = "diverged", True
            return
        while self.epoch < config.epochs:
            lr = float(self.optimizer.param_groups[0]["lr"])
            self.model.train()
            batches = self._batches()
            norm_sum, updates = torch.zeros(()), 0
            diverged = False
            for index in [None] if batches is None else batches:
                x = self.x_train if index is None else self.x_train[index]
                y = self.y_train if index is None else self.y_train[index]
                loss, norm = self._update(x, y)
                norm_sum = norm_sum + norm
                updates += 1
                if config.per_step:
                    loss_value = float(loss)
                    yield StepRecord(
                        self.epoch + 1, self.step, loss_value, lr, float(norm), self.label
                    )
                    diverged = self.blew_up(loss_value)
                    if diverged:
                        break
            self.scheduler.step()
            self.epoch += 1
            record = self._record(lr, float(norm_sum) / max(updates, 1))
            if diverged or self.blew_up(record.train_loss):
                record.diverged = True
                self.status, self.finished = "diverged", True
                yield record
                return
            self._track_best(record)
            patience = config.patience
            if patience is not None and self.epoch - self.best_epoch >= patience:
                record.stopped = True
                self.status = "stopped_early"
            last = record.stopped or self.epoch >= config.epochs
            if last and patience is not None and config.restore_best:
                self.restore_best()
                record.restored = True
            if last:
                self.finished = True
            yield record
            if record.stopped:
                return
        self.finished = True

    def blew_up(self, loss: float) -> bool:
        """Not finite, or above the limit set by the initial loss."""
        return not math.isfinite(loss) or loss > self.loss_limit

    def restore_best(self) -> None:
        """Put back the weights of the best epoch (needs early stopping on)."""
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)


def kfold_records(
    data: Dataset,
    model_config: ModelConfig,
    config: TrainConfig,
    k: int,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Iterator[EpochRecord | StepRecord]:
    """k-fold cross-validation: the folds trained together, epoch by epoch (each epoch's
    records in fold order), ``run`` = ``"fold 1"``, ...

    Every fold starts from the same initial weights (the config's seed); see
    :func:`core.nets.datasets.kfold_datasets` for the folds. The k networks train in one update
    with :class:`core.nets.many.ManyTrainer` (each fold on its own data) where it can, else one
    trainer per fold in lockstep; every fold's records equal its own :class:`Trainer` run.
    """
    from core.nets.many import many_records  # many imports this module

    folds = kfold_datasets(data, k, seed=config.seed)
    labels = [f"fold {index + 1}" for index in range(len(folds))]
    configs = [config] * len(folds)
    for epoch in many_records(
        data, model_config, configs, labels=labels, device=device, dtype=dtype, datasets=folds
    ):
        yield from epoch


def kfold_summary(records: list[EpochRecord], key: str = "val_loss") -> dict[str, np.ndarray]:
    """Per epoch: mean and standard deviation of ``key`` over the folds that reached it."""
    by_epoch: dict[int, list[float]] = {}
    for record in records:
        by_epoch.setdefault(record.epoch, []).append(getattr(record, key))
    epochs = np.array(sorted(by_epoch))
    values = [np.array(by_epoch[e], dtype=float) for e in epochs]
    return {
        "epoch": epochs,
        "mean": np.array([v.mean() for v in values]),
        "std": np.array([v.std() for v in values]),
        "folds": np.array([len(v) for v in values]),
    }

"""Network scenes: ``"network": {...}`` (``core.scene.NetworkSpec``) to trainer configs and back,
and the headless run that ``losslab run`` writes as JSON.

Result format (``kind: "network"``): one entry in ``runs`` per training (one per fold with
``kfold``), each with ``label``, ``status`` (``ok``, ``stopped_early`` or ``diverged``),
``parameters``, ``best_epoch``, ``restored`` and ``epochs``: one object per epoch (epoch 0 = the
initial weights) with ``epoch``, ``step``, ``train_loss``, ``train_accuracy``, ``val_loss``,
``val_accuracy``, ``lr`` and ``grad_norm`` (JSON ``null`` where a number is undefined: accuracy
for regression, the lr of epoch 0). With ``kfold``, ``kfold`` holds per epoch the mean and
standard deviation of the folds' validation loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch

from core.nets.datasets import Augmentation, Dataset, make_dataset, task_of
from core.nets.models import ModelConfig, build_model, count_parameters
from core.nets.trainer import EpochRecord, TrainConfig, Trainer, kfold_records, kfold_summary


@dataclass(frozen=True)
class NetworkSetup:
    data: dict[str, Any]  # make_dataset's arguments
    model: ModelConfig
    train: TrainConfig
    kfold: int | None = None

    def dataset(self) -> Dataset:
        return make_dataset(**self.data)


def setup_from_spec(spec: Any) -> NetworkSetup:
    """From a validated ``core.scene.NetworkSpec``."""
    dataset = spec.dataset
    data = dataset.model_dump(exclude={"augmentation"})
    augmentation = (
        Augmentation(**dataset.augmentation.model_dump()) if dataset.augmentation else None
    )
    training = spec.training
    loss = spec.loss or ("mse" if task_of(dataset.name) == "regression" else "cross_entropy")
    stopping = training.early_stopping
    train = TrainConfig(
        optimizer=spec.training.optimizer.model_dump(),
        schedule=training.schedule.to_config() if training.schedule else None,
        epochs=training.epochs,
        batch_size=training.batch_size,
        loss=loss,
        patience=stopping.patience if stopping else None,
        restore_best=stopping.restore_best if stopping else True,
        seed=training.seed,
        augmentation=augmentation or Augmentation(),
    )
    model = ModelConfig(**{**spec.model.model_dump(), "hidden": tuple(spec.model.hidden)})
    return NetworkSetup(data=data, model=model, train=train, kfold=training.kfold)


def spec_data(setup: NetworkSetup) -> dict[str, Any]:
    """The ``"network"`` JSON data of a setup (the inverse of :func:`setup_from_spec`)."""
    train = setup.train
    dataset = {k: v for k, v in setup.data.items() if v is not None}
    if train.augmentation.any():
        dataset["augmentation"] = {
            name: getattr(train.augmentation, name) for name in Augmentation.__dataclass_fields__
        }
    training: dict[str, Any] = {
        "optimizer": dict(train.optimizer),
        "epochs": train.epochs,
        "batch_size": train.batch_size,
        "seed": train.seed,
    }
    if train.schedule:
        training["schedule"] = dict(train.schedule)
    if train.patience is not None:
        training["early_stopping"] = {
            "patience": train.patience,
            "restore_best": train.restore_best,
        }
    if setup.kfold:
        training["kfold"] = setup.kfold
    model = setup.model
    return {
        "dataset": dataset,
        "model": {
            "hidden": list(model.hidden),
            "activation": model.activation,
            "batch_norm": model.batch_norm,
            "dropout": model.dropout,
            "init": model.init,
        },
        "loss": train.loss,
        "training": training,
    }


def _number(value: float | int | bool) -> float | int | None:
    if isinstance(value, int):
        return int(value)
    return float(value) if math.isfinite(value) else None


def _run_result(label: str, parameters: int, records: list[EpochRecord]) -> dict:
    last = records[-1]
    status = "diverged" if last.diverged else ("stopped_early" if last.stopped else "ok")
    return {
        "label": label,
        "status": status,
        "parameters": parameters,
        "best_epoch": last.best_epoch,
        "restored": last.restored,
        "epochs": [{k: _number(v) for k, v in r.metrics().items()} for r in records],
    }


def run_network(
    setup: NetworkSetup,
    *,
    epochs: int | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> dict[str, Any]:
    """Train a network scene to the end; the result data described in the module docstring."""
    train = setup.train
    if epochs is not None:
        train = replace(train, epochs=epochs)
    data = setup.dataset()
    parameters = count_parameters(build_model(setup.model, data.input_dim, data.output_dim))
    runs: list[dict[str, Any]] = []
    result: dict[str, Any] = {"kind": "network"}
    if setup.kfold:
        by_fold: dict[str, list[EpochRecord]] = {}
        for record in kfold_records(
            data, setup.model, train, setup.kfold, device=device, dtype=dtype
        ):
            if isinstance(record, EpochRecord):
                by_fold.setdefault(record.run, []).append(record)
        runs = [_run_result(label, parameters, records) for label, records in by_fold.items()]
        everything = [r for records in by_fold.values() for r in records]
        summary = kfold_summary(everything)
        result["kfold"] = {
            "epoch": summary["epoch"].tolist(),
            "val_loss_mean": [_number(v) for v in summary["mean"]],
            "val_loss_std": [_number(v) for v in summary["std"]],
        }
    else:
        trainer = Trainer(data, setup.model, train, device=device, dtype=dtype, label="network")
        records = [r for r in trainer.records() if isinstance(r, EpochRecord)]
        runs = [_run_result("network", parameters, records)]
    result["runs"] = runs
    return result

"""Network scenes: ``"network": {...}`` (``core.scene.NetworkSpec``) to trainer configs and back,
and the headless run that ``losslab run`` writes as JSON.

Result format (``kind: "network"``): one entry in ``runs`` per training (one per fold with
``kfold``), each with ``label``, ``status`` (``ok``, ``stopped_early`` or ``diverged``),
``parameters``, ``best_epoch``, ``restored`` and ``epochs``: one object per epoch (epoch 0 = the
initial weights) with ``epoch``, ``step``, ``train_loss``, ``train_accuracy``, ``val_loss``,
``val_accuracy``, ``lr`` and ``grad_norm`` (JSON ``null`` where a number is undefined: accuracy
for regression, the lr of epoch 0). With ``kfold``, ``kfold`` holds per epoch the mean and
standard deviation of the folds' validation loss.

``training.average`` adds a run labelled ``SWA`` or ``EMA`` (:data:`AVERAGE_LABELS`): the
averaged model's ``epochs`` (``epoch``, ``train_loss``, ``train_accuracy``, ``val_loss``,
``val_accuracy``, ``averaged``: weight vectors in the average), one per epoch of the network,
``null`` before the average holds any weights; ``average`` describes it (``kind``,
``start_epoch``, ``decay`` for EMA, ``label``).

``training.snapshots`` adds ``snapshots``: one object per cycle's end (``cycle``, ``epoch``,
``snapshots``, ``single_loss``, ``single_accuracy``, ``ensemble_loss``, ``ensemble_accuracy``:
the latest snapshot alone and the ensemble of the snapshots so far, on the validation set), and
two runs, ``snapshot ensemble`` and ``last snapshot`` (:data:`SNAPSHOT_LABELS`), whose epochs
carry those validation numbers at the cycle ends and ``null`` elsewhere.

``race`` trains every member (``core.nets.many.many_records``): one run per member, under its
label, and no ``network`` run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch

from core.nets.compiled import compiled_pays
from core.nets.datasets import Augmentation, Dataset, make_dataset, task_of
from core.nets.ensembles import (
    DEFAULT_EMA_DECAY,
    AveragedRecord,
    SnapshotRecord,
    WeightAverager,
    snapshot_config,
    snapshot_ensemble,
)
from core.nets.fast import FastTrainer
from core.nets.many import many_records
from core.nets.models import ModelConfig, build_model, count_parameters
from core.nets.trainer import EpochRecord, TrainConfig, Trainer, kfold_records, kfold_summary

AVERAGE_LABELS = {"swa": "SWA", "ema": "EMA"}
SNAPSHOT_LABELS = ("snapshot ensemble", "last snapshot")


@dataclass(frozen=True)
class NetworkSetup:
    data: dict[str, Any]  # make_dataset's arguments
    model: ModelConfig
    train: TrainConfig
    kfold: int | None = None
    # {"kind": "swa" | "ema", "start_epoch": int, "decay": float (ema)}: weight averaging
    average: dict[str, Any] | None = None
    # {"cycles": int, "first_cycle": int, "t_mult": int}: warm restarts and a snapshot ensemble
    snapshots: dict[str, Any] | None = None
    # ({"label", "optimizer", "batch_size"}, ...): a race of networks (empty: one network)
    race: tuple[dict[str, Any], ...] = ()

    def dataset(self) -> Dataset:
        return make_dataset(**self.data)


def extra_run_labels(average: Any, snapshots: Any) -> list[str]:
    """The runs a result adds beside the trained networks (``average`` and ``snapshots`` as
    scene models or plain data)."""
    labels: list[str] = []
    if average is not None:
        kind = average["kind"] if isinstance(average, dict) else average.kind
        labels.append(AVERAGE_LABELS[kind])
    if snapshots is not None:
        labels += SNAPSHOT_LABELS
    return labels


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
    race = tuple(member.model_dump(exclude_none=True) for member in spec.race or ())
    return NetworkSetup(
        data=data,
        model=model,
        train=train,
        kfold=training.kfold,
        average=training.average.model_dump(exclude_none=True) if training.average else None,
        snapshots=training.snapshots.model_dump() if training.snapshots else None,
        race=race,
    )


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
    if setup.average:
        training["average"] = dict(setup.average)
    if setup.snapshots:
        training["snapshots"] = dict(setup.snapshots)
    model = setup.model
    network = {
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
    if setup.race:
        network["race"] = [
            {**member, "optimizer": dict(member["optimizer"])} for member in setup.race
        ]
    return network


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
    if setup.snapshots:
        snapshots = setup.snapshots
        train = snapshot_config(
            train, snapshots["first_cycle"], snapshots["cycles"], t_mult=snapshots["t_mult"]
        )
    if epochs is not None:
        train = replace(train, epochs=epochs)
    data = setup.dataset()
    parameters = count_parameters(build_model(setup.model, data.input_dim, data.output_dim))
    result: dict[str, Any] = {"kind": "network"}
    if setup.race:
        result["runs"] = _race_runs(setup, train, data, parameters, device, dtype)
    elif setup.kfold:
        result.update(_kfold_runs(setup, train, data, parameters, device, dtype))
    else:
        # The compiled epoch where it pays (a long training; it compiles the kernel first),
        # else torch's update with the hand-written gradient.
        compiled = compiled_pays(setup.model, train, data, train.epochs)
        trainer = FastTrainer(
            data, setup.model, train, device=device, dtype=dtype, label="network", compiled=compiled
        )
        result.update(_single_runs(setup, trainer, parameters))
    return result


def _race_runs(
    setup: NetworkSetup,
    train: TrainConfig,
    data: Dataset,
    parameters: int,
    device: torch.device | str,
    dtype: torch.dtype,
) -> list[dict[str, Any]]:
    labels = [member["label"] for member in setup.race]
    configs = [
        replace(
            train,
            optimizer=dict(member["optimizer"]),
            batch_size=int(member.get("batch_size", 0)),
            per_step=False,
        )
        for member in setup.race
    ]
    by_member: dict[str, list[EpochRecord]] = {label: [] for label in labels}
    for epoch in many_records(
        data, setup.model, configs, labels=labels, device=device, dtype=dtype
    ):
        for record in epoch:
            by_member[record.run].append(record)
    return [_run_result(label, parameters, records) for label, records in by_member.items()]


def _kfold_runs(
    setup: NetworkSetup,
    train: TrainConfig,
    data: Dataset,
    parameters: int,
    device: torch.device | str,
    dtype: torch.dtype,
) -> dict[str, Any]:
    by_fold: dict[str, list[EpochRecord]] = {}
    for record in kfold_records(data, setup.model, train, setup.kfold, device=device, dtype=dtype):
        if isinstance(record, EpochRecord):
            by_fold.setdefault(record.run, []).append(record)
    everything = [r for records in by_fold.values() for r in records]
    summary = kfold_summary(everything)
    return {
        "runs": [_run_result(label, parameters, records) for label, records in by_fold.items()],
        "kfold": {
            "epoch": summary["epoch"].tolist(),
            "val_loss_mean": [_number(v) for v in summary["mean"]],
            "val_loss_std": [_number(v) for v in summary["std"]],
        },
    }


def _single_runs(setup: NetworkSetup, trainer: Trainer, parameters: int) -> dict[str, Any]:
    """The network's run, with the averaged model and the snapshot ensemble beside it."""
    average = setup.average
    averager = None
    if average:
        decay = average.get("decay", DEFAULT_EMA_DECAY)
        start = average.get("start_epoch", 0)
        averager = WeightAverager(trainer, average["kind"], start_epoch=start, decay=decay)
    stream = snapshot_ensemble(trainer) if setup.snapshots else trainer.records()
    records: list[EpochRecord] = []
    averaged: dict[int, AveragedRecord] = {}
    snapshots: list[SnapshotRecord] = []
    try:
        for record in stream:
            if isinstance(record, EpochRecord):
                records.append(record)
                found = averager.after_epoch(record) if averager else None
                if found is not None:
                    averaged[record.epoch] = found
            elif isinstance(record, SnapshotRecord):
                snapshots.append(record)
    finally:
        if averager is not None:
            averager.remove()
    out: dict[str, Any] = {"runs": [_run_result("network", parameters, records)]}
    if average:
        label = AVERAGE_LABELS[average["kind"]]
        out["runs"].append(_averaged_run(label, records, averaged))
        out["average"] = {
            "kind": average["kind"],
            "start_epoch": average.get("start_epoch", 0),
            "label": label,
        }
        if average["kind"] == "ema":
            out["average"]["decay"] = average.get("decay", DEFAULT_EMA_DECAY)
    if setup.snapshots:
        out["snapshots"] = [_snapshot_entry(s) for s in snapshots]
        out["runs"] += _snapshot_runs(records, snapshots)
    return out


_AVERAGED_KEYS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "averaged")


def _averaged_run(
    label: str, records: list[EpochRecord], averaged: dict[int, AveragedRecord]
) -> dict[str, Any]:
    epochs = []
    for record in records:
        found = averaged.get(record.epoch)
        values = {key: getattr(found, key) if found else None for key in _AVERAGED_KEYS}
        epochs.append({"epoch": record.epoch, **{k: _optional(v) for k, v in values.items()}})
    status = "diverged" if records and records[-1].diverged else "ok"
    return {"label": label, "status": status, "of": "network", "epochs": epochs}


def _optional(value: float | int | None) -> float | int | None:
    return None if value is None else _number(value)


def _snapshot_entry(record: SnapshotRecord) -> dict[str, Any]:
    keys = (
        "cycle",
        "epoch",
        "snapshots",
        "single_loss",
        "single_accuracy",
        "ensemble_loss",
        "ensemble_accuracy",
    )
    return {key: _number(getattr(record, key)) for key in keys}


def _snapshot_runs(records: list[EpochRecord], snapshots: list[SnapshotRecord]) -> list[dict]:
    """The ensemble and the latest snapshot as runs (validation numbers at the cycle ends)."""
    at = {s.epoch: s for s in snapshots}
    runs = []
    for label, prefix in zip(SNAPSHOT_LABELS, ("ensemble", "single"), strict=True):
        epochs = []
        for record in records:
            found = at.get(record.epoch)
            loss = getattr(found, f"{prefix}_loss") if found else None
            accuracy = getattr(found, f"{prefix}_accuracy") if found else None
            epochs.append(
                {
                    "epoch": record.epoch,
                    "train_loss": None,
                    "val_loss": _optional(loss),
                    "val_accuracy": _optional(accuracy),
                }
            )
        runs.append({"label": label, "status": "ok", "of": "network", "epochs": epochs})
    return runs

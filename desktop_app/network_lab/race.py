"""A race of networks: 2 to 8 members that differ only in optimizer, learning rate and batch size,
trained at once on the same data with the same architecture. Pure Python + torch (no Qt): it runs
in the Network Lab's worker thread or trainer process, like :mod:`desktop_app.network_lab.session`.

A member is plain data (``settings["race"]``, one dict each): ``{"label": str, "optimizer":
{"name": ..., "lr": ..., ...}, "batch_size": int}`` (batch size 0: full batch). Everything else --
the initial weights and data order (the training's seed), epochs, loss, schedule, early stopping --
is the page's training, so the members start from the same weights and the race compares the
optimizers alone.

:class:`RaceTraining` trains them with :class:`core.nets.many.ManyTrainer` (one update for all
members) where :func:`core.nets.many.many_problem` allows, else with one
:class:`core.nets.fast.FastTrainer` per member in lockstep (as ``core.nets.many.many_records``
does; here the trainers are kept, since the views need each member's model). Either way member k's
records equal a single run of its own settings.

The k folds of cross-validation train the same way (``datasets``: each member on its own fold,
see :func:`core.nets.datasets.kfold_datasets`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from core.nets.datasets import Dataset
from core.nets.fast import FastTrainer
from core.nets.many import ManyTrainer, many_problem
from core.nets.models import ModelConfig, loss_function
from core.nets.trainer import EpochRecord, TrainConfig, Trainer

MIN_MEMBERS, MAX_MEMBERS = 2, 8


def race_members(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The race's members held by the settings (an empty list: no race)."""
    return list(settings.get("race") or [])


def race_is_on(settings: dict[str, Any]) -> bool:
    """A race trains instead of the single network once it has at least two members."""
    return len(race_members(settings)) >= MIN_MEMBERS


def member_training(training: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
    """A scene's ``"training"`` data for ``member``: the page's training with the member's
    optimizer and batch size (a schedule, early stopping and the seed stay the race's own)."""
    return {**training, "optimizer": dict(member["optimizer"]), "batch_size": member["batch_size"]}


def member_config(base: TrainConfig, member: dict[str, Any]) -> TrainConfig:
    """The training config of ``member``: ``base`` with its optimizer and batch size. No per-step
    records: a race's curves are per epoch."""
    return replace(
        base,
        optimizer=dict(member["optimizer"]),
        batch_size=int(member["batch_size"]),
        per_step=False,
    )


class RaceMember:
    """What the views and the curvature/landscape computations need of one member, whichever
    trainer trains it: ``model`` (a copy for a stacked member), ``loss_fn``, the training
    tensors, ``initial_weights``, ``weights()``, ``predict()``, ``finished`` and ``status``."""

    def __init__(self, race: RaceTraining, index: int) -> None:
        self.race, self.index = race, index
        self.data = race.datasets[index] if race.datasets else race.data  # its own fold's
        self.model_config = race.model_config
        self.loss_fn = loss_function(race.configs[index].loss, race.data.task, race.data.classes)
        self.initial_weights = self.weights()

    @property
    def _single(self) -> Trainer | None:
        return self.race.trainers[self.index] if self.race.trainers else None

    @property
    def model(self) -> torch.nn.Module:
        single = self._single
        return single.model if single is not None else self.race.many.member_model(self.index)

    @property
    def _training_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        single = self._single
        if single is not None:
            return single.x_train, single.y_train
        return self.race.many.training_set(self.index)

    @property
    def x_train(self) -> torch.Tensor:
        return self._training_set[0]

    @property
    def y_train(self) -> torch.Tensor:
        return self._training_set[1]

    def weights(self) -> torch.Tensor:
        single = self._single
        return single.weights() if single is not None else self.race.many.weights(self.index)

    def predict(self, inputs: np.ndarray | torch.Tensor) -> np.ndarray:
        return self.race.predict(inputs)[self.index]

    @property
    def status(self) -> str:
        single = self._single
        return single.status if single is not None else self.race.many.status[self.index]

    @property
    def finished(self) -> bool:
        single = self._single
        if single is not None:
            return single.finished
        many = self.race.many
        return many.status[self.index] != "ok" or many.epoch >= many.epochs


class RaceTraining:
    """The members of a race, trained together (module docstring). ``records()`` yields each
    epoch's records, one per member still training; ``members`` are their :class:`RaceMember`
    views, in the order of ``labels``; ``fallback`` says why the members train one by one
    (None: stacked in one :class:`~core.nets.many.ManyTrainer`)."""

    def __init__(
        self,
        data: Dataset,
        model_config: ModelConfig,
        labels: Sequence[str],
        configs: Sequence[TrainConfig],
        *,
        dtype: torch.dtype = torch.float32,
        datasets: Sequence[Dataset] | None = None,
        device: torch.device | str = "cpu",
    ) -> None:
        self.data, self.model_config = data, model_config
        self.labels, self.configs = list(labels), list(configs)
        self.datasets = list(datasets) if datasets is not None else None
        self.fallback = many_problem(model_config, self.configs, data)
        self.many: ManyTrainer | None = None
        self.trainers: list[Trainer] = []
        if self.fallback is None:
            self.many = ManyTrainer(
                data,
                model_config,
                self.configs,
                labels=labels,
                dtype=dtype,
                datasets=datasets,
                device=device,
            )
        else:
            own = self.datasets or [data] * len(self.configs)
            self.trainers = [
                FastTrainer(member, model_config, config, label=label, dtype=dtype, device=device)
                for member, label, config in zip(own, self.labels, self.configs, strict=True)
            ]
        self._epochs_seen = 0
        self._predicted: tuple[int, int, np.ndarray] | None = None  # (epochs seen, id, outputs)
        self.members = [RaceMember(self, k) for k in range(len(self.labels))]

    def records(self) -> Iterator[list[EpochRecord]]:
        """Epoch 0, then one list per epoch of the records of the members still training."""
        stream = self.many.records() if self.many is not None else self._lockstep()
        for records in stream:
            self._epochs_seen += 1
            yield records

    def _lockstep(self) -> Iterator[list[EpochRecord]]:
        running = [trainer.records() for trainer in self.trainers]
        while running:
            epoch: list[EpochRecord] = []
            for records in list(running):
                record = next((r for r in records if isinstance(r, EpochRecord)), None)
                if record is None:
                    running.remove(records)
                else:
                    epoch.append(record)
            if epoch:
                yield epoch

    def predict(self, inputs: np.ndarray | torch.Tensor) -> np.ndarray:
        """Every member's outputs on ``inputs`` (``(K, N, C)`` probabilities or ``(K, N)``
        values), computed once per epoch and input array (the snapshots of an epoch share it)."""
        key = (self._epochs_seen, id(inputs))
        if self._predicted is not None and self._predicted[:2] == key:
            return self._predicted[2]
        if self.many is not None:
            outputs = self.many.predict(inputs)
        else:
            outputs = np.stack([trainer.predict(inputs) for trainer in self.trainers])
        self._predicted = (*key, outputs)
        return outputs

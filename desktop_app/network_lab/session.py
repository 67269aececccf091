"""What the Network Lab's worker runs: trainers, and what the views need from their models.

Pure Python + torch (no Qt): a :class:`Session` owns the trainers of one training (a single
network, the folds of k-fold cross-validation, or the runs of a one-click experiment) and its
``items()`` generator yields the trainers' records plus, at most ``SNAPSHOT_HZ`` times a second per
run (and always at a run's last epoch), a :class:`Snapshot`: the model's predictions on a grid
(2D data), along the x axis (1D data) or the confusion matrix and sample predictions (digits).
The GUI draws the newest snapshot; nothing here touches a widget, and the GUI never touches a
model while the worker may be using it (curvature and landscapes run in the same serial worker,
after the training job has stopped).
"""

from __future__ import annotations

import math
import queue
import time
import traceback
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from core.nets.datasets import Dataset, kfold_datasets, make_dataset
from core.nets.ensembles import (
    WeightAverager,
    restart_cycle_ends,
    snapshot_ensemble,
)
from core.nets.experiments import EXPERIMENTS, Conclusion, ExperimentRunner
from core.nets.fast import FastTrainer
from core.nets.models import ModelConfig
from core.nets.ratios import UpdateRatioMonitor, ratio_record
from core.nets.trainer import EpochRecord, StepRecord, TrainConfig, Trainer
from core.nets.views import boundary_line, confusion_matrix
from core.noise_scale import trainer_noise_record
from desktop_app.network_lab.race import RaceMember, RaceTraining

SNAPSHOT_HZ = 30.0
NOISE_HZ = 20.0  # B_simple measurements a second at most (a per-example gradient pass each)
SNAPSHOT_SHARE = 3.0  # a round of snapshots waits 3x its own cost: training keeps ~3/4 of the time
GRID = 90  # decision-boundary resolution per side
CURVE_POINTS = 300
SAMPLES = 12  # digits shown with their predictions


@dataclass
class Snapshot:
    run: str
    epoch: int
    kind: str  # "boundary", "curve" or "digits"
    restored: bool = False
    grid: np.ndarray | None = None  # (GRID, GRID): P(class 1), row = y
    rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # x, y, width, height
    boundary: np.ndarray | None = None  # (K, 2) the p = 0.5 line, NaN-separated
    # 3 or more classes: per grid cell the most likely class and its probability (row = y); the
    # boundary is then the lines where the most likely class changes
    winner: np.ndarray | None = None  # (GRID, GRID) int
    confidence: np.ndarray | None = None  # (GRID, GRID)
    xs: np.ndarray | None = None  # (M,) 1D inputs
    fitted: np.ndarray | None = None  # (M,) the model's curve
    # (10, 10) for the digits, (K, K) for 3 or more 2D classes: validation counts, row = truth
    confusion: np.ndarray | None = None
    sample_images: np.ndarray | None = None  # (SAMPLES, 8, 8)
    sample_truth: np.ndarray | None = None
    sample_predicted: np.ndarray | None = None
    sample_confidence: np.ndarray | None = None
    bn_stats: list[tuple[float, float]] = field(default_factory=list)  # per BN layer
    averaged: bool = False  # the predictions of weight averaging's model, not the run's own


@dataclass
class Finished:
    """The session has nothing more to train."""

    statuses: dict[str, str]


class _Viewer:
    """Computes snapshots of one trainer's model (inputs prepared once)."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        if data.image_shape is not None:
            self.kind = "digits"
        elif data.input_dim == 2:
            self.kind = "boundary"
            (x0, x1), (y0, y1) = data.bounds
            self.xs = np.linspace(x0, x1, GRID)
            self.ys = np.linspace(y0, y1, GRID)
            gx, gy = np.meshgrid(self.xs, self.ys)
            self.points = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32))
            step_x, step_y = (x1 - x0) / (GRID - 1), (y1 - y0) / (GRID - 1)
            self.rect = (x0 - step_x / 2, y0 - step_y / 2, x1 - x0 + step_x, y1 - y0 + step_y)
        else:
            self.kind = "curve"
            (low, high) = data.bounds[0]
            self.xs = np.linspace(low, high, CURVE_POINTS)
            self.points = torch.from_numpy(self.xs[:, None].astype(np.float32))

    def snapshot(self, trainer: Trainer, run: str, epoch: int, restored: bool) -> Snapshot:
        shot = Snapshot(run=run, epoch=epoch, kind=self.kind, restored=restored)
        if trainer.model_config.batch_norm:  # a race member's model is built on each call
            shot.bn_stats = _bn_stats(trainer.model)
        if self.kind == "boundary" and self.data.classes > 2:
            probabilities = trainer.predict(self.points).reshape(GRID, GRID, -1)
            shot.grid, shot.rect = probabilities[..., 1], self.rect
            shot.winner = probabilities.argmax(-1)
            shot.confidence = probabilities.max(-1)
            shot.boundary = _class_borders(self.xs, self.ys, probabilities)
            predicted = trainer.predict(self.data.x_val).argmax(1)
            shot.confusion = confusion_matrix(self.data.y_val, predicted, self.data.classes)
        elif self.kind == "boundary":
            probability = trainer.predict(self.points)[:, 1].reshape(GRID, GRID)
            shot.grid, shot.rect = probability, self.rect
            shot.boundary = boundary_line(self.xs, self.ys, probability)
        elif self.kind == "curve":
            shot.xs, shot.fitted = self.xs, trainer.predict(self.points)
        else:
            probabilities = trainer.predict(self.data.x_val)
            predicted = probabilities.argmax(1)
            truth = self.data.y_val
            shot.confusion = confusion_matrix(truth, predicted, self.data.classes)
            shot.sample_images = self.data.x_val[:SAMPLES].reshape(-1, 8, 8)
            shot.sample_truth = truth[:SAMPLES]
            shot.sample_predicted = predicted[:SAMPLES]
            shot.sample_confidence = probabilities[:SAMPLES].max(1)
        return shot


def _class_borders(xs: np.ndarray, ys: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Where the most likely class changes: per class, the zero line of its probability minus
    the best other class's, joined into one NaN-separated ``(K, 2)`` line."""
    lines = []
    for k in range(probabilities.shape[-1]):
        others = np.delete(probabilities, k, axis=-1).max(-1)
        line = boundary_line(xs, ys, probabilities[..., k] - others, level=0.0)
        if len(line):
            lines += [line, np.full((1, 2), np.nan)]
    return np.concatenate(lines) if lines else np.empty((0, 2))


def _bn_stats(model: torch.nn.Module) -> list[tuple[float, float]]:
    """Mean running mean and mean running variance of each batch-norm layer."""
    out = []
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm1d) and module.running_mean is not None:
            out.append((float(module.running_mean.mean()), float(module.running_var.mean())))
    return out


class Session:
    """One training shown by the page: ``kind`` "single", "kfold", "experiment" or "race"."""

    def __init__(
        self,
        *,
        data: Dataset | None = None,
        model: ModelConfig | None = None,
        train: TrainConfig | None = None,
        kfold: int | None = None,
        experiment: ExperimentRunner | None = None,
        race: RaceTraining | None = None,
        average: dict[str, Any] | None = None,
        snapshots: bool = False,
        device: str = "cpu",
    ) -> None:
        self.trainers: dict[str, Trainer | RaceMember] = {}
        self.viewers: dict[str, _Viewer] = {}
        self.experiment = experiment
        self.race = race
        if race is not None:
            self.kind = "race"
            self.trainers = dict(zip(race.labels, race.members, strict=True))
            viewer = _Viewer(race.data)  # one grid for all: the race predicts it at once
            self.viewers = dict.fromkeys(race.labels, viewer)
        elif experiment is not None:
            self.kind = "experiment"
            self.trainers = dict(experiment.trainers)
            self.viewers = {label: _Viewer(t.data) for label, t in self.trainers.items()}
        elif kfold:
            # the folds train together, each on its own data (core.nets.many), like a race
            self.kind = "kfold"
            folds = kfold_datasets(data, kfold, seed=train.seed)
            labels = [f"fold {index + 1}" for index in range(len(folds))]
            self.race = RaceTraining(
                data, model, labels, [train] * len(folds), datasets=folds, device=device
            )
            self.trainers = dict(zip(labels, self.race.members, strict=True))
            self.viewers = {label: _Viewer(fold) for label, fold in zip(labels, folds, strict=True)}
            shared = self.viewers[labels[0]].points  # one grid: the race predicts it at once
            for viewer in self.viewers.values():
                viewer.points = shared
        else:
            self.kind = "single"
            self.trainers["network"] = FastTrainer(
                data, model, train, label="network", device=device
            )
            self.viewers["network"] = _Viewer(data)
        for trainer in self.trainers.values():
            if isinstance(trainer, FastTrainer):
                trainer.warm_up_in_background()  # the compiled kernel loads during epoch 0
        self.averagers: dict[str, WeightAverager] = {}
        if self.kind == "single" and average:
            self.averagers["network"] = _averager(self.trainers["network"], average)
        self._next_snapshot: dict[str, float] = {}  # per run: when one is due again
        # the single network's monitors the page shows ("ratios", "noise_scale"); set by items()
        self.watch: frozenset[str] = frozenset({"ratios"})
        self._stream = self._records(average, snapshots)
        self.done = False

    @property
    def labels(self) -> list[str]:
        return list(self.trainers)

    def _records(
        self, average: dict[str, Any] | None, snapshots: bool
    ) -> Iterator[list[EpochRecord | StepRecord | Conclusion]]:
        """The training's records in groups: a race's (or the k folds') epoch together, else one
        by one."""
        if self.race is not None:
            yield from self.race.records()
            return
        if self.experiment is None:
            trainer = self.trainers["network"]
            averager = self.averagers.get("network")
            yield from single_records(
                trainer,
                averager,
                snapshots,
                lambda: "ratios" in self.watch,
                lambda: "noise_scale" in self.watch,
            )
            return
        for record in self.experiment.records():
            yield [record]

    def snapshot(self, label: str, epoch: int = 0, restored: bool = False) -> Snapshot:
        return self.viewers[label].snapshot(self.trainers[label], label, epoch, restored)

    def averaged_snapshot(self, label: str, epoch: int) -> Snapshot | None:
        """The averaged model's predictions (weight averaging), None before it holds weights."""
        averager = self.averagers.get(label)
        if averager is None or averager.count == 0:
            return None
        view = _AveragedView(self.trainers[label], averager.model)
        shot = self.viewers[label].snapshot(view, label, epoch, False)
        shot.averaged = True
        return shot

    def _due(self, record: EpochRecord, now: float) -> bool:
        """Whether a snapshot of ``record``'s run is due (rate-limited; epoch 0 and a run's last
        epoch always)."""
        due = now >= self._next_snapshot.get(record.run, -math.inf)
        return due or record.epoch == 0 or self.trainers[record.run].finished

    def items(
        self,
        epochs: int | None = None,
        max_rate: float = 0.0,
        watch: Collection[str] = ("ratios",),
    ) -> Iterator[object]:
        """Go on training: records and snapshots until ``epochs`` more epochs (None: to the end).

        Each call continues the same trainers. A snapshot follows an epoch record at most
        ``SNAPSHOT_HZ`` times a second per run (less often when snapshots are slow: the next
        waits ``SNAPSHOT_SHARE`` times the cost of the last), and always after epoch 0, a run's
        last epoch and the last epoch of this call; a race's members are snapshot together.
        ``max_rate`` > 0 caps the epochs per second (slow motion).
        ``epochs=0`` delivers just the next epoch-0 record (a fresh session's initial state).
        At the end of the training a :class:`Finished` follows. ``watch``: the single network's
        monitors to record, those whose tab is shown (off they cost nothing): ``"ratios"`` (the
        update ratios), ``"noise_scale"`` (B_simple, :class:`core.noise_scale.NoiseRecord`).
        """
        self.watch = frozenset(watch)
        seen = 0
        start = time.perf_counter()
        for group in self._stream:
            epoch_records = [r for r in group if isinstance(r, EpochRecord)]
            if not epoch_records:
                yield from group
                continue
            advanced = any(record.epoch > 0 for record in epoch_records)
            seen += advanced
            stop = epochs is not None and seen >= epochs
            now = time.perf_counter()
            shot_runs, spent = [], 0.0
            for record in group:
                yield record
                if isinstance(record, EpochRecord) and (stop or self._due(record, now)):
                    begun = time.perf_counter()
                    shot = self.snapshot(record.run, record.epoch, record.restored)
                    spent += time.perf_counter() - begun
                    shot_runs.append(record.run)
                    yield shot
                    averaged = self.averaged_snapshot(record.run, record.epoch)
                    if averaged is not None:
                        yield averaged
            # At most SNAPSHOT_HZ a second, and never more than about a quarter of the time (a
            # race of eight predicts eight grids per round)
            wait = max(1.0 / SNAPSHOT_HZ, SNAPSHOT_SHARE * spent)
            self._next_snapshot.update(dict.fromkeys(shot_runs, now + wait))
            if max_rate > 0 and advanced:
                delay = start + seen / max_rate - time.perf_counter()
                if delay > 0:
                    time.sleep(min(delay, 1.0))
            if stop:
                return
        self.done = True
        yield Finished({label: t.status for label, t in self.trainers.items()})


class _AveragedView:
    """``trainer`` predicting with another model (weight averaging's), for a snapshot."""

    def __init__(self, trainer: Trainer, model: torch.nn.Module) -> None:
        self._trainer, self.model = trainer, model

    def predict(self, inputs: np.ndarray | torch.Tensor) -> np.ndarray:
        return Trainer.predict(self, inputs)  # the trainer's own code, on this model

    def __getattr__(self, name: str) -> Any:
        return getattr(self._trainer, name)


def _averager(trainer: Trainer, average: dict[str, Any]) -> WeightAverager:
    """The settings' weight averaging (``{"kind", "start_epoch", "decay"}``) of ``trainer``."""
    decay = {"decay": float(average["decay"])} if average.get("decay") else {}
    start = int(average.get("start_epoch") or 1)
    return WeightAverager(trainer, average["kind"], start_epoch=start, **decay)


def single_records(
    trainer: Trainer,
    averager: WeightAverager | None = None,
    snapshots: bool = False,
    want_ratios: Callable[[], bool] = lambda: True,
    want_noise: Callable[[], bool] = lambda: False,
) -> Iterator[list[object]]:
    """A single network's records in groups, each epoch record with its diagnostics: a
    :class:`RatioRecord` (``core.nets.ratios``), an :class:`AveragedRecord` (``averager``: the
    settings' weight averaging) and, after a warm-restart cycle's last epoch (``snapshots``), a
    :class:`SnapshotRecord` without its weights (the page draws numbers).

    Grouped, not chained as core's ``with_*`` wrappers chain them: those yield an epoch's record
    before its extras, so a page that stops after "one epoch" would get the extras one call late.
    The values are core's: the records come from ``ratio_record`` and ``after_epoch``.
    With ``want_noise()``, a :class:`core.noise_scale.NoiseRecord` (at most ``NOISE_HZ`` a
    second). The ratio monitor is on only while ``want_ratios()`` (its hooks cost 15-40% of the
    epochs per second of torch's update with mini-batches of 10; compiled epochs measure the
    ratios themselves); it is asked before each epoch.
    """
    monitor: UpdateRatioMonitor | None = None
    last_noise = -math.inf  # when B_simple was last measured (at most NOISE_HZ a second)
    ends = set(restart_cycle_ends(trainer.config)) if snapshots else set()
    stream = snapshot_ensemble(trainer) if snapshots else trainer.records()
    try:
        for record in stream:
            if not isinstance(record, EpochRecord):
                yield [record]
                continue
            group: list[object] = [record]
            if monitor is not None and record.epoch > 0:
                group.append(ratio_record(monitor, record, trainer.model))
            if want_noise() and not record.diverged and _noise_due(record, trainer, last_noise):
                group.append(trainer_noise_record(trainer, record.epoch))
                last_noise = time.perf_counter()
            if averager is not None:
                averaged = averager.after_epoch(record)
                group.extend([averaged] if averaged is not None else [])
            if record.epoch in ends and not record.diverged:
                group.append(replace(next(stream), weights={}))  # snapshot_ensemble's, at once
            yield group
            monitor = _switch_monitor(monitor, trainer, want_ratios())  # for the next epoch
    finally:
        _switch_monitor(monitor, trainer, False)
        if averager is not None:
            averager.remove()


def _noise_due(record: EpochRecord, trainer: Trainer, last: float) -> bool:
    """B_simple costs a per-example gradient pass: measured at most ``NOISE_HZ`` times a
    second, and always at epoch 0 and the training's last epoch."""
    due = time.perf_counter() - last >= 1.0 / NOISE_HZ
    return due or record.epoch == 0 or record.epoch >= trainer.config.epochs


def _switch_monitor(
    monitor: UpdateRatioMonitor | None, trainer: Trainer, on: bool
) -> UpdateRatioMonitor | None:
    """The ratio monitor hooked on (a new one) or off (None); a trainer with compiled epochs
    measures the ratios in them too (``watch_ratios``) and keeps training compiled."""
    watch = getattr(trainer, "watch_ratios", None)
    if on and monitor is None:
        monitor = UpdateRatioMonitor(trainer.model, trainer.optimizer)
        if watch is not None:
            watch(monitor)
        return monitor
    if not on and monitor is not None:
        monitor.remove()
        if watch is not None and getattr(trainer, "ratio_monitor", None) is monitor:
            watch(None)
        return None
    return monitor


# --- what a training is, as plain data (it crosses into the trainer process) -------------------


@dataclass(frozen=True)
class TrainingSpec:
    """A training the page wants: ``kind`` "single", "kfold", "experiment" or "race" (``train``
    is then the race's shared training, ``race`` each member's label and config)."""

    kind: str
    data: dict[str, Any] | None = None  # make_dataset's arguments
    points: tuple[tuple[float, float, int], ...] = ()  # clicked training points
    model: ModelConfig | None = None
    train: TrainConfig | None = None
    kfold: int | None = None
    experiment: str | None = None
    race: tuple[tuple[str, TrainConfig], ...] = ()
    average: tuple[tuple[str, Any], ...] = ()  # settings["training"]["average"] as items
    snapshots: bool = False  # ``train`` is a snapshot ensemble's (core.nets.ensembles)
    device: str = "cpu"  # where the networks train (the page's; experiments stay on the CPU)

    def dataset(self) -> Dataset:
        data = make_dataset(**self.data)
        if self.points:
            points = np.array([(x, y) for x, y, _ in self.points])
            data = data.with_points(points, np.array([c for _, _, c in self.points]))
        return data

    def session(self) -> Session:
        if self.kind == "experiment":
            return Session(experiment=ExperimentRunner(EXPERIMENTS[self.experiment]))
        if self.kind == "race":
            labels, configs = zip(*self.race, strict=True)
            race = RaceTraining(self.dataset(), self.model, labels, configs, device=self.device)
            return Session(race=race)
        return Session(
            data=self.dataset(),
            model=self.model,
            train=self.train,
            kfold=self.kfold,
            average=dict(self.average) or None,
            snapshots=self.snapshots,
            device=self.device,
        )


RESULT_KEYS = {"curvature": "curvature", "interpolation": "landscape", "slice": "landscape"}


def compute(session: Session, kind: str, label: str, argument: Any = None) -> Any:
    """Curvature or a landscape of run ``label``'s model at its current weights."""
    trainer = session.trainers[label]
    inputs = (trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    if kind == "curvature":
        from core.nets.curvature import analyze

        return analyze(*inputs)
    if kind == "interpolation":
        from core.nets.landscape import interpolation_curve

        alphas, losses = interpolation_curve(*inputs, trainer.initial_weights, trainer.weights())
        return ("line", alphas, losses)
    if kind == "slice":
        from core.nets.landscape import slice_surface
        from core.surfaces.raster import rasterize

        surface = slice_surface(*inputs, span=float(argument or 1.0))
        return ("slice", rasterize(surface, SLICE_RESOLUTION, log_scale=True))
    raise ValueError(f"unknown computation {kind!r}")


SLICE_RESOLUTION = 61
BATCH_SECONDS = 0.02  # a batch of results about 50 times a second: 30+ frames can each show news


def trainer_process(commands, results) -> None:
    """The trainer process: owns the current session; answers the page's commands.

    Commands are tuples: ``("new", generation, spec)``, ``("run", generation, request, epochs,
    rate[, watch])``, ``("pause",)``, ``("compute", generation, request, kind, label, argument)``,
    ``("quit",)``. Results are ``(key, generation, request, items, done)``; every request ends
    with one ``done`` result, ``("error", key, generation, request, message)`` on failure.
    Training runs between commands in slices of about 20 ms, so a command waits at most that.
    """
    torch.set_num_threads(1)  # the GUI has the other core
    loop = _TrainerLoop(results)
    while True:
        try:
            command = commands.get(block=loop.job is None, timeout=None if loop.job is None else 0)
        except queue.Empty:
            command = None
        if command is not None:
            if command[0] == "quit":
                return
            loop.handle(command)
        elif loop.job is not None:
            loop.train_slice()


class _TrainerLoop:
    """The trainer process's state: the current session and the training job it runs."""

    def __init__(self, results) -> None:
        self.results = results
        self.session: Session | None = None
        self.spec: TrainingSpec | None = None
        self.generation = -1
        self.job: tuple[int, Iterator[object]] | None = None  # (request, items)

    def finish_job(self) -> None:
        if self.job is not None:
            self.results.put(("train", self.generation, self.job[0], [], True))
            self.job = None

    def current_session(self) -> Session:
        if self.session is None:
            self.session = self.spec.session()
        return self.session

    def handle(self, command: tuple) -> None:
        """Answer one command other than ``quit``."""
        name = command[0]
        if name == "new":
            self.finish_job()
            _, self.generation, self.spec = command
            self.session = None
        elif name == "pause":
            self.finish_job()
        elif name == "run" and command[1] == self.generation:
            self._run(command)
        elif name == "compute" and command[1] == self.generation:
            self._compute(command)
        elif name in ("run", "compute"):  # for an old training: answer and forget
            self.results.put(("train", command[1], command[2], [], True))

    def _run(self, command: tuple) -> None:
        self.finish_job()
        _, _, request, epochs, rate, *rest = command
        watch = tuple(rest[0]) if rest else ("ratios",)  # the monitors the page shows
        try:
            self.job = (request, self.current_session().items(epochs, rate, watch))
        except Exception as error:  # a setting the forms did not catch
            self.results.put(("error", "train", self.generation, request, _describe(error)))

    def _compute(self, command: tuple) -> None:
        self.finish_job()
        _, _, request, kind, label, argument = command
        key = RESULT_KEYS[kind]
        try:
            value = compute(self.current_session(), kind, label, argument)
            self.results.put((key, self.generation, request, [value], True))
        except Exception as error:
            self.results.put(("error", key, self.generation, request, _describe(error)))

    def train_slice(self) -> None:
        """Train for about ``BATCH_SECONDS`` and send what came out."""
        request, items = self.job
        pending: list[object] = []
        start = time.perf_counter()
        try:
            for item in items:
                pending.append(item)
                if time.perf_counter() - start >= BATCH_SECONDS:
                    break
            else:
                self.results.put(("train", self.generation, request, pending, True))
                self.job = None
                return
        except Exception as error:
            self.results.put(("error", "train", self.generation, request, _describe(error)))
            self.job = None
            return
        self.results.put(("train", self.generation, request, pending, False))


def _describe(error: BaseException) -> str:
    last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" ({last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{error.__class__.__name__}: {error}{where}"

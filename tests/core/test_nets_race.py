"""A race of networks (desktop_app.network_lab.race, Qt-free): each member's records are its own
single run's, stacked in one ManyTrainer or, where it cannot, one trainer per member; the
session streams a race's epochs together and steps it an epoch at a time."""

import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig
from core.nets.trainer import EpochRecord, TrainConfig, Trainer
from desktop_app.network_lab.race import (
    RaceTraining,
    member_config,
    member_training,
    race_is_on,
    race_members,
)
from desktop_app.network_lab.session import Finished, Snapshot, TrainingSpec

DATA = {"name": "circles", "seed": 0, "size": 120, "val_fraction": 0.3}
MODEL = ModelConfig(hidden=(6,), activation="tanh")
BASE = TrainConfig(optimizer={"name": "adam", "lr": 0.03}, epochs=6, batch_size=0, seed=3)
MEMBERS = [
    {"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.3}, "batch_size": 0},
    {
        "label": "Momentum",
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
        "batch_size": 8,
    },
    {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.03}, "batch_size": 16},
]


def single_run(data, model, config) -> list[EpochRecord]:
    return [r for r in Trainer(data, model, config).records() if isinstance(r, EpochRecord)]


def race_records(race: RaceTraining) -> dict[str, list[EpochRecord]]:
    out: dict[str, list[EpochRecord]] = {label: [] for label in race.labels}
    for epoch in race.records():
        for record in epoch:
            out[record.run].append(record)
    return out


def assert_same_run(mine: list[EpochRecord], single: list[EpochRecord]) -> None:
    assert len(mine) == len(single)
    for field in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"):
        a = np.array([getattr(r, field) for r in mine])
        b = np.array([getattr(r, field) for r in single])
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=field)
    assert [r.step for r in mine] == [r.step for r in single]


def test_member_settings_are_the_training_with_their_optimizer_and_batch():
    assert not race_is_on({}) and not race_is_on({"race": MEMBERS[:1]})
    assert race_is_on({"race": MEMBERS[:2]}) and race_members({"race": MEMBERS}) == MEMBERS
    training = {"optimizer": {"name": "adam", "lr": 0.01}, "epochs": 9, "batch_size": 0, "seed": 4}
    assert member_training(training, MEMBERS[1]) == {
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
        "epochs": 9,
        "batch_size": 8,
        "seed": 4,
    }
    config = member_config(BASE, MEMBERS[2])
    assert config.optimizer == {"name": "adam", "lr": 0.03} and config.batch_size == 16
    assert config.seed == BASE.seed and config.epochs == BASE.epochs and not config.per_step


def test_each_stacked_member_records_its_own_single_run():
    data = make_dataset(**DATA)
    configs = [member_config(BASE, m) for m in MEMBERS]
    race = RaceTraining(data, MODEL, [m["label"] for m in MEMBERS], configs)
    assert race.fallback is None and race.many is not None
    records = race_records(race)
    for member, config in zip(MEMBERS, configs, strict=True):
        assert_same_run(records[member["label"]], single_run(data, MODEL, config))
    # the members really differ (their own optimizers), and each model predicts as trained
    finals = [records[m["label"]][-1].train_loss for m in MEMBERS]
    assert len({round(f, 6) for f in finals}) == 3
    grid = np.array([[0.1, 0.2], [-0.5, 0.4]], dtype=np.float32)
    for member in race.members:
        expected = member.model(torch.from_numpy(grid)).softmax(1).detach().numpy()
        np.testing.assert_allclose(member.predict(grid), expected, atol=1e-6)
        assert member.finished and member.status == "ok"
        assert not np.allclose(member.weights().numpy(), member.initial_weights.numpy())


def test_members_the_stack_cannot_train_fall_back_to_their_own_trainers():
    data = make_dataset(**DATA)
    base = TrainConfig(optimizer={"name": "adam", "lr": 0.03}, epochs=5, seed=1, patience=2)
    configs = [member_config(base, m) for m in MEMBERS[:2]]
    race = RaceTraining(data, MODEL, ["a", "b"], configs)
    assert race.fallback is not None and "early stopping" in race.fallback
    records = race_records(race)
    for label, config in zip(("a", "b"), configs, strict=True):
        assert_same_run(records[label], single_run(data, MODEL, config))


def test_a_race_session_streams_whole_epochs_and_steps_one_epoch_at_a_time():
    spec = TrainingSpec(
        kind="race",
        data=DATA,
        model=MODEL,
        train=BASE,
        race=tuple((m["label"], member_config(BASE, m)) for m in MEMBERS),
    )
    session = spec.session()
    assert session.kind == "race" and session.labels == [m["label"] for m in MEMBERS]
    first = list(session.items(epochs=0))
    records = [i for i in first if isinstance(i, EpochRecord)]
    shots = [i for i in first if isinstance(i, Snapshot)]
    assert [r.epoch for r in records] == [0, 0, 0] and len(shots) == 3
    step = [i for i in session.items(epochs=1) if isinstance(i, EpochRecord)]
    assert [(r.run, r.epoch) for r in step] == [(m["label"], 1) for m in MEMBERS]
    rest = list(session.items())
    assert isinstance(rest[-1], Finished) and set(rest[-1].statuses.values()) == {"ok"}
    shots = [i for i in rest if isinstance(i, Snapshot)]
    last = {s.run: s for s in shots}
    assert {s.epoch for s in last.values()} == {BASE.epochs}
    # each member's own boundary: the pictures differ
    grids = [last[m["label"]].grid for m in MEMBERS]
    assert not np.allclose(grids[0], grids[2]) and all(math.isfinite(g.sum()) for g in grids)


@pytest.mark.parametrize("kind", ["curvature", "interpolation"])
def test_curvature_and_landscapes_of_a_member(kind):
    from desktop_app.network_lab.session import compute

    spec = TrainingSpec(
        kind="race",
        data=DATA,
        model=MODEL,
        train=BASE,
        race=tuple((m["label"], member_config(BASE, m)) for m in MEMBERS[:2]),
    )
    session = spec.session()
    list(session.items(epochs=2))
    result = compute(session, kind, "Momentum")
    if kind == "curvature":
        assert result.parameters == 6 * 2 + 6 + 6 * 2 + 2
    else:
        _, alphas, losses = result
        assert len(alphas) == len(losses) and losses[-1] < losses[0]


def test_a_race_crosses_into_the_trainer_process_and_trains_there():
    """The spec pickles (the process backend sends it), and the trainer loop trains it."""
    import pickle
    import queue

    from desktop_app.network_lab.session import _TrainerLoop

    spec = TrainingSpec(
        kind="race",
        data=DATA,
        model=MODEL,
        train=BASE,
        race=tuple((m["label"], member_config(BASE, m)) for m in MEMBERS[:2]),
    )
    results: queue.Queue = queue.Queue()
    loop = _TrainerLoop(results)
    loop.handle(("new", 1, pickle.loads(pickle.dumps(spec))))
    loop.handle(("run", 1, 7, 1, 0.0))
    while loop.job is not None:
        loop.train_slice()
    items = []
    while not results.empty():
        key, generation, request, batch, _done = results.get()
        assert (key, generation, request) == ("train", 1, 7)
        items += batch
    records = [(r.run, r.epoch) for r in items if isinstance(r, EpochRecord)]
    assert records == [("SGD", 0), ("Momentum", 0), ("SGD", 1), ("Momentum", 1)]


def test_a_kfold_session_trains_the_folds_together_each_on_its_own_fold():
    """The Network Lab's k-fold: the folds step epoch by epoch together (ManyTrainer, a dataset
    per fold); each fold's records equal its own single run on its fold, and its snapshot shows
    its own fold's points and model."""
    from core.nets.datasets import kfold_datasets

    spec = TrainingSpec(kind="kfold", data=DATA, model=MODEL, train=BASE, kfold=3)
    session = spec.session()
    assert session.kind == "kfold" and session.race.many is not None
    step = [i for i in session.items(epochs=1) if isinstance(i, EpochRecord)]
    assert [(r.run, r.epoch) for r in step] == [
        ("fold 1", 0),
        ("fold 2", 0),
        ("fold 3", 0),
        ("fold 1", 1),
        ("fold 2", 1),
        ("fold 3", 1),
    ]
    rest = [i for i in session.items() if isinstance(i, EpochRecord)]
    records = {label: [] for label in session.labels}
    for record in step + rest:
        records[record.run].append(record)
    folds = kfold_datasets(spec.dataset(), 3, seed=BASE.seed)
    for label, fold in zip(session.labels, folds, strict=True):
        assert_same_run(records[label], single_run(fold, MODEL, BASE))
        member = session.trainers[label]
        np.testing.assert_array_equal(member.x_train.numpy(), fold.x_train.astype(np.float32))
    finals = {round(r[-1].val_loss, 6) for r in records.values()}
    assert len(finals) == 3  # each fold validated on its own held-out part


def test_the_pages_device_reaches_every_trainer():
    """The device is abstracted: "cpu:0" (a CPU device, distinguishable from "cpu") reaches the
    single network, the k folds and a race's members."""
    device = torch.device("cpu:0")
    single = TrainingSpec(kind="single", data=DATA, model=MODEL, train=BASE, device="cpu:0")
    assert single.session().trainers["network"].device == device
    kfold = TrainingSpec(kind="kfold", data=DATA, model=MODEL, train=BASE, kfold=2, device="cpu:0")
    assert kfold.session().race.many.device == device
    race = TrainingSpec(
        kind="race",
        data=DATA,
        model=MODEL,
        train=BASE,
        race=tuple((m["label"], member_config(BASE, m)) for m in MEMBERS[:2]),
        device="cpu:0",
    )
    assert race.session().race.many.device == device

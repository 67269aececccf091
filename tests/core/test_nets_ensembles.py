"""Snapshot ensembles and weight averaging (core.nets.ensembles) against hand computations."""

import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.ensembles import (
    AveragedRecord,
    SnapshotRecord,
    WeightAverager,
    cycle_ends,
    ensemble_scores,
    restart_cycle_ends,
    snapshot_config,
    snapshot_ensemble,
    with_weight_average,
)
from core.nets.models import ModelConfig, build_model
from core.nets.trainer import EpochRecord, StepRecord, TrainConfig, Trainer
from tests.core.test_nets_fast import one_torch_thread  # noqa: F401  (the module fixture)

F64 = torch.float64
DATA = {"name": "moons", "size": 60, "val_fraction": 0.5, "seed": 0}
MODEL = ModelConfig(hidden=(8,), activation="tanh")
BASE = TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=1, batch_size=6)


def test_cycle_ends_follow_t_mult():
    assert cycle_ends(2, 3) == [2, 4, 6]
    assert cycle_ends(2, 3, t_mult=2) == [2, 6, 14]
    config = snapshot_config(BASE, 2, 3, t_mult=2)
    assert config.epochs == 14 and config.schedule["name"] == "cosine_restarts"
    assert restart_cycle_ends(config) == [2, 6, 14]
    # a run that stops inside a cycle: its last epoch counts as a cycle end
    assert restart_cycle_ends(
        TrainConfig(epochs=7, schedule={"name": "cosine_restarts", "T_0": 3})
    ) == [3, 6, 7]
    with pytest.raises(ValueError, match="cosine_restarts"):
        restart_cycle_ends(BASE)
    with pytest.raises(ValueError, match="early stopping"):
        next(snapshot_ensemble(Trainer(make_dataset(**DATA), MODEL, TrainConfig(patience=2))))


def probabilities(data, weights) -> np.ndarray:
    model = build_model(MODEL, data.input_dim, data.output_dim, dtype=F64)
    model.load_state_dict(weights)
    with torch.no_grad():
        return torch.softmax(model(torch.as_tensor(data.x_val, dtype=F64)), 1).numpy()


@pytest.fixture(scope="module")
def snapshot_run():
    data = make_dataset(**DATA)
    trainer = Trainer(data, MODEL, snapshot_config(BASE, 4, 3), dtype=F64)
    items = list(snapshot_ensemble(trainer))
    return data, items


def test_the_learning_rate_restarts_after_each_snapshot(snapshot_run):
    _, items = snapshot_run
    records = [r for r in items if isinstance(r, EpochRecord)]
    snapshots = [r for r in items if isinstance(r, SnapshotRecord)]
    assert [s.epoch for s in snapshots] == [4, 8, 12]
    assert [s.cycle for s in snapshots] == [1, 2, 3]
    lrs = [r.lr for r in records[1:]]
    assert lrs[0] == lrs[4] == lrs[8] == 0.5  # each cycle starts at the full rate
    assert lrs[3] < 0.1 and lrs[7] < 0.1  # and ends low, where the snapshot is taken
    # each snapshot comes right after its epoch's record
    assert items[items.index(snapshots[0]) - 1].epoch == 4


def test_snapshots_differ(snapshot_run):
    _, items = snapshot_run
    snapshots = [r for r in items if isinstance(r, SnapshotRecord)]
    flat = [torch.cat([w.reshape(-1) for w in s.weights.values()]) for s in snapshots]
    for i in range(len(flat)):
        for j in range(i):
            assert float((flat[i] - flat[j]).norm()) > 1e-2


def test_the_ensemble_is_the_mean_of_the_snapshots_probabilities_on_the_validation_set(
    snapshot_run,
):
    data, items = snapshot_run
    records = {r.epoch: r for r in items if isinstance(r, EpochRecord)}
    snapshots = [r for r in items if isinstance(r, SnapshotRecord)]
    seen = []
    for snap in snapshots:
        seen.append(probabilities(data, snap.weights))
        mean = np.mean(seen, axis=0)
        accuracy = float(np.mean(mean.argmax(1) == data.y_val))
        loss = float(-np.mean(np.log(mean[np.arange(len(data.y_val)), data.y_val])))
        assert snap.ensemble_accuracy == accuracy
        assert snap.ensemble_loss == pytest.approx(loss, rel=1e-9)
        assert snap.snapshots == len(seen)
        # the single model is the snapshot itself: the trainer's own validation record
        assert snap.single_accuracy == records[snap.epoch].val_accuracy
        assert snap.single_loss == pytest.approx(records[snap.epoch].val_loss, rel=1e-9)
    assert snapshots[0].ensemble_accuracy == snapshots[0].single_accuracy


def test_ensemble_scores_for_regression_average_the_predictions():
    loss, accuracy = ensemble_scores(
        [np.array([1.0, 2.0]), np.array([3.0, 2.0])], np.array([2.0, 0.0]), "regression"
    )
    assert loss == pytest.approx((0.0 + 4.0) / 2) and math.isnan(accuracy)


def weights_of(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def test_swa_is_the_running_mean_of_the_epoch_end_weights():
    data = make_dataset(**DATA)
    trainer = Trainer(
        data,
        MODEL,
        TrainConfig(optimizer={"name": "sgd", "lr": 0.3}, epochs=6, batch_size=10),
        dtype=F64,
    )
    averager = WeightAverager(trainer, "swa", start_epoch=3)
    ends: list[dict[str, torch.Tensor]] = []
    averaged = []
    for item in with_weight_average(averager):
        if isinstance(item, EpochRecord) and item.epoch >= 3:
            ends.append(weights_of(trainer.model))
        elif isinstance(item, AveragedRecord):
            averaged.append(item)
            mean = {n: torch.stack([e[n] for e in ends]).mean(0) for n in ends[0]}
            for name, value in averager.model.module.named_parameters():
                torch.testing.assert_close(value.detach(), mean[name], rtol=1e-12, atol=1e-12)
            # its curve: the averaged weights evaluated on the validation set
            hand = build_model(MODEL, data.input_dim, data.output_dim, dtype=F64)
            hand.load_state_dict(mean)
            with torch.no_grad():
                out = hand(trainer.x_val)
            assert item.val_loss == pytest.approx(
                float(trainer.loss_fn(out, trainer.y_val)), rel=1e-9
            )
            assert item.val_accuracy == float((out.argmax(1) == trainer.y_val).double().mean())
    assert [(a.epoch, a.averaged) for a in averaged] == [(3, 1), (4, 2), (5, 3), (6, 4)]
    assert all(a.kind == "swa" for a in averaged)


def test_ema_is_the_exponential_average_of_every_updates_weights():
    data = make_dataset(**DATA)
    config = TrainConfig(
        optimizer={"name": "adam", "lr": 0.05}, epochs=2, batch_size=10, per_step=True
    )
    trainer = Trainer(data, MODEL, config, dtype=F64)
    decay = 0.8
    averager = WeightAverager(trainer, "ema", decay=decay)
    ema: dict[str, torch.Tensor] | None = None
    records = []
    for item in with_weight_average(averager):
        if isinstance(item, StepRecord):  # right after its update
            now = weights_of(trainer.model)
            ema = now if ema is None else {n: decay * ema[n] + (1 - decay) * now[n] for n in now}
        elif isinstance(item, AveragedRecord):
            records.append(item)
            for name, value in averager.model.module.named_parameters():
                torch.testing.assert_close(value.detach(), ema[name], rtol=1e-12, atol=1e-12)
    assert [(r.epoch, r.averaged) for r in records] == [(1, 3), (2, 6)]  # 30 points, batch 10
    assert not trainer.optimizer._optimizer_step_post_hooks  # the hook came off at the end


def test_with_batch_norm_the_averaged_model_gets_its_own_statistics():
    data = make_dataset(**DATA)
    model = ModelConfig(hidden=(5,), activation="relu", batch_norm=True)
    trainer = Trainer(
        data,
        model,
        TrainConfig(optimizer={"name": "sgd", "lr": 0.2}, epochs=3, batch_size=10),
        dtype=F64,
    )
    averager = WeightAverager(trainer, "swa")
    list(with_weight_average(averager))
    linear = averager.model.module[0]
    with torch.no_grad():
        hidden = linear(trainer.x_train)
    norm = averager.model.module[1]
    torch.testing.assert_close(norm.running_mean, hidden.mean(0), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(
        norm.running_var, hidden.var(0, unbiased=True), rtol=1e-10, atol=1e-12
    )
    # the trained model keeps its own running statistics
    assert not torch.allclose(trainer.model[1].running_mean, norm.running_mean)

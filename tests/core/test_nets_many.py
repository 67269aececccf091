"""Many networks at once (core.nets.many): each member equals its own single-network run."""

import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.many import ManyTrainer, many_problem, many_records
from core.nets.models import ModelConfig
from core.nets.trainer import TrainConfig, Trainer
from core.optim.registry import network_optimizers
from tests.core.test_nets_fast import (
    F64,
    SMALL,
    UPDATES_BATCH,
    UPDATES_EPOCHS,
    assert_same_records,
    epoch_records,
    one_torch_thread,  # noqa: F401  (the module fixture)
    optimizer_config,
    plain_run,
)

MODEL = ModelConfig(hidden=(6, 5), activation="tanh")


def member_records(many: ManyTrainer) -> list[list]:
    """Each member's records, in member order."""
    by_member: list[list] = [[] for _ in range(len(many))]
    index = {label: k for k, label in enumerate(many.labels)}
    for epoch in many.records():
        for record in epoch:
            by_member[index[record.run]].append(record)
    return by_member


@pytest.mark.parametrize("name", network_optimizers())
def test_every_member_equals_its_plain_torch_optim_run(name):
    """Three hyper-parameter settings and seeds, plus a member at another batch size."""
    data = make_dataset(**SMALL)
    configs = [
        TrainConfig(
            optimizer=optimizer_config(name, index),
            batch_size=UPDATES_BATCH,
            epochs=UPDATES_EPOCHS,
            seed=10 + index,
        )
        for index in (1, 0, 2)  # the first member's extras (momentum, ...) must not spread
    ]
    configs.append(
        TrainConfig(
            optimizer=optimizer_config(name, 0), batch_size=2, epochs=UPDATES_EPOCHS, seed=20
        )
    )
    many = ManyTrainer(data, MODEL, configs, dtype=F64, track_grad_norm=False)
    records = member_records(many)
    assert many.steps == [100, 100, 100, 150]
    for k, config in enumerate(configs):
        assert not records[k][-1].diverged and len(records[k]) == UPDATES_EPOCHS + 1
        expected = plain_run(data, MODEL, config)
        assert (many.weights(k) - expected).abs().max() < 1e-6, k
        assert (many.weights(k) - many.weights((k + 1) % 4)).abs().max() > 1e-3  # its own run


def test_members_sharing_settings_share_one_stacked_tensor_per_layer():
    data = make_dataset(**SMALL)
    sgd = [
        TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=5, seed=s) for s in range(4)
    ]
    faster = TrainConfig(optimizer={"name": "sgd", "lr": 0.3}, batch_size=5, seed=9)
    adam = TrainConfig(optimizer={"name": "adam", "lr": 0.01}, batch_size=5, seed=9)
    full = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=0, seed=9)
    many = ManyTrainer(data, MODEL, [*sgd, faster, adam, full])
    assert len(many.stacks) == 2  # batch 5, full batch
    stack = many.stacks[0]
    assert stack.sizes == [4, 1, 1] and stack.order == [0, 1, 2, 3, 4, 5]
    assert [len(o.param_groups) for o in stack.optimizers] == [2, 1]
    assert stack.groups[0][0].shape == (4, 6, 2)  # four members' first-layer weights
    assert [many.lr(k) for k in (0, 4, 5)] == [0.1, 0.3, 0.01]


def test_member_records_equal_the_trainers_records():
    """Per-epoch metrics, the scheduled lr, gradient norms and best epochs, on regression too."""
    for dataset, loss in (("moons", "cross_entropy"), ("moons", "mse"), ("sine", "mse")):
        data = make_dataset(dataset, size=40, seed=2)
        model = ModelConfig(hidden=(5,), activation="relu" if dataset == "sine" else "sigmoid")
        configs = [
            TrainConfig(
                optimizer={"name": "adam", "lr": lr},
                schedule={"name": "exponential", "gamma": 0.8},
                batch_size=batch,
                epochs=5,
                loss=loss,
                seed=seed,
            )
            for lr, batch, seed in ((0.05, 4, 1), (0.02, 4, 2), (0.05, 0, 3))
        ]
        labels = ["fast", "slow", "full"]
        many = ManyTrainer(data, model, configs, labels=labels, dtype=F64)
        for config, label, got in zip(configs, labels, member_records(many), strict=True):
            expected = epoch_records(Trainer(data, model, config, dtype=F64, label=label))
            assert_same_records(expected, got)
            assert [r.run for r in got] == [label] * 6


def test_a_diverging_member_stops_and_leaves_the_others_alone():
    data = make_dataset(**SMALL)
    calm = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=5, epochs=6, seed=1)
    wild = TrainConfig(optimizer={"name": "sgd", "lr": 1e6}, batch_size=5, epochs=6, seed=2)
    many = ManyTrainer(data, MODEL, [wild, calm], dtype=F64)
    wild_records, calm_records = member_records(many)
    expected = epoch_records(Trainer(data, MODEL, wild, dtype=F64))
    assert expected[-1].diverged and len(wild_records) == len(expected) < 7
    assert wild_records[-1].diverged and many.status == ["diverged", "ok"]
    assert_same_records(epoch_records(Trainer(data, MODEL, calm, dtype=F64)), calm_records)


def test_predict_and_member_model_show_each_members_weights():
    data = make_dataset(**SMALL)
    configs = [
        TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=s, seed=s) for s in (3, 0)
    ]
    configs[0] = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=3, epochs=2, seed=3)
    configs[1] = TrainConfig(optimizer={"name": "rms", "lr": 0.01}, batch_size=0, epochs=2, seed=4)
    many = ManyTrainer(data, MODEL, configs, dtype=F64)
    for _ in many.records():
        pass
    grid = np.array([[0.1, -0.2], [0.5, 0.5], [-0.7, 0.3]])
    probabilities = many.predict(grid)
    assert probabilities.shape == (2, 3, 2)
    for k in range(2):
        model = many.member_model(k)
        expected = torch.softmax(model(torch.as_tensor(grid)), 1).detach().numpy()
        np.testing.assert_allclose(probabilities[k], expected, atol=1e-12)
    assert not np.allclose(probabilities[0], probabilities[1])


def test_unsupported_settings_are_named_and_fall_back_to_trainers_in_lockstep():
    data = make_dataset(**SMALL)
    plain = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=6, epochs=3)
    assert many_problem(MODEL, [plain], data) is None
    assert "batch norm" in many_problem(ModelConfig(hidden=(4,), batch_norm=True), [plain], data)
    assert "dropout" in many_problem(ModelConfig(hidden=(4,), dropout=0.2), [plain], data)
    stopping = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=6, epochs=3, patience=1)
    assert "early stopping" in many_problem(MODEL, [plain, stopping], data)
    longer = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=6, epochs=4)
    assert "epochs" in many_problem(MODEL, [plain, longer], data)
    with pytest.raises(ValueError, match="early stopping"):
        ManyTrainer(data, MODEL, [stopping])
    # the fallback: one Trainer per member, the same records, the early-stopped one ends first
    epochs = list(many_records(data, MODEL, [longer, stopping], labels=["a", "b"], dtype=F64))
    assert [len(e) for e in epochs][:2] == [2, 2] and len(epochs) == 5
    got = [r for e in epochs for r in e if r.run == "a"]
    assert_same_records(epoch_records(Trainer(data, MODEL, longer, dtype=F64)), got)
    # and the fast path through the same function
    fast = list(many_records(data, MODEL, [plain, plain], dtype=F64))
    assert len(fast) == 4 and all(len(e) == 2 for e in fast)
    assert fast[-1][0].train_loss == pytest.approx(fast[-1][1].train_loss)  # same seed, same run
    assert math.isfinite(fast[-1][0].grad_norm)


def test_a_schedule_that_reads_every_group_still_gives_each_member_its_own_run():
    """OneCycleLR cycles momentum only when every param group has some: scheduled members must
    not share an optimizer with members of other settings."""
    data = make_dataset(**SMALL)
    schedule = {"name": "onecycle", "cycle_momentum": True}
    configs = [
        TrainConfig(
            optimizer={"name": "sgd", "lr": 0.1, "momentum": momentum},
            schedule=schedule,
            batch_size=6,
            epochs=4,
            seed=seed,
        )
        for momentum, seed in ((0.9, 1), (0.0, 2))
    ]
    many = ManyTrainer(data, MODEL, configs, dtype=F64)
    for config, got in zip(configs, member_records(many), strict=True):
        assert_same_records(epoch_records(Trainer(data, MODEL, config, dtype=F64)), got)
    assert len(many.stacks[0].optimizers) == 2


def test_k_folds_train_together_each_on_its_own_data_as_its_own_trainer():
    """kfold_records trains the folds in one update (ManyTrainer with a dataset per member); 103
    points in 5 folds give folds of two sizes (two stacks); every fold's records equal its own
    Trainer run on its fold."""
    from core.nets.datasets import kfold_datasets
    from core.nets.trainer import kfold_records

    data = make_dataset("moons", size=103, seed=3)
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.03}, batch_size=7, epochs=4, seed=5)
    folds = kfold_datasets(data, 5, seed=config.seed)
    assert len({len(f.x_train) for f in folds}) == 2
    labels = [f"fold {k + 1}" for k in range(5)]
    many = ManyTrainer(data, MODEL, [config] * 5, labels=labels, dtype=F64, datasets=folds)
    assert len(many.stacks) == 2
    x, y = many.training_set(3)
    np.testing.assert_array_equal(x.numpy(), folds[3].x_train)
    np.testing.assert_array_equal(y.numpy(), folds[3].y_train)
    records = list(kfold_records(data, MODEL, config, 5, dtype=F64))
    assert [r.run for r in records[:5]] == labels  # epoch 0 of every fold first: together
    for label, fold in zip(labels, folds, strict=True):
        expected = epoch_records(Trainer(fold, MODEL, config, dtype=F64, label=label))
        assert_same_records(expected, [r for r in records if r.run == label])
    val_losses = {r.val_loss for r in records if r.epoch == 4}
    assert len(val_losses) == 5  # each fold measured on its own held-out part


def test_k_folds_with_early_stopping_fall_back_to_one_trainer_per_fold():
    from core.nets.trainer import kfold_records

    data = make_dataset("moons", size=40, seed=3)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=30, patience=2, seed=1)
    records = list(kfold_records(data, MODEL, config, 4, dtype=F64))
    assert {r.run for r in records} == {"fold 1", "fold 2", "fold 3", "fold 4"}
    assert any(r.stopped for r in records)

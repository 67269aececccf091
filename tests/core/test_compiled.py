"""The compiled epoch (core.nets.compiled) against the plain torch.optim loop, in float64."""

import math

import pytest
import torch

from core.nets import compiled
from core.nets.compiled import compiled_problem, epoch_problem
from core.nets.datasets import make_dataset
from core.nets.fast import FastTrainer
from core.nets.models import ModelConfig
from core.nets.ratios import RatioRecord, UpdateRatioMonitor, with_update_ratios
from core.nets.trainer import EpochRecord, TrainConfig, Trainer
from core.optim.registry import network_optimizers
from tests.core.test_nets_fast import (
    OPTIMIZER_SETTINGS,
    assert_same_records,
    epoch_records,
    plain_run,
)

pytestmark = pytest.mark.skipif(not compiled.numba_available(), reason="numba is not installed")

F64 = torch.float64
# 30 training points, batch 3: 10 updates an epoch, 100 updates in 10 epochs.
SMALL = {"name": "spiral", "size": 60, "val_fraction": 0.5, "seed": 0}
MODEL = ModelConfig(hidden=(6, 5), activation="tanh")
COMPILED = [name for name in network_optimizers() if name not in compiled.NOT_COMPILED]
# Beyond test_nets_fast's settings: every switch of every compiled optimizer.
VARIANTS = {
    "sgd": [{"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 1e-2}],
    "adagrad": [{"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}],
    "rmsprop": [
        {"lr": 0.005, "centered": True, "weight_decay": 1e-2},
        {"lr": 0.005, "momentum": 0.7, "alpha": 0.9},
    ],
    "adam": [{"lr": 0.01, "amsgrad": True, "bias_correction": False, "weight_decay": 1e-2}],
    "adamw": [{"lr": 0.02, "amsgrad": True, "weight_decay": 0.5, "betas": [0.5, 0.9]}],
}
CASES = [
    (name, hyper)
    for name in COMPILED
    for hyper in OPTIMIZER_SETTINGS[name] + VARIANTS.get(name, [])
]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def assert_same_state(expected: torch.optim.Optimizer, actual: torch.optim.Optimizer) -> None:
    """Same keys, types, dtypes and values (1e-6) in every parameter's optimizer state."""
    want, got = expected.state_dict()["state"], actual.state_dict()["state"]
    assert want.keys() == got.keys()
    for index, state in want.items():
        assert state.keys() == got[index].keys(), index
        for key, value in state.items():
            other = got[index][key]
            assert type(value) is type(other), key
            if isinstance(value, torch.Tensor):
                assert value.dtype == other.dtype, key
                torch.testing.assert_close(other, value, rtol=0, atol=1e-6)
            else:
                assert other == value, key


def test_every_network_optimizer_is_compiled_or_has_a_reason():
    data = make_dataset(**SMALL)
    for name in network_optimizers():
        config = TrainConfig(optimizer={"name": name})
        reason = compiled_problem(MODEL, config, data)
        assert (reason is None) == (name not in ("lbfgs", "sam")), name
    assert set(COMPILED) >= {"sgd", "adagrad", "rmsprop", "adam", "adamw", "rms"}


@pytest.mark.parametrize(
    ("name", "hyper"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_compiled_training_equals_the_plain_torch_optim_loop(name, hyper):
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": name, **hyper}, batch_size=3, epochs=10, seed=4)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    records = epoch_records(trainer)
    assert trainer.compiled_fallback is None
    assert trainer.compiled_epochs == 10 and trainer.step == 100
    assert not records[-1].diverged
    assert (trainer.weights() - trainer.initial_weights).abs().max() > 1e-3  # it did train
    reference = Trainer(data, MODEL, config, dtype=F64)  # autograd and torch.optim
    assert_same_records(epoch_records(reference), records)  # grad_norm: the true mean
    assert (trainer.weights() - reference.weights()).abs().max() < 1e-6
    assert_same_state(reference.optimizer, trainer.optimizer)


@pytest.mark.parametrize(
    ("dataset", "activation", "loss", "batch_size", "epochs"),
    [
        ("spiral", "relu", "cross_entropy", 1, 4),
        ("moons", "sigmoid", "mse", 10, 34),  # softmax-MSE, 2 classes
        ("blobs", "tanh", "cross_entropy", 10, 34),  # 3 classes
        ("spirals", "linear", "mse", 1, 4),  # softmax-MSE, 3 classes
        ("pinwheel", "relu", "cross_entropy", 0, 100),
        ("sine", "tanh", "mse", 10, 34),  # regression
        ("sine", "sigmoid", "mse", 0, 100),
        ("circles", "linear", "cross_entropy", 7, 25),  # a last batch of 2
    ],
)
def test_activations_losses_and_batch_sizes(dataset, activation, loss, batch_size, epochs):
    data = make_dataset(dataset, size=60, val_fraction=0.5, seed=2)
    model = ModelConfig(hidden=(5, 4), activation=activation)
    config = TrainConfig(
        optimizer={"name": "adam", "lr": 0.02},
        batch_size=batch_size,
        epochs=epochs,
        loss=loss,
        seed=1,
    )
    trainer = FastTrainer(data, model, config, dtype=F64)
    records = epoch_records(trainer)
    assert trainer.compiled_epochs == epochs and trainer.step >= 100
    assert_same_records(epoch_records(Trainer(data, model, config, dtype=F64)), records)
    assert (trainer.weights() - plain_run(data, model, config)).abs().max() < 1e-6


def test_depths_from_a_linear_model_to_six_hidden_layers():
    data = make_dataset("blobs", size=40, val_fraction=0.5, seed=0)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.5}, batch_size=5)
    for hidden in ((), (7,), (3, 4, 5, 4, 3, 2)):
        model = ModelConfig(hidden=hidden, activation="tanh")
        run = TrainConfig(**{**config.__dict__, "epochs": 3})
        trainer = FastTrainer(data, model, run, dtype=F64)
        records = epoch_records(trainer)
        assert trainer.compiled_epochs == 3
        assert_same_records(epoch_records(Trainer(data, model, run, dtype=F64)), records)


@pytest.mark.parametrize(
    ("optimizer", "schedule"),
    [
        (
            {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            {"name": "step", "step_size": 2, "gamma": 0.5},
        ),
        (
            {"name": "sgd", "lr": 0.1, "momentum": 0.9},
            {"name": "onecycle", "max_lr": 0.2, "cycle_momentum": True},
        ),
        ({"name": "adam", "lr": 0.02}, {"name": "cosine_restarts", "T_0": 3}),
    ],
)
def test_schedules_are_honoured(optimizer, schedule):
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer=optimizer, schedule=schedule, batch_size=4, epochs=8)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    records = epoch_records(trainer)
    expected = epoch_records(Trainer(data, MODEL, config, dtype=F64))
    assert trainer.compiled_epochs == 8
    assert len({r.lr for r in records[1:]}) > 1  # the rate did change
    assert_same_records(expected, records)


def test_the_state_stays_torchs_own_so_the_torch_path_can_go_on():
    """Five compiled epochs, then five on the torch update from the same optimizer state."""
    data = make_dataset(**SMALL)
    config = TrainConfig(
        optimizer={"name": "rmsprop", "lr": 0.005, "momentum": 0.5, "centered": True},
        batch_size=3,
        epochs=10,
    )
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    records = []
    for record in trainer.records():
        records.append(record)
        if record.epoch == 5:
            trainer.compiled_fallback = "switched off for the test"
    assert trainer.compiled_epochs == 5
    reference = Trainer(data, MODEL, config, dtype=F64)
    assert_same_records(epoch_records(reference), records)
    assert_same_state(reference.optimizer, trainer.optimizer)


def test_early_stopping_and_divergence_stay_the_trainers():
    data = make_dataset(**SMALL)
    stopping = TrainConfig(
        optimizer={"name": "sgd", "lr": 0.5, "momentum": 0.9}, batch_size=5, epochs=60, patience=3
    )
    blowing_up = TrainConfig(optimizer={"name": "sgd", "lr": 1e4}, batch_size=5, epochs=20)
    for config in (stopping, blowing_up):
        trainer = FastTrainer(data, MODEL, config, dtype=F64)
        records = epoch_records(trainer)
        reference = Trainer(data, MODEL, config, dtype=F64)
        assert_same_records(epoch_records(reference), records)
        assert trainer.status == reference.status != "ok"
        assert records[-1].stopped or records[-1].diverged


def test_float32_trains_like_the_torch_path():
    data = make_dataset("circles", size=200, val_fraction=0.5, seed=0)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.03}, batch_size=10, epochs=5)
    model = ModelConfig(hidden=(4, 2), activation="tanh")
    trainer = FastTrainer(data, model, config)
    records = epoch_records(trainer)
    expected = epoch_records(Trainer(data, model, config))
    assert trainer.compiled_epochs == 5
    assert abs(records[-1].train_loss - expected[-1].train_loss) < 1e-5
    assert (trainer.weights() - Trainer(data, model, config).weights()).abs().max() > 0


def test_fallback_reasons():
    data = make_dataset(**SMALL)
    plain = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=3)
    assert compiled_problem(MODEL, plain, data) is None
    cases = [
        (MODEL, TrainConfig(optimizer={"name": "lbfgs"}), "cpu", "L-BFGS"),
        (MODEL, TrainConfig(optimizer={"name": "sam"}), "cpu", "SAM"),
        (MODEL, TrainConfig(per_step=True), "cpu", "per-step"),
        (ModelConfig(hidden=(4,), batch_norm=True), plain, "cpu", "batch norm"),
        (ModelConfig(hidden=(4,), dropout=0.2), plain, "cpu", "dropout"),
        (MODEL, plain, "meta", "CPU only"),
        (ModelConfig(hidden=(64, 64)), TrainConfig(batch_size=0), "cpu", "too large"),
    ]
    for model, config, device, words in cases:
        assert words in compiled_problem(model, config, data, device)
    config = TrainConfig(optimizer={"name": "lbfgs", "lr": 0.01, "max_iter": 3}, epochs=2)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    assert "L-BFGS" in trainer.compiled_fallback
    epoch_records(trainer)
    assert trainer.compiled_epochs == 0 and trainer.step == 2
    off = FastTrainer(data, MODEL, plain, dtype=F64, compiled=False)
    assert off.compiled_fallback is not None


def test_without_numba_the_torch_path_trains(monkeypatch):
    monkeypatch.setattr(compiled, "HAS_NUMBA", False)
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.02}, batch_size=3, epochs=3)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    assert trainer.compiled_fallback == "numba is not installed"
    records = epoch_records(trainer)
    assert trainer.compiled_epochs == 0
    assert_same_records(epoch_records(Trainer(data, MODEL, config, dtype=F64)), records)


def test_a_step_hook_sends_the_epoch_down_the_torch_path():
    """The update-ratio monitor measures each optimizer.step: while hooked, epochs use torch."""
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=3, epochs=4)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    stream = trainer.records()
    next(stream)  # epoch 0
    next(stream)  # epoch 1: compiled
    monitor = UpdateRatioMonitor(trainer.model, trainer.optimizer)
    assert "hook" in epoch_problem(trainer.optimizer, trainer.parameters)
    next(stream)  # epoch 2: torch, measured
    assert len(monitor.epoch_ratios()) == 6  # 3 layers' weights and biases
    monitor.remove()
    rest = [r for r in stream if isinstance(r, EpochRecord)]
    assert trainer.compiled_epochs == 3 and rest[-1].epoch == 4
    assert math.isfinite(rest[-1].grad_norm)
    other = torch.optim.SGD(trainer.parameters, lr=0.1, maximize=True)
    assert "maximize" in epoch_problem(other, trainer.parameters)
    assert "several" in epoch_problem(
        torch.optim.SGD([{"params": trainer.parameters[:2]}, {"params": trainer.parameters[2:]}]),
        trainer.parameters,
    )


def test_the_background_warm_up_starts_once_per_dtype_and_depth():
    compiled.warm_up_in_background(F64, 3)
    thread = compiled._warming[(F64, 3)]
    compiled.warm_up_in_background(F64, 3)
    assert compiled._warming[(F64, 3)] is thread
    thread.join(120)
    assert not thread.is_alive()
    assert compiled.warm_up(F64, 3) < 1.0  # compiled (or loaded) by the thread already


def test_a_kernel_that_cannot_load_sends_training_down_the_torch_path(monkeypatch):
    """numba failing to compile or to read its cache (a packaged app) costs speed, never the
    training: every epoch takes torch's update, and the reason is kept."""

    def broken(dtype, layers):
        raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setattr(compiled, "warm_up", broken)
    monkeypatch.setattr(compiled, "_loaded", set())
    monkeypatch.setattr(compiled, "_load_failures", {})
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.02}, batch_size=3, epochs=3)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    assert trainer.compiled_fallback is None  # nothing known to fail before the first epoch
    records = epoch_records(trainer)
    assert trainer.compiled_epochs == 0
    assert "could not be loaded" in trainer.compiled_fallback
    assert "no locator available" in trainer.compiled_fallback
    assert_same_records(epoch_records(Trainer(data, MODEL, config, dtype=F64)), records)
    compiled.warm_up_in_background(F64, 7)  # a background load fails the same way, quietly
    compiled._warming.pop((F64, 7)).join(60)
    assert "could not be loaded" in compiled.kernel_problem(F64, 7)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_compiled_epochs_measure_the_update_ratios_the_hooks_measure(name):
    """The update-ratio tab no longer sends training to torch's update: the compiled epoch
    measures each update's ||dw|| / ||w|| itself, equal to the monitor's hooks on the plain
    torch.optim loop (float64)."""
    hyper = {"sgd": {"lr": 0.1, "momentum": 0.9}, "adam": {"lr": 0.01}}[name]
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": name, **hyper}, batch_size=3, epochs=5, seed=2)
    trainer = FastTrainer(data, MODEL, config, dtype=F64)
    got = [r for r in with_update_ratios(trainer) if isinstance(r, RatioRecord)]
    assert trainer.compiled_epochs == 5 and trainer.ratio_monitor is None  # unwatched after
    reference = Trainer(data, MODEL, config, dtype=F64)
    want = [r for r in with_update_ratios(reference) if isinstance(r, RatioRecord)]
    assert [r.epoch for r in got] == [r.epoch for r in want] == [1, 2, 3, 4, 5]
    for expected, actual in zip(want, got, strict=True):
        assert actual.ratios.keys() == expected.ratios.keys()
        for key, value in expected.ratios.items():
            assert actual.ratios[key] == pytest.approx(value, rel=1e-9), key
        assert actual.verdicts == expected.verdicts
    # a hook the compiled epoch does not know (weight averaging's) still sends epochs to torch
    monitor = UpdateRatioMonitor(trainer.model, trainer.optimizer)
    trainer.watch_ratios(monitor)
    assert epoch_problem(trainer.optimizer, trainer.parameters, monitor.hooks()) is None
    other = trainer.optimizer.register_step_post_hook(lambda *args: None)
    assert "hook" in epoch_problem(trainer.optimizer, trainer.parameters, monitor.hooks())
    other.remove()
    monitor.remove()


@pytest.mark.parametrize("decay", [0.9, 0.3, 1.0])  # lerp's two branches; 1.0: a copy, then still
def test_compiled_epochs_keep_the_exponential_moving_average_as_swa_utils_does(decay):
    """EMA averaging no longer sends training to torch's update: the compiled epoch keeps the
    AveragedModel's average after every update itself (a copy first, then torch's lerp),
    equal to swa_utils on the plain torch.optim loop (float64), start epoch included."""
    from core.nets.ensembles import WeightAverager

    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.02}, batch_size=3, epochs=6, seed=1)
    results = []
    for trainer in (
        FastTrainer(data, MODEL, config, dtype=F64),
        Trainer(data, MODEL, config, dtype=F64),  # autograd, torch.optim, swa_utils' hook
    ):
        averager = WeightAverager(trainer, "ema", start_epoch=3, decay=decay)
        records = [averager.after_epoch(r) for r in epoch_records(trainer)]
        averager.remove()
        weights = torch.cat([p.detach().flatten() for p in averager.model.module.parameters()])
        results.append((trainer, averager.count, weights, records))
    (fast, fast_count, fast_weights, fast_records), (_, count, weights, records) = results
    assert fast.compiled_epochs == 6 and fast.averager is None  # compiled; unwatched after
    assert fast_count == count == 4 * 10  # epochs 3-6, 10 updates each
    assert (fast_weights - weights).abs().max() < 1e-9
    for mine, theirs in zip(fast_records, records, strict=True):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert mine.val_loss == pytest.approx(theirs.val_loss, rel=1e-9)


def test_removing_one_averager_or_monitor_leaves_the_one_watched():
    from core.nets.ensembles import WeightAverager

    trainer = FastTrainer(make_dataset(**SMALL), MODEL, TrainConfig(epochs=2), dtype=F64)
    first = WeightAverager(trainer, "ema")
    second = WeightAverager(trainer, "ema")
    assert trainer.averager is second
    first.remove()
    assert trainer.averager is second and first.hooks() == ()
    second.remove()
    assert trainer.averager is None

"""The fast single-network path (core.nets.fast) against autograd and the plain torch.optim loop."""

import math

import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.fast import FastTrainer, fast_problem, gradient_norm, mlp_gradients, mlp_outputs
from core.nets.models import ACTIVATIONS, ModelConfig, build_model, loss_function
from core.nets.trainer import EpochRecord, StepRecord, TrainConfig, Trainer
from core.optim import build_optimizer, needs_closure
from core.optim.registry import network_optimizers

F64 = torch.float64
# 30 training points, batch 3: 10 updates an epoch, 100 updates in 10 epochs.
SMALL = {"name": "spiral", "size": 60, "val_fraction": 0.5, "seed": 0}
UPDATES_BATCH, UPDATES_EPOCHS = 3, 10

# Per optimizer: a learning rate that trains without blowing up, and two other settings of its
# own hyper-parameters (momentum, weight decay, ...) so the comparison covers them.
OPTIMIZER_SETTINGS: dict[str, list[dict]] = {
    "sam": [
        {"lr": 0.05, "rho": 0.05},
        {"lr": 0.02, "rho": 0.1, "momentum": 0.9},
        {"lr": 0.01, "rho": 0.02, "base": "adam"},
    ],
    "sgd": [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3},
        {"lr": 0.02, "momentum": 0.5, "nesterov": True},
    ],
    "adagrad": [{"lr": 0.05}, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 1e-3}, {"lr": 0.02}],
    "rmsprop": [{"lr": 0.01}, {"lr": 0.005, "momentum": 0.5, "centered": True}, {"lr": 0.02}],
    "adam": [
        {"lr": 0.01},
        {"lr": 0.02, "weight_decay": 1e-3, "amsgrad": True},
        {"lr": 0.005, "betas": [0.8, 0.99], "bias_correction": False},  # LectureAdam
    ],
    "adamw": [{"lr": 0.01}, {"lr": 0.02, "weight_decay": 0.1}, {"lr": 0.005, "amsgrad": True}],
    "lbfgs": [
        {"lr": 0.01, "max_iter": 3},  # mini-batch L-BFGS blows up easily: small steps
        {"lr": 0.005, "max_iter": 3, "history_size": 5},
        {"lr": 0.02, "max_iter": 2},
    ],
    "lecture_momentum": [{"lr": 0.05}, {"lr": 0.02, "momentum": 0.5}, {"lr": 0.1}],
    "ema_momentum": [{"lr": 0.1}, {"lr": 0.2, "beta": 0.5}, {"lr": 0.05}],
    "rms": [{"lr": 0.01}, {"lr": 0.005, "eps": 1e-6}, {"lr": 0.02}],
}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors on a busy 2-core machine: a second torch thread makes every call ~10x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def optimizer_config(name: str, index: int) -> dict:
    return {"name": name, **OPTIMIZER_SETTINGS[name][index]}


def plain_run(data, model_config: ModelConfig, config: TrainConfig, dtype=F64) -> torch.Tensor:
    """The textbook loop: nn model, torch.optim optimizer, autograd; the final flat weights."""
    model = build_model(
        model_config, data.input_dim, data.output_dim, seed=config.seed, dtype=dtype
    )
    name = config.optimizer["name"]
    hyper = {k: v for k, v in config.optimizer.items() if k != "name"}
    optimizer = build_optimizer(name, model.parameters(), **hyper)
    loss_fn = loss_function(config.loss, data.task, data.classes)
    x = torch.as_tensor(data.x_train).to(dtype)
    y = torch.as_tensor(data.y_train)
    y = y.to(dtype) if data.task == "regression" else y
    generator = torch.Generator().manual_seed(config.seed)
    full = config.batch_size in (0, len(x)) or config.batch_size > len(x)
    for _ in range(config.epochs):
        order = None if full else torch.randperm(len(x), generator=generator)
        for index in [slice(None)] if order is None else order.split(config.batch_size):

            def closure(index=index) -> torch.Tensor:
                optimizer.zero_grad()
                loss = loss_fn(model(x[index]), y[index])
                loss.backward()
                return loss

            if needs_closure(name):
                optimizer.step(closure)
            else:
                closure()
                optimizer.step()
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def epoch_records(trainer) -> list[EpochRecord]:
    return [r for r in trainer.records() if isinstance(r, EpochRecord)]


def assert_same_records(expected: list[EpochRecord], actual: list[EpochRecord], skip=()):
    assert len(expected) == len(actual)
    for one, other in zip(expected, actual, strict=True):
        for key, value in one.metrics().items():
            if key in skip:
                continue
            got = other.metrics()[key]
            assert (math.isnan(value) and math.isnan(got)) or got == pytest.approx(
                value, abs=1e-9
            ), (key, one.epoch)
        assert (one.best_epoch, one.diverged) == (other.best_epoch, other.diverged)


# --- the hand-written gradient -------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize(
    ("dataset", "loss"), [("spiral", "cross_entropy"), ("spiral", "mse"), ("sine", "mse")]
)
def test_the_hand_written_gradient_is_autograds(activation, dataset, loss):
    data = make_dataset(dataset, seed=0)
    config = ModelConfig(hidden=(5, 4), activation=activation)
    models = [
        build_model(config, data.input_dim, data.output_dim, seed=s, dtype=F64) for s in (1, 2)
    ]
    x = torch.as_tensor(data.x_train[:17]).to(F64)
    y = torch.as_tensor(data.y_train[:17])
    y = y.to(F64) if data.task == "regression" else y
    loss_fn = loss_function(loss, data.task, data.classes)
    expected = []
    for model in models:
        value = loss_fn(model(x), y)
        expected.append((torch.autograd.grad(value, list(model.parameters())), value.detach()))
    plain, value = mlp_gradients(
        list(models[0].parameters()), activation, x, y, loss, data.task, True
    )
    for got, want in zip(plain, expected[0][0], strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-12)
    assert float(value) == pytest.approx(float(expected[0][1]), abs=1e-12)
    # stacked: two networks, each its own batch order
    stacked = [
        torch.stack(ps).detach() for ps in zip(*(m.parameters() for m in models), strict=True)
    ]
    xs, ys = torch.stack([x, x.flip(0)]), torch.stack([y, y.flip(0)])
    grads, values = mlp_gradients(stacked, activation, xs, ys, loss, data.task, True)
    for got, want in zip(grads, expected[0][0], strict=True):
        torch.testing.assert_close(got[0], want, rtol=0, atol=1e-12)
    for got, want in zip(grads, expected[1][0], strict=True):
        torch.testing.assert_close(got[1], want, rtol=0, atol=1e-12)  # a flipped batch, same mean
    torch.testing.assert_close(values, torch.stack([expected[0][1], expected[1][1]]))
    outputs = mlp_outputs(stacked, activation, x)  # a shared input for both networks
    torch.testing.assert_close(outputs[1], models[1](x).detach(), rtol=0, atol=1e-12)
    norm = torch.nn.utils.get_total_norm(list(expected[0][0]))
    assert float(gradient_norm(plain)) == pytest.approx(float(norm), rel=1e-12)


# --- the fast trainer ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", network_optimizers())
def test_fast_training_equals_the_plain_torch_optim_loop(name):
    data = make_dataset(**SMALL)
    model = ModelConfig(hidden=(6, 5), activation="tanh")
    for index in (0, 1):
        config = TrainConfig(
            optimizer=optimizer_config(name, index),
            batch_size=UPDATES_BATCH,
            epochs=UPDATES_EPOCHS,
            seed=index + 3,
        )
        fast = FastTrainer(data, model, config, dtype=F64, track_grad_norm=False)
        assert fast.fallback is None
        records = epoch_records(fast)
        assert fast.step == 100 and not records[-1].diverged
        expected = plain_run(data, model, config)
        assert (fast.weights() - expected).abs().max() < 1e-6
        assert (fast.weights() - fast.initial_weights).abs().max() > 1e-3  # it did train


@pytest.mark.parametrize(
    ("dataset", "activation", "loss", "batch_size"),
    [
        ("spiral", "relu", "cross_entropy", 7),
        ("moons", "sigmoid", "mse", 0),
        ("sine", "linear", "mse", 5),
        ("sine", "tanh", "mse", 1),
    ],
)
def test_fast_records_equal_the_trainers(dataset, activation, loss, batch_size):
    data = make_dataset(dataset, size=40, seed=1)
    model = ModelConfig(hidden=(4, 3), activation=activation)
    config = TrainConfig(
        optimizer={"name": "adam", "lr": 0.02},
        schedule={"name": "step", "step_size": 2, "gamma": 0.5},
        batch_size=batch_size,
        epochs=6,
        loss=loss,
        seed=5,
    )
    expected = epoch_records(Trainer(data, model, config, dtype=F64))
    assert_same_records(expected, epoch_records(FastTrainer(data, model, config, dtype=F64)))
    quiet = epoch_records(FastTrainer(data, model, config, dtype=F64, track_grad_norm=False))
    assert_same_records(expected, quiet, skip={"grad_norm"})
    assert quiet[0].grad_norm == pytest.approx(expected[0].grad_norm)  # epoch 0's is measured
    assert all(math.isnan(r.grad_norm) for r in quiet[1:])


def test_per_step_records_carry_the_same_mini_batch_losses():
    data = make_dataset(**SMALL)
    model = ModelConfig(hidden=(4,), activation="tanh")
    config = TrainConfig(
        optimizer={"name": "sgd", "lr": 0.1}, batch_size=8, epochs=2, per_step=True
    )
    expected = [r for r in Trainer(data, model, config, dtype=F64).records()]
    actual = [r for r in FastTrainer(data, model, config, dtype=F64).records()]
    steps = [(r.step, r.loss, r.grad_norm) for r in expected if isinstance(r, StepRecord)]
    got = [(r.step, r.loss, r.grad_norm) for r in actual if isinstance(r, StepRecord)]
    assert len(steps) == len(got) == 8
    for one, other in zip(steps, got, strict=True):
        assert one == pytest.approx(other, abs=1e-12)


def test_batch_norm_and_dropout_fall_back_to_the_autograd_update():
    data = make_dataset(**SMALL)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, batch_size=6, epochs=3)
    for model in (ModelConfig(hidden=(4,), batch_norm=True), ModelConfig(hidden=(4,), dropout=0.3)):
        fast = FastTrainer(data, model, config, dtype=F64)
        assert fast.fallback == fast_problem(model, config, data) is not None
        torch.manual_seed(7)  # dropout draws its masks from the global generator
        expected = epoch_records(Trainer(data, model, config, dtype=F64))
        torch.manual_seed(7)
        assert_same_records(expected, epoch_records(fast))

"""Sharpness for the edge of stability (core.nets.sharpness)."""

import math

import numpy as np
import pytest
import torch
from torch.func import functional_call

from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig, build_model, loss_function
from core.nets.sharpness import (
    adam_preconditioner,
    edge_of_stability,
    measure,
    sharpness,
    stability_threshold,
)
from core.nets.trainer import TrainConfig, Trainer
from core.optim import build_optimizer

F64 = torch.float64
TINY = ModelConfig(hidden=(3,), activation="tanh")


@pytest.fixture(scope="module")
def tiny():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors on a shared machine: one thread is faster
    data = make_dataset("moons", size=40)
    model = build_model(TINY, 2, 2, seed=1, dtype=F64)
    loss_fn = loss_function("cross_entropy", data.task, data.classes)
    x = torch.as_tensor(data.x_train, dtype=F64)
    yield model, loss_fn, x, torch.as_tensor(data.y_train)
    torch.set_num_threads(threads)


def hessian_by_hand(model, loss_fn, x, y) -> torch.Tensor:
    """torch.func.hessian of the loss over one flat parameter vector."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss(flat):
        parts = dict(
            zip(
                names,
                (t.view(s) for t, s in zip(flat.split(sizes), shapes, strict=True)),
                strict=True,
            )
        )
        return loss_fn(functional_call(model, parts, (x,)), y)

    return torch.func.hessian(loss)(theta)


def test_sharpness_is_the_exact_hessians_top_eigenvalue(tiny):
    hessian = hessian_by_hand(*tiny)
    expected = float(torch.linalg.eigvalsh(hessian)[-1])
    value, method = sharpness(*tiny)
    assert method == "exact" and value == pytest.approx(expected, rel=1e-10)
    # Lanczos (forced) agrees: 17 parameters, the Krylov space is the whole space
    value, method = sharpness(*tiny, exact_limit=0)
    assert method == "lanczos" and value == pytest.approx(expected, rel=1e-8)


def test_preconditioned_sharpness_by_hand(tiny):
    hessian = hessian_by_hand(*tiny)
    d = torch.linspace(0.5, 3.0, hessian.shape[0], dtype=F64)
    scaled = hessian / d.sqrt()[:, None] / d.sqrt()[None, :]
    expected = float(torch.linalg.eigvalsh(scaled)[-1])
    assert sharpness(*tiny, preconditioner=d)[0] == pytest.approx(expected, rel=1e-10)
    assert sharpness(*tiny, preconditioner=d, exact_limit=0)[0] == pytest.approx(expected, rel=1e-8)


def test_adams_preconditioner_and_threshold():
    w = torch.tensor([1.0, -2.0, 0.5], dtype=F64, requires_grad=True)
    adam = build_optimizer("adam", [w], lr=0.01, betas=[0.9, 0.99], eps=1e-6)
    assert adam_preconditioner(adam, [w]) is None  # no step yet
    for _ in range(3):
        adam.zero_grad()
        (w**4).sum().backward()
        adam.step()
    state = adam.state[w]
    v_hat = state["exp_avg_sq"] / (1 - 0.99**3)
    torch.testing.assert_close(adam_preconditioner(adam, [w]), v_hat.sqrt() + 1e-6)
    threshold, preconditioned = stability_threshold(adam)
    assert preconditioned and threshold == pytest.approx(38 / 0.01)
    sgd = build_optimizer("sgd", [w], lr=0.1, momentum=0.5)
    assert stability_threshold(sgd) == (pytest.approx(30.0), False)
    sam = build_optimizer("sam", [w], lr=0.1)  # its base decides: plain GD here
    assert stability_threshold(sam) == (pytest.approx(20.0), False)
    assert math.isnan(stability_threshold(build_optimizer("rms", [w]))[0])


def test_measure_reads_the_whole_spectrum_and_adams_sharpness_from_one_hessian():
    data = make_dataset("moons", size=40)
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.01}, epochs=3, batch_size=0)
    trainer = Trainer(data, TINY, config, dtype=F64)
    for _ in trainer.records():
        pass
    args = (trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    reading = measure(trainer, spectrum=True)
    expected = torch.linalg.eigvalsh(hessian_by_hand(*args)).numpy()
    assert reading.method == "exact" and len(reading.eigenvalues) == 17
    np.testing.assert_allclose(reading.eigenvalues, expected, rtol=1e-8, atol=1e-12)
    assert reading.sharpness == pytest.approx(expected[-1], rel=1e-10)
    d = adam_preconditioner(trainer.optimizer, trainer.parameters)
    assert reading.preconditioned == pytest.approx(sharpness(*args, preconditioner=d)[0])
    assert reading.threshold == pytest.approx(3800.0)
    lanczos = measure(trainer, spectrum=True, exact_limit=0)
    assert lanczos.method == "lanczos" and lanczos.eigenvalues is None
    assert lanczos.sharpness == pytest.approx(reading.sharpness, rel=1e-8)
    assert lanczos.preconditioned == pytest.approx(reading.preconditioned, rel=1e-8)


LINEAR = ModelConfig(hidden=())  # y = w x + b: the MSE is a quadratic in (w, b)


def linear_trainer(lr: float, epochs: int = 200) -> Trainer:
    data = make_dataset("sine", size=60)
    config = TrainConfig(
        optimizer={"name": "sgd", "lr": lr}, epochs=epochs, batch_size=0, loss="mse"
    )
    return Trainer(data, LINEAR, config, dtype=F64)


def test_on_a_quadratic_gd_converges_below_two_over_lambda_and_diverges_above():
    probe = linear_trainer(0.1)
    args = (probe.model, probe.loss_fn, probe.x_train, probe.y_train)
    top, _ = sharpness(*args)
    # the MSE's Hessian is 2/N sum [x 1][x 1]^T, constant: compare the eigenvalue by hand
    features = torch.cat([probe.x_train, torch.ones(len(probe.x_train), 1, dtype=F64)], 1)
    by_hand = 2 * features.T @ features / len(features)
    assert top == pytest.approx(float(torch.linalg.eigvalsh(by_hand)[-1]), rel=1e-10)
    edge = 2 / top
    stable = list(edge_of_stability(linear_trainer(0.9 * edge), every=50))
    assert [r.epoch for r in stable] == [0, 50, 100, 150, 200]
    assert stable[0].threshold == pytest.approx(top / 0.9)  # 2 / lr
    assert all(r.sharpness == pytest.approx(top, rel=1e-9) for r in stable)  # constant
    solution = torch.linalg.lstsq(features, probe.y_train[:, None]).solution
    best = float((features @ solution - probe.y_train[:, None]).square().mean())
    assert stable[-1].train_loss - best < 1e-9 * (stable[0].train_loss - best)  # converged
    assert all(
        b.train_loss <= a.train_loss + 1e-15 for a, b in zip(stable, stable[1:], strict=False)
    )
    unstable = linear_trainer(1.1 * edge)
    records = list(edge_of_stability(unstable, every=50))
    assert unstable.status == "diverged"
    assert records[0].sharpness > records[0].threshold  # past the edge from the start
    assert len(records) < 5  # stopped: the loss blew up


def test_the_generator_reports_adams_preconditioned_sharpness():
    data = make_dataset("moons", size=40)
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.01}, epochs=4, batch_size=0)
    trainer = Trainer(data, TINY, config, dtype=F64)
    records = list(edge_of_stability(trainer, every=2))
    assert [r.epoch for r in records] == [0, 2, 4]
    assert math.isnan(records[0].preconditioned)  # Adam has no second moment before a step
    assert records[0].shown == records[0].sharpness
    last = records[-1]
    assert last.threshold == pytest.approx(3800.0)
    d = adam_preconditioner(trainer.optimizer, trainer.parameters)
    args = (trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    assert last.preconditioned == pytest.approx(sharpness(*args, preconditioner=d)[0])
    assert last.shown == last.preconditioned and last.preconditioned > last.sharpness


def test_full_batch_gd_sharpens_until_the_edge_of_stability():
    """Progressive sharpening on moons (2-8-8-2, tanh, cross-entropy, lr 0.5): the sharpness
    starts far below 2/lr = 4, rises to it and stops there (Cohen et al. 2021)."""
    data = make_dataset("moons", size=100)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=300, batch_size=0)
    model = ModelConfig(hidden=(8, 8), activation="tanh")
    records = list(edge_of_stability(Trainer(data, model, config, dtype=F64), every=10))
    threshold = records[0].threshold
    assert threshold == pytest.approx(4.0)
    sharpest = max(r.sharpness for r in records)
    assert records[0].sharpness < 0.35 * threshold
    assert 0.95 * threshold < sharpest < 1.1 * threshold
    assert records[-1].train_loss < 0.1 * records[0].train_loss

"""The gradient noise scale (core.noise_scale) against closed forms, and the minibatch cloud."""

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig, build_model, loss_function
from core.noise_scale import (
    minibatch_covariance,
    minibatch_gradients,
    model_per_example_gradients,
    network_noise_scale,
    noise_scale,
    surface_minibatch_gradients,
    surface_noise_scale,
    surface_per_example_gradients,
)
from core.surfaces.data import data_surface

POINT = (0.4, -0.3)


def test_b_simple_equals_the_closed_form_on_a_linear_regression_surface():
    surface = data_surface("regression", n=50, seed=3)
    x, y = surface.examples.inputs, surface.examples.targets  # (N, 2), (N,)
    w = np.asarray(POINT)
    # loss_i = (w . x_i - y_i)^2, so g_i = 2 (w . x_i - y_i) x_i
    by_hand = 2.0 * (x @ w - y)[:, None] * x
    mean = by_hand.mean(0)
    sigma = (by_hand - mean).T @ (by_hand - mean) / len(x)
    expected = np.trace(sigma) / (mean @ mean)

    np.testing.assert_allclose(surface_per_example_gradients(surface, POINT).numpy(), by_hand)
    measured = surface_noise_scale(surface, POINT)
    assert measured.b_simple == pytest.approx(expected, rel=1e-12)
    assert measured.trace_sigma == pytest.approx(np.trace(sigma), rel=1e-12)
    assert measured.examples == 50
    # the mean of the per-example gradients is the surface's own (full-batch) gradient
    p = torch.tensor([POINT], dtype=torch.float64, requires_grad=True)
    (full,) = torch.autograd.grad(surface(p).sum(), p)
    np.testing.assert_allclose(measured.mean_gradient, full[0].numpy(), rtol=1e-12)


def test_identical_examples_have_no_noise_and_a_zero_gradient_has_infinite_scale():
    same = torch.tensor([[1.0, 2.0]] * 4)
    assert noise_scale(same).b_simple == 0.0
    assert noise_scale(torch.tensor([[1.0], [-1.0]])).b_simple == float("inf")


@pytest.mark.parametrize("replacement", [True, False])
def test_the_minibatch_cloud_has_mean_g_and_covariance_sigma_over_b(replacement):
    surface = data_surface("regression", n=40, seed=1)
    per_example = surface_per_example_gradients(surface, POINT)
    mean = per_example.mean(0)
    sigma_b = {}
    for batch in (2, 8):
        cloud = minibatch_gradients(
            per_example, batch, count=40_000, seed=batch, replacement=replacement
        )
        assert cloud.shape == (40_000, 2)
        expected = minibatch_covariance(per_example, batch, replacement=replacement)
        torch.testing.assert_close(
            cloud.mean(0), mean, atol=4 * expected.diag().sqrt().max() / 200, rtol=0
        )
        covariance = torch.cov(cloud.T)
        torch.testing.assert_close(
            covariance, expected, rtol=0.05, atol=0.02 * expected.abs().max()
        )
        sigma_b[batch] = torch.trace(covariance)
    # four times the batch, a quarter of the variance (times the finite-population factor)
    factor = 1.0 if replacement else (40 - 8) / (40 - 2)
    assert float(sigma_b[8] / sigma_b[2]) == pytest.approx(factor / 4, rel=0.05)
    # the exact covariance: Sigma / B with replacement
    centred = per_example - mean
    sigma = centred.T @ centred / len(per_example)
    if replacement:
        torch.testing.assert_close(
            minibatch_covariance(per_example, 8, replacement=True), sigma / 8
        )


def test_the_cloud_is_reproducible_and_the_full_batch_has_no_noise():
    per_example = surface_per_example_gradients(data_surface("logistic", n=30), POINT)
    first = minibatch_gradients(per_example, 5, count=10, seed=7)
    assert torch.equal(first, minibatch_gradients(per_example, 5, count=10, seed=7))
    full = minibatch_gradients(per_example, 30, count=3)
    torch.testing.assert_close(full, per_example.mean(0).expand(3, 2))
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradients(per_example, 31)
    full_gradient, cloud = surface_minibatch_gradients(
        data_surface("logistic", n=30), POINT, 5, count=10, seed=7
    )
    np.testing.assert_allclose(full_gradient, per_example.mean(0).numpy())
    np.testing.assert_allclose(cloud, first.numpy())


def test_a_networks_per_example_gradients_average_to_its_gradient():
    data = make_dataset("spiral", size=60)
    model = build_model(
        ModelConfig(hidden=(5,), activation="tanh"), 2, 2, seed=0, dtype=torch.float64
    )
    loss_fn = loss_function("cross_entropy", data.task, data.classes)
    x = torch.as_tensor(data.x_train, dtype=torch.float64)
    y = torch.as_tensor(data.y_train)
    before = [p.detach().clone() for p in model.parameters()]
    per_example = model_per_example_gradients(model, loss_fn, x, y)
    assert per_example.shape == (len(x), sum(p.numel() for p in model.parameters()))
    loss_fn(model(x), y).backward()
    full = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    torch.testing.assert_close(per_example.mean(0), full)
    # one example by autograd
    model.zero_grad()
    loss_fn(model(x[3:4]), y[3:4]).backward()
    torch.testing.assert_close(
        per_example[3], torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    )
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    measured = network_noise_scale(model, loss_fn, x, y)
    assert measured.b_simple == pytest.approx(noise_scale(per_example).b_simple)
    assert 0 < measured.b_simple < float("inf")


def test_a_trainers_noise_record_names_its_batch_in_use():
    """B_simple from autograd's per-example gradients by hand, and the batch size in use (the
    training set's size for full batch)."""
    from core.nets.trainer import TrainConfig, Trainer
    from core.noise_scale import trainer_noise_record

    data = make_dataset("moons", size=50, seed=1)
    model = ModelConfig(hidden=(4,), activation="tanh")
    for batch, expected_batch in ((5, 5), (0, len(data.x_train)), (500, len(data.x_train))):
        trainer = Trainer(data, model, TrainConfig(batch_size=batch), dtype=torch.float64)
        record = trainer_noise_record(trainer, epoch=0)
        assert record.batch_size == expected_batch and record.examples == len(data.x_train)
    grads = []
    for i in range(len(trainer.x_train)):
        trainer.model.zero_grad()
        trainer.loss_fn(
            trainer.model(trainer.x_train[i : i + 1]), trainer.y_train[i : i + 1]
        ).backward()
        grads.append(torch.cat([p.grad.reshape(-1) for p in trainer.model.parameters()]))
    g = torch.stack(grads)
    mean = g.mean(0)
    by_hand = float((g - mean).square().sum(1).mean() / mean.square().sum())
    assert record.b_simple == pytest.approx(by_hand, rel=1e-9)

"""The learning-rate range test (core.nets.lr_finder) on a small network."""

import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.lr_finder import (
    DIVERGE_FACTOR,
    lr_range_test,
    lr_schedule,
    range_test_of,
    range_test_points,
    smooth,
    suggest,
    trainer_range_points,
    trainer_range_test,
)
from core.nets.models import ModelConfig, build_model, loss_function
from core.nets.trainer import TrainConfig, Trainer

MODEL = ModelConfig(hidden=(8,), activation="tanh")
SGD = {"name": "sgd", "lr": 0.1, "momentum": 0.9}


@pytest.fixture(scope="module")
def problem():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors on a shared machine: one thread is faster
    data = make_dataset("gaussians", size=200)
    model = build_model(MODEL, 2, 2, seed=0)
    loss_fn = loss_function("cross_entropy", data.task, data.classes)
    x = torch.as_tensor(data.x_train, dtype=torch.float32)
    yield model, loss_fn, x, torch.as_tensor(data.y_train)
    torch.set_num_threads(threads)


def test_the_suggestion_lies_in_the_falling_part_before_the_minimum(problem):
    result = lr_range_test(*problem, SGD, batch_size=16)
    assert len(result.lrs) == 100 and not result.stopped_early
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-7, 10, 100))
    lowest = int(np.argmin(result.smoothed))
    suggested = result.suggestion()  # "steepest" is the default
    assert suggested == result.steepest
    index = int(np.argmin(np.abs(np.log(result.lrs / suggested))))
    assert result.lrs[index] == suggested
    assert 10 <= index < lowest  # after the EMA's start-up, before the minimum
    slopes = np.gradient(result.smoothed, np.log(result.lrs))
    assert slopes[index] < 0 and slopes[index] == slopes[10:lowest].min()  # falling fastest
    assert result.smoothed[index] > result.smoothed[lowest]
    assert result.smoothed[lowest] < 0.8 * result.smoothed[0]  # the network did learn
    assert result.suggestion("min/10") == pytest.approx(result.lrs[lowest] / 10)
    with pytest.raises(ValueError, match="unknown suggestion"):
        result.suggestion("valley")


def test_the_original_model_is_untouched_and_the_test_is_reproducible(problem):
    model = problem[0]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    first = lr_range_test(*problem, SGD, batch_size=16, seed=3)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    again = lr_range_test(*problem, SGD, batch_size=16, seed=3)
    np.testing.assert_array_equal(first.losses, again.losses)
    assert first.steepest == again.steepest
    other = lr_range_test(*problem, SGD, batch_size=16, seed=4)
    assert not np.array_equal(first.losses, other.losses)  # the seed orders the batches


def test_the_sweep_stops_when_the_smoothed_loss_blows_up(problem):
    result = lr_range_test(*problem, SGD, batch_size=16, end_lr=1e4)
    assert result.stopped_early and len(result.lrs) < 100
    last = result.smoothed[-1]
    assert not math.isfinite(last) or last > DIVERGE_FACTOR * result.smoothed[:-1].min()
    assert (result.smoothed[:-1] <= DIVERGE_FACTOR * result.smoothed[:-1].min()).all()


def test_smoothing_is_bias_corrected_and_a_flat_curve_has_no_steepest_point():
    np.testing.assert_allclose(smooth(np.full(5, 2.0)), np.full(5, 2.0))
    losses = np.array([1.0, 3.0])
    np.testing.assert_allclose(smooth(losses, 0.5), [1.0, (0.25 + 1.5) / 0.75])
    lrs = lr_schedule(30, 1e-3, 1.0)
    steepest, min_over_10 = suggest(lrs, np.linspace(1.0, 2.0, 30))  # rising from the start
    assert math.isnan(steepest) and min_over_10 == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="start_lr"):
        lr_schedule(10, 1.0, 0.1)


def test_a_trainer_with_a_closure_optimizer(problem):
    data = make_dataset("gaussians", size=200)
    config = TrainConfig(optimizer={"name": "sam", "lr": 0.1, "rho": 0.05}, batch_size=20)
    trainer = Trainer(data, MODEL, config)
    before = trainer.weights()
    result = trainer_range_test(trainer, steps=40, end_lr=1.0)
    assert len(result.lrs) == 40 and np.isfinite(result.losses).all()
    assert torch.equal(trainer.weights(), before)


def test_the_points_stream_one_update_at_a_time_and_make_the_same_result(problem):
    stream = range_test_points(*problem, SGD, batch_size=16, steps=60, end_lr=1e3)
    first = next(stream)  # computed on demand: a window draws the curve as it comes
    assert (first.index, first.lr) == (0, pytest.approx(1e-7)) and not first.diverged
    points = [first, *stream]
    whole = lr_range_test(*problem, SGD, batch_size=16, steps=60, end_lr=1e3)
    streamed = range_test_of(points)
    np.testing.assert_array_equal(streamed.losses, whole.losses)
    np.testing.assert_array_equal(streamed.smoothed, whole.smoothed)
    assert streamed.steepest == whole.steepest and streamed.stopped_early == whole.stopped_early
    assert [p.index for p in points] == list(range(len(points)))
    ratios = np.array([b.lr / a.lr for a, b in zip(points, points[1:], strict=False)])
    np.testing.assert_allclose(ratios, (1e3 / 1e-7) ** (1 / 59))  # exponential growth
    # it exploded before the end: only the last point says so, and the sweep stopped there
    assert len(points) < 60 and points[-1].diverged
    assert not any(p.diverged for p in points[:-1])
    assert whole.lowest_lr == whole.lrs[int(np.argmin(whole.smoothed))]
    assert whole.lowest_lr == pytest.approx(10 * whole.min_over_10)


def test_lbfgs_and_bad_settings_are_refused_before_the_first_update(problem):
    model = problem[0]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="L-BFGS"):
        range_test_points(*problem, {"name": "lbfgs", "lr": 1.0})
    with pytest.raises(ValueError, match="beta"):
        range_test_points(*problem, SGD, beta=1.0)
    with pytest.raises(ValueError, match="at least 2 steps"):
        range_test_points(*problem, SGD, steps=1)
    with pytest.raises(ValueError, match="no point"):
        range_test_of([])
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_trainers_stream_uses_its_batches_and_seed(problem):
    data = make_dataset("gaussians", size=200)
    trainer = Trainer(data, MODEL, TrainConfig(optimizer=SGD, batch_size=16, seed=5))
    streamed = [p.loss for p in trainer_range_points(trainer, steps=20)]
    direct = lr_range_test(
        trainer.model,
        trainer.loss_fn,
        trainer.x_train,
        trainer.y_train,
        SGD,
        batch_size=16,
        seed=5,
        steps=20,
    )
    np.testing.assert_array_equal(streamed, direct.losses)

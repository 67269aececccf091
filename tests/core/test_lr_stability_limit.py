"""The learning-rate stability limit (core.stability): the formula's values, and the engine's own
runs converging just below it and diverging just above it on a quadratic, with and without
momentum."""

import math

import numpy as np
import pytest

from core.engine import PointRun, RunConfig, run_to_end
from core.stability import curvature_limit_at, lr_limit, optimizer_lr_limit
from core.surfaces import make_surface

START = [-2.0, 1.5]


def test_the_limit_is_two_over_lambda_and_grows_with_momentum():
    assert lr_limit(5.0) == pytest.approx(0.4)
    assert lr_limit(5.0, 0.9) == pytest.approx(3.8 / 5.0)
    assert lr_limit(5.0, 0.9, nesterov=True) == pytest.approx(3.8 / (2.8 * 5.0))
    assert lr_limit(5.0, 0.5, dampening=0.5) == pytest.approx(3.0 / 2.5)
    assert lr_limit(4.0, weight_decay=1.0) == pytest.approx(0.4)
    assert lr_limit(0.0) == math.inf  # nothing curves up: no limit
    assert lr_limit(-3.0) == math.inf


def test_an_optimizers_limit_and_formula():
    limit = optimizer_lr_limit(5.0, {"name": "sgd", "lr": 0.1, "momentum": 0.0})
    assert (limit.lr, limit.formula) == (pytest.approx(0.4), "2/λmax")
    assert limit.exceeded_by(0.41) and not limit.exceeded_by(0.39)
    heavy = optimizer_lr_limit(5.0, {"name": "sam", "lr": 0.1, "momentum": 0.9, "rho": 0.05})
    assert (heavy.lr, heavy.formula) == (pytest.approx(0.76), "(2+2β)/λmax")
    ema = optimizer_lr_limit(5.0, {"name": "ema_momentum", "lr": 0.1, "beta": 0.9})
    assert ema.lr == pytest.approx(3.8 / (0.1 * 5.0))
    decayed = optimizer_lr_limit(4.0, {"name": "sgd", "lr": 0.1, "weight_decay": 1.0})
    assert (decayed.lr, decayed.formula) == (pytest.approx(0.4), "2/(λmax+wd)")
    assert optimizer_lr_limit(5.0, {"name": "adam", "lr": 0.1}) is None
    assert optimizer_lr_limit(5.0, {"name": "sam", "base": "adam", "lr": 0.1}) is None


def test_the_curvature_at_a_point_of_a_quadratic_and_of_another_surface():
    ravine = curvature_limit_at(make_surface({"builtin": "ravine", "condition": 12.5}), START)
    assert ravine.lambda_max == pytest.approx(12.5)
    assert ravine.quadratic
    rosenbrock = curvature_limit_at(make_surface({"builtin": "rosenbrock"}), (1.0, 1.0))
    # f = (1-x)^2 + 100 (y-x^2)^2 at (1, 1): H = [[802, -400], [-400, 200]]
    expected = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))[-1]
    assert rosenbrock.lambda_max == pytest.approx(expected)
    assert not rosenbrock.quadratic


def _final(surface, name: str, hyper: dict, steps: int):
    run = PointRun(surface, RunConfig(name, hyper, [START], steps=steps))
    records = run_to_end(run)
    return float(records[-1].loss[0]), int(run.diverged_at[0])


@pytest.mark.parametrize(
    ("name", "hyper", "steps"),
    [
        ("sgd", {}, 300),
        ("sgd", {"momentum": 0.9}, 400),
        ("sgd", {"momentum": 0.5, "nesterov": True}, 400),
        ("lecture_momentum", {"momentum": 0.6}, 400),
        ("ema_momentum", {"beta": 0.7}, 400),
    ],
)
def test_runs_converge_below_the_limit_and_diverge_above_it(name, hyper, steps):
    surface = make_surface({"builtin": "ravine", "condition": 12.5})
    here = curvature_limit_at(surface, START)
    limit = optimizer_lr_limit(here.lambda_max, {"name": name, **hyper}).lr
    below, diverged_below = _final(surface, name, {**hyper, "lr": 0.95 * limit}, steps)
    assert diverged_below == -1
    assert below < 1e-6
    _, diverged_above = _final(surface, name, {**hyper, "lr": 1.05 * limit}, steps)
    assert diverged_above > 0


def test_plain_gd_at_1_9_and_2_1_over_lambda():
    surface = make_surface({"builtin": "ravine", "condition": 12.5})
    lam = curvature_limit_at(surface, START).lambda_max
    converged, at = _final(surface, "sgd", {"lr": 1.9 / lam}, 300)
    assert at == -1 and converged < 1e-8
    _, at = _final(surface, "sgd", {"lr": 2.1 / lam}, 300)
    assert 0 < at < 300

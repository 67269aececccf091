"""Double descent (Nakkiran et al. 2019; Belkin et al. 2019) on a small noisy task, in seconds.

What is swept: the **width** ``p`` of a random-features model -- one hidden layer of ``p`` ReLU
units whose input weights and biases are drawn at random and frozen; only the ``p`` output
weights are fitted, by **minimum-norm least squares** (``numpy.linalg.lstsq``, the pseudo-inverse
solution). Below ``p = n`` it is the least-squares fit; from ``p = n`` on it interpolates the
``n`` noisy training points exactly (training error 0), and among all interpolating weights it
takes the smallest ones. The test error peaks where the model can only just interpolate --
the fit then needs huge weights to pass through every noisy point -- and falls again as ``p``
grows past it. (A one-hidden-layer network trained by gradient descent shows the same curve only
with long training and tuned noise; the random-features model shows it reliably, exactly and
fast. The many-networks trainer, ``core.nets.many``, is therefore not used: nothing is trained
by gradient steps here.)

The task (:class:`DoubleDescentTask`): a linear regression with label noise in
:data:`INPUT_DIM` dimensions, ``y = beta . x + noise`` with ``x ~ N(0, I)``, a random unit
``beta`` and Gaussian noise, ``n`` training points and a large test set drawn the same way (noisy
too: the test error's floor is the noise variance). A feature is ``relu(w . x)`` with
``w ~ N(0, I / d)``. (In one input dimension ReLU features are piecewise linear in the same few
places and stay rank-deficient long past ``p = n``; smooth features such as cosines are so
collinear there that the fit is all rounding error. Five dimensions give features in general
position: ``n`` of them already interpolate.) For each seed the data and the features are drawn
once and a width uses the first ``p`` features, so that the models of one seed are nested.

**Interpolation threshold** (:func:`interpolation_threshold`): the number of fitted parameters
equals the number of training targets, ``p = n x outputs`` (here one output, so ``p = n``). The
parameter count is the fitted output weights only (the random features are frozen; there is no
output bias).

Errors are mean squared errors, averaged over the task's seeds (each seed's value is kept too).
:func:`double_descent_sweep` yields one :class:`WidthResult` per width, in increasing order;
stop by no longer asking.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

MAX_WIDTH = 1000
INPUT_DIM = 5
OUTPUTS = 1  # one regression output


def default_widths(max_width: int = 200, threshold: int | None = None) -> tuple[int, ...]:
    """Widths 1..``max_width``, about 40 of them, evenly spaced on a log scale, with the
    interpolation ``threshold`` and its neighbours when they lie in that range."""
    if not 1 <= max_width <= MAX_WIDTH:
        raise ValueError(f"the largest width must be between 1 and {MAX_WIDTH}, got {max_width}")
    widths = {int(round(w)) for w in np.geomspace(1, max_width, 40)}
    if threshold is not None:
        widths |= {w for w in (threshold - 1, threshold, threshold + 1) if 1 <= w <= max_width}
    return tuple(sorted(widths))


@dataclass(frozen=True)
class DoubleDescentTask:
    """The noisy 1-D regression and the sweep's widths (see the module docstring)."""

    train_points: int = 20
    test_points: int = 1000
    noise: float = 0.2  # standard deviation of the label noise
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    widths: tuple[int, ...] = default_widths()

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "widths", tuple(sorted({int(w) for w in self.widths})))
        if not 2 <= self.train_points <= 500:
            raise ValueError(f"training points must be between 2 and 500, got {self.train_points}")
        if not 1 <= self.test_points <= 100_000:
            raise ValueError(f"test points must be between 1 and 100000, got {self.test_points}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"the noise must be >= 0, got {self.noise}")
        if not self.seeds:
            raise ValueError("at least one seed is needed")
        if not self.widths or not 1 <= self.widths[0] <= self.widths[-1] <= MAX_WIDTH:
            raise ValueError(f"widths must be between 1 and {MAX_WIDTH}")

    @property
    def threshold(self) -> int:
        return interpolation_threshold(self.train_points)


@dataclass(frozen=True)
class WidthResult:
    """The sweep at one width: errors averaged over the seeds, and each seed's."""

    width: int
    parameters: int  # fitted parameters: the output weights, = width
    train_error: float
    test_error: float
    train_errors: tuple[float, ...]
    test_errors: tuple[float, ...]


def interpolation_threshold(train_points: int, outputs: int = OUTPUTS) -> int:
    """The width at which the fitted parameters equal the training targets:
    ``train_points x outputs``."""
    return int(train_points) * int(outputs)


@dataclass(frozen=True)
class _Draw:
    """One seed's data and features (the widest model's; narrower ones take the first)."""

    train_features: np.ndarray  # (n, max width)
    train_y: np.ndarray
    test_features: np.ndarray  # (test points, max width)
    test_y: np.ndarray


def _features(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.maximum(x @ weights, 0.0)


def draw(task: DoubleDescentTask, seed: int) -> _Draw:
    """Seed ``seed``'s training and test sets and random features."""
    rng = np.random.default_rng(seed)
    beta = rng.normal(size=INPUT_DIM)
    beta /= np.linalg.norm(beta)
    x_train = rng.normal(size=(task.train_points, INPUT_DIM))
    y_train = x_train @ beta + rng.normal(0.0, task.noise, task.train_points)
    x_test = rng.normal(size=(task.test_points, INPUT_DIM))
    y_test = x_test @ beta + rng.normal(0.0, task.noise, task.test_points)
    weights = rng.normal(0.0, 1.0 / np.sqrt(INPUT_DIM), (INPUT_DIM, task.widths[-1]))
    return _Draw(_features(x_train, weights), y_train, _features(x_test, weights), y_test)


def fit_min_norm(features: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The minimum-norm least-squares output weights (the pseudo-inverse solution)."""
    return np.linalg.lstsq(features, targets, rcond=None)[0]


def errors_at(sample: _Draw, width: int) -> tuple[float, float]:
    """(train MSE, test MSE) of the width-``width`` model of one draw."""
    weights = fit_min_norm(sample.train_features[:, :width], sample.train_y)
    train = float(np.mean((sample.train_features[:, :width] @ weights - sample.train_y) ** 2))
    test = float(np.mean((sample.test_features[:, :width] @ weights - sample.test_y) ** 2))
    return train, test


def double_descent_sweep(task: DoubleDescentTask) -> Iterator[WidthResult]:
    """One :class:`WidthResult` per width of ``task``, in increasing order."""
    draws = [draw(task, seed) for seed in task.seeds]
    for width in task.widths:
        pairs = [errors_at(sample, width) for sample in draws]
        trains = tuple(train for train, _ in pairs)
        tests = tuple(test for _, test in pairs)
        yield WidthResult(
            width=width,
            parameters=width * OUTPUTS,
            train_error=float(np.mean(trains)),
            test_error=float(np.mean(tests)),
            train_errors=trains,
            test_errors=tests,
        )

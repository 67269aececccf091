"""Surfaces made from data: a loss that is a mean over training examples, with two parameters.

Three models, each on a seeded generated dataset:

- ``regression``: linear regression ``y ≈ w1·x1 + w2·x2`` (squared error) whose two features have
  adjustable scales; ``normalize`` standardizes them (mean 0, standard deviation 1) and the long
  thin elliptic contours become near circles (notes 002, feature normalization).
- ``logistic``: a classifier ``p = sigmoid(w1·x1 + w2·x2)`` with the loss ``"mse"`` on the
  sigmoid output or ``"cross_entropy"``; far from the optimum the MSE surface is flat where the
  cross-entropy surface is not (notes 002, 003).
- ``classifier_1d``: the loss-function lessons' classifier ``p = sigmoid(w·x + b)`` of one
  feature with a weight ``w`` and a bias ``b`` (the two axes) on six fixed labelled points
  (x = −2, −1, 0.5 with label 0; x = −0.5, 1, 2 with label 1), with the loss ``"mse"`` or
  ``"cross_entropy"``: the same model under two losses, each named, so that their values (on
  different scales) are not compared as if one were better.
- ``two_basins``: every example is a copy of the built-in sharp/flat two-basin surface, scaled
  by its own strength and moved by a tiny offset, so each minibatch sees a slightly different
  landscape (notes 003: the loss L1 of one batch differs from L2 of the next) while the full
  batch is the built-in surface itself (strengths average 1). The examples agree on where the
  minima are but not on how steep they are; in the sharp well that disagreement makes a
  small-batch step overshoot (SGD is stable at a minimum only when both the sharpness and the
  examples' disagreement are small), so small batches leave it for the flat basin.

A :class:`DataSurface` is a :class:`core.surfaces.Surface` (``fn`` is the full-batch loss) that can
also evaluate the loss on a subset of the examples: :meth:`DataSurface.batch_loss`. The test
surface of the train/test lesson is the train surface shifted in parameter space
(:meth:`DataSurface.shifted`): a mismatch between training and test data.

A data surface names its two axes after the model's parameters (``axis_names``: w₁ and w₂) and
its loss (``loss_name``: mean squared error or cross-entropy, in English and Chinese), so a plot
can say which loss it shows: an MSE and a cross-entropy are on different scales, and their values
must not be compared as if one were "better".

Datasets come from ``numpy.random.default_rng(seed)``, so a seed gives the same data everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.data_examples import (
    Examples,
    ShiftedExamples,
    basin_data,
    logistic_data,
    regression_data,
)

__all__ = [
    "DATA_DEFAULTS",
    "LOSSES",
    "MAX_EXAMPLES",
    "MODELS",
    "DataSurface",
    "data_surface",
    "hessian_at",
]

MODELS = ("regression", "logistic", "two_basins", "classifier_1d")
LOSSES = ("mse", "cross_entropy")
MAX_EXAMPLES = 100_000

# Every field of a data surface with its default; None = chosen by the model (see data_surface).
DATA_DEFAULTS: dict[str, Any] = {
    "model": "regression",
    "n": 200,
    "seed": 0,
    "scales": None,  # regression (0.3, 3.0), logistic (1.0, 1.0)
    "normalize": False,
    "loss": None,  # regression "mse", logistic and classifier_1d "cross_entropy"
    "noise": None,  # regression: std of the target noise (0.5); two_basins: std of strengths (1.4)
    "shift": (0.0, 0.0),
    "split": "train",
}
# Which fields each model reads (others must be left at their defaults).
_MODEL_FIELDS = {
    "regression": {"n", "seed", "scales", "normalize", "loss", "noise", "shift", "split"},
    "logistic": {"n", "seed", "scales", "normalize", "loss", "shift", "split"},
    "two_basins": {"n", "seed", "noise", "shift", "split"},
    "classifier_1d": {"loss", "shift", "split"},
}
# The loss-function lessons' six labelled points (x, label): the classes overlap (0.5 has label
# 0, -0.5 label 1), so the cross-entropy minimum is finite.
_CLASSIFIER_POINTS = ((-2.0, 0), (-1.0, 0), (0.5, 0), (-0.5, 1), (1.0, 1), (2.0, 1))
_CLASSIFIER_HALF = 6.0  # half the window's side: the lessons' [-6, 6] square

_REGRESSION_NOISE = 0.5
_BASIN_NOISE = 1.4  # std of the examples' strengths (mean 1)
# The losses by name, as a plot says which one it shows.
_LOSS_NAMES = {
    "mse": {"en": "mean squared error", "zh": "均方误差"},
    "cross_entropy": {"en": "cross-entropy", "zh": "交叉熵"},
}


# --------------------------------------------------------------------------------------------
# The surface type
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSurface(Surface):
    """A surface whose loss is the mean of a per-example loss over ``n_examples`` examples.

    ``fn(points)`` is the full-batch loss; ``batch_loss(points, indices)`` the mean over the
    examples ``indices`` only (a minibatch). ``config`` is the data config it was built from
    (the keys of :data:`DATA_DEFAULTS`), ``default_start`` a start point that shows the lesson,
    ``axis_names`` the names of the two parameters (the map's axes), ``loss_name`` which loss
    it is, ``{"en": ..., "zh": ...}``.
    """

    n_examples: int = 0
    examples: Any = None  # Examples or ShiftedExamples
    config: dict[str, Any] = field(default_factory=dict)
    default_start: tuple[float, float] = (0.0, 0.0)
    axis_names: tuple[str, str] = ("w₁", "w₂")
    loss_name: dict[str, str] = field(default_factory=dict)

    def batch_loss(self, points: torch.Tensor, indices: Any) -> torch.Tensor:
        """Mean loss over the examples ``indices`` (a 1-D integer sequence) at each point."""
        return self.examples.loss(points, indices)

    def shifted(self, shift: Sequence[float] | None = None) -> DataSurface:
        """The test surface: this surface moved by ``shift`` (default: the config's ``shift``).

        Its losses at ``p`` are this surface's at ``p - shift``, so its minima are ``shift``
        away; the window stays the same, so both can be shown side by side.
        """
        dx, dy = _pair(self.config.get("shift", (0.0, 0.0)) if shift is None else shift, "shift")
        examples = ShiftedExamples(self.examples, (dx, dy))
        loss = examples.loss
        return replace(
            self,
            name=f"{self.name}:test",
            fn=loss,
            examples=examples,
            config={**self.config, "shift": [dx, dy], "split": "test"},
            critical_points=tuple(
                CriticalPoint(c.x + dx, c.y + dy, c.kind) for c in self.critical_points
            ),
            title={
                "en": f"{self.title.get('en', self.name)}: test loss (shifted)",
                "zh": f"{self.title.get('zh', self.name)}：测试损失（平移）",
            },
            note={
                "en": f"The test loss is the training loss moved by ({dx:g}, {dy:g}): test data "
                "differ a little from training data. A flat minimum's loss barely changes under "
                "the shift; a sharp one's rises steeply.",
                "zh": f"测试损失是训练损失平移 ({dx:g}, {dy:g}) 后的曲面：测试数据与训练数据"
                "略有不同。平坦极小值处的损失几乎不变，尖锐极小值处则陡增。",
            },
        )


# --------------------------------------------------------------------------------------------
# Checking the config
# --------------------------------------------------------------------------------------------


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def _pair(value: Any, name: str) -> tuple[float, float]:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be two numbers [a, b], got {value!r}")
    return (_number(value[0], f"{name}[0]"), _number(value[1], f"{name}[1]"))


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"the dataset size n must be a whole number, got {value!r}")
    if value < 1:
        raise ValueError(f"the dataset is empty: n must be at least 1 example, got {value}")
    if value > MAX_EXAMPLES:
        raise ValueError(f"n = {value} examples is too many; at most {MAX_EXAMPLES}")
    return int(value)


# --------------------------------------------------------------------------------------------
# Windows and critical points
# --------------------------------------------------------------------------------------------


def _refine(fn, seeds: Sequence[tuple[float, float]]) -> tuple[CriticalPoint, ...]:
    """Critical points near ``seeds`` by Newton's method; seeds that do not converge are dropped."""
    from core.surfaces.library import _newton_critical_points

    found: list[CriticalPoint] = []
    for seed in seeds:
        try:
            found.extend(_newton_critical_points(fn, [seed], iterations=60))
        except (RuntimeError, torch.linalg.LinAlgError):
            continue
    unique: list[CriticalPoint] = []
    for point in found:
        if all(math.hypot(point.x - q.x, point.y - q.y) > 1e-6 for q in unique):
            unique.append(point)
    return tuple(unique)


def _square_window(centre, half) -> tuple[tuple[float, float], tuple[float, float]]:
    cx, cy, half = float(centre[0]), float(centre[1]), float(half)
    return (cx - half, cx + half), (cy - half, cy + half)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def data_surface(
    model: str = "regression",
    *,
    n: int = 200,
    seed: int = 0,
    scales: Sequence[float] | None = None,
    normalize: bool = False,
    loss: str | None = None,
    noise: float | None = None,
    shift: Sequence[float] = (0.0, 0.0),
    split: str = "train",
) -> DataSurface:
    """Build a data surface (see the module docstring for the models).

    ``n`` examples generated from ``seed``; ``scales`` are the two features' standard deviations
    (regression, logistic); ``normalize`` standardizes the features; ``loss`` is ``"mse"`` or
    ``"cross_entropy"`` (logistic; regression is always ``"mse"``); ``noise`` is the target
    noise (regression) or how much the examples differ (two_basins: the std of their strengths);
    ``shift`` is the test mismatch and ``split="test"`` returns the shifted (test) surface.

    Raises ``ValueError`` with a clear message for anything that cannot be built.
    """
    if model not in MODELS:
        raise ValueError(f"unknown data model {model!r}; choose one of: {', '.join(MODELS)}")
    given = {
        "n": n,
        "seed": seed,
        "scales": scales,
        "normalize": normalize,
        "loss": loss,
        "noise": noise,
        "shift": shift,
        "split": split,
    }
    unused = [
        key
        for key, value in given.items()
        if key not in _MODEL_FIELDS[model] and value != DATA_DEFAULTS[key] and value is not None
    ]
    if unused:
        raise ValueError(f"data model {model!r} has no setting {', '.join(unused)}")
    n = _count(n)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if not isinstance(normalize, bool):
        raise ValueError(f"normalize must be true or false, got {normalize!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    shift = _pair(shift, "shift")
    config: dict[str, Any] = {"model": model, "n": n, "seed": int(seed), "shift": list(shift)}

    if model == "regression":
        surface = _checked_regression(n, int(seed), scales, normalize, loss, noise, config)
    elif model == "logistic":
        surface = _checked_logistic(n, int(seed), scales, normalize, loss, config)
    elif model == "classifier_1d":
        surface = _checked_classifier(loss, config)
    else:
        surface = _checked_basins(n, int(seed), noise, config)
    return surface.shifted() if split == "test" else surface


def _checked_scales(
    model: str, scales: Sequence[float] | None, normalize: bool, config: dict[str, Any]
) -> tuple[float, float]:
    """The feature scales (regression, logistic), checked; records them in ``config``."""
    default_scales = (0.3, 3.0) if model == "regression" else (1.0, 1.0)
    pair = _pair(default_scales if scales is None else scales, "scales")
    if min(pair) <= 0:
        raise ValueError(f"feature scales must be positive, got {list(scales or pair)}")
    config |= {"scales": list(pair), "normalize": normalize}
    return pair


def _checked_regression(n, seed, scales, normalize, loss, noise, config) -> DataSurface:
    """Check the regression settings (filling ``config``) and build its surface."""
    pair = _checked_scales("regression", scales, normalize, config)
    if loss not in (None, "mse"):
        raise ValueError(f"linear regression uses the loss 'mse', got {loss!r}")
    noise_value = _REGRESSION_NOISE if noise is None else _number(noise, "noise")
    if noise_value < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    config |= {"noise": noise_value}
    return _regression_surface(n, seed, pair, normalize, noise_value, config)


def _checked_logistic(n, seed, scales, normalize, loss, config) -> DataSurface:
    """Check the logistic settings (filling ``config``) and build its surface."""
    pair = _checked_scales("logistic", scales, normalize, config)
    loss = "cross_entropy" if loss is None else loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")
    config |= {"loss": loss}
    return _logistic_surface(n, seed, pair, normalize, loss, config)


def _checked_classifier(loss, config) -> DataSurface:
    """Check the classifier_1d settings (filling ``config``) and build its surface."""
    loss = "cross_entropy" if loss is None else loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")
    config |= {"loss": loss, "n": len(_CLASSIFIER_POINTS)}
    return _classifier_surface(loss, config)


def _checked_basins(n, seed, noise, config) -> DataSurface:
    """Check the two_basins settings (filling ``config``) and build its surface."""
    spread = _BASIN_NOISE if noise is None else _number(noise, "noise")
    if not 0 <= spread <= 10:
        raise ValueError(f"noise (how much examples differ) must be in [0, 10], got {noise!r}")
    config |= {"noise": spread}
    return _basins_surface(n, seed, spread, config)


def _regression_surface(n, seed, scales, normalize, noise, config) -> DataSurface:
    inputs, targets = regression_data(n, seed, scales, normalize, noise)
    examples = Examples("regression", "mse", inputs, targets)
    best, *_ = np.linalg.lstsq(inputs, targets, rcond=None)
    spread = inputs.std(axis=0)
    reach = 1.0 / max(float(spread.min()), 1e-12)
    half = 1.4 * max(float(np.abs(best).max()), reach, 1e-3)
    x_range, y_range = _square_window(best, half)
    minimum = CriticalPoint(float(best[0]), float(best[1]), "minimum")
    kind = "normalized" if normalize else "raw"
    if normalize:
        title = {"en": "Linear regression on normalized features", "zh": "归一化特征上的线性回归"}
    else:
        first, second = f"{scales[0]:g}", f"{scales[1]:g}"
        title = {
            "en": f"Linear regression on raw features of scales {first} and {second}",
            "zh": f"尺度为 {first} 和 {second} 的原始特征上的线性回归",
        }
    return DataSurface(
        name=f"data:regression:{kind}",
        fn=examples.loss,
        x_range=x_range,
        y_range=y_range,
        critical_points=(minimum,),
        title=title,
        note={
            "en": "Squared error of y ≈ w₁x₁ + w₂x₂ over the examples. With features on very "
            "different scales the contours are long thin ellipses: the loss is steep along one "
            "weight and flat along the other, so gradient descent zig-zags and crawls. "
            "Standardizing the features (mean 0, std 1) makes them near circles and gradient "
            "descent fast.",
            "zh": "样本上 y ≈ w₁x₁ + w₂x₂ 的平方误差。两个特征尺度相差很大时，等高线是细长的椭圆："
            "沿一个权重很陡、沿另一个很平，梯度下降来回震荡、进展缓慢。特征标准化（均值 0、"
            "标准差 1）后等高线接近圆形，梯度下降很快。",
        },
        n_examples=n,
        examples=examples,
        config=config,
        default_start=(float(best[0]) - 0.8 * half, float(best[1]) + 0.8 * half),
        axis_names=("w₁", "w₂"),
        loss_name=dict(_LOSS_NAMES["mse"]),
    )


def _logistic_surface(n, seed, scales, normalize, loss, config) -> DataSurface:
    inputs, targets = logistic_data(n, seed, scales, normalize)
    examples = Examples("logistic", loss, inputs, targets)
    # The cross-entropy optimum is a convex problem: Newton from 0 finds it; the MSE optimum
    # lies near it.
    ce = Examples("logistic", "cross_entropy", inputs, targets)
    (best,) = _refine(ce.loss, [(0.0, 0.0)]) or (CriticalPoint(0.0, 0.0, "minimum"),)
    points = _refine(examples.loss, [(best.x, best.y)]) if loss == "mse" else (best,)
    reach = 3.0 / max(float(inputs.std(axis=0).min()), 1e-12)
    half = 1.6 * max(abs(best.x), abs(best.y), reach)
    x_range, y_range = _square_window((0.0, 0.0), half)
    return DataSurface(
        name=f"data:logistic:{loss}",
        fn=examples.loss,
        x_range=x_range,
        y_range=y_range,
        critical_points=tuple(p for p in points if p.kind == "minimum"),
        title={
            "en": f"Logistic classifier trained with {_LOSS_NAMES[loss]['en']}",
            "zh": f"用{_LOSS_NAMES[loss]['zh']}训练的逻辑回归分类器",
        },
        note={
            "en": "p = sigmoid(w₁x₁ + w₂x₂) on two overlapping classes. Where the classifier is "
            "confidently wrong the sigmoid saturates: the MSE on its output is a flat plateau "
            "(tiny gradients, training gets stuck) while cross-entropy keeps a steady slope "
            "towards the optimum. The two losses are on different scales: compare what each "
            "does to the gradient (the gradient-norm plot), not their values.",
            "zh": "两个相互重叠的类别上的 p = sigmoid(w₁x₁ + w₂x₂)。分类器“自信地错”时 sigmoid "
            "饱和：其输出上的 MSE 是一片平台（梯度很小，训练卡住），而交叉熵仍有稳定的坡度"
            "通向最优点。两种损失的尺度不同：请比较它们对梯度的影响（梯度范数图），而不是损失值。",
        },
        n_examples=n,
        examples=examples,
        config=config,
        default_start=(-0.75 * half, -0.75 * half),
        axis_names=("w₁", "w₂"),
        loss_name=dict(_LOSS_NAMES[loss]),
    )


def _classifier_surface(loss, config) -> DataSurface:
    # w·x + b is the logistic model's w₁·x₁ + w₂·x₂ with x₂ = 1: the same examples class.
    inputs = np.array([[x, 1.0] for x, _label in _CLASSIFIER_POINTS])
    targets = np.array([float(label) for _x, label in _CLASSIFIER_POINTS])
    examples = Examples("logistic", loss, inputs, targets)
    ce = Examples("logistic", "cross_entropy", inputs, targets)
    (best,) = _refine(ce.loss, [(0.0, 0.0)]) or (CriticalPoint(0.0, 0.0, "minimum"),)
    points = _refine(examples.loss, [(best.x, best.y)]) if loss == "mse" else (best,)
    x_range, y_range = _square_window((0.0, 0.0), _CLASSIFIER_HALF)
    name = _LOSS_NAMES[loss]
    return DataSurface(
        name=f"data:classifier_1d:{loss}",
        fn=examples.loss,
        x_range=x_range,
        y_range=y_range,
        critical_points=tuple(p for p in points if p.kind == "minimum"),
        title={
            "en": f"One-feature classifier with weight w and bias b, trained with {name['en']}",
            "zh": f"用{name['zh']}训练的单特征分类器（权重 w，偏置 b）",
        },
        note={
            "en": "p = sigmoid(w·x + b) on six labelled points; the horizontal axis is the weight "
            "w, the vertical one the bias b. Mean squared error and cross-entropy are on "
            "different scales (the MSE of a probability is at most 1, cross-entropy has no "
            "bound), so compare what each does to the gradient, not their values: where the "
            "model is confidently wrong the MSE's gradient almost vanishes, the "
            "cross-entropy's does not.",
            "zh": "六个带标签的点上的 p = sigmoid(w·x + b)；横轴是权重 w，纵轴是偏置 b。"
            "均方误差与交叉熵的尺度不同（概率的均方误差至多为 1，交叉熵没有上界），"
            "所以请比较它们对梯度的影响，而不是损失值：模型自信地错时，均方误差的梯度几乎为零，"
            "交叉熵的梯度却不会。",
        },
        n_examples=len(_CLASSIFIER_POINTS),
        examples=examples,
        config=config,
        default_start=(-5.0, 0.0),  # confidently wrong
        axis_names=("w", "b"),
        loss_name=dict(name),
    )


def _basins_surface(n, seed, noise, config) -> DataSurface:
    from core.surfaces.library import builtin_surface

    base = builtin_surface("two_basins")
    offsets, strengths = basin_data(n, seed, noise)
    examples = Examples("two_basins", "mse", offsets, strengths)
    points = _refine(examples.loss, [(c.x, c.y) for c in base.critical_points])
    sharp = next(c for c in base.critical_points if c.kind == "minimum")
    return DataSurface(
        name="data:two_basins",
        fn=examples.loss,
        x_range=base.x_range,
        y_range=base.y_range,
        critical_points=points,
        title={
            "en": "Sharp vs flat minimum, made of examples",
            "zh": "由样本组成的尖锐与平坦极小值",
        },
        note={
            "en": "Each example is the two-basin surface with its own steepness (and a tiny "
            "offset); the training loss is their mean, two minima of equal depth. A minibatch "
            "sees a slightly different landscape at every update. In the sharp well a batch of "
            "a few steep examples makes the step overshoot, so small batches are thrown out and "
            "settle in the flat basin, where a shifted test loss stays low.",
            "zh": "每个样本都是陡峭程度各不相同（并略有平移）的双盆地曲面；训练损失是它们的平均，"
            "两个极小值一样深。小批次每次更新看到的地形都略有不同。在尖锐的深井里，"
            "几个陡峭样本组成的批次会让一步迈得过头，于是小批次被甩出深井，落入平坦的盆地；"
            "在那里，平移后的测试损失依然很低。",
        },
        n_examples=n,
        examples=examples,
        config=config,
        default_start=(sharp.x - 0.3, sharp.y + 0.5),  # inside the sharp well's basin
        axis_names=("w₁", "w₂"),
        loss_name={"en": "mean loss over the examples", "zh": "样本上的平均损失"},
    )


def hessian_at(surface: Surface, point: Sequence[float]) -> np.ndarray:
    """The 2x2 Hessian of the surface's (full-batch) loss at ``point``, in float64."""
    p = torch.as_tensor(np.asarray(point, dtype=np.float64))
    # Reverse over reverse: torch.func.hessian's forward mode first loads TorchScript
    # decompositions, seconds on first use, for no gain on two parameters.
    hessian = torch.func.jacrev(torch.func.jacrev(lambda q: surface.fn(q[None])[0]))(p)
    return hessian.detach().numpy()

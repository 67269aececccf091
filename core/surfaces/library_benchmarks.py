"""The classic benchmark functions among the built-in surfaces: Himmelblau, six-hump camel,
Styblinski-Tang, Beale and Rastrigin. Registered in ``core.surfaces.library``.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache, partial

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import (
    _newton_critical_points,
    _separable_critical_points,
    _xy,
)


def _himmelblau_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


@cache
def _himmelblau_points() -> tuple[CriticalPoint, ...]:
    seeds = [
        (3.0, 2.0),  # minima (loss 0)
        (-2.805118, 3.131313),
        (-3.779310, -3.283186),
        (3.584428, -1.848127),
        (-0.270845, -0.923039),  # maximum
        (3.385154, 0.073852),  # saddles
        (0.086678, 2.884255),
        (-3.073026, -0.081353),
        (-0.127961, -1.953715),
    ]
    return _newton_critical_points(_himmelblau_fn, seeds)


def _himmelblau() -> Surface:
    return Surface(
        name="himmelblau",
        fn=_himmelblau_fn,
        x_range=(-5.0, 5.0),
        y_range=(-5.0, 5.0),
        critical_points=_himmelblau_points,
        title={"en": "Himmelblau's function", "zh": "Himmelblau 函数"},
        note={
            "en": "(x² + y − 11)² + (x + y² − 7)²: four minima of equal loss (0), separated by "
            "four saddles around one maximum; which minimum you reach depends only on where you "
            "start.",
            "zh": "(x² + y − 11)² + (x + y² − 7)²：四个损失同为 0 的最小值，被四个鞍点隔开，"
            "中间是一个最大值；最终到达哪个最小值完全取决于起点。",
        },
    )


def _six_hump_camel_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


@cache
def _six_hump_camel_points() -> tuple[CriticalPoint, ...]:
    half = [
        (0.089842, -0.712656),  # global minimum, ≈ -1.0316
        (1.703607, -0.796084),  # local minimum, ≈ -0.2155
        (1.607105, 0.568651),  # local minimum, ≈ 2.1043
        (1.230230, 0.162335),  # maximum
        (1.109205, -0.768268),  # saddles
        (1.296070, 0.605084),
        (1.638068, 0.228674),
    ]
    # The function is symmetric under (x, y) -> (-x, -y); the origin is a saddle.
    seeds = [*half, *[(-x, -y) for x, y in half], (0.0, 0.0)]
    return _newton_critical_points(_six_hump_camel_fn, seeds)


def _six_hump_camel() -> Surface:
    return Surface(
        name="six_hump_camel",
        fn=_six_hump_camel_fn,
        x_range=(-2.0, 2.0),
        y_range=(-1.2, 1.2),
        critical_points=_six_hump_camel_points,
        title={"en": "Six-hump camel", "zh": "六峰驼背函数"},
        note={
            "en": "Two global minima (loss ≈ −1.0316), four local ones, seven saddles and two "
            "maxima: a small landscape with every kind of critical point, where the start decides "
            "which minimum gradient descent finds.",
            "zh": "两个全局最小值（损失约 −1.0316）、四个局部最小值、七个鞍点和两个最大值："
            "一小块地形里包含各种临界点，梯度下降找到哪个最小值由起点决定。",
        },
    )


def _styblinski_tang_fn(p: torch.Tensor) -> torch.Tensor:
    p2 = p * p
    return 0.5 * (p2 * p2 - 16.0 * p2 + 5.0 * p).sum(dim=-1)


@cache
def _styblinski_tang_points(
    x_range: tuple[float, float], y_range: tuple[float, float]
) -> tuple[CriticalPoint, ...]:
    return _separable_critical_points(
        lambda t: 2.0 * t**3 - 16.0 * t + 2.5, lambda t: 6.0 * t * t - 16.0, x_range, y_range
    )


def _styblinski_tang() -> Surface:
    x_range = y_range = (-5.0, 5.0)
    return Surface(
        name="styblinski_tang",
        fn=_styblinski_tang_fn,
        x_range=x_range,
        y_range=y_range,
        critical_points=partial(_styblinski_tang_points, x_range, y_range),
        title={"en": "Styblinski–Tang", "zh": "Styblinski–Tang 函数"},
        note={
            "en": "A sum of two tilted one-dimensional double wells: four minima of different "
            "depths (only one is global, ≈ −78.33 at (−2.9035, −2.9035)), four saddles and a "
            "maximum; gradient descent keeps whichever basin it starts in.",
            "zh": "两个倾斜的一维双势阱之和：四个深浅不同的最小值（只有一个是全局最小值，"
            "在 (−2.9035, −2.9035) 处约为 −78.33）、四个鞍点和一个最大值；"
            "梯度下降会停在起点所在的盆地。",
        },
    )


def _beale_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    y2 = y * y
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y2) ** 2 + (2.625 - x + x * y2 * y) ** 2


@cache
def _beale_points() -> tuple[CriticalPoint, ...]:
    seeds = [(3.0, 0.5), (0.0, 1.0), (0.100538, -2.644514)]
    return _newton_critical_points(_beale_fn, seeds)


def _beale() -> Surface:
    return Surface(
        name="beale",
        fn=_beale_fn,
        x_range=(-4.5, 4.5),
        y_range=(-4.5, 4.5),
        critical_points=_beale_points,
        title={"en": "Beale's function", "zh": "Beale 函数"},
        note={
            "en": "The minimum at (3, 0.5) lies in a flat, curved valley, while the loss in view "
            "spans five orders of magnitude: a learning rate that suits the valley explodes on "
            "the steep arms, and one that is safe there crawls in the valley.",
            "zh": "最小值 (3, 0.5) 位于平坦弯曲的山谷里，而视野内的损失跨越五个数量级："
            "适合山谷的学习率在陡峭的两翼会发散，在两翼安全的学习率在山谷里又走得极慢。",
        },
    )


def _rastrigin(amplitude: float) -> Surface:
    a = float(amplitude)
    two_pi = 2.0 * math.pi

    def fn(p: torch.Tensor) -> torch.Tensor:
        return 2.0 * a + (p * p - a * torch.cos(two_pi * p)).sum(dim=-1)

    x_range = y_range = (-5.12, 5.12)
    return Surface(
        name="rastrigin",
        fn=fn,
        x_range=x_range,
        y_range=y_range,
        critical_points=partial(_rastrigin_points, a, x_range, y_range),
        title={"en": "Rastrigin's function", "zh": "Rastrigin 函数"},
        note={
            "en": "A bowl covered in ripples of height set by the amplitude A, with a grid of "
            "local minima (global minimum 0 at the origin): gradient descent stops in the nearest "
            "one, while momentum and noise can hop between them.",
            "zh": "布满波纹的碗，波纹高度由振幅 A 决定，形成网格状的局部最小值"
            "（全局最小值 0 在原点）："
            "梯度下降停在最近的一个，动量和噪声则可能在它们之间跳跃。",
        },
    )


@lru_cache(maxsize=64)
def _rastrigin_points(
    amplitude: float, x_range: tuple[float, float], y_range: tuple[float, float]
) -> tuple[CriticalPoint, ...]:
    two_pi = 2.0 * math.pi
    return _separable_critical_points(
        lambda t: 2.0 * t + two_pi * amplitude * math.sin(two_pi * t),
        lambda t: 2.0 + two_pi * two_pi * amplitude * math.cos(two_pi * t),
        x_range,
        y_range,
    )

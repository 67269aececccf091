"""Test functions with many local minima from Surjanovic & Bingham's Virtual Library of
Simulation Experiments (smooth ones): Ackley, Griewank, Levy, Lévy N.13, Schwefel, Shubert and
Langermann. Each lists its documented global minima as critical points (refined by Newton's
method where the collection rounds them). Registered in ``core.surfaces.library``.
"""

from __future__ import annotations

import math
from functools import cache

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import (
    _abs,
    _newton_critical_points,
    _roots_1d,
    _safe_sqrt,
    _xy,
)

TWO_PI = 2.0 * math.pi


def _ackley_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    radius = _safe_sqrt(0.5 * (x * x + y * y))
    ripples = 0.5 * (torch.cos(TWO_PI * x) + torch.cos(TWO_PI * y))
    return -20.0 * torch.exp(-0.2 * radius) - torch.exp(ripples) + 20.0 + math.e


def _ackley() -> Surface:
    return Surface(
        name="ackley",
        fn=_ackley_fn,
        x_range=(-32.768, 32.768),
        y_range=(-32.768, 32.768),
        critical_points=(CriticalPoint(0.0, 0.0, "minimum"),),
        title={"en": "Ackley function", "zh": "Ackley 函数"},
        note={
            "en": "A nearly flat plate covered in a fine grid of local minima, with one deep "
            "funnel at the origin (global minimum 0, a sharp cone tip where the gradient jumps). "
            "Far out the slope is tiny and every step lands in another small pit: gradient "
            "descent needs to start near the funnel, or enough noise and momentum to roll over "
            "the ripples.",
            "zh": "几乎平坦的平面上布满细密的局部最小值网格，只在原点有一个深漏斗"
            "（全局最小值 0，是一个尖锐的锥尖，梯度在那里突变）。远处坡度极小，"
            "每一步都会掉进另一个小坑：梯度下降要么从漏斗附近出发，要么需要足够的噪声和动量"
            "越过这些波纹。",
        },
    )


def _griewank_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x * x + y * y) / 4000.0 - torch.cos(x) * torch.cos(y / math.sqrt(2.0)) + 1.0


def _griewank() -> Surface:
    return Surface(
        name="griewank",
        fn=_griewank_fn,
        x_range=(-50.0, 50.0),
        y_range=(-50.0, 50.0),
        critical_points=(CriticalPoint(0.0, 0.0, "minimum"),),
        title={"en": "Griewank function", "zh": "Griewank 函数"},
        note={
            "en": "A wide bowl with a product of cosines on top (global minimum 0 at the "
            "origin). The collection's domain is [−600, 600], where it looks like a plain bowl; "
            "this window ([−50, 50]) is zoomed in so the regular ripples and their local minima "
            "show: how rugged a loss looks depends on the scale you view it at.",
            "zh": "宽大的碗上叠加了余弦乘积（全局最小值 0 在原点）。资料中的定义域是 "
            "[−600, 600]，在那里看起来只是一个普通的碗；这里的窗口（[−50, 50]）放大了，"
            "才能看到规则的波纹和它们的局部最小值：损失地形看起来起伏有多大，取决于观察的尺度。",
        },
    )


def _levy_fn(p: torch.Tensor) -> torch.Tensor:
    w = 1.0 + (p - 1.0) / 4.0
    w1, w2 = w[..., 0], w[..., 1]
    first = torch.sin(math.pi * w1) ** 2
    middle = (w1 - 1.0) ** 2 * (1.0 + 10.0 * torch.sin(math.pi * w1 + 1.0) ** 2)
    last = (w2 - 1.0) ** 2 * (1.0 + torch.sin(TWO_PI * w2) ** 2)
    return first + middle + last


def _levy() -> Surface:
    return Surface(
        name="levy",
        fn=_levy_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=(CriticalPoint(1.0, 1.0, "minimum"),),
        title={"en": "Levy function", "zh": "Levy 函数"},
        note={
            "en": "A sum of a rippled profile in x and another in y (global minimum 0 at "
            "(1, 1)): their local minima form a grid of basins, about 4 apart in x and 2 in y, "
            "so gradient descent stops in the basin it starts in. The two terms do not "
            "interact, so each coordinate gets stuck on its own.",
            "zh": "由 x 方向和 y 方向两条带波纹的曲线相加而成（全局最小值 0 在 (1, 1)）："
            "它们的局部最小值组成一张盆地网格，x 方向间隔约 4，y 方向约 2，"
            "梯度下降会停在起点所在的盆地。两项互不影响，所以每个坐标各自被困住。",
        },
    )


def _levy_n13_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    three_pi = 3.0 * math.pi
    return (
        torch.sin(three_pi * x) ** 2
        + (x - 1.0) ** 2 * (1.0 + torch.sin(three_pi * y) ** 2)
        + (y - 1.0) ** 2 * (1.0 + torch.sin(TWO_PI * y) ** 2)
    )


def _levy_n13() -> Surface:
    return Surface(
        name="levy_n13",
        fn=_levy_n13_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=(CriticalPoint(1.0, 1.0, "minimum"),),
        title={"en": "Lévy function N.13", "zh": "Lévy 函数 N.13"},
        note={
            "en": "A bowl whose walls are corrugated by sines of different frequencies in x "
            "and y (global minimum 0 at (1, 1)): a dense, uneven grid of local minima, so the "
            "loss gradient descent ends at depends strongly on the start and the learning rate.",
            "zh": "碗壁在 x 和 y 方向被频率不同的正弦波压出一道道起伏（全局最小值 0 在 (1, 1)）："
            "局部最小值密集而不规则，梯度下降最终的损失很大程度上取决于起点和学习率。",
        },
    )


_SCHWEFEL_CONSTANT = 418.9829  # the collection's rounded 418.982887...·d / d


def _schwefel_fn(p: torch.Tensor) -> torch.Tensor:
    terms = p * torch.sin(_safe_sqrt(_abs(p)))
    return 2.0 * _SCHWEFEL_CONSTANT - terms.sum(dim=-1)


@cache
def _schwefel_points() -> tuple[CriticalPoint, ...]:
    return _newton_critical_points(_schwefel_fn, [(420.9687, 420.9687)])


def _schwefel() -> Surface:
    return Surface(
        name="schwefel",
        fn=_schwefel_fn,
        x_range=(-500.0, 500.0),
        y_range=(-500.0, 500.0),
        critical_points=_schwefel_points,
        title={"en": "Schwefel function", "zh": "Schwefel 函数"},
        note={
            "en": "A deceptive landscape: the second-best minima lie far from the global one "
            "(≈ 0 at (420.97, 420.97), in a corner of the domain), so a method that follows "
            "the average trend of the terrain is led the wrong way. Local search alone cannot "
            "find it.",
            "zh": "一个带有欺骗性的地形：次优的最小值离全局最小值很远"
            "（约为 0，在 (420.97, 420.97)，位于定义域的一个角上），"
            "顺着地形总体趋势走的方法会被引向错误的方向。单靠局部搜索找不到它。",
        },
    )


def _shubert_1d(t: torch.Tensor) -> torch.Tensor:
    return sum(i * torch.cos((i + 1) * t + i) for i in range(1, 6))


def _shubert_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return _shubert_1d(x) * _shubert_1d(y)


def _shubert_1d_float(t: float) -> float:
    return sum(i * math.cos((i + 1) * t + i) for i in range(1, 6))


@cache
def _shubert_points() -> tuple[CriticalPoint, ...]:
    # f = g(x)·g(y) with max g > 0 > min g: the global minima pair every highest peak of g with
    # every lowest trough (18 pairs in [-10, 10]²).
    def slope(t: float) -> float:
        return -sum(i * (i + 1) * math.sin((i + 1) * t + i) for i in range(1, 6))

    extrema = _roots_1d(slope, -10.0, 10.0)
    values = [_shubert_1d_float(t) for t in extrema]
    top, bottom = max(values), min(values)
    highs = [t for t, v in zip(extrema, values, strict=True) if v > top - 1e-9]
    lows = [t for t, v in zip(extrema, values, strict=True) if v < bottom + 1e-9]
    seeds = [(a, b) for a in highs for b in lows] + [(b, a) for a in highs for b in lows]
    return _newton_critical_points(_shubert_fn, seeds)


def _shubert() -> Surface:
    return Surface(
        name="shubert",
        fn=_shubert_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=_shubert_points,
        title={"en": "Shubert function", "zh": "Shubert 函数"},
        note={
            "en": "A product of two sums of cosines: hundreds of local minima and 18 global "
            "minima of equal depth (≈ −186.7309) in pairs of narrow pits. Finding *a* global "
            "minimum is easy to luck into but impossible to count on; the start decides "
            "almost everything.",
            "zh": "两个余弦和的乘积：数百个局部最小值，以及 18 个深度相同的全局最小值"
            "（约 −186.7309），成对分布在狭窄的小坑里。碰巧落进某个全局最小值不难，"
            "但无法指望；起点几乎决定了一切。",
        },
    )


_LANGERMANN_C = (1.0, 2.0, 5.0, 2.0, 3.0)
_LANGERMANN_A = ((3.0, 5.0), (5.0, 2.0), (2.0, 1.0), (1.0, 4.0), (7.0, 9.0))


def _langermann_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    total = torch.zeros_like(x)
    for c, (ax, ay) in zip(_LANGERMANN_C, _LANGERMANN_A, strict=True):
        squared = (x - ax) ** 2 + (y - ay) ** 2
        total = total + c * torch.exp(-squared / math.pi) * torch.cos(math.pi * squared)
    return total


@cache
def _langermann_points() -> tuple[CriticalPoint, ...]:
    # The collection gives no minimum (the often quoted -5.1621 at (2.003, 1.006) is for the
    # negated function); this one is found by a dense search, which the tests repeat.
    return _newton_critical_points(_langermann_fn, [(2.7934, 1.5972)])


def _langermann() -> Surface:
    return Surface(
        name="langermann",
        fn=_langermann_fn,
        x_range=(0.0, 10.0),
        y_range=(0.0, 10.0),
        critical_points=_langermann_points,
        title={"en": "Langermann function", "zh": "Langermann 函数"},
        note={
            "en": "Five damped ring waves centred at unevenly placed points add up to an "
            "irregular landscape of local minima (global minimum ≈ −4.1558 near (2.793, 1.597)): "
            "unlike a regular grid, nothing about one basin tells you where the next, deeper "
            "one is.",
            "zh": "五组以不规则分布的点为中心、逐渐衰减的环形波叠加成一片不规则的局部最小值地形"
            "（全局最小值约 −4.1558，在 (2.793, 1.597) 附近）：与规则网格不同，"
            "从一个盆地看不出下一个更深的盆地在哪里。",
        },
    )

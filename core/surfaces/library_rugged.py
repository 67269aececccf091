"""Rugged test functions with many local minima from Surjanovic & Bingham's Virtual Library of
Simulation Experiments, built from ``|·|``, ``sqrt`` and nested trigonometry: Bukin N.6,
cross-in-tray, drop-wave, Eggholder, Holder table and Schaffer N.2 and N.4. Kinks use
``_safe_sqrt`` so gradients stay finite everywhere. Registered in ``core.surfaces.library``.
"""

from __future__ import annotations

import math
from functools import cache

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import (
    _abs,
    _cos_sqrt,
    _grad_hess,
    _newton_critical_points,
    _safe_sqrt,
    _xy,
)


def _bukin_n6_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    # x²/100 rather than 0.01·x²: exact at the minimum in float32 too, where sqrt magnifies
    # any rounding on the crease.
    return 100.0 * _safe_sqrt(_abs(y - x * x / 100.0)) + 0.01 * _abs(x + 10.0)


def _bukin_n6() -> Surface:
    return Surface(
        name="bukin_n6",
        fn=_bukin_n6_fn,
        x_range=(-15.0, -5.0),
        y_range=(-3.0, 3.0),
        critical_points=(CriticalPoint(-10.0, 1.0, "minimum"),),
        title={"en": "Bukin function N.6", "zh": "Bukin 函数 N.6"},
        note={
            "en": "A razor-sharp crease along the parabola y = 0.01x² whose walls rise like a "
            "square root, while the floor of the crease is almost level (global minimum 0 at "
            "(−10, 1), a kink). Every step across the crease overshoots, so gradient descent "
            "bounces between the walls and barely moves along the floor.",
            "zh": "沿抛物线 y = 0.01x² 有一道极其尖锐的折痕，两壁按平方根的速度升高，"
            "而折痕底部几乎是水平的（全局最小值 0 在 (−10, 1)，是一个不可导的尖点）。"
            "每一步跨过折痕都会冲过头，梯度下降在两壁之间来回弹跳，沿谷底却几乎不动。",
        },
    )


def _cross_in_tray_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    radius = _safe_sqrt(x * x + y * y)
    # (|sin x sin y|·e^E + 1)^0.1 with E ≈ 100: e^100 overflows float32, so work with its log,
    # log(|s|·e^E + 1) = logaddexp(log|s| + E, 0), taken as 0 where s = 0.
    waves = _abs(torch.sin(x) * torch.sin(y))
    nonzero = waves > 0
    log_waves = torch.log(torch.where(nonzero, waves, torch.ones_like(waves)))
    exponent = _abs(100.0 - radius / math.pi)
    log_inner = torch.logaddexp(log_waves + exponent, torch.zeros_like(waves))
    return -0.0001 * torch.exp(0.1 * torch.where(nonzero, log_inner, torch.zeros_like(waves)))


@cache
def _cross_in_tray_points() -> tuple[CriticalPoint, ...]:
    corners = [(sx * 1.3491, sy * 1.3491) for sx in (-1, 1) for sy in (-1, 1)]
    return _newton_critical_points(_cross_in_tray_fn, corners)


def _cross_in_tray() -> Surface:
    return Surface(
        name="cross_in_tray",
        fn=_cross_in_tray_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=_cross_in_tray_points,
        title={"en": "Cross-in-tray function", "zh": "十字托盘函数"},
        note={
            "en": "A tray of bumps cut by a cross of sharp creeks along the axes, where the "
            "loss is highest; four global minima (≈ −2.06261) sit at (±1.3491, ±1.3491) by the "
            "centre. The creeks are kinks: the gradient flips sign across them, so a large "
            "step can jump from one quadrant to the next.",
            "zh": "一个布满凸起的托盘，被沿坐标轴的尖锐十字形沟槽切开，那里损失最高；"
            "四个全局最小值（约 −2.06261）位于中心附近的 (±1.3491, ±1.3491)。"
            "沟槽处不可导：梯度跨过它们时改变符号，步长大时会从一个象限跳到另一个象限。",
        },
    )


def _drop_wave_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    squared = x * x + y * y
    return -(1.0 + _cos_sqrt(12.0, squared)) / (0.5 * squared + 2.0)


def _drop_wave() -> Surface:
    return Surface(
        name="drop_wave",
        fn=_drop_wave_fn,
        x_range=(-5.12, 5.12),
        y_range=(-5.12, 5.12),
        critical_points=(CriticalPoint(0.0, 0.0, "minimum"),),
        title={"en": "Drop-wave function", "zh": "水滴波纹函数"},
        note={
            "en": "Circular ripples spreading from a drop, fading outward (global minimum −1 at "
            "the centre): every ring is a circle of equal local minima, so gradient descent "
            "stops in whichever ring it starts in; the gradient between rings is steep and "
            "changes sign quickly, which punishes large steps.",
            "zh": "像水滴落下后向外扩散、逐渐减弱的圆形波纹（全局最小值 −1 在中心）："
            "每一圈都是一整圈同样深的局部最小值，梯度下降停在起点所在的那一圈；"
            "圈与圈之间梯度陡峭且符号变化很快，步长大时会受到惩罚。",
        },
    )


def _eggholder_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    shifted = y + 47.0
    return -shifted * torch.sin(_safe_sqrt(_abs(x / 2.0 + shifted))) - x * torch.sin(
        _safe_sqrt(_abs(x - shifted))
    )


_EGGHOLDER_EDGE = 512.0


@cache
def _eggholder_points() -> tuple[CriticalPoint, ...]:
    # The global minimum sits on the edge x = 512 of the domain: a minimum of the restriction to
    # that edge (dF/dy = 0) where the loss still falls outward (dF/dx < 0). Newton in y alone.
    y = 404.2319
    for _ in range(50):
        g, h = _grad_hess(_eggholder_fn, torch.tensor([[_EGGHOLDER_EDGE, y]], dtype=torch.float64))
        step = float(g[0, 1] / h[0, 1, 1])
        y -= step
        if abs(step) < 1e-13:
            break
    return (CriticalPoint(_EGGHOLDER_EDGE, y, "minimum"),)


def _eggholder() -> Surface:
    return Surface(
        name="eggholder",
        fn=_eggholder_fn,
        x_range=(-512.0, 512.0),
        y_range=(-512.0, 512.0),
        critical_points=_eggholder_points,
        title={"en": "Eggholder function", "zh": "蛋托函数"},
        note={
            "en": "Deep, irregular folds like an egg carton crushed at an angle, with no "
            "regular pattern to exploit (global minimum ≈ −959.6407 at (512, 404.2319), on the "
            "edge of the domain: it is a minimum only because the search stops there, and the "
            "gradient there is not zero). A reminder that constraints can decide the answer.",
            "zh": "像被斜着压扁的蛋托一样深而不规则的起伏，没有可以利用的规律"
            "（全局最小值约 −959.6407，在定义域边缘的 (512, 404.2319)："
            "它之所以是最小值，只是因为搜索范围到此为止，那里的梯度并不为零）。"
            "这提醒我们：约束条件也可能决定答案。",
        },
    )


def _holder_table_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    radius = _safe_sqrt(x * x + y * y)
    return -_abs(torch.sin(x) * torch.cos(y) * torch.exp(_abs(1.0 - radius / math.pi)))


@cache
def _holder_table_points() -> tuple[CriticalPoint, ...]:
    corners = [(sx * 8.05502, sy * 9.66459) for sx in (-1, 1) for sy in (-1, 1)]
    return _newton_critical_points(_holder_table_fn, corners)


def _holder_table() -> Surface:
    return Surface(
        name="holder_table",
        fn=_holder_table_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=_holder_table_points,
        title={"en": "Holder table function", "zh": "Holder 桌面函数"},
        note={
            "en": "A table of pits separated by sharp ridges (where sin x cos y = 0, the loss "
            "has a kink), growing deeper towards the four corners, where the global minima "
            "(≈ −19.2085 at (±8.05502, ±9.66459)) are: the deepest pits are at the edge of "
            "the window, far from where a search would usually start.",
            "zh": "桌面上布满被尖锐山脊隔开的小坑（在 sin x cos y = 0 处损失不可导），"
            "越靠近四个角越深，全局最小值（约 −19.2085，在 (±8.05502, ±9.66459)）就在那里："
            "最深的坑在窗口边缘，离通常的起点很远。",
        },
    )


def _schaffer_denominator(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1.0 + 0.001 * (x * x + y * y)) ** 2


def _schaffer_n2_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return 0.5 + (torch.sin(x * x - y * y) ** 2 - 0.5) / _schaffer_denominator(x, y)


def _schaffer_n2() -> Surface:
    return Surface(
        name="schaffer_n2",
        fn=_schaffer_n2_fn,
        x_range=(-5.0, 5.0),
        y_range=(-5.0, 5.0),
        critical_points=(CriticalPoint(0.0, 0.0, "minimum"),),
        title={"en": "Schaffer function N.2", "zh": "Schaffer 函数 N.2"},
        note={
            "en": "Hyperbolic ridges and grooves (along x² − y² = const) that crowd together "
            "away from the centre (global minimum 0 at the origin). The collection's domain is "
            "[−100, 100]; this window ([−5, 5]) shows the pattern before it becomes finer than "
            "a pixel. Far out the oscillation is so fast that any fixed step size aliases.",
            "zh": "沿 x² − y² = 常数分布的双曲线形山脊和沟槽，离中心越远越密"
            "（全局最小值 0 在原点）。资料中的定义域是 [−100, 100]；这里的窗口（[−5, 5]）"
            "在图案细到比一个像素还小之前展示它。远处振荡极快，任何固定步长都会产生混叠。",
        },
    )


def _schaffer_n4_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    ripples = torch.cos(torch.sin(_abs(x * x - y * y))) ** 2
    return 0.5 + (ripples - 0.5) / _schaffer_denominator(x, y)


@cache
def _schaffer_n4_points() -> tuple[CriticalPoint, ...]:
    t = 1.25313
    return _newton_critical_points(_schaffer_n4_fn, [(0.0, t), (0.0, -t), (t, 0.0), (-t, 0.0)])


def _schaffer_n4() -> Surface:
    return Surface(
        name="schaffer_n4",
        fn=_schaffer_n4_fn,
        x_range=(-5.0, 5.0),
        y_range=(-5.0, 5.0),
        critical_points=_schaffer_n4_points,
        title={"en": "Schaffer function N.4", "zh": "Schaffer 函数 N.4"},
        note={
            "en": "The same hyperbolic pattern as N.2 with a kink along the diagonals "
            "(|x² − y²|), but the centre is now a local maximum and four global minima "
            "(≈ 0.292579 at (0, ±1.25313) and (±1.25313, 0)) lie on a ring around it. The "
            "collection's domain is [−100, 100]; this window is [−5, 5].",
            "zh": "与 N.2 相同的双曲线图案，但沿对角线有不可导的折痕（|x² − y²|）；"
            "中心变成了局部最大值，四个全局最小值（约 0.292579，在 (0, ±1.25313) 和 "
            "(±1.25313, 0)）分布在它周围的一圈上。资料中的定义域是 [−100, 100]；"
            "这里的窗口是 [−5, 5]。",
        },
    )

"""Plate- and valley-shaped test functions from Surjanovic & Bingham's Virtual Library of
Simulation Experiments in two dimensions: Booth, Matyas, McCormick and Zakharov (plates);
three-hump camel, Dixon-Price, Branin and Perm d,β (valleys). Registered in
``core.surfaces.library``.
"""

from __future__ import annotations

import math

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import _xy

_ORIGIN = (CriticalPoint(0.0, 0.0, "minimum"),)


def _booth_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _booth() -> Surface:
    return Surface(
        name="booth",
        fn=_booth_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=(CriticalPoint(1.0, 3.0, "minimum"),),
        title={"en": "Booth function", "zh": "Booth 函数"},
        note={
            "en": "Two linear equations squared and summed, a least-squares problem: a tilted "
            "plate that is a convex quadratic with condition number 9, minimum 0 at (1, 3). "
            "Gradient descent converges, but along the long diagonal axis nine times more "
            "slowly than across it.",
            "zh": "两个线性方程的平方和，也就是一个最小二乘问题：一块倾斜的板，"
            "是条件数为 9 的凸二次函数，最小值 0 在 (1, 3)。梯度下降会收敛，"
            "但沿着长的对角轴方向比横向慢九倍。",
        },
    )


def _matyas_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return 0.26 * (x * x + y * y) - 0.48 * x * y


def _matyas() -> Surface:
    return Surface(
        name="matyas",
        fn=_matyas_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=_ORIGIN,
        title={"en": "Matyas function", "zh": "Matyas 函数"},
        note={
            "en": "0.26(x² + y²) − 0.48xy: an almost flat plate along the diagonal y = x "
            "(curvatures 1 across, 0.04 along: condition number 25), minimum 0 at the "
            "origin. The loss falls quickly to the diagonal, then crawls: a small loss is not "
            "the same as being close to the minimum.",
            "zh": "0.26(x² + y²) − 0.48xy：沿对角线 y = x 几乎平坦的板"
            "（横向曲率 1，沿对角线 0.04：条件数 25），最小值 0 在原点。"
            "损失很快降到对角线上，之后就慢慢爬行：损失小并不等于离最小值近。",
        },
    )


def _mccormick_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return torch.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0


def _mccormick() -> Surface:
    # With u = x + y, v = x − y: f = sin u + u/2 + (v − 1)²; the minimum has v = 1, u = −2π/3.
    return Surface(
        name="mccormick",
        fn=_mccormick_fn,
        x_range=(-1.5, 4.0),
        y_range=(-3.0, 4.0),
        critical_points=(CriticalPoint(0.5 - math.pi / 3.0, -0.5 - math.pi / 3.0, "minimum"),),
        title={"en": "McCormick function", "zh": "McCormick 函数"},
        note={
            "en": "A sloping plate with a gentle wave along x + y: the global minimum "
            "(≈ −1.9133 at (−0.54719, −1.54719)) is in the lowest trough, and a second, "
            "shallower trough up the slope is a local minimum that traps runs started above it.",
            "zh": "一块沿 x + y 方向带有平缓波浪的斜板：全局最小值（约 −1.9133，在 "
            "(−0.54719, −1.54719)）位于最低的波谷，坡上方还有一个较浅的波谷是局部最小值，"
            "从它上方出发的运行会被困在那里。",
        },
    )


def _zakharov_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    weighted = 0.5 * x + y
    w2 = weighted * weighted
    return x * x + y * y + w2 + w2 * w2


def _zakharov() -> Surface:
    return Surface(
        name="zakharov",
        fn=_zakharov_fn,
        x_range=(-5.0, 10.0),
        y_range=(-5.0, 10.0),
        critical_points=_ORIGIN,
        title={"en": "Zakharov function", "zh": "Zakharov 函数"},
        note={
            "en": "A plate-like bowl near the minimum (0 at the origin) whose walls turn "
            "quartic far away along x/2 + y: the gradient there is huge, so a learning rate "
            "that is fine near the bottom diverges when a run starts far out.",
            "zh": "在最小值（原点处为 0）附近像一块平板的碗，远处沿 x/2 + y 方向的碗壁按四次方"
            "升高：那里梯度极大，在碗底合适的学习率，从远处出发时就会发散。",
        },
    )


def _three_hump_camel_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    x2 = x * x
    return 2.0 * x2 - 1.05 * x2 * x2 + x2 * x2 * x2 / 6.0 + x * y + y * y


def _three_hump_camel() -> Surface:
    return Surface(
        name="three_hump_camel",
        fn=_three_hump_camel_fn,
        x_range=(-5.0, 5.0),
        y_range=(-5.0, 5.0),
        critical_points=_ORIGIN,
        title={"en": "Three-hump camel", "zh": "三峰驼背函数"},
        note={
            "en": "A long diagonal valley with three dips: the global minimum (0 at the "
            "origin) between two shallower local minima, separated by saddles. Steep sixth-order "
            "walls outside push runs into the valley fast; which dip they settle in depends "
            "on the side they enter from.",
            "zh": "一条长长的对角山谷，谷中有三个低洼：全局最小值（原点处为 0）夹在两个较浅的"
            "局部最小值之间，由鞍点隔开。外面六次方的陡壁把运行很快推进山谷；"
            "最终停在哪个低洼，取决于从哪一侧进入。",
        },
    )


_DIXON_PRICE_Y = 2.0**-0.5


def _dixon_price_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x - 1.0) ** 2 + 2.0 * (2.0 * y * y - x) ** 2


def _dixon_price() -> Surface:
    return Surface(
        name="dixon_price",
        fn=_dixon_price_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=(
            CriticalPoint(1.0, -_DIXON_PRICE_Y, "minimum"),
            CriticalPoint(1.0, _DIXON_PRICE_Y, "minimum"),
        ),
        title={"en": "Dixon–Price function", "zh": "Dixon–Price 函数"},
        note={
            "en": "(x − 1)² + 2(2y² − x)²: a curved parabolic valley x = 2y² with steep walls, "
            "two global minima (0 at (1, ±2^−½)), split by a saddle. Like Rosenbrock, the "
            "valley is reached at once and followed slowly.",
            "zh": "(x − 1)² + 2(2y² − x)²：沿抛物线 x = 2y² 的弯曲山谷，谷壁陡峭，"
            "两个全局最小值（在 (1, ±2^−½) 处为 0）之间隔着一个鞍点。和 Rosenbrock 一样，"
            "很快就能进入山谷，沿谷底前进却很慢。",
        },
    )


_BRANIN_B = 5.1 / (4.0 * math.pi**2)
_BRANIN_C = 5.0 / math.pi
_BRANIN_T = 1.0 / (8.0 * math.pi)


def _branin_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    valley = y - _BRANIN_B * x * x + _BRANIN_C * x - 6.0
    return valley * valley + 10.0 * (1.0 - _BRANIN_T) * torch.cos(x) + 10.0


def _branin_minimum(x: float) -> CriticalPoint:
    # The squared term vanishes on the valley floor and cos x = −1 there.
    return CriticalPoint(x, _BRANIN_B * x * x - _BRANIN_C * x + 6.0, "minimum")


def _branin() -> Surface:
    return Surface(
        name="branin",
        fn=_branin_fn,
        x_range=(-5.0, 10.0),
        y_range=(0.0, 15.0),
        critical_points=tuple(_branin_minimum(x) for x in (-math.pi, math.pi, 3.0 * math.pi)),
        title={"en": "Branin function", "zh": "Branin 函数"},
        note={
            "en": "A curved parabolic valley whose floor is rippled by a cosine: three global "
            "minima of equal loss (≈ 0.397887 at (−π, 12.275), (π, 2.275) and (9.42478, 2.475)), "
            "separated by low passes along the floor. Where a run ends depends on where it "
            "enters the valley.",
            "zh": "一条弯曲的抛物线形山谷，谷底被余弦波弄得起伏：三个损失相同的全局最小值"
            "（约 0.397887，在 (−π, 12.275)、(π, 2.275) 和 (9.42478, 2.475)），"
            "沿谷底由低矮的山口隔开。运行最终停在哪里，取决于它从哪里进入山谷。",
        },
    )


_PERM_BETA = 0.5


def _perm_d_beta_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    half_y = y / 2.0
    first = (1.0 + _PERM_BETA) * (x - 1.0) + (2.0 + _PERM_BETA) * (half_y - 1.0)
    second = (1.0 + _PERM_BETA) * (x * x - 1.0) + (4.0 + _PERM_BETA) * (half_y * half_y - 1.0)
    return first * first + second * second


def _perm_d_beta() -> Surface:
    return Surface(
        name="perm_d_beta",
        fn=_perm_d_beta_fn,
        x_range=(-2.0, 2.0),
        y_range=(-2.0, 2.0),
        critical_points=(
            CriticalPoint(1.0, 2.0, "minimum"),
            CriticalPoint(23.0 / 13.0, 14.0 / 13.0, "minimum"),
        ),
        title={"en": "Perm function d, β", "zh": "Perm 函数 d, β"},
        note={
            "en": "A narrow curved valley (β = 0.5) where two squared sums cancel: crossing it "
            "is fast and following it slow. The collection's minimum (1, 2) (loss 0) is on the "
            "edge of its domain [−2, 2]; in two dimensions the floor reaches 0 again at "
            "(23/13, 14/13).",
            "zh": "一条狭窄弯曲的山谷（β = 0.5），两个平方和在那里相互抵消：横穿很快，"
            "沿着走很慢。资料给出的最小值 (1, 2)（损失 0）位于定义域 [−2, 2] 的边缘；"
            "在二维中谷底还在 (23/13, 14/13) 处再次降到 0。",
        },
    )

"""Bowl-shaped test functions from Surjanovic & Bingham's Virtual Library of Simulation
Experiments in two dimensions: Bohachevsky 1-3, Perm 0,d,β, rotated hyper-ellipsoid, sphere, sum
of different powers, sum of squares and Trid. Registered in ``core.surfaces.library``.
"""

from __future__ import annotations

import math

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import _abs, _xy

_ORIGIN = (CriticalPoint(0.0, 0.0, "minimum"),)
_BOHACHEVSKY_WINDOW = (-2.0, 2.0)


def _bohachevsky_1_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (
        x * x
        + 2.0 * y * y
        - 0.3 * torch.cos(3.0 * math.pi * x)
        - 0.4 * torch.cos(4.0 * math.pi * y)
        + 0.7
    )


def _bohachevsky_2_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    ripples = torch.cos(3.0 * math.pi * x) * torch.cos(4.0 * math.pi * y)
    return x * x + 2.0 * y * y - 0.3 * ripples + 0.3


def _bohachevsky_3_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x * x + 2.0 * y * y - 0.3 * torch.cos(3.0 * math.pi * x + 4.0 * math.pi * y) + 0.3


_BOHACHEVSKY_WINDOW_EN = (
    " The collection's domain is [−100, 100], where only the bowl shows; this window is [−2, 2]."
)
_BOHACHEVSKY_WINDOW_ZH = "资料中的定义域是 [−100, 100]，在那里只能看到碗；这里的窗口是 [−2, 2]。"


def _bohachevsky(number: int) -> Surface:
    fns = {1: _bohachevsky_1_fn, 2: _bohachevsky_2_fn, 3: _bohachevsky_3_fn}
    notes = {
        1: (
            "A bowl x² + 2y² with added ripples in x and in y: near the bottom the ripples "
            "make a grid of shallow local minima (global minimum 0 at the origin), so a "
            "small learning rate stops early while a larger one skips over them.",
            "碗 x² + 2y² 上分别叠加了 x 和 y 方向的波纹：在碗底附近，波纹形成一片浅浅的"
            "局部最小值网格（全局最小值 0 在原点），学习率小时会提前停下，大一些则能跳过它们。",
        ),
        2: (
            "The same bowl with the ripples multiplied instead of added: the local minima "
            "now sit in a checkerboard (global minimum 0 at the origin), and saddles appear "
            "between them.",
            "同样的碗，但波纹是相乘而不是相加：局部最小值排成棋盘格（全局最小值 0 在原点），"
            "它们之间出现了鞍点。",
        ),
        3: (
            "The same bowl with one tilted ripple cos(3πx + 4πy): diagonal grooves that pull "
            "gradient descent sideways, away from the straight path to the minimum (0 at the "
            "origin).",
            "同样的碗，叠加一组倾斜的波纹 cos(3πx + 4πy)：对角方向的沟槽把梯度下降向侧面拉，"
            "使它偏离通往最小值（原点处为 0）的直线路径。",
        ),
    }
    en, zh = notes[number]
    return Surface(
        name=f"bohachevsky_{number}",
        fn=fns[number],
        x_range=_BOHACHEVSKY_WINDOW,
        y_range=_BOHACHEVSKY_WINDOW,
        critical_points=_ORIGIN,
        title={"en": f"Bohachevsky function {number}", "zh": f"Bohachevsky 函数 {number}"},
        note={"en": en + _BOHACHEVSKY_WINDOW_EN, "zh": zh + _BOHACHEVSKY_WINDOW_ZH},
    )


def _bohachevsky_1() -> Surface:
    return _bohachevsky(1)


def _bohachevsky_2() -> Surface:
    return _bohachevsky(2)


def _bohachevsky_3() -> Surface:
    return _bohachevsky(3)


_PERM0_BETA = 10.0


def _perm_0_d_beta_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    first = (1.0 + _PERM0_BETA) * (x - 1.0) + (2.0 + _PERM0_BETA) * (y - 0.5)
    second = (1.0 + _PERM0_BETA) * (x * x - 1.0) + (2.0 + _PERM0_BETA) * (y * y - 0.25)
    return first * first + second * second


def _perm_0_d_beta() -> Surface:
    return Surface(
        name="perm_0_d_beta",
        fn=_perm_0_d_beta_fn,
        x_range=(-2.0, 2.0),
        y_range=(-2.0, 2.0),
        critical_points=(
            CriticalPoint(11.0 / 23.0, 45.0 / 46.0, "minimum"),
            CriticalPoint(1.0, 0.5, "minimum"),
        ),
        title={"en": "Perm function 0, d, β", "zh": "Perm 函数 0, d, β"},
        note={
            "en": "A steep-walled bowl (β = 10) whose floor is a thin, bent valley: the two "
            "squared sums nearly cancel along a curve, so it is crossed quickly and followed "
            "slowly. The collection's minimum is (1, 0.5) (loss 0); in two dimensions the "
            "valley floor touches 0 a second time, at (11/23, 45/46).",
            "zh": "四壁陡峭的碗（β = 10），碗底是一条细长弯曲的山谷：两个平方和沿一条曲线"
            "几乎相互抵消，所以横穿山谷很快，沿着山谷走却很慢。资料给出的最小值是 (1, 0.5)"
            "（损失 0）；在二维中谷底还在 (11/23, 45/46) 处第二次降到 0。",
        },
    )


def _rotated_hyper_ellipsoid_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x * x + (x * x + y * y)


def _rotated_hyper_ellipsoid() -> Surface:
    return Surface(
        name="rotated_hyper_ellipsoid",
        fn=_rotated_hyper_ellipsoid_fn,
        x_range=(-65.536, 65.536),
        y_range=(-65.536, 65.536),
        critical_points=_ORIGIN,
        title={"en": "Rotated hyper-ellipsoid", "zh": "旋转超椭球函数"},
        note={
            "en": "Σᵢ Σⱼ≤ᵢ xⱼ², in two dimensions 2x² + y²: an elongated bowl (curvatures 4 and "
            "2, condition number 2) with its minimum 0 at the origin; mild ill-conditioning "
            "that bends the gradient-descent path without slowing it much.",
            "zh": "Σᵢ Σⱼ≤ᵢ xⱼ²，在二维中就是 2x² + y²：一个拉长的碗（曲率 4 和 2，条件数 2），"
            "最小值 0 在原点；轻微的病态让梯度下降的路径弯曲，但不会让它慢太多。",
        },
    )


def _sphere_fn(p: torch.Tensor) -> torch.Tensor:
    return (p * p).sum(dim=-1)


def _sphere() -> Surface:
    return Surface(
        name="sphere",
        fn=_sphere_fn,
        x_range=(-5.12, 5.12),
        y_range=(-5.12, 5.12),
        critical_points=_ORIGIN,
        title={"en": "Sphere function", "zh": "球面函数"},
        note={
            "en": "x² + y²: the simplest convex bowl, curvature 2 in every direction (minimum 0 "
            "at the origin). Gradient descent converges for any learning rate below 1 and "
            "lands in one step at exactly 0.5; every optimizer should pass this one.",
            "zh": "x² + y²：最简单的凸碗，各个方向的曲率都是 2（最小值 0 在原点）。"
            "学习率小于 1 时梯度下降都会收敛，恰好为 0.5 时一步到位；每个优化器都应该能通过它。",
        },
    )


def _sum_of_different_powers_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x * x + _abs(y) * y * y


def _sum_of_different_powers() -> Surface:
    return Surface(
        name="sum_of_different_powers",
        fn=_sum_of_different_powers_fn,
        x_range=(-1.0, 1.0),
        y_range=(-1.0, 1.0),
        critical_points=_ORIGIN,
        title={"en": "Sum of different powers", "zh": "不同幂次之和"},
        note={
            "en": "|x|² + |y|³: a bowl whose bottom is flat in y (the Hessian at the minimum, "
            "0 at the origin, has a zero eigenvalue), so gradient descent converges fast in x "
            "but only slowly, sub-linearly, in y: flat directions are slow directions.",
            "zh": "|x|² + |y|³：碗底在 y 方向是平的（最小值在原点，为 0，那里的 Hessian "
            "有一个零特征值），所以梯度下降在 x 方向收敛很快，在 y 方向却只能次线性地慢慢收敛："
            "平坦的方向就是缓慢的方向。",
        },
    )


def _sum_squares_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x * x + 2.0 * y * y


def _sum_squares() -> Surface:
    return Surface(
        name="sum_squares",
        fn=_sum_squares_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=_ORIGIN,
        title={"en": "Sum squares function", "zh": "加权平方和函数"},
        note={
            "en": "Σ i·xᵢ², in two dimensions x² + 2y²: an axis-aligned elliptic bowl "
            "(minimum 0 at the origin) whose curvature grows with the coordinate's index, "
            "the gentlest form of ill-conditioning; per-coordinate step sizes (Adam, RMSprop) "
            "largely undo it because the axes are the coordinates.",
            "zh": "Σ i·xᵢ²，在二维中就是 x² + 2y²：与坐标轴对齐的椭圆碗（最小值 0 在原点），"
            "曲率随坐标序号增大，是最温和的病态；由于主轴就是坐标轴，"
            "按坐标调整步长的方法（Adam、RMSprop）可以基本消除它。",
        },
    )


def _trid_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x - 1.0) ** 2 + (y - 1.0) ** 2 - x * y


def _trid() -> Surface:
    return Surface(
        name="trid",
        fn=_trid_fn,
        x_range=(-4.0, 4.0),
        y_range=(-4.0, 4.0),
        critical_points=(CriticalPoint(2.0, 2.0, "minimum"),),
        title={"en": "Trid function", "zh": "Trid 函数"},
        note={
            "en": "(x − 1)² + (y − 1)² − xy: a convex bowl tilted by the coupling term −xy, so "
            "its axes are the diagonals and its minimum (−2 at (2, 2)) is off the origin; "
            "gradient descent first slides onto the diagonal y = x (curvature 3 across it), "
            "then more slowly along it (curvature 1).",
            "zh": "(x − 1)² + (y − 1)² − xy：交叉项 −xy 使凸碗倾斜，它的主轴是两条对角线，"
            "最小值（在 (2, 2) 处为 −2）也不在原点；梯度下降先滑到对角线 y = x 上"
            "（横向曲率 3），再沿着它较慢地前进（曲率 1）。",
        },
    )

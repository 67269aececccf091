"""Test functions with steep ridges and drops from Surjanovic & Bingham's Virtual Library of
Simulation Experiments in two dimensions: De Jong N.5, Easom, Michalewicz and Goldstein-Price.
Registered in ``core.surfaces.library``.
"""

from __future__ import annotations

import math
from functools import cache

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import _newton_critical_points, _xy

_FOXHOLE_COORDS = (-32.0, -16.0, 0.0, 16.0, 32.0)


def _de_jong_n5_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    total = torch.full_like(x, 0.002)
    for i in range(25):
        ax = _FOXHOLE_COORDS[i % 5]
        ay = _FOXHOLE_COORDS[i // 5]
        total = total + 1.0 / ((i + 1) + (x - ax) ** 6 + (y - ay) ** 6)
    return 1.0 / total


@cache
def _de_jong_n5_points() -> tuple[CriticalPoint, ...]:
    # The collection gives no minimum: it is in the first foxhole, pulled slightly towards
    # the others (≈ 0.998004 at (−31.97833, −31.97833)).
    return _newton_critical_points(_de_jong_n5_fn, [(-31.97833, -31.97833)])


def _de_jong_n5() -> Surface:
    return Surface(
        name="de_jong_n5",
        fn=_de_jong_n5_fn,
        x_range=(-65.536, 65.536),
        y_range=(-65.536, 65.536),
        critical_points=_de_jong_n5_points,
        title={
            "en": "De Jong function N.5 (Shekel's foxholes)",
            "zh": "De Jong 函数 N.5（狐狸洞）",
        },
        note={
            "en": "A flat plateau at loss ≈ 500 with 25 steep-sided foxholes on a grid, of "
            "different depths (the loss at the bottom of hole i is about i; the global minimum, "
            "≈ 0.998004, is in the first, near (−32, −32)). On the plateau the gradient is "
            "practically zero, so gradient descent only moves if it starts inside a hole, and "
            "then it stays in that hole.",
            "zh": "损失约 500 的平坦高原上，网格状分布着 25 个陡壁的狐狸洞，深浅各不相同"
            "（第 i 个洞底的损失约为 i；全局最小值约 0.998004，在第一个洞里，(−32, −32) 附近）。"
            "高原上的梯度几乎为零，梯度下降只有从洞里出发才会移动，而且会一直留在那个洞里。",
        },
    )


def _easom_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    squared = (x - math.pi) ** 2 + (y - math.pi) ** 2
    return -torch.cos(x) * torch.cos(y) * torch.exp(-squared)


def _easom() -> Surface:
    return Surface(
        name="easom",
        fn=_easom_fn,
        x_range=(-10.0, 10.0),
        y_range=(-10.0, 10.0),
        critical_points=(CriticalPoint(math.pi, math.pi, "minimum"),),
        title={"en": "Easom function", "zh": "Easom 函数"},
        note={
            "en": "A flat plate at loss 0 with one narrow hole (−1 at (π, π)): almost everywhere "
            "the gradient is zero to many digits, so no gradient method can find the hole unless "
            "it starts on its slope. The collection's domain is [−100, 100], where the hole "
            "is a speck; this window is [−10, 10].",
            "zh": "损失为 0 的平板上只有一个狭窄的洞（在 (π, π) 处为 −1）："
            "几乎所有地方的梯度都小到可以忽略，除非从洞的斜坡上出发，"
            "任何梯度方法都找不到它。资料中的定义域是 [−100, 100]，在那里洞只是一个小点；"
            "这里的窗口是 [−10, 10]。",
        },
    )


_MICHALEWICZ_M = 10


def _michalewicz_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    steep = 2 * _MICHALEWICZ_M
    first = torch.sin(x) * torch.sin(x * x / math.pi) ** steep
    second = torch.sin(y) * torch.sin(2.0 * y * y / math.pi) ** steep
    return -(first + second)


@cache
def _michalewicz_points() -> tuple[CriticalPoint, ...]:
    return _newton_critical_points(_michalewicz_fn, [(2.20, 1.57)])


def _michalewicz() -> Surface:
    return Surface(
        name="michalewicz",
        fn=_michalewicz_fn,
        x_range=(0.0, math.pi),
        y_range=(0.0, math.pi),
        critical_points=_michalewicz_points,
        title={"en": "Michalewicz function", "zh": "Michalewicz 函数"},
        note={
            "en": "Flat plateaus cut by narrow ridges and channels (steepness m = 10): the "
            "global minimum (≈ −1.8013 at (2.20, 1.57)) is where two channels cross. On the "
            "plateaus the gradient vanishes, so the useful region is tiny; larger m makes the "
            "channels narrower still.",
            "zh": "平坦的高地被狭窄的山脊和沟渠切开（陡度 m = 10）：全局最小值"
            "（约 −1.8013，在 (2.20, 1.57)）位于两条沟渠的交叉处。高地上梯度消失，"
            "有用的区域非常小；m 越大，沟渠就越窄。",
        },
    )


def _goldstein_price_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    s = x + y + 1.0
    d = 2.0 * x - 3.0 * y
    first = 1.0 + s * s * (19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y)
    second = 30.0 + d * d * (
        18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    )
    return first * second


def _goldstein_price() -> Surface:
    return Surface(
        name="goldstein_price",
        fn=_goldstein_price_fn,
        x_range=(-2.0, 2.0),
        y_range=(-2.0, 2.0),
        critical_points=(CriticalPoint(0.0, -1.0, "minimum"),),
        title={"en": "Goldstein–Price function", "zh": "Goldstein–Price 函数"},
        note={
            "en": "A product of two polynomials whose loss spans almost six orders of magnitude "
            "in the window (global minimum 3 at (0, −1), with several local minima nearby): "
            "steep ridges punish any fixed learning rate, and only a log colour scale shows the "
            "valley floor.",
            "zh": "两个多项式的乘积，窗口内的损失跨越将近六个数量级（全局最小值 3 在 (0, −1)，"
            "附近还有几个局部最小值）：陡峭的山脊让任何固定学习率都吃亏，"
            "只有对数色标才能看清谷底。",
        },
    )

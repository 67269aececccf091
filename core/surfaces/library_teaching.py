"""The built-in surfaces that teach one idea each: bowl, ravine, Rosenbrock, saddles, local vs
global minima, sharp vs flat basins, plateau and cliff. Registered in ``core.surfaces.library``.
"""

from __future__ import annotations

from functools import cache

import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library_points import (
    _newton_critical_points,
    _xy,
)


def _bowl_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return 0.5 * (x * x + y * y)


def _bowl() -> Surface:
    return Surface(
        name="bowl",
        fn=_bowl_fn,
        x_range=(-3.0, 3.0),
        y_range=(-3.0, 3.0),
        critical_points=(CriticalPoint(0.0, 0.0, "minimum"),),
        title={"en": "Convex bowl", "zh": "凸碗"},
        note={
            "en": "A convex quadratic 0.5(x² + y²): the only critical point is the global minimum "
            "and the gradient points straight away from it, so gradient descent with a small "
            "enough learning rate converges from anywhere.",
            "zh": "凸二次函数 0.5(x² + y²)：唯一的临界点就是全局最小值，梯度始终背离它，"
            "只要学习率足够小，梯度下降从任何起点都能收敛。",
        },
    )


def _ravine(condition: float) -> Surface:
    kappa = float(condition)

    def fn(p: torch.Tensor) -> torch.Tensor:
        x, y = _xy(p)
        return 0.5 * (x * x + kappa * (y * y))

    return Surface(
        name="ravine",
        fn=fn,
        x_range=(-3.0, 3.0),
        y_range=(-2.0, 2.0),
        critical_points=(CriticalPoint(0.0, 0.0, "minimum"),),
        title={"en": "Ill-conditioned ravine", "zh": "病态峡谷"},
        note={
            "en": "An ill-conditioned quadratic 0.5(x² + κy²): the Hessian's eigenvalues differ by "
            "the condition number κ, so plain gradient descent zig-zags between the steep walls "
            "while crawling along the flat floor; momentum and adaptive learning rates help.",
            "zh": "病态二次函数 0.5(x² + κy²)：Hessian 的两个特征值相差 κ 倍（条件数），"
            "普通梯度下降在陡峭的两壁之间来回震荡，沿平缓的谷底却走得很慢；动量和自适应学习率可以缓解。",
        },
    )


def _rosenbrock_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock() -> Surface:
    return Surface(
        name="rosenbrock",
        fn=_rosenbrock_fn,
        x_range=(-2.0, 2.0),
        y_range=(-1.0, 3.0),
        critical_points=(CriticalPoint(1.0, 1.0, "minimum"),),
        title={"en": "Rosenbrock's banana valley", "zh": "Rosenbrock 香蕉形山谷"},
        note={
            "en": "(1 − x)² + 100(y − x²)²: reaching the curved valley is easy, but following its "
            "flat, bending floor to the minimum at (1, 1) is slow; the step size that is stable "
            "across the valley is tiny along it.",
            "zh": "(1 − x)² + 100(y − x²)²：走进弯曲的山谷很容易，沿平缓弯曲的谷底走到 (1, 1) "
            "处的最小值却很慢；横跨山谷时稳定的步长，沿谷底方向就太小了。",
        },
    )


def _saddle_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x * x - y * y


def _saddle() -> Surface:
    return Surface(
        name="saddle",
        fn=_saddle_fn,
        x_range=(-2.0, 2.0),
        y_range=(-2.0, 2.0),
        critical_points=(CriticalPoint(0.0, 0.0, "saddle"),),
        title={"en": "Saddle point", "zh": "鞍点"},
        note={
            "en": "x² − y²: the gradient is zero at the origin but it is not a minimum. The "
            "Hessian has eigenvalues of both signs (2 and −2); moving along the eigenvector of "
            "the negative eigenvalue (the y axis) lowers the loss, which is how to escape.",
            "zh": "x² − y²：原点处梯度为零，却不是最小值。Hessian 的特征值有正有负（2 和 −2），"
            "沿负特征值对应的特征向量（y 轴）移动，损失继续下降，这就是逃离鞍点的方向。",
        },
    )


def _monkey_saddle_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x * x * x - 3.0 * x * (y * y)


def _monkey_saddle() -> Surface:
    return Surface(
        name="monkey_saddle",
        fn=_monkey_saddle_fn,
        x_range=(-1.5, 1.5),
        y_range=(-1.5, 1.5),
        critical_points=(CriticalPoint(0.0, 0.0, "degenerate"),),
        title={"en": "Monkey saddle", "zh": "猴鞍"},
        note={
            "en": "x³ − 3xy²: at the origin the gradient and the whole Hessian are zero, so the "
            "second-order test cannot tell what kind of critical point it is; the cubic terms "
            "decide, giving three downhill valleys instead of two.",
            "zh": "x³ − 3xy²：原点处梯度和整个 Hessian 都为零，二阶判别法无法判断临界点的类型，"
            "要由三次项决定：这里有三条下坡的山谷，而不是两条。",
        },
    )


# Two "harmonic" wells: f = A·B / (A + B) with A, B ≥ 0 isotropic quadratics (A may carry an
# offset). f ≈ min(A, B) smoothly, and because ∇f = w_A ∇A + w_B ∇B with positive weights, every
# critical point lies on the segment between the two centres, which makes them easy to list.
_LG_LOCAL = (-1.5, 1.0)  # local minimum well centre (curvature 2, raised by _LG_OFFSET)
_LG_GLOBAL = (1.5, -0.5)  # global minimum (exact: value 0, Hessian = I)
_LG_OFFSET = 0.6


def _local_global_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    a = (x - _LG_LOCAL[0]) ** 2 + (y - _LG_LOCAL[1]) ** 2 + _LG_OFFSET
    b = 0.5 * ((x - _LG_GLOBAL[0]) ** 2 + (y - _LG_GLOBAL[1]) ** 2)
    return a * b / (a + b)


@cache
def _local_global_points() -> tuple[CriticalPoint, ...]:
    seeds = [(-1.482611, 0.991306), (-0.315656, 0.407828), _LG_GLOBAL]
    return _newton_critical_points(_local_global_fn, seeds)


def _local_global() -> Surface:
    return Surface(
        name="local_global",
        fn=_local_global_fn,
        x_range=(-3.5, 3.5),
        y_range=(-3.0, 3.0),
        critical_points=_local_global_points,
        title={"en": "Local vs global minimum", "zh": "局部最小值与全局最小值"},
        note={
            "en": "A shallow local minimum (loss ≈ 0.54) beside a deeper global one (loss 0) with "
            "a saddle on the ridge between them: gradient descent stops wherever the gradient is "
            "zero, while momentum or noise (small batches) can carry it over the ridge.",
            "zh": "较浅的局部最小值（损失约 0.54）旁边是更深的全局最小值（损失 0），"
            "两者之间的山脊上有一个鞍点："
            "梯度下降在梯度为零处就停下，动量或噪声（小批量）则可能把它带过山脊。",
        },
    )


_TB_SHARP = (-1.5, 1.0)  # Hessian 16·I
_TB_FLAT = (1.5, -0.8)  # Hessian 0.5·I
_TB_K_SHARP = 8.0
_TB_K_FLAT = 0.25


def _two_basins_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    a = _TB_K_SHARP * ((x - _TB_SHARP[0]) ** 2 + (y - _TB_SHARP[1]) ** 2)
    b = _TB_K_FLAT * ((x - _TB_FLAT[0]) ** 2 + (y - _TB_FLAT[1]) ** 2)
    return a * b / (a + b)


def _two_basins_points() -> tuple[CriticalPoint, ...]:
    # On the segment p = sharp + t (flat - sharp) the saddle solves k_s t³ = k_f (1 - t)³.
    t = 1.0 / (1.0 + (_TB_K_SHARP / _TB_K_FLAT) ** (1.0 / 3.0))
    sx = _TB_SHARP[0] + t * (_TB_FLAT[0] - _TB_SHARP[0])
    sy = _TB_SHARP[1] + t * (_TB_FLAT[1] - _TB_SHARP[1])
    return (
        CriticalPoint(*_TB_SHARP, "minimum"),
        CriticalPoint(*_TB_FLAT, "minimum"),
        CriticalPoint(sx, sy, "saddle"),
    )


def _two_basins() -> Surface:
    return Surface(
        name="two_basins",
        fn=_two_basins_fn,
        x_range=(-3.0, 3.0),
        y_range=(-3.0, 3.0),
        critical_points=_two_basins_points,
        title={"en": "Sharp vs flat minimum", "zh": "尖锐最小值与平坦最小值"},
        note={
            "en": "Two minima with exactly the same loss: a sharp, narrow one (Hessian 16·I) and a "
            "flat, wide one (Hessian 0.5·I). If the surface shifts a little (test data differ "
            "from training data) the loss barely changes at the flat minimum but jumps at the "
            "sharp one, which is why flat minima tend to generalise better.",
            "zh": "两个损失完全相同的最小值：一个尖锐狭窄（Hessian 为 16·I），"
            "一个平坦宽阔（Hessian 为 0.5·I）。"
            "曲面稍有平移（测试数据与训练数据不同）时，平坦最小值处的损失几乎不变，"
            "尖锐最小值处却大幅上升，所以平坦的最小值往往泛化得更好。",
        },
    )


# A well of depth _PC_HEIGHT whose walls are steep along x, sitting in a wide plateau with a very
# gentle tilt (from the second, wide tanh term) toward it. Both terms are centred on the same
# point, so the only critical point is the minimum.
_PC_MIN = (1.5, 0.0)
_PC_HEIGHT = 2.0
_PC_WIDTH_X = 0.5
_PC_WIDTH_Y = 0.8
_PC_TILT = 0.05
_PC_TILT_SCALE = 4.0


def _plateau_cliff_fn(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    dx = x - _PC_MIN[0]
    dy = y - _PC_MIN[1]
    well = torch.tanh((dx / _PC_WIDTH_X) ** 2 + (dy / _PC_WIDTH_Y) ** 2)
    tilt = torch.tanh((dx * dx + dy * dy) / _PC_TILT_SCALE**2)
    return _PC_HEIGHT * well + _PC_TILT * tilt


def _plateau_cliff() -> Surface:
    return Surface(
        name="plateau_cliff",
        fn=_plateau_cliff_fn,
        x_range=(-4.0, 3.0),
        y_range=(-2.5, 2.5),
        critical_points=(CriticalPoint(*_PC_MIN, "minimum"),),
        title={"en": "Plateau and cliff", "zh": "高原与悬崖"},
        note={
            "en": "A wide plateau where the gradient is tiny but not zero, ending in a steep cliff "
            "around the minimum: training that looks stuck is not necessarily at a critical "
            "point. Adagrad/RMSProp cross the plateau quickly but can take a huge step (a "
            "'burst') at the cliff, because their accumulated gradient scale is still tiny there.",
            "zh": "宽阔的高原上梯度很小但不为零，尽头是环绕最小值的陡峭悬崖："
            "训练看似卡住，并不一定是到了临界点。"
            "Adagrad/RMSProp 能很快走过高原，到悬崖处却可能突然迈出一大步（“爆发”），"
            "因为此时它们累积的梯度尺度仍然很小。",
        },
    )

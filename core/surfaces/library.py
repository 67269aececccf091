"""The built-in library of named 2D loss surfaces.

Every surface is a torch function of points ``(N, 2) -> (N,)`` built from torch ops and Python
scalars only, so it works for any float dtype and device and keeps the autograd graph (it also
works under ``torch.func`` transforms). Each comes with display bounds that frame its interesting
features, all of its critical points inside those bounds (with their kind) and a bilingual title
and note on what it teaches.

Critical points are exact where a closed form exists; otherwise they are refined from
hard-coded seeds by Newton's method in float64 the first time the surface is built (cached), so
they are accurate to ~1e-12.

Public API: :data:`BUILTIN_NAMES`, :func:`builtin_surface`, :func:`builtin_params`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import torch

from core.surfaces.base import CriticalKind, CriticalPoint, Surface, SurfaceFn

__all__ = ["BUILTIN_NAMES", "builtin_params", "builtin_surface"]

_KIND_ORDER = {"minimum": 0, "saddle": 1, "maximum": 2, "degenerate": 3}


# --------------------------------------------------------------------------------------------
# Numerical helpers (float64, used once per surface/parameter set to find critical points)
# --------------------------------------------------------------------------------------------


def _grad_hess(fn: SurfaceFn, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched gradient (M, 2) and Hessian (M, 2, 2) of ``fn`` at float64 ``points``."""
    with torch.enable_grad():
        p = points.detach().to(torch.float64).requires_grad_(True)
        (g,) = torch.autograd.grad(fn(p).sum(), p, create_graph=True)
        (h0,) = torch.autograd.grad(g[:, 0].sum(), p, retain_graph=True)
        (h1,) = torch.autograd.grad(g[:, 1].sum(), p)
    return g.detach(), torch.stack([h0, h1], dim=1).detach()


def _kind_from_hessian(hessian: torch.Tensor) -> CriticalKind:
    eig = torch.linalg.eigvalsh(hessian)
    scale = max(1.0, float(eig.abs().max()))
    if float(eig.abs().min()) <= 1e-9 * scale:
        return "degenerate"
    if float(eig.min()) > 0:
        return "minimum"
    if float(eig.max()) < 0:
        return "maximum"
    return "saddle"


def _sorted(points: Sequence[CriticalPoint]) -> tuple[CriticalPoint, ...]:
    return tuple(sorted(points, key=lambda c: (_KIND_ORDER[c.kind], c.x, c.y)))


def _newton_critical_points(
    fn: SurfaceFn, seeds: Sequence[tuple[float, float]], iterations: int = 50
) -> tuple[CriticalPoint, ...]:
    """Refine approximate critical points with Newton's method and classify them by the Hessian.

    Raises ``RuntimeError`` if a seed does not converge (a bug in the seeds, not a user error).
    """
    p = torch.tensor(seeds, dtype=torch.float64)
    for _ in range(iterations):
        g, h = _grad_hess(fn, p)
        step = torch.linalg.solve(h, g.unsqueeze(-1)).squeeze(-1)
        p = p - step
        if float(step.abs().max()) < 1e-15:
            break
    g, h = _grad_hess(fn, p)
    bad = g.norm(dim=1) > 1e-9
    if bool(bad.any()):
        raise RuntimeError(f"critical-point seeds did not converge: {p[bad].tolist()}")
    out = [
        CriticalPoint(float(x), float(y), _kind_from_hessian(hq))
        for (x, y), hq in zip(p.tolist(), h, strict=True)
    ]
    return _sorted(out)


def _roots_1d(
    d1: Callable[[float], float], lo: float, hi: float, step: float = 1e-3
) -> list[float]:
    """Simple roots of a smooth 1D function on ``[lo, hi]`` (scan for sign changes, bisect)."""
    n = max(2, math.ceil((hi - lo) / step))
    xs = [lo + (hi - lo) * i / n for i in range(n + 1)]
    vs = [d1(x) for x in xs]
    roots: list[float] = []
    for i in range(n):
        a, b, fa, fb = xs[i], xs[i + 1], vs[i], vs[i + 1]
        if fa == 0.0:
            roots.append(a)
            continue
        if fa * fb >= 0.0:
            continue
        for _ in range(200):
            m = 0.5 * (a + b)
            fm = d1(m)
            if fm == 0.0 or b - a <= 4e-16 * max(1.0, abs(m)):
                a = b = m
                break
            if (fm < 0.0) == (fa < 0.0):
                a, fa = m, fm
            else:
                b = m
        roots.append(0.5 * (a + b))
    if vs[-1] == 0.0:
        roots.append(xs[-1])
    return roots


def _separable_critical_points(
    d1: Callable[[float], float],
    d2: Callable[[float], float],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> tuple[CriticalPoint, ...]:
    """Critical points of ``f(x, y) = g(x) + g(y)`` from the roots of ``g'`` (``d1``) and the sign
    of ``g''`` (``d2``): min x min = minimum, max x max = maximum, mixed = saddle."""

    def classify_1d(r: float) -> int:
        c = d2(r)
        return 0 if abs(c) <= 1e-9 else (1 if c > 0 else -1)

    xs = [(r, classify_1d(r)) for r in _roots_1d(d1, *x_range)]
    ys = [(r, classify_1d(r)) for r in _roots_1d(d1, *y_range)]
    out: list[CriticalPoint] = []
    for x, sx in xs:
        for y, sy in ys:
            if sx == 0 or sy == 0:
                kind: CriticalKind = "degenerate"
            elif sx > 0 and sy > 0:
                kind = "minimum"
            elif sx < 0 and sy < 0:
                kind = "maximum"
            else:
                kind = "saddle"
            out.append(CriticalPoint(x, y, kind))
    return _sorted(out)


def _xy(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return p[..., 0], p[..., 1]


# --------------------------------------------------------------------------------------------
# The surfaces
# --------------------------------------------------------------------------------------------


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
        critical_points=_local_global_points(),
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
        critical_points=_two_basins_points(),
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
        critical_points=_himmelblau_points(),
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
        critical_points=_six_hump_camel_points(),
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
        critical_points=_styblinski_tang_points(x_range, y_range),
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
        critical_points=_beale_points(),
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
        critical_points=_rastrigin_points(a, x_range, y_range),
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


# --------------------------------------------------------------------------------------------
# Registry and public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Param:
    default: float
    minimum: float  # inclusive lower bound; values must also be finite
    doc: str


@dataclass(frozen=True)
class _Entry:
    build: Callable[..., Surface]
    params: dict[str, _Param]


_REGISTRY: dict[str, _Entry] = {
    "bowl": _Entry(_bowl, {}),
    "ravine": _Entry(
        _ravine,
        {
            "condition": _Param(
                20.0, 1.0, "condition number κ = ratio of the Hessian's eigenvalues (>= 1)"
            )
        },
    ),
    "saddle": _Entry(_saddle, {}),
    "monkey_saddle": _Entry(_monkey_saddle, {}),
    "local_global": _Entry(_local_global, {}),
    "two_basins": _Entry(_two_basins, {}),
    "plateau_cliff": _Entry(_plateau_cliff, {}),
    "rosenbrock": _Entry(_rosenbrock, {}),
    "beale": _Entry(_beale, {}),
    "himmelblau": _Entry(_himmelblau, {}),
    "six_hump_camel": _Entry(_six_hump_camel, {}),
    "styblinski_tang": _Entry(_styblinski_tang, {}),
    "rastrigin": _Entry(
        _rastrigin,
        {"amplitude": _Param(10.0, 0.0, "height A of the cosine ripples (>= 0; 0 is a bowl)")},
    ),
}

#: Built-in surface names in teaching order: basics, critical points, kinds of minima and
#: optimisation pathologies, then the classic benchmark functions.
BUILTIN_NAMES: tuple[str, ...] = tuple(_REGISTRY)


def _entry(name: str) -> _Entry:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown surface {name!r}; choose one of: {', '.join(BUILTIN_NAMES)}"
        ) from None


def builtin_params(name: str) -> dict[str, float]:
    """Default parameters of built-in surface ``name`` (an empty dict when it has none).

    - ``ravine``: ``condition`` (20.0) — the condition number κ of the Hessian, >= 1.
    - ``rastrigin``: ``amplitude`` (10.0) — the height A of the ripples, >= 0.
    """
    return {key: p.default for key, p in _entry(name).params.items()}


def builtin_surface(name: str, **params: float) -> Surface:
    """Build built-in surface ``name`` (one of :data:`BUILTIN_NAMES`) with optional parameters.

    Raises ``ValueError`` for an unknown name, an unknown parameter, or a parameter value that is
    not a finite real number in its allowed range. See :func:`builtin_params` for the parameters.
    """
    entry = _entry(name)
    values: dict[str, float] = {}
    for key, value in params.items():
        spec = entry.params.get(key)
        if spec is None:
            allowed = (
                f"its parameters are: {', '.join(entry.params)}"
                if entry.params
                else "it takes no parameters"
            )
            raise ValueError(f"surface {name!r} has no parameter {key!r}; {allowed}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(
                f"parameter {key!r} of surface {name!r} must be a number, got {value!r}"
            )
        number = float(value)
        if not math.isfinite(number) or number < spec.minimum:
            raise ValueError(
                f"parameter {key!r} of surface {name!r} must be finite and >= {spec.minimum:g} "
                f"({spec.doc}), got {value!r}"
            )
        values[key] = number
    merged = {key: p.default for key, p in entry.params.items()} | values
    return entry.build(**merged)

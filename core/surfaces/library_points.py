"""Finding the critical points of a built-in surface: batched gradients and Hessians, Newton's
method from seeds (float64, once per surface or parameter set) and the product of 1D roots for
separable surfaces. Used by ``core.surfaces.library`` and ``core.surfaces.data``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

from core.surfaces.base import CriticalKind, CriticalPoint, SurfaceFn

_KIND_ORDER = {"minimum": 0, "saddle": 1, "maximum": 2, "degenerate": 3}


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
        # Converged when the step is a few ulps of the coordinates (far from 0 an absolute
        # 1e-15 is below one ulp and would never be reached).
        if float((step.abs() / p.abs().clamp(min=1.0)).max()) < 1e-15:
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


def _abs(t: torch.Tensor) -> torch.Tensor:
    """``|t|`` as ``t·sign(t)``: the same values and gradients as ``torch.abs`` (0 at 0), but
    its second derivative is quick: the first Hessian through ``torch.abs`` in a process costs
    over a second of torch's lazy set-up, which the picker would pay at start."""
    return t * torch.sign(t)


def _safe_sqrt(t: torch.Tensor) -> torch.Tensor:
    """``sqrt(t)`` for ``t >= 0`` whose gradient at 0 is 0 instead of NaN (inf · 0), so an
    optimizer that lands exactly on a kink (the test functions' ``sqrt(|·|)``) keeps going."""
    positive = t > 0
    root = torch.sqrt(torch.where(positive, t, torch.ones_like(t)))
    return torch.where(positive, root, torch.zeros_like(t))


# Below this a²s the series of cos(a√s) is used: its 7 terms are exact to float64 there.
_COS_SQRT_SERIES_BELOW = 1e-2


def _cos_sqrt(a: float, s: torch.Tensor) -> torch.Tensor:
    """``cos(a·sqrt(s))`` for ``s >= 0``, smooth at ``s = 0`` (an even function of the radius):
    a power series in ``a²s`` near 0, so gradients and Hessians are right at the origin too."""
    z = (a * a) * s
    small = z < _COS_SQRT_SERIES_BELOW
    zs = torch.where(small, z, torch.zeros_like(z))
    series = torch.zeros_like(z)
    term = torch.ones_like(z)
    for k in range(1, 8):
        series = series + term
        term = term * (-zs) / ((2 * k - 1) * (2 * k))
    far = torch.cos(torch.sqrt(torch.where(small, torch.ones_like(z), z)))
    return torch.where(small, series, far)

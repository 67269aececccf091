"""Curvature of a 2D loss surface: Hessians, their eigen-decomposition, and what they tell.

The notes' diagnosis: where the gradient is zero, the Hessian's eigenvalues decide the kind of
critical point (all positive: local minimum; all negative: local maximum; both signs: saddle
point; one of them zero: the second-order test cannot tell, "degenerate"). At a saddle, a step
along the eigenvector of the negative eigenvalue lowers the loss (:func:`escape_saddle`).

Everything here is batched over points ``(N, 2)`` and runs in float64:

- :func:`gradient_and_hessian`: loss, gradient and 2x2 Hessian by double backward. A surface
  maps each row to its own loss, so the gradient of the summed loss is every row's gradient and
  two more backward passes give the Hessian rows, for all points at once (``torch.func``'s
  ``vmap(hessian)`` gives the same numbers about 8x slower here; the tests compare the two).
- :func:`eig2x2`: the closed-form eigen-decomposition of symmetric 2x2 matrices (2-4x faster
  than torch's batched ``eigh`` on CPU, and accurate for tiny eigenvalues beside large ones,
  where ``eigh``'s error is relative to the largest).
- :func:`curvature_at` bundles both into numpy arrays (:class:`Curvature`); :func:`classify`
  names the shape; :func:`find_critical_points` runs Newton's method on the gradient from a grid
  of seeds; :func:`sharpness` is the largest eigenvalue along a trajectory;
  :class:`CurvatureStore` keeps :class:`Curvature` rows per run and step for the lab's views.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.surfaces.base import Surface

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_TOLERANCE",
    "KINDS",
    "Curvature",
    "CurvatureStore",
    "FoundPoint",
    "SaddleEscape",
    "classify",
    "curvature_at",
    "eig2x2",
    "escape_saddle",
    "find_critical_points",
    "gradient_and_hessian",
    "sharpness",
]

#: The shapes :func:`classify` names; "undefined" where the loss or its derivatives are not finite.
KINDS = ("minimum", "maximum", "saddle", "degenerate", "undefined")
#: |lambda| at or below this counts as zero (absolute, in the surface's loss units).
DEFAULT_TOLERANCE = 1e-6
#: ||g|| below this makes a point a critical point.
DEFAULT_THRESHOLD = 1e-3

_KIND_ORDER = {kind: i for i, kind in enumerate(("minimum", "saddle", "maximum", "degenerate"))}
# Points per double-backward call in sharpness(): bounds the autograd graph's memory.
_CHUNK = 4096

LossFn = Callable[[torch.Tensor], torch.Tensor]


def _as_points(points: np.ndarray | torch.Tensor | list) -> torch.Tensor:
    if not torch.is_tensor(points):
        points = torch.as_tensor(np.asarray(points, dtype=np.float64))
    return points.detach().to("cpu", torch.float64).reshape(-1, 2).clone()


def gradient_and_hessian(
    fn: Surface | LossFn, points: np.ndarray | torch.Tensor | list
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Loss ``(N,)``, gradient ``(N, 2)`` and Hessian ``(N, 2, 2)`` at ``points`` in float64.

    Works with autograd disabled by the caller, and for surfaces whose gradient does not depend on
    the point (a plane's Hessian is zero, not an error).
    """
    p = _as_points(points).requires_grad_(True)
    with torch.enable_grad():
        loss = fn(p)
        (grad,) = torch.autograd.grad(loss.sum(), p, create_graph=True, allow_unused=True)
        if grad is None:  # a constant surface
            grad = torch.zeros_like(p)
        rows = []
        for i in range(2):
            if grad.requires_grad:
                (row,) = torch.autograd.grad(
                    grad[:, i].sum(), p, retain_graph=i == 0, allow_unused=True
                )
            else:
                row = None
            rows.append(torch.zeros_like(p) if row is None else row)
    hessian = torch.stack(rows, dim=1)
    # Symmetrise: equal in exact arithmetic, this removes rounding asymmetry before eig2x2.
    hessian = 0.5 * (hessian + hessian.transpose(1, 2))
    return loss.detach(), grad.detach(), hessian.detach()


def eig2x2(hessian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues ``(..., 2)`` in ascending order and unit eigenvectors ``(..., 2, 2)`` (column
    ``k`` belongs to eigenvalue ``k``, as in ``torch.linalg.eigh``) of symmetric 2x2 matrices.

    Closed form: with ``m = (a + c) / 2`` and ``d = hypot((a - c) / 2, b)`` the eigenvalues are
    ``m -+ d``. The one of larger magnitude is computed as ``m + sign(m) d`` and the other as
    ``det / that``, so a tiny eigenvalue keeps its relative accuracy (``m - d`` would cancel).
    The eigenvector of the larger eigenvalue is at angle ``atan2(2b, a - c) / 2``.
    """
    a, b, c = hessian[..., 0, 0], hessian[..., 0, 1], hessian[..., 1, 1]
    m = 0.5 * (a + c)
    d = torch.hypot(0.5 * (a - c), b)
    big = m + torch.where(m >= 0, d, -d)
    det = a * c - b * b
    small = torch.where(big != 0, det / torch.where(big != 0, big, 1.0), torch.zeros_like(big))
    low, high = torch.minimum(big, small), torch.maximum(big, small)
    theta = 0.5 * torch.atan2(2.0 * b, a - c)
    cos, sin = torch.cos(theta), torch.sin(theta)
    v_high = torch.stack([cos, sin], dim=-1)
    v_low = torch.stack([-sin, cos], dim=-1)
    return torch.stack([low, high], dim=-1), torch.stack([v_low, v_high], dim=-1)


def classify(
    eigenvalues: np.ndarray | torch.Tensor, tolerance: float = DEFAULT_TOLERANCE
) -> list[str]:
    """The shape named by each pair of eigenvalues ``(N, 2)`` (see :data:`KINDS`).

    An eigenvalue with ``|lambda| <= tolerance`` counts as zero: the second-order test cannot
    decide there, so the point is "degenerate" (e.g. the monkey saddle's origin).
    """
    values = np.asarray(eigenvalues, dtype=np.float64).reshape(-1, 2)
    kinds = []
    for low, high in values:
        if not (math.isfinite(low) and math.isfinite(high)):
            kinds.append("undefined")
        elif min(abs(low), abs(high)) <= tolerance:
            kinds.append("degenerate")
        elif low > 0:
            kinds.append("minimum")
        elif high < 0:
            kinds.append("maximum")
        else:
            kinds.append("saddle")
    return kinds


@dataclass(frozen=True)
class Curvature:
    """Curvature at N points, numpy float64: ``points``/``grad`` ``(N, 2)``, ``loss`` ``(N,)``,
    ``hessian``/``eigenvectors`` ``(N, 2, 2)``, ``eigenvalues`` ``(N, 2)`` ascending (column
    ``k`` of ``eigenvectors[i]`` belongs to ``eigenvalues[i, k]``)."""

    points: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    @property
    def grad_norm(self) -> np.ndarray:
        return np.linalg.norm(self.grad, axis=-1)

    def kinds(self, tolerance: float = DEFAULT_TOLERANCE) -> list[str]:
        return classify(self.eigenvalues, tolerance)

    def is_critical(self, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
        """Where the gradient norm is below ``threshold`` (bool ``(N,)``)."""
        return self.grad_norm < threshold


def curvature_at(fn: Surface | LossFn, points: np.ndarray | torch.Tensor | list) -> Curvature:
    """Loss, gradient, Hessian and its eigen-decomposition at ``points`` (any shape ``(..., 2)``,
    flattened to ``(N, 2)``)."""
    p = _as_points(points)
    loss, grad, hessian = gradient_and_hessian(fn, p)
    values, vectors = eig2x2(hessian)
    return Curvature(
        points=p.numpy(),
        loss=loss.numpy(),
        grad=grad.numpy(),
        hessian=hessian.numpy(),
        eigenvalues=values.numpy(),
        eigenvectors=vectors.numpy(),
    )


def sharpness(fn: Surface | LossFn, positions: np.ndarray | torch.Tensor | list) -> np.ndarray:
    """The largest Hessian eigenvalue at each of ``positions`` ``(T, 2)`` (e.g. one trajectory,
    one row per step) as a float64 array ``(T,)``; NaN where the position is not finite."""
    p = _as_points(positions)
    out = np.full(len(p), np.nan)
    finite = torch.isfinite(p).all(dim=1)
    index = torch.nonzero(finite).flatten()
    for start in range(0, len(index), _CHUNK):
        rows = index[start : start + _CHUNK]
        _, _, hessian = gradient_and_hessian(fn, p[rows])
        out[rows.numpy()] = eig2x2(hessian)[0][:, 1].numpy()
    return out


@dataclass(frozen=True)
class SaddleEscape:
    """One step from ``start`` along an eigenvector of a negative eigenvalue.

    ``predicted_drop`` is what the second-order Taylor expansion promises,
    ``-(g . u + u^T H u / 2)`` for the step ``u``; ``drop`` is what the surface really gives.
    """

    start: tuple[float, float]
    point: tuple[float, float]
    loss_before: float
    loss_after: float
    eigenvalue: float
    direction: tuple[float, float]  # unit vector, the sign that lowered the loss more
    predicted_drop: float

    @property
    def drop(self) -> float:
        return self.loss_before - self.loss_after


def escape_saddle(
    fn: Surface | LossFn, point: tuple[float, float] | np.ndarray, step: float
) -> SaddleEscape:
    """Step a distance ``step`` from ``point`` along the eigenvector of the most negative Hessian
    eigenvalue, in whichever of its two directions lowers the loss more.

    Raises ``ValueError`` when no eigenvalue is negative (nothing to escape: a minimum, or flat)
    or ``step`` is not a positive finite number.
    """
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"the escape step must be a positive number, got {step!r}")
    here = curvature_at(fn, point)
    low = float(here.eigenvalues[0, 0])
    x, y = (float(v) for v in here.points[0])
    if not math.isfinite(low):
        raise ValueError(f"the curvature at ({x:.4g}, {y:.4g}) is not finite")
    if low >= 0:
        raise ValueError(
            f"no negative eigenvalue at ({x:.4g}, {y:.4g}) (smallest: {low:.4g}): "
            "no direction curves downhill, so there is no saddle to escape"
        )
    vector = here.eigenvectors[0, :, 0]
    candidates = here.points[0] + step * np.stack([vector, -vector])
    with torch.no_grad():
        losses = fn(torch.as_tensor(candidates, dtype=torch.float64)).numpy()
    losses = np.where(np.isfinite(losses), losses, np.inf)
    best = int(np.argmin(losses))
    direction = vector if best == 0 else -vector
    u = step * direction
    predicted = -(float(here.grad[0] @ u) + 0.5 * float(u @ here.hessian[0] @ u))
    return SaddleEscape(
        start=(x, y),
        point=(float(candidates[best, 0]), float(candidates[best, 1])),
        loss_before=float(here.loss[0]),
        loss_after=float(losses[best]),
        eigenvalue=low,
        direction=(float(direction[0]), float(direction[1])),
        predicted_drop=predicted,
    )


@dataclass(frozen=True)
class FoundPoint:
    """A critical point found by :func:`find_critical_points`."""

    x: float
    y: float
    kind: str  # one of KINDS (never "undefined")
    loss: float
    eigenvalues: tuple[float, float]
    grad_norm: float


def find_critical_points(
    fn: Surface | LossFn,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    *,
    seeds: int = 24,
    iterations: int = 80,
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[FoundPoint]:
    """Every critical point Newton's method finds inside the window, classified and sorted
    (minima, saddles, maxima, degenerate; then by x, y).

    Newton's method on the gradient, ``p <- p - H^-1 g``, converges to a nearby critical point of
    any kind, so it starts from a ``seeds x seeds`` grid over the window (all seeds in one batch).
    Each step is capped at a quarter of the window and uses a pseudo-inverse where the Hessian is
    singular. A seed counts when its steps have shrunk to nothing and its gradient is tiny
    (plateaus where the gradient only underflows do not converge and are dropped); duplicates
    closer than 1e-4 of the window are merged. ``x_range``/``y_range`` default to the surface's.
    """
    if x_range is None or y_range is None:
        if not isinstance(fn, Surface):
            raise ValueError("a plain function needs x_range and y_range")
        x_range, y_range = x_range or fn.x_range, y_range or fn.y_range
    (x0, x1), (y0, y1) = map(float, x_range), map(float, y_range)
    span = max(x1 - x0, y1 - y0)
    # Seeds in cell centres: a grid through the window's centre would start exactly on many
    # surfaces' symmetric critical points, which is fine, but cell centres also avoid the edges.
    gx = x0 + (np.arange(seeds) + 0.5) * (x1 - x0) / seeds
    gy = y0 + (np.arange(seeds) + 0.5) * (y1 - y0) / seeds
    p = torch.as_tensor(np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2), dtype=torch.float64)
    with torch.no_grad():
        seed_grads = gradient_and_hessian(fn, p)[1].norm(dim=1)
    grad_scale = float(torch.nan_to_num(seed_grads, nan=0.0, posinf=0.0).median())
    max_step = 0.25 * span
    active = torch.ones(len(p), dtype=torch.bool)
    last_step = torch.full((len(p),), math.inf, dtype=torch.float64)
    for _ in range(iterations):
        rows = torch.nonzero(active).flatten()
        if len(rows) == 0:
            break
        _, grad, hessian = gradient_and_hessian(fn, p[rows])
        step = _newton_step(grad, hessian)
        length = step.norm(dim=1)
        scale = torch.clamp(max_step / torch.where(length > 0, length, 1.0), max=1.0)
        step = step * scale[:, None]
        new = p[rows] - step
        p[rows] = new
        last_step[rows] = step.norm(dim=1)
        outside = (
            (new[:, 0] < x0 - 0.1 * span)
            | (new[:, 0] > x1 + 0.1 * span)
            | (new[:, 1] < y0 - 0.1 * span)
            | (new[:, 1] > y1 + 0.1 * span)
            | ~torch.isfinite(new).all(dim=1)
        )
        settled = last_step[rows] <= 1e-13 * span
        active[rows[outside | settled]] = False
        last_step[rows[outside]] = math.inf

    here = curvature_at(fn, p)
    inside = (
        (here.points[:, 0] >= x0)
        & (here.points[:, 0] <= x1)
        & (here.points[:, 1] >= y0)
        & (here.points[:, 1] <= y1)
    )
    grad_tol = 1e-7 * max(1.0, grad_scale)
    ok = inside & (last_step.numpy() <= 1e-9 * span) & (here.grad_norm <= grad_tol)
    kinds = here.kinds(tolerance)
    found: list[FoundPoint] = []
    merge = 1e-4 * span
    for i in np.flatnonzero(ok):
        x, y = here.points[i]
        if kinds[i] == "undefined" or any(math.hypot(f.x - x, f.y - y) <= merge for f in found):
            continue
        found.append(
            FoundPoint(
                x=float(x),
                y=float(y),
                kind=kinds[i],
                loss=float(here.loss[i]),
                eigenvalues=(float(here.eigenvalues[i, 0]), float(here.eigenvalues[i, 1])),
                grad_norm=float(here.grad_norm[i]),
            )
        )
    return sorted(found, key=lambda f: (_KIND_ORDER[f.kind], f.x, f.y))


def _newton_step(grad: torch.Tensor, hessian: torch.Tensor) -> torch.Tensor:
    """``H^+ g`` per row: the Newton step, with the eigenvalues near zero left out (a singular
    Hessian, e.g. at a degenerate point, has no inverse but still a useful step)."""
    values, vectors = eig2x2(hessian)
    limit = 1e-12 * values.abs().amax(dim=1, keepdim=True).clamp(min=1e-300)
    inverse = torch.where(values.abs() > limit, 1.0 / torch.where(values != 0, values, 1.0), 0.0)
    coords = torch.einsum("nij,ni->nj", vectors, grad) * inverse
    return torch.einsum("nij,nj->ni", vectors, coords)


class CurvatureStore:
    """Curvature rows per run and step (computed in the worker after a run's records arrive).

    ``begin`` makes room and says where to continue, ``put`` stores a computed chunk, ``row``
    reads one step back (``None`` while it is pending) and ``sharpness`` the largest eigenvalue
    along the valid steps; ``truncate`` and ``remove`` follow restarts and deleted runs."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, np.ndarray]] = {}
        self._count: dict[str, int] = {}

    def begin(self, run_id: str, total: int) -> int:
        """Make room for ``total`` steps, keeping the valid rows; returns how many are kept (the
        first step still to compute)."""
        old, kept = self._rows.get(run_id), min(self.count(run_id), total)
        shapes = {
            "points": (2,),
            "loss": (),
            "grad": (2,),
            "hessian": (2, 2),
            "eigenvalues": (2,),
            "eigenvectors": (2, 2),
        }
        rows = {name: np.full((total, *shape), np.nan) for name, shape in shapes.items()}
        if old is not None:
            for name, array in rows.items():
                array[:kept] = old[name][:kept]
        self._rows[run_id], self._count[run_id] = rows, kept
        return kept

    def put(self, run_id: str, start: int, chunk: Curvature) -> None:
        rows = self._rows.get(run_id)
        if rows is None:
            return
        end = min(start + len(chunk.loss), len(rows["loss"]))
        for name, array in rows.items():
            array[start:end] = getattr(chunk, name)[: end - start]
        self._count[run_id] = max(self._count[run_id], end)

    def truncate(self, run_id: str, count: int) -> None:
        """Rows from ``count`` on are no longer valid (the run was restarted or continued)."""
        if run_id in self._count:
            self._count[run_id] = min(self._count[run_id], max(count, 0))

    def remove(self, run_id: str) -> None:
        self._rows.pop(run_id, None)
        self._count.pop(run_id, None)

    def count(self, run_id: str) -> int:
        return self._count.get(run_id, 0)

    def row(self, run_id: str, step: int) -> Curvature | None:
        """The curvature at ``step`` as a one-point :class:`Curvature`, or ``None`` (pending)."""
        if not 0 <= step < self.count(run_id):
            return None
        rows = self._rows[run_id]
        return Curvature(**{name: array[step : step + 1] for name, array in rows.items()})

    def sharpness(self, run_id: str) -> np.ndarray:
        """The largest eigenvalue per step, for the valid steps."""
        rows = self._rows.get(run_id)
        return np.empty(0) if rows is None else rows["eigenvalues"][: self.count(run_id), 1]


def _benchmark() -> None:
    """``python -m core.curvature``: the figures behind the GUI's choices (where each runs)."""
    import random
    import statistics
    import time

    from core.surfaces import make_surface

    torch.set_num_threads(1)  # as in the GUI's worker
    rng = random.Random(0)
    bumps = [
        {
            "x": rng.uniform(-3, 3),
            "y": rng.uniform(-3, 3),
            "height": rng.choice((-0.5, 0.5)),
            "width": 0.4,
        }
        for _ in range(500)
    ]
    configs = {
        "rosenbrock": {"builtin": "rosenbrock"},
        "himmelblau": {"builtin": "himmelblau"},
        "plateau_cliff": {"builtin": "plateau_cliff"},
        "formula sin(x)*cos(y)+x^2": {"formula": "sin(x)*cos(y) + x^2"},
        "drawn, 500 bumps": {"bumps": bumps, "base": "bowl"},
    }
    path = np.stack([np.linspace(-1, 1, 501), np.linspace(-1, 1, 501) ** 2], axis=1)
    print(
        f"{'surface':28s} {'1 point':>10s} {'eigh x501':>10s} {'2x2 x501':>10s} "
        f"{'sharpness 501':>14s} {'finder':>9s} {'found':>5s}"
    )
    for label, config in configs.items():
        surface = make_surface(config)
        times = []
        for _ in range(60):
            t0 = time.perf_counter()
            curvature_at(surface, [0.3, 0.4])
            times.append(time.perf_counter() - t0)
        one = statistics.median(times[10:])
        hessians = gradient_and_hessian(surface, path)[2]
        t0 = time.perf_counter()
        for _ in range(20):
            torch.linalg.eigh(hessians)
        generic = (time.perf_counter() - t0) / 20
        t0 = time.perf_counter()
        for _ in range(20):
            eig2x2(hessians)
        closed = (time.perf_counter() - t0) / 20
        t0 = time.perf_counter()
        sharpness(surface, path)
        sharp = time.perf_counter() - t0
        t0 = time.perf_counter()
        found = find_critical_points(surface, (-3.0, 3.0), (-3.0, 3.0))
        finder = time.perf_counter() - t0
        print(
            f"{label:28s} {one * 1e3:8.2f}ms {generic * 1e3:8.3f}ms {closed * 1e3:8.3f}ms "
            f"{sharp * 1e3:12.1f}ms {finder * 1e3:7.0f}ms {len(found):5d}"
        )


if __name__ == "__main__":
    _benchmark()

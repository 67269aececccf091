"""Drawn surfaces: a smooth base plus Gaussian bumps and dips (the data behind "draw with the
mouse").

``f(p) = base(p) + sum_k height_k * exp(-|p - c_k|^2 / (2 width_k^2))`` where ``base`` is 0
(``"flat"``) or ``bowl_strength * (x^2 + y^2)`` (``"bowl"``). A negative height is a dip.

Evaluation is vectorised over the bumps and chunked over the points so that each
``(points x bumps)`` temporary stays small: 500 bumps on a 512 x 512 grid take a fraction of a
second on a laptop CPU. Without autograd (e.g. ``Surface.grid``) large batches reuse one small
buffer in place; with autograd the same arithmetic runs out of place, so the graph is kept (the
saved tensors then grow with ``points x bumps``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

from core.surfaces.base import CriticalPoint, Surface

__all__ = ["Bump", "bump_from_dict", "bump_to_dict", "drawn_surface"]

_FIELDS = ("x", "y", "height", "width")

# exp(-80) ~ 1.8e-35: clamping the exponent there changes nothing visible but keeps exp() out
# of the denormal range, where it is several times slower on CPU.
_MAX_EXPONENT = 80.0
# Bytes allowed for one (points x bumps) temporary on the autograd path.
_GRAD_CHUNK_BYTES = 64 * 2**20
# Bytes for the reusable in-place buffers on the no-autograd path (small enough for the cache).
_FAST_CHUNK_BYTES = 2 * 2**20
# Below this many (point, bump) pairs the plain autograd-friendly path is used even without grad.
_FAST_MIN_PAIRS = 1 << 16


@dataclass(frozen=True)
class Bump:
    """One Gaussian bump: centre ``(x, y)``, ``height`` (negative = dip), ``width`` = sigma > 0."""

    x: float
    y: float
    height: float
    width: float


def bump_to_dict(bump: Bump) -> dict[str, float]:
    """``{"x", "y", "height", "width"}`` for JSON."""
    return {key: float(getattr(bump, key)) for key in _FIELDS}


def bump_from_dict(data: Mapping[str, Any]) -> Bump:
    """Inverse of :func:`bump_to_dict`. Raises ``ValueError`` naming a missing, unknown or
    non-numeric key, a non-finite value or a width that is not > 0."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a bump must be a mapping with keys {', '.join(_FIELDS)}, got {data!r}")
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise ValueError(
            f"unknown bump key(s): {', '.join(unknown)}; expected {', '.join(_FIELDS)}"
        )
    values: dict[str, float] = {}
    for key in _FIELDS:
        if key not in data:
            raise ValueError(f"bump is missing key {key!r}")
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"bump {key!r} must be a number, got {value!r}")
        values[key] = float(value)
    bump = Bump(**values)
    _check_bump(bump, None)
    return bump


def _check_bump(bump: Bump, index: int | None) -> None:
    where = "bump" if index is None else f"bump {index}"
    if not isinstance(bump, Bump):
        raise ValueError(f"{where} must be a Bump, got {bump!r}")
    for key in _FIELDS:
        value = getattr(bump, key)
        try:
            ok = not isinstance(value, bool) and math.isfinite(float(value))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"{where}: {key} must be a finite number, got {value!r}")
    if float(bump.width) <= 0.0:
        raise ValueError(f"{where}: width must be > 0, got {bump.width!r}")


def _check_range(name: str, value: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of numbers (lo, hi), got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with lo < hi, got {value!r}")
    return lo, hi


class _BumpSum:
    """``points (N, 2) -> sum_k height_k * exp(-|p - c_k|^2 / (2 width_k^2))`` (no base)."""

    def __init__(self, bumps: Sequence[Bump]) -> None:
        # Scaled centres: with s_k = 1 / (sqrt(2) width_k) the exponent is
        # -((x s_k - cx_k s_k)^2 + (y s_k - cy_k s_k)^2).
        s = [1.0 / (math.sqrt(2.0) * float(b.width)) for b in bumps]
        self._rows = (
            s,
            [-float(b.x) * sk for b, sk in zip(bumps, s, strict=True)],
            [-float(b.y) * sk for b, sk in zip(bumps, s, strict=True)],
            [float(b.height) for b in bumps],
        )
        self.count = len(bumps)
        self._cache: dict[tuple[torch.dtype, torch.device], torch.Tensor] = {}

    def _params(self, like: torch.Tensor) -> torch.Tensor:
        key = (like.dtype, like.device)
        table = self._cache.get(key)
        if table is None:
            table = torch.tensor(self._rows, dtype=like.dtype, device=like.device)  # (4, K)
            self._cache[key] = table
        return table

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        table = self._params(points)
        scale, neg_cx, neg_cy, height = table[0], table[1], table[2], table[3]
        n = points.shape[0]
        k = self.count
        itemsize = points.element_size()
        if not torch.is_grad_enabled() and n * k >= _FAST_MIN_PAIRS:
            return self._no_grad(points, scale, neg_cx, neg_cy, height)
        rows = max(1, _GRAD_CHUNK_BYTES // (k * itemsize))
        parts = []
        for start in range(0, n, rows):
            q = points[start : start + rows]
            u = torch.addcmul(neg_cx, q[:, 0:1], scale)
            v = torch.addcmul(neg_cy, q[:, 1:2], scale)
            d = torch.addcmul(u * u, v, v).clamp(max=_MAX_EXPONENT)
            parts.append(torch.exp(-d) @ height)
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def _no_grad(
        self,
        points: torch.Tensor,
        scale: torch.Tensor,
        neg_cx: torch.Tensor,
        neg_cy: torch.Tensor,
        height: torch.Tensor,
    ) -> torch.Tensor:
        n = points.shape[0]
        k = self.count
        rows = min(n, max(16, _FAST_CHUNK_BYTES // (k * points.element_size())))
        out = torch.empty(n, dtype=points.dtype, device=points.device)
        buf_u = torch.empty(rows, k, dtype=points.dtype, device=points.device)
        buf_v = torch.empty_like(buf_u)
        for start in range(0, n, rows):
            q = points[start : start + rows]
            m = q.shape[0]
            u = buf_u[:m]
            v = buf_v[:m]
            torch.addcmul(neg_cx, q[:, 0:1], scale, out=u)
            torch.addcmul(neg_cy, q[:, 1:2], scale, out=v)
            u.square_().addcmul_(v, v).clamp_(max=_MAX_EXPONENT).neg_().exp_()
            torch.mv(u, height, out=out[start : start + m])
        return out


def drawn_surface(
    bumps: Sequence[Bump],
    base: Literal["flat", "bowl"] = "bowl",
    x_range: tuple[float, float] = (-3.0, 3.0),
    y_range: tuple[float, float] = (-3.0, 3.0),
    bowl_strength: float = 0.1,
) -> Surface:
    """A surface made of ``base`` plus Gaussian ``bumps`` (see the module docstring).

    Raises ``ValueError`` naming the bump index and field for a non-finite number or a width that
    is not > 0, and for an unknown ``base``, bad ranges or a negative/non-finite
    ``bowl_strength``. No critical points are listed (they are unknown), except the minimum at the
    origin for a bowl with no bumps.
    """
    if base not in ("flat", "bowl"):
        raise ValueError(f"base must be 'flat' or 'bowl', got {base!r}")
    x_range = _check_range("x_range", x_range)
    y_range = _check_range("y_range", y_range)
    if isinstance(bowl_strength, bool) or not isinstance(bowl_strength, numbers.Real):
        raise ValueError(f"bowl_strength must be a number, got {bowl_strength!r}")
    strength = float(bowl_strength)
    if not math.isfinite(strength) or strength < 0.0:
        raise ValueError(f"bowl_strength must be finite and >= 0, got {bowl_strength!r}")
    bumps = tuple(bumps)
    for i, bump in enumerate(bumps):
        _check_bump(bump, i)

    bump_sum = _BumpSum(bumps) if bumps else None
    use_bowl = base == "bowl" and strength > 0.0

    def fn(points: torch.Tensor) -> torch.Tensor:
        # Without a bowl: zeros that keep the graph, dtype and device of the points.
        base_part = strength * (points * points) if use_bowl else points * 0.0
        total = base_part.sum(dim=-1)
        if bump_sum is not None:
            total = total + bump_sum(points.reshape(-1, 2)).reshape(total.shape)
        return total

    critical: tuple[CriticalPoint, ...] = ()
    if (
        not bumps
        and use_bowl
        and x_range[0] <= 0.0 <= x_range[1]
        and y_range[0] <= 0.0 <= y_range[1]
    ):
        critical = (CriticalPoint(0.0, 0.0, "minimum"),)

    return Surface(
        name="drawn",
        fn=fn,
        x_range=x_range,
        y_range=y_range,
        critical_points=critical,
        title={"en": "Drawn surface", "zh": "手绘曲面"},
        note={
            "en": "Your own landscape: a base plus Gaussian bumps (hills) and dips (valleys). "
            "Add dips to create local minima and hills to create saddles and maxima, then see "
            "which optimisers get trapped.",
            "zh": "你自己的地形：在底面上叠加高斯形的小山（凸起）和小坑（凹陷）。"
            "加小坑制造局部最小值，加小山制造鞍点和最大值，然后观察哪些优化器会被困住。",
        },
    )

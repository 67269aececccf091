"""The one type every loss surface shares.

A surface is a torch-differentiable function of a batch of points ``(N, 2) -> (N,)`` plus what a
view needs to show it: display bounds, known critical points and a short bilingual note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch

CriticalKind = Literal["minimum", "maximum", "saddle", "degenerate"]

SurfaceFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class CriticalPoint:
    x: float
    y: float
    kind: CriticalKind


class _CriticalPoints:
    """The ``critical_points`` field: a tuple, or a function that finds them, called on first
    read (finding them takes Newton searches: a picker that lists 48 surfaces by title need not
    pay for them). A descriptor-typed dataclass field: ``Surface(critical_points=...)`` takes
    either."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}"

    def __get__(self, surface: Surface | None, owner: type | None = None):
        if surface is None:
            return ()  # the field's default
        value = surface.__dict__[self._slot]
        if callable(value):
            value = tuple(value())
            surface.__dict__[self._slot] = value
        return value

    def __set__(self, surface: Surface, value) -> None:
        surface.__dict__[self._slot] = value if callable(value) else tuple(value)


@dataclass(frozen=True)
class Surface:
    """A named 2D loss surface.

    ``fn`` maps points of shape (N, 2) to losses of shape (N,); it must accept any float dtype and
    device and keep the autograd graph (no ``.item()``, no numpy inside).
    """

    name: str
    fn: SurfaceFn
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    # Or a function returning them, called on first read (see _CriticalPoints).
    critical_points: tuple[CriticalPoint, ...] = _CriticalPoints()  # type: ignore[assignment]
    title: dict[str, str] = field(default_factory=dict)  # {"en": ..., "zh": ...}
    note: dict[str, str] = field(default_factory=dict)  # what it teaches, {"en": ..., "zh": ...}
    axis_names: tuple[str, str] = ("x", "y")  # what the map's axes are (a model's parameters)

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        return self.fn(points)

    def text(self, which: Literal["title", "note"], language: str = "en") -> str:
        """``title`` or ``note`` in ``language`` ("en" or "zh"), falling back to English."""
        texts = self.title if which == "title" else self.note
        return texts.get(language) or texts.get("en") or self.name

    def grid(
        self,
        resolution: int = 256,
        *,
        x_range: tuple[float, float] | None = None,
        y_range: tuple[float, float] | None = None,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Evaluate on a ``resolution x resolution`` grid.

        Returns ``(xs, ys, z)`` where ``z[i, j]`` is the loss at ``(xs[j], ys[i])`` (row = y), so
        ``z`` can be shown as an image with y as rows.
        """
        x0, x1 = x_range or self.x_range
        y0, y1 = y_range or self.y_range
        xs = torch.linspace(x0, x1, resolution, device=device, dtype=dtype)
        ys = torch.linspace(y0, y1, resolution, device=device, dtype=dtype)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
        with torch.no_grad():
            z = self.fn(points).reshape(resolution, resolution)
        return xs, ys, z

"""Draw mode of the Surface Lab: brush strokes of Gaussian bumps, undo/redo, clear.

A mixin of :class:`desktop_app.surface_lab.page.SurfaceLabPage` (it uses the page's picker, map,
``model.surface`` and ``_apply_surface``); drawing makes the surface the user's own, so the
lab model's lesson title and text go (``replace="drawn"``).
"""

from __future__ import annotations

import numpy as np

from core.surfaces.drawn import Bump


class DrawingMixin:
    """Strokes on a drawn surface; ``_strokes`` is the undo stack (each entry: all bumps)."""

    def _init_drawing(self) -> None:
        self._strokes: list[list[Bump]] = []
        self._redo: list[list[Bump]] = []
        self._stroke_last = None

    def _set_draw_mode(self, on: bool) -> None:
        self.map.draw_mode = on
        if on and "bumps" not in self.model.surface:
            # Drawing starts from a bowl covering the current view.
            self._strokes, self._redo = [], []
            self.set_surface(
                {
                    "bumps": [],
                    "base": "bowl",
                    "x_range": list(self.surface.x_range),
                    "y_range": list(self.surface.y_range),
                }
            )
            self.picker.show_surface(self.model.surface)

    def _bumps(self) -> list[Bump]:
        return [Bump(**b) for b in self.model.surface.get("bumps", [])]

    def _paint(self, x: float, y: float, sign: float, start: bool, finish: bool) -> None:
        if "bumps" not in self.model.surface:
            return
        radius, strength = self.picker.radius.value(), self.picker.strength.value()
        if start:
            self._strokes.append(self._bumps())
            self._redo.clear()
            self._stroke_last = None
        last = self._stroke_last
        if last is not None and np.hypot(x - last[0], y - last[1]) < radius * 0.5 and not finish:
            return  # space the dabs along a stroke by half a radius
        self._stroke_last = (x, y)
        bumps = self._bumps() + [Bump(x=x, y=y, height=sign * strength, width=radius)]
        self._set_bumps(bumps)

    def paint_dab(self, x: float, y: float, sign: float = 1.0) -> None:
        """One click-sized stroke (tests and keyboard use)."""
        self._paint(x, y, sign, True, True)

    def _set_bumps(self, bumps: list[Bump]) -> None:
        config = dict(self.model.surface)
        config["bumps"] = [
            {"x": b.x, "y": b.y, "height": b.height, "width": b.width} for b in bumps
        ]
        self._apply_surface(config, restart=True, replace="drawn")  # drawing: the user's own

    def undo_drawing(self) -> None:
        if self._strokes:
            self._redo.append(self._bumps())
            self._set_bumps(self._strokes.pop())

    def redo_drawing(self) -> None:
        if self._redo:
            self._strokes.append(self._bumps())
            self._set_bumps(self._redo.pop())

    def clear_drawing(self) -> None:
        if self._bumps():
            self._strokes.append(self._bumps())
            self._set_bumps([])

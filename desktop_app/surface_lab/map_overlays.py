"""What the map draws over the surface for the curvature panel and the optimizer internals:
the Hessian's eigenvector arrows, the inspected point, the saddle-escape step, the arrows of
notes 001 (gradient step, momentum, real step) and their legend (:class:`CurvatureOverlays`, a
mixin of ``MapView``; its texts are in the "MapView" translation context)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt

from desktop_app.style import appearance

# The arrows of notes 001: "red arrow gradient, blue dashed momentum, blue solid real movement".
GRADIENT_COLOR = "#ff3b30"
MOTION_COLOR = "#35a0ff"
# An eigenvector arrow is coloured by the sign of its eigenvalue, a critical point by its kind.
POSITIVE_COLOR = "#ffa620"  # curves up
NEGATIVE_COLOR = "#ff4df0"  # curves down
KIND_COLORS = {
    "minimum": "#5cff7a",
    "saddle": "#ffe14d",
    "maximum": "#ff6b5c",
    "degenerate": "#c8c8c8",
    "undefined": "#c8c8c8",
}


class _PassiveScatter(pg.ScatterPlotItem):
    """Markers that let clicks through to the map (pyqtgraph offers every click to the spots
    under it first, whatever ``acceptedMouseButtons`` says)."""

    def mouseClickEvent(self, event) -> None:  # noqa: N802 (pyqtgraph naming)
        event.ignore()


class _Arrow:
    """A shaft in data coordinates with a head of fixed pixel size at one or both ends.

    A pixel-mode head ignores the view's transform, so its angle is set in screen terms from the
    view's current pixel size (the map's aspect ratio is not locked); ``refresh`` redoes that
    after zooming. Each shaft has a dark outline underneath so it reads on any colour of the map.
    """

    def __init__(
        self,
        plot,
        color: str,
        *,
        dashed: bool = False,
        both_ends: bool = False,
        width: float = 2.5,
        z: float = 30,
    ):
        self._plot, self._both, self.width, self.color = plot, both_ends, width, color
        self._style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        # Bare curves, no PlotDataItem around them: the arrows follow the cursor every frame.
        self.outline = pg.PlotCurveItem()
        self.shaft = pg.PlotCurveItem()
        self.heads = [pg.ArrowItem(tipAngle=34) for _ in range(2 if both_ends else 1)]
        self._angles: list[float | None] = [None] * len(self.heads)  # as the heads show them
        for offset, item in enumerate((self.outline, self.shaft, *self.heads)):
            item.setZValue(z + offset / 10)
            plot.addItem(item, ignoreBounds=True)
        self.ends: tuple[np.ndarray, np.ndarray] | None = None
        self.restyle()
        self.hide()

    def restyle(self, color: str | None = None) -> None:
        """Colour (optionally a new one), widths and head size from :func:`appearance`."""
        self.color = color or self.color
        look = appearance()
        self.outline.setPen(look.pen((0, 0, 0, 170), self.width + 2, style=self._style))
        self.shaft.setPen(look.pen(self.color, self.width, style=self._style))
        self._angles = [None] * len(self.heads)  # setStyle below keeps the angle
        for head in self.heads:
            head.setStyle(
                headLen=look.marker(13),
                pen=look.pen((0, 0, 0, 200), 1),
                brush=pg.mkBrush(self.color),
            )

    def set(self, start: np.ndarray, end: np.ndarray) -> None:
        ends = (np.asarray(start, dtype=float), np.asarray(end, dtype=float))
        if (
            self.ends is not None
            and np.array_equal(ends[0], self.ends[0])
            and np.array_equal(ends[1], self.ends[1])
        ):
            self.refresh()  # the same shaft; the view (so the heads' angles) may have changed
            return
        self.ends = ends
        (x0, y0), (x1, y1) = self.ends
        for item in (self.outline, self.shaft):
            item.setData(np.array([x0, x1]), np.array([y0, y1]))
            item.setVisible(True)
        self.refresh()

    def refresh(self) -> None:
        if self.ends is None:
            return
        start, end = self.ends
        tips = [(end, end - start)] + ([(start, start - end)] if self._both else [])
        pixel_w, pixel_h = self._plot.getViewBox().viewPixelSize()
        for k, (head, (tip, (dx, dy))) in enumerate(zip(self.heads, tips, strict=True)):
            # ArrowItem: angle 0 points left, angles turn clockwise on screen (y down).
            angle = float(np.degrees(np.arctan2(dy / pixel_h, -dx / pixel_w)))
            if angle != self._angles[k]:  # setStyle builds the head's path again
                self._angles[k] = angle
                head.setStyle(angle=angle)
            head.setPos(float(tip[0]), float(tip[1]))
            head.setVisible(bool(np.hypot(dx / pixel_w, dy / pixel_h) >= 4.0))

    def hide(self) -> None:
        self.ends = None
        for item in (self.outline, self.shaft, *self.heads):
            item.setVisible(False)

    def visible(self) -> bool:
        return self.ends is not None


class CurvatureOverlays:
    """The eigenvector and internals arrows of ``MapView`` (it provides ``plot`` and ``view``)."""

    def _build_curvature_items(self) -> None:
        self.eigen_arrows = [_Arrow(self.plot, POSITIVE_COLOR, both_ends=True) for _ in range(2)]
        self.inspect_marker = _PassiveScatter(symbol="o", brush=pg.mkBrush(0, 0, 0, 0))
        self.inspect_marker.setZValue(29)
        self.plot.addItem(self.inspect_marker, ignoreBounds=True)
        self.escape_path = pg.PlotDataItem()
        self.escape_path.setZValue(28)
        self.plot.addItem(self.escape_path, ignoreBounds=True)
        # The real step is drawn widest and lowest: without momentum it equals the gradient step.
        self.internal_arrows = {
            "update": _Arrow(self.plot, MOTION_COLOR, width=5, z=30),
            "momentum": _Arrow(self.plot, MOTION_COLOR, dashed=True, z=31),
            "gradient": _Arrow(self.plot, GRADIENT_COLOR, width=2, z=32),
        }
        self.internal_vectors: dict[str, np.ndarray] = {}  # as recorded, before magnifying
        self.internal_scale = 1.0
        # In the view's bottom-left corner, in pixels (not data): it stays clear of the axes
        # whatever the range, and a larger font in presenter mode grows it into the view.
        self.legend = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(0, 0, 0, 160))
        self.legend.setZValue(100)
        self.legend.setParentItem(self.view)
        self.legend.setVisible(False)
        self.view.sigResized.connect(self._place_legend)
        self._legend_owner: str | None = None  # "eigen" or "internals": whose arrows it explains
        self._legend_html = ""
        self._shown_inspected = self._shown_escape = None
        self._eigen_args = None
        self._internal_args = None
        self.view.sigRangeChanged.connect(self._view_range_changed)
        appearance().changed.connect(self._restyle_arrows)  # presenter mode, theme
        self._restyle_arrows()

    def _restyle_arrows(self) -> None:
        look = appearance()
        self.inspect_marker.setSize(look.marker(15))
        self.inspect_marker.setPen(look.pen("w", 2))
        self.escape_path.setPen(look.pen("w", 2, style=Qt.PenStyle.DotLine))
        self.legend.setFont(look.font())
        self._place_legend()
        for arrow in (*self.eigen_arrows, *self.internal_arrows.values()):
            arrow.restyle()
            arrow.refresh()

    def _view_span(self) -> float:
        rect = self.view.viewRect()
        return max(min(rect.width(), rect.height()), 1e-12)

    def set_eigen_arrows(
        self, point: np.ndarray | None, eigenvalues=None, eigenvectors=None
    ) -> None:
        """Both eigenvectors of the Hessian at ``point`` as two-headed arrows (an eigenvector's
        sign is arbitrary); length grows with |lambda| (the larger is 9% of the view), colour by
        sign. ``None`` hides them."""
        self._eigen_args = None if point is None else (point, eigenvalues, eigenvectors)
        if point is None or not np.all(np.isfinite(eigenvalues)):
            for arrow in self.eigen_arrows:
                arrow.hide()
            self._hide_legend("eigen")
            return
        largest = float(np.max(np.abs(eigenvalues)))
        base = 0.09 * self._view_span()
        for k, arrow in enumerate(self.eigen_arrows):
            value = float(eigenvalues[k])
            share = abs(value) / largest if largest > 0 else 0.0
            half = base * (0.15 + 0.85 * share)
            vector = np.asarray(eigenvectors)[:, k] * half
            color = NEGATIVE_COLOR if value < 0 else POSITIVE_COLOR
            if arrow.color != color:
                arrow.restyle(color)
            arrow.set(np.asarray(point) - vector, np.asarray(point) + vector)
        self._show_legend(
            "eigen",
            QCoreApplication.translate(
                "MapView",
                "eigenvectors of H: <span style='color:{0}'>━ λ &gt; 0 curves up</span>"
                "&nbsp; <span style='color:{1}'>━ λ &lt; 0 curves down</span>"
                "&nbsp; (longer: larger |λ|)",
            ).format(POSITIVE_COLOR, NEGATIVE_COLOR),
        )

    def set_inspected(self, point: tuple[float, float] | None) -> None:
        """Ring the point the Hessian panel is pinned to (``None``: following a run)."""
        if point == self._shown_inspected:
            return  # called every frame; rebuilding the spot is not free
        self._shown_inspected = point
        if point is None:
            self.inspect_marker.setData([], [])
        else:
            self.inspect_marker.setData([point[0]], [point[1]])

    def set_escape(self, start=None, end=None) -> None:
        """A dotted line for the last "escape the saddle" step (``None`` clears it)."""
        if (start, end) == self._shown_escape:
            return
        self._shown_escape = (start, end)
        if start is None:
            self.escape_path.setData([], [])
        else:
            self.escape_path.setData([start[0], end[0]], [start[1], end[1]])

    def set_internals(self, arrows: dict[str, np.ndarray] | None) -> None:
        """The selected run's step at the cursor as the arrows of notes 001, from
        :func:`core.lab.arrows.step_arrows` (``None`` hides them): the momentum
        and the real step start at the point, the gradient step at the momentum's tip.

        The three vectors keep their recorded ratios; they are magnified together (never
        shrunk) so that the longest is at least 12% of the view, and the legend says by how much.
        """
        self._internal_args = arrows
        if arrows is None:
            self.internal_vectors = {}
            for arrow in self.internal_arrows.values():
                arrow.hide()
            self._hide_legend("internals")
            return
        start = arrows["start"]
        self.internal_vectors = {k: arrows[k] for k in self.internal_arrows if k in arrows}
        longest = max(float(np.hypot(*v)) for v in self.internal_vectors.values())
        target = 0.12 * self._view_span()
        # Magnified at most 10^4 times: a step that is numerically nothing (at a minimum) would
        # otherwise become an arrow pointing anywhere.
        self.internal_scale = min(target / longest, 1e4) if 0 < longest < target else 1.0
        # Head to tail: the momentum, then the gradient step from its tip; the real step closes
        # the triangle (real movement = momentum + gradient step, as in the notes' figure).
        momentum = self.internal_vectors.get("momentum")
        tails = {"gradient": start + (0 if momentum is None else momentum * self.internal_scale)}
        for key, arrow in self.internal_arrows.items():
            vector = self.internal_vectors.get(key)
            if vector is None or np.hypot(*vector) * self.internal_scale < 0.02 * target:
                arrow.hide()
            else:
                tail = tails.get(key, start)
                arrow.set(tail, tail + vector * self.internal_scale)
        if not any(arrow.visible() for arrow in self.internal_arrows.values()):
            self._hide_legend("internals")
            return
        parts = [
            f"<span style='color:{GRADIENT_COLOR}'>━ −η·g</span>",
            f"<span style='color:{MOTION_COLOR}'>╍ "
            + QCoreApplication.translate("MapView", "momentum")
            + "</span>"
            if "momentum" in self.internal_vectors
            else "",
            f"<span style='color:{MOTION_COLOR}'>━ "
            + QCoreApplication.translate("MapView", "actual step")
            + "</span>",
        ]
        scale = f"  (×{self.internal_scale:.3g})" if self.internal_scale != 1.0 else ""
        self._show_legend("internals", "&nbsp; ".join(p for p in parts if p) + scale)

    def _retranslate_legend(self) -> None:
        """Word the shown legend again in the current language (it is derived from state)."""
        if self._legend_owner == "eigen" and self._eigen_args is not None:
            self.set_eigen_arrows(*self._eigen_args)
        elif self._legend_owner == "internals" and self._internal_args is not None:
            self.set_internals(self._internal_args)

    def _show_legend(self, owner: str, html: str) -> None:
        self._legend_owner = owner
        html = f"<span style='color:white'>{html}</span>"
        if html != self._legend_html:  # re-laying out rich text every frame is not free
            self._legend_html = html
            self.legend.setHtml(html)
            self._place_legend()
        self.legend.setVisible(True)

    def _place_legend(self, *_args) -> None:
        """The view's bottom-left corner, at most 55% of its width (the run legend is in the
        top-right corner: on a short map the two stay apart)."""
        self.legend.setTextWidth(-1)
        natural = self.legend.textItem.boundingRect().width()
        self.legend.setTextWidth(min(natural, max(0.55 * self.view.width(), 120)))
        self.legend.setPos(4, self.view.height() - 4)

    def _hide_legend(self, owner: str) -> None:
        if self._legend_owner == owner:
            self._legend_owner = None
            self.legend.setVisible(False)

    def _view_range_changed(self, *_args) -> None:
        # Arrow heads turn with the aspect ratio; the glyph lengths follow the view's size.
        if self._eigen_args is not None:
            self.set_eigen_arrows(*self._eigen_args)
        if self._internal_args is not None:
            self.set_internals(self._internal_args)

"""The 2D map: heatmap, contour lines, colour bar, trajectories, start markers, hover readout.

Items are created once and updated with ``setData``/``setImage`` (explicit levels) every frame.
Mouse: click sets the selected run's start, shift-click adds a run there, a start marker can be
dragged; in draw mode a drag paints bumps (left) or dips (right-click or Alt) with the brush.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor

from core.lab import HoverPoint, LabModel
from desktop_app.style import appearance

COLORMAP = "viridis"

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
        self.outline = pg.PlotDataItem()
        self.shaft = pg.PlotDataItem()
        self.heads = [pg.ArrowItem(tipAngle=34) for _ in range(2 if both_ends else 1)]
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
        for head in self.heads:
            head.setStyle(
                headLen=look.marker(13),
                pen=look.pen((0, 0, 0, 200), 1),
                brush=pg.mkBrush(self.color),
            )

    def set(self, start: np.ndarray, end: np.ndarray) -> None:
        self.ends = (np.asarray(start, dtype=float), np.asarray(end, dtype=float))
        (x0, y0), (x1, y1) = self.ends
        for item in (self.outline, self.shaft):
            item.setData([x0, x1], [y0, y1])
            item.setVisible(True)
        self.refresh()

    def refresh(self) -> None:
        if self.ends is None:
            return
        start, end = self.ends
        tips = [(end, end - start)] + ([(start, start - end)] if self._both else [])
        pixel_w, pixel_h = self._plot.getViewBox().viewPixelSize()
        for head, (tip, (dx, dy)) in zip(self.heads, tips, strict=True):
            # ArrowItem: angle 0 points left, angles turn clockwise on screen (y down).
            angle = np.degrees(np.arctan2(dy / pixel_h, -dx / pixel_w))
            head.setStyle(angle=float(angle))
            head.setPos(float(tip[0]), float(tip[1]))
            head.setVisible(bool(np.hypot(dx / pixel_w, dy / pixel_h) >= 4.0))

    def hide(self) -> None:
        self.ends = None
        for item in (self.outline, self.shaft, *self.heads):
            item.setVisible(False)

    def visible(self) -> bool:
        return self.ends is not None


class _MapViewBox(pg.ViewBox):
    """A ViewBox that hands drags to the draw tool while draw mode is on."""

    def __init__(self, owner: MapView) -> None:
        super().__init__()
        self._owner = owner

    def mouseDragEvent(self, event, axis=None) -> None:  # noqa: N802 (Qt naming)
        if self._owner.draw_mode and event.button() in (
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.RightButton,
        ):
            event.accept()
            point = self.mapSceneToView(event.scenePos())
            lower = event.button() == Qt.MouseButton.RightButton or bool(
                event.modifiers() & Qt.KeyboardModifier.AltModifier
            )
            self._owner.paint.emit(
                point.x(), point.y(), -1.0 if lower else 1.0, event.isStart(), event.isFinish()
            )
            return
        super().mouseDragEvent(event, axis)


class MapView(pg.GraphicsLayoutWidget):
    """Shows one surface raster and any number of runs."""

    startClicked = Signal(float, float, bool)  # x, y, add_new_run (shift)
    startDragged = Signal(str, float, float)  # run id, x, y
    hovered = Signal(str)  # readout text
    paint = Signal(float, float, float, bool, bool)  # x, y, sign, stroke start, stroke end
    pointInspected = Signal(float, float)  # ctrl-click: inspect this point

    def __init__(self, parent=None, model: LabModel | None = None) -> None:
        super().__init__(parent)
        self.draw_mode = False
        self.raster = None
        # The hover point lives in the lab model (the page's, or the map's own): the map writes
        # it on mouse moves, None when the mouse leaves, and the readout only shows the model's.
        self.model = model if model is not None else LabModel()
        self.view = _MapViewBox(self)
        self.plot = self.addPlot(viewBox=self.view)
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "y")
        self.plot.showGrid(x=False, y=False)
        self.view.setAspectLocked(False)
        self.view.setMouseEnabled(x=True, y=True)

        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get(COLORMAP))
        self.plot.addItem(self.image)
        self.contours = pg.PlotDataItem(
            connect="finite", pen=pg.mkPen((255, 255, 255, 90), width=1)
        )
        self.plot.addItem(self.contours)
        self.colorbar = pg.ColorBarItem(
            colorMap=pg.colormap.get(COLORMAP), interactive=False, width=14
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        # Loss values as they are: an SI prefix ("x0.001") on a log scale only confuses.
        self.colorbar.axis.enableAutoSIPrefix(False)
        self.basins = pg.ImageItem(axisOrder="row-major")
        self.basins.setOpacity(0.55)
        self.basins.setVisible(False)
        self.plot.addItem(self.basins)
        self.swarm = pg.ScatterPlotItem(
            size=3, pen=None, brush=pg.mkBrush(255, 255, 255, 200), pxMode=True
        )
        self.plot.addItem(self.swarm)
        # A click on a marked critical point (e.g. Ctrl-click to inspect it) goes to the map.
        self.critical = _PassiveScatter(size=11, pxMode=True)
        self.plot.addItem(self.critical)

        self.paths: dict[str, pg.PlotDataItem] = {}
        self.heads: dict[str, pg.ScatterPlotItem] = {}
        self.starts: dict[str, pg.TargetItem] = {}
        self._dragging_start = False

        self.readout = pg.TextItem(
            anchor=(0, 0), color=(255, 255, 255), fill=pg.mkBrush(0, 0, 0, 150)
        )
        self.readout.setZValue(100)
        self.plot.addItem(self.readout, ignoreBounds=True)
        self.readout.setVisible(False)
        self.model.events.hover.connect(self._show_hover)
        self.destroyed.connect(lambda *_: _disconnect(self.model.events.hover, self._show_hover))
        self._build_curvature_items()
        appearance().changed.connect(self.apply_style)  # presenter mode, theme
        self.apply_style()

        self.scene().sigMouseMoved.connect(self._on_move)
        self.scene().sigMouseClicked.connect(self._on_click)

    # -- surface ---------------------------------------------------------------------------------

    def set_raster(self, raster) -> None:
        """Show a :class:`core.surfaces.raster.Raster` (computed by a worker)."""
        first = self.raster is None
        self.raster = raster
        xs, ys = raster.xs, raster.ys
        rect = QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0])
        self.image.setImage(raster.shown, levels=raster.levels, autoLevels=False, rect=rect)
        self.colorbar.setLevels(raster.levels)
        self._label_colorbar()
        contours = raster.contours
        self.contours.setData(contours[:, 0], contours[:, 1]) if len(
            contours
        ) else self.contours.setData([], [])
        if first or self.raster_changed_bounds(rect):
            self.view.setRange(rect, padding=0)
        self._bounds = rect

    def raster_changed_bounds(self, rect: QRectF) -> bool:
        return getattr(self, "_bounds", None) != rect

    def set_critical_points(self, points: list[tuple[float, float, str]]) -> None:
        """Mark critical points, one glyph and colour per kind (the Hessian panel's legend)."""
        symbols = {"minimum": "o", "maximum": "t", "saddle": "x", "degenerate": "d"}
        spots = [
            {
                "pos": (x, y),
                "symbol": symbols.get(kind, "o"),
                "brush": pg.mkBrush(QColor(KIND_COLORS.get(kind, "#ffffff"))),
                "pen": pg.mkPen((0, 0, 0, 220), width=1.2),
                "data": kind,
            }
            for x, y, kind in points
        ]
        self.critical.setData(spots)

    # -- runs ------------------------------------------------------------------------------------

    def ensure_run(self, run_id: str, color: QColor) -> None:
        if run_id in self.paths:
            self.set_run_color(run_id, color)
            return
        look = appearance()
        path = pg.PlotDataItem(pen=look.pen(color, 2), connect="finite")
        head = pg.ScatterPlotItem(
            size=look.marker(10), pen=look.pen("w", 1.5), brush=pg.mkBrush(color)
        )
        start = pg.TargetItem(
            pos=(0, 0),
            size=look.marker(12),
            symbol="crosshair",
            pen=look.pen(color, 2),
            movable=True,
        )
        start.sigPositionChangeFinished.connect(
            lambda item, rid=run_id: self._start_moved(rid, item)
        )
        for item in (path, head, start):
            self.plot.addItem(item)
        path.setZValue(10)
        head.setZValue(11)
        start.setZValue(12)
        self.paths[run_id], self.heads[run_id], self.starts[run_id] = path, head, start

    def set_run_color(self, run_id: str, color: QColor) -> None:
        self.paths[run_id].setPen(appearance().pen(color, 2))
        self.heads[run_id].setBrush(pg.mkBrush(color))
        self.starts[run_id].setPen(appearance().pen(color, 2))

    # -- presenter mode, theme, language ---------------------------------------------------------

    def apply_style(self) -> None:
        """Line widths, marker sizes, axis fonts and colours from :func:`appearance`."""
        look = appearance()
        look.style_plot(self.plot, self)
        look.style_axis(self.colorbar.axis)
        self.contours.setPen(look.pen((255, 255, 255, 90), 1))
        self.swarm.setSize(look.marker(3))
        self.critical.setSize(look.marker(11))
        for run_id, path in self.paths.items():
            self.set_run_color(run_id, path.opts["pen"].color())
            self.heads[run_id].setSize(look.marker(10))
            self.heads[run_id].setPen(look.pen("w", 1.5))
            start = self.starts[run_id]
            start.scale = look.marker(12)  # TargetItem keeps its pixel size here
            start.viewTransformChanged()
            start.update()
        self._label_colorbar()

    def _label_colorbar(self) -> None:
        log_scale = self.raster is None or self.raster.log_scale
        self.colorbar.axis.setLabel(self.tr("log10 loss") if log_scale else self.tr("loss"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self._label_colorbar()
            self._retranslate_legend()
        super().changeEvent(event)

    def remove_run(self, run_id: str) -> None:
        for table in (self.paths, self.heads, self.starts):
            item = table.pop(run_id, None)
            if item is not None:
                self.plot.removeItem(item)

    def set_run_visible(self, run_id: str, visible: bool) -> None:
        for table in (self.paths, self.heads, self.starts):
            if run_id in table:
                table[run_id].setVisible(visible)

    def set_start(self, run_id: str, x: float, y: float) -> None:
        if run_id in self.starts:
            self.starts[run_id].setPos(x, y)

    def set_path(self, run_id: str, xy: np.ndarray) -> None:
        """The trajectory up to the cursor, shape (T, 2); its last point is the head."""
        path = self.paths[run_id]
        if len(xy) == 0:
            path.setData([], [])
            self.heads[run_id].setData([], [])
            return
        path.setData(xy[:, 0], xy[:, 1])
        self.heads[run_id].setData([xy[-1, 0]], [xy[-1, 1]])

    def set_swarm(self, xy: np.ndarray | None) -> None:
        if xy is None:
            self.swarm.setData([], [])
            return
        data = self.swarm.data
        if len(data) == len(xy):
            # Same points, new places: write the arrays in place (setData rebuilds every spot).
            data["x"], data["y"] = xy[:, 0], xy[:, 1]
            self.swarm.prepareGeometryChange()
            self.swarm.bounds = [None, None]
            self.swarm.update()
            return
        self.swarm.setData(x=xy[:, 0], y=xy[:, 1])

    def set_basins(self, rgba: np.ndarray | None, rect: QRectF | None = None) -> None:
        if rgba is None:
            self.basins.setVisible(False)
            return
        self.basins.setImage(rgba, autoLevels=False, levels=(0, 255), rect=rect)
        self.basins.setVisible(True)

    # -- curvature and optimizer internals ---------------------------------------------------

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
        self.legend = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(0, 0, 0, 160))
        self.legend.setZValue(100)
        self.plot.addItem(self.legend, ignoreBounds=True)
        self.legend.setVisible(False)
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
            self.tr(
                "eigenvectors of H: <span style='color:{0}'>━ λ &gt; 0 curves up</span>"
                "&nbsp; <span style='color:{1}'>━ λ &lt; 0 curves down</span>"
                "&nbsp; (longer: larger |λ|)"
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
            f"<span style='color:{MOTION_COLOR}'>╍ " + self.tr("momentum") + "</span>"
            if "momentum" in self.internal_vectors
            else "",
            f"<span style='color:{MOTION_COLOR}'>━ " + self.tr("actual step") + "</span>",
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
        rect = self.view.viewRect()
        self.legend.setPos(rect.left(), rect.top())  # the bottom-left corner (y points up)
        self.legend.setVisible(True)

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

    # -- mouse -----------------------------------------------------------------------------------

    def _start_moved(self, run_id: str, item: pg.TargetItem) -> None:
        pos = item.pos()
        self.startDragged.emit(run_id, float(pos.x()), float(pos.y()))

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.draw_mode or event.isAccepted():
            return
        if not self.plot.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.view.mapSceneToView(event.scenePos())
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.pointInspected.emit(point.x(), point.y())
            return
        self.startClicked.emit(
            point.x(), point.y(), bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        )

    def _on_move(self, scene_pos: QPointF) -> None:
        if self.raster is None or not self.view.sceneBoundingRect().contains(scene_pos):
            self.model.set_hover(None)
            return
        point = self.view.mapSceneToView(scene_pos)
        x, y = point.x(), point.y()
        self.model.set_hover(x, y, float(self.raster.loss_at(x, y)))

    def hover_at(self, x: float | None, y: float | None = None) -> None:
        """What the mouse over view coordinates ``(x, y)`` does (None: it left); for tests."""
        if x is None or y is None or self.raster is None:
            self.model.set_hover(None)
        else:
            self.model.set_hover(x, y, float(self.raster.loss_at(x, y)))

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        self.model.set_hover(None)
        super().leaveEvent(event)

    @staticmethod
    def readout_text(hover: HoverPoint) -> str:
        loss = "" if hover.loss is None else f"   loss = {hover.loss:.5g}"
        return f"x = {hover.x:.4g}   y = {hover.y:.4g}{loss}"

    def _show_hover(self, hover: HoverPoint | None) -> None:
        """The readout follows ``model.hover`` (and nothing else)."""
        if hover is None:
            self.readout.setVisible(False)
            self.hovered.emit("")
            return
        text = self.readout_text(hover)
        self.readout.setText(text)
        view_rect = self.view.viewRect()
        self.readout.setPos(view_rect.left(), view_rect.bottom())
        self.readout.setVisible(True)
        self.hovered.emit(text)

    @contextmanager
    def without_readout(self) -> Iterator[None]:
        """Pictures (PNG, SVG, GIF frames) never show the hover readout."""
        shown = self.readout.isVisible()
        self.readout.setVisible(False)
        try:
            yield
        finally:
            self.readout.setVisible(shown and self.model.hover is not None)

    def click_at(self, x: float, y: float, shift: bool = False) -> None:
        """What a click at view coordinates does (used by tests and keyboard paths)."""
        self.startClicked.emit(x, y, shift)


def _disconnect(signal, slot) -> None:
    with suppress(RuntimeError, ValueError, TypeError):
        signal.disconnect(slot)

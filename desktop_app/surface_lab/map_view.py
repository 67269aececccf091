"""The 2D map: heatmap, contour lines, colour bar, trajectories, start markers, hover readout.

Items are created once and updated with ``setData``/``setImage`` (explicit levels) every frame.
Mouse: click sets the selected run's start, shift-click adds a run there, a start marker can be
dragged; in draw mode a drag paints bumps (left) or dips (right-click or Alt) with the brush.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor

COLORMAP = "viridis"


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

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.draw_mode = False
        self.raster = None
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
        self.basins = pg.ImageItem(axisOrder="row-major")
        self.basins.setOpacity(0.55)
        self.basins.setVisible(False)
        self.plot.addItem(self.basins)
        self.swarm = pg.ScatterPlotItem(
            size=3, pen=None, brush=pg.mkBrush(255, 255, 255, 200), pxMode=True
        )
        self.plot.addItem(self.swarm)
        self.critical = pg.ScatterPlotItem(size=11, pxMode=True)
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
        self.colorbar.axis.setLabel("log10 loss" if raster.log_scale else "loss")
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
        symbols = {"minimum": "o", "maximum": "t", "saddle": "x", "degenerate": "d"}
        spots = [
            {
                "pos": (x, y),
                "symbol": symbols.get(kind, "o"),
                "brush": pg.mkBrush(255, 255, 255, 60),
                "pen": pg.mkPen("w", width=1.5),
            }
            for x, y, kind in points
        ]
        self.critical.setData(spots)

    # -- runs ------------------------------------------------------------------------------------

    def ensure_run(self, run_id: str, color: QColor) -> None:
        if run_id in self.paths:
            self.set_run_color(run_id, color)
            return
        path = pg.PlotDataItem(pen=pg.mkPen(color, width=2), connect="finite")
        head = pg.ScatterPlotItem(size=10, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(color))
        start = pg.TargetItem(
            pos=(0, 0), size=12, symbol="crosshair", pen=pg.mkPen(color, width=2), movable=True
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
        self.paths[run_id].setPen(pg.mkPen(color, width=2))
        self.heads[run_id].setBrush(pg.mkBrush(color))
        self.starts[run_id].setPen(pg.mkPen(color, width=2))

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
            self.readout.setVisible(False)
            return
        point = self.view.mapSceneToView(scene_pos)
        x, y = point.x(), point.y()
        loss = self.raster.loss_at(x, y)
        text = f"x = {x:.4g}   y = {y:.4g}   loss = {loss:.5g}"
        self.readout.setText(text)
        view_rect = self.view.viewRect()
        self.readout.setPos(view_rect.left(), view_rect.bottom())
        self.readout.setVisible(True)
        self.hovered.emit(text)

    def click_at(self, x: float, y: float, shift: bool = False) -> None:
        """What a click at view coordinates does (used by tests and keyboard paths)."""
        self.startClicked.emit(x, y, shift)

"""The 2D map: heatmap, contour lines, colour bar, trajectories, start markers, hover readout.

Items are created once and updated with ``setData``/``setImage`` (explicit levels) every frame.
Mouse: click sets the selected run's start, shift-click adds a run there, a start marker can be
dragged; in draw mode a drag paints bumps (left) or dips (right-click or Alt) with the brush.
The curvature and optimizer-internals arrows are drawn by ``map_overlays.CurvatureOverlays``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor

from core.lab import HoverPoint, LabModel
from core.palette import OUTLINE, RunStyle, run_style
from desktop_app.style import appearance
from desktop_app.surface_lab.map_overlays import (
    GRADIENT_COLOR,
    KIND_COLORS,
    MOTION_COLOR,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    CurvatureOverlays,
    _PassiveScatter,
)
from desktop_app.widgets.axes import style_legend

# The colours are also importable from here (the eigen panel uses them).
__all__ = [
    "COLORMAP",
    "GRADIENT_COLOR",
    "KIND_COLORS",
    "MOTION_COLOR",
    "NEGATIVE_COLOR",
    "POSITIVE_COLOR",
    "MapView",
]

COLORMAP = "viridis"
PATH_WIDTH = 2.0  # px of a run's path (before presenter mode's scale)
OUTLINE_EXTRA = 2.0  # px its dark outline is wider (one on each side)
HEAD_SIZE = 10.0  # px of a run's head marker
LEGEND_ROWS = 4  # more runs than this: the map's key in two columns


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


class MapView(CurvatureOverlays, pg.GraphicsLayoutWidget):
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
        self.set_axis_names(("x", "y"))
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

        self.paths: dict[str, pg.PlotCurveItem] = {}
        self.outlines: dict[str, pg.PlotCurveItem] = {}  # dark, under each path
        self.heads: dict[str, pg.ScatterPlotItem] = {}
        self.starts: dict[str, pg.TargetItem] = {}
        self.run_styles: dict[str, tuple[QColor, RunStyle]] = {}  # colour, dash and marker
        self.run_labels: dict[str, str] = {}
        self._dragging_start = False
        # Which run is which, in the window and in every picture taken of the map: a key in the
        # view's top-right corner (a surface's corners are mostly high and empty; runs tend to
        # start top-left, the arrows' key is bottom-left); the user may drag it elsewhere.
        self.show_run_legend = True  # False where a map shows one run its title names
        self.run_legend = pg.LegendItem(offset=(-8, 8))
        self.run_legend.setParentItem(self.view)
        self.run_legend.setZValue(100)
        self._legend_samples: dict[str, pg.PlotDataItem] = {}

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

    def set_axis_names(self, names: tuple[str, str]) -> None:
        """Name the map's axes after what they are (a data surface's parameters: w, b)."""
        self.axis_names = tuple(names)
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])

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

    def ensure_run(
        self, run_id: str, color: QColor, index: int = 0, label: str = "", legend: bool = True
    ) -> None:
        """Items for a run: its path over a dark outline, its head (the marker of run number
        ``index``) and its draggable start; ``label`` names it in the legend (``legend=False``:
        the caller refreshes the legend once, after a batch of runs)."""
        if run_id not in self.paths:
            # Bare curves (a PlotDataItem wraps one): a path is set every frame, and the
            # wrapper's bounds and display-data bookkeeping cost more than the curve itself.
            path = pg.PlotCurveItem(connect="finite")
            outline = pg.PlotCurveItem(connect="finite")
            head = pg.ScatterPlotItem()
            start = pg.TargetItem(pos=(0, 0), symbol="crosshair", movable=True)
            start.sigPositionChangeFinished.connect(
                lambda item, rid=run_id: self._start_moved(rid, item)
            )
            for z, item in enumerate((outline, path, head, start)):
                self.plot.addItem(item)
                item.setZValue(9 + z)
            self.paths[run_id], self.outlines[run_id] = path, outline
            self.heads[run_id], self.starts[run_id] = head, start
        self.set_run_style(run_id, color, index, label, legend)

    def set_run_style(
        self, run_id: str, color: QColor, index: int, label: str = "", legend: bool = True
    ) -> None:
        """Colour, dash and marker of a run (``core.palette.run_style(index)``, in ``color``)."""
        look = (QColor(color), run_style(index))
        restyle = self.run_styles.get(run_id) != look
        self.run_styles[run_id] = look
        if label:
            self.run_labels[run_id] = label
        if restyle:  # pens and markers are made anew only when the look changed
            self._style_run(run_id)
        if legend:
            self._fill_run_legend()

    def set_run_color(self, run_id: str, color: QColor) -> None:
        _old, style = self.run_styles.get(run_id, (None, run_style(0)))
        self.run_styles[run_id] = (QColor(color), style)
        self._style_run(run_id)
        self._fill_run_legend()

    def _run_pen(self, run_id: str, width: float):
        color, style = self.run_styles[run_id]
        options = {"dash": list(style.dash)} if style.dash else {}
        return appearance().pen(color, width, **options)

    def _style_run(self, run_id: str) -> None:
        look = appearance()
        color, style = self.run_styles[run_id]
        self.paths[run_id].setPen(self._run_pen(run_id, PATH_WIDTH))
        # The outline has the path's dashes (a dash pattern counts in pen widths: scaled to the
        # wider pen), so a dashed path's gaps show the map, not a dark line.
        width = PATH_WIDTH + OUTLINE_EXTRA
        dash = [length * PATH_WIDTH / width for length in style.dash]
        self.outlines[run_id].setPen(look.pen(OUTLINE, width, **({"dash": dash} if dash else {})))
        head = self.heads[run_id]
        head.setSymbol(style.symbol)
        head.setSize(look.marker(HEAD_SIZE))
        head.setPen(look.pen(OUTLINE, 1.5))
        head.setBrush(pg.mkBrush(color))
        start = self.starts[run_id]
        start.setPen(look.pen(color, 2))
        start.scale = look.marker(12)  # TargetItem keeps its pixel size here
        start.viewTransformChanged()
        start.update()

    def _legend_sample(self, run_id: str) -> pg.PlotDataItem:
        """A stand-in item for the legend: the run's pen (colour, dash) and head marker."""
        color, style = self.run_styles[run_id]
        look = appearance()
        return pg.PlotDataItem(
            pen=self._run_pen(run_id, PATH_WIDTH),
            symbol=style.symbol,
            symbolSize=look.marker(HEAD_SIZE),
            symbolBrush=pg.mkBrush(color),
            symbolPen=look.pen(OUTLINE, 1),
        )

    def _fill_run_legend(self) -> None:
        """One entry per visible run, in list order, in the current mode's font; rebuilt only
        when what it shows changed (opening a scene asks dozens of times for the same key)."""
        look = appearance()
        shown = tuple(
            (
                run_id,
                self.run_labels.get(run_id, run_id),
                self.run_styles[run_id][0].name(),
                self.run_styles[run_id][1],
            )
            for run_id, path in self.paths.items()
            if path.isVisible() and run_id in self.run_styles
        )
        key = (shown, look.presenter, look.theme)
        if key == getattr(self, "_legend_key", None):
            return
        self._legend_key = key
        legend = self.run_legend
        legend.clear()
        self._legend_samples = {}
        for run_id, path in self.paths.items():
            if not path.isVisible() or run_id not in self.run_styles:
                continue
            sample = self._legend_sample(run_id)
            self._legend_samples[run_id] = sample
            legend.addItem(sample, self.run_labels.get(run_id, run_id))
        # Many runs: two columns, so the key stays low in its corner of the map.
        legend.setColumnCount(2 if len(legend.items) > LEGEND_ROWS else 1)
        style_legend(legend)  # the tick labels' font of the mode, the theme's text colour
        chip = appearance().plot_background()
        chip.setAlpha(180)  # on a chip of the plot's background colour, the map faint behind
        legend.setBrush(pg.mkBrush(chip))
        legend.setPen(appearance().pen(appearance().plot_foreground(), 1))
        legend.setVisible(self.show_run_legend and bool(legend.items))

    # -- presenter mode, theme, language ---------------------------------------------------------

    def apply_style(self) -> None:
        """Line widths, marker sizes, axis fonts and colours from :func:`appearance`."""
        look = appearance()
        look.style_plot(self.plot, self)
        look.style_axis(self.colorbar.axis)
        self.contours.setPen(look.pen((255, 255, 255, 90), 1))
        self.swarm.setSize(look.marker(3))
        self.critical.setSize(look.marker(11))
        for run_id in self.paths:
            self._style_run(run_id)
        self._fill_run_legend()
        self.readout.setFont(look.font())
        self._label_colorbar()

    def _label_colorbar(self) -> None:
        """Name what the colours are: on the log scale, log10 of the loss above its minimum
        plus a small floor (so that the minimum itself has a colour), not log10 of the loss."""
        log_scale = self.raster is None or self.raster.log_scale
        self.colorbar.axis.setLabel(
            self.tr("log10(loss − min + ε)") if log_scale else self.tr("loss")
        )
        self.colorbar.axis.setToolTip(
            self.tr("ε: a small floor, so that the lowest loss has a colour too")
            if log_scale
            else ""
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self._label_colorbar()
            self._retranslate_legend()
        super().changeEvent(event)

    def remove_run(self, run_id: str, legend: bool = True) -> None:
        for table in (self.paths, self.outlines, self.heads, self.starts):
            item = table.pop(run_id, None)
            if item is not None:
                self.plot.removeItem(item)
        self.run_styles.pop(run_id, None)
        self.run_labels.pop(run_id, None)
        if legend:
            self._fill_run_legend()

    def set_run_visible(self, run_id: str, visible: bool, legend: bool = True) -> None:
        for table in (self.paths, self.outlines, self.heads, self.starts):
            if run_id in table:
                table[run_id].setVisible(visible)
        if legend:
            self._fill_run_legend()

    def refresh_legend(self) -> None:
        """The legend after a batch of changes made with ``legend=False``."""
        self._fill_run_legend()

    def set_start(self, run_id: str, x: float, y: float) -> None:
        if run_id in self.starts:
            self.starts[run_id].setPos(x, y)

    def set_path(self, run_id: str, xy: np.ndarray) -> None:
        """The trajectory up to the cursor, shape (T, 2); its last point is the head."""
        path, outline = self.paths[run_id], self.outlines[run_id]
        if len(xy) == 0:
            path.setData([], [])
            outline.setData([], [])
            self.heads[run_id].setData([], [])
            return
        x, y = xy[:, 0], xy[:, 1]
        path.setData(x, y)
        outline.setData(x, y)
        _move_points(self.heads[run_id], x[-1:], y[-1:])

    def set_swarm(self, xy: np.ndarray | None) -> None:
        if xy is None:
            self.swarm.setData([], [])
            return
        _move_points(self.swarm, xy[:, 0], xy[:, 1])

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

    def readout_text(self, hover: HoverPoint) -> str:
        loss = "" if hover.loss is None else f"   loss = {hover.loss:.5g}"
        x_name, y_name = self.axis_names
        return f"{x_name} = {hover.x:.4g}   {y_name} = {hover.y:.4g}{loss}"

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


def _move_points(scatter: pg.ScatterPlotItem, x: np.ndarray, y: np.ndarray) -> None:
    """Show ``scatter``'s points at ``x, y``: as many points as before are moved in place
    (``setData`` rebuilds every spot, and a head or the swarm moves every frame)."""
    data = scatter.data
    if len(data) != len(x):
        scatter.setData(x=x, y=y)
        return
    data["x"], data["y"] = x, y
    scatter.prepareGeometryChange()
    scatter.bounds = [None, None]
    scatter.update()


def _disconnect(signal, slot) -> None:
    with suppress(RuntimeError, ValueError, TypeError):
        signal.disconnect(slot)

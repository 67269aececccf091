"""Pictures of widgets stacked top to bottom: PNG (``QWidget.grab``) and SVG (the same widgets
painted into a ``QSvgGenerator``, then made portable by ``desktop_app.export_svg``); every file
is made in memory and written complete or not at all.

A picture that leaves the app explains itself: :func:`with_run_legend` makes sure the runs it
shows are named in a legend (the map's own run legend where it names them; otherwise entries or
a legend are added for as long as the picture is taken), with each run's colour, dash and marker
so that a black-and-white printout still tells them apart."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from PySide6.QtCore import (
    QBuffer,
    QIODevice,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QRegion, QTransform
from PySide6.QtWidgets import QGraphicsView, QWidget

from core.palette import run_style
from desktop_app.documents import write_file_atomic
from desktop_app.export_svg import DataClip, portable_svg

SVG_DPI = 96  # CSS pixels: browsers, Inkscape and office programs show the SVG at the PNG's size


class ExportError(Exception):
    """An export that could not be written; the message is for the user."""


# --- pictures -----------------------------------------------------------------------------------
def plot_area(page) -> QWidget:
    """The Surface Lab's metric plots without their option check boxes (for pictures)."""
    return getattr(page.plots, "layout_widget", page.plots)


def stacked_size(widgets: Sequence[QWidget]) -> QSize:
    return QSize(max(w.width() for w in widgets), sum(w.height() for w in widgets))


@contextmanager
def without_hover_readouts(widgets: Sequence[QWidget]) -> Iterator[None]:
    """Hide every map's hover readout (``MapView.without_readout``) while pictures are taken:
    what the mouse happened to point at is no part of an exported figure."""
    with ExitStack() as stack:
        for widget in widgets:
            for view in (widget, *widget.findChildren(QGraphicsView)):
                hide = getattr(view, "without_readout", None)
                if callable(hide):
                    stack.enter_context(hide())
        yield


@dataclass(frozen=True)
class RunKey:
    """One run as a legend names it: its label, colour and place in the run list (which gives
    its dash and marker, ``core.palette.run_style``)."""

    label: str
    colour: QColor
    index: int


def run_keys(page) -> list[RunKey]:
    """The visible runs of a Surface Lab ``page``, in list order."""
    return [
        RunKey(run.label, QColor(run.color), index)
        for index, run in enumerate(page.runs.values())
        if run.visible
    ]


def _scene_items(widgets: Sequence[QWidget], kind: type) -> Iterator:
    """The visible items of type ``kind`` of each visible pyqtgraph view in ``widgets``, view by
    view in order."""
    import pyqtgraph as pg

    for widget in widgets:
        views = widget.findChildren(pg.GraphicsView)
        if isinstance(widget, pg.GraphicsView):
            views.insert(0, widget)
        for view in views:
            if view.isVisible() and view.scene() is not None:
                found = [i for i in view.scene().items() if isinstance(i, kind) and i.isVisible()]
                yield sorted(found, key=lambda i: (i.sceneBoundingRect().top(), i.x()))


def _legends(widgets: Sequence[QWidget]) -> Iterator:
    import pyqtgraph as pg

    for legends in _scene_items(widgets, pg.LegendItem):
        yield from (legend for legend in legends if legend.items)


def legend_labels(widgets: Sequence[QWidget]) -> list[str]:
    """The texts of every entry of every visible legend drawn in ``widgets``."""
    return [label.text for legend in _legends(widgets) for _sample, label in legend.items]


def _main_plot(widgets: Sequence[QWidget]):
    """The largest visible plot of the first widget that has one (the Surface Lab's map)."""
    import pyqtgraph as pg

    for widget in widgets:
        plots = [plot for found in _scene_items([widget], pg.PlotItem) for plot in found]
        if plots:
            return max(plots, key=lambda p: p.boundingRect().width() * p.boundingRect().height())
    return None


def _sample(run: RunKey):
    """A legend sample for ``run``: a line in its colour and dash with its marker."""
    import pyqtgraph as pg

    from desktop_app.style import appearance
    from desktop_app.widgets.axes import run_pen

    look = appearance()
    return pg.PlotDataItem(
        pen=run_pen(run.index, 2, run.colour),
        symbol=run_style(run.index).symbol,
        symbolBrush=pg.mkBrush(run.colour),
        symbolPen=look.pen(look.plot_text(), 1),
        symbolSize=look.marker(8),
    )


def key_legend(runs: Sequence[RunKey]):
    """A legend item naming ``runs``, on a chip of the plot's background colour."""
    import pyqtgraph as pg

    from desktop_app.style import appearance
    from desktop_app.widgets.axes import style_legend

    look = appearance()
    background = QColor(look.plot_background())
    background.setAlpha(210)
    legend = pg.LegendItem(
        offset=(-8, 8), brush=pg.mkBrush(background), pen=look.pen(look.plot_text(), 1)
    )
    for run in runs:
        legend.addItem(_sample(run), run.label)
    style_legend(legend, delta_points=0)
    legend.setZValue(1000)
    return legend


@contextmanager
def with_run_legend(widgets: Sequence[QWidget], runs: Sequence[RunKey]) -> Iterator[None]:
    """While the picture is taken, every one of ``runs`` is named in a legend. Runs that a
    visible legend already names (the map's run legend) are left as they are; the others (a
    swarm, which the map's legend leaves out) are added to that legend, or, where no legend is
    shown, a new one goes in the top-right corner of the largest plot. What was added is taken
    away afterwards."""
    shown = legend_labels(widgets)
    missing = [run for run in runs if run.label not in shown]
    legends = list(_legends(widgets))
    plot = _main_plot(widgets) if missing and not legends else None
    if not missing or (not legends and plot is None):
        yield
        return
    if legends:
        legend, added = legends[0], [_sample(run) for run in missing]
        for sample, run in zip(added, missing, strict=True):
            legend.addItem(sample, run.label)
        try:
            yield
        finally:
            for sample in added:
                legend.removeItem(sample)
        return
    legend = key_legend(missing)
    legend.setParentItem(plot.vb)
    legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-8, 8))
    try:
        yield
    finally:
        scene = legend.scene()
        legend.setParentItem(None)
        if scene is not None:
            scene.removeItem(legend)


def render_image(widgets: Sequence[QWidget]) -> QImage:
    """The widgets as they look now, stacked top to bottom, in device pixels."""
    with without_hover_readouts(widgets):
        grabs = [w.grab() for w in widgets]
    ratio = grabs[0].devicePixelRatio()
    width = max(g.width() for g in grabs)
    height = sum(g.height() for g in grabs)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(widgets[0].palette().window().color())
    painter = QPainter(image)
    y = 0
    for grab in grabs:
        grab.setDevicePixelRatio(1.0)  # place by device pixels
        painter.drawPixmap(0, y, grab)
        y += grab.height()
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


def image_bytes(image: QImage, fmt: str = "PNG") -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise ExportError(f"cannot encode the picture as {fmt}")
    return bytes(buffer.data())


def write_png(widgets: Sequence[QWidget], path: str | os.PathLike[str]) -> QSize:
    """Write the widgets as one PNG; returns its size in pixels."""
    image = render_image(widgets)
    _write(path, image_bytes(image, "PNG"))
    return image.size()


def svg_text(widgets: Sequence[QWidget], title: str = "LossLab") -> str:
    """The widgets as SVG: plots and maps as vectors, other widgets as embedded pictures."""
    from PySide6.QtSvg import QSvgGenerator

    size = stacked_size(widgets)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # SVG Tiny 1.2 (Qt's default) writes no clip paths. The SVG 1.1 mode does, but Qt 6.11 gets
    # them wrong (after a nested clip is restored the inner one stays, so axes vanish, and a
    # widget's offset is left out); portable_svg adds the plots' own clips instead.
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(QPoint(0, 0), size))
    generator.setResolution(SVG_DPI)
    generator.setTitle(title)
    generator.setDescription("LossLab")
    painter = QPainter(generator)
    painter.fillRect(QRect(QPoint(0, 0), size), widgets[0].palette().window())
    clips: list[DataClip] = []
    y = 0
    with without_hover_readouts(widgets):
        for widget in widgets:
            area = QRect(0, y, widget.width(), widget.height())
            _paint_vector(painter, widget, QPoint(0, y), area, clips)
            y += widget.height()
    painter.end()
    return portable_svg(bytes(buffer.data()).decode("utf-8"), size, clips)


def _paint_vector(
    painter: QPainter, widget: QWidget, origin: QPoint, visible: QRect, clips: list[DataClip]
) -> None:
    """Paint the part of ``widget`` inside ``visible`` with its top-left corner at ``origin``.

    A graphics view is painted as vectors with ``QGraphicsView.render`` and its plots' data
    areas are noted in ``clips``; a widget holding no graphics view is one picture; a container
    of views is a picture of itself alone, then each child.
    """
    rect = QRect(origin, widget.size()).intersected(visible)
    if rect.isEmpty():
        return
    local = rect.translated(-origin)  # the visible part, in the widget's own coordinates
    if isinstance(widget, QGraphicsView):
        at = origin + widget.viewport().pos()
        source = rect.translated(-at).intersected(widget.viewport().rect())
        QGraphicsView.render(widget, painter, QRectF(source.translated(at)), source)
        clips.extend(_data_clips(widget, QTransform.fromTranslate(at.x(), at.y()), rect))
        return
    views = [v for v in widget.findChildren(QGraphicsView) if v.isVisibleTo(widget)]
    if not views:
        painter.drawPixmap(rect.topLeft(), widget.grab(local))
        return
    ratio = widget.devicePixelRatioF()
    own = QPixmap(widget.size() * ratio)
    own.setDevicePixelRatio(ratio)
    own.fill(Qt.GlobalColor.transparent)
    flags = QWidget.RenderFlag.DrawWindowBackground if widget.autoFillBackground() else None
    QWidget.render(widget, own, QPoint(), QRegion(), flags or QWidget.RenderFlag(0))
    part = own.copy(QRect(local.topLeft() * ratio, local.size() * ratio))
    painter.drawPixmap(rect.topLeft(), part)
    for child in widget.children():
        if isinstance(child, QWidget) and child.isVisible() and not child.isWindow():
            _paint_vector(painter, child, origin + child.pos(), rect, clips)


def _data_clips(view: QGraphicsView, to_svg: QTransform, visible: QRect) -> list[DataClip]:
    """Each pyqtgraph ViewBox of ``view``: its area and the matrices its items are drawn with."""
    import pyqtgraph as pg

    found = []
    to_device = view.viewportTransform() * to_svg
    for box in view.scene().items():
        if not isinstance(box, pg.ViewBox) or not box.isVisible():
            continue
        area = to_device.mapRect(box.sceneBoundingRect()).intersected(QRectF(visible))
        items, matrices = list(box.childGroup.childItems()), []
        while items:
            item = items.pop()
            items.extend(item.childItems())
            m = item.sceneTransform() * to_device
            if (m.m11(), m.m12(), m.m21(), m.m22()) != (1.0, 0.0, 0.0, 1.0):
                # Only items drawn in data units: a bare translation is no sign of the plot
                # (an axis and a legend in the plot's corner can share one).
                matrices.append((m.m11(), m.m12(), m.m21(), m.m22(), m.dx(), m.dy()))
        found.append(DataClip(area, matrices))
    return found


def write_svg(
    widgets: Sequence[QWidget], path: str | os.PathLike[str], title: str = "LossLab"
) -> QSize:
    _write(path, svg_text(widgets, title).encode("utf-8"))
    return stacked_size(widgets)


def _write(path: str | os.PathLike[str], data: bytes) -> None:
    error = write_file_atomic(path, data)
    if error is not None:
        raise ExportError(f"{path}: {error}")

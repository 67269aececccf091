"""Export what LossLab shows: PNG and SVG pictures, an animated GIF of the runs, CSV of metrics.

Pictures are of a list of widgets stacked top to bottom (the current view; the view with the
plots under it; the whole window). PNG is ``QWidget.grab``; SVG paints the same widgets into a
``QSvgGenerator`` (pyqtgraph's own SVG exporter fails with these versions) and then rewrites the
few things other programs draw differently from Qt (:func:`portable_svg`). The GIF moves the
timeline cursor through the run and grabs a frame per step, a few frames per timer tick on the
GUI thread (widgets may only be painted there), so the window stays responsive; Pillow writes it.

Every export is complete or nothing: the file is made in memory (``QBuffer``/``BytesIO``) and
written with :func:`core.fileio.write_atomic`, so a full disk leaves any old file whole, and the
user sees an error, never "Wrote ...".
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QIODevice,
    QObject,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QFont,
    QFontInfo,
    QImage,
    QPainter,
    QPixmap,
    QRegion,
    QTransform,
)
from PySide6.QtWidgets import QFileDialog, QGraphicsView, QMenu, QProgressDialog, QWidget

from desktop_app.documents import user_settings, write_file_atomic

SVG_DPI = 96  # CSS pixels: browsers, Inkscape and office programs show the SVG at the PNG's size
GIF_FRAMES = 90  # frames in a GIF (fewer when the run has fewer steps)
GIF_MAX_WIDTH = 720  # px: sharp on a slide, a few MB at most
GIF_FRAME_MS = 50  # 20 frames a second
GIF_HOLD_MS = 2000  # the last frame stays a while before the loop starts again
SLICE_SECONDS = 0.04  # GUI time per timer tick while rendering GIF frames
_UI_COLOURS = [(0, 0, 0), (255, 255, 255), (150, 150, 150)]  # plot background, markers, axes
CSV_COLUMNS = ("step", "run", "points", "x", "y", "loss", "grad_norm", "lr", "diverged")


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


@dataclass
class DataClip:
    """A plot's data area in the SVG (``rect``) and the matrices of the items drawn inside it."""

    rect: QRectF
    matrices: list[tuple[float, ...]]


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


# --- SVG clean-up -------------------------------------------------------------------------------

_SVG = "http://www.w3.org/2000/svg"
_MATRIX = re.compile(r"matrix\(([^)]*)\)")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SCALED_TAGS = {"polyline", "polygon", "path", "line"}


def portable_svg(text: str, size: QSize, clips: Sequence[DataClip] = ()) -> str:
    """Rewrite Qt's SVG so that other programs draw it as Qt does.

    * ``width``/``height`` in pixels (Qt writes millimetres, which some readers refuse).
    * Curves drawn in data coordinates come as ``<g transform="matrix(216,0,0,-140,..)">`` with
      ``vector-effect="non-scaling-stroke"``: readers without that SVG Tiny feature scale the
      1-2 px pens into bands hundreds of pixels wide. The matrix is applied to the coordinates
      instead, so the stroke is plain pixels everywhere.
    * What a plot draws in data coordinates is clipped to the plot's area (``clips``), so that a
      path that leaves the view stops at the axes, as on screen.
    * ``font-family`` names the font Qt really used first (Qt writes its alias, e.g. "Sans Serif",
      which other programs do not know and then draw no text at all), then a generic fallback.
    """
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(text)
    root.set("width", str(size.width()))
    root.set("height", str(size.height()))
    parents = {child: parent for parent in root.iter() for child in parent}
    clip_ids: dict[tuple[float, ...], str] = {}
    for group in list(root.iter(f"{{{_SVG}}}g")):
        match = _MATRIX.fullmatch(group.get("transform", ""))
        if match is None:
            continue
        matrix = tuple(float(v) for v in match.group(1).split(","))
        _bake_transform(group, matrix)
        clip = next((c for c in clips if any(_same(matrix, m) for m in c.matrices)), None)
        if matrix[:4] == (1.0, 0.0, 0.0, 1.0):
            clip = None  # a translation: text, markers, legends (see _data_clips)
        if clip is not None:
            _wrap_in_clip(root, parents, group, clip.rect, clip_ids)
    families: dict[str, str] = {}
    for element in root.iter():
        family = element.get("font-family")
        if family:
            if family not in families:
                real = QFontInfo(QFont(family)).family()  # what Qt really drew with
                names = [real, *(name.strip() for name in family.split(",")), "sans-serif"]
                families[family] = ", ".join(dict.fromkeys(name for name in names if name))
            element.set("font-family", families[family])
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(
        root, encoding="unicode"
    )


def _same(written: tuple[float, ...], exact: tuple[float, ...]) -> bool:
    """Qt writes matrices with 6 significant digits."""
    return all(
        abs(a - b) <= 1e-4 * max(1.0, abs(b)) + 1e-3 for a, b in zip(written, exact, strict=True)
    )


def _wrap_in_clip(
    root: ET.Element,
    parents: dict[ET.Element, ET.Element],
    group: ET.Element,
    rect: QRectF,
    clip_ids: dict[tuple[float, ...], str],
) -> None:
    key = (rect.x(), rect.y(), rect.width(), rect.height())
    if key not in clip_ids:
        defs = root.find(f"{{{_SVG}}}defs")
        if defs is None:
            defs = ET.Element(f"{{{_SVG}}}defs")
            root.insert(0, defs)
        clip_ids[key] = f"plot-area-{len(clip_ids) + 1}"
        clip_path = ET.SubElement(defs, f"{{{_SVG}}}clipPath", id=clip_ids[key])
        x, y, width, height = (f"{v:.6g}" for v in key)
        ET.SubElement(clip_path, f"{{{_SVG}}}rect", x=x, y=y, width=width, height=height)
    parent = parents[group]
    wrapper = ET.Element(f"{{{_SVG}}}g", {"clip-path": f"url(#{clip_ids[key]})"})
    parent.insert(list(parent).index(group), wrapper)
    parent.remove(group)
    wrapper.append(group)
    parents[wrapper], parents[group] = parent, wrapper


def _bake_transform(group: ET.Element, matrix: tuple[float, ...]) -> None:
    a, b, c, d, e, f = matrix
    if (a, b, c, d) == (1.0, 0.0, 0.0, 1.0):
        return  # a translation scales no stroke
    children = list(group)
    if not children or any(
        child.tag.removeprefix(f"{{{_SVG}}}") not in _SCALED_TAGS
        or child.get("vector-effect") != "non-scaling-stroke"
        for child in children
    ):
        return  # images, text, fills: the transform is right as it is

    def point(x: float, y: float) -> str:
        return f"{a * x + c * y + e:.6g},{b * x + d * y + f:.6g}"

    rewritten = []
    for child in children:
        tag = child.tag.removeprefix(f"{{{_SVG}}}")
        if tag in ("polyline", "polygon"):
            numbers = [float(v) for v in re.split(r"[\s,]+", child.get("points", "").strip()) if v]
            if len(numbers) % 2:
                return
            value = " ".join(point(x, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True))
            rewritten.append((child, "points", value))
        elif tag == "line":
            ends = [float(child.get(k, "0")) for k in ("x1", "y1", "x2", "y2")]
            rewritten.append((child, "line", (point(*ends[:2]), point(*ends[2:]))))
        else:
            value = _map_path(child.get("d", ""), point)
            if value is None:
                return
            rewritten.append((child, "d", value))
    for child, key, value in rewritten:
        if key == "line":
            for (kx, ky), text in zip((("x1", "y1"), ("x2", "y2")), value, strict=True):
                x, y = text.split(",")
                child.set(kx, x)
                child.set(ky, y)
        else:
            child.set(key, value)
        del child.attrib["vector-effect"]
    del group.attrib["transform"]


def _map_path(d: str, point: Callable[[float, float], str]) -> str | None:
    """Map every point of a path written with absolute M/L/C/Z (what Qt writes); else None."""
    out, numbers = [], []
    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if token not in "MLCZ" or numbers:
                return None
            out.append(token)
        else:
            numbers.append(float(token))
            if len(numbers) == 2:
                out.append(point(*numbers))
                numbers = []
    return None if numbers else " ".join(out)


# --- CSV ----------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else ""


def metrics_rows(page) -> list[list[str]]:
    """Every recorded step of every run: one row per step per run.

    A single run gives its point (``x``, ``y``, ``loss``, ``grad_norm``), ``points`` = 1 and
    ``diverged`` 0/1. A swarm gives a summary: ``points`` = N, no ``x``/``y``, the median loss and
    gradient norm over its points, and how many had diverged. ``lr`` is empty at step 0 (no
    update led there).
    """
    rows = []
    for run in page.runs.values():
        track = page.recorder.get(run.id)
        if track is None:
            continue
        for step in range(track.count):
            if track.n_points == 1:
                x, y = track.positions[step, 0]
                values = [x, y, track.loss[step, 0], track.grad_norm[step, 0]]
                diverged = int(track.diverged[step, 0])
            else:
                values = [math.nan, math.nan]
                values += [track.loss_median[step], track.grad_norm_median[step]]
                diverged = int(np.count_nonzero(track.diverged[step]))
            rows.append(
                [str(step), run.label, str(track.n_points)]
                + [_number(v) for v in values]
                + [_number(track.lr[step]), str(diverged)]
            )
    return rows


def csv_text(page) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(metrics_rows(page))
    return out.getvalue()


def write_csv(page, path: str | os.PathLike[str]) -> int:
    """Write every run's metrics; returns the number of data rows."""
    text = csv_text(page)
    _write(path, text.encode("utf-8"))
    return text.count("\n") - 1


# --- GIF ----------------------------------------------------------------------------------------


def require_pillow() -> None:
    """GIFs are written by Pillow: say so plainly where it is missing (e.g. a trimmed bundle)."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise ExportError("GIF export needs the Pillow package (pip install pillow)") from None


def gif_steps(last_step: int, frames: int = GIF_FRAMES) -> list[int]:
    """Evenly spaced cursor steps from 0 to ``last_step`` (each once)."""
    return sorted({round(s) for s in np.linspace(0, max(last_step, 0), max(frames, 1))})


def gif_palette(image, exact: Sequence[tuple[int, int, int]]):
    """A 256-colour palette for ``image`` that holds the ``exact`` colours (the runs') as well.

    A median cut alone spends the colours on the heatmap's large areas and merges a thin red
    path into the magenta one.
    """
    from PIL import Image

    keep = list(dict.fromkeys([*exact, *_UI_COLOURS]))[:48]
    free = 256 - len(keep)
    flat = image.quantize(free, method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * free]
    flat += [0] * (3 * free - len(flat))
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + [value for rgb in keep for value in rgb])
    return palette


def _to_pil(image: QImage, max_width: int):
    from PIL import Image

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    if image.width() > max_width:
        image = image.scaledToWidth(max_width, Qt.TransformationMode.SmoothTransformation)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    return Image.frombuffer("RGB", (width, height), bytes(image.constBits()), "raw", "RGB", stride)


class GifRecorder(QObject):
    """Renders the page at evenly spaced steps into an animated GIF, in timer slices.

    ``widgets`` is called for every frame (what to draw); the frames go from step 0 to
    ``last_step`` (default: the end of the runs). The page's cursor and play state are put back
    afterwards. Waits for the runs to finish computing first.
    """

    progressed = Signal(int, int)  # frames done, frames in all
    finished = Signal(str)  # path written
    failed = Signal(str)  # message

    def __init__(
        self,
        page,
        widgets: Callable[[], Sequence[QWidget]],
        path: str | os.PathLike[str],
        frames: int = GIF_FRAMES,
        max_width: int = GIF_MAX_WIDTH,
        last_step: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.page, self.widgets, self.path = page, widgets, Path(path)
        self.frames, self.max_width, self.last_step = frames, max_width, last_step
        self.steps: list[int] = []
        self.images: list = []
        self.palette = None
        self.running = False
        self.cancelled = False  # stopped by the user (not an error)
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._slice)

    def start(self) -> None:
        """Begin rendering (raises ExportError at once when Pillow is missing)."""
        require_pillow()
        self._restore = (self.page.cursor, self.page.playing)
        self.page.set_playing(False)
        self.images, self.palette, self.steps = [], None, []
        self.running, self.cancelled = True, False
        self._timer.start()

    def cancel(self) -> None:
        if self.running:
            self.cancelled = True
            self._stop()
            self.failed.emit(self.tr("GIF export cancelled"))

    def _stop(self) -> None:
        self._timer.stop()
        self.running = False
        cursor, playing = self._restore
        self.page.seek(int(cursor))
        self.page.set_playing(playing)

    def _frame_image(self, step: int):
        from PIL import Image

        self.page.seek(step)  # draws the views at this step
        return _to_pil(render_image(self.widgets()), self.max_width).quantize(
            palette=self.palette, dither=Image.Dither.NONE
        )

    def _slice(self) -> None:
        try:
            if not self.steps:
                if not all(run.done for run in self.page.runs.values()):
                    self._timer.setInterval(50)  # the runs are still computing: wait
                    return
                self._timer.setInterval(0)
                last = self.page.max_step() if self.last_step is None else self.last_step
                self.steps = gif_steps(last, self.frames)
                # One palette for every frame (no flicker in the heatmap), taken from the last
                # frame: it has every trajectory in it.
                self.page.seek(self.steps[-1])
                last_frame = _to_pil(render_image(self.widgets()), self.max_width)
                run_colours = [run.color.getRgb()[:3] for run in self.page.runs.values()]
                self.palette = gif_palette(last_frame, run_colours)
                self.progressed.emit(0, len(self.steps))
                return
            deadline = time.perf_counter() + SLICE_SECONDS
            while len(self.images) < len(self.steps) and time.perf_counter() < deadline:
                self.images.append(self._frame_image(self.steps[len(self.images)]))
            self.progressed.emit(len(self.images), len(self.steps))
            if len(self.images) < len(self.steps):
                return
            self._stop()
            self._save()
        except Exception as error:  # a failed export must not take the window down
            if self.running:
                self._stop()
            text = str(error) if isinstance(error, ExportError) else None
            self.failed.emit(text or f"{error.__class__.__name__}: {error}")
            return
        self.finished.emit(str(self.path))

    def _save(self) -> None:
        durations = [GIF_FRAME_MS] * len(self.images)
        durations[-1] = GIF_HOLD_MS
        buffer = io.BytesIO()
        self.images[0].save(
            buffer,
            format="GIF",
            save_all=True,
            append_images=self.images[1:],
            duration=durations,
            loop=0,
            optimize=True,  # lossless here, and about 10x smaller: unused colours dropped
        )
        _write(self.path, buffer.getvalue())


# --- the File > Export menu ---------------------------------------------------------------------


class Exports(QObject):
    """The Export submenu of a ``MainWindow`` and what its entries do."""

    TARGETS = ("view", "lab", "window")

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.gif: GifRecorder | None = None
        self.progress: QProgressDialog | None = None
        self.menu = QMenu(window)
        self.menu.setObjectName("export_menu")
        self.actions: dict[str, QAction] = {}
        for kind in ("png", "svg"):
            for target in self.TARGETS:
                action = self.menu.addAction("")
                action.triggered.connect(lambda _=False, k=kind, t=target: self._picture(k, t))
                self.actions[f"{kind}_{target}"] = action
            self.menu.addSeparator()
        self.actions["gif"] = self.menu.addAction("", self._gif_dialog)
        self.actions["csv"] = self.menu.addAction("", self._csv_dialog)
        self.actions["png_view"].setShortcut("Ctrl+E")
        self.retranslate()  # and again by MainWindow.retranslate when the language changes

    def retranslate(self) -> None:
        self.menu.setTitle(self.tr("&Export"))
        texts = {
            "png_view": self.tr("Current view as &PNG…"),
            "png_lab": self.tr("View and plots as PNG…"),
            "png_window": self.tr("Whole window as PNG…"),
            "svg_view": self.tr("Current view as &SVG…"),
            "svg_lab": self.tr("View and plots as SVG…"),
            "svg_window": self.tr("Whole window as SVG…"),
            "gif": self.tr("Animated &GIF of the runs…"),
            "csv": self.tr("Run metrics as &CSV…"),
        }
        for key, text in texts.items():
            self.actions[key].setText(text)

    # -- what to draw --------------------------------------------------------------------------

    def widgets(self, target: str) -> list[QWidget]:
        """``view``: the current view (Surface Lab: its map or 3D tab; another page: all of it);
        ``lab``: that view with the metric plots under it; ``window``: the whole window."""
        window = self.window
        if target == "window":
            return [window]
        page = window.pages.currentWidget()
        lab = window.surface_lab
        if lab is None or page is not lab:
            return [page]
        view = lab.views.currentWidget()
        return [view, plot_area(lab)] if target == "lab" else [view]

    # -- the actions ---------------------------------------------------------------------------

    def save_picture(self, kind: str, target: str, path: str | os.PathLike[str]) -> QSize:
        """Write a PNG or SVG of ``target`` (see :meth:`widgets`); raises ExportError."""
        widgets = self.widgets(target)
        if kind == "svg":
            return write_svg(widgets, path, title=self._title())
        return write_png(widgets, path)

    def save_csv(self, path: str | os.PathLike[str]) -> int:
        return write_csv(self._lab(), path)

    def start_gif(self, path: str | os.PathLike[str], frames: int = GIF_FRAMES) -> GifRecorder:
        """Start rendering a GIF of the view and plots; a progress dialog shows and can cancel."""
        lab = self._lab()
        require_pillow()
        self.gif = GifRecorder(lab, lambda: self.widgets("lab"), path, frames, parent=self)
        self.progress = QProgressDialog(
            self.tr("Rendering the GIF…"), self.tr("Cancel"), 0, 1, self.window
        )
        self.progress.setObjectName("gif_progress")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.gif.cancel)
        self.gif.progressed.connect(self._gif_progress)
        self.gif.finished.connect(self._gif_done)
        self.gif.failed.connect(self._gif_failed)
        self.gif.start()
        return self.gif

    def _lab(self):
        if self.window.surface_lab is None:
            raise ExportError(self.tr("The engine is still loading"))
        return self.window.surface_lab

    def _title(self) -> str:
        lab = self.window.surface_lab
        title = ""
        if lab is not None:
            title = lab.title.get(self.window.language) or lab.title.get("en", "")
        return title or "LossLab"

    def _suggested(self, suffix: str) -> str:
        path = self.window.scene_path
        stem = Path(path).stem if path else "losslab"
        lab = self.window.surface_lab
        if lab is not None and suffix in (".png", ".svg"):
            stem += f"-step{lab.current_step()}"
        folder = user_settings().value("export_dir", "", type=str)
        return str(Path(folder) / (stem + suffix)) if folder else stem + suffix

    def _ask(self, title: str, suffix: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, title, self._suggested(suffix), file_filter
        )
        if not path:
            return None
        if not path.lower().endswith(suffix):
            path += suffix
        user_settings().setValue("export_dir", str(Path(path).parent))
        return path

    def _picture(self, kind: str, target: str) -> None:
        suffix = f".{kind}"
        path = self._ask(self.tr("Export picture"), suffix, f"{kind.upper()} (*{suffix})")
        if path is None:
            return
        try:
            size = self.save_picture(kind, target, path)
        except ExportError as error:
            self.window.show_error(self.tr("Export failed"), str(error))
            return
        self._done(self.tr("Wrote {0} ({1} × {2})").format(path, size.width(), size.height()))

    def _csv_dialog(self) -> None:
        path = self._ask(self.tr("Export run metrics"), ".csv", "CSV (*.csv)")
        if path is None:
            return
        try:
            rows = self.save_csv(path)
        except ExportError as error:
            self.window.show_error(self.tr("Export failed"), str(error))
            return
        self._done(self.tr("Wrote {0} ({1} rows)").format(path, rows))

    def _gif_dialog(self) -> None:
        if self.gif is not None and self.gif.running:
            return
        path = self._ask(self.tr("Export animated GIF"), ".gif", "GIF (*.gif)")
        if path is None:
            return
        try:
            self.start_gif(path)
        except ExportError as error:
            self.window.show_error(self.tr("Export failed"), str(error))

    def _gif_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _gif_done(self, path: str) -> None:
        self._close_progress()
        frames = len(self.gif.images) if self.gif is not None else 0
        self._done(self.tr("Wrote {0} ({1} frames)").format(path, frames))

    def _gif_failed(self, message: str) -> None:
        self._close_progress()
        if self.gif is not None and self.gif.cancelled:
            self.window.statusBar().showMessage(message, 8000)
        else:  # nothing was written (or the old file is whole): say so plainly
            self.window.show_error(self.tr("Export failed"), message)

    def _done(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)

"""Export what LossLab shows: PNG and SVG pictures, an animated GIF of the runs, CSV of metrics.

Pictures are of a list of widgets stacked top to bottom (the current view; the view with the
plots under it; the whole window). PNG is ``QWidget.grab``; SVG paints the same widgets into a
``QSvgGenerator`` (pyqtgraph's own SVG exporter fails with these versions) and then rewrites the
few things other programs draw differently from Qt (:func:`portable_svg`). The GIF moves the
timeline cursor through the run and grabs a frame per step, a few frames per timer tick on the
GUI thread (widgets may only be painted there), so the window stays responsive; Pillow writes it
at a chosen size (default 1280x720). Every picture of the Surface Lab names its runs in a legend
(``with_run_legend``).

Every export is complete or nothing: the file is made in memory (``QBuffer``/``BytesIO``) and
written with :func:`core.fileio.write_atomic`, so a full disk leaves any old file whole, and the
user sees an error, never "Wrote ...".

The pictures are made in ``export_pictures`` (SVG clean-up in ``export_svg``), the GIF in
``export_gif``; this module writes the CSV and builds the File > Export menu. Every name stays
importable from here.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QProgressDialog, QWidget

from desktop_app.documents import user_settings
from desktop_app.export_gif import (
    GIF_FRAME_MS,
    GIF_FRAMES,
    GIF_HOLD_MS,
    GIF_SIZE,
    GIF_SIZES,
    SLICE_SECONDS,
    GifRecorder,
    fit_frame,
    gif_palette,
    gif_steps,
    require_pillow,
)
from desktop_app.export_pictures import (
    SVG_DPI,
    ExportError,
    RunKey,
    _write,
    image_bytes,
    legend_labels,
    plot_area,
    render_image,
    run_keys,
    stacked_size,
    svg_text,
    with_run_legend,
    without_hover_readouts,
    write_png,
    write_svg,
)
from desktop_app.export_svg import DataClip, portable_svg

__all__ = [
    "CSV_COLUMNS",
    "GIF_FRAMES",
    "GIF_FRAME_MS",
    "GIF_HOLD_MS",
    "GIF_SIZE",
    "GIF_SIZES",
    "SLICE_SECONDS",
    "SVG_DPI",
    "DataClip",
    "ExportError",
    "Exports",
    "GifRecorder",
    "RunKey",
    "csv_text",
    "fit_frame",
    "gif_palette",
    "gif_steps",
    "image_bytes",
    "legend_labels",
    "metrics_rows",
    "plot_area",
    "portable_svg",
    "render_image",
    "require_pillow",
    "run_keys",
    "stacked_size",
    "svg_text",
    "with_run_legend",
    "without_hover_readouts",
    "write_csv",
    "write_png",
    "write_svg",
]

CSV_COLUMNS = ("step", "run", "points", "x", "y", "loss", "grad_norm", "lr", "diverged")

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
        with with_run_legend(widgets, self._runs_shown(widgets)):
            if kind == "svg":
                return write_svg(widgets, path, title=self._title())
            return write_png(widgets, path)

    def _runs_shown(self, widgets: list[QWidget]) -> list[RunKey]:
        """The Surface Lab's runs when ``widgets`` show the Surface Lab, else none."""
        lab = self.window.surface_lab
        if lab is None or not lab.isVisible():
            return []
        if any(w is lab or w.isAncestorOf(lab) or lab.isAncestorOf(w) for w in widgets):
            return run_keys(lab)
        return []

    def save_csv(self, path: str | os.PathLike[str]) -> int:
        return write_csv(self._lab(), path)

    def start_gif(
        self,
        path: str | os.PathLike[str],
        frames: int = GIF_FRAMES,
        size: tuple[int, int] = GIF_SIZE,
    ) -> GifRecorder:
        """Start rendering a GIF of the view and plots, ``size`` pixels per frame; a progress
        dialog shows and can cancel."""
        lab = self._lab()
        require_pillow()
        self.gif = GifRecorder(
            lab, lambda: self.widgets("lab"), path, frames, size=size, parent=self
        )
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
        size = self._ask_gif_size()
        if size is None:
            return
        try:
            self.start_gif(path, size=size)
        except ExportError as error:
            self.window.show_error(self.tr("Export failed"), str(error))

    def _ask_gif_size(self) -> tuple[int, int] | None:
        """The frame size, chosen from :data:`GIF_SIZES` (the last choice is remembered)."""
        names = [f"{w} × {h}" for w, h in GIF_SIZES]
        last = user_settings().value("gif_size", f"{GIF_SIZE[0]} × {GIF_SIZE[1]}", type=str)
        name, chosen = QInputDialog.getItem(
            self.window,
            self.tr("Export animated GIF"),
            self.tr("Frame size (pixels):"),
            names,
            names.index(last) if last in names else GIF_SIZES.index(GIF_SIZE),
            False,
        )
        if not chosen:
            return None
        user_settings().setValue("gif_size", name)
        return GIF_SIZES[names.index(name)]

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

"""The animated GIF of the runs: the timeline cursor moves through the run and a frame is
grabbed per step, a few frames per timer tick on the GUI thread (widgets may only be painted
there), so the window stays responsive; Pillow writes it, complete or not at all.

Every frame has the chosen size (default :data:`GIF_SIZE`, 1280x720: a slide's, so its text
stays readable when projected): the picture is scaled to fit it and centred on the window's
background. The runs are named in a legend on every frame (``with_run_legend``)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from core.palette import METRIC_COLOURS
from desktop_app.export_pictures import (
    ExportError,
    _write,
    render_image,
    run_keys,
    with_run_legend,
)

GIF_FRAMES = 90  # frames in a GIF (fewer when the run has fewer steps)
GIF_SIZE = (1280, 720)  # px: a 16:9 slide, text readable on a projector
GIF_SIZES = ((640, 360), (960, 540), (1280, 720), (1920, 1080))  # offered in the dialog
GIF_FRAME_MS = 50  # 20 frames a second
GIF_HOLD_MS = 2000  # the last frame stays a while before the loop starts again
SLICE_SECONDS = 0.04  # GUI time per timer tick while rendering GIF frames
_UI_COLOURS = [(0, 0, 0), (255, 255, 255), (150, 150, 150)]  # plot background, markers, axes

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


def fit_frame(image: QImage, size: tuple[int, int], background: tuple[int, int, int]):
    """``image`` scaled to fit ``size`` (keeping its shape), centred on ``background``, as an
    RGB Pillow image of exactly ``size``."""
    from PIL import Image

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = size
    if (image.width(), image.height()) != (width, height):
        image = image.scaled(
            width,
            height,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    picture = Image.frombuffer("RGB", (w, h), bytes(image.constBits()), "raw", "RGB", stride)
    if (w, h) == (width, height):
        return picture.copy()
    frame = Image.new("RGB", (width, height), background)
    frame.paste(picture, ((width - w) // 2, (height - h) // 2))
    return frame


class GifRecorder(QObject):
    """Renders the page at evenly spaced steps into an animated GIF, in timer slices.

    ``widgets`` is called for every frame (what to draw); the frames go from step 0 to
    ``last_step`` (default: the end of the runs) and are ``size`` pixels (width, height). The
    page's cursor and play state are put back afterwards. Waits for the runs to finish
    computing first.
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
        size: tuple[int, int] = GIF_SIZE,
        last_step: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.page, self.widgets, self.path = page, widgets, Path(path)
        self.frames, self.size, self.last_step = frames, tuple(size), last_step
        self._legend = ExitStack()  # the run legend, shown while the frames are taken
        self.background = (255, 255, 255)
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
        self._legend.close()
        cursor, playing = self._restore
        self.page.seek(int(cursor))
        self.page.set_playing(playing)

    def _picture(self):
        return fit_frame(render_image(self.widgets()), self.size, self.background)

    def _frame_image(self, step: int):
        from PIL import Image

        self.page.seek(step)  # draws the views at this step
        return self._picture().quantize(palette=self.palette, dither=Image.Dither.NONE)

    def _slice(self) -> None:
        try:
            if not self.steps:
                if not all(run.done for run in self.page.runs.values()):
                    self._timer.setInterval(50)  # the runs are still computing: wait
                    return
                self._timer.setInterval(0)
                last = self.page.max_step() if self.last_step is None else self.last_step
                self.steps = gif_steps(last, self.frames)
                widgets = self.widgets()
                self.background = widgets[0].palette().window().color().getRgb()[:3]
                self._legend.enter_context(with_run_legend(widgets, run_keys(self.page)))
                # One palette for every frame (no flicker in the heatmap), taken from the last
                # frame: it has every trajectory in it.
                self.page.seek(self.steps[-1])
                last_frame = self._picture()
                exact = [run.color.getRgb()[:3] for run in self.page.runs.values()]
                exact += [QColor(colour).getRgb()[:3] for colour in METRIC_COLOURS.values()]
                self.palette = gif_palette(last_frame, [*exact, self.background])
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

"""``losslab render SCENE --out FILE.png``: draw what the window would show, for slides.

The scene is computed in full in a Surface Lab page (no window, offscreen Qt), the cursor is put
at ``--steps`` (default: the end) and the map with the plots under it (``--view lab``), the map
alone (``map``) or the whole page with its panels (``page``) is drawn at ``--size``. The output
kind follows the suffix (or ``--format``): PNG, SVG, or an animated GIF of the runs up to that
step. The picture is made in memory and written with ``core.fileio.write_output``: complete or
not at all, ``-`` for standard output. Every picture names its runs in a legend (their colours,
dashes and markers; ``export.with_run_legend``), so a slide explains itself.

Bad input (a missing or invalid scene, a bad size, an unusable ``--out``) is one line on stderr,
exit code 2, found before any computing, and no file. A run that fails while computing, or a
picture that cannot be written, is one line too, exit code 1. The wait for the computation never
hangs: a failure reported by the compute service ends it at once, a worker that stopped without
finishing is noticed when the pool falls idle, and a stall and an overall time proportional to
the work end it as a last resort.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core import cli
from core.cli import (
    EXIT_FAILURE,
    EXIT_OK,
    RENDER_DEFAULT_SIZE,
    RENDER_SUFFIXES,
    RENDER_VIEWS,
    STDOUT,
    BadInput,
    check_cost,
    check_out,
    fail,
    os_reason,
)

DEFAULT_SIZE = RENDER_DEFAULT_SIZE
MIN_SIZE = (320, 240)
MAX_SIZE = (7680, 4320)
SUFFIXES = RENDER_SUFFIXES
VIEWS = RENDER_VIEWS
MAP_SHARE = 0.72  # of the height, in the 'lab' view (the window gives the map about 3/4)

# The compute wait (see _compute). A worker that ended without delivering its last batch leaves
# the pool idle: after IDLE_GRACE_S of idle pool with runs unfinished, the wait ends. No batch
# for STALL_S, or more than the time budget (BASE + the work's size), ends it too.
IDLE_GRACE_S = 0.5
STALL_S = 180.0
BASE_TIMEOUT_S = 120.0
TIMEOUT_MARGIN = 10.0  # times the estimated compute seconds (at most 120 s: core.limits)


class _BadInput(BadInput):
    pass


class _Failed(Exception):
    """The work or the output failed: one line, exit code 1."""


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise _BadInput(f"--size must look like 1600x900, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise _BadInput(
            f"--size must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} and "
            f"{MAX_SIZE[0]}x{MAX_SIZE[1]}, got {width}x{height}"
        )
    return width, height


def picture_kind(out: str, fmt: str | None) -> str:
    """``.png``, ``.svg`` or ``.gif``: from ``--format``, else the suffix (PNG for ``-``)."""
    suffix = Path(out).suffix.lower() if out != STDOUT else ""
    if fmt:
        kind = f".{fmt}"
        if suffix in SUFFIXES and suffix != kind:
            raise _BadInput(f"--format {fmt} does not match --out {out!r}")
        return kind
    if out == STDOUT:
        return ".png"
    if suffix not in SUFFIXES:
        raise _BadInput(f"--out must end in {', '.join(SUFFIXES)}, got {out!r}")
    return suffix


def compute_timeout(cost) -> float:
    """The last-resort limit of the compute wait: proportional to the scene's estimated work
    (``core.limits.scene_cost``, already rounded up), with a wide margin for the GUI thread and
    a slower machine."""
    return BASE_TIMEOUT_S + TIMEOUT_MARGIN * cost.seconds


def main(argv: Sequence[str] | None = None) -> int:
    """``losslab render ARGS`` (``argv`` without the word ``render``)."""
    args = cli.build_parser().parse_args(["render", *(sys.argv[1:] if argv is None else argv)])
    return command_render(args)


def command_render(args: argparse.Namespace) -> int:
    from core.lessons import resolve_scene
    from core.scene import SceneError, load_scene

    try:
        size = parse_size(args.size)
        kind = picture_kind(args.out, args.format)
        if args.steps is not None and args.steps < 0:
            raise _BadInput(f"--steps must be 0 or more, got {args.steps}")
        check_out(args.out)
        scene = load_scene(resolve_scene(args.scene))
        if scene.network is not None:
            raise _BadInput(
                f"{args.scene}: a network scene (the Network Lab) cannot be rendered; "
                "'losslab render' draws Surface Lab scenes"
            )
        cost = check_cost(scene, None, args.scene)
    except (BadInput, SceneError) as error:
        return fail(str(error))

    # Anything printed while computing goes to stderr: with '--out -' stdout is the picture.
    with contextlib.redirect_stdout(sys.stderr if args.out == STDOUT else sys.stdout):
        try:
            data, summary = _render(args, scene, size, kind, compute_timeout(cost))
        except _Failed as error:
            return fail(str(error), EXIT_FAILURE)
    from core.fileio import write_output

    try:
        write_output(args.out, data)
    except OSError as error:
        return fail(f"{args.out}: cannot write the picture ({os_reason(error)})", EXIT_FAILURE)
    where = "standard output" if args.out == STDOUT else args.out
    print(f"wrote {where} ({summary})", file=sys.stderr if args.out == STDOUT else sys.stdout)
    return EXIT_OK


def _render(args: argparse.Namespace, scene, size: tuple[int, int], kind: str, timeout_s: float):
    """Compute the scene in an offscreen page and draw it; returns (bytes, summary)."""
    # No window: Qt draws offscreen unless a platform was chosen on purpose.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop_app.main import window_problem

    problem = window_problem()  # a platform chosen on purpose (xcb, say) that cannot start
    if problem is not None:
        raise _Failed(problem[0])
    from desktop_app.app import create_application

    app = create_application()
    from desktop_app import export, i18n
    from desktop_app.export import ExportError

    language = i18n.set_language(i18n.initial_language(args.lang))
    previous_handler = _quiet_offscreen_warnings()
    page, frame = _build(language, args.view, size)
    try:
        error = _compute(page, scene, timeout_s)
        if error is not None:
            raise _Failed(error)
        last = page.max_step()
        step = last if args.steps is None else min(args.steps, last)
        page.seek(step)
        widgets = _widgets(page, frame, args.view)
        for _ in range(2):
            # A first paint lets the axes measure their labels and make room for them.
            for widget in widgets:
                widget.grab()
            app.processEvents()
        try:
            with export.with_run_legend(widgets, export.run_keys(page)):
                data, what = _picture(page, widgets, kind, step)
        except ExportError as error:
            raise _Failed(str(error)) from None
    finally:
        page.shutdown()
        frame.close()
        # Delete the widgets now: a page left alive without its plot items would still receive
        # application-wide events (a language switch) in a longer-lived process, such as tests.
        from PySide6.QtCore import QCoreApplication, QEvent

        for widget in {frame, page}:
            widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        _restore_handler(previous_handler)
    note = f"; the runs end at step {last}" if args.steps is not None and args.steps > last else ""
    return data, f"{what}, step {step} of {last}{note}"


def _build(language: str, view: str, size: tuple[int, int]):
    """A Surface Lab page laid out at ``size``: whole, or its map (and plots) alone."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from desktop_app.export import plot_area
    from desktop_app.surface_lab.page import SurfaceLabPage

    page = SurfaceLabPage(language)
    if view == "page":
        frame = page
    else:
        frame = QWidget()
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        page.views.blockSignals(True)  # taking the map out must not open the 3D tab
        parts = [(page.map, MAP_SHARE), (plot_area(page), 1 - MAP_SHARE)]
        for widget, share in parts[: 2 if view == "lab" else 1]:
            layout.addWidget(widget, round(share * 100))
            widget.show()  # a tab page taken from its tab widget stays hidden otherwise
    frame.resize(*size)
    frame.show()  # offscreen: lays the widgets out at this size; nothing appears
    return page, frame


def _widgets(page, frame, view: str) -> list:
    from desktop_app.export import plot_area

    if view == "page":
        return [page]
    return [page.map, plot_area(page)] if view == "lab" else [page.map]


_NOISE = ("This plugin does not support propagateSizeHints()",)  # the offscreen plugin, per window


def _quiet_offscreen_warnings():
    """Drop the offscreen plugin's harmless warnings (stderr carries render's one error line);
    returns the handler that was installed before."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message: str) -> None:
        if message not in _NOISE:
            print(message, file=sys.stderr)

    return qInstallMessageHandler(handler)


def _restore_handler(previous) -> None:
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(previous)


def _stream_name(page, key: str) -> str:
    run = page.runs.get(key)
    if run is not None:
        return f"run {getattr(run, 'label', '') or key!r}"
    return "the surface" if key == "surface" else key


def _compute(page, scene, timeout_s: float) -> str | None:
    """Load the scene and compute every run and the surface; returns an error, if any.

    Never waits forever: a failure reported by the service (``failed(key, message)``) ends the
    wait at once; so does a pool that stays idle while runs are unfinished (a worker that ended
    without its last batch), no batch for :data:`STALL_S`, or ``timeout_s`` in all.
    """
    from PySide6.QtWidgets import QApplication

    failures: list[str] = []
    notes: list[str] = []  # the page's status messages: the likely reason of a stop
    progress = [time.perf_counter()]
    page.service.failed.connect(
        lambda key, message: failures.append(f"{_stream_name(page, key)} failed: {message}")
    )
    page.service.batchReady.connect(lambda _: progress.__setitem__(0, time.perf_counter()))
    page.statusMessage.connect(notes.append)
    page.load_scene(scene)
    page.set_playing(False)
    start = time.perf_counter()
    idle_since: float | None = None
    while True:
        QApplication.processEvents()
        now = time.perf_counter()
        if failures:
            return failures[0]
        unfinished = [run for run in page.runs.values() if not run.done]
        complete = not unfinished and page.raster is not None
        idle = page.service.wait(0)  # no job running or queued
        if complete and (idle or not page.service.busy()):
            return None
        if idle and not complete:
            idle_since = now if idle_since is None else idle_since
            if now - idle_since >= IDLE_GRACE_S:
                names = [_stream_name(page, run.id) for run in unfinished]
                if page.raster is None:
                    names.append("the surface")
                reason = f": {notes[-1]}" if notes else ""
                return f"the computation stopped before it finished ({', '.join(names)}){reason}"
        else:
            idle_since = None
        if now - progress[0] > STALL_S:
            return f"the computation made no progress for {STALL_S:.0f} s"
        if now - start > timeout_s:
            return f"the scene did not finish computing within {timeout_s:.0f} s"
        time.sleep(0.002)


def _picture(page, widgets, kind: str, step: int) -> tuple[bytes, str]:
    """The picture as bytes, made in memory (nothing is written here) and what it is."""
    from desktop_app import export

    if kind == ".svg":
        size = export.stacked_size(widgets)
        text = export.svg_text(widgets, title=page.title.get("en", "LossLab"))
        return text.encode("utf-8"), f"{size.width()}x{size.height()} SVG"
    if kind == ".png":
        image = export.render_image(widgets)
        return export.image_bytes(image, "PNG"), f"{image.width()}x{image.height()} PNG"
    return _gif(page, widgets, step)


def _gif(page, widgets, step: int) -> tuple[bytes, str]:
    from PySide6.QtCore import QEventLoop

    from desktop_app import export
    from desktop_app.export import GIF_FRAME_MS, GIF_HOLD_MS, ExportError, GifRecorder

    class InMemory(GifRecorder):
        def _save(self) -> None:  # the frames are kept; render encodes and writes them
            pass

    size = export.stacked_size(widgets)  # the frames keep the --size layout, unscaled
    recorder = InMemory(
        page, lambda: widgets, "unused.gif", size=(size.width(), size.height()), last_step=step
    )
    recorder.start()  # raises ExportError if Pillow is missing
    loop = QEventLoop()
    outcome: list[str] = []
    recorder.finished.connect(lambda _: (outcome.append(""), loop.quit()))
    recorder.failed.connect(lambda message: (outcome.append(message), loop.quit()))
    loop.exec()
    if outcome[0]:
        raise ExportError(outcome[0])
    images = recorder.images
    durations = [GIF_FRAME_MS] * len(images)
    durations[-1] = GIF_HOLD_MS
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        optimize=True,
    )
    first = images[0]
    return buffer.getvalue(), f"{first.width}x{first.height} GIF, {len(images)} frames"

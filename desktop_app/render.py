"""``losslab render SCENE.json --out FILE.png``: draw what the window would show, for slides.

The scene is computed in full in a Surface Lab page (no window, offscreen Qt), the cursor is put
at ``--steps`` (default: the end) and the map with the plots under it (``--view lab``), the map
alone (``map``) or the whole page with its panels (``page``) is drawn at ``--size``. The output
kind follows the suffix: PNG, SVG, or an animated GIF of the runs up to that step.

Bad input (a missing or invalid scene, a bad size, an unwritable folder) is one line on stderr,
exit code 2, and no file.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core.cli import EXIT_FAILURE, EXIT_OK, _Parser, fail

DEFAULT_SIZE = (1600, 900)
MIN_SIZE = (320, 240)
MAX_SIZE = (7680, 4320)
SUFFIXES = (".png", ".svg", ".gif")
VIEWS = ("lab", "map", "page")
MAP_SHARE = 0.72  # of the height, in the 'lab' view (the window gives the map about 3/4)
COMPUTE_TIMEOUT_S = 600.0


class _BadInput(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="losslab render",
        description="Draw a scene as the window shows it (for slides), without opening a window.",
    )
    parser.add_argument("scene", help="scene file (JSON)")
    parser.add_argument("--out", required=True, help="picture to write: .png, .svg or .gif")
    parser.add_argument(
        "--steps",
        type=int,
        help="the step to show (default: the end of the runs); a GIF shows steps 0 to this one",
    )
    parser.add_argument(
        "--size",
        default=f"{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}",
        help="picture size WIDTHxHEIGHT in pixels (default %(default)s)",
    )
    parser.add_argument(
        "--view",
        choices=VIEWS,
        default="lab",
        help="lab: map with the plots under it (default); map: the map alone; "
        "page: the whole Surface Lab page with its panels",
    )
    parser.add_argument(
        "--lang", choices=["en", "zh"], help="language of the labels (default: the window's)"
    )
    return parser


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


def _check_out(out: str) -> Path:
    path = Path(out)
    if path.suffix.lower() not in SUFFIXES:
        raise _BadInput(f"--out must end in {', '.join(SUFFIXES)}, got {out!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _BadInput(f"{out}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise _BadInput(f"{out}: cannot write in {str(folder)!r}")
    if path.is_dir():
        raise _BadInput(f"{out}: is a folder")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        size = parse_size(args.size)
        out = _check_out(args.out)
        if args.steps is not None and args.steps < 0:
            raise _BadInput(f"--steps must be 0 or more, got {args.steps}")
    except _BadInput as error:
        return fail(str(error))

    from core.scene import SceneError, load_scene

    try:
        scene = load_scene(args.scene)
    except SceneError as error:
        return fail(str(error))

    # No window: Qt draws offscreen unless a platform was chosen on purpose.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop_app.app import create_application

    app = create_application()
    from desktop_app import i18n
    from desktop_app.export import ExportError

    language = i18n.set_language(i18n.initial_language(args.lang))
    page, frame = _build(language, args.view, size)
    try:
        error = _compute(page, scene)
        if error is not None:
            print(f"losslab: error: {error}", file=sys.stderr)
            return EXIT_FAILURE
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
            written = _write(page, widgets, out, step)
        except ExportError as error:
            return fail(str(error))
    finally:
        page.shutdown()
        frame.close()
    note = f"; the runs end at step {last}" if args.steps is not None and args.steps > last else ""
    print(f"wrote {out} ({written}, step {step} of {last}{note})")
    return EXIT_OK


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


def _compute(page, scene) -> str | None:
    """Load the scene and compute every run (and the surface); returns an error, if any."""
    from PySide6.QtWidgets import QApplication

    errors: list[str] = []
    page.statusMessage.connect(errors.append)  # the page reports engine failures there
    page.load_scene(scene)
    page.set_playing(False)
    deadline = time.perf_counter() + COMPUTE_TIMEOUT_S
    while time.perf_counter() < deadline:
        QApplication.processEvents()
        if errors:
            return errors[0]
        busy = page.service.busy() or any(not run.done for run in page.runs.values())
        if not busy and page.raster is not None:
            return None
        time.sleep(0.002)
    return f"the scene did not finish computing within {COMPUTE_TIMEOUT_S:.0f} s"


def _write(page, widgets, out: Path, step: int) -> str:
    from desktop_app import export

    suffix = out.suffix.lower()
    if suffix == ".svg":
        size = export.write_svg(widgets, out, title=page.title.get("en", "LossLab"))
        return f"{size.width()}x{size.height()}"
    if suffix == ".png":
        size = export.write_png(widgets, out)
        return f"{size.width()}x{size.height()}"
    return _write_gif(page, widgets, out, step)


def _write_gif(page, widgets, out: Path, step: int) -> str:
    from PySide6.QtCore import QEventLoop

    from desktop_app.export import ExportError, GifRecorder

    width = max(w.width() for w in widgets)
    recorder = GifRecorder(page, lambda: widgets, out, max_width=width, last_step=step)
    recorder.start()  # raises ExportError if Pillow is missing
    loop = QEventLoop()
    outcome: list[str] = []
    recorder.finished.connect(lambda _: (outcome.append(""), loop.quit()))
    recorder.failed.connect(lambda message: (outcome.append(message), loop.quit()))
    loop.exec()
    if outcome[0]:
        raise ExportError(outcome[0])
    first = recorder.images[0]
    return f"{first.width}x{first.height}, {len(recorder.images)} frames"

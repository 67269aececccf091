"""Start the application: QApplication, the window at once, then the engine in the background."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from PySide6.QtCore import QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication

LAUNCH_ENV = "LOSSLAB_BENCH_LAUNCH"
RUNS_COMPUTED = "runs_computed"  # the launch report's count of runs not replayed
LAUNCH_GIVE_UP_S = 60.0
WARM_WAIT_S = 10.0
FRAME_CHECK_MS = 30


class EngineLoader(QThread):
    """Imports torch and the engine, then warms torch.optim, off the GUI thread.

    ``loaded`` goes as soon as the engine's modules are imported: the Surface Lab is built and
    the start-up scene shown. The warming -- the first ``torch.optim`` construction, which
    imports ``torch._dynamo``: a second or more, holding the GIL -- waits for ``warm_gate``
    (set once the start-up scene's first frame is drawn; at most ``WARM_WAIT_S``): runs played
    from the cache of computed runs need no optimizer, and a first frame that waited for that
    import came a second later. A run computed before then imports it itself.
    """

    loaded = Signal(str, str)  # device description, device type
    failed = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.warm_gate = threading.Event()
        self._quitting = False

    def finish(self) -> None:
        """Return once the thread has ended, skipping the warming if it has not begun (the app
        quits: a QThread still running when its window is destroyed aborts the process)."""
        self._quitting = True
        self.warm_gate.set()
        self.wait()

    def run(self) -> None:
        try:
            import torch

            import core.engine  # noqa: F401
            import core.scene  # noqa: F401
            import core.surfaces.library  # noqa: F401
            import core.surfaces.raster  # noqa: F401
            from core.device import describe_device, resolve_device

            device = resolve_device("auto")
            self.loaded.emit(describe_device(device), device.type)
            self.warm_gate.wait(WARM_WAIT_S)
            self.warm_gate.set()  # (after the longest wait) the frame watch stops
            if self._quitting:
                return
            # The first optimizer construction imports torch._dynamo: here, not in a user's edit.
            param = torch.zeros(2, requires_grad=True)
            torch.optim.Adam([param], lr=0.1)
        except Exception as error:  # shown to the user; the window stays up
            self.failed.emit(f"{error.__class__.__name__}: {error}")


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("LossLab")
    app.setOrganizationName("LossLab")
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major")
    from desktop_app.i18n import register_fonts

    register_fonts()  # the bundled CJK font: Chinese never renders as boxes
    from desktop_app.widgets.wheel_guard import install_wheel_guard

    install_wheel_guard(app)  # the wheel scrolls panels; it edits only a focused box
    _collect_garbage_in_the_gui_thread()
    return app


_garbage_collector = None


def _collect_garbage_in_the_gui_thread() -> None:
    """Python's cyclic collector runs in whichever thread happens to allocate: a Qt widget in a
    reference cycle was once destroyed in the compute worker, which then waited for ever on the
    GIL inside ~QObject. pyqtgraph's GarbageCollector turns automatic collection off and
    collects on a GUI-thread timer instead."""
    global _garbage_collector
    if _garbage_collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _garbage_collector = GarbageCollector(interval=1.0)


def run_app(scene_path: str | None = None, language: str | None = None) -> int:
    app = create_application()
    from desktop_app import i18n
    from desktop_app.main_window import MainWindow
    from desktop_app.view_menu import restore_appearance

    restore_appearance()  # saved presenter mode and theme
    from desktop_app.user_files import user_cache_dir

    window = MainWindow(i18n.set_language(i18n.initial_language(language)))
    window.run_cache = user_cache_dir() / "runs"
    if scene_path:
        window.open_scene(scene_path)
    window.show()
    loader = EngineLoader(window)
    # The pages not shown at start are built when first shown: the first frame comes sooner.
    loader.loaded.connect(lambda name, device: window.engine_loaded(name, device, True))
    loader.loaded.connect(lambda *_: _open_gate_after_first_frame(window, loader.warm_gate))
    loader.failed.connect(lambda text: window.show_error("LossLab", text))
    app.aboutToQuit.connect(loader.finish)
    loader.start()
    if os.environ.get(LAUNCH_ENV):
        _report_launch(window)
    return app.exec()


def _open_gate_after_first_frame(
    window, gate: threading.Event, frames_then: int | None = None
) -> None:
    """Set ``gate`` once the Surface Lab has drawn a frame after its runs had steps past their
    start (or has drawn a frame and has no runs), looking at each frame timer's tick;
    ``frames_then``: the frames drawn when those steps were first seen."""
    page = window.surface_lab
    if page is None or gate.is_set():
        return
    if (
        frames_then is not None
        and page.frames_drawn > frames_then
        or (page.frames_drawn and not page.runs)
    ):
        gate.set()
        return
    if frames_then is None and page.recorder.max_step() > 0:
        frames_then = page.frames_drawn  # the next frame draws them
    QTimer.singleShot(
        FRAME_CHECK_MS, lambda: _open_gate_after_first_frame(window, gate, frames_then)
    )


def _report_launch(window) -> None:
    """For ``losslab bench --gui``: print (as JSON lines, wall-clock times) when the window
    shows, the Surface Lab is built, its surface shows, the first frame with the runs' first
    steps is drawn and the runs are computed (so they are in the cache of computed runs for a
    next launch), with how many the engine computed (``RUNS_COMPUTED``; the others were
    replayed), then quit; give up after ``LAUNCH_GIVE_UP_S``."""
    started = time.time()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        if name not in marks:
            marks[name] = time.time()
            print(json.dumps({name: marks[name]}), flush=True)

    QTimer.singleShot(0, lambda: mark("window_shown"))

    def poll() -> None:
        page = window.surface_lab
        if page is not None:
            mark("page_built")
            if page.raster is not None:
                mark("surface_shown")
            if "first_frame" not in marks and page.frames_drawn and page.recorder.max_step() > 0:
                page.draw()  # the runs' first steps on the map (a lesson waits paused)
                window.repaint()  # ... and on the screen: the window painted with them
                mark("first_frame")
            if "first_frame" in marks and all(run.done for run in page.runs.values()):
                computed = sum(run.computed for run in page.runs.values())
                print(json.dumps({RUNS_COMPUTED: computed}), flush=True)  # not replayed
                mark("computed")
        if "computed" in marks or time.time() - started > LAUNCH_GIVE_UP_S:
            # From the event loop, not from within this poll's synchronous repaint.
            QTimer.singleShot(0, window.close)
            QTimer.singleShot(0, QApplication.quit)
            return
        QTimer.singleShot(5, poll)

    QTimer.singleShot(5, poll)

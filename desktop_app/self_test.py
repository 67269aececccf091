"""``losslab self-test``: check the installation, one line per check, non-zero exit on failure.

The checks: ``window`` (the platform the window will really use: xcb or wayland where a display
is set, the native one on Windows and macOS), ``Qt`` (a pyqtgraph plot paints offscreen, as
``losslab render`` draws), ``torch`` and ``scene`` (a lesson runs).

The window is opened in a child process (``losslab self-test --window-child``): a platform
plugin that cannot start makes Qt abort the whole process, and the other checks must still be
reported. Before that, ``desktop_app.main.window_problem`` names a missing display or missing
system libraries (and the packages that provide them). With ``QT_QPA_PLATFORM`` set, that
platform is the window's: the ``Qt`` check runs on it and there is no separate window check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

WINDOW_TIMEOUT_S = 90.0  # the child imports PySide6 and pyqtgraph, on a busy machine too
EXPOSE_WAIT_S = 5.0


class CheckFailed(Exception):
    """A failed check: the first line is the reason, the others how to fix it."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__(lines[0])


def _paint_plot(app, wait_exposed: bool) -> int:
    """Show a small pyqtgraph plot, grab it and count its colours (a blank grab has one)."""
    import numpy as np
    import pyqtgraph as pg

    widget = pg.PlotWidget()
    widget.resize(320, 200)
    widget.plot(np.arange(50), np.sin(np.arange(50) / 5), pen=pg.mkPen("r", width=2))
    widget.show()
    deadline = time.perf_counter() + (EXPOSE_WAIT_S if wait_exposed else 0.0)
    while True:
        app.processEvents()
        handle = widget.windowHandle()
        if handle is None or handle.isExposed() or time.perf_counter() > deadline:
            break
        time.sleep(0.01)
    image = widget.grab().toImage()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    widget.close()
    return len(colours)


def _check_qt_paints() -> str:
    from desktop_app.main import window_problem

    problem = window_problem()  # QT_QPA_PLATFORM=xcb (say) without its libraries: Qt aborts
    if problem is not None:
        raise CheckFailed(problem)
    from desktop_app.app import create_application

    app = create_application()
    colours = _paint_plot(app, wait_exposed=False)
    if colours < 3:
        raise RuntimeError("a plot painted as a single colour")
    return f"Qt platform '{app.platformName()}', a pyqtgraph plot paints ({colours} colours)"


def window_child_command() -> list[str]:
    """How to start ``losslab self-test --window-child``."""
    from desktop_app.main import losslab_command

    return losslab_command("self-test", "--window-child")


def _qt_reason(stderr: str) -> str:
    """Qt's own line on why the platform did not start, from the child's stderr."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        lowered = line.lower()
        if "could not" in lowered or "cannot" in lowered or "failed" in lowered:
            return line
    return lines[-1] if lines else ""


def check_window(env: dict[str, str] | None = None) -> str:
    """Open a real window on the platform ``losslab`` would use (in a child process)."""
    from desktop_app.main import window_problem

    env = dict(os.environ if env is None else env)
    problem = window_problem(env)
    if problem is not None:
        raise CheckFailed([*problem, "(QT_QPA_PLATFORM=offscreen checks all but the window)"])
    try:
        done = subprocess.run(
            window_child_command(),
            env=env,
            capture_output=True,
            text=True,
            timeout=WINDOW_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(
            [f"the window did not open within {WINDOW_TIMEOUT_S:.0f} s (a display that hangs?)"]
        ) from None
    if done.returncode != 0:
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
        reason = _qt_reason(done.stderr)
        raise CheckFailed([f"the window cannot open ({how})" + (f": {reason}" if reason else "")])
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else "a window opens"


def window_child() -> int:
    """The child of :func:`check_window`: open a window on the default platform, paint, report."""
    from desktop_app.app import create_application

    app = create_application()
    colours = _paint_plot(app, wait_exposed=True)
    if colours < 3:
        print("a window opened but its plot painted as a single colour", file=sys.stderr)
        return 1
    print(f"a window opens on Qt platform '{app.platformName()}' and paints ({colours} colours)")
    return 0


def _check_torch() -> str:
    import torch

    from core.device import describe_device, resolve_device

    device = resolve_device("auto")
    x = torch.ones(3, device=device, requires_grad=True)
    (x**2).sum().backward()
    if not torch.equal(x.grad.cpu(), torch.full((3,), 2.0)):
        raise RuntimeError("autograd gave a wrong gradient")
    return f"torch {torch.__version__} on {describe_device(device)}, autograd works"


def _check_scene() -> str:
    import json

    from core.fileio import write_atomic
    from core.lessons import list_lessons
    from core.runner import run_scene
    from core.scene import load_scene

    lessons = list_lessons()
    if not lessons:
        raise RuntimeError("no built-in lesson scenes found")
    result = run_scene(load_scene(lessons[0].path), steps=10, device="cpu")
    with tempfile.TemporaryDirectory() as folder:
        write_atomic(os.path.join(folder, "result.json"), json.dumps(result))
    return f"{len(lessons)} lesson scenes; '{lessons[0].key}' runs ({len(result['runs'])} runs)"


def checks() -> list[tuple[str, Callable[[], str]]]:
    """The checks for this environment (see the module's docstring)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        qt = [("Qt", _check_qt_paints)]
    else:
        env = dict(os.environ)

        def offscreen() -> str:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # this process draws offscreen
            return _check_qt_paints()

        qt = [("window", lambda: check_window(env)), ("Qt", offscreen)]
    return [*qt, ("torch", _check_torch), ("scene", _check_scene)]


def self_test() -> int:
    failed = 0
    for name, check in checks():
        try:
            print(f"ok    {name:6s} {check()}", flush=True)
        except Exception as error:  # report every check, then fail
            failed += 1
            lines = error.lines if isinstance(error, CheckFailed) else [str(error)]
            prefix = "" if isinstance(error, CheckFailed) else f"{error.__class__.__name__}: "
            print(f"FAIL  {name:6s} {prefix}{lines[0]}", file=sys.stderr)
            for line in lines[1:]:
                print(f"      {line}", file=sys.stderr)
            sys.stderr.flush()
            if os.environ.get("LOSSLAB_DEBUG"):
                traceback.print_exc()
    print("self-test passed" if not failed else f"self-test FAILED ({failed} check(s))")
    return 1 if failed else 0

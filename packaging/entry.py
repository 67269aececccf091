"""Entry point of the PyInstaller bundle: the same ``main()`` as the ``losslab`` console script.

For packaging checks only (packaging/test_in_chroots.sh), ``LOSSLAB_SMOKE_3D=SECONDS`` makes
``losslab open`` switch the Surface Lab to its 3D tab as a user would (once the engine has loaded),
wait SECONDS, print one JSON line ``{"smoke_3d": {...}}`` (the Qt platform, whether the OpenGL view
is up, the colours of a frame it drew) and quit: exit code 0 when the 3D view drew, 3 when it did
not. A graphics stack that cannot load (e.g. Mesa against the wrong libstdc++) aborts the process
instead, as it would for a user.
"""

import json
import multiprocessing
import os
import sys

from desktop_app.main import main

SMOKE_ENV = "LOSSLAB_SMOKE_3D"


def _smoke_3d(window, seconds: float) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    lab = window.surface_lab
    if lab is None:  # the Surface Lab page comes once torch and the engine have loaded
        QTimer.singleShot(250, lambda: _smoke_3d(window, seconds))
        return
    lab.views.setCurrentIndex(1)  # the 3D tab, built on first use

    def report() -> None:
        view = lab.view3d
        gl = view.gl_view if view is not None else None
        colours = 0
        if gl is not None and gl.isValid():
            image = gl.grabFramebuffer()
            colours = len(
                {
                    image.pixel(x, y)
                    for x in range(0, image.width(), 5)
                    for y in range(0, image.height(), 5)
                }
            )
        result = {
            "platform": QGuiApplication.platformName(),
            "available": bool(view is not None and view.available),
            "reason": view.unavailable_reason if view is not None else "no 3D view",
            "context_valid": bool(gl is not None and gl.isValid()),
            "frame_colours": colours,
        }
        print(json.dumps({"smoke_3d": result}), flush=True)
        QApplication.exit(0 if result["available"] and colours > 1 else 3)

    QTimer.singleShot(int(seconds * 1000), report)


def _install_smoke_3d(seconds: float) -> None:
    from PySide6.QtCore import QTimer

    from desktop_app import main_window

    show = main_window.MainWindow.show

    def show_then_open_3d(self) -> None:
        show(self)
        QTimer.singleShot(500, lambda: _smoke_3d(self, seconds))

    main_window.MainWindow.show = show_then_open_3d


if __name__ == "__main__":
    # A frozen program that starts worker processes must call this first (no-op elsewhere).
    multiprocessing.freeze_support()
    if os.environ.get(SMOKE_ENV):
        _install_smoke_3d(float(os.environ[SMOKE_ENV]))
    sys.exit(main())

"""Double descent (Nakkiran et al. 2019): test and training error against model width on a small
noisy task, the interpolation threshold marked (``core.nets.double_descent``).

``window.DoubleDescentWindow`` (Tools ▸ Double descent…) runs the width sweep in a worker thread
and draws the points as they come. Importing this package is light (the main window builds its
menu with ``menu_text``); the window and pyqtgraph are imported when first shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

__all__ = ["menu_text", "show_double_descent_window"]


def menu_text() -> str:
    """The Tools menu's entry, in the current language (the window's context in the .ts)."""
    return QCoreApplication.translate("DoubleDescentWindow", "&Double descent…")


def show_double_descent_window(main: Any) -> Any:
    """Show ``main``'s "Double descent" window (see :mod:`desktop_app.double_descent.window`)."""
    from desktop_app.double_descent.window import show_double_descent_window as show

    return show(main)

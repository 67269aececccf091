"""Showing a tool window of the Tools menu: one per main window, made on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

Window = TypeVar("Window", bound=QWidget)


def show_tool_window(main: Any, window_class: type[Window], make: Callable[[], Window]) -> Window:
    """``main``'s window of ``window_class`` (``make()`` builds it the first time, a child of
    ``main``; its ``shutdown`` runs when the application quits), brought to the front on the
    current task (its ``refresh_task``, where it has one)."""
    window = main.findChild(window_class)
    if window is None:
        window = make()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(window.shutdown)
    refresh = getattr(window, "refresh_task", None)
    if refresh is not None:
        refresh()
    window.show()
    window.raise_()
    window.activateWindow()
    return window

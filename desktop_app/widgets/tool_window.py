"""Tool windows of the Tools menu: showing one (one per main window, made on first use), and the
background run they share (:class:`StreamWindow`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from desktop_app.widgets.labels import show_status
from desktop_app.widgets.screen_fit import fit_to_screen
from desktop_app.workers import StreamRunner

Window = TypeVar("Window", bound=QWidget)

# A tool window's run: IDLE until Run, RUNNING, then DONE, STOPPED (by the user; what was
# computed stays) or FAILED (its message says why).
IDLE, RUNNING, DONE, STOPPED, FAILED = "idle", "running", "done", "stopped", "failed"


def show_tool_window(main: Any, window_class: type[Window], make: Callable[[], Window]) -> Window:
    """``main``'s window of ``window_class`` (``make()`` builds it the first time, a child of
    ``main``, at its default size fitted to ``main``'s screen; its ``shutdown`` runs when the
    application quits), brought to the front on the current task (its ``refresh_task``, where it
    has one)."""
    window = main.findChild(window_class)
    if window is None:
        window = make()
        fit_to_screen(window, window.size())  # its default size, where the screen has room
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


class StreamWindow:
    """A tool window's one background run (a mixin before the window's Qt classes): its
    ``state``, how long it ran, a message line (the run's error or an action's outcome), Stop,
    and a stop when the window closes or the application quits.

    The window calls :meth:`_init_stream` (or sets ``self.runner`` itself and connects its
    ``finished`` to :meth:`_on_finished`) and :meth:`_begin_run` before starting the runner, and
    provides ``_redraw()`` and ``failure_text(message)``."""

    runner: Any

    def _init_stream(self, key: str, on_items: Callable[[list], None]) -> None:
        """The run's state, and a :class:`StreamRunner` under ``key`` whose batches of items go
        to ``on_items``."""
        self._init_run_state()
        self.runner = StreamRunner(key, self)  # type: ignore[arg-type]
        self.runner.items.connect(on_items)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)

    def _init_run_state(self) -> None:
        self.state = IDLE
        self.message = ""
        self.message_is_error = False
        self._started = 0.0
        self._seconds = 0.0

    def _begin_run(self) -> None:
        """The state of a run starting now (the caller starts the runner next)."""
        self.state, self.message, self.message_is_error = RUNNING, "", False
        self._started, self._seconds = time.perf_counter(), 0.0

    def stop(self) -> None:
        """Stop the run; what it computed so far stays."""
        if not self.runner.running():
            return
        self.runner.stop()
        self._seconds = time.perf_counter() - self._started
        self.state = STOPPED
        self._redraw()

    def _finished_state(self) -> str:
        return DONE

    def _on_finished(self) -> None:
        self._seconds = time.perf_counter() - self._started
        self.state = self._finished_state()
        self._redraw()

    def _on_failed(self, message: str) -> None:
        self.state = FAILED
        self._set_message(self.failure_text(message), error=True)

    def failure_text(self, message: str) -> str:
        raise NotImplementedError

    def _set_message(self, text: str, error: bool = False) -> None:
        self.message, self.message_is_error = text, error
        self._show_message()

    def _show_message(self) -> None:
        self._redraw()

    def _show_status(self, grey: bool = False) -> None:
        """The window's message line (``self.status``): ``_status_text()``, in the error colour
        after a failure (``grey``: a hint's grey otherwise)."""
        show_status(self.status, self._status_text(), self.message_is_error, grey)  # type: ignore[attr-defined]

    def _redraw(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop the run and wait for the worker (the application quits)."""
        self.runner.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.stop()  # nothing computes for a window no one sees
        super().closeEvent(event)  # type: ignore[misc]

"""One engine generator at a time in a worker thread, its items handed to the GUI in batches.

:class:`StreamRunner` wraps a :class:`~desktop_app.workers.ComputeService` for a tool window that
runs one stream: ``items(list)`` per batch, ``finished()`` at the end, ``failed(message)`` when
the stream raised. :meth:`StreamRunner.stop` stops between two batches and drops what is still on
its way. Used by the "Inside the layers" and "Double descent" windows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.workers import Batch, ComputeService


class StreamRunner(QObject):
    """Runs ``make()`` (called in the worker thread) and emits its items."""

    items = Signal(object)  # list of the stream's items
    finished = Signal()
    failed = Signal(str)

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        self._running = False

    def running(self) -> bool:
        return self._running

    def start(self, make: Callable[[], Iterator[Any]]) -> None:
        """Run a new stream (one in flight is stopped first)."""
        self.stop()
        self._running = True
        generation = self.service.bump(self.key)
        self.service.submit([(self.key, generation, make)])

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self.service.bump(self.key)
        self.service.abort()

    def wait(self, msecs: int = 5000) -> bool:
        return self.service.wait(msecs)

    def shutdown(self) -> None:
        self.stop()
        self.service.wait(10000)

    def _on_batch(self, batch: Batch) -> None:
        if not self._running:
            return
        if batch.items:
            self.items.emit(list(batch.items))
        if batch.done:
            self._running = False
            self.finished.emit()

    def _on_failed(self, _key: str, message: str) -> None:
        if not self._running:
            return
        self._running = False
        self.failed.emit(message)

"""Where the Network Lab trains: a separate process (default) or the app's worker thread.

Both backends take the same commands -- ``new_training(spec)``, ``run(epochs, rate, watch)``,
``pause()``, ``compute(kind, label, argument)`` -- and emit ``batchReady(Batch)`` on the GUI
thread with ``Batch.key`` "train", "curvature" or "landscape"; batches of an older training never
arrive.

Why a process: a small network's training step is Python-bound (torch's per-op overhead), and so
is drawing with pyqtgraph. In one process both need the GIL: measured here, TensorFlow
Playground's setting trains at ~92 epochs/s in a worker thread while the GUI thread idles, but at
~20 epochs/s while the GUI thread draws (the threads convoy on the GIL), and the GUI manages only
~10 frames a second. A spawned process (``multiprocessing``, no Qt in it; it imports torch and
``core`` once, in the background) trains on one core while the GUI draws on the other.
``LOSSLAB_NETS_IN_PROCESS=1`` selects the worker-thread backend (``ComputeService``, one torch
thread), which the tests of that path and machines without ``spawn`` use.

The trainer process ends with the app even when the app cannot tell it (killed, crashed): its
entry, :func:`desktop_app.network_lab.trainer_child.run_trainer`, watches the parent.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import queue
import sys
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.network_lab.session import RESULT_KEYS, TrainingSpec, compute
from desktop_app.network_lab.trainer_child import run_trainer
from desktop_app.workers import Batch, ComputeService

TRAIN_KEY = "train"
POLL_MS = 10  # how often the GUI thread collects the trainer process's results
IN_PROCESS_ENV = "LOSSLAB_NETS_IN_PROCESS"


def start_trainer(context=None):
    """Start a trainer process; returns ``(process, commands, results)``. The process exits by
    itself when this (its parent) process is gone."""
    context = context or multiprocessing.get_context("spawn")
    commands, results = context.Queue(), context.Queue()
    process = context.Process(
        target=run_trainer,
        args=(commands, results),
        name="losslab-network-trainer",
        daemon=True,
    )
    process.start()
    return process, commands, results


class _Training:
    """A spec and its session, built on first use (in the worker thread)."""

    def __init__(self, spec: TrainingSpec) -> None:
        self.spec = spec
        self._session = None

    def session(self):
        if self._session is None:
            self._session = self.spec.session()
        return self._session


class ThreadBackend(QObject):
    """Trains in the app's serial worker thread (``ComputeService``)."""

    batchReady = Signal(object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = ComputeService(self)
        self.service.batchReady.connect(self.batchReady)
        self.service.failed.connect(self.failed)
        self.training: _Training | None = None

    def new_training(self, spec: TrainingSpec) -> None:
        self.service.abort()
        for key in (TRAIN_KEY, *set(RESULT_KEYS.values())):
            self.service.bump(key)
        self.training = _Training(spec)

    def run(self, epochs: int | None, rate: float, watch: tuple[str, ...] = ("ratios",)) -> None:
        training = self.training  # the job keeps its own training, whatever happens later
        generation = self.service.generation(TRAIN_KEY)
        self.service.start(
            [(TRAIN_KEY, generation, lambda: training.session().items(epochs, rate, watch))]
        )

    def pause(self) -> None:
        self.service.abort()

    def compute(self, kind: str, label: str, argument: Any = None) -> None:
        training, key = self.training, RESULT_KEYS[kind]

        def job():
            yield compute(training.session(), kind, label, argument)

        self.service.start([(key, self.service.bump(key), job)])

    def busy(self) -> bool:
        return self.service.busy()

    def shutdown(self) -> None:
        self.service.abort()
        self.service.wait(3000)


class ProcessBackend(QObject):
    """Trains in a spawned process; results are collected by a timer on the GUI thread."""

    batchReady = Signal(object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = multiprocessing.get_context("spawn")
        self._process = None
        self._commands = self._results = None
        self._generation = 0
        self._requests = itertools.count(1)
        self._outstanding: set[int] = set()
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._collect)

    def _send(self, *command: Any) -> None:
        if self._process is None:
            self._process, self._commands, self._results = start_trainer(self._context)
            self._timer.start()
        self._commands.put(command)

    def new_training(self, spec: TrainingSpec) -> None:
        self._generation += 1
        self._outstanding.clear()
        self._send("new", self._generation, spec)

    def run(self, epochs: int | None, rate: float, watch: tuple[str, ...] = ("ratios",)) -> None:
        request = next(self._requests)
        self._outstanding.add(request)
        self._send("run", self._generation, request, epochs, rate, tuple(watch))

    def pause(self) -> None:
        if self._process is not None:
            self._send("pause")

    def compute(self, kind: str, label: str, argument: Any = None) -> None:
        request = next(self._requests)
        self._outstanding.add(request)
        self._send("compute", self._generation, request, kind, label, argument)

    def busy(self) -> bool:
        return bool(self._outstanding)

    def _collect(self) -> None:
        """Hand every result waiting in the queue to the page (stale trainings dropped)."""
        while True:
            try:
                message = self._results.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
            if message[0] == "error":
                _, key, generation, request, text = message
                self._outstanding.discard(request)
                if generation == self._generation:
                    self.failed.emit(key, text)
                continue
            key, generation, request, items, done = message
            if done:
                self._outstanding.discard(request)
            if generation == self._generation and (items or done):
                self.batchReady.emit(Batch(key, generation, items, done))
        if self._process is not None and not self._process.is_alive() and self._outstanding:
            self._outstanding.clear()
            self.failed.emit(TRAIN_KEY, "the trainer process stopped unexpectedly")

    def shutdown(self) -> None:
        self._timer.stop()
        if self._process is None:
            return
        with contextlib.suppress(OSError, ValueError):  # the queue may be gone already
            self._commands.put(("quit",))
        self._process.join(3)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1)
        self._process = None


def make_backend(parent: QObject | None = None) -> ThreadBackend | ProcessBackend:
    """The process backend, except where ``IN_PROCESS_ENV`` asks for the thread, and in a frozen
    (PyInstaller) build: there a spawned child re-runs the app's executable, which is only safe
    when its entry calls ``multiprocessing.freeze_support()`` first."""
    if os.environ.get(IN_PROCESS_ENV) == "1" or getattr(sys, "frozen", False):
        return ThreadBackend(parent)
    return ProcessBackend(parent)

"""The thread that drives the engine's generators, off the GUI thread.

One serial pool (one thread): jobs never compete with each other for the 2 cores, and a generator
is never advanced from two threads. A job is a superqt ``GeneratorWorker``; it yields small
batches, so aborting it (a flag checked between batches) takes effect within one batch.
Every batch carries the generation it was computed for, so the receiver drops stale ones.

A stream that raises fails alone: the exception is caught inside the job, between that stream's
items, and becomes ``failed(key, message)``; the job goes on with the other streams. (superqt's
``GeneratorWorker`` takes a ``RuntimeError`` escaping the generator -- torch raises those -- for a
deleted worker and stops without ``errored`` or ``finished``, which once stopped every run in
flight and left the service busy for ever.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker

BATCH_SECONDS = 0.03  # hand a batch to the GUI about every 30 ms of compute
# A stream's first batch goes after this much of its own compute, each next one after twice as
# much, up to BATCH_SECONDS: a run's first frames show at once, later batches cost the GUI less.
FIRST_BATCH_SECONDS = 0.002


@dataclass
class Batch:
    key: str  # which job stream, e.g. a run id or "surface"
    generation: int
    items: list[Any]
    done: bool = False
    # The stream raised: "ExceptionName: message". Such a batch is the stream's last (done, no
    # items); the service turns it into ``failed(key, error)`` instead of ``batchReady``.
    error: str | None = None


def describe(error: BaseException) -> str:
    """How a failure is reported: ``"RuntimeError: message"``."""
    return f"{error.__class__.__name__}: {error}"


def _batched(key: str, generation: int, items: Iterator[Any]) -> Iterator[Batch]:
    """Batches of one stream; an exception from the stream ends it with an error batch (the
    items computed before it are handed over first).

    A batch goes when this stream's own compute since the last one reaches the budget (the time
    spent on the other streams of a job does not count, so racing runs grow together); the
    budget starts at ``FIRST_BATCH_SECONDS`` and doubles up to ``BATCH_SECONDS``."""
    pending: list[Any] = []
    try:
        import torch

        # A second torch thread gains little here and slows the GUI thread when they compete.
        torch.set_num_threads(1)
        iterator = iter(items)
    except Exception as error:
        yield Batch(key, generation, [], done=True, error=describe(error))
        return
    budget, spent = FIRST_BATCH_SECONDS, 0.0
    while True:
        began = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            break
        except Exception as error:  # this stream only: the job goes on with the others
            if pending:
                yield Batch(key, generation, pending)
            yield Batch(key, generation, [], done=True, error=describe(error))
            return
        pending.append(item)
        spent += time.perf_counter() - began
        if spent >= budget:
            yield Batch(key, generation, pending)
            pending, spent, budget = [], 0.0, min(budget * 2, BATCH_SECONDS)
    yield Batch(key, generation, pending, done=True)


def _job(streams: list[tuple[str, int, Iterator[Any]]]) -> Iterator[Batch]:
    """Advance several streams round-robin, so that racing runs grow together."""
    active = [(key, gen, _batched(key, gen, items)) for key, gen, items in streams]
    while active:
        for entry in list(active):
            key, gen, stream = entry
            try:
                batch = next(stream, None)
            except Exception as error:  # _batched catches the stream's errors; belt and braces
                batch = Batch(key, gen, [], done=True, error=describe(error))
            if batch is None:
                active.remove(entry)
                continue
            yield batch
            if batch.done:
                active.remove(entry)


class ComputeService(QObject):
    """Runs engine generators in a background thread and emits their batches."""

    batchReady = Signal(object)  # Batch
    failed = Signal(str, str)  # key, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._workers: list[GeneratorWorker] = []
        self._generation: dict[str, int] = {}
        # Streams not finished yet, by key: every new job takes all of them up again, continuing
        # the same iterator (built once, by the first job that advances it).
        self._pending: dict[str, tuple[int, Callable[[], Iterator[Any]], _Lazy]] = {}

    def generation(self, key: str) -> int:
        return self._generation.get(key, 0)

    def bump(self, key: str) -> int:
        """Invalidate every batch in flight for ``key`` and forget its unfinished stream; returns
        the new generation."""
        self._generation[key] = self._generation.get(key, 0) + 1
        self._pending.pop(key, None)
        return self._generation[key]

    def submit(self, streams: list[tuple[str, int, Callable[[], Iterator[Any]]]]) -> None:
        """Add streams and start one job over every unfinished, current stream (the old job
        stops between two batches; the streams it was advancing continue in the new one where
        they are: a stream's ``make`` is called once, never again for a restarted job)."""
        for key, generation, make in streams:
            kept = self._pending.get(key)
            if kept is None or kept[:2] != (generation, make):
                self._pending[key] = (generation, make, _Lazy(make))
        self._pending = {
            key: entry for key, entry in self._pending.items() if self.generation(key) == entry[0]
        }
        self._start_job(
            [(key, generation, lazy) for key, (generation, _, lazy) in self._pending.items()]
        )

    def has_pending(self) -> bool:
        return bool(self._pending)

    def is_current(self, batch: Batch) -> bool:
        return self._generation.get(batch.key, 0) == batch.generation

    def start(self, streams: list[tuple[str, int, Callable[[], Iterator[Any]]]]) -> None:
        """Start one job over ``(key, generation, make_iterator)``; earlier jobs are aborted.

        ``make_iterator`` is called in the worker thread, so building an engine (which may touch
        torch for a while) stays off the GUI thread too.
        """
        self._start_job([(key, generation, _Lazy(make)) for key, generation, make in streams])

    def _start_job(self, streams: list[tuple[str, int, _Lazy]]) -> None:
        self.abort()
        if not streams:
            return
        worker = GeneratorWorker(_job, streams)
        worker.yielded.connect(self._deliver)
        keys = [(key, generation) for key, generation, _ in streams]
        worker.errored.connect(lambda error, keys=keys: self._error(keys, error))
        worker.finished.connect(lambda w=worker: self._forget(w))
        self._workers.append(worker)
        self._pool.start(worker)

    def abort(self) -> None:
        for worker in self._workers:
            worker.quit()

    def wait(self, msecs: int = 5000) -> bool:
        """Block until the pool is idle (tests and shutdown)."""
        return self._pool.waitForDone(msecs)

    def busy(self) -> bool:
        return bool(self._workers)

    def _deliver(self, batch: Batch) -> None:
        if not self.is_current(batch):
            return
        if batch.done:
            self._pending.pop(batch.key, None)
        if batch.error is not None:
            self.failed.emit(batch.key, batch.error)
        else:
            self.batchReady.emit(batch)

    def _error(self, keys: list[tuple[str, int]], error: BaseException) -> None:
        """The whole job raised (not one stream: those end with an error batch)."""
        for key, generation in keys:
            if self.generation(key) == generation:
                self._pending.pop(key, None)
                self.failed.emit(key, describe(error))

    def _forget(self, worker: GeneratorWorker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)


class StreamRunner(QObject):
    """One engine generator at a time in a worker thread, for a tool window that runs one
    stream: ``start(make)`` runs ``make()`` (called in the worker thread) and emits its items in
    batches, ``items(list)``; ``finished()`` at the end, ``failed(message)`` when the stream
    raised. :meth:`stop` stops between two batches and drops what is still on its way."""

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


class _Lazy:
    """An iterator built on first use, in whichever thread first uses it."""

    def __init__(self, make: Callable[[], Iterator[Any]]) -> None:
        self._make, self._it = make, None

    def __iter__(self) -> _Lazy:
        return self

    def __next__(self) -> Any:
        if self._it is None:
            self._it = iter(self._make())
        return next(self._it)

"""The flowchart's experiments in the background: a shallower model, held-out data, k-fold.

:class:`ExperimentRunner` trains one experiment at a time on its own
:class:`~desktop_app.workers.ComputeService` (a worker thread; an exception -- torch's
``RuntimeError`` included -- fails that experiment alone) and reports progress per epoch record;
:meth:`ExperimentRunner.cancel` stops it between two batches. What a finished experiment means for
the walk is :func:`walk_result` (``core.diagnose``'s ``compare_shallower``, held-out ``Curves``,
``kfold_summary``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.workers import Batch, ComputeService

EXPERIMENT_KEY = "diagnose-experiment"
DEFAULT_FOLDS = 4  # k of k-fold when the Network Lab's settings name none


def planned_records(kind: str, setup: Any) -> int:
    """How many epoch records the experiment yields (epoch 0 included; early stopping may end
    it sooner): the progress bar's total."""
    per_run = setup.train.epochs + 1
    return per_run * folds_of(setup) if kind == "kfold" else per_run


def folds_of(setup: Any) -> int:
    return int(getattr(setup, "kfold", None) or DEFAULT_FOLDS)


def experiment_records(kind: str, setup: Any, device: str = "cpu") -> Iterator[Any]:
    """The epoch records of experiment ``kind`` on a Network Lab setup (``NetworkSetup``:
    ``data``, ``model``, ``train``), trained headless; runs in the worker thread."""
    from core.diagnose import flowchart
    from core.nets.datasets import make_dataset
    from core.nets.trainer import EpochRecord, Trainer, kfold_records

    train = replace(setup.train, per_step=False)  # the walk reads epochs only
    if kind == "kfold":
        data = make_dataset(**setup.data)
        records = kfold_records(data, setup.model, train, folds_of(setup), device=device)
    elif kind in ("shallower_model", "hold_out"):
        make_run = flowchart.shallower_run if kind == "shallower_model" else flowchart.hold_out_run
        run = make_run(setup.data, setup.model, train)
        data = make_dataset(**run.data)
        records = Trainer(data, run.model, run.train, device=device, label=run.label).records()
    else:
        raise ValueError(f"unknown experiment {kind!r}")
    for record in records:
        if isinstance(record, EpochRecord):
            yield record


def walk_result(kind: str, curves: Any, records: list[Any]) -> Any:
    """What ``core.diagnose.walk`` takes for a finished experiment (for ``kfold``, which the walk
    does not read, the per-epoch summary of the folds)."""
    from core.diagnose import compare_shallower, curves_from_records

    if kind == "shallower_model":
        return compare_shallower(curves, records)
    if kind == "hold_out":
        return curves_from_records(records)
    from core.nets.trainer import kfold_summary

    return kfold_summary(records)


class ExperimentRunner(QObject):
    """One experiment at a time in a worker thread: ``progressed(kind, done, total)``,
    ``finished(kind, records)``, ``failed(kind, message)``."""

    progressed = Signal(str, int, int)
    finished = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        self.kind: str | None = None  # the experiment running, None when idle
        self._records: list[Any] = []
        self._total = 1

    def running(self) -> bool:
        return self.kind is not None

    def start(self, kind: str, setup: Any, device: str = "cpu") -> None:
        """Train experiment ``kind`` on ``setup`` (an experiment already running is cancelled)."""
        self.cancel()
        self.kind, self._records = kind, []
        self._total = max(planned_records(kind, setup), 1)
        generation = self.service.bump(EXPERIMENT_KEY)
        self.service.submit(
            [(EXPERIMENT_KEY, generation, lambda: experiment_records(kind, setup, device))]
        )
        self.progressed.emit(kind, 0, self._total)

    def cancel(self) -> None:
        """Stop the experiment in flight; its batches still on their way are dropped."""
        if self.kind is None:
            return
        self.kind = None
        self.service.bump(EXPERIMENT_KEY)
        self.service.abort()

    def wait(self, msecs: int = 5000) -> bool:
        return self.service.wait(msecs)

    def shutdown(self) -> None:
        self.cancel()
        self.service.wait(10000)

    def _on_batch(self, batch: Batch) -> None:
        kind = self.kind
        if kind is None:
            return
        self._records.extend(batch.items)
        done = self._total if batch.done else min(len(self._records), self._total)
        self.progressed.emit(kind, done, self._total)
        if batch.done:
            self.kind = None
            self.finished.emit(kind, list(self._records))

    def _on_failed(self, _key: str, message: str) -> None:
        kind = self.kind
        if kind is None:
            return
        self.kind = None
        self.failed.emit(kind, message)

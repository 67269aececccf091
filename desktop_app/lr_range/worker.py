"""The sweep in the background: the Network Lab's settings (``page.model.settings``) become a
:class:`SweepPlan`, checked on the GUI thread (:func:`plan_sweep`: a refused setting shows at
once); :func:`sweep_points` builds the lab's network -- the same initial weights as the page's,
from the same seed, never the page's own model -- and yields ``core.nets.lr_finder.RangePoint``
as the sweep goes, in the worker thread. :class:`SweepRunner` drives it on a
:class:`~desktop_app.workers.ComputeService` (one worker thread; ``stop`` stops between two
batches of points).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.workers import Batch, ComputeService

SWEEP_KEY = "lr-range-test"


@dataclass(frozen=True)
class SweepPlan:
    """What the sweep trains: the Network Lab's data (with its clicked points), network and
    training config, and the sweep's range."""

    data: dict[str, Any]  # core.nets.datasets.make_dataset's arguments
    points: tuple[tuple[float, float, int], ...]
    model: Any  # core.nets.models.ModelConfig
    train: Any  # core.nets.trainer.TrainConfig: optimizer, batch size, seed, loss
    start_lr: float
    end_lr: float
    steps: int

    @property
    def optimizer(self) -> str:
        return str(self.train.optimizer["name"])


def plan_sweep(settings: dict[str, Any], start_lr: float, end_lr: float, steps: int) -> SweepPlan:
    """The sweep of the Network Lab's ``settings``; raises ``ValueError`` (a
    ``core.scene.SceneError`` included) saying what the scene format or the range test refuses."""
    from core.nets.lr_finder import lr_schedule, range_test_problem
    from desktop_app.network_lab.settings import setup_of_settings

    setup = setup_of_settings(settings)
    problem = range_test_problem(setup.train.optimizer["name"])
    if problem is not None:
        raise ValueError(problem)
    lr_schedule(int(steps), float(start_lr), float(end_lr))  # the range's own checks
    points = tuple((float(x), float(y), int(c)) for x, y, c in settings.get("points", []))
    return SweepPlan(
        setup.data, points, setup.model, setup.train, float(start_lr), float(end_lr), int(steps)
    )


def plan_trainer(plan: SweepPlan) -> Any:
    """A fresh trainer of the plan (``core.nets.trainer.Trainer``): the page's initial weights."""
    from core.nets.trainer import Trainer
    from desktop_app.network_lab.session import TrainingSpec

    data = TrainingSpec(kind="single", data=plan.data, points=plan.points).dataset()
    return Trainer(data, plan.model, plan.train)


def sweep_points(plan: SweepPlan) -> Iterator[Any]:
    """The sweep's points (runs in the worker thread)."""
    from core.nets.lr_finder import trainer_range_points

    trainer = plan_trainer(plan)
    yield from trainer_range_points(
        trainer, start_lr=plan.start_lr, end_lr=plan.end_lr, steps=plan.steps
    )


class SweepRunner(QObject):
    """One sweep at a time in a worker thread: ``points(list)`` per batch, ``finished()`` at
    the end, ``failed(message)`` when it raised."""

    points = Signal(object)
    finished = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        self._running = False

    def running(self) -> bool:
        return self._running

    def start(self, plan: SweepPlan) -> None:
        """Sweep ``plan`` (a sweep in flight is stopped first)."""
        self.stop()
        self._running = True
        generation = self.service.bump(SWEEP_KEY)
        self.service.submit([(SWEEP_KEY, generation, lambda: sweep_points(plan))])

    def stop(self) -> None:
        """Stop between two batches; the batches still on their way are dropped."""
        if not self._running:
            return
        self._running = False
        self.service.bump(SWEEP_KEY)
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
            self.points.emit(list(batch.items))
        if batch.done:
            self._running = False
            self.finished.emit()

    def _on_failed(self, _key: str, message: str) -> None:
        if not self._running:
            return
        self._running = False
        self.failed.emit(message)

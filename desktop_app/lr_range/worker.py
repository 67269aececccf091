"""The sweep in the background: the Network Lab's settings (``page.model.settings``) become a
:class:`SweepPlan`, checked on the GUI thread (:func:`plan_sweep`: a refused setting shows at
once); :func:`sweep_points` builds the lab's network -- the same initial weights as the page's,
from the same seed, never the page's own model -- and yields ``core.nets.lr_finder.RangePoint``
as the sweep goes, in the worker thread, driven by the window's
:class:`~desktop_app.workers.StreamRunner` (``stop`` stops between two batches of points).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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

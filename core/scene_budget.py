"""The work budget of a scene: its estimated cost (``core.limits.scene_cost``) refused above the
limits, optionally for another run length (``losslab run --steps``)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import TYPE_CHECKING

from core.limits import RunCost, SceneCost, scene_cost
from core.scene_fields import MAX_STEPS, SceneError

if TYPE_CHECKING:
    from core.scene import Scene


def check_budget(scene: Scene, steps: int | None = None, *, source: str = "") -> SceneCost:
    """Refuse a scene whose estimated cost is over the budget; return the estimate.

    ``steps`` overrides every run's ``steps`` (a network scene's ``epochs``), as ``losslab run
    --steps`` does; the schedules are then also checked against that length (a one-cycle
    schedule shorter than the new run would fail half-way). Raises :class:`SceneError` naming
    the costliest run (``source`` is the file name for the message), e.g. ``runs[0]: too much
    work: 100000 points x 100 steps would record about 6.0 GB (the limit is 2.0 GB); use fewer
    points or steps``. The budgets and the cost model are in :mod:`core.limits`.
    """
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
            raise SceneError(
                f"steps must be an integer between 0 and {MAX_STEPS}, got {steps!r}", source=source
            )
        _check_schedules_for(scene, steps, source)
    cost = _scene_cost(scene, steps)
    problem = cost.problem()
    if problem is not None:
        path, message = problem
        if scene.network is not None and path == "runs":  # a race: its members are the runs
            path, message = "network.race", message.replace(" runs would ", " networks would ")
        if steps is not None:
            message = f"with {_length(scene, steps)}: {message}"
        raise SceneError(message, path=path, source=source)
    return cost


def _scene_cost(scene: Scene, steps: int | None) -> SceneCost:
    """``core.limits.scene_cost``, with a network's extras: a race costs each member's training
    (its own optimizer and batch size: about the number of networks times one). Weight
    averaging's evaluation of the averaged model after every epoch is counted with the
    training (``core.limits``)."""
    network = scene.network
    if network is None:
        return scene_cost(scene, steps)
    if steps is None and network.training.snapshots is not None:
        steps = network.training.trained_epochs()  # the cycles set the length
    if not network.race:
        return scene_cost(scene, steps)
    runs: list[RunCost] = []
    for index, member in enumerate(network.race):
        training = network.training.model_copy(
            update={"optimizer": member.optimizer, "batch_size": member.batch_size}
        )
        alone = SimpleNamespace(network=network.model_copy(update={"training": training}))
        for run in scene_cost(alone, steps).runs:
            runs.append(replace(run, where=f"network.race[{index}]"))
    return SceneCost(tuple(runs))


def _length(scene: Scene, steps: int) -> str:
    return f"{steps} {'epochs' if scene.network is not None else 'steps'}"


def _check_schedules_for(scene: Scene, steps: int, source: str) -> None:
    from core.schedules import check_schedule

    if scene.network is not None:
        training = scene.network.training
        pairs = [("network.training.schedule", training.schedule, training.optimizer.lr)]
    else:
        pairs = [
            (f"runs[{i}].schedule", run.schedule, run.optimizer.lr)
            for i, run in enumerate(scene.runs)
        ]
    for path, schedule, lr in pairs:
        if schedule is None:
            continue
        try:
            check_schedule(schedule.to_config(), steps, lr)
        except ValueError as error:
            message = f"with {_length(scene, steps)}: {error}"
            raise SceneError(message, path=path, source=source) from None

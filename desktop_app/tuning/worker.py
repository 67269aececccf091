"""Both searches in the background: the grid, then as many random trials (``core.nets.search``).

:func:`plan_search` turns the Network Lab's settings (``page.model.settings``) and the window's
choices into a :class:`SearchPlan` (validated on the GUI thread, so a refused setting shows at
once); :func:`tuning_events` trains it -- in the worker thread -- and yields
``core.nets.search.SearchProgress`` events, and a :class:`TrialFailed` for a trial that raised:
the chunk it was trained in is trained again one trial at a time, so that a failing trial fails
alone. The window's :class:`~desktop_app.workers.StreamRunner` drives the events (one worker
thread; ``stop`` stops between two batches).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from desktop_app.workers import describe

SEARCH_KEY = "tuning-search"
KINDS = ("grid", "random")


@dataclass(frozen=True)
class SearchPlan:
    """What both searches train: the Network Lab's data, model and training (``base``, with the
    window's epochs), the axes, values per axis and the random search's seed."""

    data: dict[str, Any]  # core.nets.datasets.make_dataset's arguments
    points: tuple[tuple[float, float, int], ...]  # the Network Lab's clicked training points
    model: Any  # core.nets.models.ModelConfig
    base: Any  # core.nets.trainer.TrainConfig
    axes: tuple[Any, ...]  # core.nets.search.Axis, two
    per_axis: int
    seed: int

    def settings(self, kind: str) -> list[dict[str, float]]:
        """The trials of search ``kind`` (``core.nets.search.search_settings``)."""
        from core.nets.search import search_settings

        return search_settings(kind, self.axes, self.per_axis, self.seed)


@dataclass(frozen=True)
class TrialFailed:
    """Trial ``index`` of search ``kind`` raised ``message`` (the others go on)."""

    kind: str
    index: int
    settings: dict[str, float]
    message: str


def plan_search(
    settings: dict[str, Any], axes: Sequence[Any], per_axis: int, epochs: int, seed: int
) -> SearchPlan:
    """The plan of a search on the Network Lab's ``settings``; raises ``ValueError`` (a
    ``core.scene.SceneError`` included) for settings the scene format or the optimizer refuses."""
    from core.nets.search import apply_settings, search_settings
    from desktop_app.network_lab.settings import setup_of_settings

    setup = setup_of_settings(settings)
    # The trials' curves are read per epoch and every trial runs its epochs (no early stop).
    base = replace(setup.train, epochs=int(epochs), per_step=False, patience=None)
    for kind in KINDS:  # a value the optimizer refuses is named now, not after the grid
        for trial in search_settings(kind, axes, per_axis, seed):
            apply_settings(base, trial)
    points = tuple((float(x), float(y), int(c)) for x, y, c in settings.get("points", []))
    return SearchPlan(setup.data, points, setup.model, base, tuple(axes), int(per_axis), seed)


def plan_dataset(plan: SearchPlan) -> Any:
    """The plan's dataset, the clicked points added as the Network Lab adds them."""
    import numpy as np

    from core.nets.datasets import make_dataset

    data = make_dataset(**plan.data)
    if plan.points:
        xy = np.array([(x, y) for x, y, _ in plan.points])
        data = data.with_points(xy, np.array([c for _, _, c in plan.points]))
    return data


def tuning_events(plan: SearchPlan, device: str = "cpu") -> Iterator[Any]:
    """The grid search's events, then the random search's (runs in the worker thread)."""
    data = plan_dataset(plan)
    for kind in KINDS:
        yield from _search_events(kind, plan, data, device)


def _search_events(kind: str, plan: SearchPlan, data: Any, device: str) -> Iterator[Any]:
    from core.nets.search import search

    settings = plan.settings(kind)
    ended: set[int] = set()
    try:
        for event in search(data, plan.model, plan.base, settings, kind=kind, device=device):
            ended.update(trial.index for trial in event.finished)
            yield event
        return
    except Exception:  # noqa: BLE001 (one trial broke its chunk: find it below)
        pass
    for index in range(len(settings)):
        if index in ended:
            continue
        try:
            for event in search(
                data, plan.model, plan.base, [settings[index]], kind=kind, device=device
            ):
                finished = tuple(replace(trial, index=index) for trial in event.finished)
                yield replace(event, finished=finished)
        except Exception as error:  # noqa: BLE001 (this trial only: the others go on)
            yield TrialFailed(kind, index, dict(settings[index]), describe(error))

"""What the pages recorded, as :class:`core.beats.Outcomes` for ``core.beats.decide``.

The answer to a lesson's question is computed from these, never written in the lesson: the
Surface Lab's recorded tracks (loss per step, the test loss per step on a data surface with a
shift, and the final position of each run, up to the step the students have seen) and the
Network Lab's history (training and validation loss per epoch). They hold what
``core.beats.outcomes_from_result`` reads from a headless run, so the window and the lesson
tests decide alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.beats import Outcomes


def surface_outcomes(page: Any, up_to_step: int | None = None) -> Outcomes:
    """Each run's loss per step and last position, by label, from ``page.recorder``; with
    ``up_to_step`` only the steps up to it (what the cursor has shown). A swarm counts by its
    median (loss and position)."""
    runs: dict[str, dict[str, Any]] = {}
    for run_id, run in page.runs.items():
        track = page.recorder.get(run_id)
        if track is None or track.count == 0:
            continue
        rows = track.count if up_to_step is None else min(track.count, int(up_to_step) + 1)
        loss = np.asarray(track.loss[:rows], dtype=float)
        positions = np.asarray(track.positions[:rows], dtype=float)
        with np.errstate(all="ignore"):
            last = positions[-1, 0] if positions.shape[1] == 1 else np.nanmedian(positions[-1], 0)
            runs[run.label] = {"loss": _per_step(loss), "position": last}
            from core.runner import test_losses  # torch: imported after the window shows

            test = test_losses(page.surface, positions)
            if test is not None:
                runs[run.label]["test_loss"] = _per_step(test)
    return Outcomes(runs)


def _per_step(values: np.ndarray) -> np.ndarray:
    """(steps, points) -> per step: the value of a single run, a swarm's median."""
    return values[:, 0] if values.shape[1] == 1 else np.nanmedian(values, axis=1)


def recorded_up_to(page: Any, step: int) -> bool:
    """Whether every run has recorded ``step`` (or has ended before it): the playback cursor
    follows the run that is furthest ahead, so a slower run may not be there yet."""
    for run_id, run in page.runs.items():
        track = page.recorder.get(run_id)
        if not run.done and (track is None or track.count <= step):
            return False
    return True


def network_outcomes(page: Any) -> Outcomes:
    """Each run's training loss (``loss``) and validation loss (``val_loss``) per epoch; a run
    with weight averaging adds its averaged model (``SWA``/``EMA``) and one with a snapshot
    ensemble adds ``snapshot ensemble`` and ``last snapshot`` (validation loss at the cycles'
    ends, NaN between), under the labels ``losslab run`` gives them."""
    from core.nets.spec import AVERAGE_LABELS, SNAPSHOT_LABELS

    runs = {}
    for label, history in page.history.items():
        columns = history.columns
        runs[label] = {"loss": columns["train_loss"], "val_loss": columns["val_loss"]}
        count = len(columns["train_loss"])
        if len(history.averaged):
            averaged = history.averaged
            epochs = averaged.column("epoch")
            runs[AVERAGE_LABELS[history.averaged_kind]] = {
                "loss": _by_epoch(epochs, averaged.column("train_loss"), count),
                "val_loss": _by_epoch(epochs, averaged.column("val_loss"), count),
            }
        if history.cycles:
            epochs = np.array([cycle.epoch for cycle in history.cycles])
            for name, prefix in zip(SNAPSHOT_LABELS, ("ensemble", "single"), strict=True):
                losses = [getattr(cycle, f"{prefix}_loss") for cycle in history.cycles]
                runs[name] = {
                    "loss": np.full(count, np.nan),
                    "val_loss": _by_epoch(epochs, np.array(losses, dtype=float), count),
                }
    return Outcomes(runs)


def _by_epoch(epochs: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """``values`` placed at their ``epochs`` in a series of ``count`` epochs (NaN elsewhere)."""
    series = np.full(count, np.nan)
    epochs = np.asarray(epochs, dtype=int)
    inside = (epochs >= 0) & (epochs < count)
    series[epochs[inside]] = np.asarray(values, dtype=float)[inside]
    return series

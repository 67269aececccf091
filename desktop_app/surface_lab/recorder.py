"""Every recorded step of every run, for playback, scrubbing and stepping back.

The worker appends batches of :class:`core.engine.StepRecord`; views read slices up to the
timeline cursor. Arrays grow by doubling, so appending is amortised O(1) and reads are views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATE_KEYS = ("grad", "velocity", "second_moment", "effective_lr", "update")


@dataclass
class Track:
    """The history of one run: ``steps`` rows, row ``t`` is step ``t`` (0 = the start)."""

    n_points: int
    count: int = 0
    positions: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 2)))
    loss: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    grad_norm: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    grad: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 2)))
    lr: np.ndarray = field(default_factory=lambda: np.empty(0))
    diverged: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))
    state: dict[str, np.ndarray] = field(default_factory=dict)
    # Per-step medians over the points (a swarm's curves), computed once as records arrive.
    loss_median: np.ndarray = field(default_factory=lambda: np.empty(0))
    grad_norm_median: np.ndarray = field(default_factory=lambda: np.empty(0))
    finished: bool = False

    def _reserve(self, rows: int) -> None:
        capacity = len(self.lr)
        if rows <= capacity:
            return
        capacity = max(rows, 2 * capacity, 64)

        def grow(array: np.ndarray, shape: tuple, fill: float | bool = np.nan) -> np.ndarray:
            new = np.full((capacity, *shape), fill, dtype=bool if fill is False else float)
            if self.count:
                new[: self.count] = array[: self.count]
            return new

        n = self.n_points
        self.positions = grow(self.positions, (n, 2))
        self.loss = grow(self.loss, (n,))
        self.grad_norm = grow(self.grad_norm, (n,))
        self.grad = grow(self.grad, (n, 2))
        self.lr = grow(self.lr, ())
        self.loss_median = grow(self.loss_median, ())
        self.grad_norm_median = grow(self.grad_norm_median, ())
        self.diverged = grow(self.diverged, (n,), False)
        for key, array in self.state.items():
            self.state[key] = grow(array, (n, 2))

    def extend(self, records: list) -> None:
        if not records:
            return
        start = records[0].step
        self.count = min(self.count, start)  # a restart from an earlier step replaces the rest
        self._reserve(start + len(records))
        rows = slice(start, start + len(records))
        self.positions[rows] = np.stack([r.positions for r in records])
        self.loss[rows] = np.stack([r.loss for r in records])
        grads = np.stack([r.grad for r in records])
        self.grad[rows] = grads
        self.grad_norm[rows] = np.linalg.norm(grads, axis=-1)
        self.lr[rows] = [r.lr for r in records]
        with np.errstate(all="ignore"):
            self.loss_median[rows] = np.median(self.loss[rows], axis=1)
            self.grad_norm_median[rows] = np.median(self.grad_norm[rows], axis=1)
        self.diverged[rows] = np.stack([r.diverged for r in records])
        for key in records[-1].state:
            if key not in self.state:
                self.state[key] = np.full((len(self.lr), self.n_points, 2), np.nan)
            for offset, record in enumerate(records):
                if key in record.state:
                    self.state[key][start + offset] = record.state[key]
        self.count = start + len(records)

    def truncate(self, steps: int) -> None:
        """Keep rows ``0..steps`` (inclusive) only."""
        self.count = min(self.count, steps + 1)
        self.finished = False

    def last_step(self) -> int:
        return self.count - 1


class Recorder:
    """Tracks by run id."""

    def __init__(self) -> None:
        self.tracks: dict[str, Track] = {}

    def reset(self, run_id: str, n_points: int) -> Track:
        self.tracks[run_id] = Track(n_points=n_points)
        return self.tracks[run_id]

    def remove(self, run_id: str) -> None:
        self.tracks.pop(run_id, None)

    def get(self, run_id: str) -> Track | None:
        return self.tracks.get(run_id)

    def max_step(self) -> int:
        """The last step any run has recorded."""
        return max((t.count - 1 for t in self.tracks.values()), default=0)

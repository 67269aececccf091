"""Every recorded step of every run, for playback, scrubbing and stepping back.

The worker appends batches of :class:`core.engine.StepRecord`; views read slices up to the
timeline cursor. Arrays grow by doubling (or are reserved once when the run's length is known),
so appending is amortised O(1) and reads are views.

Memory: a track stores its points in the dtype the engine computed them in (float32 for a swarm,
float64 for a single run: nothing is lost either way), and a swarm above ``GRAD_MAX_POINTS``
points keeps the gradient's norm per point but not the gradient vector (nothing draws those).
A 100,000-point swarm then takes about 1.7 MB per recorded step instead of 4.9 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATE_KEYS = ("grad", "velocity", "second_moment", "effective_lr", "update")
GRAD_MAX_POINTS = 1_000  # bigger tracks keep grad_norm but not the (N, 2) gradient vectors


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
    # float32 or float64: set by the first records (the engine's dtype) unless given
    dtype: np.dtype | None = None
    # The run's steps + 1 when known: reserved at once, so a big swarm never copies as it grows.
    planned_rows: int | None = None

    @property
    def keeps_grad(self) -> bool:
        """Whether ``grad`` holds the gradient vectors (else it stays empty: see the module)."""
        return self.n_points <= GRAD_MAX_POINTS

    def _reserve(self, rows: int, exact: bool = False) -> None:
        capacity = len(self.lr)
        if rows <= capacity:
            return
        capacity = rows if exact else max(rows, 2 * capacity, 64)
        dtype = self.dtype if self.dtype is not None else np.dtype(float)

        def grow(array: np.ndarray, shape: tuple, kind: np.dtype | type = dtype) -> np.ndarray:
            new = np.full((capacity, *shape), False if kind is bool else np.nan, dtype=kind)
            if self.count:
                new[: self.count] = array[: self.count]
            return new

        n = self.n_points
        self.positions = grow(self.positions, (n, 2))
        self.loss = grow(self.loss, (n,))
        self.grad_norm = grow(self.grad_norm, (n,))
        if self.keeps_grad:
            self.grad = grow(self.grad, (n, 2))
        self.lr = grow(self.lr, (), float)
        self.loss_median = grow(self.loss_median, (), float)
        self.grad_norm_median = grow(self.grad_norm_median, (), float)
        self.diverged = grow(self.diverged, (n,), bool)
        for key, array in self.state.items():
            self.state[key] = grow(array, (n, 2))

    def extend(self, records: list) -> None:
        if not records:
            return
        if self.dtype is None:
            kind = np.asarray(records[0].positions).dtype
            self.dtype = np.dtype(np.float32 if kind == np.float32 else float)
        start = records[0].step
        self.count = min(self.count, start)  # a restart from an earlier step replaces the rest
        if not len(self.lr) and self.planned_rows:
            self._reserve(max(self.planned_rows, start + len(records)), exact=True)
        self._reserve(start + len(records))
        rows = slice(start, start + len(records))
        self.positions[rows] = np.stack([r.positions for r in records])
        self.loss[rows] = np.stack([r.loss for r in records])
        grads = np.stack([r.grad for r in records])
        if self.keeps_grad:
            self.grad[rows] = grads
        self.grad_norm[rows] = np.linalg.norm(grads, axis=-1)
        del grads
        self.lr[rows] = [r.lr for r in records]
        with np.errstate(all="ignore"):
            self.loss_median[rows] = np.median(self.loss[rows], axis=1)
            self.grad_norm_median[rows] = np.median(self.grad_norm[rows], axis=1)
        self.diverged[rows] = np.stack([r.diverged for r in records])
        for key in records[-1].state:
            if key not in self.state:
                self.state[key] = np.full((len(self.lr), self.n_points, 2), np.nan, self.dtype)
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

    def reset(self, run_id: str, n_points: int, steps: int | None = None) -> Track:
        """A new, empty track; with ``steps`` (the run's length) its rows are reserved at once
        when the first records arrive (a big swarm then never copies while it grows)."""
        planned = None if steps is None else int(steps) + 1
        track = self.tracks[run_id] = Track(n_points=n_points, planned_rows=planned)
        return track

    def remove(self, run_id: str) -> None:
        self.tracks.pop(run_id, None)

    def get(self, run_id: str) -> Track | None:
        return self.tracks.get(run_id)

    def max_step(self) -> int:
        """The last step any run has recorded."""
        return max((t.count - 1 for t in self.tracks.values()), default=0)

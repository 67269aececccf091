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

import itertools

import numpy as np

from core.lab import TrajectoryStore

STATE_KEYS = ("grad", "velocity", "second_moment", "effective_lr", "update")
GRAD_MAX_POINTS = 1_000  # bigger tracks keep grad_norm but not the (N, 2) gradient vectors
_STATE = "state."  # the store's columns of optimizer state: "state.velocity", ...


_SERIALS = itertools.count()


class Track:
    """The history of one run: ``count`` rows, row ``t`` is step ``t`` (0 = the start).

    A thin view over a :class:`core.lab.TrajectoryStore` (``store``), which holds the arrays:
    ``positions`` (n, 2), ``loss``, ``grad_norm`` (n,), ``grad`` (n, 2; only while
    ``keeps_grad``), ``lr``, ``loss_median``, ``grad_norm_median`` (scalars), ``diverged`` (n,),
    and the optimizer's state as ``state.<key>`` columns (n, 2). The attributes below are the
    store's whole allocated columns (rows past ``count`` are missing: NaN or False).
    """

    def __init__(
        self,
        n_points: int,
        dtype: np.dtype | type | None = None,
        planned_rows: int | None = None,
    ) -> None:
        self.n_points = n_points
        # float32 or float64: set by the first records (the engine's dtype) unless given
        self.dtype: np.dtype | None = None if dtype is None else np.dtype(dtype)
        # The run's steps + 1 when known: reserved at once, so a big swarm never copies.
        self.planned_rows = planned_rows
        self.store: TrajectoryStore | None = None
        self._finished = False
        # Goes up whenever recorded rows are replaced (truncate, a restart from an earlier
        # step): rows 0..t with the same revision are the same rows (views skip redrawing them).
        self.revision = 0
        self.serial = next(_SERIALS)  # which track: a new one (a restart) never reads as old
        if self.dtype is not None:
            self._make_store()

    def _make_store(self) -> TrajectoryStore:
        n, dtype = self.n_points, self.dtype
        columns = {
            "positions": ((n, 2), dtype),
            "loss": ((n,), dtype),
            "grad_norm": ((n,), dtype),
            "lr": ((), float),
            "loss_median": ((), float),
            "grad_norm_median": ((), float),
            "diverged": ((n,), bool),
        }
        if self.keeps_grad:
            columns["grad"] = ((n, 2), dtype)
        self.store = TrajectoryStore(columns)
        self.store.finished = self._finished
        return self.store

    @property
    def keeps_grad(self) -> bool:
        """Whether ``grad`` holds the gradient vectors (else it stays empty: see the module)."""
        return self.n_points <= GRAD_MAX_POINTS

    @property
    def count(self) -> int:
        return 0 if self.store is None else len(self.store)

    @property
    def finished(self) -> bool:
        return self._finished if self.store is None else self.store.finished

    @finished.setter
    def finished(self, value: bool) -> None:
        self._finished = bool(value)
        if self.store is not None:
            self.store.finished = bool(value)

    def _column(self, name: str, shape: tuple, dtype=None) -> np.ndarray:
        if self.store is None or name not in self.store:
            kind = dtype or (self.dtype if self.dtype is not None else np.dtype(float))
            return np.empty((0, *shape), kind)
        return self.store.buffer(name)

    positions = property(lambda self: self._column("positions", (self.n_points, 2)))
    loss = property(lambda self: self._column("loss", (self.n_points,)))
    grad_norm = property(lambda self: self._column("grad_norm", (self.n_points,)))
    grad = property(lambda self: self._column("grad", (self.n_points, 2)))
    lr = property(lambda self: self._column("lr", (), float))
    loss_median = property(lambda self: self._column("loss_median", (), float))
    grad_norm_median = property(lambda self: self._column("grad_norm_median", (), float))
    diverged = property(lambda self: self._column("diverged", (self.n_points,), bool))

    @property
    def state(self) -> dict[str, np.ndarray]:
        """The optimizer's state per key (``STATE_KEYS``), as recorded."""
        if self.store is None:
            return {}
        return {
            name[len(_STATE) :]: self.store.buffer(name)
            for name in self.store.columns
            if name.startswith(_STATE)
        }

    def extend(self, records: list) -> None:
        """Write these consecutive records from their first step; a restart from an earlier
        step ("continue from here") replaces the rest."""
        if not records:
            return
        if self.dtype is None:
            kind = np.asarray(records[0].positions).dtype
            self.dtype = np.dtype(np.float32 if kind == np.float32 else float)
        store = self.store if self.store is not None else self._make_store()
        start = records[0].step
        if start < len(store):
            self.revision += 1
        if start > len(store):  # a gap (never expected): its rows read as missing
            store.append({"lr": np.full(start - len(store), np.nan)})
        if not store.capacity and self.planned_rows:
            store.reserve(max(self.planned_rows, start + len(records)), exact=True)
        loss = np.stack([r.loss for r in records]).astype(self.dtype, copy=False)
        grads = np.stack([r.grad for r in records])
        grad_norm = np.linalg.norm(grads, axis=-1).astype(self.dtype, copy=False)
        rows = {
            "positions": np.stack([r.positions for r in records]),
            "loss": loss,
            "grad_norm": grad_norm,
            "lr": np.array([r.lr for r in records], float),
            "diverged": np.stack([r.diverged for r in records]),
        }
        if self.keeps_grad:
            rows["grad"] = grads
        del grads
        with np.errstate(all="ignore"):
            rows["loss_median"] = np.median(loss, axis=1)
            rows["grad_norm_median"] = np.median(grad_norm, axis=1)
        for key in records[-1].state:
            name = _STATE + key
            store.add_column(name, (self.n_points, 2), self.dtype)
            values = np.full((len(records), self.n_points, 2), np.nan, self.dtype)
            for offset, record in enumerate(records):
                if key in record.state:
                    values[offset] = record.state[key]
            rows[name] = values
        store.write(start, rows)

    def truncate(self, steps: int) -> None:
        """Keep rows ``0..steps`` (inclusive) only."""
        if self.store is not None:
            self.store.truncate(steps + 1)
        self.revision += 1
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

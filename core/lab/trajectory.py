"""One trajectory store for every page and for ``losslab run`` and CSV export.

A :class:`TrajectoryStore` holds named columns whose row ``t`` is step (or epoch) ``t``. Each
column has a fixed per-row shape (``()`` for a scalar, ``(n, 2)`` for n points in 2D) and a
dtype; arrays grow by doubling, so appending is amortised O(1) and reads are views. Missing values
are NaN (``False`` for boolean columns). Writing rows from an earlier step ("continue from here")
truncates everything after them first.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

_MIN_CAPACITY = 64
_CHUNK = 256  # records stacked at a time by from_records


def _fill_value(dtype: np.dtype) -> float | bool:
    return False if dtype == np.bool_ else np.nan


class TrajectoryStore:
    """Named columns of rows; ``len(store)`` rows are valid."""

    def __init__(self, columns: Mapping[str, tuple[tuple[int, ...], type | np.dtype]]) -> None:
        """``columns``: name -> (per-row shape, dtype); :meth:`add_column` adds more."""
        self._count = 0
        self._capacity = 0
        self._arrays: dict[str, np.ndarray] = {}
        self.finished = False
        for name, (shape, dtype) in columns.items():
            self.add_column(name, shape, dtype)

    @classmethod
    def from_records(cls, records) -> TrajectoryStore:
        """The engine's step records (``core.engine.StepRecord``: row ``t`` is step ``t``) as
        columns ``positions`` (N, 2), ``loss``, ``grad_norm`` (N,), ``grad`` (N, 2), ``lr``
        (NaN at step 0: no update led there) and ``diverged`` (N,), allocated once."""
        store = cls({})
        if not records:
            return store
        store.reserve(len(records), exact=True)
        for first in range(0, len(records), _CHUNK):  # a chunk at a time: no full-size copies
            chunk = records[first : first + _CHUNK]
            grad = np.stack([r.grad for r in chunk])
            store.append(
                {
                    "positions": np.stack([r.positions for r in chunk]),
                    "loss": np.stack([r.loss for r in chunk]),
                    "grad": grad,
                    "grad_norm": np.linalg.norm(grad, axis=-1),
                    "lr": [np.nan if r.step == 0 else r.lr for r in chunk],
                    "diverged": np.stack([r.diverged for r in chunk]),
                }
            )
        return store

    def __len__(self) -> int:
        return self._count

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._arrays)

    def __contains__(self, name: str) -> bool:
        return name in self._arrays

    def add_column(self, name: str, shape: tuple[int, ...] = (), dtype=float) -> None:
        """A new column, NaN (or False) in every row written so far."""
        if name in self._arrays:
            return
        dtype = np.dtype(dtype)
        self._arrays[name] = np.full((self._capacity, *shape), _fill_value(dtype), dtype=dtype)

    @property
    def capacity(self) -> int:
        """Rows allocated (valid or not)."""
        return self._capacity

    def reserve(self, rows: int, exact: bool = False) -> None:
        """Room for ``rows`` rows: exactly that many when ``exact`` (a run of known length
        allocates once and never copies), else by doubling."""
        self._reserve(rows, exact)

    def _reserve(self, rows: int, exact: bool = False) -> None:
        if rows <= self._capacity:
            return
        capacity = rows if exact else max(rows, 2 * self._capacity, _MIN_CAPACITY)
        for name, old in self._arrays.items():
            new = np.full((capacity, *old.shape[1:]), _fill_value(old.dtype), dtype=old.dtype)
            new[: self._count] = old[: self._count]
            self._arrays[name] = new
        self._capacity = capacity

    def write(self, start: int, rows: Mapping[str, np.ndarray | list]) -> None:
        """Write ``len(rows[any])`` rows from row ``start``; rows after them are dropped.

        ``start`` may be at most ``len(self)`` (no gaps). Columns not given get NaN in these
        rows; unknown names are added as columns of the values' per-row shape.
        """
        if not rows:
            return
        if not 0 <= start <= self._count:
            raise IndexError(f"rows must start at 0..{self._count}, got {start}")
        values = {name: np.asarray(value) for name, value in rows.items()}
        lengths = {len(value) for value in values.values()}
        if len(lengths) != 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        (length,) = lengths
        for name, value in values.items():
            if name not in self._arrays:
                self.add_column(
                    name,
                    value.shape[1:],
                    np.result_type(value.dtype, np.float64)
                    if value.dtype != np.bool_
                    else np.bool_,
                )
        self.truncate(start)
        self._reserve(start + length)
        span = slice(start, start + length)
        for name, array in self._arrays.items():
            array[span] = values[name] if name in values else _fill_value(array.dtype)
        self._count = start + length

    def append(self, rows: Mapping[str, np.ndarray | list]) -> None:
        self.write(self._count, rows)

    def truncate(self, rows: int) -> None:
        """Keep the first ``rows`` rows; the rest read as missing again."""
        rows = max(0, min(rows, self._count))
        for array in self._arrays.values():
            array[rows : self._count] = _fill_value(array.dtype)
        self._count = rows
        self.finished = False

    def column(self, name: str, upto: int | None = None) -> np.ndarray:
        """Rows ``0..upto`` (inclusive) of a column, as a read-only view; all rows when None."""
        end = self._count if upto is None else max(0, min(upto + 1, self._count))
        view = self._arrays[name][:end]
        view.flags.writeable = False
        return view

    def buffer(self, name: str) -> np.ndarray:
        """The whole allocated column (``capacity`` rows; rows past ``len`` are missing): for
        readers that index rows they know to be recorded. Only :meth:`write` may change it (the
        view stays writable because torch warns about tensors made from read-only arrays)."""
        return self._arrays[name][:]

    def row(self, name: str, index: int) -> np.ndarray | float:
        """Row ``index`` of a column (negative counts from the last valid row)."""
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"row {index} of {self._count}")
        return self._arrays[name][index]

    def last_index(self) -> int:
        return self._count - 1

    def to_dict(self, names: list[str] | None = None) -> dict[str, list]:
        """Plain lists (NaN as None) for JSON: ``losslab run`` and CSV export."""
        out: dict[str, list] = {}
        for name in names or list(self._arrays):
            array = self.column(name)
            if array.dtype == np.bool_:
                out[name] = array.tolist()
            else:
                out[name] = np.where(np.isfinite(array), array, np.nan).astype(object).tolist()
                out[name] = _nan_to_none(out[name])
        return out


def _nan_to_none(values):
    if isinstance(values, list):
        return [_nan_to_none(value) for value in values]
    return None if isinstance(values, float) and values != values else values

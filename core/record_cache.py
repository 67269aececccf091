"""A disk cache of computed Surface Lab runs: a run computed once plays at once the next time.

The start-up lesson is the reason: its runs play from the cache at every launch after the first,
so its first animated frame needs no optimizer -- and the first use of ``torch.optim`` imports
``torch._dynamo``, about a second of the launch (``desktop_app.app``). Any scene opened again
(a lesson, a saved scene) plays at once too; what the user edits is computed as before.

The key is everything the records depend on: the surface's config (JSON data: a library name, a
formula, bumps or a seeded data set), the run's :class:`core.engine.RunConfig` (optimizer,
hyper-parameters, schedule, starts, steps, batch size, seed), the dtype, the device, whether the
optimizer state is recorded, and the code that computes them: LossLab's version, torch's and
numpy's, and the digest of the engine's source (:mod:`core.source_digest`; a bundle ships the one
it was built with; without a digest nothing is cached). Not the processor: records replayed on
another machine are those its first computation gave, which may differ in the last bits from
what this one would compute. A hit replays the stored records; a miss computes them and stores
them when the run ends (a run stopped or restarted before its end stores nothing).

Read-only seed folders may come after the cache's own: LossLab ships the start-up lesson's runs
computed (``resources/run_cache``, :mod:`core.shipped_runs`), so even a first launch plays them.
A seed's key is :func:`seed_key`: the same inputs, but torch's minor version and ``SEED_FORMAT``
for the code, as a seed must outlive edits of the engine that leave its numbers alone -- the
suite checks that the shipped seeds equal what the engine computes now. A seed is never written,
touched or removed.

Bounds: a run of more than ``max_run_bytes`` of records is not stored (nor are its records kept
for it), and the folder is kept under ``max_bytes`` by removing the least recently used entries.
Entries are ``.npz`` files written atomically (:func:`core.fileio.write_atomic`) and read without
pickle; an entry that cannot be read, whatever the damage, is a miss, removed, and computed
again; a temporary file left by a write that never finished is removed after ``STALE_TEMP_S``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.engine import RunConfig, StepRecord
from core.fileio import write_atomic
from core.source_digest import engine_source_digest

MAX_BYTES = 128 * 2**20
MAX_RUN_BYTES = 16 * 2**20
STALE_TEMP_S = 3600.0  # a write_atomic temporary this old belongs to no running write
SUFFIX = ".npz"
SEED_FORMAT = 1  # raise it when the records' layout changes: every shipped seed is then stale
_COLUMNS = ("step", "positions", "loss", "grad", "lr", "diverged", "epoch")


@functools.lru_cache(maxsize=1)
def code_digest() -> str | None:
    """LossLab's, torch's and numpy's versions and the digest of ``core``'s source (read once a
    process: about 90 files, 5 ms); None when the source digest is unknown."""
    import torch

    import core

    source = engine_source_digest()
    if source is None:
        return None
    versions = f"{core.__version__} {torch.__version__} {np.__version__} {source}"
    return hashlib.sha256(versions.encode()).hexdigest()


def torch_minor() -> str:
    """torch's version without its patch level and build: "2.13" for "2.13.0+cpu"."""
    import torch

    return ".".join(torch.__version__.split("+")[0].split(".")[:2])


def seed_code() -> str:
    """The code part of a seed's key: the seeds' format and torch's minor version (a seed is
    checked against the engine by the suite, not identified by the engine's source)."""
    return f"seed {SEED_FORMAT} torch {torch_minor()}"


def run_key(
    surface: dict[str, Any], config: RunConfig, *, dtype: str, device: str, record_state: bool
) -> str | None:
    """The cache key of a run: a hex digest of everything its records depend on; None when the
    code cannot be identified (then the run is not cached)."""
    code = code_digest()
    if code is None:
        return None
    return _digest(surface, config, dtype, device, record_state, code)


def seed_key(
    surface: dict[str, Any], config: RunConfig, *, dtype: str, device: str, record_state: bool
) -> str:
    """The key of a shipped seed of a run (:func:`seed_code` for the code)."""
    return _digest(surface, config, dtype, device, record_state, seed_code())


def _digest(
    surface: dict[str, Any],
    config: RunConfig,
    dtype: str,
    device: str,
    record_state: bool,
    code: str,
) -> str:
    run = dataclasses.asdict(config)
    run.pop("label")  # a name: the records do not depend on it
    data = {
        "surface": surface,
        "run": run,
        "dtype": dtype,
        "device": device,
        "record_state": record_state,
        "code": code,
    }
    text = json.dumps(data, sort_keys=True, default=_plain, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """JSON for what a config may hold besides JSON: numpy arrays and numbers, tuples."""
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _record_bytes(record: StepRecord) -> int:
    """What a record's arrays hold, and its three numbers (step, lr, epoch)."""
    arrays = (record.positions, record.loss, record.grad, record.diverged, *record.state.values())
    return sum(array.nbytes for array in arrays) + 3 * 8


def pack_records(records: Sequence[StepRecord]) -> dict[str, np.ndarray] | None:
    """The records as arrays with one row per step (``state/KEY`` and ``has/KEY`` for each state
    entry, which step 0 lacks); None when they do not stack (a shape that changes)."""
    try:
        columns = {
            name: np.stack([np.asarray(getattr(r, name)) for r in records]) for name in _COLUMNS
        }
        for key in sorted({key for record in records for key in record.state}):
            present = [record.state.get(key) for record in records]
            template = next(value for value in present if value is not None)
            blank = np.full_like(template, np.nan) if template.dtype.kind == "f" else None
            if blank is None and any(value is None for value in present):
                return None
            columns[f"state/{key}"] = np.stack([blank if v is None else v for v in present])
            columns[f"has/{key}"] = np.array([value is not None for value in present])
    except ValueError:  # arrays of different shapes
        return None
    return columns


def unpack_records(columns: dict[str, np.ndarray]) -> list[StepRecord]:
    """The records :func:`pack_records` packed."""
    state_keys = [name.split("/", 1)[1] for name in columns if name.startswith("state/")]
    records = []
    for row in range(len(columns["step"])):
        state = {
            key: columns[f"state/{key}"][row] for key in state_keys if columns[f"has/{key}"][row]
        }
        records.append(
            StepRecord(
                step=int(columns["step"][row]),
                positions=columns["positions"][row],
                loss=columns["loss"][row],
                grad=columns["grad"][row],
                lr=float(columns["lr"][row]),
                diverged=columns["diverged"][row],
                state=state,
                epoch=float(columns["epoch"][row]),
            )
        )
    return records


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _read(path: Path, damaged: Callable[[Path], None] | None) -> list[StepRecord] | None:
    """The records in ``path``; None when there is none or it cannot be read (then
    ``damaged(path)``, which removes it from the cache's own folder: it is computed again)."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            columns = {name: stored[name] for name in stored.files}
        return unpack_records(columns)
    except FileNotFoundError:
        return None
    except Exception:  # any damage (zipfile raises NotImplementedError, RuntimeError, ...)
        if damaged is not None:
            damaged(path)
        return None


class RecordCache:
    """Computed runs' records in ``folder`` (created when first stored to), then in the read-only
    ``seeds`` folders."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        max_bytes: int = MAX_BYTES,
        max_run_bytes: int = MAX_RUN_BYTES,
        seeds: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        self.folder = Path(folder)
        self.seeds = tuple(Path(seed) for seed in seeds)
        self.max_bytes = max_bytes
        self.max_run_bytes = max_run_bytes

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def load(self, key: str | None, seed_key: str | None = None) -> list[StepRecord] | None:
        """The stored records of ``key`` in the cache's own folder, else of ``seed_key`` in a
        seed folder; None when there are none or they cannot be read."""
        path = self._path(key) if key is not None else None
        records = _read(path, damaged=_remove) if path is not None else None
        if path is not None and records is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept longest
            return records
        for folder in self.seeds if seed_key is not None else ():
            records = _read(folder / f"{seed_key}{SUFFIX}", damaged=None)
            if records is not None:
                return records
        return None

    def store(self, key: str, records: Sequence[StepRecord]) -> bool:
        """Store ``records`` under ``key``; False when they are too large, do not stack, or the
        folder cannot be written (the cache is an optimisation: nothing is lost)."""
        if not records or sum(map(_record_bytes, records)) > self.max_run_bytes:
            return False
        columns = pack_records(records)
        if columns is None:
            return False
        buffer = io.BytesIO()
        np.savez(buffer, **columns)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path(key), buffer.getvalue())
            self._trim()
        except OSError:
            return False
        return True

    def _trim(self) -> None:
        """Remove the least recently used entries until the folder holds at most ``max_bytes``,
        and the temporary files of writes that never finished."""
        entries, now = [], time.time()
        for path in self.folder.glob(f"*{SUFFIX}*"):
            try:
                info = path.stat()
            except OSError:
                continue
            if path.name.endswith(SUFFIX):
                entries.append((info.st_mtime, info.st_size, path))
            elif path.name.startswith(".") and now - info.st_mtime > STALE_TEMP_S:
                _remove(path)  # write_atomic's ".KEY.npz.PID.tmp" of a process that died
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda entry: entry[0]):
            if total <= self.max_bytes:
                break
            _remove(path)
            total -= size

    def records(
        self,
        key: str | None,
        compute: Callable[[], Iterator[StepRecord]],
        seed_key: str | None = None,
    ) -> Iterator[StepRecord]:
        """The stored records of ``key`` (or the seed of ``seed_key``), else ``compute()``'s,
        stored once they all came (a key of None: computed, not stored)."""
        stored = self.load(key, seed_key)
        if stored is not None:
            yield from stored
            return
        if key is None:
            yield from compute()
            return
        kept: list[StepRecord] | None = []
        size = 0
        for record in compute():
            if kept is not None:
                size += _record_bytes(record)
                kept.append(record)
                if size > self.max_run_bytes:
                    kept = None  # too large to store: keep nothing for it
            yield record
        if kept is not None:
            self.store(key, kept)

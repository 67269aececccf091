"""The start-up lesson's runs, shipped computed so that even a first launch plays them.

The window opens the start-up lesson (``resources/scenes/START_UP_SCENE``) at every launch. Its
runs are shipped computed (``resources/SEED_FOLDER``, keyed by :func:`core.record_cache.seed_key`),
so that every launch on the CPU -- the first too, of a checkout or of an installer -- plays them
without constructing an optimizer (whose first use imports ``torch._dynamo``: about a second of
the launch). On a GPU (another device in the key) they are computed, and then cached.

A seed is the records the engine computes, so they must stay equal to what it computes now:
``tests/core/test_shipped_runs.py`` fails when one is missing, left over or different, and

    python -m core.shipped_runs            # writes them again
    python -m core.shipped_runs --check    # exit 1 when they are stale, saying which

They are computed with the project's torch (``SEED_TORCH``, the minor version README and CI
install; part of their key): with another torch the app computes the start-up runs, and the
suite's checks of the seeds are skipped. Until the suite has run, a change of the engine that
changes the start-up runs' numbers still shows the old seeds at start.

How the Surface Lab computes a run (:func:`run_precision`) is here too: the page's runs and the
seeds must be computed alike, or the seeds would never be found.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import resources
from core.engine import PointRun, RunConfig, StepRecord
from core.record_cache import SUFFIX, RecordCache, seed_key, torch_minor
from core.scene_io import load_scene
from core.surfaces import make_surface

START_UP_SCENE = "race_rosenbrock.json"
SEED_FOLDER = "run_cache"
SEED_DEVICE = "cpu"
SEED_TORCH = "2.13"  # the torch minor version the seeds are computed with (pyproject's pin)
# Equal up to the last bits a processor may change, amplified by the runs: one ulp off at the
# start moves RMSprop's gradient by 2e-8 (relative) by step 500; a changed formula moves more.
RTOL, ATOL = 1e-6, 1e-9


def start_up_scene() -> Path:
    """The scene the window opens when it is given none."""
    return resources.path("scenes", START_UP_SCENE)


def seed_folder() -> Path:
    return resources.path(SEED_FOLDER)


def run_precision(swarm: bool) -> tuple[torch.dtype, bool]:
    """The Surface Lab's dtype and whether it records the optimizer's state: float32 and
    positions and losses only for a swarm (its many points), float64 and the state otherwise."""
    return (torch.float32, False) if swarm else (torch.float64, True)


@dataclass(frozen=True)
class SeedRun:
    """One run of the start-up lesson: its seed's key and how to compute its records."""

    label: str
    key: str
    compute: Callable[[], Iterator[StepRecord]]


def start_up_runs(scene_path: Path | None = None) -> list[SeedRun]:
    """The runs of the start-up lesson (or of ``scene_path``), as the Surface Lab computes them
    on the CPU."""
    scene = load_scene(scene_path or start_up_scene())
    surface_config = scene.surface.to_config()
    surface = make_surface(surface_config)
    runs = []
    for spec in scene.runs:
        config = RunConfig.from_spec(spec)
        dtype, record_state = run_precision(len(config.starts) > 1)
        key = seed_key(
            surface_config,
            config,
            dtype=str(dtype),
            device=SEED_DEVICE,
            record_state=record_state,
        )

        def compute(config=config, dtype=dtype, record_state=record_state):
            engine = PointRun(
                surface, config, device=SEED_DEVICE, dtype=dtype, record_state=record_state
            )
            return engine.records()

        runs.append(SeedRun(spec.label, key, compute))
    return runs


def write_seeds(folder: Path | None = None) -> list[Path]:
    """Compute the start-up runs into ``folder`` (the shipped seeds), removing any other seed
    once all are computed and stored. Refuses (RuntimeError) a torch other than SEED_TORCH."""
    if torch_minor() != SEED_TORCH:
        raise RuntimeError(
            f"the seeds are computed with torch {SEED_TORCH} (the project's); this is "
            f"{torch.__version__}: change SEED_TORCH with the pin, then write them"
        )
    folder = folder or seed_folder()
    runs = start_up_runs()
    computed = [(run, list(run.compute())) for run in runs]
    cache = RecordCache(folder, max_bytes=2**40, max_run_bytes=2**40)
    for run, records in computed:
        if not cache.store(run.key, records):
            raise RuntimeError(f"the run {run.label!r} could not be stored in {folder}")
    keep = {f"{run.key}{SUFFIX}" for run in runs}
    for path in folder.glob(f"*{SUFFIX}"):
        if path.name not in keep:
            path.unlink()
    return sorted(folder.glob(f"*{SUFFIX}"))


def stale_seeds(folder: Path | None = None) -> list[str]:
    """What is wrong with the seeds in ``folder``: one line per missing, different or left-over
    seed; empty when they equal what the engine computes now."""
    folder = folder or seed_folder()
    runs = start_up_runs()
    problems = []
    cache = RecordCache(folder / "unused", seeds=[folder])  # read by seed key only
    for run in runs:
        stored = cache.load(None, run.key)
        if stored is None:
            problems.append(f"{run.label}: no seed {run.key}{SUFFIX}")
            continue
        difference = _difference(stored, list(run.compute()))
        if difference:
            problems.append(f"{run.label}: {difference}")
    keys = {f"{run.key}{SUFFIX}" for run in runs}
    problems += [f"left over: {p.name}" for p in folder.glob(f"*{SUFFIX}") if p.name not in keys]
    return problems


def _difference(stored: list[StepRecord], computed: list[StepRecord]) -> str:
    """How the stored records differ from the computed ones; empty when they are equal (to the
    tolerance)."""
    if len(stored) != len(computed):
        return f"{len(stored)} steps stored, {len(computed)} computed"
    for old, new in zip(stored, computed, strict=True):
        names = ["step", "positions", "loss", "grad", "diverged", "lr", "epoch"]
        pairs = [(name, getattr(old, name), getattr(new, name)) for name in names]
        if sorted(old.state) != sorted(new.state):
            return f"step {new.step}: state {sorted(old.state)}, computed {sorted(new.state)}"
        pairs += [(f"state {k}", old.state[k], new.state[k]) for k in sorted(new.state)]
        for name, a, b in pairs:
            if not np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True):
                return f"step {new.step}: {name} differs"
    return ""


def main(argv: list[str]) -> int:
    if argv not in ([], ["--check"]):
        print("usage: python -m core.shipped_runs [--check]", file=sys.stderr)
        return 2
    if argv:
        problems = stale_seeds()
        for line in problems:
            print(f"stale seed: {line}", file=sys.stderr)
        if problems:
            print("write them again: python -m core.shipped_runs", file=sys.stderr)
        return 1 if problems else 0
    try:
        files = write_seeds()
    except (RuntimeError, OSError) as error:
        print(f"shipped_runs: {error}", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in files)
    print(f"{len(files)} start-up runs, {size / 1024:.0f} KiB, in {seed_folder()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

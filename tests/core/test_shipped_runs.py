"""The start-up lesson's shipped runs (resources/run_cache) equal what the engine computes now,
and the check says what is stale."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

import core.shipped_runs as shipped_runs
from core.record_cache import RecordCache, torch_minor
from core.scene_io import load_scene
from core.shipped_runs import (
    SEED_TORCH,
    main,
    run_precision,
    stale_seeds,
    start_up_runs,
    write_seeds,
)

# The seeds are keyed on torch's minor version: with another torch the app computes the runs.
needs_seed_torch = pytest.mark.skipif(
    torch_minor() != SEED_TORCH, reason=f"the shipped runs are computed with torch {SEED_TORCH}"
)


@needs_seed_torch
def test_the_shipped_seeds_equal_what_the_engine_computes(capsys) -> None:
    """If this fails, the engine computes the start-up runs otherwise now: write them again
    (``python -m core.shipped_runs``) and commit resources/run_cache."""
    assert main(["--check"]) == 0, capsys.readouterr().err


@needs_seed_torch
def test_there_is_one_seed_per_run_of_the_start_up_lesson() -> None:
    scene = load_scene(shipped_runs.start_up_scene())
    runs = start_up_runs()
    assert [run.label for run in runs] == [spec.label for spec in scene.runs]
    assert len({run.key for run in runs}) == len(runs) == 6
    shipped = sorted(path.stem for path in shipped_runs.seed_folder().glob("*.npz"))
    assert shipped == sorted(run.key for run in runs)


@needs_seed_torch
def test_the_check_names_a_changed_a_missing_and_a_left_over_seed(tmp_path, capsys) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "left-over.npz").write_bytes(b"an old seed")
    files = write_seeds(folder)
    assert len(files) == 6 and not (folder / "left-over.npz").exists()
    runs = start_up_runs()
    changed, missing = runs[1], runs[4]
    records = RecordCache(tmp_path / "unused", seeds=[folder]).load(None, changed.key)
    records[-1].positions = records[-1].positions + 1e-4  # the last step, a little off
    (folder / f"{changed.key}.npz").unlink()
    RecordCache(folder).store(changed.key, records)
    (folder / f"{missing.key}.npz").unlink()
    (folder / "another.npz").write_bytes(b"x")

    problems = stale_seeds(folder)

    assert problems == [
        f"{changed.label}: step 500: positions differs",
        f"{missing.label}: no seed {missing.key}.npz",
        "left over: another.npz",
    ]
    shutil.rmtree(folder)
    folder.mkdir()
    assert len(stale_seeds(folder)) == 6  # none shipped: each run is named


def test_the_command_fails_on_stale_seeds_and_refuses_other_arguments(
    tmp_path, monkeypatch, capsys
) -> None:
    assert main(["--fix"]) == 2
    assert "usage: python -m core.shipped_runs [--check]" in capsys.readouterr().err
    monkeypatch.setattr(shipped_runs, "seed_folder", lambda: tmp_path)
    assert main(["--check"]) == 1
    err = capsys.readouterr().err
    assert err.count("stale seed: ") == 6 and "python -m core.shipped_runs" in err


def test_writing_refuses_another_torch_and_leaves_the_seeds_alone(tmp_path, monkeypatch) -> None:
    (tmp_path / "old.npz").write_bytes(b"a seed")
    monkeypatch.setattr(torch, "__version__", "2.99.1+cpu")
    with pytest.raises(RuntimeError, match="computed with torch 2.13 .* this is 2.99.1"):
        write_seeds(tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["old.npz"]
    monkeypatch.setattr(shipped_runs, "seed_folder", lambda: tmp_path)
    assert main([]) == 1


def test_the_lesson_single_runs_record_float64_and_their_state() -> None:
    """What the page computes for a run of one point (run_precision): a seed has its state."""
    assert run_precision(swarm=True) == (torch.float32, False)
    records = list(start_up_runs()[1].compute())  # SGD + momentum
    assert records[1].positions.dtype == np.float64 and "velocity" in records[1].state

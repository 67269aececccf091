"""The cache of computed Surface Lab runs (core.record_cache): what it replays is what the engine
computes, field by field; anything the records depend on changes the key; a run that stops, is
too large or cannot be written stores nothing; the folder keeps its bound; damage is a miss."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

import core.record_cache as record_cache
from core.engine import PointRun, RunConfig, StepRecord
from core.record_cache import RecordCache, pack_records, run_key, seed_key, unpack_records
from core.source_digest import DIGEST_FILE, engine_source_digest, source_digest
from core.surfaces import make_surface

ROSENBROCK = {"builtin": "rosenbrock"}
DATA = {"data": {"model": "regression", "n": 40, "seed": 3}}


def _compute(surface_config, config, dtype=torch.float64, record_state=True):
    surface = make_surface(surface_config)
    return lambda: PointRun(surface, config, dtype=dtype, record_state=record_state).records()


def _key(surface_config, config, dtype="torch.float64", device="cpu", record_state=True):
    return run_key(surface_config, config, dtype=dtype, device=device, record_state=record_state)


def _assert_same(replayed: list[StepRecord], computed: list[StepRecord]) -> None:
    assert len(replayed) == len(computed)
    for a, b in zip(replayed, computed, strict=True):
        assert a.step == b.step
        for name in ("positions", "loss", "grad", "diverged"):
            left, right = getattr(a, name), getattr(b, name)
            assert left.dtype == right.dtype and left.shape == right.shape
            np.testing.assert_array_equal(left, right)
        np.testing.assert_array_equal(a.lr, b.lr)  # NaN at step 0
        np.testing.assert_array_equal(a.epoch, b.epoch)
        assert sorted(a.state) == sorted(b.state)
        for key in a.state:
            np.testing.assert_array_equal(a.state[key], b.state[key])


CASES = {
    "adam with its state, a schedule": (
        ROSENBROCK,
        RunConfig("adam", {"lr": 0.05}, [[-1.5, 2.0], [1.0, -0.5]], 40, {"name": "cosine"}),
        torch.float64,
        True,
    ),
    "sam: its ascent only": (
        ROSENBROCK,
        RunConfig("sam", {"lr": 0.001, "rho": 0.05}, [[-1.0, 1.0]], 25),
        torch.float64,
        False,
    ),
    "minibatches on a data surface (epochs)": (
        DATA,
        RunConfig("sgd", {"lr": 0.1, "momentum": 0.9}, [[0.5, -0.5]], 30, batch_size=8, seed=4),
        torch.float64,
        True,
    ),
    "a float32 swarm that leaves the box": (
        ROSENBROCK,
        RunConfig("sgd", {"lr": 0.005}, np.random.default_rng(0).uniform(-2, 2, (50, 2)), 20),
        torch.float32,
        False,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_cached_run_replays_what_the_engine_computed(tmp_path, case):
    surface_config, config, dtype, record_state = CASES[case]
    compute = _compute(surface_config, config, dtype, record_state)
    computed = list(compute())
    cache = RecordCache(tmp_path)
    key = _key(surface_config, config, str(dtype), record_state=record_state)
    first = list(cache.records(key, compute))  # a miss: computed and stored
    _assert_same(first, computed)

    def must_not_compute():
        raise AssertionError("a hit must not compute")

    _assert_same(list(cache.records(key, must_not_compute)), computed)


def test_the_swarm_case_really_freezes_points():
    """The float32 swarm case covers the diverged column (some points leave the box)."""
    surface_config, config, dtype, record_state = CASES["a float32 swarm that leaves the box"]
    last = list(_compute(surface_config, config, dtype, record_state)())[-1]
    assert 0 < last.diverged.sum() < len(last.diverged)


def test_pack_and_unpack_keep_a_state_that_appears_later():
    records = [
        StepRecord(
            0, np.zeros((1, 2)), np.zeros(1), np.zeros((1, 2)), float("nan"), np.zeros(1, bool)
        ),
        StepRecord(
            1,
            np.ones((1, 2)),
            np.ones(1),
            np.ones((1, 2)),
            0.1,
            np.zeros(1, bool),
            {"velocity": np.full((1, 2), 2.0)},
        ),
    ]
    back = unpack_records(pack_records(records))
    assert back[0].state == {} and list(back[1].state) == ["velocity"]
    _assert_same(back, records)


def test_everything_the_records_depend_on_changes_the_key(monkeypatch):
    config = RunConfig("sgd", {"lr": 0.01}, [[0.0, 1.0]], 10)
    base = _key(ROSENBROCK, config)
    variants = [
        _key({"builtin": "rosenbrock", "x_range": [-3, 3]}, config),
        _key(ROSENBROCK, RunConfig("sgd", {"lr": 0.02}, [[0.0, 1.0]], 10)),
        _key(ROSENBROCK, RunConfig("sgd", {"lr": 0.01}, [[0.0, 1.5]], 10)),
        _key(ROSENBROCK, RunConfig("sgd", {"lr": 0.01}, [[0.0, 1.0]], 11)),
        _key(ROSENBROCK, RunConfig("sgd", {"lr": 0.01}, [[0.0, 1.0]], 10, {"name": "cosine"})),
        _key(ROSENBROCK, RunConfig("sgd", {"lr": 0.01}, [[0.0, 1.0]], 10, seed=1)),
        _key(ROSENBROCK, config, dtype="torch.float32"),
        _key(ROSENBROCK, config, device="cuda"),
        _key(ROSENBROCK, config, record_state=False),
    ]
    assert base == _key(ROSENBROCK, RunConfig("sgd", {"lr": 0.01}, ((0.0, 1.0),), 10))
    renamed = RunConfig("sgd", {"lr": 0.01}, [[0.0, 1.0]], 10, label="another name")
    assert base == _key(ROSENBROCK, renamed)
    as_numpy = RunConfig("sgd", {"lr": np.float64(0.01)}, np.array([[0.0, 1.0]]), 10)
    assert base == _key(ROSENBROCK, as_numpy)
    float32 = RunConfig("sgd", {"lr": 0.01}, np.array([[0.0, 1.0]], np.float32), 10)
    assert base == _key(ROSENBROCK, float32)
    monkeypatch.setattr(record_cache, "code_digest", lambda: "other code")
    variants.append(_key(ROSENBROCK, config))
    assert len({base, *variants}) == len(variants) + 1


def test_the_source_digest_follows_every_file_and_its_place(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "sub" / "engine.py").write_text("x = 1\n")
    before = source_digest(tmp_path)
    (tmp_path / "sub" / "engine.py").write_text("x = 2\n")
    edited = source_digest(tmp_path)
    (tmp_path / "sub" / "engine.py").rename(tmp_path / "engine.py")
    assert len({before, edited, source_digest(tmp_path)}) == 3


def test_a_bundle_keys_its_runs_by_the_digest_it_was_built_with(tmp_path, monkeypatch):
    """A frozen app has no source to read: the digest its build wrote, else no cache at all."""
    import resources

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(resources, "path", lambda *parts: tmp_path.joinpath(*parts))
    assert engine_source_digest() is None
    record_cache.code_digest.cache_clear()
    try:
        key, compute = _small_run()
        assert key is None  # nothing to key the code by
        cache = RecordCache(tmp_path / "runs")
        assert len(list(cache.records(key, compute))) == 11
        assert not (tmp_path / "runs").exists()  # computed, never stored
        (tmp_path / DIGEST_FILE).write_text("abc123\n")
        assert engine_source_digest() == "abc123"
        record_cache.code_digest.cache_clear()
        assert _small_run()[0] is not None
    finally:
        record_cache.code_digest.cache_clear()


def _small_run(steps=10, lr=0.01):
    config = RunConfig("sgd", {"lr": lr}, [[0.0, 1.0]], steps)
    return _key(ROSENBROCK, config), _compute(ROSENBROCK, config)


def test_a_run_stopped_before_its_end_stores_nothing(tmp_path):
    cache = RecordCache(tmp_path)
    key, compute = _small_run()
    stream = cache.records(key, compute)
    next(stream), next(stream)
    stream.close()  # the user stopped or restarted the run
    assert cache.load(key) is None and not list(tmp_path.iterdir())


def test_a_run_too_large_is_played_but_not_stored(tmp_path):
    key, compute = _small_run(steps=50)
    cache = RecordCache(tmp_path, max_run_bytes=2000)
    assert len(list(cache.records(key, compute))) == 51
    assert cache.load(key) is None


def test_the_folder_keeps_its_bound_dropping_the_least_recently_used(tmp_path):
    runs = [_small_run(steps=20, lr=lr) for lr in (0.01, 0.02, 0.03)]
    size = None
    cache = RecordCache(tmp_path)
    for index, (key, compute) in enumerate(runs):
        list(cache.records(key, compute))
        os.utime(tmp_path / f"{key}.npz", (1000 + index, 1000 + index))
        size = (tmp_path / f"{key}.npz").stat().st_size
    cache.max_bytes = 2 * size + size // 2  # room for two
    assert cache.load(runs[0][0]) is not None  # the oldest, used now: kept
    key, compute = _small_run(steps=20, lr=0.04)
    list(cache.records(key, compute))
    kept = {path.stem for path in tmp_path.glob("*.npz")}
    assert kept == {runs[0][0], key}


@pytest.mark.parametrize("error", [NotImplementedError, RuntimeError, MemoryError])
def test_any_damage_is_a_miss(tmp_path, monkeypatch, error):
    """zipfile raises NotImplementedError ("compressed patched data") or RuntimeError
    ("encrypted") for some damaged bytes: a miss all the same, removed, computed again."""
    cache = RecordCache(tmp_path)
    key, compute = _small_run()
    list(cache.records(key, compute))

    def damaged(*args, **kwargs):
        raise error("damaged")

    monkeypatch.setattr(np, "load", damaged)
    assert cache.load(key) is None and not (tmp_path / f"{key}.npz").exists()


def test_a_temporary_file_of_a_write_that_never_finished_goes(tmp_path):
    cache = RecordCache(tmp_path)
    stale, fresh = tmp_path / ".abc.npz.123.tmp", tmp_path / ".def.npz.456.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half")
    os.utime(stale, (1000, 1000))
    key, compute = _small_run()
    list(cache.records(key, compute))  # stored: the folder is tidied
    assert not stale.exists() and fresh.exists()


def test_a_damaged_entry_is_a_miss_and_is_computed_again(tmp_path):
    cache = RecordCache(tmp_path)
    key, compute = _small_run()
    (tmp_path / f"{key}.npz").write_bytes(b"PK\x03\x04 not really a zip")
    assert len(list(cache.records(key, compute))) == 11
    assert len(cache.load(key)) == 11  # stored anew


def test_a_folder_that_cannot_be_written_loses_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    cache = RecordCache(blocker / "runs")
    key, compute = _small_run()
    assert len(list(cache.records(key, compute))) == 11
    assert cache.store(key, list(compute())) is False


def test_a_seed_folder_plays_its_runs_by_seed_key_and_is_never_written(tmp_path):
    """Shipped seeds: found by their seed key after the cache's own folder, never touched; a
    damaged seed is a miss (computed and stored in the cache's own folder); a run's own key
    never finds a seed."""
    config = RunConfig("sgd", {"lr": 0.01}, [[0.5, 1.0]], 10)
    other = RunConfig("sgd", {"lr": 0.02}, [[0.5, 1.0]], 10)
    inputs = {"dtype": "torch.float64", "device": "cpu", "record_state": True}
    key, seed = _key(ROSENBROCK, config), seed_key(ROSENBROCK, config, **inputs)
    other_key, other_seed = _key(ROSENBROCK, other), seed_key(ROSENBROCK, other, **inputs)
    assert seed != key
    seeds = tmp_path / "seeds"
    RecordCache(seeds).store(seed, list(_compute(ROSENBROCK, config)()))
    (seeds / f"{other_seed}.npz").write_bytes(b"damaged")
    os.utime(seeds / f"{seed}.npz", (1000, 1000))
    own = tmp_path / "own"
    cache = RecordCache(own, seeds=[seeds])

    def must_not_compute():
        raise AssertionError("a seed's run must not be computed")

    assert cache.load(key) is None  # its own key: not a seed's
    _assert_same(
        list(cache.records(key, must_not_compute, seed_key=seed)),
        list(_compute(ROSENBROCK, config)()),
    )
    assert (seeds / f"{seed}.npz").stat().st_mtime == 1000 and not own.exists()
    replayed = cache.records(other_key, _compute(ROSENBROCK, other), seed_key=other_seed)
    assert len(list(replayed)) == 11
    assert (seeds / f"{other_seed}.npz").read_bytes() == b"damaged"
    assert cache.load(other_key) is not None and (own / f"{other_key}.npz").exists()


def test_a_seed_key_is_the_run_key_with_torch_minor_version_for_the_code(monkeypatch):
    """A seed outlives edits of the engine's source (the suite checks its numbers), not a
    change of torch's minor version or of the seeds' format."""
    config = RunConfig("adam", {"lr": 0.1}, [[0.5, 1.0]], 10)
    inputs = {"dtype": "torch.float64", "device": "cpu", "record_state": True}
    before, run_before = seed_key(ROSENBROCK, config, **inputs), _key(ROSENBROCK, config)
    monkeypatch.setattr(record_cache, "engine_source_digest", lambda: "another source")
    record_cache.code_digest.cache_clear()
    try:
        assert seed_key(ROSENBROCK, config, **inputs) == before
        assert _key(ROSENBROCK, config) != run_before
    finally:
        record_cache.code_digest.cache_clear()
    assert seed_key(ROSENBROCK, replace(config, steps=11), **inputs) != before
    monkeypatch.setattr(torch, "__version__", "2.99.0+cpu")
    assert seed_key(ROSENBROCK, config, **inputs) != before
    later_torch = seed_key(ROSENBROCK, config, **inputs)
    monkeypatch.setattr(record_cache, "SEED_FORMAT", record_cache.SEED_FORMAT + 1)
    assert seed_key(ROSENBROCK, config, **inputs) not in (before, later_torch)


def test_without_a_code_digest_a_seed_still_plays_and_a_computed_run_is_not_stored(
    tmp_path, monkeypatch
):
    """A bundle that lacks its digest (run key None): its seeds play, the rest is computed and
    nothing is written."""
    config = RunConfig("sgd", {"lr": 0.01}, [[0.5, 1.0]], 10)
    inputs = {"dtype": "torch.float64", "device": "cpu", "record_state": True}
    seed = seed_key(ROSENBROCK, config, **inputs)
    seeds = tmp_path / "seeds"
    RecordCache(seeds).store(seed, list(_compute(ROSENBROCK, config)()))
    monkeypatch.setattr(record_cache, "code_digest", lambda: None)
    assert run_key(ROSENBROCK, config, **inputs) is None
    cache = RecordCache(tmp_path / "own", seeds=[seeds])

    def must_not_compute():
        raise AssertionError("a seed's run must not be computed")

    assert len(list(cache.records(None, must_not_compute, seed_key=seed))) == 11
    other = RunConfig("sgd", {"lr": 0.02}, [[0.5, 1.0]], 10)
    other_seed = seed_key(ROSENBROCK, other, **inputs)
    assert len(list(cache.records(None, _compute(ROSENBROCK, other), other_seed))) == 11
    assert not (tmp_path / "own").exists()

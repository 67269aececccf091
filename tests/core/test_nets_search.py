"""Grid search against random search (core.nets.search): same budget, more distinct values."""

import csv
import io
import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig
from core.nets.search import (
    Axis,
    apply_settings,
    grid_settings,
    grid_vs_random,
    heat_map,
    marginal,
    random_settings,
    search,
    search_settings,
    summarize,
    trials_csv,
)
from core.nets.trainer import EpochRecord, TrainConfig, Trainer
from tests.core.test_nets_fast import one_torch_thread  # noqa: F401  (the module fixture)

F64 = torch.float64
DATA = {"name": "spiral", "size": 40, "val_fraction": 0.5, "seed": 0}
MODEL = ModelConfig(hidden=(5,), activation="tanh")
BASE = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, epochs=3, batch_size=5)
LR = Axis("lr", 1e-3, 1.0, "log")
DECAY = Axis("weight_decay", 1e-5, 1e-1, "log")


def finished_trials(events) -> list:
    return sorted((t for e in events for t in e.finished), key=lambda t: t.index)


def test_grid_and_random_use_the_same_budget_and_random_tries_more_values():
    grid = search_settings("grid", [LR, DECAY], 4)
    random = search_settings("random", [LR, DECAY], 4, seed=3)
    assert len(grid) == len(random) == 16
    assert {s["lr"] for s in grid} == set(LR.grid(4))  # the grid's product
    assert len({(s["lr"], s["weight_decay"]) for s in grid}) == 16
    for axis in (LR, DECAY):
        assert len({s[axis.name] for s in grid}) == 4
        assert len({s[axis.name] for s in random}) == 16


def test_log_uniform_sampling_stays_in_bounds_and_spreads_over_decades():
    axis = Axis("lr", 1e-5, 1e-1, "log")
    values = np.array(axis.sample(np.random.default_rng(0), 4000))
    assert values.min() >= 1e-5 and values.max() <= 1e-1
    decades = np.floor(np.log10(values)).astype(int)
    counts = np.bincount(decades + 5, minlength=4)
    assert len(counts) == 4  # -5, -4, -3, -2 (1e-1 itself is hit with probability 0)
    assert np.all(np.abs(counts - 1000) < 120)  # uniform in log10: 1000 a decade
    # a uniform sample would put 90% of the trials in the top decade
    assert np.mean(values < 1e-2) > 0.7
    grid = axis.grid(5)
    assert grid == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 1e-1])


def test_integer_axes_give_integers_in_bounds():
    batch = Axis("batch_size", 1, 64, "log_int")
    values = batch.sample(np.random.default_rng(1), 2000)
    assert all(isinstance(v, int) and 1 <= v <= 64 for v in values)
    assert min(values) == 1 and max(values) == 64
    assert batch.grid(7) == [1, 2, 4, 8, 16, 32, 64]
    assert Axis("batch_size", 2, 4, "int").grid(5) == [2, 3, 4]  # rounding repeats dropped
    with pytest.raises(ValueError, match="log scale"):
        Axis("lr", 0.0, 1.0, "log")


def test_random_settings_are_reproducible_by_seed():
    assert random_settings([LR, DECAY], 5, seed=7) == random_settings([LR, DECAY], 5, seed=7)
    assert random_settings([LR, DECAY], 5, seed=7) != random_settings([LR, DECAY], 5, seed=8)


def test_apply_settings_puts_batch_size_on_the_config_and_the_rest_on_the_optimizer():
    config = apply_settings(BASE, {"lr": 0.02, "batch_size": 8, "weight_decay": 1e-3})
    assert config.batch_size == 8
    assert config.optimizer == {"name": "sgd", "lr": 0.02, "weight_decay": 1e-3}
    with pytest.raises(ValueError, match="beta"):
        apply_settings(BASE, {"beta": 0.5})  # not an SGD hyper-parameter
    with pytest.raises(ValueError):
        apply_settings(BASE, {"lr": -1.0})


def plain_val_losses(data, model, config, dtype=F64) -> list[float]:
    trainer = Trainer(data, model, config, dtype=dtype)
    return [r.val_loss for r in trainer.records() if isinstance(r, EpochRecord)]


def test_a_trial_equals_a_plain_trainer_run_with_its_settings():
    """Batch sizes differ between trials (ManyTrainer stacks) and trials run in two chunks."""
    data = make_dataset(**DATA)
    axes = [LR, Axis("batch_size", 2, 20, "log_int")]
    settings = random_settings(axes, 5, seed=2)
    events = list(search(data, MODEL, BASE, settings, kind="random", chunk=3, dtype=F64))
    trials = finished_trials(events)
    assert [t.index for t in trials] == list(range(5))
    for trial, setting in zip(trials, settings, strict=True):
        assert trial.settings == setting
        expected = plain_val_losses(data, MODEL, apply_settings(BASE, setting))
        assert trial.val_losses == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert trial.best_val_loss == min(expected)
        assert trial.best_epoch == int(np.argmin(expected))
        assert trial.final_val_loss == pytest.approx(expected[-1], rel=1e-9)


def test_settings_many_trainer_refuses_train_one_trainer_per_trial():
    data = make_dataset(**DATA)
    model = ModelConfig(hidden=(5,), activation="tanh", dropout=0.2)
    settings = grid_settings([LR], 2)
    trials = finished_trials(search(data, model, BASE, settings, dtype=F64))
    for trial, setting in zip(trials, settings, strict=True):
        torch.manual_seed(BASE.seed)  # dropout's masks: the trial seeds the global generator
        expected = plain_val_losses(data, model, apply_settings(BASE, setting))
        assert trial.val_losses == pytest.approx(expected, rel=1e-9)


def test_progress_grows_to_one_and_every_trial_ends_once():
    data = make_dataset(**DATA)
    events = list(grid_vs_random(data, MODEL, BASE, [LR, DECAY], 2, seed=1, chunk=3))
    for kind in ("grid", "random"):
        mine = [e for e in events if e.kind == kind]
        fractions = [e.fraction for e in mine]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        assert [e.done for e in mine][-1] == mine[-1].total == 4
        assert sorted(t.index for t in finished_trials(mine)) == [0, 1, 2, 3]
    # a worker stops by no longer iterating: nothing runs after the last event taken
    stream = search(data, MODEL, BASE, grid_settings([LR], 3), chunk=1)
    first = [next(stream) for _ in range(2)]
    stream.close()
    assert first[-1].done == 0 and first[-1].fraction == pytest.approx(1 / 9)


def test_search_results_are_reproducible():
    data = make_dataset(**DATA)
    settings = search_settings("random", [LR, DECAY], 2, seed=5)
    first = finished_trials(search(data, MODEL, BASE, settings))
    second = finished_trials(search(data, MODEL, BASE, settings))
    assert first == second


def test_summary_names_the_best_trial_and_counts_distinct_values():
    data = make_dataset(**DATA)
    trials = finished_trials(search(data, MODEL, BASE, grid_settings([LR, DECAY], 2)))
    summary = summarize(trials, [LR, DECAY])
    assert summary.trials == 4
    assert summary.best.best_val_loss == min(t.best_val_loss for t in trials)
    assert summary.distinct == {"lr": 2, "weight_decay": 2}
    xs, ys, grid = heat_map(trials, "lr", "weight_decay")
    assert list(xs) == LR.grid(2) and list(ys) == DECAY.grid(2)
    for t in trials:
        i, j = DECAY.grid(2).index(t.settings["weight_decay"]), LR.grid(2).index(t.settings["lr"])
        assert grid[i, j] == t.best_val_loss
    values, losses = marginal(trials, "lr")
    assert list(values) == sorted(t.settings["lr"] for t in trials)
    assert set(losses) == {t.best_val_loss for t in trials}


def test_csv_export_has_one_row_per_trial():
    data = make_dataset(**DATA)
    trials = finished_trials(search(data, MODEL, BASE, grid_settings([LR, DECAY], 2)))
    rows = list(csv.DictReader(io.StringIO(trials_csv(trials, "grid"))))
    assert len(rows) == 4
    for row, trial in zip(rows, trials, strict=True):
        assert row["search"] == "grid" and int(row["trial"]) == trial.index
        assert float(row["lr"]) == pytest.approx(trial.settings["lr"], rel=1e-9)
        assert float(row["best_val_loss"]) == pytest.approx(trial.best_val_loss, rel=1e-9)
        assert float(row["val_loss_3"]) == pytest.approx(trial.val_losses[3], rel=1e-9)
        assert math.isclose(float(row["final_val_accuracy"]), trial.final_accuracy, rel_tol=1e-9)


@pytest.mark.parametrize("patience", [None, 1])
def test_diverged_and_stopped_trials_end_early_and_never_win(patience):
    """Without patience the trials run together (ManyTrainer), with it one trainer each."""
    data = make_dataset(name="sine", size=40, val_fraction=0.5, seed=0)
    base = TrainConfig(
        optimizer={"name": "sgd", "lr": 0.1}, epochs=4, batch_size=5, loss="mse", patience=patience
    )
    settings = [{"lr": 0.01}, {"lr": 50.0}, {"lr": 0.3}]
    events = list(search(data, MODEL, base, settings, chunk=3))
    trials = finished_trials(events)
    assert trials[1].status == "diverged" and len(trials[1].val_losses) < 5
    assert math.isfinite(trials[1].best_val_loss)  # the epochs before it blew up
    assert trials[2].status == ("stopped_early" if patience else "ok")
    assert summarize(trials, [LR]).best.index == 2
    assert events[-1].fraction == 1.0 and math.isnan(trials[0].final_accuracy)

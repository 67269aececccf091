"""Domain code that left the Qt layer: the momentum arrows, the curvature store, and the Data
page's comparisons and test loss, checked against closed forms without Qt."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core.curvature import CurvatureStore, curvature_at
from core.engine import PointRun, RunConfig
from core.experiments import (
    COMPARISONS,
    PRESETS,
    comparison_configs,
    comparison_run_sides,
    records_with_test_loss,
)
from core.lab.arrows import ARROW_KEYS, step_arrows
from core.surfaces import make_surface

# --- step_arrows ------------------------------------------------------------------------------


def _track(optimizer: str, hyper: dict, steps: int = 6, builtin: str = "bowl"):
    """The recorder's columns (steps+1, points, 2) from a real engine run."""
    surface = make_surface({"builtin": builtin})
    config = RunConfig(optimizer, hyper, [(1.5, -1.0)], steps)
    records = list(PointRun(surface, config, dtype=torch.float64, record_state=True).records())
    keys = set().union(*(r.state for r in records))
    nan = np.full((1, 2), np.nan)
    return SimpleNamespace(
        count=len(records),
        positions=np.stack([r.positions for r in records]),
        lr=np.array([r.lr for r in records]),
        state={k: np.stack([r.state.get(k, nan) for r in records]) for k in keys},
    )


def test_sgd_momentum_arrows_close_the_lectures_triangle():
    lr, momentum = 0.05, 0.8
    track = _track("sgd", {"lr": lr, "momentum": momentum})
    for step in range(1, 5):
        arrows = step_arrows(track, step)
        assert arrows is not None and set(arrows) == {"start", *ARROW_KEYS}
        grad = track.state["grad"][step + 1, 0]
        np.testing.assert_allclose(arrows["start"], track.positions[step, 0])
        np.testing.assert_allclose(arrows["gradient"], -lr * grad)
        update = track.positions[step + 1, 0] - track.positions[step, 0]
        np.testing.assert_allclose(arrows["update"], update, atol=1e-12)
        # the past's part is momentum times the previous update (the lecture's lambda m)
        previous = track.positions[step, 0] - track.positions[step - 1, 0]
        np.testing.assert_allclose(arrows["momentum"], momentum * previous, atol=1e-12)


def test_arrows_without_velocity_or_recorded_step():
    track = _track("sgd", {"lr": 0.1})
    arrows = step_arrows(track, 0)
    assert "momentum" not in arrows
    np.testing.assert_allclose(arrows["gradient"], arrows["update"], atol=1e-12)
    assert step_arrows(track, track.count - 1) is None  # the following step is not recorded
    assert step_arrows(track, -1) is None


def test_arrows_of_newton_use_the_plain_learning_rate():
    track = _track("newton", {"lr": 0.5})
    arrows = step_arrows(track, 1)
    np.testing.assert_allclose(arrows["gradient"], -0.5 * track.state["grad"][2, 0])


# --- CurvatureStore ---------------------------------------------------------------------------


def test_curvature_store_keeps_rows_per_run_and_step():
    saddle = make_surface({"builtin": "saddle"})
    points = np.array([[0.0, 0.0], [1.0, 0.5], [-0.5, 2.0]])
    chunk = curvature_at(saddle, points)
    store = CurvatureStore()
    assert store.begin("a", 5) == 0
    assert store.row("a", 0) is None
    store.put("a", 0, chunk)
    assert store.count("a") == 3
    row = store.row("a", 1)
    np.testing.assert_allclose(row.points, points[1:2])
    np.testing.assert_allclose(row.hessian, chunk.hessian[1:2])
    np.testing.assert_allclose(store.sharpness("a"), chunk.eigenvalues[:, 1])
    assert store.row("a", 3) is None  # pending
    store.truncate("a", 2)
    assert store.count("a") == 2 and store.row("a", 2) is None
    assert store.begin("a", 10) == 2  # keeps the valid rows
    np.testing.assert_allclose(store.row("a", 1).loss, chunk.loss[1:2])
    store.remove("a")
    assert store.count("a") == 0 and store.sharpness("a").size == 0
    store.put("missing", 0, chunk)  # ignored without begin
    assert store.count("missing") == 0


def test_curvature_store_rows_match_the_closed_form_of_the_saddle():
    # saddle x^2 - y^2 (the library's): Hessian diag(2, -2) everywhere
    saddle = make_surface({"builtin": "saddle"})
    store = CurvatureStore()
    store.begin("s", 2)
    store.put("s", 0, curvature_at(saddle, np.array([[0.3, -0.2], [1.0, 1.0]])))
    for step in range(2):
        np.testing.assert_allclose(np.sort(store.row("s", step).eigenvalues[0]), [-2.0, 2.0])


# --- the Data page's comparisons --------------------------------------------------------------


def test_presets_name_every_comparison_and_run():
    assert COMPARISONS == ("normalization", "loss", "generalization")
    for key, preset in PRESETS.items():
        configs = comparison_configs(key, n=50, seed=1, scales=preset["scales"])
        surfaces = {side: make_surface(configs[side]) for side in ("left", "right")}
        assert surfaces["left"].config["model"] == preset["model"]
        run = RunConfig(
            preset["optimizer"]["name"],
            {k: v for k, v in preset["optimizer"].items() if k != "name"},
            [surfaces["left"].default_start],
            preset["steps"],
            batch_size=preset["batch_size"],
        )
        assert run.steps == preset["steps"]
    assert comparison_run_sides("generalization") == ("left",)
    assert comparison_run_sides("loss") == ("left", "right")
    with pytest.raises(ValueError, match="unknown comparison"):
        comparison_configs("nope", n=10, seed=0)


def test_comparison_configs_differ_only_in_the_compared_setting():
    normal = comparison_configs("normalization", n=40, seed=3, scales=(0.3, 3.0))
    assert normal["left"]["data"] == {**normal["right"]["data"], "normalize": False}
    assert normal["right"]["data"]["normalize"] is True
    assert normal["left"]["data"]["scales"] == [0.3, 3.0]
    loss = comparison_configs("loss", n=40, seed=3)
    assert (loss["left"]["data"]["loss"], loss["right"]["data"]["loss"]) == ("mse", "cross_entropy")
    general = comparison_configs("generalization", n=40, seed=3, noise=0.5, shift=(0.4, -0.4))
    assert general["right"]["data"] == {**general["left"]["data"], "split": "test"}


def test_test_loss_is_the_train_loss_moved_by_the_shift():
    shift = np.array([0.4, -0.4])
    configs = comparison_configs("generalization", n=60, seed=2, noise=1.0, shift=tuple(shift))
    train, test = (make_surface(configs[side]) for side in ("left", "right"))
    config = RunConfig("sgd", {"lr": 0.1}, [train.default_start], 20, batch_size=4, seed=1)
    rows = list(records_with_test_loss(PointRun(train, config, dtype=torch.float64), test))
    assert len(rows) == 21
    for record, test_loss in rows:
        moved = torch.as_tensor(record.positions[:1] - shift, dtype=torch.float64)
        with torch.no_grad():
            expected = float(train(moved)[0])
        assert test_loss == pytest.approx(expected, rel=1e-10)
    plain = list(records_with_test_loss(PointRun(train, config, dtype=torch.float64), None))
    assert all(np.isnan(loss) for _, loss in plain)

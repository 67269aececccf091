"""Domain code that left the Qt layer: the momentum arrows, the curvature store, and the Data
page's comparisons and test loss, checked against closed forms without Qt."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core.curvature import CurvatureStore, curvature_at
from core.data_lab import (
    COMPARISONS,
    PRESETS,
    comparison_configs,
    comparison_run_sides,
    records_with_test_loss,
)
from core.engine import PointRun, RunConfig
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


# --- the Data page's settings, histories and arrows -----------------------------------------


def test_preset_settings_fill_what_the_page_needs():
    from core.data_lab import (
        DATA_SETTINGS,
        DEFAULT_SETTINGS,
        RUN_SETTINGS,
        chosen_batch_size,
        comparison_fields,
        preset_settings,
        settings_configs,
        settings_run_config,
    )

    assert not DATA_SETTINGS & RUN_SETTINGS
    normal = {**DEFAULT_SETTINGS, **preset_settings("normalization")}
    assert normal["full_batch"] and chosen_batch_size(normal) is None
    assert normal["scales"] == [0.3, 3.0] and normal["starts"] == {}
    assert normal["batch_size"] == DEFAULT_SETTINGS["batch_size"]  # kept for "full batch" off
    general = {**DEFAULT_SETTINGS, **preset_settings("generalization")}
    assert chosen_batch_size(general) == 1 and general["run"]["steps"] == 300
    configs = settings_configs(general)
    assert configs == comparison_configs(
        "generalization", n=200, seed=0, noise=1.4, shift=(0.4, -0.4)
    )
    config = settings_run_config({**general, "shuffle_seed": 7}, (0.5, -1.0))
    assert (config.batch_size, config.seed, config.steps) == (1, 7, 300)
    assert [tuple(s) for s in config.starts] == [(0.5, -1.0)]
    assert (config.optimizer, config.hyper) == ("sgd", {"lr": 0.1})
    assert comparison_fields("normalization") == {"n_examples", "data_seed", "scales"}
    assert comparison_fields("generalization") == {"n_examples", "data_seed", "noise", "shift"}
    with pytest.raises(ValueError, match="unknown comparison"):
        preset_settings("nope")


def test_panel_titles_carry_the_numbers_for_one_whole_sentence():
    from core.data_lab import DEFAULT_SETTINGS, panel_titles, preset_settings

    settings = {**DEFAULT_SETTINGS, **preset_settings("normalization"), "scales": [0.5, 2.0]}
    assert panel_titles(settings) == {"left": ("raw", (0.5, 2.0)), "right": ("normalized", ())}
    loss = {**settings, "comparison": "loss"}
    assert panel_titles(loss) == {"left": ("mse", ()), "right": ("cross_entropy", ())}


def test_shared_starts_and_experiment_batch_sizes():
    from core.data_lab import experiment_batch_sizes, shares_start

    assert not shares_start("normalization") and shares_start("loss")
    assert experiment_batch_sizes(40) == [1, 8, None]
    assert experiment_batch_sizes(200) == [1, 8, 64, None]


def _history(batch_size: int | None, steps: int = 8):
    from core.data_lab import RunHistory, run_info

    surface = make_surface(comparison_configs("normalization", n=30, seed=0)["left"])
    config = RunConfig("sgd", {"lr": 0.05}, [surface.default_start], steps, batch_size=batch_size)
    engine = PointRun(surface, config, dtype=torch.float64, record_state=True)
    history = RunHistory(steps)
    history.set_info(run_info(engine))
    for record, test_loss in records_with_test_loss(engine, None):
        history.add(record, test_loss)
    return surface, history


def test_run_history_rows_are_the_engine_records():
    surface, history = _history(batch_size=5)
    assert history.count == 9 and history.batch_size == 5 and history.updates_per_epoch == 6
    expected = surface(torch.as_tensor(history.positions)).numpy()
    np.testing.assert_allclose(history.loss, expected, rtol=1e-10)
    np.testing.assert_allclose(history.epoch[-1], 8 / 6)
    assert np.isnan(history.used[0]).all() and np.isfinite(history.used[1:]).all()
    assert history.last_row(100) == 8 and history.last_row(3) == 3


def test_arrows_point_downhill_scaled_to_the_window_and_capped():
    from core.data_lab import (
        ARROW_MAX,
        ARROW_SPAN,
        arrow_references,
        arrow_tips,
        gradient_angle,
        step_gradients,
    )

    surface, history = _history(batch_size=5)
    full, used = step_gradients(history, 3)
    np.testing.assert_array_equal(full, history.grad[3])
    np.testing.assert_array_equal(used, history.used[4])
    references = arrow_references({"left": history}, 3, "normalization")
    assert references["left"] == pytest.approx(float(np.linalg.norm(full)))
    assert references["right"] == 0.0
    point = history.positions[3]
    width = surface.x_range[1] - surface.x_range[0]
    tip_full, tip_used = arrow_tips(point, [full, used], references["left"], surface.x_range)
    np.testing.assert_allclose(np.linalg.norm(tip_full - point), ARROW_SPAN * width)
    direction = (tip_full - point) / np.linalg.norm(tip_full - point)
    np.testing.assert_allclose(direction, -full / np.linalg.norm(full), atol=1e-12)
    assert np.linalg.norm(tip_used - point) <= ARROW_MAX * width + 1e-12
    huge = arrow_tips(point, [1e6 * full], references["left"], surface.x_range)[0]
    np.testing.assert_allclose(np.linalg.norm(huge - point), ARROW_MAX * width)
    assert arrow_tips(point, [full], 0.0, surface.x_range) is None
    shared = arrow_references({"left": history}, 3, "loss")
    assert shared["left"] == shared["right"] == references["left"]
    assert gradient_angle(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90.0)
    assert gradient_angle(np.array([1.0, 1.0]), np.array([2.0, 2.0])) == pytest.approx(0.0)
    _, full_batch = _history(batch_size=None)
    assert step_gradients(full_batch, 3)[1] is None  # the full batch: no second arrow


def test_positive_leaves_gaps_for_a_log_axis():
    from core.data_lab import positive

    np.testing.assert_array_equal(
        np.isnan(positive(np.array([1.0, 0.0, -2.0, 3.0]))), [False, True, True, False]
    )

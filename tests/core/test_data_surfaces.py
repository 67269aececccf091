"""Data-defined surfaces, minibatch runs and the batch-size / timing experiments."""

import math
import re

import numpy as np
import pytest
import torch

from core.engine import PointRun, RunConfig
from core.experiments import batch_size_experiment, summarize, timing_experiment
from core.runner import run_scene
from core.scene import SceneError, load_scene, parse_scene
from core.surfaces import make_surface
from core.surfaces.data import DataSurface, data_surface, hessian_at
from core.surfaces.library import builtin_surface


def grad_at(surface, point, indices=None):
    p = torch.tensor(np.asarray([point], dtype=float), dtype=torch.float64, requires_grad=True)
    loss = surface.fn(p) if indices is None else surface.batch_loss(p, indices)
    (g,) = torch.autograd.grad(loss.sum(), p)
    return g[0].numpy()


def minibatch_run(surface, batch_size, steps, seed=0, lr=0.05, start=(0.5, -0.5)):
    config = RunConfig("sgd", {"lr": lr}, [start], steps, batch_size=batch_size, seed=seed)
    engine = PointRun(surface, config, dtype=torch.float64)
    return engine, list(engine.records())


# -- the surfaces ------------------------------------------------------------------------------


def test_regression_loss_is_the_mean_squared_error_of_its_data():
    surface = data_surface("regression", n=50, seed=3, scales=(0.5, 4.0))
    x, y = surface.examples.inputs, surface.examples.targets
    w = np.array([0.7, -0.2])
    expected = np.mean((x @ w - y) ** 2)
    got = surface(torch.tensor(w[None]))[0].item()
    assert got == pytest.approx(expected, rel=1e-12)
    assert np.std(x, axis=0) == pytest.approx([0.5, 4.0], rel=0.25)  # raw scales as asked
    # The Hessian of a mean squared error is 2/N XᵀX, everywhere.
    np.testing.assert_allclose(hessian_at(surface, w), 2 * x.T @ x / len(x), rtol=1e-10)
    (minimum,) = surface.critical_points
    best = np.linalg.lstsq(x, y, rcond=None)[0]
    assert (minimum.x, minimum.y) == pytest.approx(tuple(best))
    x0, x1 = surface.x_range
    y0, y1 = surface.y_range
    assert x0 < minimum.x < x1 and y0 < minimum.y < y1
    assert x0 < surface.default_start[0] < x1 and y0 < surface.default_start[1] < y1


def test_normalization_makes_the_hessian_nearly_round():
    raw = data_surface("regression", scales=(1.0, 10.0))
    normalized = data_surface("regression", scales=(1.0, 10.0), normalize=True)
    point = (0.0, 0.0)  # a quadratic: the Hessian is the same everywhere
    raw_eigs = np.linalg.eigvalsh(hessian_at(raw, point))
    norm_eigs = np.linalg.eigvalsh(hessian_at(normalized, point))
    assert raw_eigs[1] / raw_eigs[0] > 50  # about (10 / 1)² = 100: long thin ellipses
    assert norm_eigs[1] / norm_eigs[0] < 1.3  # near circles
    # Standardized features: mean 0 and variance 1, so the Hessian's diagonal is exactly 2.
    features = normalized.examples.inputs
    np.testing.assert_allclose(features.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(np.diag(hessian_at(normalized, point)), [2.0, 2.0], rtol=1e-10)


def test_plain_gradient_descent_is_much_faster_after_normalization():
    def steps_to_converge(surface, lr):
        (minimum,) = surface.critical_points
        start = (minimum.x - 1.0, minimum.y + 1.0)
        _, records = minibatch_run(surface, None, 400, lr=lr, start=start)
        best = float(surface(torch.tensor([[minimum.x, minimum.y]]))[0])
        losses = np.array([r.loss[0] for r in records])
        assert losses.min() < best + 1e-3, "did not converge"
        return int(np.argmax(losses < best + 1e-3))

    raw = data_surface("regression", scales=(0.3, 3.0))
    normalized = data_surface("regression", scales=(0.3, 3.0), normalize=True)
    lr = 0.9 / np.linalg.eigvalsh(hessian_at(raw, (0, 0))).max()  # stable on the raw surface
    assert 0 < steps_to_converge(normalized, lr) * 5 < steps_to_converge(raw, lr)


def test_mse_is_flat_where_cross_entropy_is_not():
    mse = data_surface("logistic", loss="mse")
    ce = data_surface("logistic", loss="cross_entropy")
    x, y = ce.examples.inputs, ce.examples.targets
    far = np.array([-4.0, -4.0])  # confidently wrong: the sigmoid saturates
    sigma = 1 / (1 + np.exp(-(x @ far)))
    # Closed forms: d/dw mean BCE = mean((σ - y) x); d/dw mean (σ - y)² = mean(2(σ - y)σ(1 - σ) x).
    ce_closed = ((sigma - y)[:, None] * x).mean(axis=0)
    mse_closed = ((2 * (sigma - y) * sigma * (1 - sigma))[:, None] * x).mean(axis=0)
    np.testing.assert_allclose(grad_at(ce, far), ce_closed, rtol=1e-9)
    np.testing.assert_allclose(grad_at(mse, far), mse_closed, rtol=1e-9)
    assert np.linalg.norm(mse_closed) < 0.1 * np.linalg.norm(ce_closed)
    # Both losses agree on where the classifier is good: their minima are close together.
    (m1,), (m2,) = mse.critical_points, ce.critical_points
    assert math.hypot(m1.x - m2.x, m1.y - m2.y) < 0.5
    assert ce(torch.tensor([[m2.x, m2.y]]))[0] < ce(torch.tensor([far]))[0]


def test_two_basins_without_noise_is_the_builtin_surface():
    plain = data_surface("two_basins", noise=0.0, n=10)
    builtin = builtin_surface("two_basins")
    points = torch.tensor([[-1.5, 1.0], [1.5, -0.8], [0.3, 0.2], [-2.0, -2.0]])
    torch.testing.assert_close(plain(points.double()), builtin(points.double()))
    noisy = data_surface("two_basins", n=256)
    sharp, flat = (c for c in noisy.critical_points if c.kind == "minimum")
    assert np.linalg.eigvalsh(hessian_at(noisy, (sharp.x, sharp.y))).max() > 10
    assert np.linalg.eigvalsh(hessian_at(noisy, (flat.x, flat.y))).max() < 1


def test_the_test_surface_is_the_train_surface_shifted():
    train = data_surface("two_basins", n=64, shift=(0.4, -0.3))
    test = train.shifted()
    points = torch.tensor([[0.1, 0.2], [-1.5, 1.0], [2.0, -1.0]], dtype=torch.float64)
    shift = torch.tensor([0.4, -0.3], dtype=torch.float64)
    torch.testing.assert_close(test(points + shift), train(points))
    torch.testing.assert_close(
        test.batch_loss(points + shift, [1, 5]), train.batch_loss(points, [1, 5])
    )
    assert test.critical_points[0].x == pytest.approx(train.critical_points[0].x + 0.4)
    same = make_surface({"data": {"model": "two_basins", "n": 64, "shift": [0.4, -0.3]}})
    as_test = make_surface(
        {"data": {"model": "two_basins", "n": 64, "shift": [0.4, -0.3], "split": "test"}}
    )
    torch.testing.assert_close(as_test(points), same.shifted()(points))


def test_make_surface_builds_data_surfaces_and_keeps_their_window_override():
    surface = make_surface({"data": {"model": "logistic", "n": 30}, "x_range": [-1, 1]})
    assert isinstance(surface, DataSurface) and surface.n_examples == 30
    assert surface.x_range == (-1.0, 1.0)
    assert surface.batch_loss(torch.zeros(1, 2), [0, 1]).shape == (1,)


# -- minibatches in the engine -----------------------------------------------------------------


@pytest.mark.parametrize("n, batch", [(60, 12), (50, 16)])
def test_minibatch_gradients_average_to_the_full_gradient_over_an_epoch(n, batch):
    surface = data_surface("regression", n=n, seed=1)
    updates = math.ceil(n / batch)
    # lr = 0: the point stays put, so every update's gradient is taken at the start.
    engine, records = minibatch_run(surface, batch, updates, lr=0.0)
    assert engine.updates_per_epoch == updates
    used = np.array([r.state["grad"][0] for r in records[1:]])
    sizes = np.array([min(batch, n - k * batch) for k in range(updates)])
    full = records[0].grad[0]
    # A mean over the whole epoch, each batch weighted by its size (the last one may be short).
    np.testing.assert_allclose((sizes[:, None] * used).sum(axis=0) / n, full, rtol=1e-10)
    assert not np.allclose(used[0], full)  # a single minibatch's gradient is noisy
    first = engine._order[:batch].numpy()
    np.testing.assert_allclose(used[0], grad_at(surface, records[0].positions[0], first))
    assert [r.epoch for r in records] == pytest.approx(np.arange(updates + 1) / updates)
    # Each update of an epoch used different examples: the batches partition the data.
    order = engine._order.numpy()
    assert sorted(order.tolist()) == list(range(n))


def test_records_keep_the_full_batch_loss_and_gradient():
    surface = data_surface("regression", n=40)
    _, records = minibatch_run(surface, 4, 6)
    for record in records:
        point = record.positions[0]
        assert record.loss[0] == pytest.approx(surface(torch.tensor([point]))[0].item())
        np.testing.assert_allclose(record.grad[0], grad_at(surface, point), rtol=1e-10)
    # The step followed the minibatch gradient: update = -lr * state["grad"].
    for before, after in zip(records[1:], records[2:], strict=False):
        np.testing.assert_allclose(
            after.positions[0] - before.positions[0], -0.05 * after.state["grad"][0], rtol=1e-9
        )


def test_seeds_make_runs_repeatable():
    surface = data_surface("logistic", n=80)
    _, first = minibatch_run(surface, 8, 25, seed=7)
    _, again = minibatch_run(surface, 8, 25, seed=7)
    _, other = minibatch_run(surface, 8, 25, seed=8)
    positions = [np.array([r.positions[0] for r in rs]) for rs in (first, again, other)]
    np.testing.assert_array_equal(positions[0], positions[1])
    assert not np.allclose(positions[0], positions[2])
    # The data seed: the same seed gives the same dataset.
    a, b = data_surface("regression", seed=5), data_surface("regression", seed=5)
    np.testing.assert_array_equal(a.examples.inputs, b.examples.inputs)


def test_a_batch_size_above_n_is_the_full_batch_with_a_note():
    surface = data_surface("regression", n=20)
    engine, records = minibatch_run(surface, 64, 3)
    assert engine.batch_size is None and engine.updates_per_epoch == 1
    assert engine.notes == ["batch size 64 is larger than the 20 examples: using the full batch"]
    _, full = minibatch_run(surface, None, 3)
    np.testing.assert_array_equal(records[-1].positions, full[-1].positions)
    plain, _ = minibatch_run(builtin_surface("bowl"), 4, 1)
    assert "not made of training examples" in plain.notes[0]


def test_ordinary_surfaces_have_no_epoch():
    _, records = minibatch_run(builtin_surface("bowl"), None, 2)
    assert all(math.isnan(r.epoch) for r in records)


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"model": "regression", "n": 0}, "dataset is empty"),
        ({"model": "regression", "scales": (-1.0, 2.0)}, "scales must be positive"),
        ({"model": "logistic", "scales": (1.0, 0.0)}, "scales must be positive"),
        ({"model": "logistic", "loss": "hinge"}, "unknown loss"),
        ({"model": "regression", "loss": "cross_entropy"}, "uses the loss 'mse'"),
        ({"model": "two_basins", "scales": (1.0, 1.0)}, "has no setting scales"),
        ({"model": "two_basins", "noise": -1.0}, "noise"),
        ({"model": "perceptron"}, "unknown data model"),
        ({"model": "regression", "n": 10**9}, "too many"),
        ({"model": "regression", "shift": (1.0,)}, "shift must be two numbers"),
    ],
)
def test_bad_data_settings_are_refused_with_a_clear_message(settings, words):
    with pytest.raises(ValueError, match=words):
        data_surface(**settings)


def test_bad_minibatches_and_configs_are_refused():
    surface = data_surface("regression", n=10)
    with pytest.raises(ValueError, match="empty batch"):
        surface.batch_loss(torch.zeros(1, 2), [])
    with pytest.raises(ValueError, match="unknown data setting"):
        make_surface({"data": {"model": "regression", "size": 3}})
    with pytest.raises(ValueError, match="batch size must be"):
        PointRun(surface, RunConfig("sgd", {"lr": 0.1}, [[0, 0]], 2, batch_size=0))


def scene(surface, **run):
    return {
        "surface": surface,
        "runs": [{"optimizer": {"name": "sgd", "lr": 0.05}, "start": [0, 0], "steps": 4, **run}],
    }


@pytest.mark.parametrize(
    "data, where, words",
    [
        (scene({"data": {"n": 0}}), "surface.data", "dataset is empty"),
        (scene({"data": {"scales": [-1, 1]}}), "surface.data", "positive"),
        (scene({"data": {"model": "x"}}), "surface.data.model", "Input should be"),
        (scene({"data": {"nn": 3}}), "surface.data.nn", "unknown field"),
        (scene({"data": {}}, batch_size=0), "runs[0].batch_size", "greater than or equal"),
        (scene({"data": {}}, batch_size=2.5), "runs[0].batch_size", "integer"),
        (scene({"data": {}}, seed=-1), "runs[0].seed", "greater than or equal"),
    ],
)
def test_bad_data_scenes_name_the_field(data, where, words):
    with pytest.raises(SceneError) as error:
        parse_scene(data)
    assert error.value.path == where
    assert words in error.value.message


def test_a_data_scene_runs_headless_with_epochs_test_loss_and_notes():
    data = scene(
        {"data": {"model": "regression", "n": 20, "shift": [0.5, 0.0]}}, batch_size=8, seed=3
    )
    data["runs"].append({**data["runs"][0], "batch_size": 50})
    result = run_scene(parse_scene(data))
    minibatch, too_big = result["runs"]
    assert minibatch["batch_size"] == 8 and minibatch["updates_per_epoch"] == 3
    assert minibatch["epoch"] == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3])
    assert "notes" not in minibatch
    train = data_surface("regression", n=20)
    positions = torch.tensor(minibatch["positions"], dtype=torch.float64)
    expected = train(positions - torch.tensor([0.5, 0.0], dtype=torch.float64))
    np.testing.assert_allclose(minibatch["test_loss"], expected.numpy(), rtol=1e-10)
    assert too_big["batch_size"] is None and "larger than the 20 examples" in too_big["notes"][0]


@pytest.mark.parametrize(
    "name", ["batch_size_flat_minimum", "data_feature_scales", "data_mse_plateau"]
)
def test_the_lesson_scenes_load_and_run(name):
    import resources

    loaded = load_scene(resources.path("scenes", f"{name}.json"))
    assert "data" in loaded.surface.to_config()
    assert loaded.chapter in ("batch_momentum", "normalization", "loss_functions")
    result = run_scene(loaded, steps=3)
    assert all(run["status"] == "ok" and len(run["epoch"]) == 4 for run in result["runs"])


# -- experiments ------------------------------------------------------------------------------


def test_the_batch_size_experiment_returns_one_row_per_batch_size_and_seed():
    surface = data_surface("two_basins", n=64, shift=(0.4, -0.4))
    rows = list(
        batch_size_experiment(
            surface, steps=20, batch_sizes=(1, 8, None), seeds=(0, 1), optimizer=None
        )
    )
    assert [(r["label"], r["seed"]) for r in rows] == [
        (label, seed) for label in ("1", "8", "full") for seed in (0, 1)
    ]
    for row in rows:
        final = torch.tensor([row["final"]])
        assert row["train_loss"] == pytest.approx(surface(final)[0].item())
        assert row["test_loss"] == pytest.approx(surface.shifted()(final)[0].item())
        eig = np.linalg.eigvalsh(hessian_at(surface, row["final"])).max()
        assert row["sharpness"] == pytest.approx(eig)
        assert row["steps"] == 20
    full = [r for r in rows if r["label"] == "full"]
    assert full[0]["final"] == full[1]["final"]  # no randomness in the full batch
    small = [r for r in rows if r["label"] == "1"]
    assert small[0]["final"] != small[1]["final"]  # the shuffle seed matters
    summary = summarize(rows)
    assert [s["label"] for s in summary] == ["1", "8", "full"]
    assert summary[2]["sharpness_std"] == 0.0


def test_small_batches_leave_the_sharp_minimum():
    """The lecture's table: near the sharp well's stability limit, batch 1 ends flat."""
    surface = data_surface("two_basins", shift=(0.4, -0.4))
    rows = list(batch_size_experiment(surface, batch_sizes=(1, None), seeds=(0, 1, 2)))
    small, full = summarize(rows)
    assert full["sharpness"] > 10 and small["sharpness"] < full["sharpness"] / 2
    assert small["test_loss"] < full["test_loss"]


def test_the_batch_size_experiment_refuses_other_surfaces():
    with pytest.raises(ValueError, match="made of examples"):
        next(batch_size_experiment(builtin_surface("bowl")))


def test_timing_rows_and_epoch_arithmetic():
    rows = list(
        timing_experiment(
            (1, 4, 16, 64, 1000),
            device="cpu",
            n_examples=48,
            features=4,
            width=8,
            depth=1,
            min_seconds=0.0,
        )
    )
    assert [r["batch_size"] for r in rows] == [1, 4, 16]  # 64 and 1000 exceed N = 48
    for row in rows:
        assert row["updates_per_epoch"] == math.ceil(48 / row["batch_size"])
        assert row["epoch_s"] == pytest.approx(row["update_s"] * row["updates_per_epoch"])
        assert row["update_s"] > 0 and row["repeats"] >= 2 and row["device"] == "CPU"
    with pytest.raises(ValueError, match="no batch size"):
        next(timing_experiment((100,), device="cpu", n_examples=10))


# --- names: titles in one language each, axes, which loss ------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"model": "regression"},
        {"model": "regression", "normalize": True},
        {"model": "logistic", "loss": "mse"},
        {"model": "logistic", "loss": "cross_entropy"},
        {"model": "two_basins"},
        {"model": "regression", "split": "test", "shift": [0.5, 0.0]},
    ],
    ids=lambda s: "-".join(str(v) for v in s.values()),
)
def test_titles_are_whole_phrases_in_each_language_and_the_axes_are_named(settings):
    surface = data_surface(**settings, n=50)
    english, chinese = surface.title["en"], surface.title["zh"]
    assert "Drawn" not in english and english[0].isupper()
    # No English word inside the Chinese title (it read "尺度 0.3 and 3" once).
    assert not re.search(r"[A-Za-z]{2,}", chinese), chinese
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    assert surface.axis_names == ("w₁", "w₂")
    assert surface.loss_name["en"] and surface.loss_name["zh"]


def test_the_raw_regression_title_gives_the_scales_in_both_languages():
    surface = data_surface("regression", n=20, scales=(0.5, 2.0))
    assert surface.title["en"] == "Linear regression on raw features of scales 0.5 and 2"
    assert surface.title["zh"] == "尺度为 0.5 和 2 的原始特征上的线性回归"


def test_mse_and_cross_entropy_surfaces_say_which_loss_they_are():
    mse = data_surface("logistic", loss="mse", n=20)
    ce = data_surface("logistic", loss="cross_entropy", n=20)
    assert (mse.loss_name["en"], ce.loss_name["en"]) == ("mean squared error", "cross-entropy")
    assert (mse.loss_name["zh"], ce.loss_name["zh"]) == ("均方误差", "交叉熵")
    assert "mean squared error" in mse.title["en"] and "cross-entropy" in ce.title["en"]
    # The note steers the comparison to the gradients: the two values are on different scales.
    assert "different scales" in ce.note["en"] and "梯度" in ce.note["zh"]


@pytest.mark.parametrize(
    ("loss", "lesson"),
    [("mse", "loss_mse_classifier"), ("cross_entropy", "loss_cross_entropy_classifier")],
)
def test_the_one_feature_classifier_is_the_loss_lessons_surface_with_its_loss_named(loss, lesson):
    """The lessons' formulas, as a data surface: the same values, axes w and b, a named loss."""
    import json

    import resources

    scene = json.loads(resources.path("scenes", f"{lesson}.json").read_text(encoding="utf-8"))
    formula = make_surface(scene["surface"])
    surface = make_surface({"data": {"model": "classifier_1d", "loss": loss}})
    points = torch.rand(500, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    points = 12 * points - 6
    torch.testing.assert_close(surface(points), formula(points), rtol=1e-12, atol=1e-12)
    assert surface.axis_names == ("w", "b") and surface.n_examples == 6
    assert (
        surface.loss_name["en"]
        == {"mse": "mean squared error", "cross_entropy": "cross-entropy"}[loss]
    )
    (minimum,) = surface.critical_points
    assert (
        minimum.kind == "minimum"
        and np.linalg.norm(grad_at(surface, (minimum.x, minimum.y))) < 1e-9
    )
    # Confidently wrong at (-5, 0): the MSE gradient almost vanishes, the cross-entropy's not.
    assert np.linalg.norm(grad_at(surface, surface.default_start)) == pytest.approx(
        {"mse": 0.00269, "cross_entropy": 0.985}[loss], rel=0.01
    )
    with pytest.raises(ValueError, match="has no setting n"):
        data_surface("classifier_1d", n=10)

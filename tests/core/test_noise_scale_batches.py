"""The Data page's minibatch cloud (core.data_lab) and the batch-size experiment's noise scale,
updates-to-reach and knee (core.experiments), against closed forms."""

import math

import numpy as np
import pytest
import torch

from core.data_lab import (
    arrow_scale,
    arrow_tips,
    cloud_tips,
    compact_number,
    ellipse_points,
    gradient_cloud,
)
from core.experiments import (
    batch_axis_position,
    batch_size_experiment,
    knee_batch_size,
    updates_to_reach,
)
from core.noise_scale import surface_noise_scale
from core.surfaces.data import data_surface

POINT = (0.4, -0.3)


def _regression_by_hand(surface, point):
    """Per-example gradients of loss_i = (w . x_i - y_i)^2, their mean and Sigma."""
    x, y = surface.examples.inputs, surface.examples.targets
    g = 2.0 * (x @ np.asarray(point) - y)[:, None] * x
    mean = g.mean(0)
    sigma = (g - mean).T @ (g - mean) / len(g)
    return g, mean, sigma


def test_the_cloud_has_mean_g_and_the_finite_population_covariance():
    surface = data_surface("regression", n=40, seed=2)
    _, mean, sigma = _regression_by_hand(surface, POINT)
    batch, n = 6, 40
    expected = sigma / batch * (n - batch) / (n - 1)  # drawn without replacement
    cloud = gradient_cloud(surface, POINT, batch, count=30_000, seed=1)
    assert cloud.batch_size == batch and cloud.cloud.shape == (30_000, 2)
    np.testing.assert_allclose(cloud.full, mean, rtol=1e-12)
    np.testing.assert_allclose(cloud.covariance, expected, rtol=1e-10)  # the exact one
    spread = np.sqrt(np.diag(expected)).max()
    np.testing.assert_allclose(cloud.cloud.mean(0), mean, atol=4 * spread / math.sqrt(30_000))
    np.testing.assert_allclose(
        np.cov(cloud.cloud.T), expected, rtol=0.05, atol=0.02 * np.abs(expected).max()
    )
    # B_simple = tr(Sigma) / |G|^2, the same as core.noise_scale's
    assert cloud.noise.b_simple == pytest.approx(np.trace(sigma) / (mean @ mean), rel=1e-12)
    assert cloud.noise.b_simple == pytest.approx(surface_noise_scale(surface, POINT).b_simple)


def test_the_cloud_is_seeded_and_the_full_batch_has_no_spread():
    surface = data_surface("logistic", n=30)
    first = gradient_cloud(surface, POINT, 4)
    again = gradient_cloud(surface, POINT, 4)
    np.testing.assert_array_equal(first.cloud, again.cloud)
    assert not np.array_equal(first.cloud, gradient_cloud(surface, POINT, 4, seed=1).cloud)
    for batch in (None, 30, 500):  # the full batch, or more than N: every minibatch is all N
        full = gradient_cloud(surface, POINT, batch, count=5)
        assert full.batch_size == 30
        np.testing.assert_allclose(full.cloud, np.tile(full.full, (5, 1)), atol=1e-15)
        np.testing.assert_allclose(full.covariance, 0.0, atol=1e-15)


def test_larger_batches_shrink_the_cloud():
    surface = data_surface("regression", n=200, seed=0)
    clouds = [gradient_cloud(surface, POINT, b) for b in (1, 8, 64)]
    exact = [np.trace(c.covariance) for c in clouds]
    assert exact[1] / exact[0] == pytest.approx((200 - 8) / (200 - 1) / 8)
    assert exact[2] / exact[0] == pytest.approx((200 - 64) / (200 - 1) / 64)
    sampled = [np.trace(np.cov(c.cloud.T)) for c in clouds]  # 200 minibatches each
    assert sampled[0] > 4 * sampled[1] > 16 * sampled[2]


def test_cloud_tips_are_the_arrows_steps_and_the_ellipse_is_two_sigma():
    point, x_range, reference = np.array([0.5, -1.0]), (-2.0, 3.0), 4.0
    gradients = np.array([[1.0, 2.0], [-0.5, 0.25], [0.0, 0.0]])
    tips = cloud_tips(point, gradients, reference, x_range)
    np.testing.assert_allclose(tips, arrow_tips(point, gradients, reference, x_range))
    scale = arrow_scale(reference, x_range)
    assert scale == pytest.approx(0.16 * 5.0 / 4.0)
    far = cloud_tips(point, np.array([[100.0, 0.0]]), reference, x_range)  # not cut
    np.testing.assert_allclose(far, [[0.5 - 100 * scale, -1.0]])
    assert cloud_tips(point, gradients, 0.0, x_range).shape == (0, 2)

    covariance = np.array([[2.0, 0.6], [0.6, 0.5]])
    ring = ellipse_points(point, covariance, scale, sigmas=2.0, count=50)
    assert ring.shape == (51, 2)
    np.testing.assert_allclose(ring[0], ring[-1])
    d = ring - point
    mahalanobis = np.einsum("ij,jk,ik->i", d, np.linalg.inv(scale**2 * covariance), d)
    np.testing.assert_allclose(mahalanobis, 4.0, rtol=1e-9)


def test_compact_numbers():
    assert [compact_number(v) for v in (2.7368, 37.21, 1234.6, math.inf)] == [
        "2.74",
        "37.2",
        "1235",
        "∞",
    ]


# -- the batch-size experiment -----------------------------------------------------------------


def _rows(curves: dict, n: int = 100) -> list[dict]:
    """Experiment rows with the given loss curves per batch size (None = full)."""
    rows = []
    for batch, per_seed in curves.items():
        label = "full" if batch is None else str(batch)
        for seed, losses in enumerate(per_seed):
            rows.append(
                {
                    "batch_size": batch,
                    "label": label,
                    "seed": seed,
                    "losses": list(losses),
                    "n_examples": n,
                }
            )
    return rows


def test_updates_to_reach_counts_the_first_step_below_the_level():
    rows = _rows(
        {
            1: [[10, 8, 6, 4, 2, 1.5], [10, 9, 8, 7, 6, 5], [10, 5, 4, 3, 2, 1]],
            10: [[10, 4, 2, 1.2, 1, 1]],
            None: [[10, 3, 1.5, 1, 1, 1]],
        }
    )
    reach = updates_to_reach(rows, fraction=0.9)
    assert reach["target"] == pytest.approx(10 - 0.9 * 9)  # 1.9, toward the full batch's end
    by_label = {e["label"]: e for e in reach["entries"]}
    assert list(by_label) == ["1", "10", "full"]
    assert by_label["1"]["updates"] == 5  # median of 5, never (inf) and 5
    assert by_label["1"]["epochs"] == pytest.approx(5 * 1 / 100)
    assert by_label["10"]["updates"] == 3 and by_label["10"]["epochs"] == pytest.approx(0.3)
    assert by_label["full"]["updates"] == 2 and by_label["full"]["epochs"] == 2
    never = updates_to_reach(_rows({1: [[5, 6, 7]], None: [[5, 4, 3]]}), fraction=0.9)
    assert math.isnan(never["entries"][0]["updates"])
    assert math.isnan(never["entries"][0]["epochs"])


def test_the_knee_of_mccandlish_s_model_is_b_noise():
    b_noise, n = 12.0, 4096
    sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
    entries = [
        {
            "label": str(b),
            "batch_size": b,
            "updates": 100 * (1 + b_noise / b),
            "epochs": 100 * (1 + b_noise / b) * b / n,
        }
        for b in sizes
    ]
    assert knee_batch_size(entries, n) == pytest.approx(b_noise, rel=0.1)
    flat = [{**e, "updates": 100.0, "epochs": 100.0 * e["batch_size"] / n} for e in entries]
    assert knee_batch_size(flat, n) == pytest.approx(1.0)  # every batch pays from the start
    assert knee_batch_size(entries[:1], n) is None


def test_a_batch_size_is_placed_between_the_measured_ones_in_log_scale():
    sizes = [1, 8, 64, None]
    assert batch_axis_position(8, sizes, 200) == pytest.approx(1.0)
    assert batch_axis_position(math.sqrt(8), sizes, 200) == pytest.approx(0.5)
    assert batch_axis_position(200, sizes, 200) == pytest.approx(3.0)
    assert batch_axis_position(0.5, sizes, 200) == pytest.approx(-1 / 3)
    assert batch_axis_position(1e-6, sizes, 200) == -0.5  # kept on the axis
    assert batch_axis_position(1e9, sizes, 200) == 3.5


def test_the_experiment_s_knee_falls_near_b_simple_on_the_two_basin_surface():
    """McCandlish et al.: below B_simple a bigger batch saves updates; above, it costs epochs."""
    surface = data_surface("two_basins", n=200, shift=(0.4, -0.4))
    sizes = (1, 2, 4, 8, 32, None)
    rows = list(batch_size_experiment(surface, steps=40, batch_sizes=sizes, seeds=(0, 1, 2)))
    b_simple = surface_noise_scale(surface, surface.default_start).b_simple
    assert all(r["b_simple_start"] == b_simple for r in rows)
    assert all(len(r["losses"]) == 41 and r["losses"][-1] == r["train_loss"] for r in rows)
    assert all(r["n_examples"] == 200 for r in rows)
    reach = updates_to_reach(rows)
    updates = [e["updates"] for e in reach["entries"]]
    assert updates[0] > 4 * updates[-1]  # batch 1 is noise-dominated here
    knee = knee_batch_size(reach["entries"], 200)
    assert knee is not None and b_simple / 2 < knee < b_simple * 2
    assert 1 < b_simple < 8
    start = torch.tensor([surface.default_start], dtype=torch.float64)
    assert rows[0]["losses"][0] == pytest.approx(float(surface(start)[0]))


def test_noise_scales_read_compactly_even_near_a_minimum():
    from core.data_lab import compact_number

    assert compact_number(2.6189) == "2.62"
    assert compact_number(3947.2) == "3947"
    assert compact_number(4.18984e25) == "4.19e+25"  # the gradient vanishes near a minimum
    assert compact_number(float("inf")) == "∞"

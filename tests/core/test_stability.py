"""The edge-of-stability comparison (core.nets.stability): spectrum histograms, the four
configurations, progressive sharpening to 2/lr, and the interleaved stream; the validation loss in
every record; SAM against SGD (same weights, same batches; SAM ends flatter)."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.nets.curvature import flat_loss, full_hessian
from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig
from core.nets.sharpness import sharpness
from core.nets.stability import (
    DEFAULT_RHO,
    EDGE_FACTOR,
    SAM_KEYS,
    SPECTRUM_TOP,
    SPECTRUM_ZERO,
    StabilityConfig,
    config_records,
    default_configs,
    edge_lr,
    sam_configs,
    spectrum_edges,
    spectrum_histogram,
    stability_experiment,
)
from core.nets.trainer import TrainConfig, Trainer

F64 = torch.float64
# The Network Lab's default network on its circles: GD at the edge lr sharpens to 2/lr in ~60 epochs
CIRCLES = {"name": "circles", "size": 400, "seed": 0, "val_fraction": 0.3}
MODEL = ModelConfig(hidden=(8, 8), activation="tanh")
BASE = TrainConfig(optimizer={"name": "adam", "lr": 0.03}, epochs=10)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors on a shared machine: one thread is faster
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def circles():
    return make_dataset(**CIRCLES)


def test_the_bins_are_symmetric_log_with_a_zero_bin():
    edges = spectrum_edges()
    assert np.all(np.diff(edges) > 0)
    np.testing.assert_allclose(edges, -edges[::-1])  # symmetric
    middle = len(edges) // 2
    assert (edges[middle - 1], edges[middle]) == (pytest.approx(-SPECTRUM_ZERO), SPECTRUM_ZERO)
    assert edges[-1] == pytest.approx(SPECTRUM_TOP)
    decades = math.log10(SPECTRUM_TOP / SPECTRUM_ZERO)
    assert len(edges) - 1 == 2 * 4 * decades + 1  # 4 bins a decade each side, one zero bin
    counts = spectrum_histogram(np.array([-1e6, -3.0, -1e-9, 0.0, 2e-5, 0.5, 7.0, 1e9]))
    assert counts.sum() == 8
    assert counts[0] == 1 and counts[-1] == 1  # beyond the range: the outermost bins
    assert counts[middle - 1] == 3  # |x| < 1e-4: the zero bin
    assert counts[np.searchsorted(edges, -3.0) - 1] == 1


def test_the_spectrum_histogram_holds_every_eigenvalue(circles):
    config = StabilityConfig("gd", {"name": "sgd", "lr": 0.5})
    records = list(config_records(circles, MODEL, BASE, config, epochs=20, every=10))
    assert [r.epoch for r in records] == [0, 10, 20]
    trainer = Trainer(circles, MODEL, TrainConfig(optimizer=config.optimizer, epochs=20), dtype=F64)
    args = (trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    eigenvalues = torch.linalg.eigvalsh(full_hessian(flat_loss(*args))).numpy()
    first = records[0]  # same seed, same initial weights
    assert first.method == "exact"
    assert first.sharpness == pytest.approx(eigenvalues[-1], rel=1e-9)
    np.testing.assert_array_equal(first.histogram, spectrum_histogram(eigenvalues))
    assert first.negative == int((eigenvalues < 0).sum()) > 0
    for record in records:
        assert record.histogram.sum() == trainer.parameter_count == 113 - 9 + 10  # 2-8-8-2
        assert record.threshold == pytest.approx(2 / 0.5)
        assert math.isnan(record.preconditioned) and record.shown == record.sharpness


def test_the_four_configs_and_their_thresholds(circles):
    configs = default_configs(0.05, batch_size=16, adam_lr=0.02)
    assert [c.key for c in configs] == ["gd", "gd_edge", "sgd", "adam"]
    assert [c.batch_size for c in configs] == [0, 0, 16, 0]
    edge = edge_lr(circles, MODEL, BASE)
    records = list(stability_experiment(circles, MODEL, BASE, configs, epochs=2, every=1))
    by_config = {c.key: [r for r in records if r.config == c.key] for c in configs}
    # interleaved: one record of each config in turn
    assert [r.config for r in records[:4]] == ["gd", "gd_edge", "sgd", "adam"]
    assert all(len(v) == 3 for v in by_config.values())
    gd, gd_edge, sgd, adam = (by_config[k] for k in ("gd", "gd_edge", "sgd", "adam"))
    assert gd[0].threshold == pytest.approx(2 / 0.05)
    assert gd_edge[0].lr == sgd[0].lr == pytest.approx(edge)
    # the edge lr puts 2/lr at EDGE_FACTOR times the initial sharpness
    assert gd_edge[0].threshold == pytest.approx(EDGE_FACTOR * gd_edge[0].sharpness)
    assert sgd[0].threshold == pytest.approx(2 / edge)
    assert adam[0].threshold == pytest.approx((2 + 2 * 0.9) / ((1 - 0.9) * 0.02))  # 38 / lr
    assert adam[-1].threshold == pytest.approx(38 / 0.02)
    assert math.isnan(adam[0].preconditioned)  # no second moment before the first step
    assert adam[-1].shown == adam[-1].preconditioned > adam[-1].sharpness
    assert gd[0].sharpness == adam[0].sharpness  # the same initial weights
    assert sgd[1].train_loss != gd_edge[1].train_loss  # minibatches: other steps


def test_full_batch_gd_at_the_edge_lr_sharpens_to_two_over_lr(circles):
    """Progressive sharpening: the sharpness starts at half of 2/lr, rises, and then hovers at
    2/lr while the loss keeps falling, not monotonically (Cohen et al. 2021)."""
    config = StabilityConfig("gd_edge", {"name": "sgd", "lr": None})
    records = list(config_records(circles, MODEL, BASE, config, epochs=200, every=5))
    threshold = records[0].threshold
    assert records[0].sharpness == pytest.approx(threshold / EDGE_FACTOR)
    late = [r for r in records if r.epoch >= 120]
    assert late[-1].sharpness == pytest.approx(threshold, rel=0.2)
    assert np.median([r.sharpness for r in late]) == pytest.approx(threshold, rel=0.2)
    losses = [r.train_loss for r in records]
    assert losses[-1] < 0.2 * losses[0]
    assert any(b > a for a, b in zip(losses, losses[1:], strict=False))  # not monotone
    assert not any(r.diverged for r in records)


def test_on_a_quadratic_gd_converges_below_two_over_lambda_and_diverges_above():
    """A linear model's MSE is a quadratic: a constant Hessian, sharpness lambda. GD at 0.9 of
    2/lambda converges (monotonically); at 1.1 of it the loss blows up, the last record says so."""
    sine = make_dataset("sine", size=60)
    linear, base = ModelConfig(hidden=()), TrainConfig(loss="mse", epochs=10)
    probe = StabilityConfig("gd", {"name": "sgd", "lr": 0.01})
    top = next(config_records(sine, linear, base, probe, epochs=0)).sharpness
    stable = StabilityConfig("gd", {"name": "sgd", "lr": 0.9 * 2 / top})
    records = list(config_records(sine, linear, base, stable, epochs=200, every=20))
    assert all(r.sharpness == pytest.approx(top, rel=1e-9) for r in records)
    assert records[0].threshold == pytest.approx(top / 0.9)
    losses = [r.train_loss for r in records]
    assert all(b <= a + 1e-15 for a, b in zip(losses, losses[1:], strict=False))
    assert not any(r.diverged for r in records) and len(records) == 11
    unstable = StabilityConfig("gd", {"name": "sgd", "lr": 1.1 * 2 / top})
    records = list(config_records(sine, linear, base, unstable, epochs=200, every=20))
    assert records[-1].diverged and records[-1].epoch < 200
    assert records[-1].train_loss > 100 * records[0].train_loss
    assert not any(r.diverged for r in records[:-1])


def test_the_lesson_scene_trains_full_batch_gd_that_sharpens_to_its_edge():
    """resources/scenes/network_edge_of_stability.json: its own task does what its beats say
    (the sharpness starts near 1.1, far below 2/lr = 2, and ends at the edge)."""
    import resources
    from core.nets.spec import setup_from_spec
    from core.scene_io import load_scene

    scene = load_scene(resources.path("scenes") / "network_edge_of_stability.json")
    assert scene.chapter == "adaptive_lr"
    for text in (scene.title, scene.description, *(beat.text for beat in scene.beats)):
        assert text["en"] and text["zh"]
    tools = [b.action.tool for b in scene.beats if b.action and b.action.kind == "open_tool"]
    assert tools == ["edge_of_stability"]
    setup = setup_from_spec(scene.network)
    assert setup.train.batch_size == 0 and setup.train.optimizer == {"name": "sgd", "lr": 1.0}
    config = StabilityConfig("gd", setup.train.optimizer)
    data = make_dataset(**setup.data)
    records = list(config_records(data, setup.model, setup.train, config, epochs=200, every=10))
    assert records[0].threshold == pytest.approx(2.0)
    assert records[0].sharpness == pytest.approx(1.1, abs=0.05)
    late = [r.sharpness for r in records if r.epoch >= 120]
    assert np.median(late) == pytest.approx(2.0, rel=0.2)
    losses = [r.train_loss for r in records]
    assert losses[-1] < 0.2 * losses[0]
    assert any(b > a for a, b in zip(losses, losses[1:], strict=False))


def test_beyond_two_thousand_weights_the_sharpness_comes_from_lanczos(circles):
    wide = ModelConfig(hidden=(48, 48), activation="tanh")  # 2,594 weights
    config = StabilityConfig("gd", {"name": "sgd", "lr": 0.1})
    records = list(config_records(circles, wide, BASE, config, epochs=1, every=1))
    assert [r.method for r in records] == ["lanczos", "lanczos"]
    assert all(r.histogram is None and r.negative is None for r in records)
    trainer = Trainer(circles, wide, TrainConfig(optimizer=config.optimizer), dtype=F64)
    args = (trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    assert records[0].sharpness == pytest.approx(sharpness(*args)[0])  # the same seed
    assert records[0].sharpness > 0  # (Lanczos against the exact Hessian: test_sharpness.py)


def test_records_carry_the_trainers_own_validation_loss(circles):
    """val_loss and val_accuracy are Trainer.evaluate()'s at the measured epochs."""
    config = StabilityConfig("sgd", {"name": "sgd", "lr": 0.5}, 16)
    records = list(config_records(circles, MODEL, BASE, config, epochs=20, every=10))
    train = replace(BASE, optimizer=config.optimizer, batch_size=16, epochs=20)
    trainer = Trainer(circles, MODEL, train, dtype=F64)
    evaluated = {}
    for record in trainer.records():
        if record.epoch % 10 == 0:
            evaluated[record.epoch] = trainer.evaluate()
    assert [r.epoch for r in records] == sorted(evaluated) == [0, 10, 20]
    for record in records:
        train_loss, _, val_loss, val_accuracy = evaluated[record.epoch]
        assert record.train_loss == train_loss
        assert (record.val_loss, record.val_accuracy) == (val_loss, val_accuracy)
        assert record.val_loss != record.train_loss and 0.4 < record.val_accuracy <= 1


def test_sam_and_sgd_share_weights_batches_and_settings(circles):
    """sam_configs: the same lr, momentum and batch size; with rho 0 SAM is SGD step for step
    (same initial weights, same batch order), with rho > 0 the runs part after epoch 0."""
    sgd, sam = sam_configs(0.2, rho=0.1, momentum=0.5, batch_size=24)
    assert (sgd.key, sam.key) == SAM_KEYS == ("sgd", "sam")
    assert sgd.optimizer == {"name": "sgd", "lr": 0.2, "momentum": 0.5}
    assert sam.optimizer == {**sgd.optimizer, "name": "sam", "rho": 0.1, "base": "sgd"}
    assert sgd.batch_size == sam.batch_size == 24
    assert sam_configs(0.1)[1].optimizer["rho"] == DEFAULT_RHO == 0.05
    options = {"epochs": 6, "every": 3}
    plain = list(config_records(circles, MODEL, BASE, sgd, **options))
    zero = replace(sam, optimizer={**sam.optimizer, "rho": 0.0})
    for a, b in zip(plain, config_records(circles, MODEL, BASE, zero, **options), strict=True):
        assert (a.train_loss, a.val_loss, a.sharpness) == (b.train_loss, b.val_loss, b.sharpness)
    ascended = list(config_records(circles, MODEL, BASE, sam, **options))
    assert ascended[0].sharpness == plain[0].sharpness  # the same initial weights
    assert ascended[0].threshold == plain[0].threshold == pytest.approx((2 + 2 * 0.5) / 0.2)
    assert ascended[-1].train_loss != plain[-1].train_loss


def test_the_sam_lesson_scene_ends_flatter_than_sgd():
    """resources/scenes/network_sam_sharpness.json: on its task (minibatch SGD at 0.2, batches of
    32, 200 epochs) SAM with rho 0.05 ends with a clearly lower sharpness than SGD at a similar
    training loss, for the scene's seed and another; its beats' numbers (about 2.6 against 4.1,
    the training loss below 0.05 in the Network Lab's float32) hold."""
    import resources
    from core.nets.spec import setup_from_spec
    from core.scene_io import load_scene

    scene = load_scene(resources.path("scenes") / "network_sam_sharpness.json")
    assert scene.chapter == "strategy"
    for text in (scene.title, scene.description, *(beat.text for beat in scene.beats)):
        assert text["en"] and text["zh"]
    tools = [b.action.tool for b in scene.beats if b.action and b.action.kind == "open_tool"]
    assert tools == ["edge_of_stability"]
    assert "SAM against SGD" in " ".join(beat.text["en"] for beat in scene.beats)
    setup = setup_from_spec(scene.network)
    train = setup.train
    assert train.optimizer == {"name": "sgd", "lr": 0.2} and train.batch_size == 32
    data = make_dataset(**setup.data)
    configs = sam_configs(0.2, rho=DEFAULT_RHO, momentum=0.0, batch_size=32)
    final = {}
    for seed in (0, 3):
        base = replace(train, seed=seed)
        records = list(
            stability_experiment(data, setup.model, base, configs, epochs=200, every=100)
        )
        sgd, sam = (next(r for r in reversed(records) if r.config == k) for k in SAM_KEYS)
        assert sgd.epoch == sam.epoch == 200
        assert sam.sharpness < 0.7 * sgd.sharpness  # flatter by 30% or more
        assert sam.train_loss < 1.3 * sgd.train_loss < 0.07  # both trained, about as well
        assert sgd.sharpness < sgd.threshold  # 2/η = 10: SGD is not at its edge either
        final[seed] = sgd, sam
    sgd, sam = final[0]  # the scene's own seed: what its last beat says
    assert sgd.sharpness == pytest.approx(4.1, abs=0.1)
    assert sam.sharpness == pytest.approx(2.6, abs=0.1)
    assert sam.val_loss < sgd.val_loss
    lab = Trainer(data, setup.model, train)  # the Network Lab trains in float32
    last = list(lab.records())[-1]
    assert last.epoch == 200 and last.train_loss < 0.05

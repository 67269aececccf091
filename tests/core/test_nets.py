"""The Network Lab's engine: datasets, models, the trainer, curvature, landscapes, experiments,
network scenes and ``losslab run`` on them."""

import json

import numpy as np
import pytest
import torch

from core.cli import main
from core.nets.compiled import compiled_pays
from core.nets.curvature import (
    VERDICT_TOLERANCE,
    analyze,
    curvature_verdict,
    extreme_eigenvalues,
    flat_loss,
    full_hessian,
    hvp_operator,
    lanczos,
    report_verdict,
)
from core.nets.datasets import (
    DATASET_DEFAULTS,
    DATASET_NAMES,
    Augmentation,
    Dataset,
    augment_batch,
    kfold_datasets,
    kfold_indices,
    make_dataset,
    sinc_target,
)
from core.nets.experiments import EXPERIMENTS, ExperimentRunner, diagnose_depth
from core.nets.fast import FastTrainer
from core.nets.landscape import filter_normalized_direction, interpolation_curve, slice_surface
from core.nets.models import ModelConfig, build_model, count_parameters, loss_function
from core.nets.spec import setup_from_spec, spec_data
from core.nets.trainer import (
    DIVERGENCE_FACTOR,
    DIVERGENCE_MARGIN,
    EpochRecord,
    StepRecord,
    TrainConfig,
    Trainer,
    divergence_limit,
    kfold_records,
)
from core.scene import SceneError, load_scene, parse_scene

# --- datasets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_each_dataset_has_its_shapes_and_follows_its_seed(name):
    data = make_dataset(name, seed=0)
    size = DATASET_DEFAULTS[name]["size"]
    assert len(data.x_train) + len(data.x_val) == size
    assert len(data.x_val) == round(size * 0.3)
    dims = {"digits": 64, "sine": 1, "sinc": 1}.get(name, 2)
    assert data.x_train.shape[1] == data.x_val.shape[1] == data.input_dim == dims
    assert data.x_train.dtype == np.float32 and len(data.y_train) == len(data.x_train)
    if data.task == "classification":
        assert data.y_train.dtype == np.int64
        assert set(np.unique(np.concatenate([data.y_train, data.y_val]))) == set(
            range(data.classes)
        )
    else:
        assert data.y_train.dtype == np.float32 and data.classes == 0 and data.output_dim == 1
    again, other = make_dataset(name, seed=0), make_dataset(name, seed=1)
    np.testing.assert_array_equal(again.x_train, data.x_train)
    np.testing.assert_array_equal(again.y_val, data.y_val)
    assert not np.array_equal(other.x_train, data.x_train)


def test_the_digits_are_the_uci_images():
    data = make_dataset("digits", val_fraction=0.3)
    assert data.classes == 10 and data.image_shape == (8, 8)
    pixels = np.concatenate([data.x_train, data.x_val])
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    np.testing.assert_array_equal(pixels * 16, np.round(pixels * 16))  # 0..16 counts, scaled
    labels = np.concatenate([data.y_train, data.y_val])
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_size_and_noise_and_the_regression_target():
    data = make_dataset("sinc", size=50, noise=0.0, seed=3)
    x = np.concatenate([data.x_train, data.x_val])[:, 0]
    y = np.concatenate([data.y_train, data.y_val])
    np.testing.assert_allclose(y, np.sin(5 * np.pi * x) / (5 * np.pi * x), rtol=1e-5, atol=1e-6)
    assert sinc_target(np.array([0.0]))[0] == 1.0
    noisy = make_dataset("moons", size=100, noise=0.0), make_dataset("moons", size=100, noise=0.5)
    assert noisy[1].x_train.std() > noisy[0].x_train.std()


def test_mismatch_shifts_or_rotates_only_the_validation_set():
    plain = make_dataset("spiral", seed=2)
    shifted = make_dataset("spiral", seed=2, mismatch="shift", mismatch_amount=0.4)
    rotated = make_dataset("spiral", seed=2, mismatch="rotate", mismatch_amount=90)
    np.testing.assert_array_equal(shifted.x_train, plain.x_train)
    np.testing.assert_allclose(shifted.x_val, plain.x_val + 0.4, atol=1e-6)
    expected = np.stack([-plain.x_val[:, 1], plain.x_val[:, 0]], 1)  # 90 degrees anticlockwise
    np.testing.assert_allclose(rotated.x_val, expected, atol=1e-6)
    sine = make_dataset("sine", mismatch="shift", mismatch_amount=1.0)
    assert sine.x_val.min() >= 0.0 and sine.x_val.max() > 1.0 >= sine.x_train.max()
    digits = make_dataset("digits", mismatch="shift", mismatch_amount=2)
    plain_digits = make_dataset("digits")
    images = plain_digits.x_val.reshape(-1, 8, 8)
    moved = np.zeros_like(images)
    moved[:, :, 2:] = images[:, :, :-2]  # two pixels to the right, zeros coming in
    np.testing.assert_allclose(digits.x_val.reshape(-1, 8, 8), moved, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "mnist"}, "unknown dataset"),
        ({"name": "moons", "size": 2}, "size must be"),
        ({"name": "digits", "size": 5000}, "between 4 and 1797"),
        ({"name": "xor", "noise": -0.1}, "noise must be"),
        ({"name": "xor", "val_fraction": 0.0}, "val_fraction"),
        ({"name": "sine", "mismatch": "rotate"}, "needs 2D points"),
    ],
)
def test_bad_dataset_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(**kwargs)


def test_clicked_points_join_the_training_set():
    data = make_dataset("xor", size=40)
    more = data.with_points(np.array([[0.5, 0.5], [-0.5, 0.5]]), np.array([1, 0]))
    assert len(more.x_train) == len(data.x_train) + 2
    assert more.y_train[-2:].tolist() == [1, 0] and len(more.x_val) == len(data.x_val)
    with pytest.raises(ValueError, match="labels must lie"):
        data.with_points(np.array([[0.0, 0.0]]), np.array([2]))


def test_kfold_uses_every_sample_for_validation_exactly_once():
    folds = kfold_indices(23, 5, seed=4)
    assert sorted(np.concatenate(folds).tolist()) == list(range(23))
    assert sorted(len(f) for f in folds) == [4, 4, 5, 5, 5]
    data = make_dataset("gaussians", size=50)
    pool = np.concatenate([data.x_train, data.x_val])
    splits = kfold_datasets(data, 5)
    seen = np.concatenate([split.x_val for split in splits])
    assert sorted(map(tuple, seen)) == sorted(map(tuple, pool))  # each sample once
    for split in splits:
        assert len(split.x_train) + len(split.x_val) == len(pool)
        assert not set(map(tuple, split.x_train)) & set(map(tuple, split.x_val))
    # the trainer runs one fold after another on those splits
    config = TrainConfig(epochs=2)
    records = [r for r in kfold_records(data, ModelConfig(), config, 5)]
    assert [r.run for r in records if r.epoch == 0] == [f"fold {i}" for i in range(1, 6)]
    with pytest.raises(ValueError, match="k-fold needs"):
        kfold_indices(3, 4)


def test_augmentation_changes_images_and_mixup_blends_the_targets():
    data = make_dataset("digits", size=64)
    x, y = torch.from_numpy(data.x_train[:16]), torch.from_numpy(data.y_train[:16])
    generator = torch.Generator().manual_seed(0)
    flipped, same = augment_batch(x, y, Augmentation(flip=True), 10, generator)
    rows = flipped.reshape(-1, 8, 8)
    for image, out in zip(x.reshape(-1, 8, 8), rows, strict=True):
        assert torch.equal(out, image) or torch.equal(out, image.flip(-1))
    assert torch.equal(same, y)
    cut, _ = augment_batch(x, y, Augmentation(cutout=True), 10, generator)
    assert ((cut == 0) & (x != 0)).any() and ((cut == x) | (cut == 0)).all()
    mixed, soft = augment_batch(x, y, Augmentation(mixup=True), 10, generator)
    assert soft.shape == (16, 10)
    torch.testing.assert_close(soft.sum(1), torch.ones(16))
    # mixed images are the same blend of two images as their targets are of two labels
    lam = soft.max(1).values
    assert ((lam >= 0.5) & (lam <= 1.0)).all()


# --- models --------------------------------------------------------------------------------------


def test_model_shapes_parameters_and_seeds():
    config = ModelConfig(hidden=(8, 8), activation="tanh")
    model = build_model(config, 2, 2, seed=5)
    assert count_parameters(model) == 2 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2
    again = build_model(config, 2, 2, seed=5)
    for a, b in zip(model.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)
    linear = build_model(ModelConfig(hidden=()), 64, 10)
    assert count_parameters(linear) == 650
    zeros = build_model(ModelConfig(hidden=(4,), init="zeros"), 2, 2)
    assert all(float(p.detach().abs().sum()) == 0.0 for p in zeros.parameters())
    with pytest.raises(ValueError, match="at most 6"):
        ModelConfig(hidden=(2,) * 7)
    with pytest.raises(ValueError, match="between 1 and 128"):
        ModelConfig(hidden=(200,))
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(dropout=1.0)


def test_dropout_is_inverted_in_training_and_off_in_eval_mode():
    model = build_model(ModelConfig(hidden=(128,), activation="linear", dropout=0.5), 4, 1)
    dropout = model[2]
    assert isinstance(dropout, torch.nn.Dropout)
    x = torch.ones(2000, 128)
    dropout.train()
    out = dropout(x)
    assert set(out.unique().tolist()) == {0.0, 2.0}  # kept units scaled by 1 / (1 - p)
    assert abs(float((out == 0).float().mean()) - 0.5) < 0.02
    inputs = torch.randn(10, 4)
    model.train()
    assert not torch.equal(model(inputs), model(inputs))  # a new mask every pass
    model.eval()
    torch.testing.assert_close(model(inputs), model[3](model[1](model[0](inputs))))


def test_batch_norm_uses_the_batch_in_training_and_running_statistics_in_eval():
    model = build_model(ModelConfig(hidden=(3,), activation="linear", batch_norm=True), 2, 1)
    linear, norm = model[0], model[1]
    x = torch.randn(64, 2) * 3 + 1
    model.train()
    with torch.no_grad():
        h = linear(x)
        out = norm(h)
    torch.testing.assert_close(out.mean(0), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.var(0, unbiased=False), torch.ones(3), atol=1e-3, rtol=0)
    # one training pass moved the running statistics 10% of the way to the batch's
    torch.testing.assert_close(norm.running_mean, 0.1 * h.mean(0))
    torch.testing.assert_close(norm.running_var, 0.9 + 0.1 * h.var(0, unbiased=True))
    model.eval()
    with torch.no_grad():
        expected = (h - norm.running_mean) / torch.sqrt(norm.running_var + norm.eps)
        torch.testing.assert_close(norm(h), expected)
        assert not torch.allclose(norm(h), out)  # eval mode: not the batch's statistics


def test_the_losses():
    mse = loss_function("mse", "classification", 3)
    logits = torch.tensor([[10.0, 0.0, 0.0]])
    probs = torch.softmax(logits, 1)
    expected = ((probs - torch.tensor([[0.0, 1.0, 0.0]])) ** 2).mean()
    torch.testing.assert_close(mse(logits, torch.tensor([1])), expected)
    with pytest.raises(ValueError, match="regression task needs the loss 'mse'"):
        loss_function("cross_entropy", "regression", 0)


# --- the trainer ---------------------------------------------------------------------------------


def test_training_lowers_the_loss_and_records_every_epoch():
    data = make_dataset("moons", size=120)
    trainer = Trainer(data, ModelConfig(hidden=(16,), activation="tanh"), TrainConfig(epochs=40))
    records = list(trainer.records())
    assert [r.epoch for r in records] == list(range(41))
    assert records[-1].train_loss < 0.5 * records[0].train_loss
    assert records[-1].train_accuracy > 0.8 and np.isnan(records[0].lr)
    assert records[1].lr == 0.01 and records[-1].step == 40  # full batch: one update per epoch
    assert trainer.finished and trainer.status == "ok"
    # the recorded losses are the model's losses on the whole sets in eval mode
    train_loss, train_acc, val_loss, _ = trainer.evaluate()
    assert (train_loss, train_acc, val_loss) == (
        records[-1].train_loss,
        records[-1].train_accuracy,
        records[-1].val_loss,
    )


def test_mini_batches_steps_and_the_schedule_per_epoch():
    data = make_dataset("circles", size=100)  # 70 training points
    config = TrainConfig(
        optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9},
        schedule={"name": "step", "step_size": 2, "gamma": 0.5},
        epochs=5,
        batch_size=16,
        per_step=True,
    )
    records = list(Trainer(data, ModelConfig(), config).records())
    steps = [r for r in records if isinstance(r, StepRecord)]
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert len(steps) == 5 * 5 and epochs[-1].step == 25  # ceil(70 / 16) = 5 updates per epoch
    assert [r.lr for r in epochs[1:]] == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert all(s.lr == e.lr for e in epochs[1:] for s in steps if s.epoch == e.epoch)
    per_epoch = [np.mean([s.grad_norm for s in steps if s.epoch == e]) for e in range(1, 6)]
    np.testing.assert_allclose([r.grad_norm for r in epochs[1:]], per_epoch, rtol=1e-5)


def test_a_loss_that_explodes_but_stays_finite_is_diverged():
    """SGD with lr 100 sends the loss from ~0.7 to ~1e6 and beyond: finite numbers, but a
    blow-up; training stops there with status "diverged" (it used to be reported "ok")."""
    data = make_dataset("moons", seed=0)
    model = ModelConfig(hidden=(16, 16))
    config = TrainConfig(optimizer={"name": "sgd", "lr": 100.0}, epochs=20)
    trainer = Trainer(data, model, config)
    records = list(trainer.records())
    first, last = records[0], records[-1]
    assert trainer.status == "diverged" and trainer.finished and last.diverged
    assert all(np.isfinite(r.train_loss) for r in records)
    assert last.train_loss > DIVERGENCE_FACTOR * first.train_loss
    assert len(records) < 21 and not any(r.diverged for r in records[:-1])
    assert setup_status(records) == "diverged"
    # per step: the mini-batch loss crossing the limit stops the epoch at that update
    config = TrainConfig(
        optimizer={"name": "sgd", "lr": 100.0}, epochs=20, batch_size=32, per_step=True
    )
    trainer = Trainer(data, model, config)
    records = list(trainer.records())
    steps = [r for r in records if isinstance(r, StepRecord)]
    assert trainer.status == "diverged" and records[-1].diverged
    assert steps[-1].loss > trainer.loss_limit or records[-1].train_loss > trainer.loss_limit
    assert all(s.loss <= trainer.loss_limit for s in steps[:-1])


def test_a_large_but_bouncing_loss_is_not_divergence():
    data = make_dataset("moons", seed=0)
    config = TrainConfig(optimizer={"name": "sgd", "lr": 5.0}, epochs=20)
    trainer = Trainer(data, ModelConfig(hidden=(16, 16)), config)
    records = list(trainer.records())
    assert max(r.train_loss for r in records) > 1.5 * records[0].train_loss
    assert trainer.status == "ok" and len(records) == 21
    assert divergence_limit(0.7) == pytest.approx(DIVERGENCE_FACTOR * 0.7 + DIVERGENCE_MARGIN)
    assert divergence_limit(float("nan")) == float("inf")


def setup_status(records):
    from core.nets.spec import _run_result

    return _run_result("net", 0, [r for r in records if isinstance(r, EpochRecord)])["status"]


def test_lbfgs_trains_a_network_and_newton_is_refused():
    data = make_dataset("gaussians", size=80)
    config = TrainConfig(optimizer={"name": "lbfgs", "lr": 1.0, "max_iter": 5}, epochs=5)
    records = list(Trainer(data, ModelConfig(hidden=(8,)), config).records())
    assert records[-1].train_loss < records[0].train_loss
    with pytest.raises(ValueError, match="Newton optimizer is not offered"):
        TrainConfig(optimizer={"name": "newton", "lr": 1.0})


def test_early_stopping_stops_at_the_right_epoch_and_restores_those_weights():
    data = make_dataset("moons", size=60, noise=0.2, seed=1)
    config = TrainConfig(epochs=300, patience=5, restore_best=True)
    trainer = Trainer(data, ModelConfig(hidden=(64, 64, 64)), config)
    weights, records = {}, []
    for record in trainer.records():
        records.append(record)
        if not record.restored:
            weights[record.epoch] = trainer.weights()
    val = np.array([r.val_loss for r in records])
    # the rule, applied to the recorded validation losses: stop at the first epoch that is
    # `patience` epochs past the (first) lowest validation loss so far
    expected_stop = next(
        e for e in range(1, len(val)) if e - int(np.argmin(val[: e + 1])) >= config.patience
    )
    last = records[-1]
    assert last.epoch == expected_stop < 300 and last.stopped and trainer.status == "stopped_early"
    best = int(np.argmin(val))
    assert last.best_epoch == best == expected_stop - 5 and last.restored
    assert torch.equal(trainer.weights(), weights[best])
    assert trainer.evaluate()[2] == records[best].val_loss
    # without restore_best the last weights stay
    plain = Trainer(data, ModelConfig(hidden=(64, 64, 64)), TrainConfig(epochs=300, patience=5))
    assert list(plain.records())[-1].epoch == expected_stop


# --- curvature -----------------------------------------------------------------------------------


def _tiny_problem():
    data = make_dataset("moons", size=30, seed=2)
    model = build_model(ModelConfig(hidden=(3,), activation="tanh"), 2, 2, seed=1)
    loss_fn = loss_function("cross_entropy", "classification", 2)
    return model, loss_fn, torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)


def test_the_hessian_matches_finite_differences_of_the_gradient():
    model, loss_fn, x, y = _tiny_problem()
    loss = flat_loss(model, loss_fn, x, y)
    theta = loss.theta0
    assert theta.dtype == torch.float64 and theta.numel() == 17

    def gradient(t):
        t = t.clone().requires_grad_(True)
        return torch.autograd.grad(loss.fn(t), t)[0]

    h = 1e-5
    eye = torch.eye(theta.numel(), dtype=torch.float64)
    columns = [(gradient(theta + h * e) - gradient(theta - h * e)) / (2 * h) for e in eye]
    finite = torch.stack(columns, 1)
    finite = (finite + finite.T) / 2
    exact = full_hessian(loss)
    torch.testing.assert_close(exact, finite, atol=1e-7, rtol=1e-6)
    np.testing.assert_allclose(
        torch.linalg.eigvalsh(exact).numpy(), torch.linalg.eigvalsh(finite).numpy(), atol=1e-7
    )
    report = analyze(model, loss_fn, x, y, dtype=torch.float64)
    np.testing.assert_allclose(report.eigenvalues, torch.linalg.eigvalsh(finite), atol=1e-7)
    fast = analyze(model, loss_fn, x, y)  # float32 Hessian, float64 eigenvalues
    np.testing.assert_allclose(fast.eigenvalues, report.eigenvalues, atol=1e-5)
    assert report.method == "exact" and report.parameters == 17
    assert (report.eigenvalues < 0).any()  # a tanh network: the Hessian is indefinite here


def test_lanczos_finds_the_extreme_eigenvalues_of_the_exact_hessian():
    model = build_model(ModelConfig(hidden=(6, 6), activation="tanh"), 2, 2, seed=3)
    data = make_dataset("spiral", size=60)
    loss_fn = loss_function("cross_entropy", "classification", 2)
    loss = flat_loss(model, loss_fn, torch.from_numpy(data.x_train), torch.from_numpy(data.y_train))
    exact = torch.linalg.eigvalsh(full_hessian(loss)).numpy()
    matvec, _, _ = hvp_operator(loss)
    dim = loss.theta0.numel()
    top, bottom = extreme_eigenvalues(matvec, dim, 3, steps=dim)
    np.testing.assert_allclose(top, exact[::-1][:3], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(bottom, exact[:3], rtol=1e-6, atol=1e-9)
    # with a few dozen steps the largest ones have converged already
    top_early, _ = extreme_eigenvalues(matvec, dim, 1, steps=30)
    assert abs(top_early[0] - exact[-1]) < 1e-4 * abs(exact[-1])
    # a diagonal operator: the Ritz values are its eigenvalues, the weights sum to 1
    diagonal = torch.linspace(-2.0, 5.0, 30, dtype=torch.float64)
    result = lanczos(lambda v: diagonal * v, 30, 30)
    np.testing.assert_allclose(result.ritz_values, diagonal.numpy(), atol=1e-9)
    assert abs(result.weights.sum() - 1.0) < 1e-12


def test_large_networks_go_through_lanczos_and_estimate_the_ratio():
    model, loss_fn, x, y = _tiny_problem()
    report = analyze(model, loss_fn, x, y, exact_limit=10, k=3)
    exact = analyze(model, loss_fn, x, y)
    assert report.method == "lanczos" and report.estimated and report.eigenvalues is None
    np.testing.assert_allclose(report.top, exact.top[:3], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(report.bottom, exact.bottom[:3], rtol=1e-4, atol=1e-6)
    assert abs(report.spectrum_weights.sum() - 1.0) < 1e-9
    assert abs(report.minimum_ratio - exact.minimum_ratio) < 0.2


def _regression_set(x, y):
    x = np.asarray(x, np.float32)[:, None]
    y = np.asarray(y, np.float32)
    return Dataset("line", "regression", x, y, x[:2], y[:2], classes=0)


def test_the_minimum_ratio_is_one_at_the_strict_minimum_of_a_convex_model():
    # A linear model with MSE is convex; least squares gives its unique minimum.
    data = make_dataset("sinc", size=60, seed=1)
    x = torch.from_numpy(data.x_train).double()
    y = torch.from_numpy(data.y_train).double()
    model = build_model(ModelConfig(hidden=()), 1, 1, dtype=torch.float64)
    design = torch.cat([x, torch.ones_like(x)], 1)
    solution = torch.linalg.lstsq(design, y[:, None]).solution[:, 0]
    with torch.no_grad():
        model[0].weight.fill_(float(solution[0]))
        model[0].bias.fill_(float(solution[1]))
    loss_fn = loss_function("mse", "regression", 0)
    report = analyze(model, loss_fn, x, y, dtype=torch.float64)
    assert report.grad_norm < 1e-10
    assert report.minimum_ratio == 1.0 and report.verdict == "local_minimum_like"
    hessian = 2 * design.T @ design / len(x)  # the closed form of a mean squared error
    np.testing.assert_allclose(report.eigenvalues, torch.linalg.eigvalsh(hessian), rtol=1e-10)
    assert "local-minimum-like" in report.summary()


def test_a_saddle_point_of_a_two_layer_linear_network_is_named():
    # f(x) = w2 * w1 * x at w1 = w2 = 0 fitting y = x: zero gradient, eigenvalues of both signs.
    xs = np.linspace(-1, 1, 21)
    data = _regression_set(xs, xs)
    model = build_model(ModelConfig(hidden=(1,), activation="linear", init="zeros"), 1, 1)
    loss_fn = loss_function("mse", "regression", 0)
    report = analyze(model, loss_fn, torch.from_numpy(data.x_train), torch.from_numpy(data.y_train))
    assert report.grad_norm < 1e-6 and report.verdict == "saddle_like"
    second_moment = float(np.mean(xs**2))
    # the (w1, w2) block is [[0, -2 E[x^2]], [-2 E[x^2], 0]] and the output bias adds 2
    np.testing.assert_allclose(report.bottom[0], -2 * second_moment, rtol=1e-6)
    assert report.negative_share == 0.25 and report.minimum_ratio == 0.5
    # away from a critical point there is no verdict
    with torch.no_grad():
        model[2].bias.fill_(1.0)
    moved = analyze(model, loss_fn, torch.from_numpy(data.x_train), torch.from_numpy(data.y_train))
    assert moved.verdict == "not_critical" and "not a critical point" in moved.summary()


def test_the_verdict_counts_a_tiny_negative_eigenvalue_as_flat_relative_to_the_largest():
    # issue 12: loss 1e-6, one eigenvalue at -8.7e-6 beside a largest |lambda| of about 1
    assert curvature_verdict(2e-5, -8.7e-6, 1.0) == "local_minimum_like"
    # the same value is a clear negative curvature when the largest is small: it is relative
    assert curvature_verdict(2e-5, -8.7e-6, 1e-3) == "saddle_like"
    assert curvature_verdict(2e-5, -0.05, 1.0) == "saddle_like"
    edge = VERDICT_TOLERANCE * 2.0
    assert curvature_verdict(0.0, -0.99 * edge, 2.0) == "local_minimum_like"
    assert curvature_verdict(0.0, -1.01 * edge, 2.0) == "saddle_like"
    assert curvature_verdict(0.5, -8.7e-6, 1.0) == "not_critical"  # no verdict off a critical point


def test_a_global_minimum_with_a_flat_valley_is_not_called_a_saddle():
    # f(x) = w2 * w1 * x fitting y = x at w1 = 2, w2 = 0.5: zero loss, and w1 * w2 = 1 is a
    # valley of minima, so the Hessian has an eigenvalue 0 that rounding may make slightly negative
    xs = np.linspace(-1, 1, 21)
    data = _regression_set(xs, xs)
    model = build_model(ModelConfig(hidden=(1,), activation="linear", init="zeros"), 1, 1)
    with torch.no_grad():
        model[0].weight.fill_(2.0)
        model[2].weight.fill_(0.5)
    loss_fn = loss_function("mse", "regression", 0)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    report = analyze(model, loss_fn, x, y)
    assert report.loss < 1e-10 and report.grad_norm < 1e-6
    assert abs(float(report.bottom[0])) < VERDICT_TOLERANCE * report.scale  # the flat valley
    assert report.verdict == report_verdict(report) == "local_minimum_like"
    assert report.verdict_tolerance == pytest.approx(VERDICT_TOLERANCE * report.scale)
    # pushed off the valley floor's exact zero by a real negative curvature: a saddle again
    report.bottom = np.array([-0.1 * report.scale, *report.bottom[1:]])
    assert report_verdict(report) == "saddle_like"


# --- landscapes ----------------------------------------------------------------------------------


def test_interpolation_and_slices_pass_through_the_weights():
    data = make_dataset("moons", size=100)
    trainer = Trainer(data, ModelConfig(hidden=(8,), activation="tanh"), TrainConfig(epochs=30))
    records = list(trainer.records())
    alphas, losses = interpolation_curve(
        trainer.model,
        trainer.loss_fn,
        trainer.x_train,
        trainer.y_train,
        trainer.initial_weights,
        trainer.weights(),
        alphas=[0.0, 0.5, 1.0],
    )
    np.testing.assert_allclose(losses[[0, 2]], [records[0].train_loss, records[-1].train_loss])
    surface = slice_surface(trainer.model, trainer.loss_fn, trainer.x_train, trainer.y_train)
    at_origin = surface(torch.zeros(1, 2, dtype=torch.float64))
    np.testing.assert_allclose(float(at_origin[0]), records[-1].train_loss, rtol=1e-5)
    assert surface.x_range == (-1.0, 1.0) and surface(torch.ones(5, 2)).shape == (5,)
    direction = filter_normalized_direction(trainer.model, seed=0)
    first = trainer.model[0].weight.detach()
    rows = direction[: first.numel()].reshape(first.shape)
    torch.testing.assert_close(rows.norm(dim=1), first.norm(dim=1), rtol=1e-5, atol=1e-7)
    bias = direction[first.numel() : first.numel() + 8]
    assert float(bias.abs().sum()) == 0.0


# --- experiments ---------------------------------------------------------------------------------


def test_diagnose_depth_names_each_case():
    assert diagnose_depth(0.25, 0.69).case == "optimization"
    assert diagnose_depth(0.5, 0.1).case == "model_bias"
    assert diagnose_depth(0.30, 0.31).case == "similar"
    assert "optimization problem" in diagnose_depth(0.25, 0.69).text["en"]


def test_the_shallow_deep_experiment_reports_the_case_it_found():
    runner = ExperimentRunner(EXPERIMENTS["shallow_vs_deep"], epochs=60)
    items = list(runner.records())
    conclusion = items[-1]
    shallow, deep = (runner.history[label][-1] for label in runner.history)
    assert conclusion.numbers == {
        "shallow_train_loss": shallow.train_loss,
        "deep_train_loss": deep.train_loss,
    }
    assert conclusion.case == diagnose_depth(shallow.train_loss, deep.train_loss).case
    assert conclusion.case == "optimization"  # six sigmoid layers with SGD stay at ln 2
    assert abs(deep.train_loss - np.log(2)) < 0.01 < shallow.train_loss < 0.6
    # the runs advanced together: epochs alternate between them
    epochs = [(r.run, r.epoch) for r in items[:-1] if isinstance(r, EpochRecord)]
    assert epochs[:4] == [
        ("shallow: 1 layer", 0),
        ("deep: 6 layers", 0),
        ("shallow: 1 layer", 1),
        ("deep: 6 layers", 1),
    ]


# --- scenes and the command line -----------------------------------------------------------------

NETWORK_SCENE = {
    "format": 1,
    "title": "a network",
    "network": {
        "dataset": {"name": "xor", "size": 80, "seed": 1},
        "model": {"hidden": [8], "activation": "tanh"},
        "training": {
            "optimizer": {"name": "sgd", "lr": 0.3, "momentum": 0.9},
            "schedule": {"name": "step", "step_size": 3, "gamma": 0.5},
            "epochs": 7,
            "batch_size": 16,
        },
    },
}


def _write(tmp_path, data, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_losslab_run_on_a_network_scene_writes_per_epoch_metrics(tmp_path, capsys):
    out = tmp_path / "result.json"
    scene = _write(tmp_path, NETWORK_SCENE)
    assert main(["run", str(scene), "--out", str(out), "--dtype", "float32"]) == 0
    assert "wrote" in capsys.readouterr().out
    result = json.loads(out.read_text())
    assert result["kind"] == "network" and result["dtype"] == "float32"
    (run,) = result["runs"]
    assert run["status"] == "ok" and run["parameters"] == 2 * 8 + 8 + 8 * 2 + 2
    epochs = run["epochs"]
    assert [e["epoch"] for e in epochs] == list(range(8))
    keys = {"epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"}
    assert set(epochs[0]) == keys | {"grad_norm"}
    assert epochs[0]["lr"] is None and [e["lr"] for e in epochs[1:]] == [
        0.3,
        0.3,
        0.3,
        0.15,
        0.15,
        0.15,
        0.075,
    ]
    assert epochs[-1]["step"] == 7 * 4  # 56 training points in batches of 16
    assert all(0 <= e["val_accuracy"] <= 1 and e["grad_norm"] > 0 for e in epochs)
    # the same numbers as the trainer it uses: a run this short takes torch's update with the
    # hand-written gradient (compiling the kernel would cost more than it saves) ...
    setup = setup_from_spec(load_scene(scene).network)
    data = setup.dataset()
    assert not compiled_pays(setup.model, setup.train, data, setup.train.epochs)
    trainer = FastTrainer(data, setup.model, setup.train, compiled=False)
    direct = [r for r in trainer.records()]
    assert [e["val_loss"] for e in epochs] == [r.val_loss for r in direct]
    # ... which equals autograd and torch.optim up to float32's rounding
    plain = [r.val_loss for r in Trainer(data, setup.model, setup.train).records()]
    assert np.allclose([e["val_loss"] for e in epochs], plain, rtol=1e-5, atol=1e-6)
    # --steps overrides the epochs
    assert main(["run", str(scene), "--out", str(out), "--steps", "2"]) == 0
    assert len(json.loads(out.read_text())["runs"][0]["epochs"]) == 3


def test_kfold_scene_writes_each_fold_and_the_spread(tmp_path):
    data = json.loads(json.dumps(NETWORK_SCENE))
    data["network"]["training"].update(kfold=4, epochs=2)
    out = tmp_path / "r.json"
    assert main(["run", str(_write(tmp_path, data)), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [r["label"] for r in result["runs"]] == ["fold 1", "fold 2", "fold 3", "fold 4"]
    summary = result["kfold"]
    folds = np.array([[e["val_loss"] for e in r["epochs"]] for r in result["runs"]])
    np.testing.assert_allclose(summary["val_loss_mean"], folds.mean(0))
    np.testing.assert_allclose(summary["val_loss_std"], folds.std(0))


@pytest.mark.parametrize(
    "change, message",
    [
        (("dataset", "name", "cifar"), "network.dataset: unknown dataset 'cifar'"),
        (("model", "hidden", [8] * 7), "network.model.hidden"),
        (("model", "activation", "gelu"), "network.model: unknown activation 'gelu'"),
        (("training", "optimizer", {"name": "newton", "lr": 1}), "network.training.optimizer"),
        (("training", "epochs", -1), "network.training.epochs"),
        (("dataset", "augmentation", {"flip": True}), "only for the 'digits' dataset"),
    ],
)
def test_bad_network_scenes_exit_2_with_one_line(tmp_path, capsys, change, message):
    data = json.loads(json.dumps(NETWORK_SCENE))
    section, key, value = change
    data["network"][section][key] = value
    code = main(["run", str(_write(tmp_path, data)), "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_scene_rules_for_networks():
    data = json.loads(json.dumps(NETWORK_SCENE))
    data["network"]["dataset"]["name"] = "sine"
    data["network"]["loss"] = "cross_entropy"
    with pytest.raises(SceneError, match="network.loss: 'sine' is a regression dataset"):
        parse_scene(data)
    both = json.loads(json.dumps(NETWORK_SCENE))
    both["runs"] = [{"optimizer": {"name": "sgd", "lr": 0.1}, "start": [0, 0]}]
    with pytest.raises(SceneError, match="'runs' on a surface or a 'network', not both"):
        parse_scene(both)
    norm = json.loads(json.dumps(NETWORK_SCENE))
    norm["network"]["model"]["batch_norm"] = True
    norm["network"]["training"]["batch_size"] = 1
    with pytest.raises(SceneError, match="network.training: batch norm needs batches"):
        parse_scene(norm)


def test_network_specs_round_trip():
    scene = parse_scene(NETWORK_SCENE)
    setup = setup_from_spec(scene.network)
    assert setup.train.loss == "cross_entropy" and setup.model.hidden == (8,)
    again = setup_from_spec(parse_scene({"format": 1, "network": spec_data(setup)}).network)
    assert again == setup


def test_network_lesson_scenes_load_and_train():
    from core.lessons import SCENE_DIR

    paths = sorted(SCENE_DIR.glob("network_*.json"))
    chapters = {load_scene(p).chapter for p in paths}
    assert {"strategy", "normalization", "regularization"} <= chapters
    for path in paths:
        setup = setup_from_spec(load_scene(path).network)
        from dataclasses import replace

        trainer = Trainer(setup.dataset(), setup.model, replace(setup.train, epochs=1))
        assert len([r for r in trainer.records() if isinstance(r, EpochRecord)]) == 2


def test_losslab_run_trains_a_network_on_the_cpu_unless_a_device_is_named(monkeypatch):
    """``--device auto`` puts surfaces on the GPU where there is one, but a network where the
    Network Lab trains it and the scene budget counts it: on the CPU."""
    import core.runner

    asked = []
    real = core.runner.resolve_device
    monkeypatch.setattr(core.runner, "resolve_device", lambda d: (asked.append(d), real("cpu"))[1])
    training = {"optimizer": {"name": "sgd", "lr": 0.1}, "epochs": 1}
    network = {"dataset": {"name": "xor"}, "model": {"hidden": [4]}, "training": training}
    scene = parse_scene({"format": 1, "network": network})
    core.runner.run_scene(scene, device="auto")
    core.runner.run_scene(scene, device="cuda")
    assert asked == ["cpu", "cuda"]

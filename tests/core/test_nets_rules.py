"""core.nets.rules (one place says what a network training may use) and core.nets.views (the
decision boundary and the confusion matrix, pure numpy)."""

import numpy as np
import pytest

from core.nets.rules import (
    batch_norm_problem,
    kfold_problem,
    network_optimizers,
    optimizer_problem,
)
from core.nets.views import boundary_line, confusion_matrix
from core.optim import OPTIMIZER_NAMES


def test_networks_use_every_optimizer_but_newton():
    names = network_optimizers()
    assert "newton" not in names and optimizer_problem("newton")
    assert set(names) == set(OPTIMIZER_NAMES) - {"newton"}
    assert list(names) == [n for n in OPTIMIZER_NAMES if n in names]  # the engine's order
    assert all(optimizer_problem(name) is None for name in names)


def test_the_trainer_and_the_scene_validator_ask_the_same_rules():
    from core.nets.trainer import TrainConfig
    from core.scene import SceneError, parse_scene

    with pytest.raises(ValueError) as refused:
        TrainConfig(optimizer={"name": "newton", "lr": 1.0})
    assert str(refused.value) == optimizer_problem("newton")
    scene = {
        "format": 1,
        "network": {
            "dataset": {"name": "circles"},
            "model": {"hidden": [4], "batch_norm": True},
            "training": {"optimizer": {"name": "newton", "lr": 1}},
        },
    }
    with pytest.raises(SceneError, match="Newton optimizer is not offered"):
        parse_scene(scene)
    scene["network"]["training"] = {"optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 1}
    with pytest.raises(SceneError, match="batch norm needs batches"):
        parse_scene(scene)


def test_batch_norm_and_kfold_rules():
    assert batch_norm_problem(1, True, (4,))
    assert batch_norm_problem(2, True, (4,)) is None
    assert batch_norm_problem(1, False, (4,)) is None
    assert batch_norm_problem(1, True, ()) is None  # no hidden layer: no batch norm layer
    assert kfold_problem(5, 4) and kfold_problem(5, 5) is None and kfold_problem(None, 1) is None


def test_boundary_line_follows_the_half_probability_contour():
    xs, ys = np.linspace(-1, 1, 41), np.linspace(-2, 2, 21)
    gx, _ = np.meshgrid(xs, ys)
    probability = 1 / (1 + np.exp(-5 * (gx - 0.25)))  # p = 0.5 on the line x = 0.25
    line = boundary_line(xs, ys, probability)
    finite = line[np.isfinite(line).all(1)]
    assert len(finite) >= 2
    np.testing.assert_allclose(finite[:, 0], 0.25, atol=1e-6)
    assert finite[:, 1].min() == pytest.approx(-2) and finite[:, 1].max() == pytest.approx(2)
    assert boundary_line(xs, ys, np.full_like(gx, 0.2)).shape == (0, 2)  # never crosses 0.5


def test_confusion_matrix_counts_truth_by_prediction():
    truth = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(truth, predicted, 3)
    expected = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.sum() == len(truth) and matrix.dtype == np.int64
    with pytest.raises(ValueError):
        confusion_matrix(truth, predicted[:3], 3)

"""The K-class 2D datasets (blobs, spirals, pinwheel): balanced labels, seeds, the scene field
``network.dataset.classes`` and training them with softmax + cross-entropy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main
from core.nets.datasets import (
    DATASET_NAMES,
    MULTICLASS_2D,
    check_dataset,
    class_count,
    make_dataset,
)
from core.nets.models import ModelConfig
from core.nets.spec import setup_from_spec, spec_data
from core.nets.trainer import EpochRecord, TrainConfig, Trainer
from core.scene import SceneError, dump_scene, parse_scene

SCENE = {
    "format": 1,
    "title": "three spirals",
    "network": {
        "dataset": {"name": "spirals", "classes": 3, "size": 150, "seed": 2},
        "model": {"hidden": [16], "activation": "relu"},
        "training": {"optimizer": {"name": "adam", "lr": 0.02}, "epochs": 4},
    },
}


def _scene(**dataset):
    data = json.loads(json.dumps(SCENE))
    data["network"]["dataset"].update(dataset)
    return data


@pytest.mark.parametrize("name", MULTICLASS_2D)
@pytest.mark.parametrize("classes", [3, 4, 6])
def test_classes_are_balanced_and_labelled_0_to_k_minus_1(name, classes):
    data = make_dataset(name, classes=classes, size=301, seed=4)
    labels = np.concatenate([data.y_train, data.y_val])
    counts = np.bincount(labels)
    assert data.classes == data.output_dim == classes == len(counts)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 301
    points = np.concatenate([data.x_train, data.x_val])
    (x0, x1), (y0, y1) = data.bounds
    assert x0 < points[:, 0].min() and points[:, 0].max() < x1
    assert y0 < points[:, 1].min() and points[:, 1].max() < y1
    # each class sits in its own place: the class means differ
    means = np.array([points[labels == k].mean(0) for k in range(classes)])
    gaps = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert gaps[~np.eye(classes, dtype=bool)].min() > 0.05


@pytest.mark.parametrize("name", MULTICLASS_2D)
def test_seeds_noise_and_mismatch_work_as_for_the_other_2d_sets(name):
    first, again = make_dataset(name, seed=5), make_dataset(name, seed=5)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_val, again.y_val)
    assert not np.array_equal(make_dataset(name, seed=6).x_train, first.x_train)
    assert first.classes == 3 and name in DATASET_NAMES
    calm = make_dataset(name, noise=0.0, seed=5)
    noisy = make_dataset(name, noise=0.4, seed=5)
    assert np.abs(noisy.x_train - calm.x_train).mean() > 0.2
    shifted = make_dataset(name, seed=5, mismatch="shift", mismatch_amount=0.3)
    np.testing.assert_allclose(shifted.x_val, first.x_val + 0.3, atol=1e-6)
    np.testing.assert_array_equal(shifted.x_train, first.x_train)
    rotated = make_dataset(name, seed=5, mismatch="rotate", mismatch_amount=90)
    expected = np.stack([-first.x_val[:, 1], first.x_val[:, 0]], 1)
    np.testing.assert_allclose(rotated.x_val, expected, atol=1e-6)


@pytest.mark.parametrize(
    "name, classes, message",
    [
        ("blobs", 1, "between 3 and 6, got 1"),
        ("spirals", 20, "between 3 and 6, got 20"),
        ("pinwheel", 2, "between 3 and 6, got 2"),
        ("circles", 3, "'circles' has a fixed number of classes"),
    ],
)
def test_bad_class_counts_are_refused(name, classes, message):
    with pytest.raises(ValueError, match=message):
        check_dataset(name, classes=classes)
    with pytest.raises(ValueError, match=message):
        make_dataset(name, classes=classes)


def test_class_count_of_each_dataset():
    assert [class_count(n) for n in ("circles", "sine", "digits", "blobs")] == [2, 0, 10, 3]
    assert class_count("spirals", 5) == 5
    with pytest.raises(ValueError, match="at least 2 points per class"):
        check_dataset("blobs", size=10, classes=6)


def test_softmax_cross_entropy_learns_three_blobs_in_a_few_epochs():
    data = make_dataset("blobs", classes=3, seed=0)
    trainer = Trainer(
        data,
        ModelConfig(hidden=(16,), activation="relu"),
        TrainConfig(optimizer={"name": "adam", "lr": 0.05}, epochs=8, batch_size=32, seed=0),
    )
    records = [r for r in trainer.records() if isinstance(r, EpochRecord)]
    assert records[-1].epoch == 8
    assert records[-1].val_accuracy > 0.9 and records[-1].train_accuracy > 0.9
    probabilities = trainer.predict(data.x_val)
    assert probabilities.shape == (len(data.x_val), 3)
    np.testing.assert_allclose(probabilities.sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "classes, message",
    [(1, "between 3 and 6, got 1"), (20, "between 3 and 6, got 20"), ("3", "must be an integer")],
)
def test_a_bad_class_count_names_its_field(classes, message):
    with pytest.raises(SceneError, match=f"network.dataset.classes: .*{message}") as error:
        parse_scene(_scene(classes=classes))
    assert error.value.path == "network.dataset.classes"


def test_classes_on_a_two_class_set_names_its_field():
    with pytest.raises(SceneError, match="network.dataset.classes: 'moons' has a fixed"):
        parse_scene(_scene(name="moons", classes=4))


def test_a_three_class_scene_round_trips_and_losslab_run_trains_it(tmp_path, capsys):
    scene = parse_scene(SCENE)
    setup = setup_from_spec(scene.network)
    assert setup.data["classes"] == 3 and setup.dataset().classes == 3
    again = parse_scene(json.loads(dump_scene(parse_scene({"format": 1, **_network(setup)}))))
    assert again.network.dataset.classes == 3
    assert setup_from_spec(again.network).data == setup.data
    path = tmp_path / "spirals.json"
    path.write_text(json.dumps(SCENE), encoding="utf-8")
    out = tmp_path / "result.json"
    assert main(["run", str(path), "--out", str(out)]) == 0
    capsys.readouterr()
    (run,) = json.loads(out.read_text())["runs"]
    assert run["status"] == "ok" and run["parameters"] == 2 * 16 + 16 + 16 * 3 + 3
    assert [e["epoch"] for e in run["epochs"]] == list(range(5))
    losses = [e["train_loss"] for e in run["epochs"]]
    assert losses[0] == pytest.approx(np.log(3), abs=0.25) and losses[-1] < losses[0]


def _network(setup):
    return {"network": spec_data(setup)}


def test_the_lesson_scene_runs_and_its_question_is_answered_by_the_run(tmp_path, capsys):
    import resources
    from core.beats import decide, outcomes_from_result
    from core.scene import load_scene

    path = resources.path("scenes", "network_multiclass_softmax.json")
    scene = load_scene(path)
    assert scene.network.dataset.classes == 3 and scene.chapter == "loss_functions"
    for text in (scene.title, scene.description, *(beat.text for beat in scene.beats)):
        assert text["en"] and text["zh"]
    out = tmp_path / "result.json"
    assert main(["run", str(path), "--out", str(out)]) == 0
    capsys.readouterr()
    result = json.loads(out.read_text())
    (beat,) = [beat for beat in scene.beats if beat.question is not None]
    right = beat.question.choices[decide(beat.question, outcomes_from_result(result))]
    assert right.outcome == "flat"  # softmax regression cannot bend around the arms
    losses = [e["train_loss"] for e in result["runs"][0]["epochs"]]
    assert losses[0] == pytest.approx(np.log(3), abs=0.15) and 0.5 < losses[-1] < 0.9

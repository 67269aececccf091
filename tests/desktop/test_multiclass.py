"""Three or more classes in the Network Lab: the data form offers the K-class sets and their class
count, the decision-boundary picture colours each cell by the trained network's most likely
class, the points by their class, a legend names the classes, and the form speaks Chinese."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from core.nets.datasets import MULTICLASS_2D
from core.palette import BINARY_CLASS_COLOURS, class_colours
from tests.desktop.conftest import network_lab_page

EPOCHS = 6


@pytest.fixture(scope="module")
def page(qapp):
    with network_lab_page() as lab:
        yield lab


def _choose(page, name: str, classes: int) -> None:
    """Pick ``name`` with ``classes`` classes in the data form, as a user would."""
    form = page.data_form
    form.name.setCurrentIndex(form.name.findData(name))
    form.classes.setValue(classes)
    assert page.wait_for(lambda: page.data is not None and page.data.classes == classes, 30)


def _train(page, epochs: int = EPOCHS) -> None:
    from desktop_app.network_lab.settings import network_section

    settings = dict(page.model.settings)
    settings["training"] = {**settings["training"], "epochs": epochs}
    page.set_playing(False)
    page.wait_idle(30)
    page.model.settings = settings
    assert page.wait_for(lambda: "network" in page.snapshots and page.epochs_done() == 0, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    page.draw()
    assert network_section(page.model.settings)["dataset"]["name"] in MULTICLASS_2D


def test_the_form_offers_the_k_class_sets_and_their_class_count(page):
    form = page.data_form
    names = [form.name.itemData(i) for i in range(form.name.count())]
    assert set(MULTICLASS_2D) <= set(names)
    form.name.setCurrentIndex(form.name.findData("circles"))
    assert not form.classes.isVisibleTo(form)
    assert "classes" not in page.model.settings["dataset"]
    _choose(page, "spirals", 4)
    assert form.classes.isVisibleTo(form) and form.classes.maximum() == 6
    assert page.model.settings["dataset"]["classes"] == 4
    labels = np.concatenate([page.data.y_train, page.data.y_val])
    assert sorted(set(labels.tolist())) == [0, 1, 2, 3]
    form.name.setCurrentIndex(form.name.findData("blobs"))  # the count carries over
    assert page.wait_for(lambda: page.data is not None and page.data.name == "blobs", 30)
    assert page.model.settings["dataset"]["classes"] == 4 and page.data.classes == 4


def test_the_picture_shows_the_trained_networks_most_likely_class(page):
    from core.nets.fast import FastTrainer
    from desktop_app.network_lab.session import _Viewer
    from desktop_app.style import appearance

    _choose(page, "spirals", 3)
    _train(page)
    view = page.model_view.boundary
    shot = page.snapshots["network"]
    assert shot.epoch == EPOCHS and shot.winner is not None
    assert view.class_image.isVisible() and not view.image.isVisible()
    assert tuple(view.class_image.levels) == (0, 255)
    shown = view.shown_classes()
    np.testing.assert_array_equal(shown, shot.winner)
    assert len(np.unique(shown)) == 3  # every class owns part of the plane
    # the same network trained again here: its argmax on the grid is what the picture shows
    spec = page.spec
    trainer = FastTrainer(spec.dataset(), spec.model, spec.train, label="network")
    for _record in trainer.records():
        pass
    viewer = _Viewer(trainer.data)
    expected = trainer.predict(viewer.points).argmax(1).reshape(shot.winner.shape)
    assert np.mean(shown == expected) > 0.99
    # surer cells are stronger in colour: the palest cell is the least sure
    image = view.class_image.image.astype(float)
    background = np.array(appearance().plot_background().getRgb()[:3], float)
    strength = np.linalg.norm(image - background, axis=-1)
    assert np.corrcoef(strength.ravel(), shot.confidence.ravel())[0, 1] > 0.5
    # the borders are drawn where the class changes
    assert len(view.boundary.xData) > 10
    # the legend gives each class's share of validation points right, as the trainer's argmax
    truth = trainer.data.y_val
    predicted = trainer.predict(trainer.data.x_val).argmax(1)
    expected_right = [np.mean(predicted[truth == k] == k) for k in range(3)]
    np.testing.assert_allclose(view.per_class_right(), expected_right, atol=0.03)
    legend = view.legend.text()
    shares = enumerate(view.per_class_right())
    assert all(f"class&nbsp;{k}&nbsp;{share:.0%}" in legend for k, share in shares)
    assert "validation points right per class" in legend


def test_points_and_legend_take_the_class_colours(page):
    _choose(page, "pinwheel", 3)
    view = page.model_view.boundary
    colours = class_colours(3)
    assert [c for _k, c in view.legend_classes()] == list(colours)
    for k in range(3):
        assert f"class&nbsp;{k}" in view.legend.text()
    brushes = [spot.brush().color().name() for spot in view.train_points.points()]
    expected = [colours[int(label)] for label in page.data.y_train]
    assert brushes == expected
    pens = [spot.pen().color().name() for spot in view.val_points.points()]
    assert pens == [colours[int(label)] for label in page.data.y_val]
    # two classes keep their blue and orange, without a legend row
    _choose(page, "moons", 2)
    assert view.legend_classes() == [] and not view.legend.isVisibleTo(view)
    brushes = {spot.brush().color().name() for spot in view.train_points.points()}
    assert brushes == set(BINARY_CLASS_COLOURS)


def test_the_new_entries_speak_chinese(page):
    from desktop_app import i18n

    form = page.data_form
    _choose(page, "blobs", 5)
    try:
        i18n.set_language("zh")
        QApplication.processEvents()
        assert form.name.itemText(form.name.findData("blobs")) == "多团点（3–6 类）"
        assert form.name.itemText(form.name.findData("pinwheel")) == "风车（3–6 类）"
        assert form.classes_label.text() == "类别数"
        assert "团" in form.description.text()
        legend = page.model_view.boundary.legend.text()
        assert all(f"类别&nbsp;{k}" in legend for k in range(5))
        assert "最可能的类别" in page.model_view.boundary.hint.text()
    finally:
        i18n.set_language("en")
        QApplication.processEvents()
    assert form.classes_label.text() == "classes"
    assert form.name.itemText(form.name.findData("spirals")) == "Spiral arms (3–6 classes)"


def test_a_race_on_three_classes_draws_each_members_most_likely_class(page):
    """Each member's small picture is the class picture of its own snapshot (not P(class 1))."""
    from core.palette import class_colours
    from desktop_app.network_lab.model_view import class_picture
    from desktop_app.style import appearance

    _choose(page, "spirals", 3)
    settings = dict(page.model.settings)
    settings["race"] = [
        {"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 10},
        {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 10},
    ]
    page.set_playing(False)
    page.wait_idle(30)
    page.model.settings = settings
    try:
        assert page.wait_for(lambda: "SGD" in page.snapshots and page.epochs_done() == 0, 30)
        page.set_playing(True)
        assert page.wait_for(lambda: page.finished, 60)
        page.draw()
        images = page.model_view.race.shown_images()
        background = appearance().plot_background().getRgb()[:3]
        for label in ("SGD", "Adam"):
            shot = page.snapshots[label]
            expected = class_picture(shot.winner, shot.confidence, class_colours(3), background)
            assert images[label].shape == expected.shape and images[label].ndim == 3
            np.testing.assert_array_equal(images[label], expected)
        assert not np.array_equal(images["SGD"], images["Adam"])  # each its own network
    finally:
        settings.pop("race")
        page.model.settings = settings

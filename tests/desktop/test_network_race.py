"""A race of networks on the Network Lab page: 2-8 networks that differ in optimizer, learning
rate or batch size train at once; the curves overlay them (one legend entry each, in their run
colours), the Model tab shows each one's decision boundary side by side, the epoch line names the
leader, and each member's curves are its own single run. Members are added, removed and set from
presets; a new scene clears the race; the race survives a language switch."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig
from core.nets.trainer import EpochRecord, TrainConfig, Trainer
from core.palette import run_style
from core.scene import parse_scene
from tests.desktop.conftest import network_lab_page

EPOCHS = 12


@pytest.fixture(scope="module")
def page(qapp):
    """One page for the module, training in the app's worker thread (no process to start)."""
    with network_lab_page() as lab:
        yield lab


def _default_scene():
    from desktop_app.network_lab.settings import default_settings, network_section

    network = network_section(default_settings())
    network["training"] = {**network["training"], "epochs": EPOCHS}
    return parse_scene({"format": 1, "network": network})


@pytest.fixture(autouse=True)
def fresh(page):
    """Each test starts from the default network (12 epochs) at epoch 0, without a race."""
    page.set_playing(False)
    page.wait_idle(30)
    page.load_scene(_default_scene())
    assert page.wait_for(lambda: "network" in page.snapshots and page.epochs_done() == 0, 30)
    return page


def start_race(page, preset: str = "optimizers") -> list[str]:
    page.race_box.apply_preset(preset)
    labels = [member["label"] for member in page.model.settings["race"]]
    assert page.wait_for(lambda: set(page.snapshots) == set(labels), 30)
    return labels


def run_to_the_end(page) -> None:
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    page.draw()


def single_run(settings: dict, member: dict) -> list[EpochRecord]:
    """The member's own run with the plain trainer, from the settings alone."""
    model = settings["model"]
    config = TrainConfig(
        optimizer=member["optimizer"],
        epochs=settings["training"]["epochs"],
        batch_size=member["batch_size"],
        seed=settings["training"]["seed"],
        loss=settings["loss"] or "cross_entropy",
    )
    data = make_dataset(**settings["dataset"])
    net = ModelConfig(**{**model, "hidden": tuple(model["hidden"])})
    trainer = Trainer(data, net, config)
    return [r for r in trainer.records() if isinstance(r, EpochRecord)]


def test_nobody_leads_before_the_first_epoch(page):
    """At epoch 0 the members of an optimizer race are one network: no leader is named; one
    epoch later the lowest validation loss leads."""
    labels = start_race(page)
    page.draw()
    assert page.epoch_label.text().startswith("epoch 0") and "leader" not in page.epoch_label.text()
    assert page.race_leader() is None
    page.step_epoch()
    assert page.wait_for(lambda: all(page.epochs_done(label) == 1 for label in labels), 30)
    page.draw()
    leader = page.race_leader()
    assert leader is not None and leader.epoch == 1
    assert f"leader: {leader.run} (" in page.epoch_label.text()


def test_a_three_network_race_trains_and_each_curve_is_its_own_run(page):
    labels = start_race(page)
    assert labels == ["SGD", "Momentum", "Adam"] and page.kind == "race"
    run_to_the_end(page)
    assert [page.epochs_done(label) for label in labels] == [EPOCHS] * 3
    # curves: one legend entry per network, each in its run colour and dash
    assert page.curves.legend_names() == labels
    for index, label in enumerate(labels):
        pen = page.curves.curves[("loss", label, "val")].opts["pen"]
        assert pen.color().name() == run_style(index).colour
        assert list(pen.dashPattern()) == [float(d) for d in run_style(index).dash]
    # each member's recorded and drawn curves are its own single run
    settings = page.model.settings
    for member in settings["race"]:
        single = single_run(settings, member)
        history = page.history[member["label"]].arrays()
        for name in ("train_loss", "val_loss", "val_accuracy"):
            expected = np.array([getattr(r, name) for r in single])
            np.testing.assert_allclose(history[name], expected, rtol=1e-5, atol=1e-5)
        drawn = page.curves.curves[("loss", member["label"], "val")].yData
        np.testing.assert_array_equal(drawn, history["val_loss"])
    finals = [page.history[label].last.val_loss for label in labels]
    assert len({round(v, 5) for v in finals}) == 3  # three different runs
    # three boundary pictures side by side, each titled with its name and accuracy
    race_view = page.model_view.race
    assert page.model_view.currentWidget() is race_view
    images = race_view.shown_images()
    assert list(images) == labels and all(image is not None for image in images.values())
    assert not np.allclose(images["SGD"], images["Adam"])
    positions = [race_view.members[label].plot.pos() for label in labels]
    assert len({(p.x(), p.y()) for p in positions}) == 3
    for label in labels:
        accuracy = page.history[label].last.val_accuracy
        assert race_view.title(label) == f"{label} · validation {accuracy:.1%}"
    # the epoch line names the leader: the lowest validation loss
    leader = labels[int(np.argmin(finals))]
    text = page.epoch_label.text()
    assert f"epoch {EPOCHS} / {EPOCHS}" in text and f"leader: {leader} (" in text


def test_removing_networks_down_to_one_ends_the_race(page):
    labels = start_race(page, "learning_rates")
    page.race_box.table.selectRow(1)
    page.race_box.remove_member()
    kept = [labels[0], labels[2]]
    assert [m["label"] for m in page.model.settings["race"]] == kept
    assert page.wait_for(lambda: set(page.snapshots) == set(kept), 30)
    page.draw()
    assert page.labels == kept and page.curves.legend_names() == kept
    assert list(page.model_view.race.members) == kept
    assert page.race_box.table.rowCount() == 2
    page.race_box.remove_member()  # nothing selected: the last one
    assert page.wait_for(lambda: "network" in page.snapshots, 30)
    assert page.kind == "single" and page.labels == ["network"]
    assert page.model_view.currentWidget() is page.model_view.boundary
    assert "Add 2 to 8 networks" in page.race_box.note.text()


def test_presets_add_and_edits_write_the_race(page):
    box = page.race_box
    lr = page.model.settings["training"]["optimizer"]["lr"]
    rates = [m["optimizer"]["lr"] for m in box.preset("learning_rates")]
    assert rates == pytest.approx([lr / 10, lr, lr * 10])
    sizes = [(m["label"], m["batch_size"]) for m in box.preset("batch_sizes")]
    assert sizes == [("batch 1", 1), ("batch 10", 10), ("full batch", 0)]
    optimizers = box.preset("optimizers")
    assert [m["optimizer"]["name"] for m in optimizers] == ["sgd", "sgd", "adam"]
    assert optimizers[1]["optimizer"]["momentum"] == 0.9
    start_race(page, "batch_sizes")
    assert [box.table.cellWidget(r, 3).text() for r in range(3)] == ["1", "10", "full"]
    assert [config.batch_size for _label, config in page.spec.race] == [1, 10, 0]
    # an edit in the table writes the settings and rebuilds the race
    box.table.cellWidget(0, 2).setValue(0.005)
    assert page.model.settings["race"][0]["optimizer"]["lr"] == 0.005
    assert page.spec.race[0][1].optimizer["lr"] == 0.005
    box.table.item(2, 0).setText("everything")
    assert page.wait_for(lambda: "everything" in page.snapshots, 30)
    # added networks get names of their own, up to eight
    while box.add_button.isEnabled():
        box.add_member()
    names = [m["label"] for m in page.model.settings["race"]]
    assert len(names) == 8 == len(set(names)) and box.table.rowCount() == 8
    assert page.wait_for(lambda: len(page.snapshots) == 8, 30)
    assert len(page.model_view.race.members) == 8


def test_a_bad_race_is_shown_not_trained(page):
    start_race(page)
    race = page.model.settings["race"]
    page.model.update_settings(race=[race[0], {**race[1], "label": race[0]["label"]}])
    assert "needs its own name" in page.epoch_label.text()
    assert page.labels == [m["label"] for m in race]  # the last good race stays
    page.model.update_settings(race=race)
    training = {**page.model.settings["training"], "kfold": 3}
    page.model.update_settings(training=training)
    assert "without k-fold" in page.epoch_label.text()


def test_a_new_scene_clears_the_race(page):
    from desktop_app.network_lab.settings import scene_has_race

    start_race(page)
    data = page.scene_data()
    assert ("race" in data["network"]) == scene_has_race()
    page.load_scene(_default_scene())
    assert "race" not in page.model.settings and page.race_box.table.rowCount() == 0
    assert page.wait_for(lambda: "network" in page.snapshots, 30)
    assert page.kind == "single" and page.curves.legend_names() == ["training", "validation"]


def test_settings_carry_a_race_to_and_from_a_scene():
    from desktop_app.network_lab import settings as module

    race = [
        {"label": "a", "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 4},
        {"label": "b", "optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 0},
    ]
    settings = {**module.default_settings(), "race": race}
    assert module.scene_has_race()  # the scene format holds races now
    network = module.network_section(settings)
    assert network["race"] == race
    scene = parse_scene({"format": 1, "network": network})  # validated as a scene
    back = module.settings_of_scene(scene)["race"]
    assert [(m["label"], m["optimizer"]["name"], m["batch_size"]) for m in back] == [
        ("a", "sgd", 4),
        ("b", "adam", 0),
    ]


def test_the_race_survives_a_language_switch(page):
    from desktop_app import i18n

    labels = start_race(page)
    page.step_epoch()
    assert page.wait_for(lambda: page.epochs_done("Adam") == 1, 30)
    box = page.race_box
    try:
        i18n.set_language("zh")
        QApplication.processEvents()
        page.draw()
        assert box.title() == "网络竞赛" and box.add_button.text() == "添加"
        header = [box.table.horizontalHeaderItem(c).text() for c in range(4)]
        assert header == ["名称", "优化器", "学习率", "批次"]
        assert box.preset_combo.itemText(1) == "三种学习率"
        assert "领先" in page.epoch_label.text()
        assert "验证" in page.model_view.race.title("Adam")
        assert page.curves.legend_names() == labels and page.epochs_done("Adam") == 1
        assert [m["label"] for m in page.model.settings["race"]] == labels
    finally:
        i18n.set_language("en")
    QApplication.processEvents()
    page.draw()
    assert box.title() == "Race of networks" and "leader:" in page.epoch_label.text()
    page.step_epoch()
    assert page.wait_for(lambda: page.epochs_done("Adam") == 2, 30)


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_eight_networks_fit_a_projector(page, qapp, presenter):
    """Eight pictures and eight legend entries at 1024x768: nothing cut, nothing over another."""
    from desktop_app.style import appearance
    from tests.desktop import geometry

    start_race(page)
    while page.race_box.add_button.isEnabled():
        page.race_box.add_member()
    assert page.wait_for(lambda: len(page.snapshots) == 8, 30)
    try:
        appearance().set_presenter(presenter)
        page.resize(1024, 768)
        page.wait_for(lambda: False, 0.15)  # the frame timer draws
        found = geometry.clipped_widgets(page) + geometry.overlapping_texts(page)
        found += geometry.cut_plot_texts(page) + geometry.all_colliding_ticks(page)
        assert not found, "\n".join(found)
        assert page.model_view.race.columns == 2  # a narrow view: two columns of four
        assert len(page.curves.legend_names()) == 8
    finally:
        appearance().set_presenter(False)
        page.resize(1300, 850)


def test_a_race_on_regression_data_shows_fitted_curves(page):
    page.model.update_settings(dataset={"name": "sine", "seed": 0, "val_fraction": 0.3})
    assert page.wait_for(lambda: "network" in page.snapshots, 30)
    labels = start_race(page, "learning_rates")
    page.step_epoch()
    assert page.wait_for(lambda: all(page.epochs_done(label) == 1 for label in labels), 30)
    page.draw()
    race_view = page.model_view.race
    assert "fitted curve" in race_view.caption.text()
    for label in labels:
        loss = page.history[label].last.val_loss
        assert race_view.title(label) == f"{label} · validation loss {loss:.3g}"
        assert len(race_view.members[label].line.xData) > 100  # the member's own curve
    assert "leader:" in page.epoch_label.text() and "accuracy" not in page.epoch_label.text()

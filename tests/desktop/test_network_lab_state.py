"""The Network Lab keeps one state, its lab model: the forms write into it and follow it, an edit
rebuilds only when a setting changed (asking before losing a trained model), a typed number is one
edit, Newton is not offered, and a rebuild or a new scene clears every derived plot."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QSpinBox

from core.scene import parse_scene
from tests.desktop.conftest import network_lab_page


def _scene(network: dict, title: str = "") -> object:
    return parse_scene({"format": 1, "title": {"en": title}, "network": network})


@pytest.fixture(scope="module")
def page(qapp):
    """One page for the module, training in the app's worker thread (no process to start)."""
    with network_lab_page() as lab:
        yield lab


@pytest.fixture(autouse=True)
def fresh(page):
    """Each test starts from the page's default network at epoch 0 (a new scene: the page's own
    way to forget everything)."""
    from desktop_app.network_lab.settings import default_settings, network_section

    page.set_playing(False)
    page.wait_idle(30)
    page.load_scene(_scene(network_section(default_settings())))
    assert page.wait_for(lambda: "network" in page.snapshots and page.epochs_done() == 0, 30)
    return page


class Asker:
    def __init__(self, answer: bool) -> None:
        self.answer, self.calls = answer, 0

    def __call__(self, *_page) -> bool:
        self.calls += 1
        return self.answer


def _asker(monkeypatch, answer: bool) -> Asker:
    from desktop_app.network_lab.page import NetworkLabPage

    asker = Asker(answer)
    monkeypatch.setattr(NetworkLabPage, "ask_rebuild", asker)
    return asker


def _train(page, epochs: int = 3) -> None:
    for _ in range(epochs):
        done = page.epochs_done()
        page.step_epoch()
        assert page.wait_for(lambda d=done: page.epochs_done() == d + 1, 30)
    assert page.wait_idle(30)


def _settings_events(page) -> list:
    events = []
    page.model.events.settings.connect(events.append)
    return events


def _type(qtbot, box: QAbstractSpinBox, text: str) -> None:
    """Replace the box's text by typing ``text`` (not yet committed)."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)


def test_leaving_a_field_unchanged_keeps_the_trained_model(page, monkeypatch):
    asker = _asker(monkeypatch, True)
    _train(page)
    spec, settings = page.spec, page.model.settings
    events, scene_changes = _settings_events(page), []
    page.sceneChanged.connect(lambda: scene_changes.append(1))
    steps = page.training_form.editor.findChild(QSpinBox, "steps")
    spins = (
        page.data_form.size,
        page.data_form.noise,
        page.data_form.seed,
        page.training_form.batch,
        page.training_form.kfold,
        page.training_form.train_seed,
        page.model_form.width,
        steps,
    )
    for spin in spins:  # "editing finished" without an edit (what leaving a field emits)
        spin.editingFinished.emit()
    # and a real focus in and out of the fields
    page.activateWindow()
    for spin in spins:
        spin.setFocus()
        QApplication.processEvents()
    page.experiment_combo.setFocus()
    QApplication.processEvents()
    assert page.spec is spec and page.epochs_done() == 3
    assert page.model.settings == settings and not events
    assert asker.calls == 0 and not scene_changes


@pytest.mark.parametrize(
    ("field", "text", "read"),
    [
        ("batch", "32", lambda page: page.spec.train.batch_size == 32),
        ("noise", "0.05", lambda page: page.spec.data["noise"] == pytest.approx(0.05)),
        ("lr", "0.05", lambda page: page.spec.train.optimizer["lr"] == pytest.approx(0.05)),
        ("steps", "1234", lambda page: page.spec.train.epochs == 1234),
    ],
)
def test_a_typed_number_is_one_edit_and_one_question(page, monkeypatch, qtbot, field, text, read):
    asker = _asker(monkeypatch, True)
    _train(page, 1)
    spec = page.spec
    events, scene_changes = _settings_events(page), []
    page.sceneChanged.connect(lambda: scene_changes.append(1))
    box = {
        "batch": page.training_form.batch,
        "noise": page.data_form.noise,
        "lr": page.training_form.editor.findChild(QAbstractSpinBox, "lr"),
        "steps": page.training_form.editor.findChild(QSpinBox, "steps"),
    }[field]
    assert box is not None and not box.keyboardTracking()
    page.activateWindow()
    _type(qtbot, box, text)
    assert box.text().endswith(text)  # typed, digit by digit
    assert not events and asker.calls == 0 and page.spec is spec  # nothing committed yet
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert len(events) == 1 and asker.calls == 1 and len(scene_changes) == 1
    assert page.spec is not spec and read(page)
    page.experiment_combo.setFocus()  # leaving the field afterwards changes nothing more
    QApplication.processEvents()
    assert len(events) == 1 and asker.calls == 1


def test_a_change_asks_and_keep_training_keeps_the_model(page, monkeypatch):
    asker = _asker(monkeypatch, False)  # "Keep training"
    _train(page)
    spec, trained = page.spec, page.model.settings
    page.training_form.batch.setValue(32)
    assert asker.calls == 1
    assert page.spec is spec and page.epochs_done() == 3  # the trained model goes on
    assert page.training_form.batch.value() == 0  # the edit was undone, in the model too
    assert page.model.settings == trained
    page.model_form.depth.setValue(3)
    assert asker.calls == 2 and page.model_form.depth.value() == 2 and page.spec is spec
    page.data_form.noise.setValue(0.3)
    assert asker.calls == 3 and page.data_form.noise.value() == pytest.approx(0.1)
    assert page.spec is spec and page.epochs_done() == 3
    # the trained model still trains
    _train(page, 1)
    assert page.epochs_done() == 4
    # "Rebuild" builds the new network from epoch 0
    asker.answer = True
    page.model_form.depth.setValue(3)
    assert asker.calls == 4 and page.spec is not spec
    assert page.spec.model.hidden == (8, 8, 8) and page.model.settings["model"]["hidden"] == [8] * 3
    assert page.wait_for(lambda: page.epochs_done() == 0 and "network" in page.snapshots, 30)
    # an untrained model is rebuilt without a question
    page.model_form.depth.setValue(1)
    assert asker.calls == 4 and page.spec.model.hidden == (8,)


def test_the_forms_follow_the_model(page):
    training = {**page.model.settings["training"], "batch_size": 16, "epochs": 77}
    page.model.update_settings(training=training, loss="mse")
    assert page.training_form.batch.value() == 16
    assert page.training_form.editor.findChild(QSpinBox, "steps").value() == 77
    assert page.model_form.loss_name() == "mse"
    assert page.spec.train.batch_size == 16 and page.spec.train.loss == "mse"
    # regression data take the MSE loss: the page writes it into the model, the form shows it
    page.model.update_settings(loss="cross_entropy")
    page.data_form.name.setCurrentIndex(page.data_form.name.findData("sine"))
    assert page.model.settings["loss"] == "mse" and page.model_form.loss_name() == "mse"
    assert page.data.name == "sine" and page.spec.train.loss == "mse"


def test_newton_is_not_offered_in_the_network_lab(page):
    from core.nets.rules import network_optimizers

    combo = page.training_form.editor.findChild(QComboBox, "optimizer")
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert "newton" not in offered
    assert tuple(offered) == network_optimizers()


def test_the_initializations_are_named_in_the_language_switched_to(page, qapp):
    """The init list follows a switch to Chinese at run time (it showed "default", "small" and
    "zeros" in English); xavier and kaiming keep their authors' names; the value is unchanged."""
    from desktop_app import i18n

    combo = page.model_form.init
    names = lambda: [combo.itemText(i) for i in range(combo.count())]  # noqa: E731
    assert names() == ["default", "xavier", "kaiming", "small", "zeros"]
    try:
        i18n.set_language("zh")
        qapp.processEvents()
        assert names() == ["默认", "xavier", "kaiming", "小值", "全零"]
        assert combo.currentData() == "default"
    finally:
        i18n.set_language("en")
        qapp.processEvents()
    assert names()[0] == "default"


def test_the_surface_lab_editor_still_offers_newton(qtbot):
    from core.optim import OPTIMIZER_NAMES
    from desktop_app.surface_lab.run_editor import RunEditor

    editor = RunEditor()
    qtbot.addWidget(editor)
    combo = editor.findChild(QComboBox, "optimizer")
    assert [combo.itemData(i) for i in range(combo.count())] == list(OPTIMIZER_NAMES)


def _compute_everything(page) -> None:
    page.compute_curvature()
    assert page.wait_idle(60)
    page.compute_interpolation()
    assert page.wait_idle(60)
    page.compute_slice(0.5)
    assert page.wait_idle(60)
    page.draw()
    assert page.curvature.has_report() and "minimum ratio" in page.curvature.summary.text()
    assert len(page.landscape.line_curve.getData()[0]) > 0
    assert page.landscape.map.raster is not None and page.landscape.map.image.image is not None
    assert page.model_view.boundary.image.isVisible()


def _assert_nothing_derived(page) -> None:
    """What the panels' items hold: no spectrum, line, slice or centre mark."""
    assert len(page.curvature.histogram.opts["height"]) == 0
    assert "largest λ" not in page.curvature.summary.text()
    line_x, _ = page.landscape.line_curve.getData()
    assert line_x is None or len(line_x) == 0
    marks_x, _ = page.landscape.line_marks.getData()
    assert marks_x is None or len(marks_x) == 0
    assert page.landscape.map.raster is None and page.landscape.map.image.image is None
    centre_x, _ = page.landscape.centre.getData()
    assert len(centre_x) == 0
    assert not page.landscape.has_plots() and not page.curvature.has_report()


def test_rebuilding_clears_the_curvature_and_landscape_plots(page):
    _train(page, 5)
    _compute_everything(page)
    page.model_form.width.setValue(4)  # a new network
    _assert_nothing_derived(page)
    assert page.spec.model.hidden == (4, 4)


def test_opening_a_scene_clears_every_derived_item(page):
    _train(page, 2)
    _compute_everything(page)
    generation = page.model.generation
    scene = _scene(
        {
            "dataset": {"name": "xor", "size": 100},
            "model": {"hidden": [4]},
            "training": {"optimizer": {"name": "sgd", "lr": 0.1}, "epochs": 10},
        },
        title="XOR",
    )
    page.load_scene(scene)
    assert page.model.generation == generation + 1 and page.model.text("title", "en") == "XOR"
    _assert_nothing_derived(page)
    assert not page.model_view.boundary.image.isVisible()  # no old probabilities
    assert page.epochs_done() == 0 and not page.has_trained_model()
    assert page.wait_for(lambda: page.data.name == "xor" and "network" in page.snapshots, 30)
    assert page.model.settings["model"]["hidden"] == [4] and page.model_form.depth.value() == 1
    assert page.scene_data()["network"]["training"]["epochs"] == 10


def test_run_history_columns_live_in_a_trajectory_store(page):
    from core.lab import TrajectoryStore

    _train(page, 2)
    history = page.history["network"]
    assert isinstance(history.epochs, TrajectoryStore) and len(history) == 3
    assert list(history.columns["epoch"]) == [0, 1, 2]
    assert history.arrays()["train_loss"].shape == (3,)


def test_leaving_a_field_keeps_a_running_experiment(page, monkeypatch):
    asker = _asker(monkeypatch, True)
    page.run_experiment("mismatch")
    page.set_playing(False)
    spec = page.spec
    for spin in (page.data_form.size, page.training_form.batch, page.training_form.train_seed):
        spin.editingFinished.emit()
    page.view_combo.setCurrentIndex(1)  # the forms show another run's settings
    page.data_form.seed.editingFinished.emit()
    assert page.spec is spec and page.experiment_key == "mismatch" and asker.calls == 0
    assert page.model.source == "experiment"


def test_clicked_points_are_settings_and_go_with_their_dataset(page, monkeypatch):
    asker = _asker(monkeypatch, False)  # "Keep training"
    count = len(page.data.x_train)
    page.add_point(0.25, -0.5, 1)  # untrained: no question
    assert page.model.settings["points"] == [[0.25, -0.5, 1]]
    assert len(page.data.x_train) == count + 1 and page.spec.points == ((0.25, -0.5, 1),)
    _train(page, 1)
    page.add_point(0.5, 0.5, 0)  # kept the trained model: the point is not added
    assert asker.calls == 1 and page.model.settings["points"] == [[0.25, -0.5, 1]]
    asker.answer = True
    page.data_form.seed.setValue(5)  # another dataset: the clicked points go
    assert asker.calls == 2 and page.model.settings["points"] == []
    assert page.spec.points == () and len(page.data.x_train) == count
    assert page.scene_data()["network"]["dataset"]["seed"] == 5

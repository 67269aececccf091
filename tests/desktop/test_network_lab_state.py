"""The Network Lab keeps one state: an edit rebuilds only when a setting changed (and asks before
losing a trained model), Newton is not offered, and rebuilding clears every derived plot."""

import pytest
from PySide6.QtWidgets import QComboBox, QSpinBox


@pytest.fixture
def page(qtbot, monkeypatch):
    from desktop_app.network_lab.backends import IN_PROCESS_ENV

    monkeypatch.setenv(IN_PROCESS_ENV, "1")
    from desktop_app.app import create_application
    from desktop_app.network_lab.page import NetworkLabPage

    create_application()
    lab = NetworkLabPage()
    qtbot.addWidget(lab)
    lab.resize(1300, 850)
    lab.show()
    assert lab.wait_for(lambda: "network" in lab.snapshots, 60)
    yield lab
    lab.shutdown()


class Asker:
    def __init__(self, answer: bool) -> None:
        self.answer, self.calls = answer, 0

    def __call__(self, *_page) -> bool:
        self.calls += 1
        return self.answer


def _train(page, epochs: int = 3) -> None:
    for _ in range(epochs):
        done = page.epochs_done()
        page.step_epoch()
        assert page.wait_for(lambda d=done: page.epochs_done() == d + 1, 30)
    assert page.wait_idle(30)


def test_leaving_a_field_unchanged_keeps_the_trained_model(page, monkeypatch, qtbot):
    from desktop_app.network_lab.page import NetworkLabPage

    asker = Asker(True)
    monkeypatch.setattr(NetworkLabPage, "ask_rebuild", asker)
    _train(page)
    spec = page.spec
    scene_changes = []
    page.sceneChanged.connect(lambda: scene_changes.append(1))
    steps = page.training_form.editor.findChild(QSpinBox, "steps")
    spins = (
        page.data_form.size,
        page.data_form.noise,
        page.data_form.seed,
        page.training_form.batch,
        page.training_form.kfold,
        page.training_form.train_seed,
        steps,
    )
    for spin in spins:  # "editing finished" without an edit (what leaving a field emits)
        spin.editingFinished.emit()
    # and a real focus in and out of a field
    page.activateWindow()
    page.data_form.size.setFocus()
    page.training_form.batch.setFocus()
    page.data_form.noise.setFocus()
    page.training_form.changed.emit()
    page.model_form.changed.emit()
    page.data_form.changed.emit()
    assert page.spec is spec and page.epochs_done() == 3
    assert asker.calls == 0 and not scene_changes


def test_a_change_asks_and_keep_training_keeps_the_model(page, monkeypatch):
    from desktop_app.network_lab.page import NetworkLabPage

    asker = Asker(False)  # "Keep training"
    monkeypatch.setattr(NetworkLabPage, "ask_rebuild", asker)
    _train(page)
    spec = page.spec
    page.training_form.batch.setValue(32)
    page.training_form.batch.editingFinished.emit()
    assert asker.calls == 1
    assert page.spec is spec and page.epochs_done() == 3  # the trained model goes on
    assert page.training_form.batch.value() == 0  # the edit was undone
    page.model_form.depth.setValue(3)
    assert asker.calls == 2 and page.model_form.depth.value() == 2 and page.spec is spec
    page.data_form.noise.setValue(0.3)
    page.data_form.noise.editingFinished.emit()
    assert asker.calls == 3 and page.data_form.noise.value() == pytest.approx(0.1)
    assert page.spec is spec and page.epochs_done() == 3
    # the trained model still trains
    _train(page, 1)
    assert page.epochs_done() == 4
    # "Rebuild" builds the new network from epoch 0
    asker.answer = True
    page.model_form.depth.setValue(3)
    assert asker.calls == 4 and page.spec is not spec
    assert page.spec.model.hidden == (8, 8, 8)
    assert page.wait_for(lambda: page.epochs_done() == 0 and "network" in page.snapshots, 30)
    # an untrained model is rebuilt without a question
    page.model_form.depth.setValue(1)
    assert asker.calls == 4 and page.spec.model.hidden == (8,)


def test_newton_is_not_offered_in_the_network_lab(page):
    from core.nets.rules import network_optimizers

    combo = page.training_form.editor.findChild(QComboBox, "optimizer")
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert "newton" not in offered
    assert tuple(offered) == network_optimizers()


def test_the_surface_lab_editor_still_offers_newton(qtbot):
    from core.optim import OPTIMIZER_NAMES
    from desktop_app.app import create_application
    from desktop_app.surface_lab.run_editor import RunEditor

    create_application()
    editor = RunEditor()
    qtbot.addWidget(editor)
    combo = editor.findChild(QComboBox, "optimizer")
    assert [combo.itemData(i) for i in range(combo.count())] == list(OPTIMIZER_NAMES)


def test_rebuilding_clears_the_curvature_and_landscape_plots(page):
    _train(page, 5)
    page.compute_curvature()
    assert page.wait_idle(60)
    page.compute_interpolation()
    assert page.wait_idle(60)
    page.compute_slice(0.5)
    assert page.wait_idle(60)
    assert page.curvature.has_report() and "minimum ratio" in page.curvature.summary.text()
    assert page.landscape.has_plots() and page.landscape.map.raster is not None
    page.model_form.width.setValue(4)  # a new network
    assert not page.curvature.has_report()
    assert "largest λ" not in page.curvature.summary.text()
    assert not page.landscape.has_plots()
    line_x, _ = page.landscape.line_curve.getData()
    assert line_x is None or len(line_x) == 0


def test_opening_a_scene_clears_the_derived_plots(page):
    from core.scene import parse_scene

    _train(page, 2)
    page.compute_curvature()
    assert page.wait_idle(60) and page.curvature.has_report()
    page.compute_interpolation()
    assert page.wait_idle(60) and page.landscape.has_plots()
    scene = parse_scene(
        {
            "format": 1,
            "network": {
                "dataset": {"name": "xor", "size": 100},
                "model": {"hidden": [4]},
                "training": {"optimizer": {"name": "sgd", "lr": 0.1}, "epochs": 10},
            },
        }
    )
    page.load_scene(scene)
    assert not page.curvature.has_report() and not page.landscape.has_plots()
    assert page.wait_for(lambda: page.data.name == "xor" and "network" in page.snapshots, 30)


def test_run_history_columns_live_in_a_trajectory_store(page):
    from core.lab import TrajectoryStore

    _train(page, 2)
    history = page.history["network"]
    assert isinstance(history.epochs, TrajectoryStore) and len(history) == 3
    assert list(history.columns["epoch"]) == [0, 1, 2]
    assert history.arrays()["train_loss"].shape == (3,)


def test_leaving_a_field_keeps_a_running_experiment(page, monkeypatch):
    from desktop_app.network_lab.page import NetworkLabPage

    asker = Asker(True)
    monkeypatch.setattr(NetworkLabPage, "ask_rebuild", asker)
    page.run_experiment("mismatch")
    page.set_playing(False)
    spec = page.spec
    for spin in (page.data_form.size, page.training_form.batch, page.training_form.train_seed):
        spin.editingFinished.emit()
    page.view_combo.setCurrentIndex(1)  # the forms show another run's settings
    page.data_form.seed.editingFinished.emit()
    assert page.spec is spec and page.experiment_key == "mismatch" and asker.calls == 0

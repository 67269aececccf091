"""The Network Lab page: it trains in its worker, its curves grow, the decision boundary changes,
and it shows scenes, experiments, curvature and bad input."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSpinBox

from core.scene import parse_scene


def _make_page(qtbot):
    from desktop_app.app import create_application
    from desktop_app.network_lab.page import NetworkLabPage

    create_application()
    lab = NetworkLabPage()
    qtbot.addWidget(lab)
    lab.resize(1300, 850)
    lab.show()
    return lab


@pytest.fixture(scope="module")
def shared_page(qapp):
    """One page for the module, training in the app's worker thread (no process to start)."""
    from desktop_app.app import create_application
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.network_lab.page import NetworkLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(IN_PROCESS_ENV, "1")
        create_application()
        lab = NetworkLabPage()
    lab.resize(1300, 850)
    lab.show()
    assert lab.wait_for(lambda: "network" in lab.snapshots, 60)  # epoch 0 computed in the worker
    yield lab
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)
        lab.shutdown()
        lab.close()
        lab.deleteLater()
        QApplication.processEvents()


@pytest.fixture
def page(shared_page):
    """The page's default network at epoch 0, whatever the test before did (a new scene: the
    page's own way to forget everything)."""
    from desktop_app.network_lab.settings import default_settings, network_section

    lab = shared_page
    lab.set_playing(False)
    lab.wait_idle(30)
    lab.load_scene(parse_scene({"format": 1, "network": network_section(default_settings())}))
    assert lab.wait_for(lambda: "network" in lab.snapshots and lab.epochs_done() == 0, 30)
    return lab


def _set_epochs(page, epochs: int) -> None:
    page.training_form.editor.findChild(QSpinBox, "steps").setValue(epochs)


def test_the_page_trains_a_few_epochs_and_its_curves_grow(page):
    assert page.epochs_done() == 0 and not page.playing
    page.draw()
    before = page.curves.curve_lengths()
    assert before[("loss", "network", "val")] == 1  # epoch 0 is drawn
    image_before = page.model_view.boundary.image.image.copy()
    page.step_epoch()
    assert page.wait_for(lambda: page.epochs_done() == 1, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.epochs_done() >= 20, 60)
    page.set_playing(False)
    assert page.wait_idle(30)
    page.draw()
    after = page.curves.curve_lengths()
    done = page.epochs_done()
    assert done >= 20
    for key in (
        ("loss", "network", "train"),
        ("loss", "network", "val"),
        ("grad_norm", "network", "train"),
    ):
        assert after[key] == done + 1 > before[key]
    assert after[("lr", "network", "train")] == done  # epoch 0 has no learning rate
    # the decision boundary image changed with the weights, with explicit levels 0..1
    image_after = page.model_view.boundary.image.image
    assert image_after.shape == image_before.shape and not np.allclose(image_after, image_before)
    assert tuple(page.model_view.boundary.image.levels) == (0.0, 1.0)
    history = page.history["network"].arrays()
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert "epoch" in page.epoch_label.text() and "validation loss" in page.epoch_label.text()
    # pausing really stops: no more epochs arrive
    stopped_at = page.epochs_done()
    page.wait_for(lambda: False, 0.3)
    assert page.epochs_done() == stopped_at


def test_training_runs_to_the_end_and_marks_the_best_epoch(page):
    _set_epochs(page, 15)
    assert page.wait_for(lambda: "network" in page.snapshots and page.epochs_done() == 0, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    assert not page.playing and page.epochs_done() == 15
    page.draw()
    history = page.history["network"]
    best = int(np.argmin(history.columns["val_loss"]))
    assert page.curves.best_line.isVisible() and page.curves.best_line.value() == best
    assert page.snapshots["network"].epoch == 15  # the last epoch is always drawn
    page.set_playing(True)  # finished: play does nothing
    assert not page.playing


def test_a_change_resets_and_bad_input_is_shown_not_raised(page, qtbot):
    page.set_playing(True)
    assert page.wait_for(lambda: page.epochs_done() >= 3, 30)
    page.model_form.depth.setValue(3)  # any change starts over
    assert page.wait_for(lambda: page.epochs_done() == 0 and "network" in page.snapshots, 30)
    assert not page.playing and "2-8-8-8-2" in page.model_form.summary.text()
    messages = []
    page.statusMessage.connect(messages.append)
    page.model_form.batch_norm.setChecked(True)
    page.training_form.batch.setValue(1)  # a spin box's value is committed as it changes
    assert messages and "batch norm needs batches" in messages[-1]
    assert "batch norm needs batches" in page.epoch_label.text()


def test_clicking_adds_a_training_point_of_the_chosen_class(page):
    count = len(page.data.x_train)
    page.add_point(0.2, -0.3, 1)
    assert len(page.data.x_train) == count + 1
    assert page.data.y_train[-1] == 1
    np.testing.assert_allclose(page.data.x_train[-1], [0.2, -0.3], rtol=1e-6)
    # through the view: a click maps to the data coordinates, Shift chooses class 1
    view = page.model_view.boundary
    got = []
    view.pointAdded.connect(lambda x, y, c: got.append((x, y, c)))
    centre = view.plot.vb.mapViewToScene(view.plot.vb.viewRect().center())

    class Click:
        def button(self):
            return Qt.MouseButton.LeftButton

        def scenePos(self):
            return centre

        def modifiers(self):
            return Qt.KeyboardModifier.ShiftModifier

    view._clicked(Click())
    assert got and got[0][2] == 1


def test_the_fitted_curve_for_1d_data(page):
    page.data_form.name.setCurrentIndex(page.data_form.name.findData("sinc"))
    assert page.wait_for(lambda: page.data.name == "sinc" and "network" in page.snapshots, 30)
    assert page.model_view.currentWidget() is page.model_view.curve
    assert page.model_form.loss_name() == "mse"
    page.set_playing(True)
    assert page.wait_for(lambda: page.epochs_done() >= 10, 60)
    page.set_playing(False)
    page.wait_idle(30)
    page.draw()
    xs, ys = page.model_view.curve.fitted.getData()
    assert len(xs) == 300 and np.isfinite(ys).all()
    assert page.curves.no_accuracy.isVisible()


def test_digits_show_a_confusion_matrix_and_predictions(page):
    page.data_form.name.setCurrentIndex(page.data_form.name.findData("digits"))
    page.training_form.batch.setValue(64)
    assert page.wait_for(lambda: page.data.name == "digits" and "network" in page.snapshots, 30)
    page.step_epoch()
    assert page.wait_for(lambda: page.epochs_done() == 1, 60)
    page.wait_idle(30)
    page.draw()
    snapshot = page.snapshots["network"]
    assert snapshot.confusion.sum() == len(page.data.x_val)
    assert page.model_view.digits.accuracy() > 0.3
    titles = [box.titleLabel.text for box, _ in page.model_view.digits.samples]
    assert all("→" in title for title in titles)


def test_a_network_scene_opens_paused_at_epoch_0_and_saves_back(page):
    scene = parse_scene(
        {
            "format": 1,
            "title": {"en": "a lesson"},
            "description": {"en": "what to look at"},
            "network": {
                "dataset": {"name": "xor", "size": 100, "noise": 0.05, "seed": 3},
                "model": {"hidden": [16, 4], "activation": "relu", "dropout": 0.1},
                "training": {
                    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
                    "epochs": 40,
                    "batch_size": 10,
                    "early_stopping": {"patience": 5, "restore_best": True},
                },
            },
        }
    )
    page.load_scene(scene)
    assert page.wait_for(lambda: page.data.name == "xor" and "network" in page.snapshots, 30)
    assert "a lesson" in page.scene_label.text() and page.epochs_done() == 0
    data = page.scene_data()
    network = data["network"]
    assert network["model"]["hidden"] == [16, 4] and network["model"]["dropout"] == 0.1
    assert network["training"]["optimizer"]["momentum"] == 0.9
    assert network["training"]["early_stopping"] == {"patience": 5, "restore_best": True}
    assert network["dataset"]["size"] == 100 and network["dataset"]["noise"] == 0.05


def test_an_experiment_runs_its_runs_together_and_concludes(page):
    from core.nets.experiments import EXPERIMENTS

    page.run_experiment("mismatch")  # three small runs of 150 epochs
    assert page.labels == [run.label for run in EXPERIMENTS["mismatch"].runs]
    assert page.view_combo.isVisible() and page.playing
    assert page.wait_for(lambda: page.finished, 120)
    page.draw()
    assert "What happened" in page.conclusion_label.text()
    assert {len(history) for history in page.history.values()} == {151}
    assert "mismatch" in page.conclusion_label.text()
    # the forms show the run on view; choosing another run shows its data
    page.view_combo.setCurrentIndex(2)
    assert page.data_form.size.value() == 2000


def test_curvature_and_landscape_are_computed_in_the_worker(page):
    _set_epochs(page, 30)
    assert page.wait_for(lambda: "network" in page.snapshots and page.epochs_done() == 0, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    page.compute_curvature()
    assert page.wait_idle(60)
    summary = page.curvature.summary.text()
    assert "minimum ratio" in summary and "114" in summary  # 2-8-8-2: all 114 eigenvalues
    assert len(page.curvature.histogram.opts["height"]) == 40
    page.compute_interpolation()
    assert page.wait_idle(60)
    alphas, losses = page.landscape.line_curve.getData()
    history = page.history["network"].columns
    assert abs(losses[np.argmin(np.abs(alphas - 1.0))] - history["train_loss"][-1]) < 1e-4
    page.compute_slice(0.5)
    assert page.wait_idle(60)
    raster = page.landscape.map.raster
    assert raster.loss.shape == (61, 61)
    assert abs(raster.loss[30, 30] - history["train_loss"][-1]) < 1e-4


def test_the_main_window_has_the_page_and_opens_network_scenes_there(window):
    import resources

    lab = window.network_lab
    assert window.pages.indexOf(lab) >= 0  # where its tab sits is the main window's choice
    assert window.pages.tabText(window.pages.indexOf(lab)) == "Network Lab"
    assert window.open_scene(resources.path("scenes", "network_early_stopping.json"))
    assert window.pages.currentWidget() is lab
    assert lab.wait_for(lambda: lab.data.name == "moons" and "network" in lab.snapshots, 30)
    assert "Early stopping" in lab.scene_label.text() and lab.training_form.early.isChecked()
    assert (
        "3x64" not in lab.model_form.summary.text() and "64-64-64" in lab.model_form.summary.text()
    )
    window.play_action.trigger()  # the Run menu drives the page on show
    assert lab.playing
    assert lab.wait_for(lambda: lab.finished, 60)
    last = lab.history["network"].last
    assert last.stopped and last.restored
    # the label follows at the next frame (the page redraws on its ~30 Hz timer)
    assert lab.wait_for(lambda: "restored" in lab.epoch_label.text(), 10)
    # a surface scene still opens in the Surface Lab
    assert window.open_scene(resources.path("scenes", "sharp_vs_flat.json"))
    assert window.pages.currentWidget() is not lab


def test_the_trainer_process_trains_live_and_computes_curvature(qtbot, monkeypatch):
    from desktop_app.network_lab.backends import IN_PROCESS_ENV, ProcessBackend

    monkeypatch.delenv(IN_PROCESS_ENV, raising=False)
    lab = _make_page(qtbot)
    try:
        assert isinstance(lab.backend, ProcessBackend)
        assert lab.wait_for(lambda: "network" in lab.snapshots, 120)  # the process started
        lab.draw()
        image_before = lab.model_view.boundary.image.image.copy()
        lab.set_playing(True)
        assert lab.wait_for(lambda: lab.epochs_done() >= 30, 60)
        lab.set_playing(False)
        assert lab.wait_idle(30)
        lab.draw()
        done = lab.epochs_done()
        assert lab.curves.curve_lengths()[("loss", "network", "val")] == done + 1
        assert not np.allclose(lab.model_view.boundary.image.image, image_before)
        lab.compute_curvature()
        assert lab.wait_idle(60) and "minimum ratio" in lab.curvature.summary.text()
        process = lab.backend._process
        assert process.is_alive()
    finally:
        lab.shutdown()
    assert not process.is_alive()

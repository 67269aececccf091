"""The "Data & batches" page driven as a user would, checked for what it shows."""

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QSpinBox

from core.surfaces.data import data_surface


@pytest.fixture
def page(qtbot, monkeypatch):
    from desktop_app.app import create_application
    from desktop_app.data_lab import page as page_module
    from desktop_app.data_lab.page import DataLabPage

    # Every grid point of a map costs N examples: a coarse map keeps the tests quick.
    monkeypatch.setattr(page_module, "RASTER_RESOLUTION", 48)
    create_application()
    widget = DataLabPage()
    qtbot.addWidget(widget)
    widget.resize(1300, 850)
    widget.show()
    assert widget.wait_idle(60)
    widget.set_playing(False)
    yield widget
    widget.shutdown()


def set_steps(page, steps):
    page.editor.findChild(QSpinBox, "steps").setValue(steps)  # a user edit: the runs restart
    assert page.wait_idle(60)


def grab_colours(widget):
    image = widget.grab().toImage()
    return {
        image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)
    }


def test_the_page_builds_with_two_surfaces_side_by_side(page):
    assert page.comparison.count() == 3
    assert page.titles["left"].text().startswith("Linear regression, raw features")
    assert page.titles["right"].text() == "Linear regression, normalized features"
    for side in ("left", "right"):
        assert page.maps[side].raster is not None
        assert len(grab_colours(page.maps[side])) > 50  # a heatmap, not a blank widget
    raw, normalized = page.surfaces["left"], page.surfaces["right"]
    assert not raw.config["normalize"] and normalized.config["normalize"]


def test_a_small_comparison_runs_and_its_plots_grow(page, qtbot):
    page.set_batch_size(10)
    set_steps(page, 20)
    page.seek(5)
    curve = page.loss_curves["left"]
    assert len(curve.getData()[0]) == 6
    page.set_playing(True)
    qtbot.waitUntil(lambda: not page.playing, timeout=20_000)  # stops by itself at the end
    for side in ("left", "right"):
        history = page.histories[side]
        assert history.count == 21 and history.batch_size == 10
        x, y = page.maps[side].paths["run"].getData()
        np.testing.assert_allclose(np.c_[x, y], history.positions)
        steps, _ = page.loss_curves[side].getData()
        assert len(steps) == 21
    # The recorded loss is the full-batch loss of the surface at each point.
    surface = page.surfaces["left"]
    history = page.histories["left"]
    expected = surface(torch.as_tensor(history.positions)).numpy()
    np.testing.assert_allclose(history.loss, expected, rtol=1e-10)
    # Epochs on the x axis: 200 examples in batches of 10 = 20 updates per epoch.
    page.x_axis.setCurrentIndex(page.x_axis.findData("epochs"))
    page.seek(20)
    epochs, _ = page.loss_curves["left"].getData()
    assert epochs[-1] == pytest.approx(1.0)
    assert page.loss_plot.getPlotItem().getAxis("bottom").labelText == "epoch"


def test_both_gradients_are_drawn_at_the_current_point(page):
    page.set_batch_size(5)
    set_steps(page, 10)
    page.seek(3)
    history = page.histories["left"]
    full_arrow, batch_arrow = page.arrows["left"]
    assert full_arrow.visible() and batch_arrow.visible()
    start, end = full_arrow.ends
    np.testing.assert_allclose(start, history.positions[3])
    direction = (end - start) / np.linalg.norm(end - start)
    full = history.grad[3] / np.linalg.norm(history.grad[3])
    np.testing.assert_allclose(direction, -full, atol=1e-9)  # downhill
    start, end = batch_arrow.ends
    used = history.used[4] / np.linalg.norm(history.used[4])
    np.testing.assert_allclose((end - start) / np.linalg.norm(end - start), -used, atol=1e-9)
    assert "minibatch gradient" in page.readout.text()
    page.set_batch_size(None)  # the full batch: one arrow, the minibatch one is the same
    assert page.wait_idle(60)
    page.seek(3)
    assert page.arrows["left"][0].visible() and not page.arrows["left"][1].visible()


def test_a_batch_size_above_n_shows_the_note(page):
    page.n_examples.setValue(50)
    assert page.wait_idle(60)
    page.set_batch_size(64)
    assert page.wait_idle(60)
    note = page.batch_note.text()
    assert "batch size 64 is larger than the 50 examples: using the full batch" in note
    assert page.histories["left"].batch_size is None
    page.set_batch_size(8)
    assert page.wait_idle(60)
    assert page.batch_note.text() == ""


def test_train_vs_test_draws_one_run_on_both_maps(page):
    page.set_comparison("generalization")
    assert page.wait_idle(60)
    set_steps(page, 30)
    page.seek(30)
    history = page.histories["left"]
    assert set(page.histories) == {"left"}
    left = np.c_[page.maps["left"].paths["run"].getData()]
    right = np.c_[page.maps["right"].paths["run"].getData()]
    np.testing.assert_array_equal(left, right)
    shift = np.array([page.shift_x.value(), page.shift_y.value()])
    train = data_surface("two_basins", n=200)
    expected = train(torch.as_tensor(history.positions - shift)).numpy()
    np.testing.assert_allclose(history.test_loss, expected, rtol=1e-9)
    assert len(page.loss_curves["test"].getData()[0]) == 31


def test_the_batch_size_experiment_fills_its_table_and_plots(page, qtbot):
    page.set_comparison("generalization")
    page.n_examples.setValue(40)  # batch 64 is not below N: sizes 1, 8 and the full batch
    assert page.wait_idle(60)
    set_steps(page, 15)
    page.run_batch_experiment()
    view = page.batch_view
    qtbot.waitUntil(lambda: view.header.button.isEnabled(), timeout=60_000)
    assert view.table.rowCount() == 15  # 3 batch sizes x 5 seeds
    assert [view.table.item(r, 0).text() for r in (0, 5, 10)] == ["1", "8", "full"]
    x, y = view.sharp_curve.getData()
    assert list(x) == [0, 1, 2] and np.all(y > 0)
    assert len(view.train_dots.data) == 15
    assert view.header.status.text().startswith("done: 15 runs")


def test_the_timing_experiment_plots_update_and_epoch_times(page, qtbot):
    page.run_timing_experiment(n_examples=64, features=8, width=16, depth=1, min_seconds=0.0)
    view = page.timing_view
    qtbot.waitUntil(lambda: view.header.button.isEnabled(), timeout=60_000)
    assert [r["batch_size"] for r in view.rows] == [1, 4, 16, 64]
    x, y = view.epoch_curve.getData()
    np.testing.assert_allclose(10**x, [1, 4, 16, 64])
    expected = [r["update_s"] * r["updates_per_epoch"] for r in view.rows]
    np.testing.assert_allclose(10**y, expected, rtol=1e-9)
    assert "CPU" in view.header.status.text()


def test_the_main_window_has_the_page_after_the_surface_lab(window):
    titles = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert titles.index("Data && batches") == titles.index("Surface Lab") + 1
    assert window.data_lab.surfaces == {}  # nothing computed until the tab is first shown

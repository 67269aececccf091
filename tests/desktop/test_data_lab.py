"""The "Data & batches" page driven as a user would, checked for what it shows.

One page for the module (building it and its first surfaces costs seconds); every test starts
from a preset with the default dataset (``fresh``), as a user choosing a comparison would.
"""

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QSpinBox

from core.data_lab import DEFAULT_SETTINGS
from core.surfaces.data import data_surface


@pytest.fixture(scope="module")
def page(qapp):
    from desktop_app.app import create_application
    from desktop_app.data_lab import page as page_module
    from desktop_app.data_lab.page import DataLabPage

    with pytest.MonkeyPatch.context() as patch:
        # Every grid point of a map costs N examples: a coarse map keeps the tests quick.
        patch.setattr(page_module, "RASTER_RESOLUTION", 48)
        create_application()
        widget = DataLabPage()
        widget.resize(1300, 850)
        widget.show()
        assert widget.wait_idle(60)
        widget.set_playing(False)
        yield widget
        widget.shutdown()
        widget.close()
        widget.deleteLater()
        qapp.processEvents()


def fresh(page, key="normalization", steps=None, batch=0):
    """The default dataset and comparison ``key``'s preset, computed and paused; ``steps`` and
    ``batch`` (None: the full batch) are set before its runs start, so only those runs run."""
    page.model.update_settings(**DEFAULT_SETTINGS)
    page.set_comparison(key)
    if steps is not None:
        page.model.update_settings(run={**page.model.settings["run"], "steps": steps})
        assert page.editor.findChild(QSpinBox, "steps").value() == steps  # the editor follows
    if batch != 0:
        page.set_batch_size(batch)
    assert page.wait_idle(60)
    page.set_playing(False)


def grab_colours(widget):
    image = widget.grab().toImage()
    return {
        image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)
    }


def test_the_page_builds_with_two_surfaces_side_by_side(page):  # first: the page as built
    assert page.comparison.count() == 3
    assert page.titles["left"].text() == "Linear regression, raw features (scales 0.3 and 3)"
    assert page.titles["right"].text() == "Linear regression, normalized features"
    for side in ("left", "right"):
        assert page.maps[side].raster is not None
        assert len(grab_colours(page.maps[side])) > 50  # a heatmap, not a blank widget
    raw, normalized = page.surfaces["left"], page.surfaces["right"]
    assert not raw.config["normalize"] and normalized.config["normalize"]
    assert raw.config["scales"] == page.model.settings["scales"] == [0.3, 3.0]
    assert page.full_batch.isChecked() and not page.batch_size.isEnabled()  # the preset's


def test_controls_write_the_model_and_the_model_drives_the_controls(page):
    fresh(page)
    events = []
    page.model.events.settings.connect(events.append)
    try:
        page.shuffle_seed.setValue(3)  # a user edit
        assert page.model.settings["shuffle_seed"] == 3 and len(events) == 1
        page.shuffle_seed.setValue(3)  # no change: no event
        page.model.update_settings(shuffle_seed=3)
        assert len(events) == 1
        page.editor.findChild(QSpinBox, "steps").setValue(12)  # the run editor: one event
        assert page.model.settings["run"]["steps"] == 12 and len(events) == 2
        assert page.wait_idle(60)
        assert page.histories["left"].count == 13  # the runs restarted with 12 updates
        page.model.update_settings(n_examples=120, scales=[0.5, 2.0])  # the model first
        assert page.n_examples.value() == 120
        assert (page.scale_1.value(), page.scale_2.value()) == (0.5, 2.0)
        assert page.titles["left"].text() == "Linear regression, raw features (scales 0.5 and 2)"
        assert page.wait_idle(60)
        assert page.surfaces["left"].n_examples == 120  # recomputed from the model
        assert page.surfaces["left"].config["scales"] == [0.5, 2.0]
    finally:
        page.model.events.settings.disconnect(events.append)
    page.set_comparison("generalization")  # a preset shows only the rows it uses
    assert page.comparison.currentData() == "generalization"
    assert page.data_form.isRowVisible(page.noise)
    assert not page.data_form.isRowVisible(page._dataset_rows["scales"])
    assert page.full_batch.isChecked() is False and page.batch_size.value() == 1
    assert page.model.kind == "data" and page.model.title == {
        "en": "Train vs test (sharp vs flat minimum)"
    }


def test_choosing_a_preset_clears_every_derived_item_before_new_results(page):
    fresh(page, "loss", steps=10)
    page.seek(4)
    page.batch_view.add_row(
        {
            "label": "1",
            "batch_size": 1,
            "seed": 0,
            "train_loss": 1.0,
            "test_loss": 2.0,
            "sharpness": 3.0,
        }
    )
    assert page.arrows["left"][0].visible() and page.readout.text()
    generation = page.model.generation
    page.set_comparison("normalization")  # no event processed in between
    assert page.model.generation == generation + 1
    assert page.histories == {} and page.surfaces == {}
    assert not any(arrow.visible() for pair in page.arrows.values() for arrow in pair)
    assert page.readout.text() == "" and page.batch_note.text() == ""
    assert page.batch_view.table.rowCount() == 0 and page.batch_view.rows == []
    assert len(page.loss_curves["left"].getData()[0] or []) == 0
    assert page.cursor == 0
    assert page.wait_idle(60)
    assert set(page.histories) == {"left", "right"}  # the new preset's runs
    assert page.histories["left"].count == 151


def test_a_small_comparison_runs_and_its_plots_grow(page, qtbot):
    fresh(page, steps=20, batch=10)
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
        # one run per map, named by the map's title: no legend box over the path
        assert not page.maps[side].run_legend.isVisible()
    # The recorded loss is the full-batch loss of the surface at each point.
    surface = page.surfaces["left"]
    history = page.histories["left"]
    expected = surface(torch.as_tensor(history.positions)).numpy()
    np.testing.assert_allclose(history.loss, expected, rtol=1e-10)
    # Epochs on the x axis: 200 examples in batches of 10 = 20 updates per epoch.
    page.x_axis.setCurrentIndex(page.x_axis.findData("epochs"))
    assert page.model.settings["x_axis"] == "epochs"
    page.seek(20)
    epochs, _ = page.loss_curves["left"].getData()
    assert epochs[-1] == pytest.approx(1.0)
    assert page.loss_plot.getPlotItem().getAxis("bottom").labelText == "epoch"


def test_both_gradients_are_drawn_at_the_current_point(page):
    fresh(page, steps=10, batch=5)
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
    text = page.readout.text()
    assert text.startswith("step 3 = epoch 0.07  —  raw features: ‖full-batch gradient‖ = ")
    assert "normalized features: ‖full-batch gradient‖" in text and "° apart" in text
    page.set_batch_size(None)  # the full batch: one arrow, the minibatch one is the same
    assert page.wait_idle(60)
    page.seek(3)
    assert page.arrows["left"][0].visible() and not page.arrows["left"][1].visible()
    assert "minibatch" not in page.readout.text()


def test_a_batch_size_above_n_shows_the_note(page):
    fresh(page, steps=20)
    page.n_examples.setValue(50)
    assert page.wait_idle(60)
    page.set_batch_size(64)
    assert page.wait_idle(60)
    note = page.batch_note.text()
    assert note == "batch size 64 is larger than the 50 examples: using the full batch"
    assert page.histories["left"].batch_size is None
    page.set_batch_size(8)
    assert page.wait_idle(60)
    assert page.batch_note.text() == ""


def test_train_vs_test_draws_one_run_on_both_maps(page):
    fresh(page, "generalization", steps=30)
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
    assert page.titles["right"].text().endswith(": test loss (shifted)")
    page.set_start("left", 0.5, -0.5)  # one window: a click moves the one shared start
    assert page.model.settings["starts"] == {"left": [0.5, -0.5], "right": [0.5, -0.5]}
    assert page.wait_idle(60)
    np.testing.assert_allclose(page.histories["left"].positions[0], [0.5, -0.5])


def test_the_batch_size_experiment_fills_its_table_and_plots(page, qtbot):
    fresh(page, "generalization", steps=15)
    page.n_examples.setValue(40)  # batch 64 is not below N: sizes 1, 8 and the full batch
    assert page.wait_idle(60)
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


def test_texts_built_from_numbers_are_translated_whole(page, qapp):
    from desktop_app import i18n

    fresh(page, steps=10, batch=5)
    page.n_examples.setValue(4)  # batch 5 > 4 examples: the note
    assert page.wait_idle(60)
    page.seek(2)
    view = page.batch_view
    view.start(["1", "full"], 2)
    row = {"batch_size": None, "label": "full", "seed": 0, "train_loss": 1.0, "test_loss": 2.0}
    view.add_row({**row, "sharpness": 3.0})
    try:
        i18n.set_language("zh")
        qapp.processEvents()
        page._frame()
        assert page.titles["left"].text() == "线性回归，原始特征（尺度 0.3 和 3）"
        assert page.batch_note.text() == "批次大小 5 大于 4 个样本：改用全批次"
        readout = page.readout.text()
        assert readout.startswith("第 2 步 = 第 ") and "原始特征：" in readout
        assert "gradient" not in readout and " and " not in page.titles["left"].text()
        assert view.table.item(0, 0).text() == "全批次"
        ticks = view.loss_plot.getPlotItem().getAxis("bottom")._tickLevels
        assert ticks[0] == [(0, "1"), (1, "全批次")]
    finally:
        i18n.set_language("en")
        qapp.processEvents()
    page._frame()
    assert page.titles["left"].text() == "Linear regression, raw features (scales 0.3 and 3)"
    assert page.batch_note.text().startswith("batch size 5 is larger than the 4 examples")
    assert view.table.item(0, 0).text() == "full"


def test_the_main_window_has_the_page_after_the_surface_lab(window):
    titles = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert titles.index("Data && batches") == titles.index("Surface Lab") + 1
    assert window.data_lab.surfaces == {}  # nothing computed until the tab is first shown
    assert window.data_lab.model.kind == "data"

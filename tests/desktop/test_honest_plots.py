"""Honest metric plots: a negative loss leaves the log axis (and the plot says so), no SI-prefix
axis labels, tick labels that never run together, quantity and run styles, and a step slider
that jumps where it is clicked."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtGui import QColor

from core.palette import METRIC_COLOURS, run_style
from core.scene import parse_scene
from tests.desktop import geometry

STEPS = 60
# x^2 - y^2 from just off the saddle's stable axis: the loss starts at 1 and falls below 0.
SADDLE = {
    "format": 1,
    "title": "Saddle",
    "surface": {"formula": "x**2 - y**2", "x_range": [-2, 2], "y_range": [-2, 2]},
    "runs": [
        {
            "label": "GD",
            "optimizer": {"name": "sgd", "lr": 0.05},
            "start": [1.0, 0.05],
            "steps": STEPS,
        }
    ],
}
# A bowl with a small learning rate: the gradient norm falls over many decades, the learning
# rate is 0.001 (pyqtgraph would label its axis "(x0.001)").
BOWL = {
    "format": 1,
    "title": "Bowl",
    "surface": {"formula": "x**2 + 3*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {"label": "slow", "optimizer": {"name": "sgd", "lr": 0.001}, "start": [2.0, 1.0]},
        {"label": "fast", "optimizer": {"name": "sgd", "lr": 0.15}, "start": [-2.0, 1.5]},
        {"label": "adam", "optimizer": {"name": "adam", "lr": 0.05}, "start": [1.0, -2.0]},
    ],
}
for run in BOWL["runs"]:
    run["steps"] = 300


@pytest.fixture(scope="module")
def page(qapp):
    """One Surface Lab page for the module, shown offscreen (its plots only need a layout)."""
    from desktop_app.app import create_application
    from desktop_app.surface_lab.page import SurfaceLabPage

    create_application()
    lab = SurfaceLabPage("en")
    lab.resize(1200, 800)
    lab.show()
    yield lab
    lab.shutdown()
    lab.close()
    lab.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def open_scene(page, data: dict) -> None:
    page.load_scene(parse_scene(data))
    page.set_playing(False)
    assert page.wait_idle(60)
    page.seek(page.max_step())


def settle(qapp, widget) -> None:
    for _ in range(3):
        widget.grab()  # a paint lets the axes measure their labels
        qapp.processEvents()


def test_a_loss_below_zero_switches_the_loss_plot_to_a_symlog_axis_and_says_so(page, qapp):
    from desktop_app.surface_lab.plots import symlog_inverse

    open_scene(page, SADDLE)
    plots, run_id = page.plots, next(iter(page.runs))
    track = page.recorder.get(run_id)
    assert track.loss[0, 0] > 0 and track.loss[STEPS, 0] < 0  # the scene does go below 0

    assert not plots.loss_axis_is_log() and plots.loss_axis_is_symlog()
    assert plots.log_loss.isChecked()  # the user's choice is kept for when it fits again
    title = plots.plots["loss"].titleLabel.text
    assert "symmetric log axis" in title and "below 0" in title
    axis = plots.plots["loss"].getAxis("left")
    _, shown = plots.curves["loss"][run_id].getData()
    # Every loss is drawn, the negative ones included: nothing is hidden by a log of < 0.
    assert np.isfinite(shown).all()
    expected = track.loss[: STEPS + 1, 0]
    np.testing.assert_allclose(symlog_inverse(shown, axis.linear_width), expected)
    settle(qapp, page)
    ticks = [text for _rect, text in geometry.tick_label_rects(axis)]
    values = [float(text) for text in ticks]  # labelled by the losses, not their logs
    assert 0.0 in values and min(values) <= -10, ticks

    first_negative = int(np.argmax(track.loss[:, 0] < 0))
    page.seek(first_negative - 1)  # all losses shown are still positive: log again
    assert plots.loss_axis_is_log() and plots.plots["loss"].titleLabel.text == "loss"
    _, shown = plots.curves["loss"][run_id].getData()
    np.testing.assert_allclose(10**shown, track.loss[:first_negative, 0])  # drawn as log10
    page.seek(first_negative)
    assert not plots.loss_axis_is_log() and plots.loss_axis_is_symlog()

    plots.set_run_visible(run_id, False)  # a hidden run does not decide the axis
    assert plots.loss_axis_is_log()
    plots.set_run_visible(run_id, True)
    assert plots.loss_axis_is_symlog()
    plots.log_loss.setChecked(False)  # linear by choice: no note needed
    assert not plots.loss_axis_is_symlog()
    assert "below 0" not in plots.plots["loss"].titleLabel.text
    _, shown = plots.curves["loss"][run_id].getData()
    np.testing.assert_allclose(shown, track.loss[: first_negative + 1, 0])
    plots.log_loss.setChecked(True)
    assert "symmetric log axis" in plots.plots["loss"].titleLabel.text


def test_symlog_ticks_read_as_losses():
    from desktop_app.surface_lab.plots import symlog, symlog_inverse, tick_text

    values = np.array([-2000.0, -1.5, 0.0, 0.3, 7.0])
    np.testing.assert_allclose(symlog_inverse(symlog(values, 0.1), 0.1), values)
    assert symlog(0.1, 0.1) == pytest.approx(np.log10(2))  # linear inside, log beyond
    texts = [tick_text(v) for v in (0, 0.001, 0.25, -2000, 1e5, -3e-5)]
    assert texts == ["0", "0.001", "0.25", "-2000", "1e5", "-3e-5"]


def test_the_loss_plot_can_say_which_loss_it_shows(page):
    plots = page.plots
    plots.set_loss_name("cross-entropy")
    try:
        assert plots.title_text("loss").startswith("loss: cross-entropy")
        assert "loss: cross-entropy" in plots.plots["loss"].titleLabel.text
    finally:
        plots.set_loss_name("")
    from core.surfaces import make_surface

    mse = make_surface({"data": {"model": "classifier_1d", "loss": "mse"}})
    plots.set_loss_of(mse, "zh")
    assert plots.title_text("loss").startswith("loss: 均方误差")  # the test runs in English
    plots.set_loss_of(make_surface({"formula": "x**2 - y**2"}), "en")  # no loss named: plain
    assert "loss:" not in plots.title_text("loss")
    assert plots.title_text("loss") in ("loss", "loss (symmetric log axis: the loss goes below 0)")


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=["1024x768", "1920x1080"])
def test_axes_have_no_si_prefix_label_and_no_colliding_tick_labels(page, qapp, size):
    if page.title.get("en") != "Bowl":
        open_scene(page, BOWL)
    page.resize(*size)
    settle(qapp, page)
    plots = page.plots
    grad = np.concatenate([page.recorder.get(run_id).grad_norm[:, 0] for run_id in page.runs])
    assert plots.plots["grad_norm"].ctrl.logYCheck.isChecked()
    assert np.nanmax(grad) / np.nanmin(np.abs(grad[grad > 0])) > 1e2  # several decades shown
    for metric, plot in plots.plots.items():
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            assert axis.autoSIPrefixScale == 1.0, (metric, side)
            assert "(x" not in axis.labelString(), (metric, side)
        assert not geometry.colliding_ticks(plot), geometry.colliding_ticks(plot)
    lr_ticks = [
        text for _rect, text in geometry.tick_label_rects(plots.plots["lr"].getAxis("left"))
    ]
    assert lr_ticks
    for text in lr_ticks:  # plain or scientific numbers, read as they are written
        float(text.replace("−", "-"))
    assert any(float(text.replace("−", "-")) >= 0.05 for text in lr_ticks)  # 0.15, not "150"


def test_runs_keep_their_colour_and_get_their_dash_and_quantities_their_colour(page):
    if page.title.get("en") != "Bowl":
        open_scene(page, BOWL)
    plots = page.plots
    for index, (run_id, run) in enumerate(page.runs.items()):
        for metric in ("loss", "grad_norm", "lr"):
            pen = plots.curves[metric][run_id].opts["pen"]
            assert pen.color().name() == run.color.name()
            dashes = [round(d) for d in pen.dashPattern()] if run_style(index).dash else []
            assert dashes == list(run_style(index).dash), (index, metric)
    assert len({tuple(run_style(i).dash) for i in range(len(page.runs))}) == len(page.runs)
    # A plot of one quantity names it in that quantity's colour, never validation's orange.
    for metric in ("lr", "grad_norm"):
        title = plots.plots[metric].titleLabel.text
        assert f"color:{METRIC_COLOURS[metric]}" in title
        assert METRIC_COLOURS["val"] not in title
    # An explicit index gives that run's style, whatever the order the runs came in.
    plots.ensure_run("extra", QColor("#123456"), index=3)
    try:
        pen = plots.curves["loss"]["extra"].opts["pen"]
        assert [round(d) for d in pen.dashPattern()] == list(run_style(3).dash)
        assert pen.color().name() == "#123456"
    finally:
        plots.remove_run("extra")


def test_clicking_the_step_slider_jumps_to_that_step(page, qapp, qtbot):
    open_scene(page, SADDLE)
    page.seek(0)
    slider = page.transport.slider
    assert slider.maximum() == STEPS and slider.pageStep() < STEPS // 2
    settle(qapp, page)
    for fraction in (0.75, 0.3):
        x = slider.width() * fraction
        expected = slider.value_at(x)
        assert abs(expected - fraction * STEPS) <= 0.1 * STEPS
        with qtbot.waitSignal(page.transport.scrubbed, timeout=2000) as scrub:
            qtbot.mouseClick(
                slider, Qt.MouseButton.LeftButton, pos=QPoint(round(x), slider.height() // 2)
            )
        assert slider.value() == expected  # there at once, not one page step towards it
        assert scrub.args[0] == expected and page.current_step() == expected


def test_a_data_surface_names_its_axes_and_loss_and_offers_no_drawing(page, qapp):
    """The MSE lesson's surface is a data set: the picker says so (not "Drawn…") and hides the
    draw tools, the map's axes are the parameters w and b, the readout uses them, and the loss
    plot names its loss; a formula afterwards goes back to x and y and a plain "loss"."""
    import resources
    from core.lab import HoverPoint
    from core.scene import load_scene

    page.load_scene(load_scene(resources.path("scenes", "loss_mse_classifier.json")))
    page.set_playing(False)
    assert page.wait_idle(60)
    picker = page.picker
    assert picker.builtin.currentData() == "data"
    assert picker.builtin.currentText() == "Data set (from the scene)"
    assert not picker.draw_box.isVisibleTo(picker) and not picker.formula_box.isVisibleTo(picker)
    assert picker.note.text()  # the data surface's own note
    axis = page.map.plot.getAxis
    assert (axis("bottom").labelText, axis("left").labelText) == ("w", "b")
    assert page.map.readout_text(HoverPoint(x=1.0, y=-2.0, loss=0.5)).startswith("w = 1")
    assert page.plots.title_text("loss").startswith("loss: mean squared error")
    page.set_surface({"formula": "x**2 + y**2"})
    assert page.wait_idle(60)
    assert (axis("bottom").labelText, axis("left").labelText) == ("x", "y")
    assert "loss:" not in page.plots.title_text("loss")

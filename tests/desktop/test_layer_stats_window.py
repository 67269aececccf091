"""Inside the layers (Tools ▸ Inside the layers…): both networks of the Network Lab's task,
batch norm off | on, trained in the background; histograms and summaries drawn per layer at the
slider's epoch, the loss curves overlaid; stopped; in both languages; errors shown. One window
for the module on a stand-in Network Lab page; a tiny task (2 layers, 4 epochs)."""

import copy
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QApplication, QWidget

from core.nets.layer_stats import layer_stats_records
from desktop_app import i18n
from desktop_app.layer_stats import menu_text, show_layer_stats_window
from desktop_app.layer_stats.window import LayerStatsWindow, plan_layer_stats
from desktop_app.network_lab.settings import default_settings
from desktop_app.style import LINE_SCALE, appearance
from desktop_app.tuning.worker import plan_dataset
from desktop_app.widgets.labels import ERROR_COLOUR
from desktop_app.widgets.tool_window import DONE, FAILED, STOPPED
from tests.desktop.conftest import dispose


def tiny_settings(hidden=(6, 5)):
    settings = default_settings()
    settings["dataset"].update(name="moons", size=100)
    settings["model"].update(hidden=list(hidden), activation="tanh")
    settings["training"].update(optimizer={"name": "adam", "lr": 0.02}, batch_size=32)
    return settings


class FakeMain(QWidget):
    """The main window as the tool sees it: a parent with ``network_lab``."""

    def __init__(self, page):
        super().__init__()
        self.network_lab = page


@pytest.fixture(scope="module")
def page():
    return SimpleNamespace(model=SimpleNamespace(settings=tiny_settings()), device="cpu")


@pytest.fixture(scope="module")
def main(qapp, page):
    window = FakeMain(page)
    yield window
    tool = window.findChild(LayerStatsWindow)
    if tool is not None:
        tool.shutdown()
    dispose(window)


@pytest.fixture(scope="module")
def window(main):
    tool = show_layer_stats_window(main)
    assert show_layer_stats_window(main) is tool  # made once, shown again
    return tool


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture(scope="module")
def finished(window):
    window.epochs.setValue(4)
    window.run_button.click()
    assert window.runner.running()
    assert wait_until(lambda: window.state == DONE), window.status.text()
    return window


def test_the_window_reads_the_network_labs_task(main, window):
    assert window.parent() is main and window.isVisible()
    assert menu_text() == "&Inside the layers…"
    text = window.task.text()
    assert text.startswith("On the Network Lab's task: the “moons” data, hidden layers 6-5 (tanh)")
    for view in window.views.values():  # no plot yet: the theme's background, not black
        assert view.backgroundBrush().color() == appearance().plot_background()
    assert "batch size 32" in text


def test_plotted_histograms_and_losses_are_cores_records(page, finished):
    window = finished
    plan = plan_layer_stats(page.model.settings, 4)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the worker: the same sums in the same order
    try:
        items = list(layer_stats_records(plan_dataset(plan), plan.model, plan.train, epochs=4))
    finally:
        torch.set_num_threads(threads)
    bins, records = items[0], items[1:]
    assert np.array_equal(window.bins.pre_edges[1], bins.pre_edges[1])
    assert window.epochs_shown() == [0, 1, 2, 3, 4]
    assert window.slider.value() == window.slider.maximum() == 4  # followed the training
    assert window.status.text() == "Done: 10 records."
    for epoch in (4, 1):
        window.slider.setValue(epoch)
        assert window.epoch_text.text() == f"epoch {epoch} of 4"
        for record in (r for r in records if r.epoch == epoch):
            for layer in record.layers:
                pre = window.curves[(record.batch_norm, layer.layer, "pre")]
                grad = window.curves[(record.batch_norm, layer.layer, "grad")]
                assert np.array_equal(pre.yData, layer.pre_counts)
                assert np.array_equal(grad.yData, layer.grad_counts)
                assert np.array_equal(pre.xData, bins.pre_edges[layer.layer])
                title = window.plots[(record.batch_norm, layer.layer, "pre")].titleLabel.text
                assert f"mean {layer.mean:.2f}, std {layer.std:.2f}, saturated" in title
        assert window.epoch_line.value() == epoch
    for on in (False, True):
        losses = [r.train_loss for r in records if r.batch_norm == on]
        x, y = window.loss_curves[on].getData()
        assert list(x) == [0, 1, 2, 3, 4] and np.allclose(y, losses, rtol=1e-5)
    ticks = window.loss_plot.getAxis("bottom")._tickLevels[0]  # whole epochs, never "0.5"
    assert [text for _position, text in ticks] == ["0", "1", "2", "3", "4"]
    # With batch norm the first layer's pre-activations start at mean 0, std 1 (training mode).
    window.slider.setValue(0)
    title = window.plots[(True, 0, "pre")].titleLabel.text
    assert "mean 0.00, std 1.00" in title or "mean -0.00, std 1.00" in title


def test_stop_ends_training_and_keeps_what_was_recorded(window):
    window.epochs.setValue(2000)
    assert window.run()
    assert wait_until(lambda: len(window.records[True]) >= 2)
    window.stop_button.click()
    assert window.state == STOPPED and not window.runner.running()
    assert window.runner.wait(10000)
    counts = (len(window.records[False]), len(window.records[True]))
    QApplication.processEvents()
    assert (len(window.records[False]), len(window.records[True])) == counts
    assert counts[0] < 60
    assert window.status.text().startswith(f"Stopped after {sum(counts)} of 120 records")
    assert window.run_button.isEnabled() and not window.stop_button.isEnabled()


def test_the_window_speaks_chinese_after_a_live_switch(window):
    try:
        i18n.set_language("zh")
        QApplication.processEvents()  # Qt posts LanguageChange to every widget
        assert window.windowTitle() == "深入各层 — LossLab"
        assert window.headers[True].text() == "使用批归一化"
        assert window.run_button.text() == "运行"
        assert window.task.text().startswith("基于网络实验室的任务：“moons”数据")
        assert window.plots[(False, 0, "pre")].titleLabel.text.startswith("第 1 层激活前的值")
        assert menu_text() == "深入各层(&I)…"
    finally:
        i18n.set_language("en")
        QApplication.processEvents()
    assert window.headers[True].text() == "Batch norm on"


def test_every_histogram_fits_its_side_at_1024_px_in_chinese_presenter_mode(finished):
    """A one-line title ("layer 1 pre-activations: mean …, std …, saturated …") set its plot's
    minimum width, and the gradient histogram beside it ran out of the window."""
    window = finished
    try:
        i18n.set_language("zh")
        appearance().set_presenter(True)
        window.resize(1024, 768)
        assert wait_until(lambda: window.width() == 1024, 5)
        wait_until(lambda: False, 0.2)  # the plots' layouts settle
        for (on, _layer, _kind), plot in window.plots.items():
            assert plot.sceneBoundingRect().right() <= window.views[on].width() + 1
        what, numbers = window.plots[(False, 0, "pre")].titleLabel.text.split("<br>")
        assert what == "第 1 层激活前的值" and numbers.startswith("均值 ")
        assert window.plots[(True, 1, "grad")].titleLabel.text.split("<br>")[1].startswith("均方根")
    finally:
        appearance().set_presenter(False)
        i18n.set_language("en")
        QApplication.processEvents()


def test_errors_are_shown(window, page):
    window.runner.wait(10000)
    good = page.model.settings
    try:
        page.model.settings = tiny_settings(hidden=())
        assert window.run()  # accepted here; the engine refuses it in the worker
        assert wait_until(lambda: window.state == FAILED)
        assert window.status.text() == (
            "Training failed: ValueError: the model has no hidden layer to look inside"
        )
        assert window.status.palette().windowText().color().name() == ERROR_COLOUR
        broken = copy.deepcopy(good)
        broken["training"]["optimizer"] = {"name": "adam", "lr": -1.0}
        page.model.settings = broken
        assert not window.run()
        assert "lr" in window.status.text() and not window.runner.running()
    finally:
        page.model.settings = good
    window.network_lab = lambda: None
    try:
        assert not window.run()
        assert window.status.text() == "The Network Lab is not ready yet."
    finally:
        window.network_lab = lambda: page


def test_presenter_mode_widens_the_histograms_and_curves(finished):
    window = finished
    look = appearance()
    histogram = window.curves[(True, 1, "grad")]
    widths = (histogram.opts["pen"].widthF(), window.loss_curves[True].opts["pen"].widthF())
    look.set_presenter(True)
    try:
        assert histogram.opts["pen"].widthF() == pytest.approx(widths[0] * LINE_SCALE)
        assert window.loss_curves[True].opts["pen"].widthF() == pytest.approx(
            widths[1] * LINE_SCALE
        )
    finally:
        look.set_presenter(False)
    assert histogram.opts["pen"].widthF() == pytest.approx(widths[0])

"""Double descent (Tools ▸ Double descent…): the width sweep runs in the background, its test and
training errors drawn on log axes as they come, the interpolation threshold marked; stopped; in
both languages; errors shown. One window for the module."""

import math
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QWidget

from core.nets.double_descent import DoubleDescentTask, default_widths, double_descent_sweep
from desktop_app import i18n
from desktop_app.double_descent import menu_text, show_double_descent_window
from desktop_app.double_descent import window as window_module
from desktop_app.double_descent.window import ERROR_FLOOR, DoubleDescentWindow
from desktop_app.style import LINE_SCALE, MARKER_SCALE, appearance
from desktop_app.widgets.labels import ERROR_COLOUR
from desktop_app.widgets.tool_window import DONE, FAILED, STOPPED
from tests.desktop.conftest import dispose


@pytest.fixture(scope="module")
def main(qapp):
    window = QWidget()
    yield window
    tool = window.findChild(DoubleDescentWindow)
    if tool is not None:
        tool.shutdown()
    dispose(window)


@pytest.fixture(scope="module")
def window(main):
    tool = show_double_descent_window(main)
    assert show_double_descent_window(main) is tool
    return tool


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def settle(window):
    window.stop()
    assert window.runner.wait(20000)
    QApplication.processEvents()


@pytest.fixture(scope="module")
def finished(window):
    window.points.setValue(20)
    window.seeds.setValue(3)
    window.max_width.setValue(100)
    window.run_button.click()
    assert window.runner.running()
    assert wait_until(lambda: window.state == DONE), window.status.text()
    return window


def test_plotted_errors_are_cores_sweep(finished):
    window = finished
    assert menu_text() == "&Double descent…"
    task = DoubleDescentTask(
        train_points=20, noise=0.2, seeds=(0, 1, 2), widths=default_widths(100, 20)
    )
    expected = list(double_descent_sweep(task))
    x, test = window.curves["test"].xData, window.curves["test"].yData  # not log10 as drawn
    train = window.curves["train"].yData
    assert list(x) == [r.width for r in expected] and {19, 20, 21} <= set(x)
    assert np.allclose(test, [r.test_error for r in expected])
    assert np.allclose(train, [max(r.train_error, ERROR_FLOOR) for r in expected])
    assert train[list(x).index(20)] == ERROR_FLOOR  # interpolates: drawn at the floor
    # The threshold line sits at width 20 (the axis is logarithmic) with its label.
    assert window.threshold_line.isVisible()
    assert window.threshold_line.value() == pytest.approx(math.log10(20))
    assert window.threshold_line.label.format == "interpolation threshold p = n = 20"
    worst = max(expected, key=lambda r: r.test_error)
    assert worst.width == 20
    assert window.status.text() == (
        f"Done: {len(expected)} widths. The test error is highest at width 20 "
        f"({worst.test_error:.3g}); the threshold is at width 20."
    )


def test_stop_ends_the_sweep_and_keeps_the_widths_done(window):
    settle(window)
    window.points.setValue(500)
    window.seeds.setValue(20)
    window.max_width.setValue(1000)
    try:
        assert window.run()
        assert not window.points.isEnabled()
        assert wait_until(lambda: len(window.results) >= 1)
        window.stop_button.click()
        assert window.state == STOPPED and not window.runner.running()
        assert window.runner.wait(20000)
        done = len(window.results)
        QApplication.processEvents()
        assert len(window.results) == done < len(window.task.widths)
        assert window.status.text() == f"Stopped after {done} of {len(window.task.widths)} widths."
        assert len(window.curves["test"].xData) == done
        assert window.points.isEnabled() and window.run_button.isEnabled()
    finally:
        window.points.setValue(20)
        window.seeds.setValue(3)
        window.max_width.setValue(100)


def test_the_window_speaks_chinese_after_a_live_switch(window):
    settle(window)
    window.run()
    assert wait_until(lambda: window.state == DONE)
    try:
        i18n.set_language("zh")
        QApplication.processEvents()  # Qt posts LanguageChange to every widget
        assert window.windowTitle() == "双下降 — LossLab"
        assert window.points_label.text() == "训练点数："
        assert window.threshold_line.label.format == "插值阈值 p = n = 20"
        assert window.status.text().startswith("完成：")
        assert "随机特征模型" in window.explanation.text()
        assert menu_text() == "双下降(&D)…"
    finally:
        i18n.set_language("en")
        QApplication.processEvents()
    assert window.points_label.text() == "Training points:"


def test_errors_are_shown(window, monkeypatch):
    settle(window)

    def broken(_task):
        raise MemoryError("no room for the features")
        yield  # a generator, as the real sweep

    monkeypatch.setattr(window_module, "double_descent_sweep", broken)
    assert window.run()
    assert wait_until(lambda: window.state == FAILED)
    assert window.status.text() == "The sweep failed: MemoryError: no room for the features"
    assert window.status.palette().windowText().color().name() == ERROR_COLOUR

    def refused():
        raise ValueError("training points must be between 2 and 500, got 1")

    monkeypatch.setattr(window, "make_task", refused)
    assert not window.run()
    assert window.status.text() == "training points must be between 2 and 500, got 1"


def test_presenter_mode_widens_the_curves_and_markers(window):
    look = appearance()
    pen = window.curves["test"].opts["pen"].widthF()
    marker = window.curves["test"].opts["symbolSize"]
    look.set_presenter(True)
    try:
        assert window.curves["test"].opts["pen"].widthF() == pytest.approx(pen * LINE_SCALE)
        assert window.curves["test"].opts["symbolSize"] == pytest.approx(marker * MARKER_SCALE)
    finally:
        look.set_presenter(False)
    assert window.curves["test"].opts["pen"].widthF() == pytest.approx(pen)


def test_the_threshold_label_follows_presenter_mode(window):
    look = appearance()
    label = window.threshold_line.label
    normal = label.textItem.font().pointSizeF()
    look.set_presenter(True)
    try:
        size = label.textItem.font().pointSizeF()
        assert size == pytest.approx(look.font(-1).pointSizeF()) and size > normal
    finally:
        look.set_presenter(False)
    assert label.textItem.font().pointSizeF() == pytest.approx(normal)


def test_the_width_axis_reads_1_2_5_up_to_the_largest_width(finished):
    """pyqtgraph's log labels ran together ("9 10¹") and mixed "5" with "2·10¹"."""
    levels = finished.plot.getAxis("bottom")._tickLevels  # what setTicks set
    texts = [text for _position, text in levels[0]]
    assert texts == ["1", "2", "5", "10", "20", "50", "100"]  # the largest width: 100
    assert [position for position, _text in levels[0]][3] == pytest.approx(1.0)  # log10(10)

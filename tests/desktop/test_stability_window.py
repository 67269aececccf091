"""Edge of stability (Tools ▸ Edge of stability…): the Network Lab's task trained four ways in the
background, the sharpness drawn against each threshold, the losses, and one configuration's
Hessian spectrum as a heat map; stopped; one failing configuration shown on its row while the
others finish; in both languages. One window for the module on a small task (2-6-2, 20 epochs)."""

import math
import time
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QApplication, QWidget

from core.nets.stability import StabilityConfig, config_records
from desktop_app import i18n
from desktop_app.network_lab.settings import default_settings
from desktop_app.stability import menu_text, show_stability_window, worker
from desktop_app.stability.window import StabilityWindow
from desktop_app.style import appearance
from desktop_app.tuning.worker import plan_dataset
from desktop_app.widgets.tool_window import DONE, STOPPED
from tests.desktop.conftest import dispose

EPOCHS, EVERY = 20, 5


def small_settings() -> dict:
    settings = default_settings()
    settings["dataset"] = {**settings["dataset"], "size": 100}
    settings["model"] = {**settings["model"], "hidden": [6]}
    settings["training"] = {**settings["training"], "optimizer": {"name": "adam", "lr": 0.05}}
    return settings


@pytest.fixture(scope="module")
def main(qapp):
    """A stand-in main window: what the tool reads of it is ``network_lab.model.settings``."""
    owner = QWidget()
    owner.network_lab = SimpleNamespace(model=SimpleNamespace(settings=small_settings()))
    yield owner
    window = owner.findChild(StabilityWindow)
    if window is not None:
        window.shutdown()
    dispose(owner)


@pytest.fixture(scope="module")
def window(main):
    shown = show_stability_window(main)
    assert show_stability_window(main) is shown  # made once, found again
    return shown


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def run_to_the_end(window, epochs=EPOCHS, every=EVERY):
    window.epochs.setValue(epochs)
    window.every.setValue(every)
    window.run_button.click()
    assert window.runner.running()
    assert wait_until(lambda: window.state == DONE, 90), window.status.text()


@pytest.fixture(scope="module")
def finished(window):
    run_to_the_end(window)
    return window


@pytest.fixture(scope="module")
def expected(finished):
    """Core's own records for the same plan, computed here."""
    plan = finished.plan
    data = plan_dataset(plan)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the worker computes
    try:
        return {
            config.key: list(
                config_records(
                    data, plan.model, plan.base, config, epochs=plan.epochs, every=plan.every
                )
            )
            for config in plan.configs
        }
    finally:
        torch.set_num_threads(threads)


def curve(item) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = item.getOriginalDataset()
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def test_the_plotted_sharpness_and_loss_are_cores_records(finished, expected):
    assert list(expected) == ["gd", "gd_edge", "sgd", "adam"]
    for key, records in expected.items():
        assert [r.epoch for r in records] == [0, 5, 10, 15, 20]
        xs, ys = curve(finished.plots.sharp_curves[key])
        np.testing.assert_array_equal(xs, [r.epoch for r in records])
        np.testing.assert_allclose(ys, [r.shown for r in records], rtol=1e-9)
        xs, ys = curve(finished.plots.loss_curves[key])
        np.testing.assert_allclose(ys, [r.train_loss for r in records], rtol=1e-9)
    adam = curve(finished.plots.sharp_curves["adam"])[1]
    assert adam[-1] == pytest.approx(expected["adam"][-1].preconditioned, rel=1e-9)
    assert finished.progress.value() == finished.progress.maximum() == 4 * 5
    assert finished.plots.sharp_plot.getAxis("left").logMode  # 2/η and 38/η far apart
    losses = [r.train_loss for records in expected.values() for r in records]
    spans_a_decade = max(losses) >= 10 * min(losses)
    assert finished.plots.loss_plot.getAxis("left").logMode == spans_a_decade


def test_the_threshold_lines_are_at_two_over_the_learning_rate(finished, expected):
    lines = finished.plots.threshold_lines
    edge = expected["gd_edge"][0].lr
    for key, lr, factor in (("gd", 0.05, 2), ("gd_edge", edge, 2), ("sgd", edge, 2)):
        xs, ys = curve(lines[key])
        np.testing.assert_allclose(ys, [factor / lr, factor / lr], rtol=1e-12)
        np.testing.assert_array_equal(xs, [0, EPOCHS])
    _, ys = curve(lines["adam"])
    np.testing.assert_allclose(ys, [38 / 0.05] * 2, rtol=1e-12)  # (2 + 2 β1)/((1 − β1) η)
    assert lines["gd"].opts["pen"].style() != finished.plots.sharp_curves["gd"].opts["pen"].style()
    assert finished.table.item(0, 2).text() == "2/η = 40"
    assert "38/η = 760" in finished.table.item(3, 2).text()


def test_the_heat_map_is_cores_spectrum_histograms(finished, expected):
    plots = finished.plots
    for index, key in ((1, "gd_edge"), (3, "adam")):
        finished.spectrum_choice.setCurrentIndex(index)
        assert finished.chosen() == key
        counts = np.stack([r.histogram for r in expected[key]]).T
        np.testing.assert_array_equal(plots.image.image, np.log10(1.0 + counts))
        assert plots.image.levels is not None
        top = max(np.log10(1.0 + counts.max()), 1.0)  # at least 1: one eigenvalue in 10 shows
        assert tuple(plots.image.levels) == (0.0, pytest.approx(top))
        assert finished.plots.colorbar.levels() == (0.0, pytest.approx(top))
        assert all(column.sum() == 2 * 6 + 6 + 6 * 2 + 2 for column in counts.T)
        _, negatives = curve(plots.negative_curve)
        np.testing.assert_array_equal(negatives, [r.negative for r in expected[key]])


def test_stop_keeps_what_was_measured(finished):
    finished.epochs.setValue(2000)
    finished.every.setValue(1)
    finished.run_button.click()
    assert wait_until(lambda: len(finished.records["gd"]) >= 2, 60)
    finished.stop_button.click()
    assert finished.state == STOPPED and not finished.runner.running()
    assert finished.runner.wait(20000)
    counts = {key: len(rows) for key, rows in finished.records.items()}
    wait_until(lambda: False, 0.3)
    assert {key: len(rows) for key, rows in finished.records.items()} == counts  # no more
    assert counts["gd"] < 2001
    assert finished.run_button.isEnabled() and not finished.stop_button.isEnabled()
    assert "stopped at epoch" in finished.table.item(0, 3).text()


def test_one_failing_config_shows_its_error_while_the_others_finish(finished, monkeypatch):
    plain = worker.plan_stability

    def with_a_broken_sgd(settings, epochs, every, **choices):
        plan = plain(settings, epochs, every, **choices)
        broken = StabilityConfig("sgd", {"name": "sgd", "lr": -1.0}, 16)
        configs = tuple(broken if c.key == "sgd" else c for c in plan.configs)
        return replace(plan, configs=configs)

    monkeypatch.setattr(worker, "plan_stability", with_a_broken_sgd)
    run_to_the_end(finished)
    state = finished.table.item(2, 3).text()
    assert state == "failed: ValueError: lr must be >= 0 (a number >= 0), got -1.0"
    assert finished.records["sgd"] == []
    for row, key in ((0, "gd"), (1, "gd_edge"), (3, "adam")):
        assert len(finished.records[key]) == 5
        assert finished.table.item(row, 3).text().startswith("done: 20 epochs")
    assert finished.status.text().startswith("Done in")
    assert finished.table.item(2, 3).foreground().color().name() == "#c62828"


def test_chinese_retranslates_the_window(finished):
    try:
        i18n.set_language("zh")
        assert wait_until(lambda: finished.windowTitle() == "稳定性边缘 — LossLab", 5)
        assert menu_text() == "稳定性边缘(&E)…"
        assert finished.run_button.text() == "运行"
        assert finished.table.horizontalHeaderItem(2).text() == "阈值"
        assert finished.table.item(0, 0).text() == "GD，你的学习率"
        assert finished.spectrum_choice.itemText(3) == "Adam（全批次）"
        assert finished.plots.sharp_plot.titleLabel.text.startswith("尖锐度")
        assert "稳定性边缘" in finished.explanation.text()
    finally:
        i18n.set_language("en")
    assert wait_until(lambda: finished.windowTitle() == "Edge of stability — LossLab", 5)
    assert finished.table.item(0, 0).text() == "GD, your learning rate"
    assert not math.isnan(finished.records["gd"][0].sharpness)


def test_the_window_fits_a_1024_screen_in_chinese_presenter_mode(finished):
    """The controls in one row needed 1115 px, 1231 px in Chinese presenter mode, 1054 px on
    the dark theme; the explanation was cut off at the bottom instead of scrolling."""
    try:
        appearance().set_presenter(True)
        for language, theme in (("en", "dark"), ("zh", "light"), ("zh", "dark")):
            i18n.set_language(language)
            appearance().set_theme(theme)  # the dark theme's boxes are wider
            QApplication.processEvents()
            assert finished.minimumSizeHint().width() <= 1000, (language, theme)
        negative = finished.plots.negative_curve.opts["pen"]  # was left thin: normal width
        assert negative.widthF() == pytest.approx(appearance().width(2.0))
        finished.resize(1024, 768)
        assert wait_until(lambda: finished.width() == 1024, 5)
        scroll = finished.explanation_scroll
        assert scroll.widget() is finished.explanation
        assert scroll.verticalScrollBar().maximum() > 0  # longer than its room: it scrolls
        assert scroll.horizontalScrollBar().maximum() == 0
    finally:
        appearance().set_presenter(False)
        appearance().set_theme("light")
        i18n.set_language("en")

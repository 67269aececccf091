"""The learning-rate range test window ("Find learning rate…" in the Network Lab's training form):
the sweep on a copy of the lab's network drawn as it comes, its suggestion marked and applied,
stopped, refused, failed, and in Chinese. One Network Lab page and one window for the module."""

import math

import numpy as np
import pytest
import torch
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QWidget

from core.nets.datasets import make_dataset
from core.nets.lr_finder import lr_range_test
from core.nets.models import build_model, loss_function
from core.nets.trainer import TrainConfig
from desktop_app import i18n
from desktop_app.lr_range import menu_text, show_lr_range_window
from desktop_app.lr_range import window as lr_window
from desktop_app.lr_range.window import LrRangeWindow, applicable_lr
from desktop_app.network_lab.settings import setup_of_settings
from desktop_app.style import appearance
from desktop_app.tuning.texts import value_text
from desktop_app.widgets.labels import ERROR_COLOUR
from desktop_app.widgets.tool_window import DONE, FAILED, STOPPED
from tests.desktop.conftest import dispose, network_lab_page


@pytest.fixture(scope="module")
def lab(qapp):
    with network_lab_page() as page:
        yield page


@pytest.fixture(scope="module")
def main(lab):
    """A stand-in for the main window: it owns the tool window and gives the page its
    callback, as the main window does."""
    owner = QWidget()
    owner.network_lab = lab
    lab.open_lr_range = lambda: show_lr_range_window(owner)
    yield owner
    window = owner.findChild(LrRangeWindow)
    if window is not None:
        window.shutdown()
    lab.open_lr_range = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lab, "ask_rebuild", lambda: True)
        dispose(owner)


@pytest.fixture(scope="module")
def window(main, lab):
    """The window, opened as a user does: the training form's "Find learning rate…"."""
    button = lab.training_form.find_lr_button
    assert button.isVisibleTo(lab) and button.text() == "Find learning rate…"
    button.click()
    found = main.findChild(LrRangeWindow)
    assert found is not None and found.isVisible()
    return found


def set_training(lab, **changes):
    training = {**lab.model.settings["training"], **changes}
    lab.model.update_settings(training=training)


def run_to_the_end(window, lab, steps=100, start_lr=1e-7, end_lr=10.0):
    window.start_lr.setValue(start_lr)
    window.end_lr.setValue(end_lr)
    window.steps.setValue(steps)
    window.run_button.click()
    assert window.state != FAILED, window.status.text()
    assert lab.wait_for(lambda: window.state == DONE, 60), window.status.text()
    return window.result


def core_result(lab, **sweep):
    """The range test computed here, straight from core, on the lab's settings."""
    setup = setup_of_settings(lab.model.settings)
    train: TrainConfig = setup.train
    data = make_dataset(**setup.data)
    model = build_model(setup.model, data.input_dim, data.output_dim, seed=train.seed)
    loss_fn = loss_function(train.loss, data.task, data.classes)
    return lr_range_test(
        model,
        loss_fn,
        torch.as_tensor(data.x_train, dtype=torch.float32),
        torch.as_tensor(data.y_train, dtype=torch.int64),
        train.optimizer,
        batch_size=train.batch_size,
        seed=train.seed,
        **sweep,
    )


def test_the_button_shows_only_with_a_callback_and_opens_one_window(main, lab, window):
    assert menu_text() == "Learning-rate &range test…"
    assert "circles" in window.task.text() and "adam" in window.task.text()
    assert window.status.text().startswith("Run the sweep: 100 updates")
    assert not window.apply_button.isEnabled()  # nothing to apply yet
    lab.training_form.find_lr_button.click()
    assert main.findChildren(LrRangeWindow) == [window]
    callback = lab.open_lr_range
    lab.open_lr_range = None
    assert not lab.training_form.find_lr_button.isVisibleTo(lab)
    lab.open_lr_range = callback
    assert lab.training_form.find_lr_button.isVisibleTo(lab)


def test_the_plotted_sweep_is_cores_and_the_page_model_is_untouched(lab, window):
    set_training(lab, batch_size=32)
    assert lab.wait_for(lambda: "network" in lab.snapshots, 60)  # the rebuilt page's epoch 0
    before = lab.snapshots["network"]
    result = run_to_the_end(window, lab)
    expected = core_result(lab)
    lrs, raw = window.plot.raw.getOriginalDataset()
    smooth_lrs, smoothed = window.plot.smoothed.getOriginalDataset()
    np.testing.assert_allclose(lrs, expected.lrs)
    np.testing.assert_allclose(smooth_lrs, expected.lrs)
    np.testing.assert_allclose(raw, expected.losses, rtol=1e-5)
    np.testing.assert_allclose(smoothed, expected.smoothed, rtol=1e-5)
    assert result.steepest == pytest.approx(expected.steepest)
    assert window.progress.value() == window.progress.maximum() == 100
    # the suggestion: marked, written with its rule's value, before the smoothed minimum
    suggested = window.suggestion()
    assert suggested == applicable_lr(expected.steepest) < expected.lowest_lr
    assert window.plot.suggestion_line.value() == pytest.approx(math.log10(suggested))
    assert window.plot.minimum_line.value() == pytest.approx(math.log10(expected.lowest_lr))
    assert window.plot.suggestion_line.isVisible() and window.plot.minimum_line.isVisible()
    assert window.plot.suggestion_line.label.format == f"suggested {value_text(suggested)}"
    assert f"<b>{value_text(suggested)}</b>" in window.summary.text()
    assert window.status.text().startswith("Done: 100 updates in ")
    assert lab.snapshots["network"] is before and not lab.has_trained_model()


def test_the_rule_combo_moves_the_suggestion(window):
    result = window.result
    window.rule.setCurrentIndex(window.rule.findData("min/10"))
    try:
        assert window.rule.currentText() == "the minimum's rate ÷ 10"
        suggested = window.suggestion()
        assert suggested == applicable_lr(result.lowest_lr / 10)
        assert window.plot.suggestion_line.value() == pytest.approx(math.log10(suggested))
        assert "(10× below the minimum's rate)" in window.summary.text()
    finally:
        window.rule.setCurrentIndex(window.rule.findData("steepest"))
    assert window.suggestion() == applicable_lr(result.steepest)


def test_apply_sets_the_suggestion_as_the_labs_learning_rate(lab, window):
    suggested = window.suggestion()
    assert window.apply_button.isEnabled()
    window.apply_button.click()
    training = lab.model.settings["training"]
    assert training["optimizer"] == {"name": "adam", "lr": suggested}
    assert training["batch_size"] == 32  # only the rate changes
    box = lab.training_form.editor.findChild(QAbstractSpinBox, "lr")
    assert box.value() == suggested
    assert window.status.text() == (
        f"The Network Lab now trains with learning rate {value_text(suggested)}."
    )


def test_keep_training_keeps_the_trained_models_rate(lab, window, monkeypatch):
    lab.step_epoch()
    assert lab.wait_for(lab.has_trained_model, 60)
    before = lab.model.settings["training"]["optimizer"]["lr"]
    window.rule.setCurrentIndex(window.rule.findData("min/10"))
    try:
        assert window.suggestion() != before
        monkeypatch.setattr(lab, "ask_rebuild", lambda: False)
        assert not window.apply()
    finally:
        window.rule.setCurrentIndex(window.rule.findData("steepest"))
    assert lab.model.settings["training"]["optimizer"]["lr"] == before
    assert window.status.text() == "The Network Lab kept its learning rate."


def test_stop_keeps_the_points_so_far(lab, window):
    window.steps.setValue(2000)
    window.run_button.click()
    assert lab.wait_for(lambda: len(window.points) >= 5, 60)
    window.stop_button.click()
    done = len(window.points)
    assert window.state == STOPPED and not window.runner.running()
    assert done < 2000
    assert window.status.text() == f"Stopped after {done} of 2000 updates."
    assert window.run_button.isEnabled() and not window.stop_button.isEnabled()
    assert window.runner.wait(10000)
    lab.wait_for(lambda: False, 0.1)  # batches still on their way are dropped
    assert len(window.points) == done
    assert len(window.plot.raw.getOriginalDataset()[0]) == done


def test_the_sweep_stops_where_the_loss_blows_up(lab, window):
    result = run_to_the_end(window, lab, steps=100, end_lr=1e4)
    assert result.stopped_early and len(result.lrs) < 100
    assert window.status.text().startswith(
        f"Stopped after {len(result.lrs)} of 100 updates: the loss blew up"
    )
    # the loss axis spans the curve before it blew up, not the explosion
    top = window.plot.plot.viewRange()[1][1]
    assert top < 2 * np.nanmax(result.smoothed[:-1])


def test_a_refused_optimizer_and_a_failing_sweep_are_shown(lab, window, monkeypatch):
    set_training(lab, optimizer={"name": "lbfgs", "lr": 1.0})
    try:
        assert not window.run()
        assert window.state == FAILED
        text = window.status.text()
        assert text.startswith("Cannot run the range test: ") and "L-BFGS" in text
        colour = window.status.palette().color(QPalette.ColorRole.WindowText).name()
        assert colour == ERROR_COLOUR
    finally:
        set_training(lab, optimizer={"name": "sgd", "lr": 0.1})

    def breaking(plan):
        raise RuntimeError("no memory for the copy")
        yield  # a generator, as sweep_points is

    monkeypatch.setattr(lr_window, "sweep_points", breaking)  # what the window runs
    assert window.run()
    assert lab.wait_for(lambda: window.state == FAILED, 30)
    assert window.status.text() == "The range test failed: RuntimeError: no memory for the copy"
    monkeypatch.undo()
    # the next run works; plain SGD on this task: the smoothed loss never falls before it
    # blows up, so there is nothing to suggest
    result = run_to_the_end(window, lab, steps=40)
    assert window.status.palette().color(QPalette.ColorRole.WindowText).name() != ERROR_COLOUR
    assert math.isnan(result.steepest) and math.isnan(window.suggestion())
    assert window.summary.text().startswith("No suggestion: the smoothed loss never falls")
    assert not window.apply_button.isEnabled()
    assert not window.plot.suggestion_line.isVisible() and window.plot.minimum_line.isVisible()
    set_training(lab, optimizer={"name": "adam", "lr": 0.03})
    assert run_to_the_end(window, lab).steepest > 0


def test_the_rule_box_keeps_its_text_in_presenter_mode(window):
    """The summary beside it took the room: the box showed "steepest descent of"."""
    look = appearance()
    size = window.size()
    look.set_presenter(True)
    try:
        window.resize(1280, 720)
        QApplication.processEvents()
        assert window.rule.width() >= window.rule.sizeHint().width()
    finally:
        look.set_presenter(False)
        window.resize(size)


def test_the_raw_losses_stay_visible_on_the_dark_theme(window):
    def opacity() -> int:
        return window.plot.raw.opts["symbolBrush"].color().alpha()

    light = opacity()
    appearance().set_theme("dark")
    try:
        assert opacity() > light  # a quarter-opaque blue vanished on black
    finally:
        appearance().set_theme("light")
    assert opacity() == light


def test_chinese_at_run_time(lab, window):
    i18n.set_language("zh")
    QApplication.processEvents()  # Qt posts the LanguageChange
    try:
        assert window.windowTitle() == "学习率范围测试 — LossLab"
        assert window.apply_button.text() == "应用"
        assert window.run_button.text() == "运行扫描"
        assert window.rule.currentText() == "平滑损失下降最陡处"
        assert window.plot.plot.getAxis("bottom").labelText == "学习率（对数刻度）"
        assert window.status.text().startswith("完成：100 次更新")
        assert "建议的学习率" in window.summary.text()
        assert window.plot.suggestion_line.label.format.startswith("建议 ")
        assert lab.training_form.find_lr_button.text() == "寻找学习率…"
        assert menu_text() == "学习率范围测试(&R)…"
    finally:
        i18n.set_language("en")
        QApplication.processEvents()
    assert window.apply_button.text() == "Apply"
    assert lab.training_form.find_lr_button.text() == "Find learning rate…"

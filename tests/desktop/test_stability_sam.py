"""The edge-of-stability window's second comparison, "SAM against SGD": the Network Lab's task
trained with minibatch SGD and with SAM (radius ρ from the window) from the same weights, the
sharpness and the validation loss drawn from core's records, the legends, the texts for SAM, and
both languages. One window for the module on a small task (2-6-2, SGD with momentum, 20 epochs)."""

import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QApplication, QWidget

from core.nets.stability import config_records
from desktop_app import i18n
from desktop_app.network_lab.settings import default_settings
from desktop_app.stability import show_stability_window, worker
from desktop_app.tuning.worker import plan_dataset
from desktop_app.widgets.tool_window import DONE
from tests.desktop.conftest import dispose

EPOCHS, EVERY, RHO = 20, 5, 0.1
LR, MOMENTUM, BATCH = 0.3, 0.5, 16


def sgd_settings() -> dict:
    """A small task the Network Lab trains with SGD and momentum, minibatches of 16."""
    settings = default_settings()
    settings["dataset"] = {**settings["dataset"], "size": 100}
    settings["model"] = {**settings["model"], "hidden": [6]}
    optimizer = {"name": "sgd", "lr": LR, "momentum": MOMENTUM}
    settings["training"] = {**settings["training"], "optimizer": optimizer, "batch_size": BATCH}
    return settings


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture(scope="module")
def finished(qapp):
    """The window on the small task, "SAM against SGD" chosen, ρ = 0.1, run to the end."""
    owner = QWidget()
    owner.network_lab = SimpleNamespace(model=SimpleNamespace(settings=sgd_settings()))
    window = show_stability_window(owner)
    assert not window.rho.isEnabled()  # the edge comparison has no radius
    window.comparison.setCurrentIndex(window.comparison.findData(worker.SAM))
    assert window.compared() == worker.SAM and window.rho.isEnabled()
    window.rho.setValue(RHO)
    window.epochs.setValue(EPOCHS)
    window.every.setValue(EVERY)
    window.run_button.click()
    assert window.runner.running() and not window.comparison.isEnabled()
    assert wait_until(lambda: window.state == DONE, 90), window.status.text()
    yield window
    window.shutdown()
    window.close()
    dispose(owner)


@pytest.fixture(scope="module")
def expected(finished):
    """Core's own records for the window's plan, computed here."""
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


def test_sam_mode_trains_sgd_and_sam_on_the_tasks_settings_with_the_windows_radius(finished):
    plan = finished.plan
    assert plan.comparison == worker.SAM
    sgd, sam = plan.configs
    assert (sgd.key, sam.key) == ("sgd", "sam")
    assert sgd.optimizer == {"name": "sgd", "lr": LR, "momentum": MOMENTUM}
    assert sam.optimizer == {**sgd.optimizer, "name": "sam", "rho": RHO, "base": "sgd"}
    assert sgd.batch_size == sam.batch_size == BATCH
    assert finished.table.rowCount() == 2
    assert finished.table.item(1, 0).text() == "SAM (sharpness-aware)"
    assert finished.table.item(0, 1).text() == "η = 0.3"
    assert finished.table.item(1, 1).text() == "η = 0.3, ρ = 0.1"
    assert finished.table.item(0, 2).text() == "(2 + 2β)/η = 10"  # (2 + 2 · 0.5) / 0.3
    assert finished.progress.value() == finished.progress.maximum() == 2 * (EPOCHS // EVERY + 1)
    assert "learning rate 0.3, momentum 0.5 and batches of 16" in finished.task.text()
    assert finished.chosen() == "sam"  # the spectrum shown: SAM's


def test_the_plotted_sharpness_and_validation_loss_are_cores_records(finished, expected):
    plots = finished.plots
    assert list(expected) == ["sgd", "sam"]
    for key, records in expected.items():
        assert [r.epoch for r in records] == [0, 5, 10, 15, 20]
        xs, ys = curve(plots.sharp_curves[key])
        np.testing.assert_array_equal(xs, [r.epoch for r in records])
        np.testing.assert_allclose(ys, [r.sharpness for r in records], rtol=1e-9)
        xs, ys = curve(plots.val_curves[key])
        np.testing.assert_array_equal(xs, [r.epoch for r in records])
        np.testing.assert_allclose(ys, [r.val_loss for r in records], rtol=1e-9)
        _, ys = curve(plots.loss_curves[key])
        np.testing.assert_allclose(ys, [r.train_loss for r in records], rtol=1e-9)
        assert finished.records[key][-1].val_loss == pytest.approx(records[-1].val_loss)
    sgd, sam = expected["sgd"], expected["sam"]
    assert sgd[0].sharpness == sam[0].sharpness  # the same initial weights
    assert sgd[-1].sharpness != sam[-1].sharpness
    # only SGD's 2/η line (SAM's would be the same line)
    assert list(plots.threshold_lines) == ["sgd"]
    _, ys = curve(plots.threshold_lines["sgd"])
    np.testing.assert_allclose(ys, [(2 + 2 * MOMENTUM) / LR] * 2, rtol=1e-12)
    counts = np.stack([r.histogram for r in sam]).T
    np.testing.assert_array_equal(plots.image.image, np.log10(1.0 + counts))


def test_the_legends_say_which_curve_is_which(finished):
    plots = finished.plots
    assert plots.sharp_legend.isVisible() and plots.loss_legend.isVisible()
    assert plots.legend_labels(plots.sharp_legend) == ["SGD", "SAM", "SGD: threshold"]
    assert plots.legend_labels(plots.loss_legend) == [
        "SGD: validation",
        "SAM: validation",
        "SGD: training",
        "SAM: training",
    ]
    samples = {id(sample.item) for sample, _label in plots.loss_legend.items}
    assert samples == {id(c) for c in (*plots.val_curves.values(), *plots.loss_curves.values())}
    dotted = plots.loss_curves["sgd"].opts["pen"]
    assert dotted.dashPattern() != plots.val_curves["sgd"].opts["pen"].dashPattern()
    assert plots.loss_plot.titleLabel.text.startswith("Validation loss")
    assert "ρ·g/‖g‖" in finished.explanation.text()


def test_the_legends_sit_under_their_plots_never_over_the_curves(finished):
    plots = finished.plots
    for plot, legend in (
        (plots.sharp_plot, plots.sharp_legend),
        (plots.loss_plot, plots.loss_legend),
    ):
        data = plot.vb.sceneBoundingRect()
        assert legend.sceneBoundingRect().top() >= data.bottom()  # inside, they covered curves
        assert legend.sceneBoundingRect().height() > 0


def test_losses_within_a_decade_get_a_linear_axis_with_numbers(finished, expected):
    losses = [v for rows in expected.values() for r in rows for v in (r.train_loss, r.val_loss)]
    assert max(losses) < 10 * min(losses)  # this task's losses: within one decade
    axis = finished.plots.loss_plot.getAxis("left")
    assert not axis.logMode  # a log axis had a single tick, at its edge, and no number
    low, high = axis.range
    shown = [v for _spacing, level in axis.tickValues(low, high, axis.height()) for v in level]
    assert len([v for v in shown if low <= v <= high]) >= 2


def test_chinese_retranslates_the_sam_texts(finished):
    try:
        i18n.set_language("zh")
        assert wait_until(lambda: finished.comparison.itemText(1) == "SAM 对比 SGD", 5)
        assert finished.comparison_label.text() == "比较"
        assert finished.table.item(1, 0).text() == "SAM（锐度感知最小化）"
        assert finished.plots.legend_labels(finished.plots.loss_legend)[0] == "SGD：验证"
        assert finished.plots.loss_plot.titleLabel.text.startswith("验证损失")
        assert (
            "ρ·g/‖g‖" in finished.explanation.text() and "锐度感知" in finished.explanation.text()
        )
        assert "动量 0.5" in finished.task.text()
    finally:
        i18n.set_language("en")
    assert wait_until(lambda: finished.comparison.itemText(1) == "SAM against SGD", 5)
    assert finished.plots.legend_labels(finished.plots.sharp_legend)[2] == "SGD: threshold"


def test_back_to_the_edge_comparison(finished):
    """Choosing the edge comparison again: its texts, no radius, and Run trains the four."""
    finished.comparison.setCurrentIndex(finished.comparison.findData(worker.EDGE))
    assert not finished.rho.isEnabled()
    assert "edge of stability" in finished.explanation.text()
    finished.epochs.setValue(5)
    finished.run_button.click()
    assert wait_until(lambda: finished.state == DONE, 90), finished.status.text()
    assert [c.key for c in finished.plan.configs] == ["gd", "gd_edge", "sgd", "adam"]
    assert not finished.plots.sharp_legend.isVisible() and not finished.plots.val_curves
    assert finished.plots.loss_plot.titleLabel.text == "Training loss"
    assert finished.chosen() == "gd_edge"

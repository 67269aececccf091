"""Tune hyper-parameters (Tools ▸ Tune hyper-parameters…): grid search against random search with
the same budget on the Network Lab's task, trained in the background, drawn as a heat map, a
scatter and the Bergstra-Bengio projection; stopped, exported, applied; in both languages. One
main window for the module; tiny searches (2 x 2 grid, 3 epochs)."""

import csv
import io
import math
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from core.nets import search as core_search
from core.nets.search import heat_map
from desktop_app import i18n
from desktop_app.style import MARKER_SCALE, appearance
from desktop_app.tuning.window import TuningWindow
from desktop_app.tuning.worker import plan_dataset
from desktop_app.widgets.tool_window import DONE, STOPPED
from tests.desktop.conftest import main_window, tools_menu


@pytest.fixture(scope="module")
def main(qapp, light_scene, tmp_path_factory):
    with main_window(light_scene, tmp_path_factory.mktemp("user-data")) as window:
        yield window
        tuning = window.findChild(TuningWindow)
        if tuning is not None:
            tuning.shutdown()
            tuning.close()


def help_action(main):
    return next(a for a in tools_menu(main).actions() if "une" in a.text() or "超参数" in a.text())


@pytest.fixture(scope="module")
def window(main):
    """The tuning window, opened as a user does: Tools ▸ Tune hyper-parameters…"""
    help_action(main).trigger()
    tuning = main.findChild(TuningWindow)
    assert tuning is not None
    return tuning


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def set_up(window, x="lr", y="weight_decay", per_axis=2, epochs=3, seed=0):
    window.stop()
    assert window.runner.wait(10000)
    setup = window.setup
    setup.choose(x, y)
    setup.per_axis.setValue(per_axis)
    setup.epochs.setValue(epochs)
    setup.seed.setValue(seed)


def run_to_the_end(window):
    window.setup.run_button.click()
    assert window.runner.running()
    assert wait_until(lambda: window.state == DONE, 60), window.setup.status.text()


@pytest.fixture(scope="module")
def finished(window):
    """A finished 2 x 2 run: learning rate against weight decay, 3 epochs."""
    set_up(window)
    run_to_the_end(window)
    return window


def test_the_tools_menu_opens_the_window_on_the_network_labs_task(main, window):
    assert window.isVisible() and window.parent() is main
    assert help_action(main).text() == "&Tune hyper-parameters…"
    assert window.setup.task.text().startswith("On the Network Lab's task: the “circles” data")
    combo = window.setup.x_row.parameter
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert offered == ["lr", "weight_decay", "batch_size"]  # Adam has no momentum
    assert window.setup.x_row.scale_label.text() == "log scale (sampled log-uniform)"
    assert window.setup.x_row.name() == "lr" and window.setup.y_row.name() == "weight_decay"
    # Opened again, the window reads the Network Lab again and keeps the ranges set.
    window.setup.x_row.low.setValue(0.002)
    help_action(main).trigger()
    assert main.findChildren(TuningWindow) == [window]
    assert window.setup.x_row.low.value() == 0.002
    window.setup.x_row.low.setValue(0.001)


def test_before_a_search_the_plots_show_the_planned_axes(window):
    """Not placeholder axes: the parameters' names, and the grid's values as ticks, following
    the set-up as it changes."""
    from desktop_app.tuning.plots import coordinate

    assert not any(window.trials.values())
    plot = window.maps.grid_plot
    assert plot.getAxis("bottom").labelText == "Learning rate"
    assert plot.getAxis("left").labelText == "Weight decay"
    window.setup.per_axis.setValue(3)
    x_axis = window.setup.axes()[0]
    ticks = plot.getAxis("bottom")._tickLevels[0]
    np.testing.assert_allclose([spot for spot, _ in ticks], coordinate(x_axis, x_axis.grid(3)))
    window.setup.per_axis.setValue(4)
    assert len(plot.getAxis("bottom")._tickLevels[0]) == 4


def test_a_run_shows_four_grid_and_four_random_trials(main, finished):
    window = finished
    grid, random = window.all_trials("grid"), window.all_trials("random")
    assert len(grid) == len(random) == 4 and not any(window.failures.values())
    assert window.setup.progress.value() == window.setup.progress.maximum() == 8
    assert window.setup.status.text().startswith("Done: 8 trials in ")
    # The trials are core's own search on the Network Lab's task, redone headless.
    plan = window.plan
    data = plan_dataset(plan)
    again = {}
    for event in core_search.grid_vs_random(data, plan.model, plan.base, plan.axes, 2, seed=0):
        for trial in event.finished:
            again[(event.kind, trial.index)] = trial
    for kind, trials in (("grid", grid), ("random", random)):
        for trial in trials:
            assert trial.settings == again[(kind, trial.index)].settings
            assert trial.best_val_loss == pytest.approx(again[(kind, trial.index)].best_val_loss)
            assert len(trial.val_losses) == 4  # epoch 0 and 3 epochs
    # The heat map shows each grid trial's best validation loss in its cell.
    xs, ys, values = heat_map(grid, "lr", "weight_decay")
    assert np.array_equal(window.maps.values, values)
    image = window.maps.image.image
    for trial in grid:
        i = int(np.searchsorted(ys, trial.settings["weight_decay"]))
        j = int(np.searchsorted(xs, trial.settings["lr"]))
        assert image[i, j] == trial.best_val_loss
    losses = [t.best_val_loss for t in grid + random]
    assert window.maps.levels == (min(losses), max(losses))
    assert window.maps.image.levels is not None
    assert tuple(window.maps.colorbar.levels()) == pytest.approx(window.maps.levels)
    # The scatter: the 4 random trials at log10 of their values; the best of each search ringed.
    assert window.maps.point_count() == 4
    px, py = window.maps.points.getData()
    assert sorted(px) == pytest.approx(sorted(math.log10(t.settings["lr"]) for t in random))
    assert sorted(py) == pytest.approx(
        sorted(math.log10(t.settings["weight_decay"]) for t in random)
    )
    best_random = min(random, key=lambda t: t.best_val_loss)
    ring_x, ring_y = window.maps.best["random"].getData()
    assert ring_x[0] == pytest.approx(math.log10(best_random.settings["lr"]))
    assert ring_y[0] == pytest.approx(math.log10(best_random.settings["weight_decay"]))
    ticks = window.maps.grid_plot.getAxis("bottom")._tickLevels[0]
    assert [label for _spot, label in ticks] == ["0.001", "0.3"]
    # Bergstra and Bengio: the grid tries 2 learning rates, the random search 4.
    grid_x, grid_loss = window.marginals.data(0, "grid")
    random_x, _ = window.marginals.data(0, "random")
    assert len(set(np.round(grid_x, 9))) == 2 and len(set(np.round(random_x, 9))) == 4
    assert sorted(grid_loss) == pytest.approx(sorted(t.best_val_loss for t in grid))
    assert (
        "Distinct values tried: the grid search Learning rate: 2 values, Weight decay: 2 values; "
        "the random search Learning rate: 4 values, Weight decay: 4 values."
    ) in window.summary.text()


def test_export_writes_one_row_per_trial(finished, tmp_path):
    window = finished
    path = tmp_path / "trials.csv"
    assert window.export_csv(str(path))
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == 8
    assert [row["search"] for row in rows] == ["grid"] * 4 + ["random"] * 4
    trials = window.all_trials("grid") + window.all_trials("random")
    for row, trial in zip(rows, trials, strict=True):
        assert int(row["trial"]) == trial.index
        assert float(row["lr"]) == pytest.approx(trial.settings["lr"])
        assert float(row["best_val_loss"]) == pytest.approx(trial.best_val_loss)
    assert window.setup.status.text() == f"Exported 8 trials to {path}."
    # A folder that is not there: the reason is shown and nothing is written.
    missing = tmp_path / "no-such-folder" / "trials.csv"
    assert not window.export_csv(str(missing))
    assert window.setup.status.text().startswith("Could not export the trials: no such folder")
    assert not missing.exists() and not missing.parent.exists()


def test_apply_the_best_sets_the_network_labs_settings(main, finished):
    window, lab = finished, main.network_lab
    best = window.best()
    assert best is not None
    assert best.best_val_loss == min(
        t.best_val_loss for t in window.all_trials("grid") + window.all_trials("random")
    )
    before = lab.model.settings["training"]
    window.apply_button.click()
    after = lab.model.settings["training"]
    assert after["optimizer"]["lr"] == best.settings["lr"]
    assert after["optimizer"]["weight_decay"] == best.settings["weight_decay"]
    assert after["optimizer"]["name"] == before["optimizer"]["name"]
    assert after["epochs"] == before["epochs"]  # only the searched values change
    assert window.setup.status.text().startswith("The Network Lab now trains with Learning rate")


def test_learning_rate_against_batch_size_applies_a_whole_batch_size(main, window):
    set_up(window, "lr", "batch_size")
    run_to_the_end(window)
    assert {t.settings["batch_size"] for t in window.all_trials("grid")} == {8, 128}
    ticks = window.maps.grid_plot.getAxis("left")._tickLevels[0]
    assert [label for _spot, label in ticks] == ["8", "128"]
    best = window.best()
    assert window.apply_best()
    assert main.network_lab.model.settings["training"]["batch_size"] == best.settings["batch_size"]
    assert isinstance(main.network_lab.model.settings["training"]["batch_size"], int)


def test_stop_stops_with_fewer_trials_and_no_error(window):
    set_up(window, per_axis=3, epochs=5000)
    window.setup.run_button.click()
    assert wait_until(lambda: window.fraction["grid"] > 0, 60)
    window.setup.stop_button.click()
    assert window.state == STOPPED and not window.runner.running()
    done, total = window.done(), window.total()
    assert done < total == 18
    assert window.setup.status.text() == f"Stopped after {done} of 18 trials."
    assert window.setup.run_button.isEnabled() and not window.setup.stop_button.isEnabled()
    assert window.runner.wait(10000)
    QApplication.processEvents()
    assert window.done() == done and not window.errors.isVisibleTo(window)


def test_a_failing_trial_fails_alone(window, monkeypatch):
    original = core_search.search

    def breaking(data, model, base, settings, **options):
        if any(s["lr"] == 0.3 for s in settings):
            yield from ()
            raise RuntimeError("the trainer broke")  # superqt would take it for an abort
        yield from original(data, model, base, settings, **options)

    monkeypatch.setattr(core_search, "search", breaking)
    set_up(window)
    run_to_the_end(window)
    assert len(window.all_trials("grid")) == 2 and len(window.failures["grid"]) == 2
    assert len(window.all_trials("random")) == 4 and not window.failures["random"]
    assert window.setup.progress.value() == 8
    lines = window.errors.text().splitlines()
    assert len(lines) == 2 and window.errors.isVisibleTo(window)
    assert lines[0].startswith("Trial 3 of the grid search (Learning rate = 0.3, Weight decay")
    assert lines[0].endswith("failed: RuntimeError: the trainer broke")
    assert np.isnan(window.maps.values).sum() == 2  # their cells stay empty
    assert len(window.maps.failures["grid"].getData()[0]) == 2


def test_chinese_at_run_time_and_presenter_mode(main, window):
    set_up(window)
    run_to_the_end(window)
    size = window.maps.points.opts["size"]
    try:
        i18n.set_language("zh")
        QApplication.processEvents()
        assert window.windowTitle() == "调整超参数 — LossLab"
        assert help_action(main).text() == "调整超参数(&T)…"
        assert window.setup.run_button.text() == "运行两种搜索"
        assert window.apply_button.text() == "应用最好的"
        assert window.setup.x_row.parameter.currentText() == "学习率"
        assert window.summary.text().startswith("试过的不同取值：网格搜索 学习率：2 个取值")
        assert window.maps.grid_plot.titleLabel.text == "网格搜索：最好的验证损失"
        assert window.setup.status.text().startswith("完成：8 次试验，用时")
        appearance().set_presenter(True)
        assert window.maps.points.opts["size"] == pytest.approx(size * MARKER_SCALE)
    finally:
        appearance().set_presenter(False)
        i18n.set_language("en")
        QApplication.processEvents()
    assert window.setup.run_button.text() == "Run both searches"
    assert window.maps.points.opts["size"] == pytest.approx(size)

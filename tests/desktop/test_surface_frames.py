"""Cheaper frames: the metric plots' value range covers every recorded value (it holds still
while the cursor plays), and a track says when its recorded rows were replaced."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtGui import QColor

from core.engine import StepRecord


@pytest.fixture(scope="module")
def plots(qapp):
    from desktop_app.surface_lab.plots import MetricPlots

    widget = MetricPlots()
    widget.ensure_run("a", QColor("red"))
    widget.ensure_run("b", QColor("blue"))
    yield widget
    widget.deleteLater()


def _value_range(plots, metric: str) -> tuple[float, float]:
    return tuple(plots.plots[metric].getViewBox().viewRange()[1])


def test_the_value_range_covers_every_recorded_value_and_holds_while_playing(plots):
    recorded = np.array([1.0, 0.1, 0.01, 0.001, 100.0])  # log axis: 10^-3 .. 10^2
    for shown in (1, 2, 3):
        plots.set_series("a", "loss", np.arange(shown), recorded[:shown], recorded=recorded)
        low, high = _value_range(plots, "loss")
        if shown == 1:
            first = (low, high)
        assert (low, high) == first  # the cursor played on: the axes did not move
    assert low <= -3 <= 2 <= high and high - low < 5 * 1.2  # log10 space, a little padding
    _steps, drawn = plots.curves["loss"]["a"].getData()
    assert len(drawn) == 3  # the curve shows the rows up to the cursor only


def test_the_value_range_follows_runs_scales_and_hidden_runs(plots):
    grad = np.array([4.0, 2.0, 1.0])
    plots.set_series("a", "grad_norm", np.arange(3), grad, recorded=grad)
    plots.set_series("b", "grad_norm", np.arange(1), grad[:1] * 1e3, recorded=grad * 1e3)
    low, high = _value_range(plots, "grad_norm")
    assert low <= 0 and high >= math.log10(4e3)  # both runs, log axis
    plots.set_run_visible("b", False)
    low, high = _value_range(plots, "grad_norm")
    assert low <= 0 <= math.log10(4) <= high < 3  # run b's values no longer count
    plots.log_grad.setChecked(False)  # linear axis: the same values, linear range
    try:
        low, high = _value_range(plots, "grad_norm")
        assert low <= 1 and 4 <= high < 10
    finally:
        plots.log_grad.setChecked(True)
        plots.set_run_visible("b", True)


def test_one_recorded_value_gets_a_band_around_it(plots):
    lr = np.full(5, 0.001)  # a constant learning rate, on a linear axis
    plots.set_series("a", "lr", np.arange(1, 6), lr, recorded=lr)
    low, high = _value_range(plots, "lr")
    assert low < 0.001 < high and 0 < high - low < 0.01
    plots.set_series("b", "lr", np.arange(1, 6), lr, recorded=lr)
    assert _value_range(plots, "lr") == (low, high)  # the same values: the same range


def test_a_negative_loss_fits_the_symmetric_log_axis(plots):
    from desktop_app.surface_lab.plots import symlog

    losses = np.array([1.0, 0.5, -50.0])
    plots.set_series("b", "loss", np.arange(2), losses[:2], recorded=losses)
    plots.set_series("b", "loss", np.arange(3), losses, recorded=losses)
    assert plots.loss_axis_is_symlog()
    width = plots.plots["loss"].getAxis("left").linear_width
    low, high = _value_range(plots, "loss")
    assert low <= float(symlog(-50.0, width)) and high >= float(symlog(100.0, width))
    plots.remove_run("b")
    assert not plots.loss_axis_is_symlog()
    plots.ensure_run("b", QColor("blue"))


def _records(first: int, count: int) -> list[StepRecord]:
    return [
        StepRecord(
            step=step,
            positions=np.array([[float(step), 0.0]]),
            loss=np.array([float(step)]),
            grad=np.array([[1.0, 0.0]]),
            lr=0.1,
            diverged=np.array([False]),
        )
        for step in range(first, first + count)
    ]


def test_a_track_counts_when_its_rows_are_replaced():
    from desktop_app.surface_lab.recorder import Recorder

    recorder = Recorder()
    track = recorder.reset("run", 1)
    track.extend(_records(0, 5))
    track.extend(_records(5, 5))  # appended: rows 0..4 are the same rows
    assert track.revision == 0 and track.count == 10
    track.truncate(6)  # continue from step 6: rows past it go
    assert track.revision == 1 and track.count == 7
    track.extend(_records(4, 2))  # a restart from an earlier step replaces rows
    assert track.revision == 2
    again = recorder.reset("run", 1)
    assert again.serial != track.serial  # a new track never reads as the old one

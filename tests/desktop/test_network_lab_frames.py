"""A live Network Lab frame stays cheap: the curves draw about one bin per pixel column (spikes
kept), the loss plot's automatic range moves in steps rather than every frame, and the
learning-rate plot's range is set only when it changes."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.network_lab.history import COLUMNS

EPOCHS = 5000


@pytest.fixture(scope="module")
def curves(qapp):
    from desktop_app.network_lab.curves import TrainingCurves

    view = TrainingCurves()
    view.resize(700, 600)
    view.show()
    view.set_runs(["network"], "single", regression=False)
    view.set_epoch_range(EPOCHS)
    QApplication.processEvents()
    yield view
    view.close()
    view.deleteLater()
    QApplication.processEvents()


def _columns(epochs: int, lr: float = 0.03, spike_at: int | None = None) -> dict[str, np.ndarray]:
    """A run's columns after ``epochs`` epochs: a slowly falling loss (a spike at
    ``spike_at``), a rising accuracy and a constant learning rate."""
    epoch = np.arange(epochs + 1, dtype=float)
    loss = 1.0 / (1.0 + epoch / 50.0)
    if spike_at is not None:
        loss[spike_at] = 5.0
    columns = {name: np.zeros(epochs + 1) for name in COLUMNS}
    columns.update(
        epoch=epoch,
        train_loss=loss,
        val_loss=loss * 1.1,
        train_accuracy=1.0 - loss / 2,
        val_accuracy=1.0 - loss / 2,
        lr=np.full(epochs + 1, lr),
        grad_norm=loss,
    )
    return columns


def _frame(curves, columns) -> None:
    curves.set_run_data("network", columns)
    for plot in curves.plots.values():
        plot.vb.updateAutoRange()  # what the next paint does


def test_a_long_curve_is_drawn_with_about_one_bin_per_pixel_column_and_keeps_its_spikes(curves):
    _frame(curves, _columns(4000, spike_at=1234))
    curve = curves.curves[("loss", "network", "val")]
    drawn_x, drawn_y = curve.getData()  # what the plot draws (downsampled, clipped)
    columns = curves.plots["loss"].vb.width()
    assert 4000 > len(drawn_x) <= 2 * columns + 8  # peak mode: a low and a high per column
    # log plot: the spike (5.5) is still drawn
    assert np.nanmax(drawn_y) == pytest.approx(np.log10(5.5))


def test_the_loss_range_moves_in_steps_not_every_frame(curves):
    vb = curves.plots["loss"].vb
    assert vb.autoRangeEnabled()[1]
    _frame(curves, _columns(400))
    changes = []
    vb.sigYRangeChanged.connect(lambda *_: changes.append(vb.viewRange()[1]))
    try:
        for epochs in range(401, 421):  # the loss falls a little each frame
            _frame(curves, _columns(epochs))
    finally:
        vb.sigYRangeChanged.disconnect()
    assert len(changes) <= 2  # the plain autorange moved it on each of the 20 frames
    low, high = vb.viewRange()[1]
    loss = np.log10(_columns(420)["val_loss"])
    assert low <= loss.min() and loss.max() <= high  # the data stays in view


def test_a_range_set_by_hand_is_kept_as_given(curves):
    vb = curves.plots["grad_norm"].vb
    vb.setYRange(-0.123, 0.456, padding=0)
    assert vb.viewRange()[1] == pytest.approx([-0.123, 0.456])
    vb.enableAutoRange(y=True)


def test_the_learning_rate_range_is_set_only_when_it_changes(curves, monkeypatch):
    plot = curves.plots["lr"]
    _frame(curves, _columns(100, lr=0.03))
    assert plot.viewRange()[1] == pytest.approx([0.0, 0.03 * 1.15])
    calls = []
    real = plot.setYRange
    monkeypatch.setattr(plot, "setYRange", lambda *a, **k: (calls.append(a), real(*a, **k)))
    for epochs in range(101, 111):
        _frame(curves, _columns(epochs, lr=0.03))
    assert calls == []
    _frame(curves, _columns(111, lr=0.1))
    assert len(calls) == 1
    assert plot.viewRange()[1] == pytest.approx([0.0, 0.1 * 1.15])


def test_a_race_s_learning_rate_plot_shows_every_member(curves):
    """The plot's top is the highest rate of all the members, whichever is drawn last (it was
    the last one's: a race of SGD at 0.1 and Adam at 0.01 showed only Adam's line)."""
    curves.set_runs(["SGD", "Momentum", "Adam"], "race", regression=False)
    try:
        for label, lr in (("SGD", 0.1), ("Momentum", 0.1), ("Adam", 0.01)):
            curves.set_run_data(label, _columns(50, lr=lr))
        assert curves.plots["lr"].viewRange()[1] == pytest.approx([0.0, 0.1 * 1.15])
        curves.set_runs(["Adam"], "race", regression=False)  # a new race forgets the old tops
        curves.set_run_data("Adam", _columns(50, lr=0.01))
        assert curves.plots["lr"].viewRange()[1] == pytest.approx([0.0, 0.01 * 1.15])
    finally:
        curves.set_runs(["network"], "single", regression=False)


def test_the_best_epoch_label_stays_inside_the_loss_plot(curves):
    """Under the dot in the upper half of the plot, above it in the lower half; on the side of
    the line towards the middle."""
    curves.plots["loss"].ctrl.logYCheck.setChecked(False)
    curves.plots["loss"].setYRange(0.0, 1.0, padding=0)
    try:
        curves.set_best(4000, 0.95)  # near the top, right half
        assert tuple(curves.best_text.anchor) == (1, 0)
        curves.set_best(100, 0.05)  # near the bottom, left half
        assert tuple(curves.best_text.anchor) == (0, 1)
    finally:
        curves.set_best(None, None)
        curves.plots["loss"].ctrl.logYCheck.setChecked(True)
        curves.plots["loss"].enableAutoRange(y=True)


@pytest.fixture(scope="module")
def page(qapp):
    """One page for the module, training in the app's worker thread (no process to start)."""
    from desktop_app.app import create_application
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.network_lab.page import NetworkLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(IN_PROCESS_ENV, "1")
        create_application()
        lab = NetworkLabPage()
    lab.resize(1300, 850)
    lab.show()
    assert lab.wait_for(lambda: "network" in lab.snapshots, 60)  # epoch 0 computed in the worker
    yield lab
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)
        lab.shutdown()
        lab.close()
        lab.deleteLater()
        QApplication.processEvents()


def _count_calls(monkeypatch, owner, name: str) -> list:
    calls = []
    real = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: (calls.append(a), real(*a, **k))[1])
    return calls


def test_a_frame_re_sets_only_what_changed_since_the_last_one(page, monkeypatch):
    page.draw()
    boundary = page.model_view.boundary
    counted = {
        "curves": _count_calls(monkeypatch, page.curves, "set_run_data"),
        "model": _count_calls(monkeypatch, page.model_view, "show_snapshot"),
        "ratios": _count_calls(monkeypatch, page.ratio_panel, "show_ratios"),
        "rect": _count_calls(monkeypatch, boundary.image, "setRect"),
        "titles": [],
    }
    for plot in page.curves.plots.values():
        for name in ("setTitle", "setLabel"):
            monkeypatch.setattr(plot, name, lambda *a, **k: counted["titles"].append(a))
    page.draw()  # nothing new
    assert {name: len(calls) for name, calls in counted.items()} == dict.fromkeys(counted, 0)
    before = page.curves.curve_lengths()[("loss", "network", "val")]
    image_before = boundary.image_sum()
    page.step_epoch()
    assert page.wait_for(lambda: page.epochs_done() >= 1, 30)
    assert page.wait_idle(30)
    page.draw()  # a new epoch and a new snapshot
    assert len(counted["curves"]) == 1 and len(counted["model"]) == 1
    assert page.curves.curve_lengths()[("loss", "network", "val")] == before + 1
    assert boundary.image_sum() != image_before
    # the same grid, the same place; no titles or labels touched, no ratios recorded
    assert counted["rect"] == counted["titles"] == counted["ratios"] == []

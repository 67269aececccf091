"""The Network Lab's notes-004 diagnostics: the update/weight ratio per layer equals
``core.nets.ratios`` on the same run (and warns at a huge learning rate), weight averaging's curve
equals ``core.nets.ensembles``' averaged records, a snapshot ensemble gives one point per cycle
equal to core's snapshot records, the Diagnose button calls the main window's callback, and
everything survives a switch to Chinese."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.desktop.conftest import network_lab_page


@pytest.fixture(scope="module")
def page(qapp):
    """One page for the module, training in the app's worker thread (no process to start)."""
    with network_lab_page() as lab:
        yield lab


def _train(page, epochs: int = 12, **training) -> None:
    """Train the default network with ``training`` merged into its training settings, to the
    end, and draw."""
    from desktop_app.network_lab.settings import default_settings

    settings = default_settings()
    settings["training"] = {**settings["training"], "epochs": epochs, **training}
    page.set_playing(False)
    page.wait_idle(30)
    page.views.setCurrentWidget(page.ratio_panel)  # ratios are recorded while their tab shows
    page.model.settings = settings
    assert page.wait_for(lambda: page.view_run in page.snapshots and page.epochs_done() == 0, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    page.draw()


def _trainer(page):
    """A trainer of the run on view, built as the page's session builds it (same seed)."""
    from core.nets.fast import FastTrainer

    spec = page.spec
    return FastTrainer(spec.dataset(), spec.model, spec.train, label="network")


def test_ratio_curves_equal_core_on_the_same_run(page):
    from core.nets.ratios import RatioRecord, with_update_ratios

    _train(page, epochs=12, optimizer={"name": "sgd", "lr": 0.5})
    panel = page.ratio_panel
    assert panel.legend_names() == [
        "hidden layer 1 weights",
        "hidden layer 2 weights",
        "output layer weights",
    ]
    reference = [r for r in with_update_ratios(_trainer(page)) if isinstance(r, RatioRecord)]
    assert [r.epoch for r in reference] == list(range(1, 13))
    drawn = panel.curve_data()
    assert set(drawn) == {"0.weight", "2.weight", "4.weight"}
    for name, (epochs, ratios) in drawn.items():
        assert list(epochs) == list(range(1, 13))
        np.testing.assert_allclose(ratios, [r.ratios[name] for r in reference], rtol=1e-6)
    # SGD at 0.5 on this network ends with every layer in the healthy band: no warning
    assert reference[-1].warnings == []
    assert panel.warning.isHidden() and panel.warning.text() == ""


def test_a_huge_learning_rate_warns_about_a_layer(page):
    from core.nets.ratios import RatioRecord, with_update_ratios

    _train(page, epochs=3, optimizer={"name": "sgd", "lr": 50.0})
    warning = page.ratio_panel.warning
    assert not warning.isHidden()
    assert "hidden layer 1 weights: update/weight ratio" in warning.text()
    assert "is above 1e-02" in warning.text()
    reference = [r for r in with_update_ratios(_trainer(page)) if isinstance(r, RatioRecord)]
    assert warning.text() == "<br>".join(w["en"] for w in reference[-1].warnings)


@pytest.mark.parametrize(
    ("average", "arguments"),
    [
        ({"kind": "swa", "start_epoch": 4}, {"start_epoch": 4}),
        ({"kind": "ema", "start_epoch": 1, "decay": 0.9}, {"start_epoch": 1, "decay": 0.9}),
    ],
)
def test_weight_averaging_curve_equals_core(page, average, arguments):
    from core.nets.ensembles import AveragedRecord, WeightAverager, with_weight_average

    _train(page, epochs=10, average=average)
    curve = page.curves.averaged_curve
    assert curve is not None
    name = f"{average['kind'].upper()} model (validation)"
    assert name in page.curves.legend_names()
    trainer = _trainer(page)
    averager = WeightAverager(trainer, average["kind"], **arguments)
    reference = [r for r in with_weight_average(averager) if isinstance(r, AveragedRecord)]
    assert len(reference) >= 7
    np.testing.assert_array_equal(curve.xData, [r.epoch for r in reference])
    np.testing.assert_allclose(curve.yData, [r.val_loss for r in reference], rtol=1e-6)
    # the run's own validation curve differs from the averaged model's
    own = page.history["network"].columns["val_loss"][[r.epoch for r in reference]]
    assert not np.allclose(own, curve.yData)
    # A lesson's question can name the averaged model (the label losslab run gives it).
    from desktop_app.lessons.outcomes import network_outcomes

    series = network_outcomes(page).runs[average["kind"].upper()]["val_loss"]
    assert len(series) == 11 and np.isnan(series[: reference[0].epoch]).all()
    np.testing.assert_allclose(series[[r.epoch for r in reference]], curve.yData)


def test_the_boundary_can_show_the_averaged_model(page):
    from core.nets.ensembles import WeightAverager, with_weight_average
    from desktop_app.network_lab.session import _AveragedView, _Viewer

    _train(page, epochs=10, average={"kind": "swa", "start_epoch": 2})
    assert page.show_averaged.isVisibleTo(page)
    own, averaged = page.snapshots["network"], page.averaged_snapshots["network"]
    assert averaged.averaged and averaged.epoch == own.epoch == 10
    assert not np.allclose(own.grid, averaged.grid)
    trainer = _trainer(page)
    averager = WeightAverager(trainer, "swa", start_epoch=2)
    for _record in with_weight_average(averager):
        pass
    view = _AveragedView(trainer, averager.model)
    reference = _Viewer(trainer.data).snapshot(view, "network", 10, False)
    np.testing.assert_allclose(averaged.grid, reference.grid, atol=1e-6)
    shown = []
    page.model_view.show_snapshot, original = shown.append, page.model_view.show_snapshot
    try:
        page.show_averaged.setChecked(True)
        page.draw()
        page.show_averaged.setChecked(False)
        page.draw()
    finally:
        page.model_view.show_snapshot = original
    assert shown == [averaged, own]


def test_snapshot_ensemble_one_point_per_cycle_equal_to_core(page):
    from core.nets.ensembles import SnapshotRecord, snapshot_ensemble

    _train(page, epochs=300, snapshots={"cycles": 3, "first_cycle": 5, "t_mult": 1})
    assert page.spec.train.epochs == 15  # three cycles of five epochs
    panel = page.snapshot_panel
    reference = [r for r in snapshot_ensemble(_trainer(page)) if isinstance(r, SnapshotRecord)]
    assert [r.epoch for r in reference] == [5, 10, 15]
    np.testing.assert_array_equal(panel.ensemble_curve.xData, [1, 2, 3])
    ensemble, single = panel.values()
    np.testing.assert_allclose(ensemble, [r.ensemble_accuracy for r in reference])
    np.testing.assert_allclose(single, [r.single_accuracy for r in reference])
    np.testing.assert_allclose(panel.ensemble_curve.yData, ensemble)
    assert "cycle 3: ensemble of 3" in panel.summary.text()
    from desktop_app.lessons.outcomes import network_outcomes

    runs = network_outcomes(page).runs
    for label, value in (("snapshot ensemble", "ensemble_loss"), ("last snapshot", "single_loss")):
        series = runs[label]["val_loss"]
        assert len(series) == 16 and np.isfinite(series).sum() == 3
        expected = [getattr(r, value) for r in reference]
        np.testing.assert_allclose(series[[5, 10, 15]], expected, rtol=1e-6)
    # the learning rate restarts after each cycle
    lr = page.history["network"].columns["lr"]
    assert lr[6] > lr[5] and lr[11] > lr[10]


def test_no_ratios_are_recorded_while_their_tab_is_hidden(page):
    from desktop_app.network_lab.settings import default_settings

    settings = default_settings()
    settings["training"] = {**settings["training"], "epochs": 6}
    page.model.settings = settings
    assert page.wait_for(lambda: "network" in page.snapshots and page.epochs_done() == 0, 30)
    page.views.setCurrentWidget(page.model_view)
    for epoch in (1, 2):
        page.step_epoch()
        assert page.wait_for(lambda e=epoch: page.epochs_done() == e, 30)
    assert page.wait_idle(30)
    assert page.history["network"].ratio_epochs == []
    page.views.setCurrentWidget(page.ratio_panel)
    page.step_epoch()
    assert page.wait_for(lambda: page.epochs_done() == 3, 30)
    assert page.wait_idle(30)
    assert page.history["network"].ratio_epochs == [3]


def test_kfold_records_no_ratios_and_says_so(page):
    _train(page, epochs=3, kfold=3)
    assert page.ratio_panel.curve_data() == {}
    assert "single network only" in page.ratio_panel.note.text()
    assert "single network only" in page.snapshot_panel.note.text()


def test_the_training_form_writes_averaging_and_snapshots(page):
    from desktop_app.network_lab.settings import default_settings

    page.model.settings = default_settings()
    fields = page.training_form.ensembles
    fields.average.setCurrentIndex(fields.average.findData("ema"))
    training = page.model.settings["training"]
    assert training["average"] == {"kind": "ema", "start_epoch": 1, "decay": 0.99}
    fields.snapshots.setChecked(True)  # one or the other (the scene format's rule)
    assert page.model.settings["training"]["snapshots"] == {
        "cycles": 5,
        "first_cycle": 40,
        "t_mult": 1,
    }
    assert "average" not in page.model.settings["training"]
    assert fields.average.currentData() == "off"
    fields.average.setCurrentIndex(fields.average.findData("swa"))
    assert page.model.settings["training"]["average"] == {"kind": "swa", "start_epoch": 1}
    assert "snapshots" not in page.model.settings["training"] and not fields.snapshots.isChecked()
    fields.average.setCurrentIndex(0)
    assert "average" not in page.model.settings["training"]
    assert "snapshots" not in page.model.settings["training"]


def test_diagnose_button_calls_the_callback(page, qtbot):
    calls = []
    assert page.open_diagnosis is None
    assert not page.diagnose_button.isVisibleTo(page)
    page.open_diagnosis = lambda: calls.append(page.epochs_done())
    assert page.diagnose_button.isVisibleTo(page)
    qtbot.mouseClick(page.diagnose_button, Qt.MouseButton.LeftButton)
    assert len(calls) == 1
    page.open_diagnosis = None
    assert not page.diagnose_button.isVisibleTo(page)


def test_everything_survives_a_chinese_switch(page):
    from desktop_app import i18n

    _train(page, epochs=3, optimizer={"name": "sgd", "lr": 50.0})
    page.open_diagnosis = lambda: None
    try:
        i18n.set_language("zh")
        QApplication.processEvents()
        assert page.diagnose_button.text() == "诊断…"
        assert page.ratio_panel.legend_names()[0] == "隐藏层 1 权重"
        assert "更新/权重比" in page.ratio_panel.warning.text()
        titles = [page.views.tabText(i) for i in range(page.views.count())]
        assert titles == ["模型", "曲率", "损失地形", "更新比", "噪声尺度", "快照集成"]
        assert page.noise_panel.plot.titleLabel.text == "梯度噪声尺度"
        assert page.training_form.ensembles.average.itemText(0) == "关"
        _train(page, epochs=10, snapshots={"cycles": 2, "first_cycle": 5, "t_mult": 1})
        assert "第 2 周期" in page.snapshot_panel.summary.text()
    finally:
        i18n.set_language("en")
        QApplication.processEvents()
        page.open_diagnosis = None
    assert page.ratio_panel.legend_names()[0] == "hidden layer 1 weights"
    assert page.diagnose_button.text() == "Diagnose…"


def test_the_noise_scale_tab_records_b_simple_against_the_batch_in_use(page):
    """While the tab shows, B_simple is measured live (epoch 0, the last epoch, and between at
    most NOISE_HZ a second): the last value equals core's on the same trained weights, the batch
    line sits at the batch size, and the update ratios are not recorded meanwhile."""
    import math

    from core.noise_scale import trainer_noise_record
    from desktop_app.network_lab.settings import default_settings

    settings = default_settings()
    settings["training"] = {**settings["training"], "epochs": 8, "batch_size": 10}
    page.set_playing(False)
    page.wait_idle(30)
    page.views.setCurrentWidget(page.noise_panel)
    page.model.settings = settings
    assert page.wait_for(lambda: page.view_run in page.snapshots and page.epochs_done() == 0, 30)
    page.set_playing(True)
    assert page.wait_for(lambda: page.finished, 60)
    page.draw()
    history, panel = page.history["network"], page.noise_panel
    epochs = [record.epoch for record in history.noise]
    assert epochs[0] == 0 and epochs[-1] == 8 and history.ratio_epochs == []
    np.testing.assert_array_equal(panel.epochs, epochs)
    assert panel.batch_size == 10 and panel.batch_line.value() == pytest.approx(1.0)  # log10
    assert panel.batch_line.label.toPlainText() == "batch size 10"
    trainer = _trainer(page)
    for _record in trainer.records():
        pass
    expected = trainer_noise_record(trainer, 8)
    assert panel.values[-1] == pytest.approx(expected.b_simple, rel=1e-3)
    assert math.isfinite(expected.b_simple) and expected.b_simple > 0
    assert "batch size in use: 10" in panel.summary.text()
    assert f"B_simple = {expected.b_simple:.3g}" in panel.summary.text()

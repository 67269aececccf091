"""The flowchart assistant (Tools ▸ Diagnose training…): it walks the notes' flowchart on curves
from the shipped examples, a file or the Network Lab, shows the verdict with its evidence and
remedies, runs the experiments the walk asks for in the background, and follows the language and
presenter mode. One main window for the module."""

import math
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

import resources
from core.diagnose import compare_shallower, curves_from_records, load_curves
from core.diagnose.flowchart import SETTLED_CONFIDENCE
from desktop_app import i18n
from desktop_app.diagnose import worker
from desktop_app.diagnose.experiments_box import CANCELLED, DONE, FAILED
from desktop_app.diagnose.window import DiagnoseWindow
from desktop_app.style import appearance
from tests.desktop.conftest import main_window, tools_menu

CURVES = resources.path("curves")


@pytest.fixture(scope="module")
def main(qapp, light_scene, tmp_path_factory):
    with main_window(light_scene, tmp_path_factory.mktemp("user-data")) as window:
        yield window
        diagnosis = window.findChild(DiagnoseWindow)
        if diagnosis is not None:
            diagnosis.panel.shutdown()
            diagnosis.close()


def help_action(main):
    return next(
        a for a in tools_menu(main).actions() if "iagnose" in a.text() or "诊断" in a.text()
    )


@pytest.fixture(scope="module")
def window(main):
    """The diagnosis window, opened as a user does: Tools ▸ Diagnose training…"""
    help_action(main).trigger()
    diagnosis = main.findChild(DiagnoseWindow)
    assert diagnosis is not None
    return diagnosis


@pytest.fixture
def panel(window):
    window.panel.cancel_experiment()
    window.panel.runner.wait(10000)
    return window.panel


def example_index(panel, name: str) -> int:
    index = panel.examples.findText(name)
    assert index >= 0, name
    return index


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_tools_menu_opens_the_window_with_the_flowchart_drawn(main, window):
    assert window.isVisible() and window.parent() is main
    assert help_action(main).text() == "&Diagnose training…"
    view = window.panel.flowchart
    from core.diagnose import CASE_NAMES, FLOWCHART

    assert set(view.boxes) == set(FLOWCHART) | {f"case:{case}" for case in CASE_NAMES}
    assert len(view.arrows) == sum(len(step.branches) for step in FLOWCHART.values())
    # Not the Network Lab on view and no curves yet: the first shipped example is diagnosed.
    assert window.panel.walk is not None
    assert window.panel.source == window.panel.examples.itemText(0)
    # Opening again shows the same window.
    help_action(main).trigger()
    assert main.findChildren(DiagnoseWindow) == [window]


def test_the_network_labs_diagnose_button_opens_the_same_window(main, window):
    button = main.network_lab.diagnose_button
    window.hide()
    main.pages.setCurrentWidget(main.network_lab)
    assert button.isVisibleTo(main.network_lab)  # the main window gave the page its callback
    button.click()
    assert window.isVisible() and main.findChildren(DiagnoseWindow) == [window]
    main.pages.setCurrentWidget(main.surface_lab)


def test_a_shipped_overfitting_run_walks_to_overfitting_with_its_best_epoch(panel):
    panel.examples.setCurrentIndex(example_index(panel, "overfitting.csv"))
    panel.examples.activated.emit(panel.examples.currentIndex())
    rows = np.genfromtxt(CURVES / "overfitting.csv", delimiter=",", names=True, skip_header=1)
    best = int(rows["epoch"][np.argmin(rows["val_loss"])])  # read here, not by core
    assert panel.walk.case == "overfitting"
    assert panel.walk.verdict.best_epoch == best
    view = panel.flowchart
    assert view.walked() == [
        "training_loss",
        "validation_loss",
        "overfitting_or_mismatch",
        "choose_model",
        "case:overfitting",
    ]
    assert not view.is_highlighted("optimization_symptoms")
    assert view.boxes["case:overfitting"].brush().color().alpha() > 100  # the verdict's box
    assert view.pending_steps() == {"overfitting_or_mismatch", "choose_model"}
    assert "Overfitting" in panel.verdict_label.text()
    assert f"Best epoch: {best}" in panel.evidence_label.text()
    assert f"epoch {best} ({rows['val_loss'][best]:.3g})" in panel.evidence_label.text()
    assert panel.plot.best_label() == f"best epoch {best}"
    assert panel.plot.best_line.value() == best
    x, y = panel.plot.val.getData()
    assert len(x) == len(rows) and np.allclose(x, rows["epoch"])
    assert panel.source_label.text() == f"Curves: overfitting.csv · {len(rows)} epochs"
    shown = {kind for kind, row in panel.experiments.rows.items() if row.isVisibleTo(panel)}
    assert shown == {"hold_out", "kfold"}


def test_a_bad_csv_shows_its_line_and_the_panel_stays_usable(panel, tmp_path, monkeypatch):
    panel.load_example(example_index(panel, "good_fit.json"))
    bad = tmp_path / "homework.csv"
    bad.write_text("epoch,train_loss,val_loss\n0,1.0,1.1\n1,0.5,0.6\n2,0.4,oops\n3,0.3,0.5\n")
    chosen = (str(bad), "")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: chosen)
    panel.import_button.click()
    assert panel.error_label.isVisibleTo(panel)
    assert panel.error_label.text().startswith(f"{bad}:4: ")
    assert "oops" in panel.error_label.text()
    assert panel.walk.case == "good_fit" and panel.source == "good_fit.json"  # kept
    good = tmp_path / "fixed.csv"
    good.write_text("epoch,loss\n0,1.0\n1,1e3\n2,nan\n")
    chosen = (str(good), "")
    panel.import_button.click()
    assert not panel.error_label.isVisibleTo(panel)
    assert panel.walk.case == "divergence" and panel.source == "fixed.csv"
    assert panel.flowchart.walked()[-1] == "case:divergence"


def test_a_remedy_opens_its_lesson_through_the_callback(main, panel, monkeypatch):
    panel.load_example(example_index(panel, "overfitting.csv"))
    opened = []
    monkeypatch.setattr(main, "open_lesson", opened.append)
    lessons = [button.property("lesson") for button in panel.remedy_buttons]
    assert lessons == [remedy.lesson for remedy in panel.walk.verdict.remedies]
    button = next(b for b in panel.remedy_buttons if b.objectName() == "lesson_early_stopping")
    button.click()
    path = resources.path("scenes", "network_early_stopping.json")
    assert opened == [str(path)] and path.is_file()


def tiny_setup():
    """The Network Lab's default settings, made quick: a few epochs on a small data set."""
    from desktop_app.network_lab.settings import default_settings, setup_of_settings

    settings = default_settings()
    settings["dataset"]["size"] = 80
    settings["training"]["epochs"] = 6
    return setup_of_settings(settings)


def test_the_experiments_use_the_network_labs_settings(main, panel):
    from desktop_app.network_lab.settings import setup_of_settings

    assert panel.experiment_setup() == setup_of_settings(main.network_lab.model.settings)


def test_an_experiment_runs_in_the_background_and_settles_the_walk(panel, monkeypatch):
    panel.load_example(example_index(panel, "plateau.csv"))
    assert [request.kind for request in panel.walk.pending] == ["shallower_model"]
    before = panel.walk.verdict.confidence
    assert before < SETTLED_CONFIDENCE
    setup = tiny_setup()
    monkeypatch.setattr(panel, "experiment_setup", lambda: setup)
    row = panel.experiments.rows["shallower_model"]
    assert row.isVisibleTo(panel)
    row.run_button.click()
    assert panel.runner.running() and row.progress.isVisibleTo(panel)
    assert wait_until(lambda: row.state == DONE, 60), row.status.text()
    # What the worker trained, redone headless: the same conclusion settles the walk.
    records = list(worker.experiment_records("shallower_model", setup))
    assert len(records) == setup.train.epochs + 1
    conclusion = compare_shallower(load_curves(CURVES / "plateau.csv"), records)
    walk = panel.walk
    assert walk.pending == () and walk.verdict.confidence == SETTLED_CONFIDENCE
    assert walk.case == ("plateau" if conclusion.case == "optimization" else "model_bias")
    assert walk.path[-1].settled_by == "experiment"
    assert walk.verdict.evidence[0].text["en"] == conclusion.text["en"]
    assert row.status.text() == conclusion.text["en"]
    assert row.progress.value() == row.progress.maximum() == setup.train.epochs + 1
    assert panel.flowchart.walked()[-1] == f"case:{walk.case}"
    assert panel.flowchart.pending_steps() == set()


def test_the_hold_out_experiment_feeds_its_curves_to_the_walk(panel, monkeypatch):
    panel.load_example(example_index(panel, "mismatch.json"))
    setup = tiny_setup()
    monkeypatch.setattr(panel, "experiment_setup", lambda: setup)
    row = panel.experiments.rows["hold_out"]
    assert panel.run_experiment("hold_out")
    assert wait_until(lambda: row.state == DONE, 60), row.status.text()
    held_out = curves_from_records(worker.experiment_records("hold_out", setup))
    evidence = panel.walk.verdict.evidence[0]
    assert evidence.key == "hold_out_loss"
    assert math.isclose(evidence.value, float(np.median(held_out.val_loss[-3:])), rel_tol=1e-4)
    assert panel.walk.verdict.confidence == SETTLED_CONFIDENCE
    assert row.status.text() == evidence.text["en"]


def test_k_fold_reports_the_best_epoch_of_the_folds_mean(panel, monkeypatch):
    from core.nets.trainer import kfold_summary

    panel.load_example(example_index(panel, "overfitting.csv"))
    setup = tiny_setup()
    monkeypatch.setattr(panel, "experiment_setup", lambda: setup)
    row = panel.experiments.rows["kfold"]
    assert panel.run_experiment("kfold")
    assert wait_until(lambda: row.state == DONE, 60), row.status.text()
    summary = kfold_summary(list(worker.experiment_records("kfold", setup)))
    best = int(np.argmin(summary["mean"]))
    assert row.status.text().startswith(
        f"k-fold ({worker.DEFAULT_FOLDS} folds): the mean validation loss is lowest at epoch "
        f"{int(summary['epoch'][best])} ({summary['mean'][best]:.3g} ± {summary['std'][best]:.3g})"
    )
    assert row.progress.maximum() == worker.DEFAULT_FOLDS * (setup.train.epochs + 1)
    assert panel.walk.case == "overfitting"  # k-fold chooses a model; the case stays


def test_a_failing_experiment_shows_its_error_alone(panel, monkeypatch):
    panel.load_example(example_index(panel, "plateau.csv"))
    before = panel.walk

    def broken(kind, setup, device="cpu"):
        yield from ()
        raise RuntimeError("the trainer broke")  # superqt would take it for an abort

    monkeypatch.setattr(worker, "experiment_records", broken)
    monkeypatch.setattr(panel, "experiment_setup", tiny_setup)
    assert panel.run_experiment("shallower_model")
    row = panel.experiments.rows["shallower_model"]
    assert wait_until(lambda: row.state == FAILED, 30)
    assert row.status.text() == "This experiment failed: RuntimeError: the trainer broke"
    assert not panel.runner.running()
    assert panel.walk == before and not panel.error_label.isVisibleTo(panel)
    panel.load_example(example_index(panel, "overfitting.csv"))  # still usable
    assert panel.walk.case == "overfitting"


def test_an_experiment_can_be_cancelled(panel, monkeypatch):
    panel.load_example(example_index(panel, "overfitting.csv"))
    before = panel.walk

    def slow(kind, setup, device="cpu"):
        for _ in range(2000):
            time.sleep(0.005)
            yield object()

    monkeypatch.setattr(worker, "experiment_records", slow)
    monkeypatch.setattr(panel, "experiment_setup", tiny_setup)
    row = panel.experiments.rows["kfold"]
    row.run_button.click()
    assert wait_until(lambda: row.progress.value() > 0, 30)
    row.cancel_button.click()
    assert row.state == CANCELLED and row.status.text() == "Cancelled."
    assert not panel.runner.running() and not row.progress.isVisibleTo(panel)
    assert panel.runner.wait(10000)
    QApplication.processEvents()
    assert row.state == CANCELLED and panel.walk == before and panel.kfold is None


def test_the_network_labs_run_is_diagnosed(main, panel):
    lab = main.network_lab
    main.pages.setCurrentWidget(lab)  # the page starts its trainer when first shown
    assert lab.wait_for(lambda: "network" in lab.snapshots, 60)
    assert lab.wait_idle(30) and lab.epochs_done() == 0
    assert not panel.use_network_lab()
    assert (
        panel.error_label.text() == "Train the Network Lab's network for at least 3 epochs first."
    )
    for _ in range(4):
        lab.step_epoch()
        assert lab.wait_idle(30)
    assert panel.use_network_lab()
    history = lab.history[lab.view_run].columns
    assert len(panel.curves) == len(history["epoch"]) >= 4
    assert np.allclose(panel.curves.train_loss, history["train_loss"])
    assert panel.curves.baseline == pytest.approx(math.log(2), rel=0.05)  # two balanced classes
    assert panel.from_lab and panel.source == "network"
    assert panel.source_label.text().startswith("Curves: the Network Lab's run “network” · ")
    assert panel.walk is not None and panel.flowchart.walked()[0] == "training_loss"
    # Opened from the Network Lab, the window diagnoses the run on view.
    panel.load_example(example_index(panel, "overfitting.csv"))
    help_action(main).trigger()
    assert panel.from_lab and panel.source == "network"


def test_chinese_at_run_time_and_presenter_mode(main, window):
    panel = window.panel
    panel.load_example(example_index(panel, "overfitting.csv"))
    width = panel.flowchart.boxes["training_loss"].boundingRect().width()
    try:
        i18n.set_language("zh")
        QApplication.processEvents()  # Qt posts LanguageChange to every widget
        assert window.windowTitle() == "诊断训练 — LossLab"
        assert help_action(main).text() == "诊断训练(&D)…"
        assert panel.lab_button.text() == "使用网络实验室的运行"
        assert panel.source_label.text().startswith("曲线：overfitting.csv")
        assert "过拟合" in panel.verdict_label.text() and "置信度" in panel.verdict_label.text()
        assert "验证损失在第" in panel.evidence_label.text()
        assert panel.flowchart.texts["training_loss"].toPlainText() == "训练集上的损失大吗？"
        assert panel.remedy_buttons[0].text() == "打开课程"
        assert panel.experiments.rows["hold_out"].title.text() == "<b>从训练分布中留出数据</b>"
        assert panel.plot.best_label().startswith("最好的 epoch")
        appearance().set_presenter(True)
        wider = panel.flowchart.boxes["training_loss"].boundingRect().width()
        assert wider > 1.2 * width
    finally:
        appearance().set_presenter(False)
        i18n.set_language("en")
        QApplication.processEvents()
    assert panel.lab_button.text() == "Use the Network Lab's run"
    assert panel.flowchart.texts["training_loss"].toPlainText() == (
        "Is the loss on the training data large?"
    )
    assert panel.flowchart.boxes["training_loss"].boundingRect().width() == pytest.approx(width)


def test_the_flowchart_fits_a_projector_without_overlaps_in_both_languages(main, window):
    """At 1280x720 in presenter mode the whole chart shows (no scrolling), no two boxes overlap
    and every answer label stays clear of the boxes, in English and in Chinese."""
    view = window.panel.flowchart
    size = window.size()
    try:
        window.resize(1280, 720)
        appearance().set_presenter(True)
        for language in ("en", "zh"):
            i18n.set_language(language)
            QApplication.processEvents()
            assert view.horizontalScrollBar().maximum() <= 0, language
            assert view.verticalScrollBar().maximum() <= 0, language
            boxes = [item.sceneBoundingRect() for item in view.boxes.values()]
            for i, box in enumerate(boxes):
                assert not any(box.intersects(other) for other in boxes[i + 1 :]), language
            for label in view.answers.values():
                area = label.sceneBoundingRect().adjusted(4, 4, -4, -4)  # without its margins
                assert not any(area.intersects(box) for box in boxes), label.toPlainText()
    finally:
        appearance().set_presenter(False)
        i18n.set_language("en")
        window.resize(size)
        QApplication.processEvents()

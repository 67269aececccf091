"""The run editor: forms built from the engine's tables, validation, signals and lr preview."""

from __future__ import annotations

import contextlib
import re
import warnings

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from core.optim import OPTIMIZER_CHOICES, OPTIMIZER_DEFAULTS, OPTIMIZER_NAMES
from core.scene import parse_scene
from core.schedules import SCHEDULE_CHOICES, SCHEDULE_DEFAULTS, SCHEDULE_NAMES, preview_lr
from desktop_app import i18n
from desktop_app.surface_lab.run_editor import DEFAULT_STEPS, HUMAN_NAMES, RunEditor


@pytest.fixture(scope="module")
def shared_editor(qapp):
    """One editor for the module (building it is the slow part); each test gets it reset."""
    widget = RunEditor()
    widget.resize(320, 640)
    yield widget
    widget.close()
    widget.deleteLater()


@pytest.fixture
def editor(shared_editor):
    """The shared editor showing the default run (SGD, constant schedule, 200 steps)."""
    shared_editor.set_run({"optimizer": {"name": "sgd"}, "steps": DEFAULT_STEPS})
    assert shared_editor.is_valid()
    yield shared_editor
    with warnings.catch_warnings(), contextlib.suppress(RuntimeError, TypeError):
        warnings.simplefilter("ignore")
        shared_editor.changed.disconnect()  # the slots a test connected


def _child(editor: RunEditor, name: str, kind: type = QWidget):
    found = editor.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name!r}"
    return found


def _row_names(form: QWidget) -> list[str]:
    """objectNames of the editors in a QFormLayout's label/field rows, top to bottom."""
    layout = form.layout()
    assert isinstance(layout, QFormLayout)
    names = []
    for row in range(layout.rowCount()):
        if layout.itemAt(row, QFormLayout.ItemRole.SpanningRole) is not None:
            continue  # a nested form (warm-up's ``then``) spans the row
        item = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if item is not None and item.widget() is not None:
            names.append(item.widget().objectName())
    return names


def _choose(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    assert index >= 0, key
    combo.setCurrentIndex(index)


def _assert_valid_scene_run(data: dict) -> None:
    scene = parse_scene({"runs": [{**data, "start": [0, 0]}]})
    assert scene.runs[0].optimizer.name == data["optimizer"]["name"]


def _expected_type(default: object) -> type:
    if isinstance(default, bool):
        return QCheckBox
    if isinstance(default, int):
        return QSpinBox
    if isinstance(default, float):
        return QDoubleSpinBox
    return QWidget


def test_combos_list_every_name_with_its_human_name(editor):
    optimizers = _child(editor, "optimizer", QComboBox)
    schedules = _child(editor, "schedule", QComboBox)
    assert [optimizers.itemData(i) for i in range(optimizers.count())] == list(OPTIMIZER_NAMES)
    assert [schedules.itemData(i) for i in range(schedules.count())] == list(SCHEDULE_NAMES)
    assert optimizers.itemText(OPTIMIZER_NAMES.index("lbfgs")) == "L-BFGS"
    assert schedules.itemText(SCHEDULE_NAMES.index("warmup")) == HUMAN_NAMES["warmup"]
    assert editor.run_data() == {
        "optimizer": {"name": "sgd", **OPTIMIZER_DEFAULTS["sgd"]},
        "schedule": None,
        "steps": 200,
    }


def test_every_optimizer_form_shows_exactly_its_parameters(editor, qtbot):
    combo = _child(editor, "optimizer", QComboBox)
    form = _child(editor, "optimizer_params")
    lr = editor.run_data()["optimizer"]["lr"]
    for name in (*OPTIMIZER_NAMES[1:], OPTIMIZER_NAMES[0]):
        with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
            _choose(combo, name)
        defaults = OPTIMIZER_DEFAULTS[name]
        assert _row_names(form) == list(defaults), name
        for parameter, default in defaults.items():
            widget = _child(form, parameter)
            assert isinstance(widget, _expected_type(default)), (name, parameter)
            assert widget.toolTip(), (name, parameter)
            if isinstance(default, tuple):
                for i in range(len(default)):
                    _child(form, f"{parameter}[{i}]", QDoubleSpinBox)
            if parameter in OPTIMIZER_CHOICES.get(name, {}):
                assert isinstance(widget, QComboBox)
        data = blocker.args[0]
        expected = {"name": name, **{k: v for k, v in defaults.items() if v is not None}}
        expected["lr"] = lr  # switching optimizer keeps the learning rate
        if "betas" in expected:
            expected["betas"] = list(expected["betas"])
        _assert_same_values(data["optimizer"], expected, name)
        _assert_valid_scene_run(data)
        assert editor.is_valid()


def test_changing_momentum_emits_a_valid_run(editor, qtbot):
    received = []
    editor.changed.connect(received.append)
    with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
        _child(editor, "momentum", QDoubleSpinBox).setValue(0.9)
    data = blocker.args[0]
    assert data["optimizer"]["name"] == "sgd"
    assert data["optimizer"]["momentum"] == pytest.approx(0.9)
    assert data == editor.run_data()
    assert len(received) == 1
    scene = parse_scene({"runs": [{**data, "start": [0, 0]}]})
    assert scene.runs[0].optimizer.hyper()["momentum"] == pytest.approx(0.9)


def test_typing_a_value_emits_once_when_the_edit_is_finished(editor, qtbot):
    received = []
    editor.changed.connect(received.append)
    box = _child(editor, "lr", QDoubleSpinBox)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "0.125")
    assert received == []  # no signal per keystroke
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert len(received) == 1
    assert received[0]["optimizer"]["lr"] == pytest.approx(0.125)


def test_scientific_input_is_accepted(editor, qtbot):
    _choose(_child(editor, "optimizer", QComboBox), "adam")
    box = _child(editor, "eps", QDoubleSpinBox)
    assert box.text() == "1e-8"
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "1e-6")
    with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert blocker.args[0]["optimizer"]["eps"] == pytest.approx(1e-6)
    box.stepBy(1)  # tiny values step by decades
    assert box.value() == pytest.approx(1e-5)


def test_an_invalid_value_shows_the_error_and_emits_nothing(editor, qtbot):
    # Every box offers only its range's values; what remains invalid is a combination that
    # torch refuses: Nesterov momentum without momentum.
    label = _child(editor, "optimizer_error", QLabel)
    assert label.isHidden() and not label.text()
    with qtbot.assertNotEmitted(editor.changed):
        _child(editor, "nesterov", QCheckBox).setChecked(True)
    assert "nesterov" in label.text().lower()
    assert not label.isHidden()
    assert not editor.is_valid()
    assert editor.run_data()["optimizer"]["nesterov"] is True
    with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
        _child(editor, "momentum", QDoubleSpinBox).setValue(0.8)
    assert blocker.args[0]["optimizer"]["momentum"] == pytest.approx(0.8)
    assert label.isHidden() and not label.text()
    assert editor.is_valid()
    _assert_valid_scene_run(blocker.args[0])


def test_a_box_clamps_to_the_engine_range(editor, qtbot):
    _choose(_child(editor, "optimizer", QComboBox), "adam")
    beta1 = _child(editor, "betas[0]", QDoubleSpinBox)
    beta1.setValue(1.0)  # beta1 is in [0, 1): the box stops one last decimal below 1
    assert beta1.value() == pytest.approx(0.9999)
    assert editor.is_valid()
    _assert_valid_scene_run(editor.run_data())


def test_set_run_shows_the_values_and_emits_nothing(editor, qtbot):
    run = {
        "label": "RMSprop, warm",
        "start": [1.0, -2.0],
        "optimizer": {"name": "rmsprop", "lr": 0.003, "alpha": 0.9, "centered": True},
        "schedule": {"name": "warmup", "warmup_steps": 15, "then": {"name": "cosine", "T_max": 90}},
        "steps": 300,
    }
    with qtbot.assertNotEmitted(editor.changed):
        editor.set_run(run)
    assert _child(editor, "optimizer", QComboBox).currentData() == "rmsprop"
    assert _child(editor, "lr", QDoubleSpinBox).value() == pytest.approx(0.003)
    assert _child(editor, "alpha", QDoubleSpinBox).value() == pytest.approx(0.9)
    assert _child(editor, "centered", QCheckBox).isChecked()
    assert _child(editor, "schedule", QComboBox).currentData() == "warmup"
    assert _child(editor, "warmup_steps", QSpinBox).value() == 15
    assert _child(editor, "then", QComboBox).currentData() == "cosine"
    assert _child(editor, "then.T_max", QSpinBox).value() == 90
    assert _child(editor, "steps", QSpinBox).value() == 300
    data = editor.run_data()
    _assert_same_values(data["optimizer"], {**OPTIMIZER_DEFAULTS["rmsprop"], **run["optimizer"]})
    assert data["schedule"] == {
        "name": "warmup",
        "warmup_steps": 15,
        "start_factor": 0.01,
        "then": {"name": "cosine", "T_max": 90, "eta_min": 0.0},
    }
    assert data["steps"] == 300
    _assert_valid_scene_run(data)
    x, y = editor.preview_curve.getData()
    np.testing.assert_allclose(y, preview_lr(data["schedule"], 0.003, 300))

    # Back to a plain run: no schedule means constant; still no signal.
    with qtbot.assertNotEmitted(editor.changed):
        editor.set_run({"optimizer": {"name": "sgd", "lr": 0.1}, "start": [0, 0]})
    assert editor.run_data() == {
        "optimizer": {**OPTIMIZER_DEFAULTS["sgd"], "name": "sgd", "lr": 0.1},
        "schedule": None,
        "steps": 200,
    }


def test_set_run_refuses_unknown_names(editor):
    with pytest.raises(ValueError, match="unknown optimizer"):
        editor.set_run({"optimizer": {"name": "nadam", "lr": 0.1}})
    with pytest.raises(ValueError, match="momentum"):
        editor.set_run({"optimizer": {"name": "adam", "lr": 0.1, "momentum": 0.9}})
    assert editor.run_data()["optimizer"]["name"] == "sgd"  # unchanged


def test_set_run_with_invalid_values_shows_the_error_without_emitting(editor, qtbot):
    with qtbot.assertNotEmitted(editor.changed):
        editor.set_run({"optimizer": {"name": "sgd", "lr": 0.1, "nesterov": True}})
    assert "nesterov" in _child(editor, "optimizer_error", QLabel).text().lower()
    assert not editor.is_valid()


def test_step_schedule_preview_matches_preview_lr(editor, qtbot):
    _choose(_child(editor, "schedule", QComboBox), "step")
    assert _child(editor, "step_size", QSpinBox).text() == "auto"  # None: from the run length
    assert "step_size" not in editor.run_data()["schedule"]
    _child(editor, "step_size", QSpinBox).setValue(10)
    with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
        _child(editor, "gamma", QDoubleSpinBox).setValue(0.5)
    config = {"name": "step", "step_size": 10, "gamma": 0.5}
    assert blocker.args[0]["schedule"] == config
    _assert_valid_scene_run(blocker.args[0])
    lr = editor.run_data()["optimizer"]["lr"]
    x, y = editor.preview_curve.getData()
    np.testing.assert_allclose(x, np.arange(200))
    np.testing.assert_allclose(y, preview_lr(config, lr, 200))
    assert y[9] == pytest.approx(lr)
    assert y[10] == pytest.approx(lr / 2)

    _child(editor, "steps", QSpinBox).setValue(35)
    x, y = editor.preview_curve.getData()
    assert len(y) == 35
    _child(editor, "lr", QDoubleSpinBox).setValue(0.2)
    x, y = editor.preview_curve.getData()
    assert y[0] == pytest.approx(0.2) and y[10] == pytest.approx(0.1)


def test_every_schedule_form_shows_its_parameters(editor, qtbot):
    combo = _child(editor, "schedule", QComboBox)
    form = _child(editor, "schedule_params")
    for name in (*SCHEDULE_NAMES[1:], SCHEDULE_NAMES[0]):
        with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
            _choose(combo, name)
        assert _row_names(form) == list(SCHEDULE_DEFAULTS[name]), name
        data = blocker.args[0]
        if name == "constant":
            assert data["schedule"] is None
        else:
            assert data["schedule"]["name"] == name
        _assert_valid_scene_run(data)
        x, y = editor.preview_curve.getData()
        assert len(y) == 200, name


def test_warmup_nests_a_second_schedule(editor, qtbot):
    _choose(_child(editor, "schedule", QComboBox), "warmup")
    then = _child(editor, "then", QComboBox)
    names = [then.itemData(i) for i in range(then.count())]
    assert names == list(SCHEDULE_CHOICES["warmup"]["then"])
    assert "warmup" not in names
    with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
        _choose(then, "inverse_sqrt")
    assert blocker.args[0]["schedule"] == {
        "name": "warmup",
        "start_factor": 0.01,
        "then": {"name": "inverse_sqrt"},
    }
    with qtbot.waitSignal(editor.changed, timeout=1000) as blocker:
        _child(editor, "then.warmup_steps", QSpinBox).setValue(7)
    assert blocker.args[0]["schedule"]["then"] == {"name": "inverse_sqrt", "warmup_steps": 7}
    _assert_valid_scene_run(blocker.args[0])


def test_an_invalid_schedule_shows_the_error_and_emits_nothing(editor, qtbot):
    _choose(_child(editor, "schedule", QComboBox), "onecycle")
    label = _child(editor, "schedule_error", QLabel)
    with qtbot.assertNotEmitted(editor.changed):
        _child(editor, "total_steps", QSpinBox).setValue(100)  # shorter than the 200 steps
    assert "total_steps" in label.text() and not label.isHidden()
    x, y = editor.preview_curve.getData()
    assert y is None or len(y) == 0
    with qtbot.waitSignal(editor.changed, timeout=1000):
        _child(editor, "steps", QSpinBox).setValue(100)
    assert label.isHidden()


def test_language_change_keeps_the_form(editor):
    before = editor.run_data()
    QApplication.sendEvent(editor, QEvent(QEvent.Type.LanguageChange))
    assert editor.run_data() == before
    assert _child(editor, "optimizer", QComboBox).currentText() == "SGD"


def test_the_editor_paints(editor, qtbot, tmp_path):
    editor.set_run(
        {
            "optimizer": {"name": "adam", "lr": 0.05},
            "schedule": {"name": "cosine"},
            "steps": 150,
        }
    )
    editor.show()
    qtbot.waitExposed(editor)
    image = editor.grab().toImage()
    assert not image.isNull()
    assert image.width() > 200 and image.height() > 300
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 10
    assert image.save(str(tmp_path / "run_editor.png"))


def _assert_same_values(actual: dict, expected: dict, context: str = "") -> None:
    """Dict equality with float tolerance, lists (betas) included (pytest.approx nests no lists)."""
    assert actual.keys() == expected.keys(), context
    for key, value in expected.items():
        if isinstance(value, list | tuple):
            assert list(actual[key]) == pytest.approx(list(value)), (context, key)
        elif isinstance(value, float):
            assert actual[key] == pytest.approx(value), (context, key)
        else:
            assert actual[key] == value, (context, key)


# --- the spin boxes offer the engine's ranges (core.optim.registry, core.schedules) -----------


def _boxes(form: QWidget, parameter: str) -> list:
    widget = _child(form, parameter)
    if isinstance(widget, QDoubleSpinBox | QSpinBox):
        return [widget]
    return [box for box in widget.findChildren(QDoubleSpinBox) if box.objectName()]


def _assert_box_in_range(box, valid, where) -> None:
    """The box's bounds are valid values, and equal the range's closed finite bounds (a
    special "auto" minimum stands for None and is not a value)."""
    auto = bool(box.specialValueText())
    if not auto:
        assert valid.problem(box.minimum()) is None, (where, box.minimum())
    assert valid.problem(box.maximum()) is None, (where, box.maximum())
    if valid.low is not None and not valid.low_open and not auto and where[-1] != "lr":
        assert box.minimum() == pytest.approx(valid.low), where
    elif valid.low is not None and valid.low_open and not auto:
        assert valid.low < box.minimum() <= valid.low + 1e-3, where
    if valid.high is not None and isinstance(box, QSpinBox):
        assert box.maximum() == min(valid.high, 100_000), where
    elif valid.high is not None and not valid.high_open and valid.high <= 1:
        assert box.maximum() == pytest.approx(valid.high), where
    elif valid.high is not None:
        assert valid.high - 1e-3 <= box.maximum() < valid.high, where


def test_optimizer_boxes_offer_exactly_the_registry_ranges(editor):
    from core.optim import OPTIMIZER_RANGES

    combo = _child(editor, "optimizer", QComboBox)
    form = _child(editor, "optimizer_params")
    checked = 0
    for name in OPTIMIZER_NAMES:
        _choose(combo, name)
        for parameter, valid in OPTIMIZER_RANGES[name].items():
            for box in _boxes(form, parameter):
                _assert_box_in_range(box, valid, (name, parameter))
                checked += 1
    assert checked > 30
    # The values the issue named: momentum 1, eps 0 are not offered any more.
    _choose(combo, "sgd")
    assert _child(form, "momentum", QDoubleSpinBox).maximum() < 1
    _choose(combo, "adam")
    assert _child(form, "eps", QDoubleSpinBox).minimum() > 0
    _choose(combo, "lbfgs")
    assert _child(form, "history_size", QSpinBox).maximum() == 200


def test_schedule_boxes_offer_exactly_the_schedule_ranges(editor):
    from core.schedules import SCHEDULE_RANGES

    combo = _child(editor, "schedule", QComboBox)
    form = _child(editor, "schedule_params")
    for name in SCHEDULE_NAMES:
        _choose(combo, name)
        for parameter, valid in SCHEDULE_RANGES[name].items():
            for box in _boxes(form, parameter):
                _assert_box_in_range(box, valid, (name, parameter))
    _choose(combo, "step")
    assert _child(form, "gamma", QDoubleSpinBox).maximum() == 1.0  # was 2: a growth, refused
    assert _child(form, "gamma", QDoubleSpinBox).minimum() > 0
    _choose(combo, "warmup")
    _choose(_child(form, "then", QComboBox), "exponential")  # the nested form too
    assert _child(form, "then.gamma", QDoubleSpinBox).maximum() == 1.0


def test_a_new_registry_entry_appears_in_the_editor(qtbot, monkeypatch):
    """One entry in the registry: the editor offers it with its own ranges and it runs."""
    import torch

    from core.limits import Range
    from core.optim import registry

    entry = registry.OptimizerEntry(
        "dummy_sgd",
        torch.optim.SGD,
        {"lr": registry.LR, "momentum": Range(0, 0.5)},
        left_out=frozenset({"dampening", "weight_decay", "nesterov"}),
        gui_lr=0.05,
        state_reader=registry.OPTIMIZERS["sgd"].state_reader,
    )
    monkeypatch.setitem(registry.OPTIMIZERS, "dummy_sgd", entry)
    monkeypatch.setitem(HUMAN_NAMES, "dummy_sgd", "Dummy SGD")
    widget = RunEditor()
    qtbot.addWidget(widget)
    combo = _child(widget, "optimizer", QComboBox)
    assert combo.itemData(combo.count() - 1) == "dummy_sgd"
    with qtbot.waitSignal(widget.changed, timeout=1000) as blocker:
        _choose(combo, "dummy_sgd")
    form = _child(widget, "optimizer_params")
    assert _row_names(form) == ["lr", "momentum"]
    assert _child(form, "momentum", QDoubleSpinBox).maximum() == pytest.approx(0.5)
    assert blocker.args[0]["optimizer"]["name"] == "dummy_sgd"
    _assert_valid_scene_run(blocker.args[0])


def test_a_new_schedule_entry_appears_in_the_editor(qtbot, monkeypatch):
    import torch

    from core import schedules
    from core.limits import Range

    def build(optimizer, p, total_steps, auto):
        every = auto("every", total_steps // 2)
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=every, gamma=0.5)

    entry = schedules.ScheduleEntry(
        "halving", torch.optim.lr_scheduler.StepLR, {"every": None}, build, {"every": Range(1, 50)}
    )
    monkeypatch.setitem(schedules.SCHEDULES, "halving", entry)
    monkeypatch.setitem(HUMAN_NAMES, "halving", "Halving")
    widget = RunEditor()
    qtbot.addWidget(widget)
    combo = _child(widget, "schedule", QComboBox)
    assert combo.itemData(combo.count() - 1) == "halving"
    _choose(combo, "halving")
    box = _child(widget, "every", QSpinBox)
    assert (box.minimum(), box.maximum()) == (0, 50)  # 0: "auto"
    with qtbot.waitSignal(widget.changed, timeout=1000) as blocker:
        box.setValue(25)
    assert blocker.args[0]["schedule"] == {"name": "halving", "every": 25}
    x, y = widget.preview_curve.getData()
    np.testing.assert_allclose(y, preview_lr({"name": "halving", "every": 25}, 0.01, 200))
    assert y[0] == pytest.approx(0.01) and y[-1] == pytest.approx(0.01 * 0.5**7)


# --- human labels: the code name only in the tooltip ----------------------------------------

CODE_NAMES = {
    "steps",
    *(p for name in OPTIMIZER_NAMES for p in OPTIMIZER_DEFAULTS[name]),
    *(p for name in SCHEDULE_NAMES for p in SCHEDULE_DEFAULTS[name]),
}
CJK = re.compile(r"[\u2e80-\u9fff]")


def _row_labels(editor: RunEditor) -> dict[str, QLabel]:
    """Every parameter label of the editor (nested forms and steps included), by code name."""
    labels = {}
    for label in editor.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            labels[buddy.objectName().rpartition(".")[2]] = label
    return labels


def _assert_human_labels(editor: RunEditor, where: str, chinese: bool) -> set[str]:
    labels = _row_labels(editor)
    assert "steps" in labels and "lr" in labels, where
    for code, label in labels.items():
        text = label.text()
        assert text and text not in CODE_NAMES and "_" not in text, (where, code, text)
        assert label.toolTip().startswith(f"{code}: "), (where, code, label.toolTip())
        assert bool(CJK.search(text)) == chinese, (where, code, text)
    return set(labels)


def _every_form_has_human_labels(editor: RunEditor, chinese: bool) -> None:
    """Choose every optimizer, schedule and warm-up follower and check the labels shown."""
    seen: set[str] = set()
    for name in OPTIMIZER_NAMES:
        _choose(_child(editor, "optimizer", QComboBox), name)
        seen |= _assert_human_labels(editor, name, chinese)
    for name in SCHEDULE_NAMES:
        _choose(_child(editor, "schedule", QComboBox), name)
        seen |= _assert_human_labels(editor, name, chinese)
    _choose(_child(editor, "schedule", QComboBox), "warmup")
    for then in SCHEDULE_CHOICES["warmup"]["then"]:
        _choose(_child(editor, "then", QComboBox), then)
        seen |= _assert_human_labels(editor, f"warmup then {then}", chinese)
    assert seen == CODE_NAMES  # every parameter of the registries was shown and checked


def test_every_parameter_has_a_human_label_and_its_code_name_in_the_tooltip(editor):
    _every_form_has_human_labels(editor, chinese=False)
    _choose(_child(editor, "optimizer", QComboBox), "adam")
    labels = _row_labels(editor)
    assert labels["weight_decay"].text() == "Weight decay"
    assert labels["betas"].toolTip().startswith("betas: Decay rates")
    assert labels["steps"].text() == "Steps"


def test_labels_are_translated_after_switching_to_chinese(editor, qtbot):
    _choose(_child(editor, "optimizer", QComboBox), "sgd")
    try:
        i18n.set_language("zh")
        labels = _row_labels(editor)
        qtbot.waitUntil(lambda: labels["weight_decay"].text() == "权重衰减")  # LanguageChange
        assert labels["nesterov"].text() == "Nesterov 前瞻"
        assert labels["nesterov"].toolTip().startswith("nesterov: ")
        _every_form_has_human_labels(editor, chinese=True)
    finally:
        i18n.set_language("en")
    labels = _row_labels(editor)
    qtbot.waitUntil(lambda: labels["steps"].text() == "Steps")

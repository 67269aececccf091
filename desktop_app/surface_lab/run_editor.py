"""The form that edits one run's optimizer, learning-rate schedule and length.

Both parameter forms are built from the engine's registries (``core.optim.registry`` and
``core.schedules.SCHEDULES``, through ``OPTIMIZER_DEFAULTS`` / ``SCHEDULE_DEFAULTS``, their
``*_CHOICES`` and ``*_RANGES``), never hand-listed per optimizer, so a parameter torch adds shows
up by itself and every spin box offers exactly the values the engine accepts. The editor of
each parameter has the parameter's (torch's) name as its ``objectName``; the elements of a
tuple are ``NAME[0]``, ``NAME[1]``; the parameters of the schedule nested in ``warmup`` are
``then.NAME``. A schedule count whose default is ``None``
("derived from the run length") shows "auto" at 0 and is left out of the data.

``RunEditor.changed`` carries ``{"optimizer": {...}, "schedule": {...} or None, "steps": int}``
(the ``constant`` schedule is ``None``), once per user edit and only when the optimizer builds and
the schedule previews; otherwise the reason is shown in red under the form that is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QSignalBlocker, Signal
from PySide6.QtGui import QFont, QPalette, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.limits import Range
from core.optim import (
    OPTIMIZER_CHOICES,
    OPTIMIZER_DEFAULTS,
    OPTIMIZER_RANGES,
    build_optimizer,
    optimizer_names,
)
from core.schedules import (
    SCHEDULE_CHOICES,
    SCHEDULE_DEFAULTS,
    SCHEDULE_RANGES,
    preview_lr,
    schedule_names,
)
from desktop_app.style import appearance

_CONTEXT = "RunEditor"  # the translation context of every text in this module (= self.tr's)
MAX_STEPS = 100_000
DEFAULT_STEPS = 200


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


# Human names of optimizers and schedules (the data keeps the engine's names).
HUMAN_NAMES: dict[str, str] = {
    "sgd": QT_TRANSLATE_NOOP("RunEditor", "SGD"),
    "adagrad": QT_TRANSLATE_NOOP("RunEditor", "Adagrad"),
    "rmsprop": QT_TRANSLATE_NOOP("RunEditor", "RMSprop"),
    "adam": QT_TRANSLATE_NOOP("RunEditor", "Adam"),
    "adamw": QT_TRANSLATE_NOOP("RunEditor", "AdamW"),
    "lbfgs": QT_TRANSLATE_NOOP("RunEditor", "L-BFGS"),
    "lecture_momentum": QT_TRANSLATE_NOOP("RunEditor", "Momentum (lecture: m ← λm − ηg)"),
    "ema_momentum": QT_TRANSLATE_NOOP("RunEditor", "EMA momentum (v ← βv + (1−β)g)"),
    "rms": QT_TRANSLATE_NOOP("RunEditor", "RMS (lecture σ)"),
    "newton": QT_TRANSLATE_NOOP("RunEditor", "Newton"),
    "constant": QT_TRANSLATE_NOOP("RunEditor", "Constant"),
    "step": QT_TRANSLATE_NOOP("RunEditor", "Step decay"),
    "exponential": QT_TRANSLATE_NOOP("RunEditor", "Exponential"),
    "cosine": QT_TRANSLATE_NOOP("RunEditor", "Cosine"),
    "warmup": QT_TRANSLATE_NOOP("RunEditor", "Warm-up then …"),
    "cosine_restarts": QT_TRANSLATE_NOOP("RunEditor", "Cosine with restarts"),
    "onecycle": QT_TRANSLATE_NOOP("RunEditor", "One-cycle"),
    "inverse_sqrt": QT_TRANSLATE_NOOP("RunEditor", "Inverse square root"),
}

# One sentence per parameter, shown as the tooltip of its label and editor.
EXPLANATIONS: dict[str, str] = {
    "lr": QT_TRANSLATE_NOOP("RunEditor", "Learning rate η: how far each step moves."),
    "momentum": QT_TRANSLATE_NOOP(
        "RunEditor", "How much of the previous movement is kept in each step (0 = none)."
    ),
    "dampening": QT_TRANSLATE_NOOP(
        "RunEditor", "Scales down the new gradient added to the momentum buffer."
    ),
    "nesterov": QT_TRANSLATE_NOOP(
        "RunEditor", "Nesterov momentum: look ahead along the momentum before using the gradient."
    ),
    "weight_decay": QT_TRANSLATE_NOOP(
        "RunEditor", "Pulls the parameters towards 0 (L2 penalty) in every step."
    ),
    "betas": QT_TRANSLATE_NOOP(
        "RunEditor",
        "Decay rates of the running averages of the gradient (β₁) and of its square (β₂).",
    ),
    "eps": QT_TRANSLATE_NOOP(
        "RunEditor", "Small number added to the denominator so it never divides by zero."
    ),
    "alpha": QT_TRANSLATE_NOOP(
        "RunEditor", "Decay rate of the running average of the squared gradient."
    ),
    "amsgrad": QT_TRANSLATE_NOOP(
        "RunEditor", "AMSGrad: divide by the largest squared-gradient average seen so far."
    ),
    "bias_correction": QT_TRANSLATE_NOOP(
        "RunEditor", "Correct the running averages for starting at zero (off: the lecture's Adam)."
    ),
    "beta": QT_TRANSLATE_NOOP(
        "RunEditor",
        "Decay rate of the moving average of the gradients (0 = plain gradient descent).",
    ),
    "damping": QT_TRANSLATE_NOOP(
        "RunEditor", "Added to the Hessian's diagonal so that the Newton step stays finite."
    ),
    "centered": QT_TRANSLATE_NOOP(
        "RunEditor", "Divide by the gradient's variance instead of its raw second moment."
    ),
    "lr_decay": QT_TRANSLATE_NOOP(
        "RunEditor", "Shrinks the learning rate as lr / (1 + (t − 1) · lr_decay)."
    ),
    "initial_accumulator_value": QT_TRANSLATE_NOOP(
        "RunEditor", "Starting value of the sum of squared gradients."
    ),
    "max_iter": QT_TRANSLATE_NOOP("RunEditor", "Most inner iterations per optimizer step."),
    "tolerance_grad": QT_TRANSLATE_NOOP(
        "RunEditor", "Stop the inner iterations when the gradient is smaller than this."
    ),
    "tolerance_change": QT_TRANSLATE_NOOP(
        "RunEditor", "Stop the inner iterations when the loss or the step changes less than this."
    ),
    "history_size": QT_TRANSLATE_NOOP(
        "RunEditor", "How many past steps are remembered to estimate the curvature."
    ),
    "line_search_fn": QT_TRANSLATE_NOOP(
        "RunEditor", "Line search choosing the step length ('none': always step by lr)."
    ),
    "step_size": QT_TRANSLATE_NOOP(
        "RunEditor", "Multiply the lr by gamma every this many steps (auto: a quarter of the run)."
    ),
    "gamma": QT_TRANSLATE_NOOP("RunEditor", "Factor the learning rate is multiplied by."),
    "T_max": QT_TRANSLATE_NOOP(
        "RunEditor", "Steps from the full lr down to eta_min (auto: the whole run)."
    ),
    "eta_min": QT_TRANSLATE_NOOP("RunEditor", "Lowest learning rate the cosine reaches."),
    "warmup_steps": QT_TRANSLATE_NOOP(
        "RunEditor", "Steps of the warm-up (auto: a tenth of the run)."
    ),
    "start_factor": QT_TRANSLATE_NOOP(
        "RunEditor", "The warm-up starts at this fraction of the learning rate."
    ),
    "then": QT_TRANSLATE_NOOP("RunEditor", "The schedule that follows the warm-up."),
    "T_0": QT_TRANSLATE_NOOP(
        "RunEditor", "Steps until the first restart (auto: a quarter of the run)."
    ),
    "T_mult": QT_TRANSLATE_NOOP(
        "RunEditor", "Each period is this many times longer than the last."
    ),
    "max_lr": QT_TRANSLATE_NOOP(
        "RunEditor", "Peak learning rate of the cycle (auto: the optimizer's lr)."
    ),
    "total_steps": QT_TRANSLATE_NOOP(
        "RunEditor", "Length of the cycle; at least the run's steps (auto: the run)."
    ),
    "pct_start": QT_TRANSLATE_NOOP("RunEditor", "Fraction of the cycle spent rising to max_lr."),
    "anneal_strategy": QT_TRANSLATE_NOOP(
        "RunEditor", "Shape of the rise and fall: cosine or straight lines."
    ),
    "div_factor": QT_TRANSLATE_NOOP("RunEditor", "The cycle starts at max_lr / div_factor."),
    "final_div_factor": QT_TRANSLATE_NOOP(
        "RunEditor", "The cycle ends at max_lr / (div_factor · final_div_factor)."
    ),
    "cycle_momentum": QT_TRANSLATE_NOOP(
        "RunEditor", "Also cycle the momentum (or β₁) opposite to the learning rate."
    ),
    "steps": QT_TRANSLATE_NOOP("RunEditor", "How many optimizer steps the run takes."),
}

_AUTO = QT_TRANSLATE_NOOP("RunEditor", "auto")
_NONE = QT_TRANSLATE_NOOP("RunEditor", "none")


@dataclass(frozen=True)
class _Range:
    """How a float parameter is edited: bounds, decimals kept, and how the arrows step."""

    low: float
    high: float
    decimals: int = 6
    step: float | None = None  # None: adaptive (one digit below the value's first)
    log: bool = False  # arrows multiply / divide by 10


# How each float is shown (decimals, arrow steps) and the editor's practical caps where the
# engine allows more (lr >= 1e-6 as scenes need lr > 0; rates up to 100). The valid values
# themselves come from the engine's ranges (OPTIMIZER_RANGES, SCHEDULE_RANGES): the bounds a
# box offers are those ranges cut to these caps (an open bound moves in by one last decimal),
# so the form never offers a value the engine refuses.
_UNIT = _Range(0.0, 1.0, 4, step=0.01)
_RATE = _Range(0.0, 100.0, 6)
_TINY = _Range(0.0, 1.0, 20, log=True)
_FLOAT_RANGES: dict[str, _Range] = {
    "lr": _Range(1e-6, 100.0, 6),
    "max_lr": _RATE,
    "momentum": _UNIT,
    "dampening": _UNIT,
    "alpha": _UNIT,
    "beta": _UNIT,
    "betas": _UNIT,
    "start_factor": _UNIT,
    "pct_start": _UNIT,
    "gamma": _UNIT,
    "eps": _TINY,
    "tolerance_grad": _TINY,
    "tolerance_change": _TINY,
    "weight_decay": _RATE,
    "lr_decay": _RATE,
    "eta_min": _RATE,
    "damping": _Range(0.0, 1000.0, 6),
    "initial_accumulator_value": _RATE,
    "div_factor": _Range(0.0, 1e9, 3),
    "final_div_factor": _Range(0.0, 1e12, 3),
}
_FALLBACK_RANGE = _Range(-1e9, 1e9, 6)
_AUTO_FLOATS = frozenset({"max_lr"})  # a None default of these is a float, of others a count


def _format_float(value: float, digits: int = 6) -> str:
    text = f"{value:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


class _FloatBox(QDoubleSpinBox):
    """A double spin box that shows compact numbers (0.9, 1e-8) and accepts scientific input."""

    def __init__(self, spec: _Range, auto: bool = False) -> None:
        super().__init__()
        self._log = spec.log
        self.setDecimals(spec.decimals)
        self.setRange(spec.low, spec.high)
        if spec.step is None:
            self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        else:
            self.setSingleStep(spec.step)
        if auto:
            self.setSpecialValueText(_tr(_AUTO))
        self.setKeyboardTracking(False)  # one change per finished edit, not per keystroke

    def textFromValue(self, value: float) -> str:  # Qt override
        return _format_float(value)

    def valueFromText(self, text: str) -> float:
        if self.specialValueText() and text == self.specialValueText():
            return self.minimum()
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        if self.specialValueText() and text == self.specialValueText():
            return QValidator.State.Acceptable, text, pos
        candidate = text.strip().replace(",", ".")
        try:
            value = float(candidate)
        except ValueError:
            partial = candidate in ("", "-", "+", ".") or candidate[-1:].lower() in ("e", "-", "+")
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, pos
        if not math.isfinite(value):
            return QValidator.State.Invalid, text, pos
        inside = self.minimum() <= value <= self.maximum()
        state = QValidator.State.Acceptable if inside else QValidator.State.Intermediate
        return state, text, pos

    def stepBy(self, steps: int) -> None:
        if not self._log:
            super().stepBy(steps)
            return
        value = self.value()
        if value <= 0:
            value = 1e-12 if steps > 0 else 0.0
        else:
            value *= 10.0**steps
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _int_box(low: int, high: int, auto: bool = False) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setKeyboardTracking(False)
    if auto:
        box.setSpecialValueText(_tr(_AUTO))
    return box


def _float_range(name: str, valid: Range | None = None, auto: bool = False) -> _Range:
    """The editor of float ``name``: its display (``_FLOAT_RANGES``) with the bounds cut to the
    engine's range ``valid``. With ``auto`` the minimum is "auto" (None), so an open low bound
    stays as it is there."""
    shown = _FLOAT_RANGES.get(name, _FALLBACK_RANGE)
    if valid is None:
        return shown
    unit = 10.0**-shown.decimals
    low, high = shown.low, shown.high
    if valid.low is not None:
        nudge = unit if valid.low_open and not auto else 0.0
        low = max(low, float(valid.low) + nudge)
    if valid.high is not None:
        high = min(high, float(valid.high) - (unit if valid.high_open else 0.0))
    return _Range(low, high, shown.decimals, shown.step, shown.log)


def _int_range(valid: Range | None, default: int | None) -> tuple[int, int]:
    """The bounds of an integer editor: the engine's range (capped at MAX_STEPS); an "auto"
    box (default None) has one more value below, which reads as None."""
    low = 0 if default is None else min(1, default)
    high = MAX_STEPS
    if valid is not None:
        if valid.low is not None:
            low = math.floor(valid.low) + 1 if valid.low_open else math.ceil(valid.low)
            low -= default is None
        if valid.high is not None:
            top = math.ceil(valid.high) - 1 if valid.high_open else math.floor(valid.high)
            high = min(high, top)
    return low, high


def _choice_text(choice: object) -> str:
    return _tr(_NONE) if choice is None else str(choice)


class _ParamForm(QWidget):
    """Editors for one ``{name: default}`` table, in a QFormLayout, one row per parameter.

    ``tables`` holds the parameter tables a dict-valued default (a nested schedule such as
    warm-up's ``then``) is built from; its choices of names come from ``choices[key]``.
    ``ranges`` are the engine's valid values of the numbers (``table_ranges`` those of the
    nested tables): the spin boxes offer only those.
    ``edited`` fires after any change of any editor, including nested ones.
    """

    edited = Signal()

    def __init__(
        self,
        defaults: dict[str, object],
        choices: dict[str, tuple[Any, ...]] | None = None,
        tables: dict[str, dict[str, object]] | None = None,
        table_choices: dict[str, dict[str, tuple[Any, ...]]] | None = None,
        prefix: str = "",
        ranges: Mapping[str, Range] | None = None,
        table_ranges: Mapping[str, Mapping[str, Range]] | None = None,
    ) -> None:
        super().__init__()
        self._tables = tables or {}
        self._table_choices = table_choices or {}
        self._table_ranges = table_ranges or {}
        self._ranges: Mapping[str, Range] = {}
        self._prefix = prefix
        self._getters: dict[str, Callable[[], object]] = {}
        self._setters: dict[str, Callable[[object], None]] = {}
        self._labels: dict[str, QLabel] = {}
        self._editors: dict[str, QWidget] = {}
        self._nested: list[_ParamForm] = []
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setHorizontalSpacing(8)
        self._layout.setVerticalSpacing(3)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rebuild(defaults, choices, ranges)

    # --- building -------------------------------------------------------------------------

    def rebuild(
        self,
        defaults: dict[str, object],
        choices: Mapping[str, tuple[Any, ...]] | None = None,
        ranges: Mapping[str, Range] | None = None,
    ) -> None:
        """Replace all rows by editors for ``defaults`` showing the default values; the spin
        boxes offer the values of ``ranges`` (the engine's)."""
        self._ranges = ranges or {}
        while self._layout.rowCount():
            self._layout.removeRow(0)  # deletes the row's widgets
        self._getters.clear()
        self._setters.clear()
        self._labels.clear()
        self._editors.clear()
        self._nested.clear()
        choices = choices or {}
        for name, default in defaults.items():
            self._add_row(name, default, choices.get(name))
        self.retranslate()

    def _add_row(self, name: str, default: object, choices: tuple[Any, ...] | None) -> None:
        if isinstance(default, dict):
            self._add_nested(name, default, choices or tuple(self._tables))
            return
        if choices is not None:
            editor, get, put = self._combo(choices)
        elif isinstance(default, bool):
            editor = QCheckBox()
            get, put = editor.isChecked, lambda v, e=editor: e.setChecked(bool(v))
            editor.toggled.connect(self.edited)
        elif isinstance(default, int) or (default is None and name not in _AUTO_FLOATS):
            low, high = _int_range(self._ranges.get(name), default)
            editor = _int_box(low, high, default is None)
            get, put = self._auto_accessors(editor)
            editor.valueChanged.connect(self.edited)
        elif isinstance(default, float) or default is None:
            spec = _float_range(name, self._ranges.get(name), auto=default is None)
            editor = _FloatBox(spec, auto=default is None)
            get, put = self._auto_accessors(editor)
            editor.valueChanged.connect(self.edited)
        elif isinstance(default, tuple):
            editor, get, put = self._tuple(name, default)
        else:
            editor = QLineEdit()
            get, put = editor.text, lambda v, e=editor: e.setText("" if v is None else str(v))
            editor.editingFinished.connect(self.edited)
        editor.setObjectName(self._prefix + name)
        with QSignalBlocker(editor):
            put(default)
        label = QLabel(name)
        label.setBuddy(editor)
        self._layout.addRow(label, editor)
        self._register(name, label, editor, get, put)

    def _register(self, name, label, editor, get, put) -> None:
        self._labels[name], self._editors[name] = label, editor
        self._getters[name], self._setters[name] = get, put

    @staticmethod
    def _auto_accessors(box: QSpinBox | QDoubleSpinBox):
        """A box with "auto" (its minimum) reads as None there."""

        def get() -> object:
            if box.specialValueText() and box.value() == box.minimum():
                return None
            return box.value()

        def put(value: object) -> None:
            box.setValue(box.minimum() if value is None else value)  # type: ignore[arg-type]

        return get, put

    def _combo(self, choices: tuple[Any, ...]):
        combo = QComboBox()
        for choice in choices:
            combo.addItem(_choice_text(choice), choice)

        def put(value: object) -> None:
            index = next((i for i, c in enumerate(choices) if c == value), -1)
            if index < 0:
                raise ValueError(f"{value!r} is not one of {list(choices)}")
            combo.setCurrentIndex(index)

        combo.currentIndexChanged.connect(self.edited)
        return combo, lambda: choices[combo.currentIndex()], put

    def _tuple(self, name: str, default: tuple):
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        boxes = []
        for i in range(len(default)):
            box = _FloatBox(_float_range(name, self._ranges.get(name)))
            box.setObjectName(f"{self._prefix}{name}[{i}]")
            box.valueChanged.connect(self.edited)
            layout.addWidget(box)
            boxes.append(box)

        def put(values: object) -> None:
            for box, value in zip(boxes, values, strict=True):  # type: ignore[call-overload]
                box.setValue(value)

        def put_quietly(values: object) -> None:
            with _blocked(boxes):
                put(values)

        return row, lambda: [box.value() for box in boxes], put_quietly

    def _add_nested(self, name: str, default: dict, names: tuple[str, ...]) -> None:
        """A nested schedule: a combo of names, and under it the chosen one's own form."""
        combo = QComboBox()
        combo.setObjectName(self._prefix + name)
        for key in names:
            combo.addItem(_tr(HUMAN_NAMES.get(key, key)), key)
        first = default.get("name")
        combo.setCurrentIndex(names.index(first) if first in names else 0)
        nested = _ParamForm(
            self._tables.get(combo.currentData(), {}),
            self._table_choices.get(combo.currentData()),
            self._tables,
            self._table_choices,
            prefix=f"{self._prefix}{name}.",
            ranges=self._table_ranges.get(combo.currentData()),
            table_ranges=self._table_ranges,
        )
        nested.setContentsMargins(14, 0, 0, 0)
        nested.edited.connect(self.edited)
        self._nested.append(nested)

        def choose(_index: int) -> None:
            key = combo.currentData()
            nested.rebuild(
                self._tables.get(key, {}),
                self._table_choices.get(key),
                self._table_ranges.get(key),
            )
            self.edited.emit()

        def put(value: object) -> None:
            config = dict(value or {"name": names[0]})  # type: ignore[call-overload]
            key = config.pop("name", names[0])
            if key not in names:
                raise ValueError(f"{name}: {key!r} is not one of {list(names)}")
            with QSignalBlocker(combo):
                combo.setCurrentIndex(names.index(key))
            nested.rebuild(
                self._tables.get(key, {}),
                self._table_choices.get(key),
                self._table_ranges.get(key),
            )
            nested.set_values(config)

        combo.currentIndexChanged.connect(choose)
        label = QLabel(name)
        label.setBuddy(combo)
        self._layout.addRow(label, combo)
        self._layout.addRow(nested)

        def get() -> dict[str, object]:
            return {"name": combo.currentData(), **nested.values()}

        self._register(name, label, combo, get, put)

    # --- data -----------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """The edited values; ``None`` ("auto", "none") is left out: it is the default."""
        out = {name: get() for name, get in self._getters.items()}
        return {name: value for name, value in out.items() if value is not None}

    def set_values(self, values: dict[str, object]) -> None:
        """Show ``values`` without emitting ``edited``; ``ValueError`` for an unknown name."""
        unknown = sorted(set(values) - set(self._setters))
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)}")
        with QSignalBlocker(self):
            for name, value in values.items():
                editor = self._editors[name]
                with QSignalBlocker(editor):
                    self._setters[name](value)

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def names(self) -> list[str]:
        return list(self._editors)

    def retranslate(self) -> None:
        for name, label in self._labels.items():
            tip = _tr(EXPLANATIONS[name]) if name in EXPLANATIONS else ""
            label.setToolTip(tip)
            self._editors[name].setToolTip(tip)
            editor = self._editors[name]
            boxes = [editor, *editor.findChildren(QAbstractSpinBox)]
            for box in boxes:
                if isinstance(box, QAbstractSpinBox) and box.specialValueText():
                    box.setSpecialValueText(_tr(_AUTO))
            if isinstance(editor, QComboBox):
                for i in range(editor.count()):
                    key = editor.itemData(i)
                    text = _choice_text(key) if key not in HUMAN_NAMES else _tr(HUMAN_NAMES[key])
                    editor.setItemText(i, text)
        for nested in self._nested:
            nested.retranslate()


@contextmanager
def _blocked(widgets) -> Iterator[None]:
    blockers = [QSignalBlocker(w) for w in widgets]
    try:
        yield
    finally:
        for blocker in blockers:
            blocker.unblock()


def _name_combo(names: tuple[str, ...], object_name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(object_name)
    for key in names:
        combo.addItem(_tr(HUMAN_NAMES.get(key, key)), key)
    # Long names must not widen the side panel: elide instead.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return combo


def _error_label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #d32f2f;")
    label.setVisible(False)
    return label


class RunEditor(QWidget):
    """Edits one run's optimizer (and its hyper-parameters), lr schedule and number of steps.

    ``set_run(run)`` shows a run's data (``label``/``start``/... are ignored) without emitting;
    ``run_data()`` returns ``{"optimizer": {...}, "schedule": {...} or None, "steps": int}``;
    ``changed(dict)`` emits that after each valid user edit; ``is_valid()`` says whether the
    current data builds. ``preview_curve`` is the lr-per-step curve of the schedule.
    """

    changed = Signal(dict)

    def __init__(
        self, parent: QWidget | None = None, optimizers: tuple[str, ...] | None = None
    ) -> None:
        """``optimizers``: the names offered (default: every optimizer of the engine)."""
        super().__init__(parent)
        self._loading = 0
        self._valid = True
        self.optimizer_names = tuple(optimizers or optimizer_names())  # the registry's

        self._build_optimizer_box()
        self._build_schedule_box()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        outer.addWidget(self._optimizer_box)
        outer.addWidget(self._schedule_box)
        outer.addStretch(1)

        self._optimizer_combo.currentIndexChanged.connect(self._optimizer_chosen)
        self._optimizer_form.edited.connect(self._edited)
        self._schedule_combo.currentIndexChanged.connect(self._schedule_chosen)
        self._schedule_form.edited.connect(self._edited)
        self._steps.valueChanged.connect(self._edited)
        appearance().changed.connect(self._style_preview)  # presenter mode, theme
        self._style_preview()
        self._retranslate()
        self._refresh()

    def _build_optimizer_box(self) -> None:
        """The optimizer group: its name, hyper-parameters and error."""
        self._optimizer_box = QGroupBox()
        self._optimizer_combo = _name_combo(self.optimizer_names, "optimizer")
        first = self.optimizer_names[0]
        self._optimizer_form = _ParamForm(
            self._defaults(first), OPTIMIZER_CHOICES.get(first), ranges=OPTIMIZER_RANGES[first]
        )
        self._optimizer_form.setObjectName("optimizer_params")
        self._optimizer_error = _error_label("optimizer_error")
        layout = QVBoxLayout(self._optimizer_box)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self._optimizer_combo)
        layout.addWidget(self._optimizer_form)
        layout.addWidget(self._optimizer_error)

    def _build_schedule_box(self) -> None:
        """The schedule group: its name and parameters, the steps and the lr preview."""
        self._schedule_box = QGroupBox()
        self._schedule_names = schedule_names()  # the registry's, when the editor is made
        self._schedule_combo = _name_combo(self._schedule_names, "schedule")
        self._schedule_form = self._new_schedule_form(self._schedule_names[0])
        self._schedule_error = _error_label("schedule_error")
        self._steps = _int_box(1, MAX_STEPS)
        self._steps.setObjectName("steps")
        self._steps.setValue(DEFAULT_STEPS)
        self._steps.setSingleStep(50)
        self._steps_label = QLabel()
        self._steps_label.setBuddy(self._steps)
        top_row = QHBoxLayout()  # [schedule ▾]  steps [200]
        top_row.setContentsMargins(0, 0, 0, 0)
        top_row.setSpacing(6)
        top_row.addWidget(self._schedule_combo, 1)
        top_row.addWidget(self._steps_label)
        top_row.addWidget(self._steps)
        self.preview_plot = self._make_plot()
        self.preview_curve = pg.PlotDataItem(pen=pg.mkPen("#1e88e5", width=2))
        self.preview_plot.addItem(self.preview_curve)
        self._preview_caption = QLabel()
        self._preview_caption.setObjectName("preview_caption")
        caption_font = QFont(self._preview_caption.font())
        caption_font.setPointSizeF(max(caption_font.pointSizeF() - 1, 7))
        self._preview_caption.setFont(caption_font)
        self._preview_caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._preview_caption.setWordWrap(True)
        layout = QVBoxLayout(self._schedule_box)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top_row)
        layout.addWidget(self._schedule_form)
        layout.addWidget(self._schedule_error)
        layout.addWidget(self.preview_plot)
        layout.addWidget(self._preview_caption)

    # --- public API -----------------------------------------------------------------------

    def set_run(self, run: dict[str, Any]) -> None:
        """Show ``run``'s optimizer, schedule (absent / None: constant) and steps; no ``changed``.

        Raises ``ValueError`` for an unknown optimizer, schedule or parameter name.
        """
        optimizer = dict(run["optimizer"])
        name = optimizer.pop("name")
        if name not in OPTIMIZER_DEFAULTS:
            raise ValueError(f"unknown optimizer {name!r}")
        if name not in self.optimizer_names:
            raise ValueError(f"optimizer {name!r} is not offered here")
        schedule = dict(run.get("schedule") or {"name": "constant"})
        schedule_name = schedule.pop("name")
        if schedule_name not in SCHEDULE_DEFAULTS:
            raise ValueError(f"unknown schedule {schedule_name!r}")
        for what, given, known in (
            (name, optimizer, OPTIMIZER_DEFAULTS[name]),
            (schedule_name, schedule, SCHEDULE_DEFAULTS[schedule_name]),
        ):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ValueError(f"unknown parameter(s) of {what!r}: {', '.join(unknown)}")
        with self._quiet():
            self._optimizer_combo.setCurrentIndex(self.optimizer_names.index(name))
            self._optimizer_form.rebuild(
                self._defaults(name), OPTIMIZER_CHOICES.get(name), OPTIMIZER_RANGES[name]
            )
            self._optimizer_form.set_values(optimizer)
            self._schedule_combo.setCurrentIndex(self._schedule_names.index(schedule_name))
            self._schedule_form.rebuild(
                SCHEDULE_DEFAULTS[schedule_name],
                SCHEDULE_CHOICES.get(schedule_name),
                SCHEDULE_RANGES.get(schedule_name),
            )
            self._schedule_form.set_values(schedule)
            self._steps.setValue(int(run.get("steps", DEFAULT_STEPS)))
        self._refresh()

    def run_data(self) -> dict[str, Any]:
        """``{"optimizer": {"name", **hyper}, "schedule": {"name", **params} or None, "steps"}``."""
        schedule_name = self._schedule_combo.currentData()
        schedule = (
            None
            if schedule_name == "constant"
            else {"name": schedule_name, **self._schedule_form.values()}
        )
        return {
            "optimizer": {
                "name": self._optimizer_combo.currentData(),
                **self._optimizer_form.values(),
            },
            "schedule": schedule,
            "steps": self._steps.value(),
        }

    def is_valid(self) -> bool:
        """Whether the shown optimizer builds and the schedule runs (no red message)."""
        return self._valid

    # --- building -------------------------------------------------------------------------

    @staticmethod
    def _defaults(name: str) -> dict[str, object]:
        return OPTIMIZER_DEFAULTS[name]

    @staticmethod
    def _new_schedule_form(name: str) -> _ParamForm:
        form = _ParamForm(
            SCHEDULE_DEFAULTS[name],
            SCHEDULE_CHOICES.get(name),
            tables=SCHEDULE_DEFAULTS,
            table_choices=SCHEDULE_CHOICES,
            ranges=SCHEDULE_RANGES.get(name),
            table_ranges=SCHEDULE_RANGES,
        )
        form.setObjectName("schedule_params")
        return form

    def _make_plot(self) -> pg.PlotWidget:
        palette = self.palette()
        plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
        plot.setObjectName("lr_preview")
        plot.setFixedHeight(110)
        plot.setMinimumWidth(120)
        # pyqtgraph's size hint is 600 px wide; the panel's width decides instead.
        plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        item = plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.layout.setContentsMargins(0, 4, 6, 0)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 2, 6))
        text = palette.color(QPalette.ColorRole.Text)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickFont=font, tickLength=-4)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
            axis.enableAutoSIPrefix(False)
        item.getAxis("bottom").setHeight(18)
        item.getAxis("left").setWidth(44)
        return plot

    def _style_preview(self) -> None:
        """The preview's colours follow the palette (theme), its sizes presenter mode."""
        look = appearance()
        palette = self.palette()
        self.preview_plot.setBackground(palette.color(QPalette.ColorRole.Base))
        self.preview_plot.setFixedHeight(round(110 * look.font_scale))
        self.preview_curve.setPen(look.pen("#1e88e5", 2))
        self._preview_caption.setFont(look.font(-1))
        item = self.preview_plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickFont=look.font(-2))
            axis.setPen(look.pen(palette.color(QPalette.ColorRole.Mid), 1))
            axis.setTextPen(pg.mkPen(palette.color(QPalette.ColorRole.Text)))
        item.getAxis("bottom").setHeight(round(18 * look.font_scale))
        item.getAxis("left").setWidth(round(44 * look.font_scale))

    # --- reactions ------------------------------------------------------------------------

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        self._loading += 1
        try:
            yield
        finally:
            self._loading -= 1

    def _optimizer_chosen(self, _index: int) -> None:
        if self._loading:
            return
        lr = self._optimizer_form.values().get("lr")
        name = self._optimizer_combo.currentData()
        self._optimizer_form.rebuild(
            self._defaults(name), OPTIMIZER_CHOICES.get(name), OPTIMIZER_RANGES[name]
        )
        if lr is not None and "lr" in self._defaults(name):
            self._optimizer_form.set_values({"lr": lr})
        self._edited()

    def _schedule_chosen(self, _index: int) -> None:
        if self._loading:
            return
        name = self._schedule_combo.currentData()
        self._schedule_form.rebuild(
            SCHEDULE_DEFAULTS[name], SCHEDULE_CHOICES.get(name), SCHEDULE_RANGES.get(name)
        )
        self._edited()

    def _edited(self) -> None:
        if self._loading:
            return
        data = self._refresh()
        if data is not None:
            self.changed.emit(data)

    def _refresh(self) -> dict[str, Any] | None:
        """Validate, show errors and the preview; the data if it is valid, else None."""
        data = self.run_data()
        optimizer = dict(data["optimizer"])
        name = optimizer.pop("name")
        optimizer_error = _failure(
            lambda: build_optimizer(name, [torch.zeros(1, 2, requires_grad=True)], **optimizer)
        )
        lr = float(optimizer.get("lr", 0.0) or 0.0)
        curve: np.ndarray | None = None

        def preview() -> None:
            nonlocal curve
            curve = preview_lr(data["schedule"], lr, data["steps"])

        schedule_error = _failure(preview)
        self._show_error(self._optimizer_error, optimizer_error)
        self._show_error(self._schedule_error, schedule_error)
        self._show_preview(curve)
        self._valid = not optimizer_error and not schedule_error
        return data if self._valid else None

    @staticmethod
    def _show_error(label: QLabel, message: str) -> None:
        label.setText(message)
        label.setVisible(bool(message))

    def _show_preview(self, lrs: np.ndarray | None) -> None:
        if lrs is None or not len(lrs):
            self.preview_curve.setData([], [])
            self._preview_caption.setText("")
            return
        steps = np.arange(len(lrs))
        self.preview_curve.setData(steps, lrs)
        top = float(np.max(lrs))
        item = self.preview_plot.getPlotItem()
        item.setXRange(0, max(len(lrs) - 1, 1), padding=0.02)
        item.setYRange(0.0, top * 1.08 if top > 0 else 1.0, padding=0)
        first, last = (_format_float(float(v), 3) for v in (lrs[0], lrs[-1]))
        self._preview_caption.setText(
            self.tr("lr at step 0: {0} · peak: {1} · last: {2}").format(
                first, _format_float(top, 3), last
            )
        )

    # --- language -------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self._refresh()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self._optimizer_box.setTitle(self.tr("Optimizer"))
        self._schedule_box.setTitle(self.tr("Learning-rate schedule"))
        for combo in (self._optimizer_combo, self._schedule_combo):
            for i in range(combo.count()):
                combo.setItemText(i, _tr(HUMAN_NAMES[combo.itemData(i)]))
        self._optimizer_combo.setToolTip(self.tr("The optimizer this run uses."))
        self._schedule_combo.setToolTip(
            self.tr("How the learning rate changes over the run (the curve below).")
        )
        self._steps_label.setText(self.tr("steps"))
        tip = _tr(EXPLANATIONS["steps"])
        self._steps_label.setToolTip(tip)
        self._steps.setToolTip(tip)
        self.preview_plot.setToolTip(self.tr("The learning rate at each step of the run."))
        self._optimizer_form.retranslate()
        self._schedule_form.retranslate()


def _failure(action: Callable[[], object]) -> str:
    """The error message of ``action``, or "" when it succeeds."""
    try:
        action()
    except (ValueError, TypeError, RuntimeError, OverflowError, ZeroDivisionError) as error:
        return str(error) or error.__class__.__name__
    return ""

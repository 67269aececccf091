"""The parameter form of the run editor: one row per parameter of a ``{name: default}`` table,
with spin boxes bounded by the engine's ranges, check boxes, choice combos and nested schedule
forms (warm-up's ``then``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from core.limits import Range
from desktop_app.surface_lab.run_editor_texts import (
    _AUTO,
    _NONE,
    HUMAN_NAMES,
    _tr,
    param_label,
    param_tooltip,
)
from desktop_app.widgets.number_boxes import FloatBox, NumberRange

MAX_STEPS = 100_000


# How each float is shown (decimals, arrow steps) and the editor's practical caps where the
# engine allows more (lr >= 1e-6 as scenes need lr > 0; rates up to 100). The valid values
# themselves come from the engine's ranges (OPTIMIZER_RANGES, SCHEDULE_RANGES): the bounds a
# box offers are those ranges cut to these caps (an open bound moves in by one last decimal),
# so the form never offers a value the engine refuses.
_UNIT = NumberRange(0.0, 1.0, 4, step=0.01)
_RATE = NumberRange(0.0, 100.0, 6)
_TINY = NumberRange(0.0, 1.0, 20, log=True)
FLOAT_RANGES: dict[str, NumberRange] = {
    "lr": NumberRange(1e-6, 100.0, 6),
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
    "damping": NumberRange(0.0, 1000.0, 6),
    "initial_accumulator_value": _RATE,
    "div_factor": NumberRange(0.0, 1e9, 3),
    "final_div_factor": NumberRange(0.0, 1e12, 3),
}
_FALLBACK_RANGE = NumberRange(-1e9, 1e9, 6)
_AUTO_FLOATS = frozenset({"max_lr"})  # a None default of these is a float, of others a count


def _int_box(low: int, high: int, auto: bool = False) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setKeyboardTracking(False)
    if auto:
        box.setSpecialValueText(_tr(_AUTO))
    return box


def _float_range(name: str, valid: Range | None = None, auto: bool = False) -> NumberRange:
    """The editor of float ``name``: its display (``FLOAT_RANGES``) with the bounds cut to the
    engine's range ``valid``. With ``auto`` the minimum is "auto" (None), so an open low bound
    stays as it is there."""
    shown = FLOAT_RANGES.get(name, _FALLBACK_RANGE)
    if valid is None:
        return shown
    unit = 10.0**-shown.decimals
    low, high = shown.low, shown.high
    if valid.low is not None:
        nudge = unit if valid.low_open and not auto else 0.0
        low = max(low, float(valid.low) + nudge)
    if valid.high is not None:
        high = min(high, float(valid.high) - (unit if valid.high_open else 0.0))
    return NumberRange(low, high, shown.decimals, shown.step, shown.log)


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
            editor = FloatBox(spec, _tr(_AUTO) if default is None else None)
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
        label = QLabel(param_label(name))
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
            box = FloatBox(_float_range(name, self._ranges.get(name)))
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
        label = QLabel(param_label(name))
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
            label.setText(param_label(name))
            tip = param_tooltip(name)  # the code name, as in scene files, and what it does
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

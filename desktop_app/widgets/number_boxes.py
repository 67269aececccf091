"""Number entry shared by every form: :class:`FloatBox`, a spin box for hyper-parameters, and the
:class:`NumberRange` that says how it edits (bounds, decimals, arrow steps, log scale)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox


@dataclass(frozen=True)
class NumberRange:
    """How a float is edited: bounds, decimals kept, and how the arrows step."""

    low: float
    high: float
    decimals: int = 6
    step: float | None = None  # None: adaptive (one digit below the value's first)
    log: bool = False  # arrows multiply / divide by 10


def format_number(value: float, digits: int = 6) -> str:
    """Compact: ``0.9``, ``1e-8``, ``250`` (``digits`` significant digits)."""
    text = f"{value:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


class FloatBox(QDoubleSpinBox):
    """A double spin box that shows compact numbers (0.9, 1e-8) and accepts scientific input.

    ``special_text``: what the minimum shows instead of its number (e.g. "auto"). Commits a
    finished edit, not every keystroke (keyboard tracking off)."""

    def __init__(self, spec: NumberRange, special_text: str | None = None) -> None:
        super().__init__()
        self.set_range(spec)
        if special_text:
            self.setSpecialValueText(special_text)
        self.setKeyboardTracking(False)  # one change per finished edit, not per keystroke

    def set_range(self, spec: NumberRange) -> None:
        """Bounds, decimals and arrow steps from ``spec`` (the value is clamped into them)."""
        self._log = spec.log
        self.setDecimals(spec.decimals)
        self.setRange(spec.low, spec.high)
        if spec.step is None:
            self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        else:
            self.setStepType(QAbstractSpinBox.StepType.DefaultStepType)
            self.setSingleStep(spec.step)

    def textFromValue(self, value: float) -> str:  # Qt override
        return format_number(value)

    def valueFromText(self, text: str) -> float:  # Qt override
        if self.specialValueText() and text == self.specialValueText():
            return self.minimum()
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:  # Qt override
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

    def stepBy(self, steps: int) -> None:  # Qt override
        if not self._log:
            super().stepBy(steps)
            return
        value = self.value()
        if value <= 0:
            value = 1e-12 if steps > 0 else 0.0
        else:
            value *= 10.0**steps
        self.setValue(min(max(value, self.minimum()), self.maximum()))

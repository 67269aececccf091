"""Small helpers the Network Lab's forms share: combo boxes, the lab model a form writes to,
and whether a run editor shows given settings."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox

from core.lab import LabModel
from desktop_app.network_lab.settings import plain


def combo(items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


def shows(shown: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether a run editor showing ``shown`` shows ``wanted`` (whose dicts may leave defaults
    out, as a scene does)."""
    for key, value in wanted.items():
        have = shown.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            if any(plain(have.get(k)) != plain(v) for k, v in value.items()):
                return False
        elif plain(have) != plain(value):
            return False
    return True


def select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def form_model(model: LabModel | None) -> LabModel:
    """The lab model a form writes to (its own one when it stands alone)."""
    return model if model is not None else LabModel(kind="network")

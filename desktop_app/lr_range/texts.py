"""The learning-rate range test's shared texts in the UI's language (the window's context in the
.ts): the Tools menu entry, the training form's button, and the suggestion rules' names."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def menu_text() -> str:
    """The menu's entry, in the current language."""
    return QCoreApplication.translate("LrRangeWindow", "Learning-rate &range test…")


def button_text() -> str:
    """The Network Lab training form's button that opens the window."""
    return QCoreApplication.translate("LrRangeWindow", "Find learning rate…")


def button_tip() -> str:
    return QCoreApplication.translate(
        "LrRangeWindow",
        "A short sweep on a copy of this network: the loss against an exponentially growing "
        "learning rate, and the rate to train with",
    )


def rule_text(method: str) -> str:
    """How suggestion ``method`` (``core.nets.lr_finder.SUGGESTIONS``) picks the rate."""
    texts = {
        "steepest": QCoreApplication.translate(
            "LrRangeWindow", "steepest descent of the smoothed loss"
        ),
        "min/10": QCoreApplication.translate("LrRangeWindow", "the minimum's rate ÷ 10"),
    }
    return texts.get(method, method)

"""The tuning window's shared texts in the UI's language: the menu entry and the names of the
hyper-parameters an axis may take."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def menu_text() -> str:
    """The Help menu's entry, in the current language (the window's context in the .ts)."""
    return QCoreApplication.translate("TuningWindow", "&Tune hyper-parameters…")


def parameter_label(name: str) -> str:
    """A hyper-parameter's name for people (the run editor's own words for the optimizer's)."""
    if name == "batch_size":
        return QCoreApplication.translate("TuningWindow", "Batch size")
    from desktop_app.surface_lab.run_editor_texts import param_label

    return param_label(name)


def value_text(value: float) -> str:
    """A hyper-parameter's value as a tick label or in a sentence: ``0.001``, ``3e-05``, ``32``."""
    text = f"{value:.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")

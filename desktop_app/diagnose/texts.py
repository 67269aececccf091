"""``core.diagnose``'s bilingual texts in the UI's language."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_app.i18n import current_language


def menu_text() -> str:
    """The Help menu's entry, in the current language (the window's context in the .ts)."""
    return QCoreApplication.translate("DiagnoseWindow", "&Diagnose training…")


def language() -> str:
    """``"zh"`` or ``"en"``: the key of core's texts for the UI's language."""
    return "zh" if current_language() == "zh" else "en"


def core_text(texts: dict[str, str]) -> str:
    """A text of ``core`` in the UI's language (English when it has none)."""
    return texts.get(language()) or texts.get("en", "")

"""A lesson's bilingual texts (``{"en": ..., "zh": ...}``) in the UI language."""

from __future__ import annotations

from desktop_app.i18n import current_language


def local(texts: dict[str, str] | None) -> str:
    """The text in the UI language, English when it has none."""
    texts = texts or {}
    return texts.get(current_language()) or texts.get("en", "")

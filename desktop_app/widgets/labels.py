"""Coloured and hint labels that follow presenter mode.

A label styled with a style sheet ("color: gray;") keeps the font it had when the sheet was
applied: presenter mode then left the hints, captions and notes small. These helpers colour a
label through its palette instead, so its font follows the application's (and the theme's
colours follow the theme).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel

ERROR_COLOUR = "#c62828"  # the text of a failure


def hint(label: QLabel) -> QLabel:
    """A secondary text (hint, caption, note): the theme's placeholder grey."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def coloured(label: QLabel, text_colour: str, background: str | None = None) -> QLabel:
    """A label in ``text_colour`` (on ``background``, padded, when given)."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text_colour))
    if background is not None:
        palette.setColor(QPalette.ColorRole.Window, QColor(background))
        label.setAutoFillBackground(True)
        label.setMargin(6)
    label.setPalette(palette)
    return label


def show_status(label: QLabel, text: str, error: bool = False, grey: bool = False) -> QLabel:
    """A message line: ``text`` in :data:`ERROR_COLOUR` for a failure, else in its window's
    text colour (``grey``: a hint's)."""
    label.setText(text)
    label.setForegroundRole(QPalette.ColorRole.WindowText)
    label.setPalette(label.window().palette())
    if error:
        coloured(label, ERROR_COLOUR)
    elif grey:
        hint(label)
    return label


def bold(label: QLabel) -> QLabel:
    """Bold, at whatever size the application font has (only the weight is set)."""
    font = QFont()
    font.setBold(True)
    label.setFont(font)
    return label

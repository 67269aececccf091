"""Qt's convention for live language switches, written once.

A widget whose texts are set in ``retranslate()`` mixes in :class:`Retranslating` (before its Qt
base class): installing or removing a translator sends every widget ``QEvent.LanguageChange``,
and the widget sets its texts again. Texts are never set only at construction.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent


class Retranslating:
    """Mixin for a ``QWidget`` subclass that defines ``retranslate()``."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        raise NotImplementedError

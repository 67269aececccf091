"""A side panel that collapses to a slim bar, for a page's settings column.

:class:`CollapsiblePanel` holds one content widget (usually a scroll area of forms) beside a slim
bar with one button. Collapsed, only the bar shows: the page's views get the width. The button,
the shortcuts (:data:`TOGGLE_SHORTCUTS`: F6 and Ctrl+\\, free in the main window) and
:meth:`CollapsiblePanel.set_collapsed` switch it. Presenter mode collapses it by itself, and turning
presenter mode off gives back the state the user had chosen before (``follow_presenter=False``
to opt out). Nothing here knows a page: any page puts its column in one.

When the content is a ``QScrollArea``, the panel keeps it as wide as its widget needs (fonts
and language change that) plus a vertical scroll bar: the column scrolls up and down, never
sideways, and no field is cut.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLayout,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.style import appearance
from desktop_app.widgets.retranslating import Retranslating

TOGGLE_SHORTCUTS = ("F6", "Ctrl+\\")
BAR_WIDTH = 26  # px of the slim bar (before presenter mode's scale)


def invalidate_layouts(root: QWidget) -> None:
    """Forget the cached sizes of every layout under ``root``.

    Qt recomputes a layout after a font change only while its widget is shown; a hidden page
    (another tab) kept the sizes of presenter mode's big font, and its stale minimum widened the
    whole window. Call this after a font change on a page that may be hidden.
    """
    for layout in root.findChildren(QLayout):
        layout.invalidate()
    if root.layout() is not None:
        root.layout().invalidate()
    root.updateGeometry()


class CollapsiblePanel(Retranslating, QWidget):
    """``content`` beside a slim bar whose button collapses and expands it.

    ``side``: where the panel sits on its page ("left": the bar is on its right edge, towards
    the page's views). ``collapsedChanged(bool)`` fires on every change.
    """

    collapsedChanged = Signal(bool)

    def __init__(
        self,
        content: QWidget,
        side: str = "left",
        follow_presenter: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', not {side!r}")
        self.content = content
        self.side = side
        self._collapsed = False
        self._chosen = False  # the user's state, given back when presenter mode ends
        self._presenting = False
        self.button = QToolButton()
        self.button.setObjectName("collapse_button")
        self.button.clicked.connect(self.toggle)
        self.button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.bar = QWidget()
        self.bar.setObjectName("collapse_bar")
        # A shaded strip: collapsed, it is all that is left of the column, and must show.
        self.bar.setAutoFillBackground(True)
        self.bar.setBackgroundRole(QPalette.ColorRole.Mid)
        bar_layout = QVBoxLayout(self.bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.addWidget(self.button)
        bar_layout.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        if side == "left":
            layout.addWidget(content, 1)
            layout.addWidget(self.bar)
        else:
            layout.addWidget(self.bar)
            layout.addWidget(content, 1)
        self.shortcuts = []
        for keys in TOGGLE_SHORTCUTS:
            shortcut = QShortcut(QKeySequence(keys), self)
            # The window's shortcut while this panel is shown: the panel of a hidden page
            # (another tab) takes no key.
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.toggle)
            self.shortcuts.append(shortcut)
        if isinstance(content, QScrollArea) and content.widget() is not None:
            content.widget().installEventFilter(self)  # its layout changes: fit its width
        self._show_state()
        if follow_presenter:
            appearance().changed.connect(self._follow_presenter)
            self._follow_presenter()

    # -- state ------------------------------------------------------------------------------------

    def is_collapsed(self) -> bool:
        return self._collapsed

    def set_collapsed(self, collapsed: bool) -> None:
        """Collapse (only the bar shows) or expand; a choice made in presenter mode holds until
        presenter mode ends."""
        if not self._presenting:
            self._chosen = collapsed
        self._set(collapsed)

    def toggle(self) -> None:
        self.set_collapsed(not self._collapsed)

    def _set(self, collapsed: bool) -> None:
        if collapsed == self._collapsed:
            return
        self._collapsed = collapsed
        self._show_state()
        self.collapsedChanged.emit(collapsed)

    def _follow_presenter(self) -> None:
        invalidate_layouts(self.content)  # the font changed: measure the content afresh
        presenting = appearance().presenter
        if presenting == self._presenting:
            self._show_state()  # sizes follow the font
            return
        self._presenting = presenting
        self._set(True if presenting else self._chosen)
        self._show_state()

    # -- look -------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange):
            self.fit_width()
        return False

    def fit_width(self) -> None:
        """A scroll area as content: as wide as its widget's minimum plus a scroll bar."""
        area = self.content
        if not isinstance(area, QScrollArea) or area.widget() is None:
            return
        needed = (
            area.widget().minimumSizeHint().width()
            + area.verticalScrollBar().sizeHint().width()
            + 2 * area.frameWidth()
        )
        if area.minimumWidth() != needed:
            area.setMinimumWidth(needed)

    def _show_state(self) -> None:
        self.content.setVisible(not self._collapsed)
        expand_arrow = Qt.ArrowType.RightArrow if self.side == "left" else Qt.ArrowType.LeftArrow
        collapse_arrow = Qt.ArrowType.LeftArrow if self.side == "left" else Qt.ArrowType.RightArrow
        self.button.setArrowType(expand_arrow if self._collapsed else collapse_arrow)
        width = round(BAR_WIDTH * appearance().font_scale)
        self.bar.setFixedWidth(width)
        self.button.setFixedSize(width, 3 * width)
        self.fit_width()
        self.retranslate()

    def retranslate(self) -> None:
        keys = " / ".join(
            QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
            for keys in TOGGLE_SHORTCUTS
        )
        text = self.tr("Show the settings") if self._collapsed else self.tr("Hide the settings")
        self.button.setToolTip(f"{text} ({keys})")

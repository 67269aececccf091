"""The mouse wheel edits a combo box or spin box only when it has the keyboard focus.

Scrolling a settings panel must not change the value under the pointer (it once switched the
Network Lab's optimizer while the user scrolled). :func:`install_wheel_guard` installs one event
filter on the ``QApplication``: every ``QComboBox`` and ``QAbstractSpinBox`` gets
``Qt.StrongFocus`` when it is polished (the wheel gives it no focus), and a wheel event over one
that has no focus goes to its parents instead (the scroll area scrolls).
Click or Tab into the box, and the wheel edits it as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)
_installed: tuple[QApplication, WheelGuard] | None = None


def guard(widget: QWidget) -> None:
    """Give ``widget`` the focus policy of a guarded box (the wheel does not focus it)."""
    if widget.focusPolicy() & Qt.FocusPolicy.WheelFocus == Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


class WheelGuard(QObject):
    """Application event filter: wheel events over unfocused combo and spin boxes pass on."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        kind = event.type()
        if kind == QEvent.Type.Wheel:
            if isinstance(watched, GUARDED) and not watched.hasFocus():
                _pass_to_parents(watched, event)
                return True
        elif kind == QEvent.Type.Polish and isinstance(watched, GUARDED):
            guard(watched)
        return False


def _pass_to_parents(widget: QWidget, event: QWheelEvent) -> None:
    """Offer the wheel event to the parents, innermost first, until one takes it (the scroll
    area's viewport scrolls). Done here rather than by ignoring the event: Qt does not
    propagate wheel events that were sent rather than spontaneous."""
    where = event.globalPosition()
    parent = widget.parentWidget()
    while parent is not None:
        passed = QWheelEvent(
            QPointF(parent.mapFromGlobal(where.toPoint())),
            where,
            event.pixelDelta(),
            event.angleDelta(),
            event.buttons(),
            event.modifiers(),
            event.phase(),
            event.inverted(),
        )
        passed.setAccepted(False)
        QApplication.sendEvent(parent, passed)
        if passed.isAccepted() or parent.isWindow():
            break
        parent = parent.parentWidget()
    event.accept()  # handled: Qt propagates it no further


def install_wheel_guard(app: QApplication | None = None) -> WheelGuard:
    """Install the guard on the application once (later calls return the same guard)."""
    global _installed
    app = app or QApplication.instance()
    if _installed is not None and _installed[0] is app:
        return _installed[1]
    guard_filter = WheelGuard(app)
    app.installEventFilter(guard_filter)
    _installed = (app, guard_filter)
    return guard_filter

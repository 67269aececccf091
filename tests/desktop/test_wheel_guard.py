"""The mouse wheel changes a combo box or spin box only when it has the focus; otherwise the
scroll area around it scrolls."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


def _wheel(widget, steps: int = -1) -> None:
    """A wheel turn over the middle of ``widget`` (negative: towards the user, scroll down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def _panel(qtbot):
    from desktop_app.app import create_application

    create_application()  # installs the guard
    scroll = QScrollArea()
    inner = QWidget()
    layout = QVBoxLayout(inner)
    combo = QComboBox()
    combo.addItems(["adam", "sgd", "newton"])
    spin = QSpinBox(minimum=0, maximum=100, value=50)
    layout.addWidget(combo)
    layout.addWidget(spin)
    layout.addSpacing(3000)  # tall: the area can scroll
    scroll.setWidget(inner)
    scroll.setWidgetResizable(True)
    scroll.resize(300, 200)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    return scroll, combo, spin


def test_the_wheel_does_not_change_an_unfocused_combo_or_spin_box(qtbot):
    scroll, combo, spin = _panel(qtbot)
    assert not combo.hasFocus() and not spin.hasFocus()
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel gives no focus
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
    bar = scroll.verticalScrollBar()
    assert bar.value() == 0
    _wheel(combo)
    assert combo.currentIndex() == 0
    assert bar.value() > 0  # the scroll area scrolled instead
    _wheel(spin, 1)
    assert spin.value() == 50


def test_a_focused_combo_box_takes_the_wheel(qtbot, monkeypatch):
    _scroll, combo, spin = _panel(qtbot)
    monkeypatch.setattr(QComboBox, "hasFocus", lambda self: True)
    monkeypatch.setattr(QSpinBox, "hasFocus", lambda self: True)
    _wheel(combo)
    assert combo.currentIndex() == 1
    _wheel(spin, 1)
    assert spin.value() == 51


def test_the_guard_is_installed_once_and_covers_the_network_lab_forms(qtbot):
    from desktop_app.app import create_application
    from desktop_app.network_lab.forms import TrainingForm
    from desktop_app.widgets.wheel_guard import install_wheel_guard

    app = create_application()
    assert install_wheel_guard(app) is install_wheel_guard(app)
    form = TrainingForm()
    qtbot.addWidget(form)
    form.show()
    combo = form.editor.findChild(QComboBox, "optimizer")
    before = combo.currentIndex()
    _wheel(combo)
    assert combo.currentIndex() == before
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus

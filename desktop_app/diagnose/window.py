"""The "Diagnose training" window (Tools ▸ Diagnose training…): the panel in a window of its own
beside the main window, so that the flowchart and the Network Lab can be seen together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_app.diagnose.panel import DiagnosePanel
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.screen_fit import fit_to_screen

DEFAULT_SIZE = (1200, 820)


class DiagnoseWindow(Retranslating, QWidget):
    """A top-level window (owned by the main window) holding one :class:`DiagnosePanel`."""

    def __init__(
        self,
        open_lesson: Callable[[str], Any] | None = None,
        network_lab: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("diagnose_window")
        self.panel = DiagnosePanel(open_lesson, network_lab)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.panel)
        fit_to_screen(self, DEFAULT_SIZE)  # a projector's screen may be smaller
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Diagnose training — LossLab"))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.panel.cancel_experiment()  # nothing trains for a window no one sees
        super().closeEvent(event)


def show_diagnose_window(main: Any) -> DiagnoseWindow:
    """Show the main window's diagnosis window (made on first use). Its remedies open lessons
    with ``main.open_lesson``; its curves and experiments come from ``main.network_lab``. Opened
    from the Network Lab with a run of a few epochs, it diagnoses that run; else, at first, the
    first shipped example."""
    import resources

    window = main.findChild(DiagnoseWindow)
    if window is None:

        def open_lesson(lesson: str) -> None:
            main.open_lesson(str(resources.path("scenes", f"{lesson}.json")))

        window = DiagnoseWindow(open_lesson, lambda: main.network_lab, main)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(window.panel.shutdown)
    lab = main.network_lab
    panel = window.panel
    if lab is not None and main.pages.currentWidget() is lab and panel.network_curves()[0]:
        panel.use_network_lab()
    elif panel.curves is None:
        panel.load_example(0)
    window.show()
    window.raise_()
    window.activateWindow()
    return window

"""The flowchart's experiments as rows of buttons: run, progress, cancel, result or error.

One :class:`ExperimentRow` per kind of ``core.diagnose.EXPERIMENTS`` (a shallower model, held-out
data, k-fold), shown when the walk asks for that experiment or has its result. The rows only show
state; the panel starts and cancels the work
(:class:`~desktop_app.diagnose.worker.ExperimentRunner`).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.diagnose import EXPERIMENTS
from desktop_app.diagnose.texts import core_text
from desktop_app.widgets.labels import hint, show_status
from desktop_app.widgets.retranslating import Retranslating

IDLE, RUNNING, DONE, FAILED, CANCELLED = "idle", "running", "done", "failed", "cancelled"


class ExperimentRow(Retranslating, QWidget):
    """One experiment: its title and purpose, Run / Cancel, a progress bar and its outcome."""

    runRequested = Signal(str)
    cancelRequested = Signal(str)

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.state = IDLE
        self.message = ""  # the error, or the result's text
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.purpose = hint(QLabel())
        self.purpose.setWordWrap(True)
        self.run_button = QPushButton()
        self.run_button.setObjectName(f"run_{kind}")
        self.run_button.clicked.connect(lambda: self.runRequested.emit(self.kind))
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName(f"cancel_{kind}")
        self.cancel_button.clicked.connect(lambda: self.cancelRequested.emit(self.kind))
        self.progress = QProgressBar()
        self.progress.setObjectName(f"progress_{kind}")
        self.status = QLabel()
        self.status.setObjectName(f"status_{kind}")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.purpose)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        # Never squeezed below its natural height in the scrolling column (wrapped labels).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.set_state(IDLE)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt naming)
        # Qt's height-for-width of nested wrapped labels came out short in the scrolling column
        # (rows overlapped); the size hint, as the minimum (policy above), fits them.
        return False

    def set_state(self, state: str, message: str = "") -> None:
        self.state, self.message = state, message
        running = state == RUNNING
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.run_button.setEnabled(not running)
        if running:
            self.progress.setValue(0)
        self.retranslate()

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def set_available(self, available: bool, why: str = "") -> None:
        """Whether it can run now (the Network Lab's settings are needed)."""
        self.run_button.setEnabled(available and self.state != RUNNING)
        self.run_button.setToolTip("" if available else why)

    def retranslate(self) -> None:
        request = EXPERIMENTS[self.kind]
        self.title.setText(f"<b>{core_text(request.title)}</b>")
        purpose = core_text(request.purpose)
        self.purpose.setText(purpose[:1].upper() + purpose[1:])  # a sentence in the box
        again = self.state in (DONE, FAILED, CANCELLED)
        self.run_button.setText(self.tr("Run again") if again else self.tr("Run it"))
        self.run_button.setStatusTip(self.tr("Runs with the Network Lab's current settings"))
        self.cancel_button.setText(self.tr("Cancel"))
        texts = {
            IDLE: "",
            RUNNING: self.tr("Training in the background…"),
            DONE: self.message,
            FAILED: self.tr("This experiment failed: {0}").format(self.message),
            CANCELLED: self.tr("Cancelled."),
        }
        show_status(self.status, texts[self.state], error=self.state == FAILED)
        self.status.setVisible(bool(texts[self.state]))


class ExperimentsBox(Retranslating, QGroupBox):
    """The experiments the walk asks for (or has run), one row each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = hint(QLabel())
        self.note.setWordWrap(True)
        self.rows = {kind: ExperimentRow(kind) for kind in EXPERIMENTS}
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        for row in self.rows.values():
            layout.addWidget(row)
        self.retranslate()

    def show_kinds(self, kinds: set[str]) -> None:
        for kind, row in self.rows.items():
            row.setVisible(kind in kinds)
        self.setVisible(bool(kinds))

    def retranslate(self) -> None:
        self.setTitle(self.tr("Experiments the flowchart asks for"))
        self.note.setText(
            self.tr(
                "Each runs in the background with the Network Lab's current settings, and the "
                "walk goes on with its result."
            )
        )

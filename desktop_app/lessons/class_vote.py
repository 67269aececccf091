"""Class vote: the teacher puts the question on the projector with big choice buttons, counts
the hands (a click on a choice adds one, or the count is typed in), then reveals.

The reveal asks the lesson player to play the beat's action with the class's prediction (the
most voted choice); when the run has decided, the player calls :meth:`ClassVote.show_answer`,
which marks the right choice and shows every choice's share of the votes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from core.beats import Question
from desktop_app.lessons.texts import local
from desktop_app.style import appearance
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.screen_fit import fit_to_screen

MAX_VOTES = 10_000
DEFAULT_SIZE = (1000, 640)  # where the screen has room


class ClassVote(Retranslating, QDialog):
    """The question, one big button and one count per choice, Reveal and Next."""

    revealRequested = Signal(list)  # the count per choice
    nextRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("class_vote_window")
        self.setModal(False)
        self.question: Question | None = None
        self.right: int | None = None
        self.text = QLabel()
        self.text.setObjectName("vote_question")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid = QGridLayout()
        self.buttons: list[QPushButton] = []
        self.counts: list[QSpinBox] = []
        self.results: list[QLabel] = []
        self.why = QLabel()
        self.why.setObjectName("vote_why")
        self.why.setWordWrap(True)
        self.reveal_button, self.next_button = QPushButton(), QPushButton()
        self.reveal_button.setObjectName("vote_reveal")
        self.reveal_button.clicked.connect(self.reveal)
        self.next_button.clicked.connect(self.nextRequested)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self.clear_counts)
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addStretch(1)
        row.addWidget(self.reveal_button)
        row.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(self.grid, 1)
        layout.addWidget(self.why)
        layout.addLayout(row)
        fit_to_screen(self, DEFAULT_SIZE)  # shown on the projector
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Class vote"))
        self.reveal_button.setText(self.tr("Reveal"))
        self.next_button.setText(self.tr("Next beat"))
        self.clear_button.setText(self.tr("Clear the counts"))
        for button in self.buttons:
            button.setToolTip(self.tr("Click: one more vote for this answer"))
        if self.question is not None:
            self._show_texts()

    # -- public ----------------------------------------------------------------------------------

    def show_question(self, question: Question | None) -> None:
        """A new question: one big button and a count per choice, counts at zero."""
        self.question, self.right = question, None
        self._rebuild(question.choices if question is not None else [])
        self._show_texts()

    def add_vote(self, choice: int) -> None:
        if 0 <= choice < len(self.counts) and self.right is None:
            self.counts[choice].setValue(self.counts[choice].value() + 1)

    def set_count(self, choice: int, count: int) -> None:
        self.counts[choice].setValue(int(count))

    def vote_counts(self) -> list[int]:
        return [spin.value() for spin in self.counts]

    def clear_counts(self) -> None:
        for spin in self.counts:
            spin.setValue(0)

    def reveal(self) -> None:
        self.reveal_button.setEnabled(False)
        self.why.setText(self.tr("Watch the run…"))
        self.revealRequested.emit(self.vote_counts())

    def show_answer(self, right: int, why: str) -> None:
        """The run decided: the right choice is marked, each choice shows its share."""
        self.right = right
        counts = self.vote_counts()
        total = sum(counts)
        for index, label in enumerate(self.results):
            share = 100 * counts[index] / total if total else 0
            text = self.tr("{0} votes ({1:.0f}%)").format(counts[index], share)
            label.setText(("✓ " if index == right else "") + text)
            self.buttons[index].setEnabled(index == right)
            self.counts[index].setEnabled(False)
        self.reveal_button.setEnabled(False)
        self.why.setText(why)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override: 1-4 add a vote
        digit = event.key() - Qt.Key.Key_1
        if 0 <= digit < len(self.buttons):
            self.add_vote(digit)
            return
        super().keyPressEvent(event)

    # -- building --------------------------------------------------------------------------------

    def _rebuild(self, choices) -> None:
        for widget in (*self.buttons, *self.counts, *self.results):
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self.buttons, self.counts, self.results = [], [], []
        big = appearance().font(6)
        big.setBold(True)
        for index, _choice in enumerate(choices):
            button = QPushButton()
            button.setObjectName(f"vote_choice_{index}")
            button.setFont(big)
            button.setMinimumHeight(72)
            button.clicked.connect(lambda _=False, i=index: self.add_vote(i))
            count = QSpinBox(minimum=0, maximum=MAX_VOTES)
            count.setObjectName(f"vote_count_{index}")
            count.setFont(big)
            count.setMinimumHeight(56)
            result = QLabel()
            result.setFont(big)
            self.grid.addWidget(button, index, 0)
            self.grid.addWidget(count, index, 1)
            self.grid.addWidget(result, index, 2)
            self.buttons.append(button)
            self.counts.append(count)
            self.results.append(result)
        self.grid.setColumnStretch(0, 1)
        self.reveal_button.setEnabled(bool(choices))
        self.why.clear()

    def _show_texts(self) -> None:
        question = self.question
        font = appearance().font(8)
        font.setBold(True)
        self.text.setFont(font)
        self.text.setText(local(question.text) if question is not None else "")
        choices = question.choices if question is not None else []
        for number, (button, choice) in enumerate(zip(self.buttons, choices, strict=True), 1):
            button.setText(f"{number}. {local(choice.text)}")
            button.setToolTip(self.tr("Click: one more vote for this answer"))

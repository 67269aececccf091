"""The guided-lesson player: a bar above the pages that steps through a lesson's beats.

Each beat shows the teacher's text and performs its action on the page the lesson opened in
(:mod:`desktop_app.lessons.actions`). A beat with a question asks first: the student picks one
of the choices, then the action plays, and once the run has recorded enough the answer is
computed from what the page recorded (:func:`core.beats.decide` on
:mod:`desktop_app.lessons.outcomes`) and shown with the question's "why". The answers are kept
per lesson (:class:`core.lesson_progress.LessonProgress`); a lesson whose last beat has been
reached is done. Right or Space: next beat; Left: back (the keys of the window's Run actions
come here while a lesson is on view: :meth:`LessonPlayer.route_keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.beats import Beat, Question, UndecidedError, decide
from core.lesson_progress import Answer, LessonProgress
from core.scene import Scene
from desktop_app.lessons.actions import Poll, start_action, surface_idle
from desktop_app.lessons.class_vote import ClassVote
from desktop_app.lessons.outcomes import network_outcomes, recorded_up_to, surface_outcomes
from desktop_app.lessons.texts import local
from desktop_app.style import appearance
from desktop_app.widgets.retranslating import Retranslating

POLL_MS = 40  # how often a running action and the answer are checked
MAX_CHOICES = 4
# The Network Lab's one-click experiment that goes with each network lesson: selected (not run)
# when the lesson opens, so that the comparison is one click away.
LESSON_EXPERIMENTS = {
    "network_overfitting": "overfitting",
    "network_early_stopping": "overfitting",
    "network_dropout": "dropout",
    "network_mismatch": "mismatch",
    "network_model_bias_or_optimization": "shallow_vs_deep",
    "network_batch_norm": "batch_norm",
}


def with_player(player: QWidget, pages: QWidget) -> QWidget:
    """The window's centre: the lesson bar over the pages."""
    centre = QWidget()
    layout = QVBoxLayout(centre)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(player)
    layout.addWidget(pages, 1)
    return centre


def select_experiment(page: Any, lesson_key: str) -> bool:
    """Select the lesson's one-click experiment in the Network Lab (without running it)."""
    experiment = LESSON_EXPERIMENTS.get(lesson_key)
    combo = getattr(page, "experiment_combo", None)
    index = combo.findData(experiment) if combo is not None and experiment else -1
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


class LessonPlayer(Retranslating, QFrame):
    """The current beat's text, "beat k of n", the question and its choices, Back and Next."""

    beatChanged = Signal(int)  # the beat's index
    revealed = Signal(int, object)  # the beat's index, the right choice (an int)
    progressChanged = Signal(str)  # the lesson key whose answers or completion changed
    closed = Signal()

    def __init__(self, progress: LessonProgress | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("lesson_player")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.progress = progress
        self.scene: Scene | None = None
        self.key = ""
        self.page: Any = None
        self.network = False
        # Opens a tool window by name for an "open_tool" beat (the main window sets it).
        self.open_tool: Callable[[str], Any] | None = None
        self.index = -1
        self.phase = "idle"  # ask: waiting for a pick · acting: action or answer pending · shown
        self.picked: int | None = None
        self.right: int | None = None
        self.vote: ClassVote | None = None
        self._poll: Poll | None = None
        self._routes: dict[QAction, tuple] = {}
        self._watched: Any = None  # the page model's events while a lesson is on it
        self._changing = False  # True while a beat's own action replaces the page's content
        self._action_done = False
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._tick)
        self._build()
        appearance().changed.connect(self._apply_style)  # presenter mode: larger texts
        self._apply_style()
        self.retranslate()
        self.setVisible(False)

    def _build(self) -> None:
        self.counter = QLabel()
        self.counter.setObjectName("beat_counter")
        self.text = QLabel()
        self.text.setObjectName("beat_text")
        self.text.setWordWrap(True)
        self.question = QLabel()
        self.question.setObjectName("beat_question")
        self.question.setWordWrap(True)
        self.choice_buttons = [QPushButton() for _ in range(MAX_CHOICES)]
        choices = QHBoxLayout()
        for index, button in enumerate(self.choice_buttons):
            button.setObjectName(f"choice_{index}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, i=index: self.pick(i))
            choices.addWidget(button)
        choices.addStretch(1)
        self.verdict = QLabel()
        self.verdict.setObjectName("beat_verdict")
        self.verdict.setWordWrap(True)
        self.back_button, self.next_button = QPushButton(), QPushButton()
        self.back_button.clicked.connect(self.previous_beat)
        self.next_button.clicked.connect(self.next_beat)
        self.vote_button = QPushButton()
        self.vote_button.setObjectName("class_vote")
        self.vote_button.clicked.connect(self.open_class_vote)
        self.leave_button = QToolButton()
        self.leave_button.setText("×")
        self.leave_button.clicked.connect(self.leave)
        for button in (self.back_button, self.next_button, self.vote_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space is the next beat, not a click
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.text, self.question):
            column.addWidget(widget)
        column.addLayout(choices)
        column.addWidget(self.verdict)
        buttons = QVBoxLayout()
        row = QHBoxLayout()
        for widget in (self.back_button, self.next_button, self.leave_button):
            row.addWidget(widget)
        buttons.addWidget(self.counter, 0, Qt.AlignmentFlag.AlignRight)
        buttons.addLayout(row)
        buttons.addWidget(self.vote_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(column, 1)
        layout.addLayout(buttons)

    def _apply_style(self) -> None:
        self.text.setFont(appearance().font(2))
        question = appearance().font(2)
        question.setBold(True)
        self.question.setFont(question)
        for widget in (self.verdict, *self.choice_buttons):
            widget.setFont(appearance().font(1))

    def retranslate(self) -> None:
        self.back_button.setText(self.tr("◀ Back"))
        self.back_button.setToolTip(self.tr("The beat before (Left)"))
        self.next_button.setText(self.tr("Next ▶"))
        self.next_button.setToolTip(self.tr("The next beat (Right or Space)"))
        self.vote_button.setText(self.tr("Class vote…"))
        self.vote_button.setToolTip(
            self.tr("Show the question to the class with big buttons and count the votes")
        )
        self.leave_button.setToolTip(self.tr("Leave the guided lesson"))
        if self.scene is not None and self.index >= 0:
            self._show()

    # -- public ----------------------------------------------------------------------------------

    @property
    def beats(self) -> list[Beat]:
        return list(self.scene.beats) if self.scene is not None else []

    @property
    def beat(self) -> Beat | None:
        beats = self.beats
        return beats[self.index] if 0 <= self.index < len(beats) else None

    def is_active(self) -> bool:
        return self.scene is not None and bool(self.beats)

    def start(self, scene: Scene, key: str, page: Any, network: bool = False) -> None:
        """Guide ``scene``'s beats on ``page`` (already showing the scene) from the first beat;
        a scene without beats hides the bar."""
        self.stop()
        if network:
            select_experiment(page, key)
        self.scene, self.key, self.page, self.network = scene, key, page, network
        if not scene.beats:
            self.scene = None
            self.setVisible(False)
            return
        if not network:
            page.rewind()  # nothing plays before the first beat (a question comes first)
        _set_guided(page, True)
        self._watch(page)
        self.setVisible(True)
        self.go_to(0)

    def follow_page(self, shown: QWidget | None) -> None:
        """The bar shows only over its lesson's page: another tab hides it (its Next would guide
        a page out of view), coming back shows it again."""
        if self.is_active():
            self.setVisible(shown is self.page)

    def stop(self) -> None:
        """Leave the lesson: nothing is polled any more, the bar hides."""
        self.timer.stop()
        self._poll = None
        self._unwatch()
        _set_guided(self.page, False)
        self.scene, self.page, self.index, self.phase = None, None, -1, "idle"
        if self.vote is not None:
            self.vote.close()
        self.setVisible(False)

    def _watch(self, page: Any) -> None:
        """Leave the lesson when something else replaces the page's content (New, an
        experiment, another scene)."""
        events = getattr(getattr(page, "model", None), "events", None)
        if events is not None:
            events.generation.connect(self._content_replaced)
            self._watched = events

    def _unwatch(self) -> None:
        if self._watched is not None:
            self._watched.generation.disconnect(self._content_replaced)
            self._watched = None

    def _content_replaced(self, *_args: Any) -> None:
        if not self._changing:
            self.stop()

    def leave(self) -> None:
        self.stop()
        self.closed.emit()

    def go_to(self, index: int) -> None:
        """Enter beat ``index``: ask its question first, else perform its action."""
        if not self.is_active() or not 0 <= index < len(self.beats):
            return
        self.timer.stop()
        self._poll = None
        self.index, self.picked, self.right = index, None, None
        beat = self.beats[index]
        if beat.question is not None:
            self.phase = "ask"
        else:
            self._perform()
        self._show()
        self.beatChanged.emit(index)
        if self.vote is not None and self.vote.isVisible():
            self.vote.show_question(beat.question)

    def next_beat(self) -> None:
        """On a question nobody answered: reveal it (the action plays); else the next beat."""
        if self.phase == "ask":
            self.reveal_without_pick()
        elif self.index < len(self.beats) - 1:
            self.go_to(self.index + 1)

    def previous_beat(self) -> None:
        if self.index > 0:
            self.go_to(self.index - 1)

    def pick(self, choice: int) -> None:
        """The student's prediction: the action now plays and the answer follows."""
        beat = self.beat
        if self.phase != "ask" or beat is None or beat.question is None:
            return
        if not 0 <= choice < len(beat.question.choices):
            return
        self.picked = choice
        self._perform()
        self._show()

    def reveal_without_pick(self) -> None:
        if self.phase == "ask":
            self.picked = None
            self._perform()
            self._show()

    def route_keys(self, actions: dict[QAction, tuple]) -> None:
        """Take the keys of the window's Run actions (action -> its page call, such as
        ``("step_by", 1)``) while a lesson is on view. Only their keys: the menu items and
        ``trigger()`` still drive the page."""
        for action, call in actions.items():
            self._routes[action] = call
            action.installEventFilter(self)
            action.destroyed.connect(lambda *_, a=action: self._routes.pop(a, None))

    def eventFilter(self, watched, event) -> bool:  # Qt override: a Run action's key
        if event.type() == QEvent.Type.Shortcut and watched in self._routes:
            return self.take_key(*self._routes[watched])
        return super().eventFilter(watched, event)

    def take_key(self, name: str, *args: Any) -> bool:
        """The window's Run keys while the lesson's page is on view: Space and Right go to the
        next beat, Left back. True when the key was taken."""
        if not self.is_active() or self.page is None or not self.page.isVisible():
            return False
        if name == "toggle_play" or (name == "step_by" and args and args[0] > 0):
            self.next_beat()
            return True
        if name == "step_by" and args and args[0] < 0:
            self.previous_beat()
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Space):
            self.next_beat()
        elif event.key() == Qt.Key.Key_Left:
            self.previous_beat()
        else:
            super().keyPressEvent(event)

    # -- class vote ------------------------------------------------------------------------------

    def open_class_vote(self) -> ClassVote | None:
        """The current question in a big window for the class (when the beat asks one)."""
        beat = self.beat
        if beat is None or beat.question is None:
            return None
        if self.vote is None:
            self.vote = ClassVote(self.window())
            self.vote.revealRequested.connect(self._reveal_vote)
            self.vote.nextRequested.connect(self.next_beat)
        self.vote.show_question(beat.question)
        if self.phase != "ask" and self.right is not None:
            self.vote.show_answer(self.right, local(beat.question.why))
        self.vote.show()
        self.vote.raise_()
        return self.vote

    def _reveal_vote(self, counts: list) -> None:
        """The class voted: the most voted choice is the class's prediction (none on a tie)."""
        if self.phase != "ask":  # already revealed here: the vote shows the same answer
            beat = self.beat
            if self.right is not None and beat is not None and beat.question is not None:
                self.vote.show_answer(self.right, local(beat.question.why))
            return
        best = max(counts) if counts else 0
        leaders = [i for i, count in enumerate(counts) if count == best]
        self.picked = leaders[0] if best > 0 and len(leaders) == 1 else None
        self._perform()
        self._show()

    # -- performing and deciding -----------------------------------------------------------------

    def _perform(self) -> None:
        self.phase = "acting"
        self._action_done = False
        self._changing = True  # a "set" opens the changed scene: still this lesson
        try:
            self._poll = start_action(self.page, self.beat, self.network, self.open_tool)
        finally:
            self._changing = False
        self.timer.start()
        self._tick()

    def _tick(self) -> None:
        if self._poll is None:
            self.timer.stop()
            return
        if not self._action_done:
            self._action_done = bool(self._poll())
            if not self._action_done:
                return
        beat = self.beat
        if beat is None or beat.question is None:
            self._finish_beat()
            return
        if not self.network and not recorded_up_to(self.page, self.page.current_step()):
            return  # a slower run has not reached the step on view yet
        try:
            right = decide(beat.question, self._outcomes())
        except UndecidedError:
            if self._still_recording():
                return  # the run has not recorded enough yet
            right = None
        self.right = right
        if right is not None:
            self._record(Answer(picked=self.picked, right=right))
            self.revealed.emit(self.index, right)
            if self.vote is not None and self.vote.isVisible():
                self.vote.show_answer(right, local(beat.question.why))
        self._finish_beat()

    def _finish_beat(self) -> None:
        self.timer.stop()
        self._poll = None
        self.phase = "shown"
        self._show()
        if self.index == len(self.beats) - 1 and self.progress is not None:
            self._save(lambda: self.progress.mark_done(self.key))

    def _outcomes(self):
        if self.network:
            return network_outcomes(self.page)
        return surface_outcomes(self.page, self.page.current_step())  # what has been shown

    def _still_recording(self) -> bool:
        if self.network:
            return bool(self.page.playing or self.page.backend.busy())
        return not surface_idle(self.page)

    def _record(self, answer: Answer) -> None:
        if self.progress is not None and self.key:
            self._save(lambda: self.progress.record_answer(self.key, self.index, answer))

    def _save(self, write) -> None:
        try:
            write()
        except OSError as error:  # the lesson goes on; the answer is not kept
            self.verdict.setText(
                self.verdict.text() + " " + self.tr("(not saved: {0})").format(error)
            )
            return
        self.progressChanged.emit(self.key)

    # -- showing ---------------------------------------------------------------------------------

    def _show(self) -> None:
        beat = self.beat
        if beat is None:
            return
        count = len(self.beats)
        self.counter.setText(self.tr("Beat {0} of {1}").format(self.index + 1, count))
        self.text.setText(local(beat.text))
        self.back_button.setEnabled(self.index > 0)
        last = self.index == count - 1
        self.next_button.setEnabled(self.phase == "ask" or not last)
        self.next_button.setText(self.tr("Reveal ▶") if self.phase == "ask" else self.tr("Next ▶"))
        question = beat.question
        self.vote_button.setVisible(question is not None)
        self.vote_button.setEnabled(question is not None)
        self.question.setVisible(question is not None)
        self.question.setText(local(question.text) if question else "")
        self._show_choices(question)
        self.verdict.setText(self._verdict_text(question))
        self.verdict.setVisible(bool(self.verdict.text()))

    def _show_choices(self, question: Question | None) -> None:
        choices = question.choices if question is not None else []
        for index, button in enumerate(self.choice_buttons):
            button.setVisible(index < len(choices))
            if index >= len(choices):
                continue
            mark = ""
            if self.phase != "ask" and index == self.right:
                mark = "✓ "
            elif self.phase != "ask" and index == self.picked:
                mark = "✗ " if self.right is not None else "● "
            button.setText(mark + local(choices[index].text))
            button.setEnabled(self.phase == "ask")
            button.setCheckable(True)
            button.setChecked(index == self.picked)

    def _verdict_text(self, question: Question | None) -> str:
        if question is None:
            return ""
        if self.phase == "ask":
            return self.tr("Predict first: pick an answer, then watch.")
        if self.phase == "acting":
            return self.tr("Watch the run…")
        if self.right is None:
            return self.tr("The runs did not decide this question.")
        answer = local(question.choices[self.right].text)
        why = local(question.why)
        if self.picked is None:
            return self.tr("The answer: {0}. {1}").format(answer, why)
        if self.picked == self.right:
            return self.tr("✓ Your prediction held: {0}. {1}").format(answer, why)
        return self.tr("✗ Not this time: the answer is {0}. {1}").format(answer, why)


def _set_guided(page: Any, on: bool) -> None:
    """Tell a page that the beat bar tells the story now (the Surface Lab then keeps only the
    lesson's title above the map, leaving the map its room)."""
    set_guided = getattr(page, "set_guided", None)
    if set_guided is not None:
        set_guided(on)

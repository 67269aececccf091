"""A page that lists the built-in lessons (``core.lessons``) by chapter, in the UI language.

Each row has the lesson's picture (``resources/thumbnails``) and a check mark once the lesson is
done (``core.lesson_progress``). Selecting a lesson shows its picture, title, the chapter of the
notes it illustrates, the few sentences that say what to look at and its guided beats;
double-click, Enter or the button emits ``openRequested(path)`` (the window opens the scene in
the Surface Lab or, for a network lesson, the Network Lab; the button says which). The search
box filters by title and description in both languages. The texts are the scenes' own
bilingual data, so the page follows the UI language on ``QEvent.LanguageChange``.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.lesson_progress import LessonProgress
from core.lessons import CHAPTERS, Lesson, list_lessons
from desktop_app.i18n import current_language
from desktop_app.lessons.thumbnails import thumbnail_path
from desktop_app.style import appearance

PATH_ROLE = Qt.ItemDataRole.UserRole
TITLE_COLUMN, DONE_COLUMN = 0, 1
ICON_SIZE = QSize(96, 60)  # the pictures in the list; the selected lesson's is shown larger
DONE_MARK = "✓"


def _scene_data(lesson: Lesson) -> dict:
    try:
        data = json.loads(lesson.path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class LessonBrowser(QWidget):
    """The lessons grouped by chapter, with a description pane and an Open button."""

    openRequested = Signal(str)  # path of the lesson's scene file

    def __init__(
        self, parent: QWidget | None = None, progress: LessonProgress | None = None
    ) -> None:
        super().__init__(parent)
        self.lessons: list[Lesson] = list_lessons()
        self._by_path = {str(lesson.path): lesson for lesson in self.lessons}
        self._data = {lesson.key: _scene_data(lesson) for lesson in self.lessons}
        self.progress = progress
        self._icons: dict[str, QIcon] = {}

        left, right = self._build_list(), self._build_details()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 640])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        appearance().changed.connect(self._apply_style)
        self._apply_style()
        self.retranslate()
        first = self._lesson_items()
        if first:
            self.tree.setCurrentItem(first[0])

    def _build_list(self) -> QWidget:
        """The search box over the chapter tree."""
        self.filter = QLineEdit()
        self.filter.setObjectName("lesson_filter")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("lesson_tree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(ICON_SIZE)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(
            DONE_COLUMN, QHeaderView.ResizeMode.ResizeToContents
        )
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.currentItemChanged.connect(lambda *_: self._show_current())
        self.tree.itemActivated.connect(self._activated)  # double-click or Enter
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.tree, 1)
        return left

    def _build_details(self) -> QWidget:
        """The selected lesson: picture, chapter, title, description, runs and the Open button."""
        self.thumbnail = QLabel()
        self.thumbnail.setObjectName("lesson_thumbnail")
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.title = QLabel()
        self.title.setObjectName("lesson_title")
        self.title.setWordWrap(True)
        self.chapter = QLabel()
        self.chapter.setObjectName("lesson_chapter")
        self.chapter.setStyleSheet("color: gray;")
        self.description = QLabel()
        self.description.setObjectName("lesson_description")
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.runs = QLabel()
        self.runs.setObjectName("lesson_runs")
        self.runs.setWordWrap(True)
        self.runs.setStyleSheet("color: gray;")
        self.guide = QLabel()
        self.guide.setObjectName("lesson_guide")
        self.guide.setWordWrap(True)
        self.open_button = QPushButton()
        self.open_button.setObjectName("open_lesson")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_current)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(16, 8, 16, 8)
        right_layout.setSpacing(10)
        right_layout.addWidget(self.thumbnail)
        right_layout.addWidget(self.chapter)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.description)
        right_layout.addWidget(self.runs)
        right_layout.addWidget(self.guide)
        right_layout.addStretch(1)
        right_layout.addLayout(buttons)
        return right

    # -- public ---------------------------------------------------------------------------------

    def chapter_titles(self) -> list[str]:
        """The chapter rows as shown, in order."""
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())]

    def lesson_titles(self, chapter_row: int) -> list[str]:
        chapter = self.tree.topLevelItem(chapter_row)
        return [chapter.child(i).text(0) for i in range(chapter.childCount())]

    def shown_keys(self) -> list[str]:
        """The lessons the search leaves in the list, in order."""
        return [
            Path(item.data(0, PATH_ROLE)).stem
            for item in self._lesson_items()
            if not item.isHidden() and not item.parent().isHidden()
        ]

    def done_keys(self) -> list[str]:
        """The lessons shown as done (a check mark in their row)."""
        return [
            Path(item.data(0, PATH_ROLE)).stem
            for item in self._lesson_items()
            if item.text(DONE_COLUMN) == DONE_MARK
        ]

    def is_network(self, lesson: Lesson) -> bool:
        """Whether the lesson opens in the Network Lab."""
        return "network" in self._data.get(lesson.key, {})

    def set_progress(self, progress: LessonProgress | None) -> None:
        self.progress = progress
        self.refresh_progress()

    def refresh_progress(self, *_args) -> None:
        """Show the check marks (and the selected lesson's answers) from ``progress``."""
        done = self.progress.done_lessons() if self.progress is not None else set()
        for item in self._lesson_items():
            key = Path(item.data(0, PATH_ROLE)).stem
            item.setText(DONE_COLUMN, DONE_MARK if key in done else "")
            item.setToolTip(DONE_COLUMN, self.tr("Done") if key in done else "")
        self._show_current()

    def current_lesson(self) -> Lesson | None:
        item = self.tree.currentItem()
        path = item.data(0, PATH_ROLE) if item is not None else None
        return self._by_path.get(path) if path else None

    def select(self, key: str) -> bool:
        """Select the lesson with this file stem; False if there is none."""
        for item in self._lesson_items():
            if Path(item.data(0, PATH_ROLE)).stem == key:
                self.tree.setCurrentItem(item)
                return True
        return False

    def open_current(self) -> None:
        lesson = self.current_lesson()
        if lesson is not None:
            self.openRequested.emit(str(lesson.path))

    # -- building -------------------------------------------------------------------------------

    def _lesson_items(self) -> list[QTreeWidgetItem]:
        items = []
        for row in range(self.tree.topLevelItemCount()):
            chapter = self.tree.topLevelItem(row)
            items.extend(chapter.child(i) for i in range(chapter.childCount()))
        return items

    def _fill(self, language: str) -> None:
        """(Re)build the tree in ``language``, keeping the selection."""
        current = self.current_lesson()
        self.tree.blockSignals(True)
        self.tree.clear()
        chapters: dict[str, QTreeWidgetItem] = {}
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for lesson in self.lessons:
            parent = chapters.get(lesson.chapter)
            if parent is None:
                names = CHAPTERS.get(lesson.chapter, {"en": lesson.chapter})
                parent = QTreeWidgetItem([names.get(language) or names["en"]])
                parent.setFont(0, bold)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(parent)
                chapters[lesson.chapter] = parent
            item = QTreeWidgetItem([lesson.title(language), ""])
            item.setData(0, PATH_ROLE, str(lesson.path))
            item.setToolTip(0, lesson.title(language))
            item.setIcon(0, self._icon(lesson.key))
            parent.addChild(item)
        self.tree.expandAll()
        self.tree.blockSignals(False)
        if current is not None:
            self.select(current.key)
        self._apply_filter(self.filter.text())
        self.refresh_progress()

    def _icon(self, key: str) -> QIcon:
        if key not in self._icons:
            path = thumbnail_path(key)
            self._icons[key] = QIcon(str(path)) if path.is_file() else QIcon()
        return self._icons[key]

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.tree.topLevelItemCount()):
            chapter = self.tree.topLevelItem(row)
            shown = 0
            for i in range(chapter.childCount()):
                item = chapter.child(i)
                lesson = self._by_path[item.data(0, PATH_ROLE)]
                haystack = " ".join(
                    (
                        lesson.key,
                        lesson.title_en,
                        lesson.title_zh,
                        lesson.description_en,
                        lesson.description_zh,
                        chapter.text(0),
                    )
                ).casefold()
                hide = bool(needle) and needle not in haystack
                item.setHidden(hide)
                shown += not hide
            chapter.setHidden(shown == 0)

    def _show_current(self) -> None:
        lesson = self.current_lesson()
        language = current_language()
        self.open_button.setEnabled(lesson is not None)
        if lesson is None:
            self.title.setText(self.tr("Choose a lesson"))
            self.chapter.clear()
            self.description.setText(
                self.tr(
                    "Each lesson opens a prepared scene in the Surface Lab or the Network Lab; "
                    "a guided lesson then goes beat by beat."
                )
            )
            self.runs.clear()
            self.guide.clear()
            self.thumbnail.clear()
            self.open_button.setText(self.tr("Open in the Surface Lab"))
            return
        names = CHAPTERS.get(lesson.chapter, {"en": lesson.chapter})
        self.chapter.setText(
            self.tr("From the notes: {0}").format(names.get(language) or names["en"])
        )
        self.title.setText(lesson.title(language))
        self.description.setText(lesson.description(language))
        self.runs.setText(self._runs_text(lesson))
        self.guide.setText(self._guide_text(lesson))
        path = thumbnail_path(lesson.key)
        self.thumbnail.setPixmap(QPixmap(str(path)) if path.is_file() else QPixmap())
        self.open_button.setText(
            self.tr("Open in the Network Lab")
            if self.is_network(lesson)
            else self.tr("Open in the Surface Lab")
        )

    def _runs_text(self, lesson: Lesson) -> str:
        runs = self._data.get(lesson.key, {}).get("runs", [])
        labels = [
            run.get("label", "") for run in runs if isinstance(run, dict) and run.get("label")
        ]
        if not labels:
            return ""
        return self.tr("Runs: {0}").format(" · ".join(labels))

    def _guide_text(self, lesson: Lesson) -> str:
        """How many beats and predictions the lesson has, and how the student's went."""
        beats = self._data.get(lesson.key, {}).get("beats", [])
        if not isinstance(beats, list) or not beats:
            return ""
        questions = sum(1 for beat in beats if isinstance(beat, dict) and beat.get("question"))
        text = self.tr("Guided: {0} beats, {1} predictions").format(len(beats), questions)
        if self.progress is None:
            return text
        answers = self.progress.answers(lesson.key)
        if answers:
            held = sum(answer.held for answer in answers.values())
            text += " · " + self.tr("predictions held: {0} of {1}").format(held, len(answers))
        if self.progress.is_done(lesson.key):
            text += " · " + self.tr("done")
        return text

    # -- reactions ------------------------------------------------------------------------------

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(0, PATH_ROLE):
            self.openRequested.emit(item.data(0, PATH_ROLE))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current_lesson():
            self.open_current()
            return
        super().keyPressEvent(event)

    def _apply_style(self) -> None:
        font = appearance().font(5)
        font.setBold(True)
        self.title.setFont(font)
        self.description.setFont(appearance().font(1))

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:
            self._apply_style()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.filter.setPlaceholderText(self.tr("Filter lessons…"))
        self.open_button.setToolTip(self.tr("Open this lesson's scene (or double-click it)"))
        self._fill(current_language())

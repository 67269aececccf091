"""What a student did in the guided lessons, kept on the machine: the predictions per lesson and
which lessons were finished.

One JSON file in the user's data folder (the desktop app passes the folder: ``core`` does not
know where that is). It is written complete or not at all (:func:`core.fileio.write_atomic`);
a missing, unreadable or damaged file reads as "nothing done yet" rather than stopping a lesson.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.fileio import read_bounded, write_atomic

PROGRESS_FILE = "lesson_progress.json"
PROGRESS_VERSION = 1
MAX_PROGRESS_BYTES = 2_000_000  # a few hundred lessons' answers take a few kilobytes


@dataclass(frozen=True)
class Answer:
    """One prediction: the choice picked (``None``: revealed without a pick), the right one, and
    whether the prediction held."""

    picked: int | None
    right: int

    @property
    def held(self) -> bool:
        return self.picked == self.right


class LessonProgress:
    """The answers per lesson (by lesson key, per beat index) and the lessons finished."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / PROGRESS_FILE
        self._lessons: dict[str, dict] = self._read()

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(read_bounded(self.path, MAX_PROGRESS_BYTES).decode("utf-8"))
        except (OSError, ValueError):  # missing, too large, not UTF-8 or not JSON
            return {}
        lessons = data.get("lessons") if isinstance(data, dict) else None
        if not isinstance(lessons, dict):
            return {}
        return {key: entry for key, entry in lessons.items() if isinstance(entry, dict)}

    def _write(self) -> None:
        data = {"version": PROGRESS_VERSION, "lessons": self._lessons}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True))

    # -- reading ---------------------------------------------------------------------------------

    def answers(self, lesson: str) -> dict[int, Answer]:
        """The lesson's answers by beat index (damaged entries are skipped)."""
        found = {}
        for beat, entry in self._lessons.get(lesson, {}).get("answers", {}).items():
            try:
                picked = entry.get("picked")
                found[int(beat)] = Answer(
                    picked=None if picked is None else int(picked), right=int(entry["right"])
                )
            except (AttributeError, KeyError, TypeError, ValueError):
                continue
        return found

    def is_done(self, lesson: str) -> bool:
        return bool(self._lessons.get(lesson, {}).get("done"))

    def done_lessons(self) -> set[str]:
        return {key for key in self._lessons if self.is_done(key)}

    # -- writing (each change is saved at once; OSError when the folder cannot be written) -------

    def record_answer(self, lesson: str, beat: int, answer: Answer) -> None:
        entry = self._lessons.setdefault(lesson, {})
        answers = entry.get("answers") if isinstance(entry.get("answers"), dict) else {}
        answers[str(int(beat))] = {"picked": answer.picked, "right": answer.right}
        entry["answers"] = answers
        self._write()

    def mark_done(self, lesson: str) -> None:
        self._lessons.setdefault(lesson, {})["done"] = True
        self._write()

    def forget(self, lesson: str) -> None:
        """Start the lesson afresh: its answers and its check mark go."""
        if self._lessons.pop(lesson, None) is not None:
            self._write()

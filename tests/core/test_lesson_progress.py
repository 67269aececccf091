"""Lesson progress: answers per lesson and finished lessons, kept in one file that survives a
restart and never stops a lesson when it is missing or damaged."""

import json
import os

import pytest

from core.lesson_progress import PROGRESS_FILE, Answer, LessonProgress


def test_answers_and_done_lessons_survive_a_restart(tmp_path):
    folder = tmp_path / "not-yet-made"
    progress = LessonProgress(folder)
    assert progress.answers("saddle_escape") == {} and progress.done_lessons() == set()
    progress.record_answer("saddle_escape", 2, Answer(picked=0, right=1))
    progress.record_answer("saddle_escape", 5, Answer(picked=None, right=0))
    progress.record_answer("race_rosenbrock", 1, Answer(picked=2, right=2))
    progress.mark_done("saddle_escape")

    again = LessonProgress(folder)  # the next start of the app
    answers = again.answers("saddle_escape")
    assert answers == {2: Answer(picked=0, right=1), 5: Answer(picked=None, right=0)}
    assert not answers[2].held and again.answers("race_rosenbrock")[1].held
    assert again.done_lessons() == {"saddle_escape"}
    assert again.is_done("saddle_escape") and not again.is_done("race_rosenbrock")


def test_a_new_answer_to_the_same_beat_replaces_the_old_one(tmp_path):
    progress = LessonProgress(tmp_path)
    progress.record_answer("a", 1, Answer(picked=0, right=1))
    progress.record_answer("a", 1, Answer(picked=1, right=1))
    assert LessonProgress(tmp_path).answers("a") == {1: Answer(picked=1, right=1)}


def test_forget_starts_a_lesson_afresh(tmp_path):
    progress = LessonProgress(tmp_path)
    progress.record_answer("a", 0, Answer(picked=0, right=0))
    progress.mark_done("a")
    progress.mark_done("b")
    progress.forget("a")
    again = LessonProgress(tmp_path)
    assert again.answers("a") == {} and again.done_lessons() == {"b"}


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'{"lessons": 3}', b"\xff\xfe", b'{"lessons": {"a": 1}}'],
)
def test_a_damaged_file_reads_as_nothing_done(tmp_path, content):
    (tmp_path / PROGRESS_FILE).write_bytes(content)
    progress = LessonProgress(tmp_path)
    assert progress.done_lessons() == set() and progress.answers("a") == {}
    progress.mark_done("a")  # and it is written whole again
    assert json.loads((tmp_path / PROGRESS_FILE).read_text())["lessons"] == {"a": {"done": True}}


def test_damaged_answers_are_skipped_and_the_rest_kept(tmp_path):
    data = {
        "version": 1,
        "lessons": {
            "a": {"answers": {"1": {"picked": 0, "right": 1}, "x": {}, "2": "no", "3": {}}}
        },
    }
    (tmp_path / PROGRESS_FILE).write_text(json.dumps(data))
    assert LessonProgress(tmp_path).answers("a") == {1: Answer(picked=0, right=1)}


def test_a_folder_that_cannot_be_written_raises_and_keeps_the_old_file(tmp_path):
    progress = LessonProgress(tmp_path)
    progress.mark_done("a")
    before = (tmp_path / PROGRESS_FILE).read_bytes()
    (tmp_path / f".{PROGRESS_FILE}.{os.getpid()}.tmp").mkdir()  # the temporary file is blocked
    with pytest.raises(OSError):
        progress.mark_done("b")
    assert (tmp_path / PROGRESS_FILE).read_bytes() == before
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(OSError):  # the data folder is a file
        LessonProgress(blocked).mark_done("a")

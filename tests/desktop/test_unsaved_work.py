"""Nothing lost, nothing hangs: the save-changes question, saving the document that was opened
(whichever tab shows), Network Lab autosaves, complete-or-nothing saves, an unusable data folder,
and a window that fits the screen."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QMessageBox, QSpinBox

import resources
from core import fileio
from core.scene import load_scene, scene_to_dict
from tests.fakes import short_writes

Button = QMessageBox.StandardButton
BOWL = {
    "format": 1,
    "title": "A bowl",
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.02}, "start": [2.0, 1.0], "steps": 20}
    ],
}
RAVINE = {
    "format": 1,
    "title": "A ravine",
    "surface": {"formula": "x**2 + 30*y**2", "x_range": [-3, 3], "y_range": [-2, 2]},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.01}, "start": [1.0, 1.0], "steps": 20}
    ],
}


def write_scene(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def visible_errors(window) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]


def close_errors(window) -> None:
    for box in window.findChildren(QMessageBox, "error_box"):
        box.close()
        box.deleteLater()


# --- one window for most tests of this module ---------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """The main window, built once: a light surface scene, the Network Lab in-process."""
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow
    from desktop_app.network_lab.backends import IN_PROCESS_ENV

    patch = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("shared")
    patch.setenv("LOSSLAB_DATA_DIR", str(folder / "user-data"))
    patch.setenv(IN_PROCESS_ENV, "1")
    create_application()
    main = MainWindow("en")
    main.resize(1200, 800)
    main.show()
    start = write_scene(folder / "start.json", BOWL)
    main.open_scene(start)
    main.engine_loaded("CPU", "cpu")
    assert main.surface_lab.wait_idle(60)
    yield main
    main.documents.ask_save_changes = lambda: Button.Discard
    main.close()
    main.surface_lab.shutdown()
    main.network_lab.shutdown()
    main.deleteLater()
    patch.undo()


class Asker:
    """Stands in for the Save / Discard / Cancel question: answers ``answer``, counts calls."""

    def __init__(self, answer=Button.Cancel) -> None:
        self.answer, self.calls = answer, 0

    def __call__(self):
        self.calls += 1
        return self.answer


@pytest.fixture
def win(shared, tmp_path, monkeypatch):
    """The shared window on a fresh copy of the bowl (clean, Surface Lab showing)."""
    asker = Asker(Button.Discard)
    monkeypatch.setattr(shared.documents, "ask_save_changes", asker)
    path = write_scene(tmp_path / "bowl.json", BOWL)
    assert shared.open_scene(path)
    shared.pages.setCurrentWidget(shared.surface_lab)
    assert shared.surface_lab.wait_idle(60)
    shared.surface_lab.set_playing(False)
    close_errors(shared)
    asker.calls = 0
    shared.asker = asker
    yield shared
    shared.documents.debounce.stop()
    close_errors(shared)


def edit_surface(window, x: float = -1.5, y: float = 0.5) -> None:
    lab = window.surface_lab
    lab.set_start(next(iter(lab.runs)), x, y)


def first_start(window):
    return window.surface_lab.scene_data()["runs"][0]["start"]


# --- the Save / Discard / Cancel question -------------------------------------------------------


def test_an_unchanged_scene_is_replaced_without_a_question(win, tmp_path):
    assert not win.documents.is_modified()
    assert win.open_scene(write_scene(tmp_path / "ravine.json", RAVINE))
    assert win.asker.calls == 0


def test_the_question_offers_save_discard_and_cancel(win, monkeypatch):
    documents = win.documents
    monkeypatch.undo()  # the real question
    box = documents.save_changes_box()
    buttons = box.standardButtons()
    assert buttons == Button.Save | Button.Discard | Button.Cancel
    assert box.defaultButton() is box.button(Button.Save)
    assert box.escapeButton() is box.button(Button.Cancel)
    assert "bowl.json" in box.text() and box.windowTitle() == "Unsaved changes"
    box.deleteLater()

    shown = []

    def answer_cancel(self):
        shown.append(self.text())
        return int(Button.Cancel.value)

    monkeypatch.setattr(QMessageBox, "exec", answer_cancel)
    assert documents.ask_save_changes() == Button.Cancel and len(shown) == 1


def test_cancel_keeps_the_scene_and_its_autosave_for_new_open_lesson_and_close(win, tmp_path):
    documents = win.documents
    edit_surface(win)
    autosave = documents.autosave_now()
    assert autosave is not None and autosave.is_file()
    before, path = win.surface_lab.scene_data(), win.scene_path
    win.asker.answer = Button.Cancel

    documents.new_action.trigger()
    assert win.open_scene(write_scene(tmp_path / "ravine.json", RAVINE)) is False
    lesson = str(resources.path("scenes", "saddle_escape.json"))
    win.lessons.openRequested.emit(lesson)  # the lesson browser's way in
    assert win.close() is False  # the window stays open
    assert win.asker.calls == 4
    assert win.isVisible()
    assert win.surface_lab.scene_data() == before and win.scene_path == path
    assert autosave.is_file() and documents.is_modified()


def test_discard_replaces_the_scene_and_drops_its_autosave(win):
    edit_surface(win)
    autosave = win.documents.autosave_now()
    win.asker.answer = Button.Discard
    win.documents.new_action.trigger()
    assert win.asker.calls == 1
    assert win.scene_path is None and win.surface_lab.surface_config == {"builtin": "rosenbrock"}
    assert not autosave.exists() and not win.documents.is_modified()


def test_save_writes_the_file_then_opens_the_lesson(win):
    saved_path = win.scene_path
    edit_surface(win, 0.25, -0.75)
    win.asker.answer = Button.Save
    lesson = str(resources.path("scenes", "saddle_escape.json"))
    win.open_lesson(lesson)
    assert win.asker.calls == 1
    assert load_scene(saved_path).runs[0].start == (0.25, -0.75)
    assert str(win.scene_path) == lesson


def test_save_of_an_untitled_scene_goes_on_only_when_save_as_worked(win, tmp_path, monkeypatch):
    win.documents.new_action.trigger()
    edit_surface(win, 1.0, 1.0)
    win.asker.answer = Button.Save
    target = tmp_path / "untitled-saved.json"
    answers = iter(["", str(target)])  # first the user cancels the file dialog, then picks one
    monkeypatch.setattr(
        "desktop_app.main_window.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (next(answers), ""),
    )
    ravine = write_scene(tmp_path / "ravine.json", RAVINE)
    assert win.open_scene(ravine) is False  # Save As cancelled: nothing happens
    assert win.scene_path is None and first_start(win) == [1.0, 1.0]
    assert win.open_scene(ravine)
    assert load_scene(target).runs[0].start == (1.0, 1.0)
    assert win.scene_path == ravine


def test_a_recovered_session_counts_as_unsaved(win, tmp_path):
    from desktop_app.documents import _Session

    documents = win.documents
    documents.folder.mkdir(parents=True, exist_ok=True)
    crashed = write_scene(documents.folder / "session-0123456789ab.json", RAVINE)
    session = _Session(crashed)
    assert session.lock.tryLock(0)
    documents.offered = session
    assert documents.recover()
    assert win.surface_lab.surface_config["formula"] == "x**2 + 30*y**2"
    assert documents.is_modified()  # nothing edited since, and still unsaved work
    own = documents.session.scene_file
    assert own.is_file()

    win.asker.answer = Button.Cancel
    documents.new_action.trigger()
    assert win.asker.calls == 1
    assert own.is_file() and win.surface_lab.surface_config["formula"] == "x**2 + 30*y**2"
    win.asker.answer = Button.Discard
    documents.new_action.trigger()
    assert not own.exists()


def test_cancel_before_a_recovery_keeps_the_offer(win, tmp_path):
    from desktop_app.documents import _Session

    documents = win.documents
    documents.folder.mkdir(parents=True, exist_ok=True)
    crashed = write_scene(documents.folder / "session-ba9876543210.json", RAVINE)
    session = _Session(crashed)
    assert session.lock.tryLock(0)
    documents.offered = session
    edit_surface(win)
    before = win.surface_lab.scene_data()
    win.asker.answer = Button.Cancel
    assert documents.recover() is False
    assert documents.offered is session and crashed.is_file()
    assert win.surface_lab.scene_data() == before
    documents.discard()
    assert not crashed.exists()


# --- the document that was opened is the one saved ----------------------------------------------


@pytest.fixture
def network_scene(tmp_path):
    path = tmp_path / "overfit.json"
    shutil.copy(resources.path("scenes", "network_overfitting.json"), path)
    return path


def set_epochs(window, epochs: int) -> None:
    window.network_lab.training_form.editor.findChild(QSpinBox, "steps").setValue(epochs)


def test_ctrl_s_on_the_surface_tab_saves_the_open_network_scene(win, network_scene):
    assert win.open_scene(network_scene)
    assert win.pages.currentWidget() is win.network_lab
    assert win.documents.kind == "network" and not win.documents.is_modified()
    set_epochs(win, 77)
    assert win.documents.is_modified()
    win.pages.setCurrentWidget(win.surface_lab)  # the other lab shows now
    win.documents.save_action.trigger()
    saved = json.loads(network_scene.read_text(encoding="utf-8"))
    assert not saved.get("runs")  # not the Surface Lab's scene written over it
    assert saved["network"]["training"]["epochs"] == 77
    assert saved == win.network_lab.scene_data()
    assert not win.documents.is_modified()


def test_ctrl_s_on_the_network_tab_saves_the_open_surface_scene(win):
    path = win.scene_path
    edit_surface(win, 0.5, 0.5)
    win.pages.setCurrentWidget(win.network_lab)
    win.documents.save_action.trigger()
    saved = scene_to_dict(load_scene(path))
    assert saved["runs"][0]["start"] == [0.5, 0.5] and saved.get("network") is None


def test_network_lab_edits_are_autosaved(win, network_scene, qtbot):
    documents = win.documents
    assert win.open_scene(network_scene)
    assert documents.autosave_now() is None  # just opened: nothing to save
    set_epochs(win, 42)
    assert documents.debounce.isActive()  # the network page reported the change
    with qtbot.waitSignal(documents.autosaved, timeout=20_000) as saved:
        pass  # the debounce timer fires by itself
    autosave = json.loads(Path(saved.args[0]).read_text(encoding="utf-8"))
    assert autosave["network"]["training"]["epochs"] == 42
    assert load_scene(saved.args[0]).network is not None


# --- complete-or-nothing saves ------------------------------------------------------------------


def test_a_short_write_keeps_the_old_file_shows_why_and_stays_unsaved(win, monkeypatch):
    path = win.scene_path
    old = path.read_bytes()
    edit_surface(win, -2.0, -1.0)
    short_writes(monkeypatch)
    assert win.documents.save() is False
    monkeypatch.undo()  # the real os.write again
    assert path.read_bytes() == old
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    boxes = visible_errors(win)
    assert boxes and "full" in boxes[-1].text() and path.name in boxes[-1].text()
    assert win.documents.is_modified()


def test_a_failed_save_answer_keeps_the_window_open(win, monkeypatch):
    edit_surface(win, -2.0, 1.0)
    win.asker.answer = Button.Save

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "write", full_disk)
    assert win.close() is False
    monkeypatch.setattr(fileio.os, "write", os.write)
    assert win.isVisible() and win.documents.is_modified()
    assert "No space left" in visible_errors(win)[-1].text()


# --- closing for real (a window of its own) -----------------------------------------------------


@pytest.fixture
def start_scene(tmp_path):
    return write_scene(tmp_path / "start.json", BOWL)


def test_close_with_save_writes_the_scene_and_removes_the_autosave(window, monkeypatch):
    lab = window.surface_lab
    lab.set_start(next(iter(lab.runs)), 1.25, 0.5)
    autosave = window.documents.autosave_now()
    assert autosave.is_file()
    asker = Asker(Button.Save)
    monkeypatch.setattr(window.documents, "ask_save_changes", asker)
    assert window.close()
    assert asker.calls == 1
    assert load_scene(window.scene_path).runs[0].start == (1.25, 0.5)
    assert not autosave.exists()


# --- an unusable data folder ----------------------------------------------------------------------


def _window_on(data_dir, monkeypatch, qtbot, start):
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(data_dir))
    create_application()
    main = MainWindow("en")
    qtbot.addWidget(main)
    main.show()
    main.open_scene(start)
    main.engine_loaded("CPU", "cpu")
    return main


def test_a_data_folder_that_cannot_be_made_turns_autosave_off_and_says_so(
    tmp_path, monkeypatch, qtbot, capfd, start_scene
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    main = _window_on(blocker / "LossLab", monkeypatch, qtbot, start_scene)
    monkeypatch.setattr(main.documents, "ask_save_changes", Asker(Button.Discard))
    try:
        lab = main.surface_lab
        assert lab.wait_idle(60)
        documents = main.documents
        assert documents.autosave_error
        assert documents.notice_bar.isVisible()
        notice = documents.notice_label.text()
        assert "Autosave is off" in notice and str(blocker) in notice
        assert not documents.periodic.isActive()

        lab.set_start(next(iter(lab.runs)), 1.0, 1.0)  # work goes on ...
        assert not documents.debounce.isActive()
        assert documents.autosave_now() is None
        saved = tmp_path / "still-saves.json"
        assert main.save_scene(saved)  # ... and saving to a file of the user's works
        assert load_scene(saved).runs[0].start == (1.0, 1.0)
        lab.set_start(next(iter(lab.runs)), 0.5, 1.0)
        qtbot.mouseClick(documents.notice_close_button, Qt.MouseButton.LeftButton)
        main.retranslate()  # said once: not shown again
        assert not documents.notice_bar.isVisible()
    finally:
        lab.shutdown()
        main.network_lab.shutdown()
    assert main.close()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "OSError" not in err


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders"
)
def test_a_read_only_data_folder_turns_autosave_off(tmp_path, monkeypatch, qtbot, start_scene):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        main = _window_on(folder, monkeypatch, qtbot, start_scene)
        try:
            assert main.documents.autosave_error
            assert main.documents.notice_bar.isVisible()
        finally:
            main.surface_lab.shutdown()
            main.network_lab.shutdown()
    finally:
        folder.chmod(0o700)


# --- a window that fits the screen ----------------------------------------------------------------


@pytest.fixture
def small_screen(monkeypatch):
    """A 1280x720 projector whose usable area starts below a 40 px panel."""
    from desktop_app import main_window

    area = QRect(0, 40, 1280, 680)
    monkeypatch.setattr(main_window, "available_geometry", lambda screen: QRect(area))
    return area


def _bare_window(qtbot):
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    create_application()
    main = MainWindow("en")
    qtbot.addWidget(main)
    return main


def test_the_first_window_fits_a_small_screen(small_screen, qtbot):
    main = _bare_window(qtbot)
    assert main.width() <= 0.9 * small_screen.width()
    assert main.height() <= 0.9 * small_screen.height()
    assert small_screen.contains(main.geometry())
    assert main.size().width() < 1400 and main.size().height() < 900


def test_size_and_place_are_remembered_per_screen(small_screen, qtbot, monkeypatch):
    from desktop_app import main_window
    from desktop_app.documents import user_settings

    first = _bare_window(qtbot)
    first.resize(640, 400)  # (the offscreen screen is 800 x 600: restore keeps it on there)
    first.move(60, 50)
    assert first.close()
    key = main_window.geometry_key(first.screen())
    assert first.screen().name().replace(" ", "_") in key
    assert user_settings().value(key) is not None

    second = _bare_window(qtbot)
    assert (second.width(), second.height()) == (640, 400)
    assert (second.x(), second.y()) == (60, 50)

    second.resize(760, 560)  # nearly the whole screen ...
    assert second.close()
    tiny = QRect(0, 0, 500, 300)  # ... and next time the same screen has less room
    monkeypatch.setattr(main_window, "available_geometry", lambda screen: QRect(tiny))
    third = _bare_window(qtbot)
    assert third.width() <= tiny.width() and third.height() <= tiny.height()
    assert tiny.contains(third.geometry())

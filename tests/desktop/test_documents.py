"""The scene as a document: new, save, recent files, drag and drop, autosave and recovery."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QLockFile, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from core.scene import load_scene, parse_scene, scene_to_dict
from tests.desktop.conftest import main_window

QUADRATIC = {
    "format": 1,
    "title": {"en": "A bowl", "zh": "碗"},
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.02}, "start": [2.0, 1.0], "steps": 30}
    ],
}
DRAWN = {
    "format": 1,
    "title": "Drawn by hand",
    "surface": {
        "bumps": [
            {"x": -1.0, "y": 0.5, "height": 0.8, "width": 0.6},
            {"x": 1.2, "y": -0.4, "height": -0.5, "width": 0.4},
        ],
        "base": "bowl",
        "x_range": [-3, 3],
        "y_range": [-2, 2],
    },
    "runs": [
        {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.05}, "start": [2, 1], "steps": 25}
    ],
}


@pytest.fixture
def start_scene(tmp_path):
    """The window starts on a light scene (the start-up lesson computes for seconds)."""
    return write_scene(tmp_path / "start.json", QUADRATIC)


def write_scene(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shared_window(qapp, tmp_path_factory):
    """One window for the tests that only open, save and drop files (each reopens its own
    start scene first); tests that need a fresh start (crash recovery, closing) use
    ``fresh_window``."""
    folder = tmp_path_factory.mktemp("documents")
    with main_window(write_scene(folder / "start.json", QUADRATIC), folder / "user-data") as main:
        yield main


@pytest.fixture
def window(shared_window, start_scene):
    """The shared window showing this test's start scene, unmodified, as a fresh one would."""
    main = shared_window
    for box in main.findChildren(QMessageBox, "error_box"):
        box.close()
        box.setParent(None)  # gone from findChildren now, as in a fresh window
        box.deleteLater()
    main.surface_lab.picker.draw.setChecked(False)
    main.pages.setCurrentWidget(main.surface_lab)
    assert main.open_scene(start_scene)
    assert main.surface_lab.wait_idle(60)
    main.surface_lab.set_playing(False)
    main.documents.debounce.stop()
    assert not main.documents.is_modified()
    return main


@pytest.fixture
def fresh_window(start_scene, user_data_dir):
    """A window of its own (built after the test's fixtures, e.g. a crashed session)."""
    with main_window(start_scene, user_data_dir) as main:
        yield main


def open_light(window, tmp_path, data=QUADRATIC, name="bowl.json"):
    path = write_scene(tmp_path / name, data)
    assert window.open_scene(path)
    assert window.surface_lab.wait_idle(60)
    window.surface_lab.set_playing(False)
    return path


def error_box(window) -> QMessageBox:
    boxes = [b for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]
    assert boxes, "no error shown"
    return boxes[-1]


def test_file_menu_has_new_save_and_recent(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert {"&New scene", "&Save scene", "Open &recent", "&Export"} <= set(texts)
    assert window.documents.new_action.shortcut().toString() == "Ctrl+N"
    assert window.documents.save_action.shortcut().toString() == "Ctrl+S"


def test_new_gives_an_untitled_default_scene(window):
    window.documents.new_action.trigger()
    lab = window.surface_lab
    assert window.scene_path is None
    assert window.windowTitle().startswith("Untitled")
    assert lab.surface_config == {"builtin": "rosenbrock"}
    assert len(lab.runs) == 1
    assert lab.wait_idle(60)
    assert window.documents.autosave_now() is None  # nothing changed yet: nothing to recover


def test_save_writes_to_the_current_file_and_asks_for_lessons(window, start_scene, monkeypatch):
    import resources

    asked = []
    monkeypatch.setattr(window, "save_as_dialog", lambda: asked.append(True))
    lab = window.surface_lab
    lab.set_start(next(iter(lab.runs)), -1.5, 0.5)
    window.documents.save_action.trigger()
    assert asked == []
    assert load_scene(start_scene).runs[0].start == (-1.5, 0.5)

    window.scene_path = resources.path("scenes", "race_rosenbrock.json")
    window.documents.save_action.trigger()  # lessons ship with LossLab: never saved over
    window.scene_path = None
    window.documents.save_action.trigger()  # a new scene has no file yet
    assert asked == [True, True]


def test_recent_files_newest_first_and_missing_ones_dropped(
    window, tmp_path, start_scene, user_data_dir
):
    first = open_light(window, tmp_path, name="first.json")
    saved = tmp_path / "saved.json"
    assert window.save_scene(saved)
    documents = window.documents
    assert documents.recent_files() == [str(saved), str(first), str(start_scene)]
    assert (user_data_dir / "settings.ini").is_file()  # not the user's own settings

    assert window.open_scene(start_scene)
    assert documents.recent_files() == [str(start_scene), str(saved), str(first)]  # no repeats
    first.unlink()
    assert documents.recent_files() == [str(start_scene), str(saved)]

    documents.recent_menu.aboutToShow.emit()
    entries = [a for a in documents.recent_menu.actions() if a.text().startswith("&")]
    assert [a.text() for a in entries] == ["&1  start.json", "&2  saved.json"]
    entries[1].trigger()
    assert window.scene_path == saved


def test_a_corrupt_file_keeps_the_current_scene_and_names_the_problem(window, tmp_path):
    before = window.surface_lab.scene_data()
    broken = tmp_path / "broken.json"
    broken.write_text('{"runs": [}', encoding="utf-8")
    assert window.open_scene(broken) is False
    assert window.surface_lab.scene_data() == before
    text = error_box(window).text()
    assert "broken.json" in text and "invalid JSON at line 1, column 11" in text
    assert "invalid JSON" in window.statusBar().currentMessage()


def _drag_events(path, target):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    centre = target.rect().center()
    enter = QDragEnterEvent(centre, action, mime, buttons, keys)
    drop = QDropEvent(QPointF(centre), action, mime, buttons, keys)
    return mime, enter, drop


def test_dropping_a_scene_on_the_map_opens_it(window, tmp_path, qtbot):
    path = write_scene(tmp_path / "dropped.json", DRAWN)
    viewport = window.surface_lab.map.viewport()
    _mime, enter, drop = _drag_events(path, viewport)
    QApplication.sendEvent(viewport, enter)  # the map does not take files: the window does
    assert enter.isAccepted()
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.scene_path == path, timeout=10_000)
    assert window.surface_lab.surface_config["bumps"][0]["height"] == 0.8


def test_dropping_an_invalid_scene_keeps_the_current_one(window, tmp_path, qtbot):
    before = window.surface_lab.scene_data()
    bad = write_scene(
        tmp_path / "bad.json", {"format": 1, "runs": [{"optimizer": {"name": "sgd", "lr": -1}}]}
    )
    _mime, enter, drop = _drag_events(bad, window)
    QApplication.sendEvent(window, enter)
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: bool(window.findChildren(QMessageBox, "error_box")), timeout=5000)
    assert "runs[0].optimizer.lr" in error_box(window).text()
    assert window.surface_lab.scene_data() == before


def test_autosave_loads_back_to_the_same_scene_drawn_surface_included(window, qtbot):
    lab, documents = window.surface_lab, window.documents
    assert documents.autosave_now() is None  # just opened: nothing to save
    lab.picker.draw.setChecked(True)  # draw mode: a bowl to paint on
    lab.paint_dab(0.5, 0.5, +1.0)
    lab.paint_dab(-1.0, 1.0, -1.0)
    assert documents.debounce.isActive()  # a change schedules an autosave
    with qtbot.waitSignal(documents.autosaved, timeout=20_000) as saved:
        pass  # the debounce timer fires by itself
    path = saved.args[0]
    assert path.startswith(str(documents.folder))
    recovered = scene_to_dict(load_scene(path))
    assert recovered == lab.scene_data()
    assert len(recovered["surface"]["bumps"]) == 2
    assert recovered["surface"]["bumps"][1]["height"] < 0


def test_saving_or_a_clean_exit_removes_the_autosave(fresh_window, tmp_path, monkeypatch):
    window = fresh_window
    lab, documents = window.surface_lab, window.documents
    asked = []
    monkeypatch.setattr(
        documents, "ask_save_changes", lambda: asked.append(1) or QMessageBox.StandardButton.Discard
    )
    lab.set_start(next(iter(lab.runs)), 1.0, 1.0)
    autosave = documents.autosave_now()
    assert autosave is not None and autosave.is_file()
    assert window.save_scene(tmp_path / "kept.json")
    assert not autosave.exists()

    lab.set_start(next(iter(lab.runs)), 0.5, 1.0)
    autosave = documents.autosave_now()
    assert autosave.is_file()
    assert window.close()  # unsaved changes: asked, and discarded
    assert asked == [1]
    assert not autosave.exists()
    assert not autosave.with_suffix(".lock").exists()


@pytest.fixture
def crashed_session(user_data_dir, tmp_path, start_scene):
    """What a LossLab that crashed leaves: an autosave (a drawn surface) and no live lock."""
    folder = user_data_dir / "autosave"
    folder.mkdir(parents=True)
    scene = folder / "session-deadbeef.json"
    scene.write_text(json.dumps(DRAWN), encoding="utf-8")
    original = tmp_path / "lecture.json"
    scene.with_suffix(".meta").write_text(json.dumps({"scene_path": str(original)}))
    return scene, original


def test_after_a_crash_the_next_start_offers_the_session_back(crashed_session, fresh_window, qtbot):
    window = fresh_window
    scene, original = crashed_session
    documents = window.documents
    bar = documents.recovery_bar
    assert bar.isVisible()
    assert "did not close normally" in documents.recovery_label.text()
    assert "lecture.json" in documents.recovery_label.text()

    qtbot.mouseClick(documents.recover_button, Qt.MouseButton.LeftButton)
    lab = window.surface_lab
    assert lab.wait_idle(60)
    expected = scene_to_dict(parse_scene(DRAWN))
    assert lab.scene_data()["surface"] == expected["surface"]
    assert lab.scene_data()["runs"][0]["optimizer"] == expected["runs"][0]["optimizer"]
    assert not bar.isVisible()
    assert not scene.exists()  # taken over by this session ...
    assert documents.session.scene_file.is_file()  # ... which keeps it safe until saved
    assert window.scene_path == original  # Save goes back to the file it came from


def test_discarding_the_crashed_session_deletes_it(crashed_session, fresh_window, qtbot):
    window = fresh_window
    scene, _ = crashed_session
    before = window.surface_lab.scene_data()
    qtbot.mouseClick(window.documents.discard_button, Qt.MouseButton.LeftButton)
    assert not window.documents.recovery_bar.isVisible()
    assert not scene.exists()
    assert window.surface_lab.scene_data() == before


def test_a_session_still_running_is_not_offered(user_data_dir, start_scene, qtbot):
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    folder = user_data_dir / "autosave"
    folder.mkdir(parents=True)
    (folder / "session-alive.json").write_text(json.dumps(DRAWN), encoding="utf-8")
    alive = QLockFile(str(folder / "session-alive.lock"))  # another window, still open
    assert alive.tryLock(0)
    create_application()
    main = MainWindow("en")
    qtbot.addWidget(main)
    main.open_scene(start_scene)
    main.engine_loaded("CPU", "cpu")
    try:
        assert main.documents.offered is None
        assert not main.documents.recovery_bar.isVisibleTo(main)
    finally:
        main.surface_lab.shutdown()
        alive.unlock()


def test_a_corrupt_autosave_is_reported_and_set_aside(user_data_dir, start_scene, qtbot):
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    folder = user_data_dir / "autosave"
    folder.mkdir(parents=True)
    broken = folder / "session-0badf00d.json"
    broken.write_text('{"format": 1, "surface": {"builtin": "no-such-surface"}}', encoding="utf-8")
    create_application()
    main = MainWindow("en")
    qtbot.addWidget(main)
    main.open_scene(start_scene)
    main.engine_loaded("CPU", "cpu")
    try:
        before = main.surface_lab.scene_data()
        assert main.documents.recover() is False
        assert "surface" in error_box(main).text()
        assert main.surface_lab.scene_data() == before
        assert not broken.exists() and broken.with_suffix(".unreadable").exists()
        assert not main.documents.recovery_bar.isVisibleTo(main)
    finally:
        main.surface_lab.shutdown()


def test_user_files_go_to_the_redirected_folder(user_data_dir):
    from desktop_app.documents import user_data_dir as data_dir

    assert data_dir() == user_data_dir

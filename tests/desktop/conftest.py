import gc
import json
from contextlib import contextmanager

import pytest


@pytest.fixture(autouse=True)
def user_data_dir(tmp_path, monkeypatch):
    """Autosaves and settings (recent files) go to a fresh folder, never the user's own."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(folder))
    return folder


def dispose(widget) -> None:
    """Close ``widget`` and delete it now, with everything it owns.

    Without this a closed window stays alive (its C++ side waits for a deferred delete that no
    event loop runs) and so do pyqtgraph's unparented context menus, hundreds per window: every
    later language, theme or font change then walks them all, and the suite slows test by test.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(autouse=True)
def collect_widgets_in_the_gui_thread():
    """A test's dead widgets are collected here, in the GUI thread, never later by the cyclic
    collector in a compute worker (see desktop_app.app._collect_garbage_in_the_gui_thread)."""
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def discard_unsaved_changes(monkeypatch):
    """pytest-qt closes every window after a test: answer "Discard" to the save-changes question
    (a modal box would wait forever offscreen). Tests of the question patch it themselves."""
    from PySide6.QtWidgets import QMessageBox

    from desktop_app.documents import Documents

    monkeypatch.setattr(
        Documents, "ask_save_changes", lambda self: QMessageBox.StandardButton.Discard
    )


@pytest.fixture(autouse=True)
def rebuild_without_asking(monkeypatch):
    """The Network Lab asks before a rebuild throws a trained model away: answer "Rebuild" (a
    modal box would wait forever offscreen). Tests of the question patch it themselves."""
    from desktop_app.network_lab.page import NetworkLabPage

    monkeypatch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)


LIGHT_SCENE = {
    "format": 1,
    "title": {"en": "A light test scene"},
    "surface": {"builtin": "rosenbrock"},
    "runs": [
        {"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.001}, "start": [-1.5, 2.5]},
        {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.05}, "start": [-1.5, 2.5]},
    ],
}


@pytest.fixture(scope="session")
def light_scene(tmp_path_factory):
    """Two short runs on Rosenbrock's valley: a window opens on it in a fraction of a second."""
    path = tmp_path_factory.mktemp("scenes") / "light.json"
    path.write_text(json.dumps(LIGHT_SCENE), encoding="utf-8")
    return path


@pytest.fixture
def start_scene(light_scene):
    """The scene file `window` opens: a light one by default (None: LossLab's start-up lesson).
    Override it in a test module where another scene is needed."""
    return light_scene


@contextmanager
def main_window(scene, data_dir, size=(1200, 800)):
    """A main window as the app builds it, for a test module or a test: the engine loaded (CPU),
    ``scene`` (a path, or None: the start-up lesson) open, computed and paused, the window shown;
    the Network Lab trains in-process; user data in ``data_dir``. Tests answer modal questions
    themselves (the autouse fixtures above); closing answers them on the instance, so no class
    patch outlives it. On leaving, the look goes back to English, light, presenter off, and the
    window is deleted."""
    from PySide6.QtWidgets import QMessageBox

    from desktop_app import i18n
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.style import appearance

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSLAB_DATA_DIR", str(data_dir))
        patch.setenv(IN_PROCESS_ENV, "1")
        create_application()
        main = MainWindow("en")
        main.resize(*size)
        if scene is not None:
            main.open_scene(scene)  # opened when the engine is loaded
        main.engine_loaded("CPU", "cpu")
        main.surface_lab.set_playing(False)
        # Computed before the window is shown: painting every batch of a race while it
        # computes made each window's set-up about four times slower.
        assert main.surface_lab.wait_idle(60)
        main.show()
        assert main.surface_lab.wait_idle(60)
        try:
            yield main
        finally:
            i18n.set_language("en")
            appearance().set_presenter(False)
            appearance().set_theme("light")
            main.player.stop()
            main.documents.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
            main.network_lab.ask_rebuild = lambda: True
            for page in (main.surface_lab, main.data_lab, main.network_lab):
                page.shutdown()
            dispose(main)


@contextmanager
def data_page_window(scene, data_dir, also=("data_lab",)):
    """:func:`main_window` at 1280x720 with the Data page computed on a coarse map and paused;
    ``also`` names the pages shown (each computes when first shown), the Data page first."""
    from PySide6.QtWidgets import QApplication

    from desktop_app.data_lab import page as data_page

    with (
        pytest.MonkeyPatch.context() as patch,
        main_window(scene, data_dir, (1280, 720)) as main,
    ):
        patch.setattr(data_page, "RASTER_RESOLUTION", 48)  # a coarse map: a quick start
        for name in also:
            main.pages.setCurrentWidget(getattr(main, name))
            QApplication.processEvents()
        assert main.data_lab.wait_idle(60)
        main.data_lab.set_playing(False)
        yield main


def tools_menu(main):
    """The main window's Tools menu as the menu bar holds it now (a language switch rebuilds
    the menus; the old ones are deleted later)."""
    menus = [action.menu() for action in main.menuBar().actions() if action.menu() is not None]
    return next(menu for menu in menus if menu.objectName() == "tools_menu")


@contextmanager
def network_lab_page(size=(1300, 850)):
    """A Network Lab page on its own, shown, training in the app's worker thread (no process to
    start), its default network's epoch 0 computed; closed and deleted on leaving (a rebuild
    question answered on the instance)."""
    from desktop_app.app import create_application
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.network_lab.page import NetworkLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(IN_PROCESS_ENV, "1")
        create_application()
        lab = NetworkLabPage()
    lab.resize(*size)
    lab.show()
    assert lab.wait_for(lambda: "network" in lab.snapshots, 60)
    try:
        yield lab
    finally:
        lab.ask_rebuild = lambda: True
        lab.shutdown()
        dispose(lab)


@pytest.fixture
def window(start_scene, tmp_path):
    """The main window with its engine loaded (synchronously) and no scene playing."""
    with main_window(start_scene, tmp_path / "user-data") as main:
        yield main


@pytest.fixture
def lab(window):
    return window.surface_lab

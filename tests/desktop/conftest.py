import pytest


@pytest.fixture(autouse=True)
def user_data_dir(tmp_path, monkeypatch):
    """Autosaves and settings (recent files) go to a fresh folder, never the user's own."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def discard_unsaved_changes(monkeypatch):
    """pytest-qt closes every window after a test: answer "Discard" to the save-changes question
    (a modal box would wait forever offscreen). Tests of the question patch it themselves."""
    from PySide6.QtWidgets import QMessageBox

    from desktop_app.documents import Documents

    monkeypatch.setattr(
        Documents, "ask_save_changes", lambda self: QMessageBox.StandardButton.Discard
    )


@pytest.fixture
def start_scene():
    """The scene file `window` opens (None: LossLab's start-up lesson). Override it in a test
    module with a light scene where the lesson's computing is not needed."""
    return None


@pytest.fixture
def window(qtbot, start_scene):
    """The main window with its engine loaded (synchronously) and no scene playing."""
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    create_application()
    main = MainWindow("en")
    qtbot.addWidget(main)
    main.resize(1200, 800)
    main.show()
    if start_scene is not None:
        main.open_scene(start_scene)  # opened when the engine is loaded
    main.engine_loaded("CPU", "cpu")
    assert main.surface_lab.wait_idle(60)
    main.surface_lab.set_playing(False)
    yield main
    main.surface_lab.shutdown()


@pytest.fixture
def lab(window):
    return window.surface_lab

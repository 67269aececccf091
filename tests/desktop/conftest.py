import pytest


@pytest.fixture
def window(qtbot):
    """The main window with its engine loaded (synchronously) and no scene playing."""
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    create_application()
    main = MainWindow("en")
    qtbot.addWidget(main)
    main.resize(1200, 800)
    main.show()
    main.engine_loaded("CPU", "cpu")
    assert main.surface_lab.wait_idle(60)
    main.surface_lab.set_playing(False)
    yield main
    main.surface_lab.shutdown()


@pytest.fixture
def lab(window):
    return window.surface_lab

"""The tool windows fit the screen they open on: the tuning window opens at its default size on a
large screen, and inside the available area of a classroom projector (1280x720, 1024x768), at
least its minimum size hint where the screen allows it."""

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

from desktop_app.tuning.window import DEFAULT_SIZE, TuningWindow, show_tuning_window
from desktop_app.widgets import screen_fit
from tests.desktop.conftest import dispose


class FakeMain(QWidget):
    """What show_tuning_window reads of the main window: no Network Lab yet."""

    network_lab = None


def open_on(area: QRect, monkeypatch) -> TuningWindow:
    """A fresh tuning window shown through Tools' code path on a screen whose available area is
    ``area``."""
    monkeypatch.setattr(screen_fit, "available_area", lambda anchor: area)
    main = FakeMain()
    window = show_tuning_window(main)
    assert window.parentWidget() is main
    return window


@pytest.fixture
def windows(qapp):
    """The windows a test opened (each fresh: a window is fitted when first made), closed and
    deleted afterwards."""
    opened: list[TuningWindow] = []
    yield opened
    for window in opened:
        main = window.parentWidget()
        window.shutdown()
        window.close()
        dispose(main)


@pytest.mark.parametrize(
    "area",
    [QRect(0, 0, 1280, 720), QRect(0, 30, 1024, 738), QRect(1920, 0, 1024, 768)],
    ids=["1280x720", "1024x768-taskbar", "second-screen"],
)
def test_a_small_screen_gets_a_window_inside_it(area, monkeypatch, windows):
    window = open_on(area, monkeypatch)
    windows.append(window)
    size = window.size()
    assert size.width() <= 0.9 * area.width() and size.height() <= 0.9 * area.height()
    assert area.contains(window.geometry())
    hint = window.minimumSizeHint()
    assert size.width() >= hint.width() and size.height() >= hint.height()
    assert size.width() < DEFAULT_SIZE[0] and size.height() < DEFAULT_SIZE[1]


def test_a_large_screen_gets_the_default_size(monkeypatch, windows):
    area = QRect(0, 0, 2560, 1400)
    window = open_on(area, monkeypatch)
    windows.append(window)
    assert window.size() == QSize(*DEFAULT_SIZE)
    assert area.contains(window.geometry())


def test_a_screen_smaller_than_the_layout_keeps_the_layout_and_the_top_left(monkeypatch, windows):
    area = QRect(100, 50, 640, 300)
    window = open_on(area, monkeypatch)
    windows.append(window)
    hint = window.minimumSizeHint()
    assert hint.width() > area.width() and hint.height() > area.height()  # the case
    assert window.size() == hint  # Qt keeps a layout's minimum: it never squeezes below
    assert window.pos() == area.topLeft()  # the title bar and left edge stay on screen


def test_fitting_size_arithmetic():
    fit = screen_fit.screen_fitting_size
    area = QRect(0, 0, 1000, 500)
    assert fit(QSize(1200, 900), QSize(100, 100), area) == QSize(900, 450)
    assert fit(QSize(800, 400), QSize(100, 100), area) == QSize(800, 400)
    assert fit(QSize(1200, 900), QSize(950, 480), area) == QSize(950, 480)
    assert fit(QSize(1200, 900), QSize(1100, 600), area) == QSize(1000, 500)

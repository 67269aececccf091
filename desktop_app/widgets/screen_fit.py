"""Windows that fit the screen they open on: a classroom projector's 1280x720 or 1024x768 takes
a window made for a larger screen (the main window, the tool windows, the diagnosis and class
vote windows)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.9  # a window takes at most this share of the screen's width and height


def screen_fitting_size(default: QSize, minimum: QSize, area: QRect) -> QSize:
    """``default``, shrunk to ``SCREEN_SHARE`` of ``area`` where that is smaller, but never below
    ``minimum`` (a layout's minimum size hint) unless the whole area is smaller still."""
    share = QSize(int(area.width() * SCREEN_SHARE), int(area.height() * SCREEN_SHARE))
    return default.boundedTo(share).expandedTo(minimum).boundedTo(area.size())


def centre_in(window: QWidget, area: QRect) -> None:
    """Move ``window`` to the middle of ``area``; one larger than the area keeps its title bar
    and left edge on screen."""
    size = window.size()
    window.move(
        area.x() + max(0, (area.width() - size.width()) // 2),
        area.y() + max(0, (area.height() - size.height()) // 2),
    )


def available_area(anchor: QWidget | None) -> QRect | None:
    """The part of ``anchor``'s screen (else the primary screen) a window may use: no task bar
    or dock. None without a screen. Tests replace this."""
    screen = (anchor.screen() if anchor is not None else None) or QGuiApplication.primaryScreen()
    return None if screen is None else screen.availableGeometry()


def fit_to_screen(window: QWidget, default: QSize | tuple[int, int]) -> None:
    """Size a top-level ``window`` to fit the screen it opens on (its parent's), centred there:
    a classroom projector's 1280x720 or 1024x768 takes a window made for a larger screen."""
    default = QSize(*default) if isinstance(default, tuple) else default
    area = available_area(window.parentWidget() or window)
    if area is None or area.isEmpty():
        window.resize(default)
        return
    window.resize(screen_fitting_size(default, window.minimumSizeHint(), area))
    centre_in(window, area)  # the layout's minimum holds even on a screen smaller than it

"""Classroom mode on the lesson browser and on a guided lesson (issue 12).

At projector sizes, presenter mode on and off: the browser's list, details and Open button are in
view with nothing cut or covered; and with a guided lesson open, the beat bar above the Surface
Lab keeps its Back/Next and choice buttons in view while the map and plots keep their room (every
plot at least 200 px tall in presenter mode). One window for the module, resized between cases.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QApplication

import resources
from desktop_app.style import appearance
from tests.desktop import geometry
from tests.desktop.conftest import main_window

SIZES = ((1024, 768), (1280, 720), (1920, 1080))
MIN_PLOT_HEIGHT = 200  # px, in presenter mode
GUIDED = "saddle_escape"  # a lesson whose first beats ask a question


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    with main_window(light_scene, tmp_path_factory.mktemp("user-data"), (1280, 720)) as main:
        yield main


def settle() -> None:
    app = QApplication.instance()
    for _ in range(3):
        app.processEvents()
        time.sleep(0.04)
    app.processEvents()


def problems(window, presenter: bool, always_shown) -> list[str]:
    found = [f"clipped: {p}" for p in geometry.clipped_widgets(window)]
    found += [f"overlap: {p}" for p in geometry.overlapping_texts(window)]
    found += [f"ticks: {p}" for p in geometry.all_colliding_ticks(window)]
    if presenter:
        found += [f"short: {p}" for p in geometry.short_plots(window, MIN_PLOT_HEIGHT)]
    hidden = [w for w in always_shown if not geometry.visible_without_scrolling(w)]
    found += [f"not in view: {geometry.describe(w)}" for w in hidden]
    return found


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_lesson_browser_fits_a_projector(window, size, presenter):
    browser = window.lessons
    window.player.stop()
    appearance().set_presenter(presenter)
    window.pages.setCurrentWidget(browser)
    window.resize(*size)
    settle()
    assert (window.width(), window.height()) == size
    shown = [browser.filter, browser.tree, browser.open_button]
    found = problems(window, presenter, shown)
    assert not found, "\n".join(found)


@pytest.fixture(scope="module")
def guided(window):
    """The guided lesson open in the Surface Lab, on its first beat."""
    window.open_scene(resources.path("scenes", f"{GUIDED}.json"))
    assert window.surface_lab.wait_idle(60)
    assert window.player.is_active()
    return window


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_guided_lesson_keeps_its_beat_bar_and_plots_in_view(guided, size, presenter):
    window, player = guided, guided.player
    appearance().set_presenter(presenter)
    window.pages.setCurrentWidget(window.surface_lab)
    window.resize(*size)
    settle()
    assert player.isVisible()
    assert (window.width(), window.height()) == size
    shown = [player.back_button, player.next_button]
    shown += [b for b in player.choice_buttons if b.isVisibleTo(player)]
    found = problems(window, presenter, shown)
    assert not found, "\n".join(found)

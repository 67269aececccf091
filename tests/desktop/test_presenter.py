"""Presenter mode (F5) and the light/dark themes: one setting restyles every view, plots
included."""

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

import resources
from desktop_app import style
from desktop_app.style import appearance


@pytest.fixture
def restore_look():
    yield
    appearance().set_presenter(False)
    appearance().set_theme("light")


def sizes(window):
    lab = window.surface_lab
    run_id = next(iter(lab.runs))
    loss_plot = lab.plots.plots["loss"]
    return {
        "path": lab.map.paths[run_id].opts["pen"].widthF(),
        "head": lab.map.heads[run_id].opts["size"],
        "start": lab.map.starts[run_id].scale,
        "curve": lab.plots.curves["loss"][run_id].opts["pen"].widthF(),
        "swarm": lab.map.swarm.opts["size"],
        "tick_font": loss_plot.getAxis("bottom").style["tickFont"].pointSizeF(),
        "map_tick_font": lab.map.plot.getAxis("left").style["tickFont"].pointSizeF(),
        "app_font": QApplication.font().pointSizeF(),
        "title": loss_plot.titleLabel.opts["size"],
    }


def test_f5_makes_lines_markers_and_fonts_larger_everywhere(window, lab, qtbot, restore_look):
    window.open_scene(resources.path("scenes", "momentum_ravine.json"))
    assert lab.wait_idle(60)
    before = sizes(window)
    action = window.view_menu.presenter_action
    assert action.shortcut().toString() == "F5"
    action.trigger()
    assert appearance().presenter
    after = sizes(window)
    assert after["path"] == pytest.approx(before["path"] * style.LINE_SCALE)
    assert after["curve"] == pytest.approx(before["curve"] * style.LINE_SCALE)
    for marker in ("head", "start", "swarm"):
        assert after[marker] == pytest.approx(before[marker] * style.MARKER_SCALE)
    assert after["app_font"] == pytest.approx(before["app_font"] * style.FONT_SCALE)
    for font in ("tick_font", "map_tick_font"):
        assert after[font] > before[font] * 1.2
    assert float(after["title"].removesuffix("pt")) > float(before["title"].removesuffix("pt"))

    # A run added in presenter mode is drawn thick too.
    new = lab.add_run(starts=[(1.0, 1.0)], compute=False)
    assert lab.map.paths[new].opts["pen"].widthF() == pytest.approx(after["path"])

    action.trigger()  # F5 again: back to normal
    assert sizes(window) == before


def test_the_dark_theme_darkens_the_window_and_the_plots(window, lab, restore_look):
    window.view_menu.theme_actions["light"].trigger()
    light_window = QApplication.palette().color(QPalette.ColorRole.Window)
    assert light_window.lightness() > 150
    assert lab.plots.layout_widget.backgroundBrush().color().lightness() > 200

    window.view_menu.theme_actions["dark"].trigger()
    assert appearance().theme == "dark"
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert lab.plots.layout_widget.backgroundBrush().color().lightness() < 40
    assert lab.map.backgroundBrush().color().lightness() < 40
    axis = lab.plots.plots["loss"].getAxis("left")
    assert axis.textPen().color().lightness() > 150  # light text on the dark plot

    window.view_menu.theme_actions["light"].trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Window) == light_window


def test_presenter_mode_and_theme_are_remembered(window, restore_look):
    from desktop_app.documents import user_settings
    from desktop_app.view_menu import PRESENTER_KEY, THEME_KEY, restore_appearance

    window.view_menu.presenter_action.trigger()
    window.view_menu.theme_actions["dark"].trigger()
    assert user_settings().value(PRESENTER_KEY, False, type=bool)
    assert user_settings().value(THEME_KEY, "", type=str) == "dark"
    appearance().set_presenter(False)
    appearance().set_theme("light")
    restore_appearance()  # what the next start does
    assert appearance().presenter and appearance().theme == "dark"


def test_f5_goes_full_screen_and_esc_gives_the_window_back(window, qtbot, restore_look):
    from PySide6.QtCore import Qt

    window.showNormal()
    window.view_menu.presenter_action.trigger()  # F5
    assert appearance().presenter and window.isFullScreen()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not appearance().presenter
    assert not window.isFullScreen()
    assert not window.view_menu.leave_presenter_action.isEnabled()  # Esc is free again

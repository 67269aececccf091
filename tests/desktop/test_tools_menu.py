"""The Tools menu: one entry per tool window, in the registry's order, each opening its window
(once, a child of the main window) -- the same windows a lesson's "open_tool" beat opens."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from core.beats import TOOL_NAMES
from desktop_app import i18n, tools
from tests.desktop.conftest import main_window, tools_menu


@pytest.fixture(scope="module")
def main(qapp, light_scene, tmp_path_factory):
    with main_window(light_scene, tmp_path_factory.mktemp("data")) as window:
        yield window
        for child in window.findChildren(QWidget):
            shutdown = getattr(child, "shutdown", None)
            if child.isWindow() and child is not window and callable(shutdown):
                shutdown()


def test_every_tool_a_lesson_can_open_is_in_the_menu_in_order(main):
    assert tuple(tools.TOOLS) == TOOL_NAMES
    texts = [action.text() for action in tools_menu(main).actions()]
    assert texts == [tools.menu_text(name) for name in TOOL_NAMES]
    assert "&Edge of stability…" in texts and "&Double descent…" in texts


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_each_entry_opens_its_window_once(main, name):
    action = tools_menu(main).actions()[TOOL_NAMES.index(name)]
    action.trigger()
    QApplication.processEvents()
    window = tools.open_tool(name, main)  # what a lesson beat calls: the same window
    assert window.isVisible() and window.isWindow() and window.parent() is main
    again = tools.open_tool(name, main)
    assert again is window
    assert len([w for w in main.findChildren(type(window)) if w.isWindow()]) == 1
    window.close()


def test_the_menu_follows_a_language_switch(main):
    try:
        i18n.set_language("zh")
        QApplication.processEvents()
        texts = [action.text() for action in tools_menu(main).actions()]
        assert texts == [tools.menu_text(name) for name in TOOL_NAMES]
        assert "稳定性边缘(&E)…" in texts and "学习率范围测试(&R)…" in texts
        assert main.menuBar().actions()[-2].text() == "工具(&T)"
    finally:
        i18n.set_language("en")
        QApplication.processEvents()

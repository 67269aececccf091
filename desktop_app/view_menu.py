"""The View menu: language, presenter mode (F5) and theme, remembered between starts.

F5 also takes the window full screen (a projector shows the lab, not the desktop); F5 again or
Esc leaves presenter mode and gives the window back its previous state.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from desktop_app import i18n
from desktop_app.style import THEMES, appearance, system_theme

PRESENTER_KEY = "view/presenter"
THEME_KEY = "view/theme"
PRESENTER_SHORTCUT = "F5"


def _settings():
    from desktop_app.documents import user_settings

    return user_settings()


def restore_appearance() -> None:
    """Apply the saved presenter mode and theme (the system's colour scheme by default)."""
    settings = _settings()
    theme = settings.value(THEME_KEY, "", type=str)
    appearance().set_theme(theme if theme in THEMES else system_theme())
    appearance().set_presenter(settings.value(PRESENTER_KEY, False, type=bool))


class ViewMenu(QMenu):
    """Language ▸, Presenter mode (F5), Theme ▸. Retranslates itself on a language change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("view_menu")
        self.language_menu = self.addMenu("")
        self.language_menu.setObjectName("language_menu")
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in i18n.LANGUAGES.items():  # each language's own name: never translated
            action = self.language_menu.addAction(name)
            action.setCheckable(True)
            action.setData(code)
            action.triggered.connect(lambda _=False, c=code: self.choose_language(c))
            self.language_group.addAction(action)
            self.language_actions[code] = action

        self.presenter_action = self.addAction("")
        self.presenter_action.setObjectName("presenter_action")
        self.presenter_action.setCheckable(True)
        self.presenter_action.setShortcut(QKeySequence(PRESENTER_SHORTCUT))
        self.presenter_action.toggled.connect(self.set_presenter)
        # Esc leaves presenter mode, as it ends a slide show; enabled only while presenting, so
        # it takes the key from nobody otherwise.
        self.leave_presenter_action = QAction(self)
        self.leave_presenter_action.setObjectName("leave_presenter_action")
        self.leave_presenter_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.leave_presenter_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.leave_presenter_action.setEnabled(False)
        self.leave_presenter_action.triggered.connect(
            lambda: self.presenter_action.setChecked(False)
        )
        if parent is not None:
            parent.addAction(self.leave_presenter_action)
        self._state_before_full_screen = Qt.WindowState.WindowNoState

        self.theme_menu = self.addMenu("")
        self.theme_menu.setObjectName("theme_menu")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme in THEMES:
            action = self.theme_menu.addAction("")
            action.setCheckable(True)
            action.setData(theme)
            action.triggered.connect(lambda _=False, t=theme: self.choose_theme(t))
            self.theme_group.addAction(action)
            self.theme_actions[theme] = action
        appearance().changed.connect(self.sync)
        i18n.manager().languageChanged.connect(self._language_changed)
        self.retranslate()
        self.sync()

    # -- actions --------------------------------------------------------------------------------

    def choose_language(self, code: str) -> None:
        i18n.set_language(code, save=True)
        self.sync()

    def set_presenter(self, on: bool) -> None:
        appearance().set_presenter(on)
        _settings().setValue(PRESENTER_KEY, on)
        self._set_full_screen(on)

    def _set_full_screen(self, on: bool) -> None:
        window = self.parentWidget().window() if self.parentWidget() is not None else None
        if window is None:
            return
        if on and not window.isFullScreen():
            self._state_before_full_screen = window.windowState()
            window.setWindowState(window.windowState() | Qt.WindowState.WindowFullScreen)
        elif not on and window.isFullScreen():
            window.setWindowState(self._state_before_full_screen)

    def choose_theme(self, theme: str) -> None:
        appearance().set_theme(theme)
        _settings().setValue(THEME_KEY, theme)

    def _language_changed(self, _code: str) -> None:
        self.sync()  # a bound method: Qt drops the connection when this menu is deleted

    def sync(self) -> None:
        """Check the entries that match the current state."""
        action = self.language_actions.get(i18n.current_language())
        if action is not None:
            action.setChecked(True)
        if self.presenter_action.isChecked() != appearance().presenter:
            self.presenter_action.blockSignals(True)
            self.presenter_action.setChecked(appearance().presenter)
            self.presenter_action.blockSignals(False)
        self.leave_presenter_action.setEnabled(appearance().presenter)
        self.theme_actions[appearance().theme].setChecked(True)

    # -- language -------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("&View"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.presenter_action.setText(self.tr("&Presenter mode (large text and lines)"))
        self.presenter_action.setToolTip(
            self.tr("Larger fonts, thicker lines and markers for a projector")
        )
        self.theme_menu.setTitle(self.tr("&Theme"))
        names = {"light": self.tr("&Light"), "dark": self.tr("&Dark")}
        for theme, action in self.theme_actions.items():
            action.setText(names[theme])

"""The main window: pages, menus with the usual shortcuts, and a status bar with the device.

The window itself imports no torch: it shows at once, and the pages that need the engine are
added when the background loader reports the engine ready.

The window opens at a size that fits the screen it opens on (``widgets.screen_fit``: at most
``SCREEN_SHARE`` of its available area), or where the user left it on that screen last time
(``saveGeometry`` in the user's settings, one entry per screen name and size).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from core.lesson_progress import LessonProgress
from desktop_app import i18n
from desktop_app.documents import (
    NETWORK,
    SURFACE,
    Documents,
    user_data_dir,
    user_settings,
    write_file_atomic,
)
from desktop_app.export import Exports
from desktop_app.lessons import LessonBrowser, LessonPlayer, with_player
from desktop_app.view_menu import ViewMenu
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.screen_fit import centre_in, screen_fitting_size

APP_NAME = "LossLab"
DEFAULT_SIZE = QSize(1400, 900)  # on a screen with room for it
GEOMETRY_GROUP = "window_geometry"


def available_geometry(screen: QScreen | None) -> QRect:
    """The part of ``screen`` a window may use (no task bar or dock); tests replace this."""
    if screen is None:
        return QRect(0, 0, DEFAULT_SIZE.width(), DEFAULT_SIZE.height())
    return screen.availableGeometry()


def geometry_key(screen: QScreen | None) -> str:
    """The settings key of the window geometry on ``screen``: its name and size."""
    if screen is None:
        return f"{GEOMETRY_GROUP}/none"
    size = screen.size()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", screen.name()) or "screen"
    return f"{GEOMETRY_GROUP}/{name}-{size.width()}x{size.height()}"


class MainWindow(Retranslating, QMainWindow):
    engineReady = Signal()

    def __init__(self, language: str = "en") -> None:
        super().__init__()
        if language != i18n.current_language():
            i18n.set_language(language)  # the window's language is the application's
        self.language = language
        self.surface_lab = None
        self._data_lab = None
        self._network_lab = None
        # The pages not built yet: their tabs hold a placeholder (-> its builder) until first
        # shown or asked for (data_lab, network_lab). The device is known once the engine is.
        self._device: str | None = None
        self._unbuilt: dict[QWidget, Callable[[], QWidget]] = {}
        self._announcing = False  # engineReady is being emitted at a deferred start-up
        self._announced = False  # engineReady was emitted
        self.scene_path: Path | None = None
        self._pending_scene: str | None = None
        self._device_name: str | None = None
        # The Surface Lab's cache of computed runs (core.record_cache); the app sets it, the
        # tests' windows compute every run.
        self.run_cache: Path | None = None
        self.setWindowTitle(APP_NAME)
        self.pages = QTabWidget()
        self.loading = QLabel(self.tr("Loading the engine (torch)…"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addTab(self.loading, self.tr("Surface Lab"))
        # The guided-lesson bar over the pages; answers kept in the user's data folder.
        self.player = LessonPlayer(LessonProgress(user_data_dir()))
        self.player.open_tool = self.open_tool
        self.lessons = LessonBrowser(progress=self.player.progress)
        self.lessons.openRequested.connect(self.open_lesson)
        self.player.progressChanged.connect(self.lessons.refresh_progress)
        self.pages.addTab(self.lessons, self.tr("Lessons"))
        self.setCentralWidget(with_player(self.player, self.pages))
        self.pages.currentChanged.connect(
            lambda _index: self.player.follow_page(self.pages.currentWidget())
        )
        self.device_label = QLabel(self.tr("device: …"))
        self.statusBar().addPermanentWidget(self.device_label)
        # New/save/recent, drag and drop, autosave and recovery; the Export submenu.
        self.documents = Documents(self)
        self.exports = Exports(self)
        self.view_menu = ViewMenu(self)  # language, presenter mode, theme
        self._own_menus: list[QMenu] = []
        self._own_actions: list[QAction] = []
        self._rebuild_menus()
        self.place_on_screen()

    # -- size and place ------------------------------------------------------------------------

    def _screen(self) -> QScreen | None:
        return self.screen() or QGuiApplication.primaryScreen()

    def place_on_screen(self) -> None:
        """Where the user left the window on this screen, else a size that fits it, centred.

        Either way the window never exceeds the screen's available area.
        """
        screen = self._screen()
        area = available_geometry(screen)
        saved = user_settings().value(geometry_key(screen))
        if isinstance(saved, QByteArray) and not saved.isEmpty() and self.restoreGeometry(saved):
            if area.width() > 0 and area.height() > 0 and not self.isMaximized():
                size = self.size().boundedTo(area.size())
                if size != self.size():
                    self.resize(size)
                frame = self.geometry()
                if not area.contains(frame):  # moved back onto the screen
                    x = min(max(frame.x(), area.left()), area.right() - frame.width() + 1)
                    y = min(max(frame.y(), area.top()), area.bottom() - frame.height() + 1)
                    self.move(x, y)
            return
        self.resize(screen_fitting_size(DEFAULT_SIZE, QSize(0, 0), area))
        centre_in(self, area)

    def remember_geometry(self) -> None:
        """Keep the window's size and place for the next start on this screen."""
        user_settings().setValue(geometry_key(self._screen()), self.saveGeometry())

    def _action(self, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        self._own_actions.append(action)  # rebuilt in the new language by retranslate()
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(self.tr("&File"))
        file_menu.addAction(self.documents.new_action)
        file_menu.addAction(
            self._action(self.tr("&Open scene…"), self.open_dialog, QKeySequence.StandardKey.Open)
        )
        file_menu.addMenu(self.documents.recent_menu)
        file_menu.addAction(self.documents.save_action)
        file_menu.addAction(
            self._action(
                self.tr("Save scene &as…"), self.save_as_dialog, QKeySequence.StandardKey.SaveAs
            )
        )
        file_menu.addSeparator()
        file_menu.addMenu(self.exports.menu)
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        )

        run_menu = menu.addMenu(self.tr("&Run"))
        self.play_action = self._action(
            self.tr("Play / pause"), lambda: self._page_call("toggle_play"), Qt.Key.Key_Space
        )
        self.step_action = self._action(
            self.tr("Step forward"), lambda: self._page_call("step_by", 1), Qt.Key.Key_Right
        )
        self.back_action = self._action(
            self.tr("Step back"), lambda: self._page_call("step_by", -1), Qt.Key.Key_Left
        )
        self.reset_action = self._action(
            self.tr("Back to the start"), lambda: self._page_call("rewind"), Qt.Key.Key_R
        )
        for action in (self.play_action, self.step_action, self.back_action, self.reset_action):
            run_menu.addAction(action)
        self.player.route_keys(  # Space, Right and Left step through a guided lesson's beats
            {
                self.play_action: ("toggle_play",),
                self.step_action: ("step_by", 1),
                self.back_action: ("step_by", -1),
            }
        )

        menu.addMenu(self.view_menu)

        from desktop_app import tools  # light: each tool's window, torch and plots load when shown

        tools_menu = menu.addMenu(self.tr("&Tools"))
        tools_menu.setObjectName("tools_menu")
        for name in tools.TOOLS:
            tools_menu.addAction(self._action(tools.menu_text(name), partial(self.open_tool, name)))
        help_menu = menu.addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About LossLab"), self._about))

    def _rebuild_menus(self) -> None:
        """(Re)build the menu bar with the texts of the current language.

        Menus and actions made here are replaced; those owned by other objects (documents,
        exports, the View menu) are re-added and retranslate themselves.
        """
        for item in self._own_menus + self._own_actions:
            item.deleteLater()
        self._own_actions = []
        self.menuBar().clear()
        before = set(self.menuBar().findChildren(QMenu))
        self._build_menus()
        self._own_menus = [m for m in self.menuBar().findChildren(QMenu) if m not in before]

    def retranslate(self) -> None:
        """Re-apply every text of the window in the current language."""
        self.language = i18n.current_language()
        self._rebuild_menus()
        self.documents.retranslate()
        self.exports.retranslate()
        self.loading.setText(self.tr("Loading the engine (torch)…"))
        lab = self.surface_lab if self.surface_lab is not None else self.loading
        self.pages.setTabText(self.pages.indexOf(lab), self.tr("Surface Lab"))
        self.pages.setTabText(self.pages.indexOf(self.lessons), self.tr("Lessons"))
        unbuilt = {build: widget for widget, build in self._unbuilt.items()}
        for page, build, title in (
            (self._data_lab, self._build_data_lab, self.tr("Data && batches")),
            (self._network_lab, self._build_network_lab, self.tr("Network Lab")),
        ):
            page = page or unbuilt.get(build)  # a page not built yet: its placeholder's tab
            if page is not None:
                self.pages.setTabText(self.pages.indexOf(page), title)
        self.device_label.setText(
            self.tr("device: {0}").format(self._device_name)
            if self._device_name
            else self.tr("device: …")
        )
        self.statusBar().clearMessage()  # a passing message in the previous language
        self._show_scene_title()

    def _show_scene_title(self) -> None:
        page = self.documents.page()
        texts = getattr(page, "title", None) or {}
        title = texts.get(self.language) or texts.get("en") or ""
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)

    def open_lesson(self, path: str) -> None:
        """Open a lesson from the browser and show it in the Surface Lab (unsaved changes to the
        current scene are asked about first, in ``open_scene``)."""
        if self.open_scene(path, source="lesson"):
            lab = self.surface_lab if self.surface_lab is not None else self.loading
            if self.pages.currentWidget() is not self._network_lab:  # a network scene shows there
                self.pages.setCurrentWidget(lab)

    def _page_call(self, name: str, *args) -> None:
        page = self.surface_lab
        if self._network_lab is not None and self.pages.currentWidget() is self._network_lab:
            page = self._network_lab  # the Run menu drives the page on show
        if page is not None:
            getattr(page, name)(*args)

    # -- engine ready ----------------------------------------------------------------------------

    def engine_loaded(self, device_name: str, device: str, defer_pages: bool = False) -> None:
        """Build the Surface Lab and open the pending scene. The Data page and the Network Lab
        are built here too, or, with ``defer_pages`` (the app's start-up), when first shown or
        first asked for (``data_lab``/``network_lab``): the start-up scene animates sooner."""
        from desktop_app.surface_lab.page import SurfaceLabPage

        self._device_name, self._device = device_name, device
        self.device_label.setText(self.tr("device: {0}").format(device_name))
        self.surface_lab = SurfaceLabPage(self.language, device=device, run_cache=self.run_cache)
        self.surface_lab.statusMessage.connect(
            lambda text: self.statusBar().showMessage(text, 8000)
        )
        # A lesson's title goes when the user replaces its surface with their own.
        self.surface_lab.model.events.title.connect(lambda *_: self._show_scene_title())
        self.pages.removeTab(0)
        self.pages.insertTab(0, self.surface_lab, self.tr("Surface Lab"))
        self.pages.setCurrentIndex(0)
        for index, build, title in (
            (1, self._build_data_lab, self.tr("Data && batches")),
            (2, self._build_network_lab, self.tr("Network Lab")),
        ):
            placeholder = QWidget()
            self._unbuilt[placeholder] = build
            self.pages.insertTab(index, placeholder, title)
        self.pages.currentChanged.connect(self._tab_shown)
        if not defer_pages:
            self._build_page(self._build_data_lab)
            self._build_page(self._build_network_lab)
        self.open_scene(self._pending_scene or _default_scene())
        # The documents look for the pages now: unbuilt ones stay unbuilt (see network_lab).
        self._announcing = defer_pages
        try:
            self.engineReady.emit()
        finally:
            self._announcing, self._announced = False, True

    @property
    def data_lab(self):
        """The Data page; built on first use (None while the engine loads)."""
        if self._data_lab is None:
            self._build_page(self._build_data_lab)
        return self._data_lab

    @property
    def network_lab(self):
        """The Network Lab page; built on first use (None while the engine loads, and while
        ``engineReady`` is emitted at a deferred start-up: see ``_build_network_lab``)."""
        if self._network_lab is None and not self._announcing:
            self._build_page(self._build_network_lab)
        return self._network_lab

    def _tab_shown(self, index: int) -> None:
        build = self._unbuilt.get(self.pages.widget(index))
        if build is not None:
            self._build_page(build)

    def _build_page(self, build: Callable[[], QWidget]) -> None:
        """Build a page whose tab holds a placeholder, and put it in the placeholder's place."""
        placeholder = next((w for w, b in self._unbuilt.items() if b == build), None)
        if placeholder is None:
            return
        del self._unbuilt[placeholder]
        page = build()
        page.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        index = self.pages.indexOf(placeholder)
        title, current = self.pages.tabText(index), self.pages.currentIndex() == index
        self.pages.blockSignals(True)  # the same tab stays chosen: only its widget changes
        self.pages.removeTab(index)
        self.pages.insertTab(index, page, title)
        if current:
            self.pages.setCurrentIndex(index)
        self.pages.blockSignals(False)
        placeholder.deleteLater()

    def _build_data_lab(self) -> QWidget:
        from desktop_app.data_lab.page import DataLabPage  # computes once first shown

        self._data_lab = DataLabPage(device=self._device)
        return self._data_lab

    def _build_network_lab(self) -> QWidget:
        from desktop_app.network_lab.page import NetworkLabPage

        self._network_lab = NetworkLabPage(self.language, device=self._device)
        self._network_lab.open_diagnosis = self.open_diagnosis  # its "Diagnose…" button
        self._network_lab.open_lr_range = partial(self.open_tool, "lr_range_test")
        if self._announced:  # the documents connected the pages built then; this one too
            self._network_lab.sceneChanged.connect(self.documents._scene_changed)
        return self._network_lab

    # -- scenes ----------------------------------------------------------------------------------

    def open_scene(self, path: str | Path, ask: bool = True, source: str = "file") -> bool:
        """Load a scene file; on any problem show the error and keep the current scene.

        Every way a file comes in passes here (the Open dialog, recent files, a drop, a lesson,
        a recovered session). Once the file has been read, unsaved changes to the current scene
        are asked about (``ask``): Cancel keeps everything as it was and returns False.
        """
        if self.surface_lab is None:
            self._pending_scene = str(path)
            return True
        from core.scene import SceneError, load_scene

        try:
            scene = load_scene(path)
        except SceneError as error:
            self.show_error(self.tr("Cannot open scene"), str(error))
            return False
        if ask and not self.documents.maybe_save():
            return False
        kind = NETWORK if scene.network is not None and self.network_lab is not None else SURFACE
        if kind == NETWORK:
            self.network_lab.load_scene(scene, source=source)  # the Network Lab shows it
            self.pages.setCurrentWidget(self.network_lab)
        else:
            self.surface_lab.load_scene(scene, source=source)  # the lab model's content
            if self.pages.currentWidget() is self._network_lab:
                self.pages.setCurrentWidget(self.surface_lab)
        page = self.network_lab if kind == NETWORK else self.surface_lab
        self.player.start(scene, Path(path).stem, page, network=kind == NETWORK)  # its beats
        self.scene_path = Path(path)
        title = scene.text("title", self.language)
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
        self.documents.scene_opened(path, kind)
        return True

    def show_error(self, title: str, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("error_box")
        box.open()  # non-blocking (no modal loop): the app and the tests keep running

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open scene"), "", self.tr("Scenes (*.json)")
        )
        if path:
            self.open_scene(path)

    def save_scene(self, path: str | Path) -> bool:
        """Write the whole document (from the page that holds it, whichever tab shows) to
        ``path``, complete or not at all; on failure say why and keep it unsaved."""
        from core.scene import dump_scene, parse_scene

        try:
            text = dump_scene(parse_scene(self.documents.scene_data()))
        except ValueError as error:  # SceneError included
            self.show_error(self.tr("Cannot save scene"), str(error))
            return False
        error = write_file_atomic(path, text.encode("utf-8"))
        if error is not None:
            message = self.tr("{0} was not saved: {1}").format(Path(path).name, error)
            self.show_error(self.tr("Cannot save scene"), message)
            return False
        self.scene_path = Path(path)
        self.documents.scene_saved(path)
        self.statusBar().showMessage(self.tr("Saved {0}").format(path), 8000)
        return True

    def save_as_dialog(self) -> bool:
        """Ask where, then save; returns whether the document was written."""
        if self.surface_lab is None:
            return False
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save scene"), "scene.json", self.tr("Scenes (*.json)")
        )
        return bool(path) and self.save_scene(path)

    def open_tool(self, name: str) -> Any:
        """Tools ▸ …: show tool ``name``'s window (one each, kept) on the current task."""
        from desktop_app.tools import open_tool

        return open_tool(name, self)

    def open_diagnosis(self) -> None:
        """Tools ▸ Diagnose training…: the flowchart assistant's window."""
        self.open_tool("diagnose")

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About LossLab"),
            self.tr("LossLab: see why neural-network training succeeds or fails."),
        )

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if not self.documents.maybe_save():  # Cancel, or a Save that failed: stay open
            event.ignore()
            return
        self.remember_geometry()
        self.documents.end_session()  # a clean exit: no autosave left to recover
        self.player.stop()  # nothing polls the pages while they shut down
        if self.surface_lab is not None:
            self.surface_lab.shutdown()
        if self._network_lab is not None:  # never built for a close
            self._network_lab.shutdown()
        super().closeEvent(event)


def _default_scene() -> str:
    from core.shipped_runs import start_up_scene

    return str(start_up_scene())

"""The main window: pages, menus with the usual shortcuts, and a status bar with the device.

The window itself imports no torch: it shows at once, and the pages that need the engine are
added when the background loader reports the engine ready.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
)

from desktop_app import i18n
from desktop_app.documents import Documents
from desktop_app.export import Exports
from desktop_app.lessons import LessonBrowser
from desktop_app.view_menu import ViewMenu

APP_NAME = "LossLab"


class MainWindow(QMainWindow):
    engineReady = Signal()

    def __init__(self, language: str = "en") -> None:
        super().__init__()
        if language != i18n.current_language():
            i18n.set_language(language)  # the window's language is the application's
        self.language = language
        self.surface_lab = None
        self.data_lab = None
        self.network_lab = None
        self.scene_path: Path | None = None
        self._pending_scene: str | None = None
        self._device_name: str | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1400, 900)
        self.pages = QTabWidget()
        self.loading = QLabel(self.tr("Loading the engine (torch)…"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addTab(self.loading, self.tr("Surface Lab"))
        self.lessons = LessonBrowser()
        self.lessons.openRequested.connect(self.open_lesson)
        self.pages.addTab(self.lessons, self.tr("Lessons"))
        self.setCentralWidget(self.pages)
        self.device_label = QLabel(self.tr("device: …"))
        self.statusBar().addPermanentWidget(self.device_label)
        # New/save/recent, drag and drop, autosave and recovery; the Export submenu.
        self.documents = Documents(self)
        self.exports = Exports(self)
        self.view_menu = ViewMenu(self)  # language, presenter mode, theme
        self._own_menus: list[QMenu] = []
        self._own_actions: list[QAction] = []
        self._rebuild_menus()

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

        menu.addMenu(self.view_menu)

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

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

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
        for page, title in (
            (self.data_lab, self.tr("Data && batches")),
            (self.network_lab, self.tr("Network Lab")),
        ):
            if page is not None:
                self.pages.setTabText(self.pages.indexOf(page), title)
        self.device_label.setText(
            self.tr("device: {0}").format(self._device_name)
            if self._device_name
            else self.tr("device: …")
        )
        self._show_scene_title()

    def _show_scene_title(self) -> None:
        texts = self.surface_lab.title if self.surface_lab is not None else {}
        title = texts.get(self.language) or texts.get("en") or ""
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)

    def open_lesson(self, path: str) -> None:
        """Open a lesson from the browser and show it in the Surface Lab."""
        if self.open_scene(path):
            lab = self.surface_lab if self.surface_lab is not None else self.loading
            if self.pages.currentWidget() is not self.network_lab:  # a network scene shows there
                self.pages.setCurrentWidget(lab)

    def _page_call(self, name: str, *args) -> None:
        page = self.surface_lab
        if self.network_lab is not None and self.pages.currentWidget() is self.network_lab:
            page = self.network_lab  # the Run menu drives the page on show
        if page is not None:
            getattr(page, name)(*args)

    # -- engine ready ----------------------------------------------------------------------------

    def engine_loaded(self, device_name: str, device: str) -> None:
        from desktop_app.surface_lab.page import SurfaceLabPage

        self._device_name = device_name
        self.device_label.setText(self.tr("device: {0}").format(device_name))
        self.surface_lab = SurfaceLabPage(self.language, device=device)
        self.surface_lab.statusMessage.connect(
            lambda text: self.statusBar().showMessage(text, 8000)
        )
        self.pages.removeTab(0)
        self.pages.insertTab(0, self.surface_lab, self.tr("Surface Lab"))
        self.pages.setCurrentIndex(0)
        from desktop_app.data_lab.page import DataLabPage  # computes once first shown

        self.data_lab = DataLabPage(device=device)
        self.data_lab.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.pages.insertTab(1, self.data_lab, self.tr("Data && batches"))
        from desktop_app.network_lab.page import NetworkLabPage

        self.network_lab = NetworkLabPage(self.language, device=device)
        self.network_lab.statusMessage.connect(
            lambda text: self.statusBar().showMessage(text, 8000)
        )
        self.pages.addTab(self.network_lab, self.tr("Network Lab"))
        self.open_scene(self._pending_scene or _default_scene())
        self.engineReady.emit()

    # -- scenes ----------------------------------------------------------------------------------

    def open_scene(self, path: str | Path) -> bool:
        """Load a scene file; on any problem show the error and keep the current scene."""
        if self.surface_lab is None:
            self._pending_scene = str(path)
            return True
        from core.scene import SceneError, load_scene

        try:
            scene = load_scene(path)
        except SceneError as error:
            self.show_error(self.tr("Cannot open scene"), str(error))
            return False
        if scene.network is not None and self.network_lab is not None:
            self.network_lab.load_scene(scene)  # a network scene: the Network Lab shows it
            self.pages.setCurrentWidget(self.network_lab)
        else:
            self.surface_lab.load_scene(scene)
            if self.network_lab is not None and self.pages.currentWidget() is self.network_lab:
                self.pages.setCurrentWidget(self.surface_lab)
        self.scene_path = Path(path)
        title = scene.text("title", self.language)
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
        self.documents.scene_opened(path)
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
        from PySide6.QtCore import QSaveFile

        from core.scene import SceneError, dump_scene, parse_scene

        try:
            on_network = self.network_lab is not None
            on_network = on_network and self.pages.currentWidget() is self.network_lab
            page = self.network_lab if on_network else self.surface_lab
            text = dump_scene(parse_scene(page.scene_data()))
        except SceneError as error:
            self.show_error(self.tr("Cannot save scene"), str(error))
            return False
        file = QSaveFile(str(path))  # atomic: the old file stays whole until commit()
        if (
            not file.open(QSaveFile.OpenModeFlag.WriteOnly)
            or file.write(text.encode("utf-8")) < 0
            or not file.commit()
        ):
            self.show_error(self.tr("Cannot save scene"), file.errorString())
            return False
        self.scene_path = Path(path)
        self.documents.scene_saved(path)
        return True

    def save_as_dialog(self) -> None:
        if self.surface_lab is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save scene"), "scene.json", self.tr("Scenes (*.json)")
        )
        if path:
            self.save_scene(path)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About LossLab"),
            self.tr("LossLab: see why neural-network training succeeds or fails."),
        )

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.documents.end_session()  # a clean exit: no autosave left to recover
        if self.surface_lab is not None:
            self.surface_lab.shutdown()
        if self.network_lab is not None:
            self.network_lab.shutdown()
        super().closeEvent(event)


def _default_scene() -> str:
    import resources

    return str(resources.path("scenes", "race_rosenbrock.json"))

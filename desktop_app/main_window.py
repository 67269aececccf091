"""The main window: pages, menus with the usual shortcuts, and a status bar with the device.

The window itself imports no torch: it shows at once, and the pages that need the engine are
added when the background loader reports the engine ready.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
)

APP_NAME = "LossLab"


class MainWindow(QMainWindow):
    engineReady = Signal()

    def __init__(self, language: str = "en") -> None:
        super().__init__()
        self.language = language
        self.surface_lab = None
        self.scene_path: Path | None = None
        self._pending_scene: str | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1400, 900)
        self.pages = QTabWidget()
        self.loading = QLabel(self.tr("Loading the engine (torch)…"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addTab(self.loading, self.tr("Surface Lab"))
        self.setCentralWidget(self.pages)
        self.device_label = QLabel(self.tr("device: …"))
        self.statusBar().addPermanentWidget(self.device_label)
        self._build_menus()

    def _action(self, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(self.tr("&File"))
        file_menu.addAction(
            self._action(self.tr("&Open scene…"), self.open_dialog, QKeySequence.StandardKey.Open)
        )
        file_menu.addAction(
            self._action(
                self.tr("Save scene &as…"), self.save_as_dialog, QKeySequence.StandardKey.SaveAs
            )
        )
        file_menu.addAction(
            self._action(self.tr("Export map as &PNG…"), self.export_png_dialog, "Ctrl+E")
        )
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

        help_menu = menu.addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About LossLab"), self._about))

    def _page_call(self, name: str, *args) -> None:
        if self.surface_lab is not None:
            getattr(self.surface_lab, name)(*args)

    # -- engine ready ----------------------------------------------------------------------------

    def engine_loaded(self, device_name: str, device: str) -> None:
        from desktop_app.surface_lab.page import SurfaceLabPage

        self.device_label.setText(self.tr("device: {0}").format(device_name))
        self.surface_lab = SurfaceLabPage(self.language, device=device)
        self.surface_lab.statusMessage.connect(
            lambda text: self.statusBar().showMessage(text, 8000)
        )
        self.pages.removeTab(0)
        self.pages.insertTab(0, self.surface_lab, self.tr("Surface Lab"))
        self.pages.setCurrentIndex(0)
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
        self.surface_lab.load_scene(scene)
        self.scene_path = Path(path)
        title = scene.text("title", self.language)
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
        return True

    def show_error(self, title: str, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("error_box")
        box.open()  # not exec(): the app (and tests) keep running

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
            text = dump_scene(parse_scene(self.surface_lab.scene_data()))
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
        return True

    def save_as_dialog(self) -> None:
        if self.surface_lab is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save scene"), "scene.json", self.tr("Scenes (*.json)")
        )
        if path:
            self.save_scene(path)

    def export_png(self, path: str | Path) -> bool:
        if self.surface_lab is None:
            return False
        return self.surface_lab.views.currentWidget().grab().save(str(path), "PNG")

    def export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export PNG"), "losslab.png", "PNG (*.png)"
        )
        if path and not self.export_png(path):
            self.show_error(self.tr("Export failed"), path)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About LossLab"),
            self.tr("LossLab: see why neural-network training succeeds or fails."),
        )

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self.surface_lab is not None:
            self.surface_lab.shutdown()
        super().closeEvent(event)


def _default_scene() -> str:
    import resources

    return str(resources.path("scenes", "race_rosenbrock.json"))

"""The window's scene as a document: new, save, recent files, drag and drop, autosave, recovery.

``MainWindow`` owns one :class:`Documents`. Opening and saving files stays in
``MainWindow.open_scene``/``save_scene`` (one path for every way a file comes in: the Open dialog,
the recent-files menu, a drop, a lesson, a recovered session); they tell this object when they
succeed.

The document is one scene file, of one kind (:attr:`Documents.kind`): ``"surface"`` (a surface
with runs, held by the Surface Lab) or ``"network"`` (held by the Network Lab). Saving and
autosaving take the scene from the page that holds it, whichever tab is showing.

Nothing is lost: before the document is replaced (New, Open, a lesson, a recovery) or the window
closes, :meth:`Documents.maybe_save` asks Save / Discard / Cancel when there are unsaved changes (a
recovered session counts as unsaved until it is saved). Cancel leaves everything as it was, the
autosave included.

Autosave: while the scene differs from what was last opened or saved, it is written (atomically)
to ``<user data>/autosave/session-<id>.json`` every 30 s and 2 s after the last change. A
``QLockFile`` beside it marks the session as alive. A clean exit removes both; a file whose lock
is free at the next start (its process died) is offered back in an info bar. Two windows open at
once never see each other's session as crashed.

Where things go: ``QStandardPaths.AppDataLocation`` and the native ``QSettings``, or the folder
named by ``$LOSSLAB_DATA_DIR`` (tests point it at a temporary folder so that they never touch the
user's autosaves or recent files). When that folder cannot be written, autosave is off: an info
bar says so once and everything else works.

The autosave, the notice and the recovery bar are ``desktop_app.autosave.AutosaveMixin``; the
data folder, settings and atomic writes are in ``desktop_app.user_files``. Every name is still
importable from here.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from desktop_app.autosave import (
    AUTOSAVE_DEBOUNCE_MS,
    AUTOSAVE_INTERVAL_MS,
    SESSION_PREFIX,
    AutosaveMixin,
    _Session,
    orphaned_sessions,
)
from desktop_app.user_files import (
    DATA_DIR_ENV,
    describe_os_error,
    user_data_dir,
    user_settings,
    write_file_atomic,
)

# Also importable from here (main window, i18n, export, tests).
__all__ = [
    "AUTOSAVE_DEBOUNCE_MS",
    "AUTOSAVE_INTERVAL_MS",
    "DATA_DIR_ENV",
    "MAX_RECENT",
    "NETWORK",
    "RECENT_KEY",
    "SESSION_PREFIX",
    "SURFACE",
    "Documents",
    "_Session",
    "describe_os_error",
    "is_builtin_scene",
    "local_scene_file",
    "orphaned_sessions",
    "user_data_dir",
    "user_settings",
    "write_file_atomic",
]

MAX_RECENT = 10
RECENT_KEY = "recent_files"
SURFACE, NETWORK = "surface", "network"  # the kinds of document (which page holds it)


def is_builtin_scene(path: str | os.PathLike[str]) -> bool:
    """Lesson files ship with LossLab (maybe read-only): never saved over, not 'recent'."""
    import resources

    try:
        Path(path).resolve().relative_to(resources.ROOT)
    except ValueError:
        return False
    return True


def local_scene_file(mime) -> str | None:
    """The first local file in drag-and-drop data, if any."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None


# --- the window's document --------------------------------------------------------------------


class Documents(AutosaveMixin, QObject):
    """File actions, recent files, drag and drop, autosave and recovery for one ``MainWindow``."""

    recentChanged = Signal()
    autosaved = Signal(str)  # path written

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.folder = user_data_dir() / "autosave"
        self.session = _Session(self.folder / f"{SESSION_PREFIX}{uuid.uuid4().hex[:12]}.json")
        self.kind = SURFACE  # which page holds the document (see page())
        self.recovered = False  # a recovered session: unsaved work until it is saved
        self.autosave_error: str | None = None  # why autosave is off (an unusable data folder)
        self._has_document = False  # False until the first scene is shown
        self._baseline: dict[str, Any] | None = None  # scene data when last opened/saved
        self._written: dict[str, Any] | None = None  # scene data in our autosave file
        self.offered: _Session | None = None  # the crashed session the info bar offers
        self._other_orphans: list[_Session] = []

        self.periodic = QTimer(self, interval=AUTOSAVE_INTERVAL_MS)
        self.periodic.timeout.connect(self.autosave_now)
        self.debounce = QTimer(self, interval=AUTOSAVE_DEBOUNCE_MS, singleShot=True)
        self.debounce.timeout.connect(self.autosave_now)

        self.new_action = QAction(window)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_scene)
        self.save_action = QAction(window)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.recent_menu = QMenu(window)
        self.recent_menu.setObjectName("recent_menu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.recovery_bar = self._build_recovery_bar()
        self.notice_bar = self._build_notice_bar()
        self.retranslate()  # and again by MainWindow.retranslate when the language changes

        window.setAcceptDrops(True)
        window.installEventFilter(self)
        window.engineReady.connect(self._engine_ready)

    def retranslate(self) -> None:
        self.new_action.setText(self.tr("&New scene"))
        self.save_action.setText(self.tr("&Save scene"))
        self.recent_menu.setTitle(self.tr("Open &recent"))
        self.recover_button.setText(self.tr("Recover"))
        self.discard_button.setText(self.tr("Discard"))
        self.notice_close_button.setText(self.tr("Close"))
        self._show_offer()
        self._show_notice()

    # -- events on the window ------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.window:
            kind = event.type()
            if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                if local_scene_file(event.mimeData()):
                    event.acceptProposedAction()
                    return True
            elif kind == QEvent.Type.Drop:
                path = local_scene_file(event.mimeData())
                if path:
                    event.acceptProposedAction()
                    # After the drop returns: a message box opened inside a drop handler
                    # would sit under the drag's event loop on some platforms.
                    QTimer.singleShot(0, lambda: self.window.open_scene(path))
                    return True
        return False

    def _engine_ready(self) -> None:
        for page in (self.window.surface_lab, self.window.network_lab):
            if page is not None and hasattr(page, "sceneChanged"):
                page.sceneChanged.connect(self._scene_changed)
        if not self._has_document:  # the first scene could not be opened: the page's default
            self.mark_clean()
        error = self._prepare_folder()
        if error is not None:
            self._autosave_off(error)
            return
        self.periodic.start()
        self._other_orphans = orphaned_sessions(self.folder, exclude=self.session.scene_file)
        self._offer_next()

    def _scene_changed(self) -> None:
        if self.autosave_error is None:
            self.debounce.start()

    # -- the document --------------------------------------------------------------------------

    def page(self):
        """The page that holds the document: the Surface Lab, or the Network Lab for a network
        scene (None while the engine loads)."""
        if self.kind == NETWORK and self.window.network_lab is not None:
            return self.window.network_lab
        return self.window.surface_lab

    def scene_data(self) -> dict[str, Any]:
        """The whole document as scene data, from the page that holds it, whichever tab shows.

        Raises ``SceneError`` (a ``ValueError``) for a state the scene format cannot hold.
        """
        page = self.page()
        if page is None:
            raise ValueError(self.tr("The engine is still loading"))
        return page.scene_data()

    def document_name(self) -> str:
        """The document's name for the user: its file name, or "Untitled"."""
        path = self.window.scene_path
        if path is None or self.is_autosave(path):
            return self.tr("Untitled")
        return Path(path).name

    def is_modified(self) -> bool:
        """Whether the document holds work that no file has (a recovered session does)."""
        if not self._has_document or self.page() is None:
            return False
        return self.recovered or self._scene_data() != self._baseline

    def save_changes_box(self) -> QMessageBox:
        """The question about unsaved changes, with Save (default), Discard and Cancel (Esc)."""
        buttons = QMessageBox.StandardButton
        box = QMessageBox(self.window)
        box.setObjectName("save_changes_box")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Unsaved changes"))
        box.setText(
            self.tr("Do you want to save the changes to “{0}”?").format(self.document_name())
        )
        box.setInformativeText(self.tr("Your changes will be lost if you don't save them."))
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        box.setEscapeButton(buttons.Cancel)
        return box

    def ask_save_changes(self) -> QMessageBox.StandardButton:
        """Ask the user: Save, Discard or Cancel (tests replace this method)."""
        box = self.save_changes_box()
        try:
            return QMessageBox.StandardButton(box.exec())
        finally:
            box.deleteLater()

    def maybe_save(self) -> bool:
        """Call before the document is replaced or the window closes: True to go on.

        Unsaved changes: ask Save / Discard / Cancel. Save saves (Save As for an untitled
        scene or a lesson) and goes on only when that worked; Cancel changes nothing.
        """
        if not self.is_modified():
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- new, save ---------------------------------------------------------------------------

    def new_scene(self) -> bool:
        """A fresh scene: the default surface with one default run, not tied to any file."""
        page = self.window.surface_lab
        if page is None or not self.maybe_save():
            return False
        from core.scene import parse_scene

        self.kind = SURFACE
        page.load_scene(parse_scene({}))
        page.add_run()
        pages = self.window.pages
        if pages.currentWidget() is self.window.network_lab:
            pages.setCurrentWidget(page)
        self.window.scene_path = None
        self.window.setWindowTitle(self.tr("Untitled") + " — LossLab")
        self.mark_clean()
        return True

    def save(self) -> bool:
        """Save to the current file; a lesson, a recovered session or a new scene asks where.

        Returns whether the document was written.
        """
        path = self.window.scene_path
        if path is None or is_builtin_scene(path) or self.is_autosave(path):
            return bool(self.window.save_as_dialog())
        return bool(self.window.save_scene(path))

    def is_autosave(self, path: str | os.PathLike[str]) -> bool:
        return Path(path).resolve().parent == self.folder.resolve()

    # -- called by MainWindow ------------------------------------------------------------------

    def scene_opened(self, path: str | os.PathLike[str], kind: str = SURFACE) -> None:
        """A scene of ``kind`` (``"surface"`` or ``"network"``) was opened from ``path``."""
        self.kind = kind
        if self.is_autosave(path):
            self._has_document = True
            self.recovered = True  # a recovered session: still unsaved work
            return
        self.add_recent(path)
        self.mark_clean()

    def scene_saved(self, path: str | os.PathLike[str]) -> None:
        self.add_recent(path)
        self.mark_clean()

    def end_session(self) -> None:
        """A clean exit: nothing to recover next time."""
        self.periodic.stop()
        self.debounce.stop()
        self.session.remove_files()
        self.session.release()
        for session in [self.offered, *self._other_orphans]:
            if session is not None:
                session.release()  # not handled: offered again at the next start

    # -- recent files --------------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        """Recently opened or saved scenes, newest first; files gone from disk are dropped."""
        settings = user_settings()
        stored = settings.value(RECENT_KEY, [], type=list)
        kept = [p for p in stored if isinstance(p, str) and Path(p).is_file()]
        if kept != stored:
            settings.setValue(RECENT_KEY, kept)
        return kept

    def add_recent(self, path: str | os.PathLike[str]) -> None:
        if is_builtin_scene(path):
            return
        entry = str(Path(path).resolve())
        recent = [entry] + [p for p in self.recent_files() if p != entry]
        user_settings().setValue(RECENT_KEY, recent[:MAX_RECENT])
        self.recentChanged.emit()

    def clear_recent(self) -> None:
        user_settings().setValue(RECENT_KEY, [])
        self.recentChanged.emit()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for number, path in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{number % 10}  {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.window.open_scene(p))
        if not recent:
            self.recent_menu.addAction(self.tr("(no recent scenes)")).setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction(self.tr("Clear the list"), self.clear_recent).setEnabled(
            bool(recent)
        )

    # -- autosave ------------------------------------------------------------------------------

    def _scene_data(self) -> dict[str, Any] | None:
        if self.page() is None:
            return None
        try:
            return self.scene_data()
        except ValueError:  # SceneError included
            return None  # a state the scene format cannot hold yet: keep the last autosave

    def mark_clean(self) -> None:
        """The scene now equals a file on disk (or a fresh default): no autosave needed."""
        self._baseline = self._scene_data()
        self._has_document = True
        self.recovered = False
        self._drop_own_autosave()

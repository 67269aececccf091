"""Autosave and crash recovery of the window's document (:class:`AutosaveMixin` of
``desktop_app.documents.Documents``).

While the scene differs from what was last opened or saved, it is written (atomically) to
``<user data>/autosave/session-<id>.json``; a ``QLockFile`` beside it marks the session as
alive. A file whose lock is free at the next start (its process died) is offered back in an
info bar; a data folder that cannot be written turns autosave off with a notice bar.

Texts are translated in the "Documents" context (the class the mixin is part of).
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLockFile, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QToolBar

from core.fileio import write_atomic
from desktop_app.user_files import describe_os_error, user_data_dir, write_file_atomic

AUTOSAVE_INTERVAL_MS = 30_000
AUTOSAVE_DEBOUNCE_MS = 2_000
SESSION_PREFIX = "session-"


# --- sessions on disk ---------------------------------------------------------------------------


class _Session:
    """One autosave file, its meta data (what file it came from) and its lock."""

    def __init__(self, scene_file: Path) -> None:
        self.scene_file = scene_file
        self.meta_file = scene_file.with_suffix(".meta")
        self.lock_path = scene_file.with_suffix(".lock")
        self.lock = QLockFile(str(self.lock_path))
        self.lock.setStaleLockTime(0)  # stale only when its process is gone, never by age

    def meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self.meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def remove_files(self) -> None:
        for file in (self.scene_file, self.meta_file):
            with contextlib.suppress(OSError):  # an unusable folder holds no autosave
                file.unlink(missing_ok=True)

    def release(self) -> None:
        if self.lock.isLocked():
            self.lock.unlock()


def orphaned_sessions(folder: Path, exclude: Path | None = None) -> list[_Session]:
    """Autosaves whose process is gone, newest first; each is returned locked (claimed)."""
    found = []
    try:
        files = sorted(folder.glob(f"{SESSION_PREFIX}*.json"))
    except OSError:
        return []
    for file in files:
        if exclude is not None and file == exclude:
            continue
        session = _Session(file)
        if session.lock.tryLock(0):
            found.append(session)

    def age(session: _Session) -> float:
        try:
            return session.scene_file.stat().st_mtime
        except OSError:
            return 0.0

    found.sort(key=age, reverse=True)
    return found


class AutosaveMixin:
    """The autosave, the data-folder notice and the recovery bar of ``Documents``."""

    def _drop_own_autosave(self) -> None:
        self.session.remove_files()
        self._written = None

    def _prepare_folder(self) -> str | None:
        """Make sure autosaves can be written; the reason (for the user) when they cannot."""
        probe = self.folder / f".{self.session.scene_file.stem}.probe"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(probe, b"")
            probe.unlink()
        except OSError as error:
            return describe_os_error(error)
        return None

    def _autosave_off(self, reason: str) -> None:
        """The data folder cannot be written: no autosaves; say so once, in the window."""
        self.autosave_error = reason
        self.periodic.stop()
        self.debounce.stop()
        self._show_notice()
        self.window.statusBar().showMessage(self.notice_label.text(), 15000)

    def _autosave_failed(self, reason: str) -> None:
        self.window.statusBar().showMessage(
            QCoreApplication.translate("Documents", "Autosave failed: {0}").format(reason)
        )

    def autosave_now(self) -> Path | None:
        """Write the session if it has unsaved changes; returns the autosave file, if any."""
        if self.autosave_error is not None:
            return None
        data = self._scene_data()
        if data is None:
            return None
        if not self.recovered and data == self._baseline:
            self._drop_own_autosave()
            return None
        if data == self._written:
            return self.session.scene_file
        from core.scene import dump_scene, parse_scene

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._autosave_failed(describe_os_error(error))
            return None
        if not self.session.lock.isLocked() and not self.session.lock.tryLock(0):
            self._autosave_failed(
                QCoreApplication.translate("Documents", "cannot lock {0}").format(
                    self.session.lock_path
                )
            )
            return None
        path = self.window.scene_path
        meta = {
            "scene_path": str(path) if path and not self.is_autosave(path) else None,
            "saved_at": time.time(),
        }
        text = dump_scene(parse_scene(data))
        error = write_file_atomic(self.session.scene_file, text.encode("utf-8"))
        if error is None:
            error = write_file_atomic(self.session.meta_file, json.dumps(meta).encode("utf-8"))
        if error is not None:
            self._autosave_failed(error)
            return None
        self._written = data
        self.autosaved.emit(str(self.session.scene_file))
        return self.session.scene_file

    # -- the data-folder notice ----------------------------------------------------------------

    def _message_bar(self, name: str, colours: tuple[str, str, str]) -> QToolBar:
        """A hidden bar across the top of the window with a plain-text label (``{name}_label``);
        ``colours``: background, border and text."""
        background, border, text = colours
        bar = QToolBar(self.window)
        bar.setObjectName(f"{name}_bar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setStyleSheet(
            f"QToolBar#{name}_bar {{ background: {background}; "
            f"border-bottom: 1px solid {border}; }}"
            f"QToolBar#{name}_bar QLabel {{ color: {text}; padding: 4px 8px; }}"
        )
        label = QLabel()
        label.setObjectName(f"{name}_label")
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(label)
        self.window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.setVisible(False)
        return bar

    def _build_notice_bar(self) -> QToolBar:
        bar = self._message_bar("notice", ("#fdecea", "#e6a19a", "#5f1d16"))
        self.notice_label = bar.findChild(QLabel, "notice_label")
        self.notice_label.setWordWrap(True)
        self.notice_close_button = QPushButton()
        self.notice_close_button.setObjectName("notice_close_button")
        self.notice_close_button.clicked.connect(lambda: bar.setVisible(False))
        bar.addWidget(self.notice_close_button)
        return bar

    def _show_notice(self) -> None:
        if self.autosave_error is None:
            return
        text = QCoreApplication.translate(
            "Documents",
            "Autosave is off: LossLab cannot write to its data folder {0} ({1}). Everything "
            "else works; save your work with File > Save.",
        )
        self.notice_label.setText(text.format(user_data_dir(), self.autosave_error))
        if not self.notice_bar.property("shown_once"):
            self.notice_bar.setProperty("shown_once", True)
            self.notice_bar.setVisible(True)

    # -- recovery ------------------------------------------------------------------------------

    def _build_recovery_bar(self) -> QToolBar:
        bar = self._message_bar("recovery", ("#fff3cd", "#e0c870", "#4d3b00"))
        self.recovery_label = bar.findChild(QLabel, "recovery_label")
        self.recover_button = QPushButton()
        self.recover_button.setObjectName("recover_button")
        self.recover_button.clicked.connect(self.recover)
        self.discard_button = QPushButton()
        self.discard_button.setObjectName("discard_button")
        self.discard_button.clicked.connect(self.discard)
        bar.addWidget(self.recover_button)
        bar.addWidget(self.discard_button)
        return bar

    def _offer_next(self) -> None:
        self.offered = self._other_orphans.pop(0) if self._other_orphans else None
        self._show_offer()

    def _show_offer(self) -> None:
        if self.offered is None:
            self.recovery_bar.setVisible(False)
            return
        stamp = time.strftime(
            "%Y-%m-%d %H:%M", time.localtime(self.offered.scene_file.stat().st_mtime)
        )
        origin = self.offered.meta().get("scene_path")
        text = QCoreApplication.translate(
            "Documents", "LossLab did not close normally. Unsaved work from {0} can be recovered"
        )
        text = text.format(stamp)
        if origin:
            text += QCoreApplication.translate("Documents", " (changes to {0})").format(
                Path(origin).name
            )
        self.recovery_label.setText(text + ".")
        self.recovery_bar.setVisible(True)

    def recover(self) -> bool:
        """Open the offered session through ``MainWindow.open_scene`` (errors shown there).

        The current document goes first: unsaved changes are asked about (Cancel: nothing
        happens, the offer stays).
        """
        session = self.offered
        if session is None or not self.maybe_save():
            return False
        origin = session.meta().get("scene_path")
        if not self.window.open_scene(session.scene_file, ask=False):
            # Unreadable: set aside (not deleted) so that it is not offered at every start.
            with contextlib.suppress(OSError):
                session.scene_file.replace(session.scene_file.with_suffix(".unreadable"))
            session.release()
            self._offer_next()
            return False
        self.window.scene_path = Path(origin) if origin else None
        session.remove_files()
        session.release()
        self._written = None
        self.autosave_now()  # the recovered work is this session's now
        self._offer_next()
        return True

    def discard(self) -> None:
        if self.offered is not None:
            self.offered.remove_files()
            self.offered.release()
        self._offer_next()

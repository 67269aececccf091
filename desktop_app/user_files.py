"""Where LossLab keeps the user's files: the data folder (``$LOSSLAB_DATA_DIR`` when set: tests
point it at a temporary folder), the settings, and complete-or-nothing writes with one-line
reasons for the user. ``desktop_app.documents`` re-exports every name."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from core.fileio import write_atomic

DATA_DIR_ENV = "LOSSLAB_DATA_DIR"


def user_data_dir() -> Path:
    """LossLab's per-user data folder (``$LOSSLAB_DATA_DIR`` when set)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".losslab")


def user_cache_dir() -> Path:
    """LossLab's per-user cache folder (what can be computed again: compiled translations,
    computed runs); under ``$LOSSLAB_DATA_DIR`` when that is set."""
    if os.environ.get(DATA_DIR_ENV):
        return user_data_dir() / "cache"
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(location or Path.home() / ".cache" / "LossLab")


def user_settings() -> QSettings:
    """The user's settings; an ini file in ``$LOSSLAB_DATA_DIR`` when that is set."""
    if os.environ.get(DATA_DIR_ENV):
        return QSettings(str(user_data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings()


def write_file_atomic(path: str | os.PathLike[str], data: bytes) -> str | None:
    """Write all of ``data`` or leave the old file whole (:func:`core.fileio.write_atomic`).

    Returns ``None`` on success, else the reason (for the user).
    """
    try:
        write_atomic(path, data)
    except OSError as error:
        return describe_os_error(error)
    return None


def describe_os_error(error: OSError) -> str:
    """An ``OSError`` as one line for the user: the reason, then the file it is about."""
    reason = error.strerror or str(error)
    return f"{reason}: {error.filename}" if error.filename else reason

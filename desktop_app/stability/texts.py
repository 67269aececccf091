"""The edge-of-stability window's shared texts in the UI's language: the menu entry and the
names of the four configurations (``core.nets.stability.CONFIG_KEYS``)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def menu_text() -> str:
    """The Tools menu's entry, in the current language (the window's context in the .ts)."""
    return QCoreApplication.translate("StabilityWindow", "&Edge of stability…")


def config_name(key: str) -> str:
    """A configuration's name for people."""
    names = {
        "gd": QCoreApplication.translate("StabilityWindow", "GD, your learning rate"),
        "gd_edge": QCoreApplication.translate("StabilityWindow", "GD, edge learning rate"),
        "sgd": QCoreApplication.translate("StabilityWindow", "Minibatch SGD"),
        "adam": QCoreApplication.translate("StabilityWindow", "Adam (full batch)"),
    }
    return names.get(key, key)

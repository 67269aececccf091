"""The edge-of-stability window's shared texts in the UI's language: the menu entry and the
names of the configurations (``core.nets.stability.CONFIG_KEYS`` and ``SAM_KEYS``) and of the
comparisons."""

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
        "sam": QCoreApplication.translate("StabilityWindow", "SAM (sharpness-aware)"),
    }
    return names.get(key, key)


def short_name(key: str) -> str:
    """A configuration's name in a legend: "SGD", "SAM" (the long name where there is none)."""
    names = {
        "sgd": QCoreApplication.translate("StabilityWindow", "SGD"),
        "sam": QCoreApplication.translate("StabilityWindow", "SAM"),
    }
    return names.get(key) or config_name(key)


def comparison_name(comparison: str) -> str:
    """A comparison's name for people (``desktop_app.stability.worker.COMPARISONS``)."""
    names = {
        "edge": QCoreApplication.translate(
            "StabilityWindow", "Edge of stability (GD at two rates, SGD, Adam)"
        ),
        "sam": QCoreApplication.translate("StabilityWindow", "SAM against SGD"),
    }
    return names.get(comparison, comparison)

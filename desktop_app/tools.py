"""The tool windows of the Tools menu: one entry per tool, the same names lessons use.

Each tool is a package whose ``__init__`` is light (no torch, no plots): ``menu_text()`` gives the
menu entry in the current language and ``show_*_window(main)`` makes the window on first use (a
child of the main window, reading the Network Lab's current task) and shows it. A lesson beat
``{"kind": "open_tool", "tool": NAME}`` opens the same window (:data:`core.beats.TOOL_NAMES`).
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> (package, the function that shows its window)
TOOLS: dict[str, tuple[str, str]] = {
    "diagnose": ("desktop_app.diagnose", "show_diagnose_window"),
    "tune": ("desktop_app.tuning", "show_tuning_window"),
    "edge_of_stability": ("desktop_app.stability", "show_stability_window"),
    "lr_range_test": ("desktop_app.lr_range", "show_lr_range_window"),
    "layer_histograms": ("desktop_app.layer_stats", "show_layer_stats_window"),
    "double_descent": ("desktop_app.double_descent", "show_double_descent_window"),
}


def menu_text(name: str) -> str:
    """The Tools menu's entry for tool ``name``, in the current language."""
    package, _ = TOOLS[name]
    return importlib.import_module(package).menu_text()


def open_tool(name: str, main: Any) -> Any:
    """Show tool ``name``'s window for the main window ``main``; returns the window."""
    package, function = TOOLS[name]
    return getattr(importlib.import_module(package), function)(main)

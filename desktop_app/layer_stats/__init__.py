"""Inside the layers: per-layer histograms of pre-activations and weight gradients, batch norm
off and on, on the Network Lab's current task (``core.nets.layer_stats``).

``window.LayerStatsWindow`` (Tools ▸ Inside the layers…) trains both networks in a worker
thread (``desktop_app.workers.StreamRunner``) and draws, for each side, a row of histograms per
hidden layer at the epoch the slider picks, the layer's summary numbers and both training-loss
curves. Importing this package is light (the main window builds its menu with ``menu_text``);
the window, torch and pyqtgraph are imported when first shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

__all__ = ["menu_text", "show_layer_stats_window"]


def menu_text() -> str:
    """The Tools menu's entry, in the current language (the window's context in the .ts)."""
    return QCoreApplication.translate("LayerStatsWindow", "&Inside the layers…")


def show_layer_stats_window(main: Any) -> Any:
    """Show ``main``'s "Inside the layers" window (see :mod:`desktop_app.layer_stats.window`)."""
    from desktop_app.layer_stats.window import show_layer_stats_window as show

    return show(main)

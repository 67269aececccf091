"""Tune hyper-parameters (notes 004): grid search against random search with the same budget.

``window.TuningWindow`` (Tools ▸ Tune hyper-parameters…) sets up two axes on the Network Lab's
current task (``setup_box``), runs both searches in a worker thread (``worker``), and shows the
grid's heat map, the random trials over the same axes and the Bergstra-Bengio projection
(``plots``). Importing this package is light (the main window builds its Help menu with
``menu_text``); the window, torch and the plots are imported when first shown.
"""

from __future__ import annotations

from typing import Any

from desktop_app.tuning.texts import menu_text

__all__ = ["menu_text", "show_tuning_window"]


def show_tuning_window(main: Any) -> Any:
    """Show ``main``'s "Tune hyper-parameters" window (see :mod:`desktop_app.tuning.window`)."""
    from desktop_app.tuning.window import show_tuning_window as show

    return show(main)

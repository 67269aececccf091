"""The flowchart assistant: diagnose a training run as the notes teach (``core.diagnose``).

``panel.DiagnosePanel`` (sources, walk, verdict, remedies, experiments), ``flowchart_view`` (the
notes' flowchart drawn with the walked path), ``curves_plot`` (the curves, best epoch marked),
``worker`` (the experiments in a worker thread) and ``window`` (Tools ▸ Diagnose training…).
Importing this package is light (the main window builds its Help menu with ``menu_text``); the
window and its plots are imported when first shown.
"""

from __future__ import annotations

from typing import Any

from desktop_app.diagnose.texts import menu_text

__all__ = ["menu_text", "show_diagnose_window"]


def show_diagnose_window(main: Any) -> Any:
    """Show ``main``'s "Diagnose training" window (see :mod:`desktop_app.diagnose.window`)."""
    from desktop_app.diagnose.window import show_diagnose_window as show

    return show(main)

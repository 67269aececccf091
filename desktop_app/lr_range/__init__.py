"""The learning-rate range test (Smith 2017; fastai's ``lr_find``) on the Network Lab's task.

``window.LrRangeWindow`` (Tools ▸ Learning-rate range test…, or the Network Lab training form's
"Find learning rate…") sweeps the learning rate exponentially on a copy of the Network Lab's
network in a worker thread (``worker``, ``core.nets.lr_finder``), draws the loss against the
rate as it comes (``plot``), marks the suggested rate and the smoothed minimum, and "Apply" sets
the suggestion as the Network Lab's learning rate. Importing this package is light (menus use
``menu_text``); the window, torch and pyqtgraph are imported when first shown.
"""

from __future__ import annotations

from typing import Any

from desktop_app.lr_range.texts import menu_text

__all__ = ["menu_text", "show_lr_range_window"]


def show_lr_range_window(main: Any) -> Any:
    """Show ``main``'s learning-rate range test window (see :mod:`desktop_app.lr_range.window`)."""
    from desktop_app.lr_range.window import show_lr_range_window as show

    return show(main)

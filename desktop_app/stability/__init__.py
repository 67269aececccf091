"""The edge of stability (Cohen et al., ICLR 2021 and 2022): the Network Lab's task trained with
full-batch GD at two learning rates, minibatch SGD and full-batch Adam, the sharpness of each
drawn against its stability threshold, the training losses, and the Hessian's spectrum per epoch;
or ("Compare: SAM against SGD") minibatch SGD and SAM from the same weights, their sharpness and
validation losses.

``window.StabilityWindow`` (Tools ▸ Edge of stability…) runs ``core.nets.stability`` in a worker
thread (``worker``) and draws it (``plots``). Importing this package is light (the main window
builds its menu with ``menu_text``); the window, torch and the plots are imported when first
shown.
"""

from __future__ import annotations

from typing import Any

from desktop_app.stability.texts import menu_text

__all__ = ["menu_text", "show_stability_window"]


def show_stability_window(main: Any) -> Any:
    """Show ``main``'s "Edge of stability" window (see :mod:`desktop_app.stability.window`)."""
    from desktop_app.stability.window import show_stability_window as show

    return show(main)

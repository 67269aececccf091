"""The arrows of the lecture's momentum figure, read from one recorded step (no Qt).

:func:`step_arrows` turns one recorded step into the three arrows of notes 001 ("red arrow
gradient, blue dashed momentum, blue solid real movement"), read from the engine's state
vocabulary (``core.optim.state``); the Surface Lab's map draws them. ``track`` is anything with
the recorder's columns: ``count``, ``positions`` ``(steps, points, 2)``, ``lr`` ``(steps,)``
and ``state`` ``{key: (steps, points, 2)}`` (``desktop_app.surface_lab.recorder.Track``).
"""

from __future__ import annotations

import numpy as np

ARROW_KEYS = ("gradient", "momentum", "update")


def step_arrows(track, step: int) -> dict[str, np.ndarray] | None:
    """The arrows of the step that leaves ``step`` for the first point of ``track``.

    Returns ``{"start": (2,), "gradient": (2,), "update": (2,)}`` plus ``"momentum"`` when the
    optimizer keeps a velocity, all in parameter units, or ``None`` when that step is not (yet)
    recorded or recorded no state:

    - ``gradient`` = ``-effective_lr * grad``: the step the current gradient alone would take
      (``-lr * grad`` where the optimizer has no effective learning rate: L-BFGS, Newton);
    - ``update`` = the real move, ``theta[step + 1] - theta[step]``;
    - ``momentum`` = ``update - gradient``: what the past contributed. For SGD with momentum this
      is exactly ``momentum * (previous update)``, the lecture's ``lambda m``; the three arrows
      close a triangle as in the notes' figure.
    """
    following = step + 1
    if step < 0 or following >= track.count:
        return None
    state = {key: values[following, 0] for key, values in track.state.items()}
    if "update" not in state or "grad" not in state:
        return None
    grad, update = state["grad"], state["update"]
    rate = state.get("effective_lr")
    if rate is None or not np.all(np.isfinite(rate)):
        rate = np.full(2, track.lr[following])
    if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(update))):
        return None
    gradient = -rate * grad
    arrows = {"start": track.positions[step, 0].copy(), "gradient": gradient, "update": update}
    if "velocity" in state and np.all(np.isfinite(state["velocity"])):
        arrows["momentum"] = update - gradient
    return arrows

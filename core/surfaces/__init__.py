"""Loss surfaces: the built-in library, user formulas and drawn (bump) surfaces.

Every kind ends as a :class:`Surface`; :func:`make_surface` turns a scene's plain ``surface`` dict
into one, so the CLI, the GUI and the tests share a single path.
"""

from __future__ import annotations

from typing import Any

from core.surfaces.base import CriticalPoint, Surface


def make_surface(config: dict[str, Any]) -> Surface:
    """Build a surface from ``{"builtin": NAME, ...params}``, ``{"formula": EXPR}``,
    ``{"bumps": [...], "base": ...}`` or ``{"data": {...}}`` (a
    :class:`core.surfaces.data.DataSurface`), each with optional ``x_range``/``y_range``.

    Raises ``ValueError`` (a ``FormulaError`` for formulas) naming what is wrong.
    """
    from dataclasses import replace

    config = dict(config)
    x_range = config.pop("x_range", None)
    y_range = config.pop("y_range", None)
    if "builtin" in config:
        from core.surfaces.library import builtin_surface

        surface = builtin_surface(config.pop("builtin"), **config)
    elif "formula" in config:
        from core.surfaces.formula import formula_surface

        text = config.pop("formula")
        if config:
            raise ValueError(f"unknown formula surface field(s): {', '.join(config)}")
        surface = formula_surface(text)
    elif "bumps" in config:
        from core.surfaces.drawn import bump_from_dict, drawn_surface

        bumps = [bump_from_dict(b) for b in config.pop("bumps")]
        surface = drawn_surface(bumps, **config)
    elif "data" in config:
        from core.surfaces.data import DATA_DEFAULTS, data_surface

        data = config.pop("data")
        if config:
            raise ValueError(f"unknown data surface field(s): {', '.join(config)}")
        if not isinstance(data, dict):
            raise ValueError(f"'data' must be an object of dataset settings, got {data!r}")
        unknown = sorted(set(data) - set(DATA_DEFAULTS))
        if unknown:
            raise ValueError(
                f"unknown data setting(s) {', '.join(unknown)}; valid: {', '.join(DATA_DEFAULTS)}"
            )
        surface = data_surface(**data)
    else:
        raise ValueError(
            "a surface needs one of the keys 'builtin', 'formula' or 'bumps' "
            "(or 'data': a loss over training examples)"
        )
    if x_range is not None:
        surface = replace(surface, x_range=tuple(map(float, x_range)))
    if y_range is not None:
        surface = replace(surface, y_range=tuple(map(float, y_range)))
    return surface


__all__ = ["CriticalPoint", "Surface", "make_surface"]

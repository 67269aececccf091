"""The built-in library of named 2D loss surfaces.

Every surface is a torch function of points ``(N, 2) -> (N,)`` built from torch ops and Python
scalars only, so it works for any float dtype and device and keeps the autograd graph (it also
works under ``torch.func`` transforms). Each comes with display bounds that frame its interesting
features, all of its critical points inside those bounds (with their kind) and a bilingual title
and note on what it teaches.

Critical points are exact where a closed form exists; otherwise they are refined from
hard-coded seeds by Newton's method in float64 the first time the surface is built (cached), so
they are accurate to ~1e-12.

The surfaces live in ``library_teaching`` (one idea each) and ``library_benchmarks`` (classic
test functions); finding critical points in ``library_points``.

Public API: :data:`BUILTIN_NAMES`, :func:`builtin_surface`, :func:`builtin_params`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

from core.surfaces.base import Surface
from core.surfaces.library_benchmarks import (
    _beale,
    _himmelblau,
    _rastrigin,
    _six_hump_camel,
    _styblinski_tang,
)
from core.surfaces.library_points import _newton_critical_points  # noqa: F401 (core.surfaces.data)
from core.surfaces.library_teaching import (
    _bowl,
    _local_global,
    _monkey_saddle,
    _plateau_cliff,
    _ravine,
    _rosenbrock,
    _saddle,
    _two_basins,
)

__all__ = ["BUILTIN_NAMES", "builtin_params", "builtin_surface"]


# --------------------------------------------------------------------------------------------
# Registry and public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Param:
    default: float
    minimum: float  # inclusive lower bound; values must also be finite
    doc: str


@dataclass(frozen=True)
class _Entry:
    build: Callable[..., Surface]
    params: dict[str, _Param]


_REGISTRY: dict[str, _Entry] = {
    "bowl": _Entry(_bowl, {}),
    "ravine": _Entry(
        _ravine,
        {
            "condition": _Param(
                20.0, 1.0, "condition number κ = ratio of the Hessian's eigenvalues (>= 1)"
            )
        },
    ),
    "saddle": _Entry(_saddle, {}),
    "monkey_saddle": _Entry(_monkey_saddle, {}),
    "local_global": _Entry(_local_global, {}),
    "two_basins": _Entry(_two_basins, {}),
    "plateau_cliff": _Entry(_plateau_cliff, {}),
    "rosenbrock": _Entry(_rosenbrock, {}),
    "beale": _Entry(_beale, {}),
    "himmelblau": _Entry(_himmelblau, {}),
    "six_hump_camel": _Entry(_six_hump_camel, {}),
    "styblinski_tang": _Entry(_styblinski_tang, {}),
    "rastrigin": _Entry(
        _rastrigin,
        {"amplitude": _Param(10.0, 0.0, "height A of the cosine ripples (>= 0; 0 is a bowl)")},
    ),
}

#: Built-in surface names in teaching order: basics, critical points, kinds of minima and
#: optimisation pathologies, then the classic benchmark functions.
BUILTIN_NAMES: tuple[str, ...] = tuple(_REGISTRY)


def _entry(name: str) -> _Entry:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown surface {name!r}; choose one of: {', '.join(BUILTIN_NAMES)}"
        ) from None


def builtin_params(name: str) -> dict[str, float]:
    """Default parameters of built-in surface ``name`` (an empty dict when it has none).

    - ``ravine``: ``condition`` (20.0) — the condition number κ of the Hessian, >= 1.
    - ``rastrigin``: ``amplitude`` (10.0) — the height A of the ripples, >= 0.
    """
    return {key: p.default for key, p in _entry(name).params.items()}


def builtin_surface(name: str, **params: float) -> Surface:
    """Build built-in surface ``name`` (one of :data:`BUILTIN_NAMES`) with optional parameters.

    Raises ``ValueError`` for an unknown name, an unknown parameter, or a parameter value that is
    not a finite real number in its allowed range. See :func:`builtin_params` for the parameters.
    """
    entry = _entry(name)
    values: dict[str, float] = {}
    for key, value in params.items():
        spec = entry.params.get(key)
        if spec is None:
            allowed = (
                f"its parameters are: {', '.join(entry.params)}"
                if entry.params
                else "it takes no parameters"
            )
            raise ValueError(f"surface {name!r} has no parameter {key!r}; {allowed}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(
                f"parameter {key!r} of surface {name!r} must be a number, got {value!r}"
            )
        number = float(value)
        if not math.isfinite(number) or number < spec.minimum:
            raise ValueError(
                f"parameter {key!r} of surface {name!r} must be finite and >= {spec.minimum:g} "
                f"({spec.doc}), got {value!r}"
            )
        values[key] = number
    merged = {key: p.default for key, p in entry.params.items()} | values
    return entry.build(**merged)

"""The built-in library of named 2D loss surfaces.

Every surface is a torch function of points ``(N, 2) -> (N,)`` built from torch ops and Python
scalars only, so it works for any float dtype and device and keeps the autograd graph (it also
works under ``torch.func`` transforms). Each comes with display bounds that frame its interesting
features, all of its critical points inside those bounds (with their kind) and a bilingual title
and note on what it teaches.

Critical points are exact where a closed form exists; otherwise they are refined from
hard-coded seeds by Newton's method in float64 the first time the surface is built (cached), so
they are accurate to ~1e-12. The lab's surfaces list every critical point in their window; the
test functions of Surjanovic & Bingham's Virtual Library of Simulation Experiments list their
documented global minima (all of them, refined where the collection rounds), plus every other
critical point only where the minimum is the only one.

The surfaces live in ``library_teaching`` (one idea each), ``library_benchmarks`` (the first
classic test functions) and, by shape, ``library_bowls``, ``library_plates_valleys``,
``library_many_minima``, ``library_rugged`` and ``library_steep`` (the rest of the collection in
two dimensions); finding critical points in ``library_points``.

Public API: :data:`BUILTIN_NAMES`, :data:`BUILTIN_GROUPS` (by shape, in :data:`GROUP_ORDER`),
:func:`builtin_group`, :func:`builtin_lists_every_critical_point`, :func:`builtin_surface`,
:func:`builtin_params`.
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
from core.surfaces.library_bowls import (
    _bohachevsky_1,
    _bohachevsky_2,
    _bohachevsky_3,
    _perm_0_d_beta,
    _rotated_hyper_ellipsoid,
    _sphere,
    _sum_of_different_powers,
    _sum_squares,
    _trid,
)
from core.surfaces.library_many_minima import (
    _ackley,
    _griewank,
    _langermann,
    _levy,
    _levy_n13,
    _schwefel,
    _shubert,
)
from core.surfaces.library_plates_valleys import (
    _booth,
    _branin,
    _dixon_price,
    _matyas,
    _mccormick,
    _perm_d_beta,
    _three_hump_camel,
    _zakharov,
)
from core.surfaces.library_points import _newton_critical_points  # noqa: F401 (core.surfaces.data)
from core.surfaces.library_rugged import (
    _bukin_n6,
    _cross_in_tray,
    _drop_wave,
    _eggholder,
    _holder_table,
    _schaffer_n2,
    _schaffer_n4,
)
from core.surfaces.library_steep import _de_jong_n5, _easom, _goldstein_price, _michalewicz
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

__all__ = [
    "BUILTIN_GROUPS",
    "BUILTIN_NAMES",
    "GROUP_ORDER",
    "builtin_group",
    "builtin_lists_every_critical_point",
    "builtin_params",
    "builtin_surface",
]


# --------------------------------------------------------------------------------------------
# Registry and public API
# --------------------------------------------------------------------------------------------


#: Shape groups, in the order the picker shows them: the lab's own teaching surfaces, then the
#: collection's shapes (Surjanovic & Bingham's Virtual Library of Simulation Experiments; its
#: "other" functions sit with the shape they have).
GROUP_ORDER: tuple[str, ...] = (
    "teaching",
    "bowls",
    "plates",
    "valleys",
    "many_minima",
    "steep",
)


@dataclass(frozen=True)
class _Param:
    default: float
    minimum: float  # inclusive lower bound; values must also be finite
    doc: str


@dataclass(frozen=True)
class _Entry:
    build: Callable[..., Surface]
    params: dict[str, _Param]
    group: str
    # True where ``critical_points`` lists every critical point in the window; the collection's
    # test functions list their documented global minima only.
    every_critical_point: bool = True


def _collection(build: Callable[..., Surface], group: str, *, every: bool = False) -> _Entry:
    return _Entry(build, {}, group, every_critical_point=every)


_REGISTRY: dict[str, _Entry] = {
    "bowl": _Entry(_bowl, {}, "teaching"),
    "ravine": _Entry(
        _ravine,
        {
            "condition": _Param(
                20.0, 1.0, "condition number κ = ratio of the Hessian's eigenvalues (>= 1)"
            )
        },
        "teaching",
    ),
    "saddle": _Entry(_saddle, {}, "teaching"),
    "monkey_saddle": _Entry(_monkey_saddle, {}, "teaching"),
    "local_global": _Entry(_local_global, {}, "teaching"),
    "two_basins": _Entry(_two_basins, {}, "teaching"),
    "plateau_cliff": _Entry(_plateau_cliff, {}, "teaching"),
    "rosenbrock": _Entry(_rosenbrock, {}, "valleys"),
    "beale": _Entry(_beale, {}, "valleys"),
    "himmelblau": _Entry(_himmelblau, {}, "many_minima"),
    "six_hump_camel": _Entry(_six_hump_camel, {}, "valleys"),
    "styblinski_tang": _Entry(_styblinski_tang, {}, "many_minima"),
    "rastrigin": _Entry(
        _rastrigin,
        {"amplitude": _Param(10.0, 0.0, "height A of the cosine ripples (>= 0; 0 is a bowl)")},
        "many_minima",
    ),
    # Bowls (convex ones list every critical point: the minimum is the only one).
    "sphere": _collection(_sphere, "bowls", every=True),
    "sum_squares": _collection(_sum_squares, "bowls", every=True),
    "rotated_hyper_ellipsoid": _collection(_rotated_hyper_ellipsoid, "bowls", every=True),
    "trid": _collection(_trid, "bowls", every=True),
    "sum_of_different_powers": _collection(_sum_of_different_powers, "bowls"),
    "perm_0_d_beta": _collection(_perm_0_d_beta, "bowls"),
    "bohachevsky_1": _collection(_bohachevsky_1, "bowls"),
    "bohachevsky_2": _collection(_bohachevsky_2, "bowls"),
    "bohachevsky_3": _collection(_bohachevsky_3, "bowls"),
    # Plates
    "booth": _collection(_booth, "plates", every=True),
    "matyas": _collection(_matyas, "plates", every=True),
    "mccormick": _collection(_mccormick, "plates"),
    "zakharov": _collection(_zakharov, "plates", every=True),
    # Valleys
    "three_hump_camel": _collection(_three_hump_camel, "valleys"),
    "dixon_price": _collection(_dixon_price, "valleys"),
    "branin": _collection(_branin, "valleys"),
    "perm_d_beta": _collection(_perm_d_beta, "valleys"),
    # Many local minima
    "ackley": _collection(_ackley, "many_minima"),
    "griewank": _collection(_griewank, "many_minima"),
    "levy": _collection(_levy, "many_minima"),
    "levy_n13": _collection(_levy_n13, "many_minima"),
    "schwefel": _collection(_schwefel, "many_minima"),
    "shubert": _collection(_shubert, "many_minima"),
    "langermann": _collection(_langermann, "many_minima"),
    "bukin_n6": _collection(_bukin_n6, "many_minima"),
    "cross_in_tray": _collection(_cross_in_tray, "many_minima"),
    "drop_wave": _collection(_drop_wave, "many_minima"),
    "eggholder": _collection(_eggholder, "many_minima"),
    "holder_table": _collection(_holder_table, "many_minima"),
    "schaffer_n2": _collection(_schaffer_n2, "many_minima"),
    "schaffer_n4": _collection(_schaffer_n4, "many_minima"),
    # Steep ridges and drops
    "easom": _collection(_easom, "steep"),
    "de_jong_n5": _collection(_de_jong_n5, "steep"),
    "michalewicz": _collection(_michalewicz, "steep"),
    "goldstein_price": _collection(_goldstein_price, "steep"),
}

#: Built-in surface names: the lab's surfaces in teaching order (basics, critical points, kinds
#: of minima and optimisation pathologies, then the first classic benchmarks), then the rest of
#: the collection's two-dimensional test functions. Scenes name surfaces by these names.
BUILTIN_NAMES: tuple[str, ...] = tuple(_REGISTRY)

#: The names of each shape group (keys in :data:`GROUP_ORDER`), each in :data:`BUILTIN_NAMES`
#: order; every name is in exactly one group.
BUILTIN_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(name for name, entry in _REGISTRY.items() if entry.group == group)
    for group in GROUP_ORDER
}


def _entry(name: str) -> _Entry:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown surface {name!r}; choose one of: {', '.join(BUILTIN_NAMES)}"
        ) from None


def builtin_group(name: str) -> str:
    """The shape group (a key of :data:`BUILTIN_GROUPS`) of built-in surface ``name``."""
    return _entry(name).group


def builtin_lists_every_critical_point(name: str) -> bool:
    """Whether built-in surface ``name`` lists every critical point in its window (the lab's
    surfaces and the collection's convex ones) or only its documented global minima."""
    return _entry(name).every_critical_point


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

"""Build any LossLab optimizer from a name and a dict of hyper-parameters.

Every table here is a view of the one registry, ``core.optim.registry.OPTIMIZERS`` (one entry per
optimizer): ``OPTIMIZER_DEFAULTS`` is the table GUIs build their forms from and scene validation
checks names against: for each optimizer, its hyper-parameters under torch's own names with their
defaults (``OPTIMIZER_RANGES`` beside it gives every number's valid values, which
``build_optimizer`` enforces and ``check_optimizer`` checks without building;
``OPTIMIZER_CHOICES`` the allowed values of the others).
``OPTIMIZER_DEFAULTS``, ``OPTIMIZER_RANGES``, ``OPTIMIZER_CHOICES`` and ``OPTIMIZER_CLASSES`` are
read-only mappings that read the registry when used; ``OPTIMIZER_NAMES`` is the tuple of names
at import (:func:`core.optim.registry.optimizer_names` reads it live).

Speed: on CPU, ``build_optimizer`` passes ``fused=True`` to SGD, Adagrad, Adam and AdamW (the
entries' ``fused_on_cpu``). For one ``(100000, 2)`` float32 parameter an Adam step takes ~0.10 ms
fused against ~0.19-0.26 ms for the single-tensor and foreach paths (float64: 0.18 ms vs
0.45 ms); results agree to the last bit or two (fused kernels order a few operations
differently).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch

from core.limits import Range
from core.optim.registry import (
    ENGINEERING_FLAGS,
    LBFGS_MAX_HISTORY,
    LBFGS_MAX_ITER,
    OPTIMIZERS,
    SAM_BASES,
    OptimizerEntry,
    get_entry,
    network_optimizers,
    optimizer_names,
)
from core.optim.sam import SAM

__all__ = [
    "ENGINEERING_FLAGS",
    "LBFGS_MAX_HISTORY",
    "LBFGS_MAX_ITER",
    "OPTIMIZER_CHOICES",
    "OPTIMIZER_CLASSES",
    "OPTIMIZER_DEFAULTS",
    "OPTIMIZER_NAMES",
    "OPTIMIZER_RANGES",
    "build_optimizer",
    "check_hyper",
    "check_optimizer",
    "is_per_point",
    "needs_closure",
    "network_optimizers",
    "optimizer_names",
]


class _RegistryView(Mapping):
    """``{name: field of the entry}`` over the live registry, read-only."""

    def __init__(self, field: Callable[[OptimizerEntry], Any]) -> None:
        self._field = field

    def __getitem__(self, name: str) -> Any:
        return self._field(OPTIMIZERS[name])

    def __iter__(self) -> Iterator[str]:
        return iter(OPTIMIZERS)

    def __len__(self) -> int:
        return len(OPTIMIZERS)

    def __repr__(self) -> str:
        return repr(dict(self))


OPTIMIZER_NAMES: tuple[str, ...] = optimizer_names()
OPTIMIZER_CLASSES: Mapping[str, type[torch.optim.Optimizer]] = _RegistryView(lambda e: e.cls)
OPTIMIZER_DEFAULTS: Mapping[str, dict[str, object]] = _RegistryView(lambda e: e.defaults)
OPTIMIZER_RANGES: Mapping[str, Mapping[str, Range]] = _RegistryView(lambda e: e.ranges)
# Every optimizer, ``{}`` for one without choices.
OPTIMIZER_CHOICES: Mapping[str, Mapping[str, tuple[Any, ...]]] = _RegistryView(lambda e: e.choices)
# Real hyper-parameters deliberately not offered (the tests check this list against torch).
_LEFT_OUT: Mapping[str, frozenset[str]] = _RegistryView(lambda e: e.left_out)
_ANY_NUMBER = Range()  # a number torch adds to a signature before the registry knows it


def _check_name(name: str) -> OptimizerEntry:
    return get_entry(name)


def _tensors(params: list) -> Iterable[torch.Tensor]:
    for item in params:
        if isinstance(item, dict):
            group = item["params"]
            yield from [group] if isinstance(group, torch.Tensor) else group
        else:
            yield item


def _fusable(params: list) -> bool:
    tensors = list(_tensors(params))
    return bool(tensors) and all(
        t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64) for t in tensors
    )


def check_hyper(name: str, hyper: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the first hyper-parameter of ``hyper`` that ``name`` does not
    have or whose value is not valid: unknown names list the valid ones; a number must be a
    number (never a string or a bool) in its ``OPTIMIZER_RANGES`` range; a bool ``true`` or
    ``false``; ``betas`` a list of two numbers; a choice one of ``OPTIMIZER_CHOICES``."""
    entry = _check_name(name)
    defaults = entry.defaults
    unknown = sorted(set(hyper) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown hyper-parameter(s) {', '.join(unknown)} for optimizer {name!r}; "
            f"valid: {', '.join(defaults)}"
        )
    ranges, choices = entry.ranges, entry.choices
    for key, value in hyper.items():
        default = defaults[key]
        if key in choices:
            if not any(value is c or (type(value) is type(c) and value == c) for c in choices[key]):
                raise ValueError(f"{key} must be one of {choices[key]}, got {value!r}")
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false, got {value!r}")
        elif isinstance(default, tuple):
            if not isinstance(value, list | tuple) or len(value) != len(default):
                raise ValueError(
                    f"{key} must be a list of {len(default)} numbers like {list(default)}, "
                    f"got {value!r}"
                )
            for index, item in enumerate(value):
                ranges.get(key, _ANY_NUMBER).check(f"{key}[{index}]", item)
        elif isinstance(default, int | float) or key in ranges:
            ranges.get(key, _ANY_NUMBER).check(key, value)


def _prepared(name: str, hyper: dict[str, Any]) -> tuple[OptimizerEntry, dict[str, Any]]:
    """The entry of ``name`` and the keyword arguments its ``construct`` gets: ``hyper`` checked
    (:func:`check_hyper`), the defaults filled in, counts cast to int, ``betas`` floats."""
    check_hyper(name, hyper)
    entry = OPTIMIZERS[name]
    kwargs = {**entry.defaults, **hyper}
    for key, valid in entry.ranges.items():
        if valid.integer and key in hyper:
            kwargs[key] = int(hyper[key])  # 20.0 -> 20
    if "betas" in kwargs:
        # floats, as torch requires (a JSON writer may give 0 for 0.0)
        kwargs["betas"] = tuple(float(b) for b in kwargs["betas"])  # type: ignore[union-attr]
    return entry, kwargs


def build_optimizer(name: str, params, **hyper: object) -> torch.optim.Optimizer:
    """Build optimizer ``name`` over ``params`` (tensors or param-group dicts).

    Missing hyper-parameters take their ``OPTIMIZER_DEFAULTS`` values. ``betas`` may be a list.
    ``adam`` with ``bias_correction=False`` builds ``LectureAdam(bias_correction=False)``; with
    ``True`` (the default) it is ``torch.optim.Adam``. Raises ``ValueError`` for an unknown name or
    hyper-parameter (naming it and listing the valid ones) and for a value outside its range
    (:func:`check_hyper`). To check a name and hyper-parameters without parameters to build over,
    use :func:`check_optimizer`.
    """
    entry, kwargs = _prepared(name, hyper)
    params = list(params)
    if entry.fused_on_cpu and _fusable(params):
        kwargs["fused"] = True
    return entry.construct(params, kwargs)


# What torch's ``Optimizer.__init__`` raises for no parameters: every check before it passed.
_EMPTY_PARAMS = "optimizer got an empty parameter list"


def _construct_on_nothing(construct: Callable[[], object]) -> None:
    """Run ``construct`` (an optimizer over ``[]``); any error but torch's empty-list one is the
    verdict and propagates."""
    try:
        construct()
    except ValueError as error:
        if error.args != (_EMPTY_PARAMS,):
            raise


def check_optimizer(name: str, **hyper: object) -> None:
    """Raise exactly what ``build_optimizer(name, [parameter], **hyper)`` raises for a bad name or
    hyper-parameter, without building over parameters (nothing to return when all is valid).

    Cheap and safe on the GUI thread: the optimizer is constructed over an empty list, so its
    ``__init__`` checks its hyper-parameters (torch's and the lecture optimizers' all do before
    ``Optimizer.__init__`` looks at the parameters) and stops at torch's "empty parameter list",
    before ``add_param_group``, whose first call imports ``torch._dynamo`` (about a second).
    ``fused`` is left out: torch checks it only against the parameters, after that point.
    """
    entry, kwargs = _prepared(name, hyper)
    _construct_on_nothing(lambda: entry.construct([], dict(kwargs)))
    if issubclass(entry.cls, SAM):
        # SAM stops at the empty list in its own Optimizer.__init__, before it builds its base
        # optimizer, so the base's checks run here: SAM passes it lr and, for SGD, momentum
        # (``core.optim.registry._build_sam``).
        base_hyper = {"lr": kwargs["lr"]}
        if kwargs["base"] == "sgd":
            base_hyper["momentum"] = kwargs["momentum"]
        base = SAM_BASES[kwargs["base"]]
        _construct_on_nothing(lambda: base([], **base_hyper))


def needs_closure(name: str) -> bool:
    """Whether ``step`` needs a closure: ``lbfgs`` (which calls backward in it, torch's contract)
    and ``newton`` (whose closure only returns the loss, see ``Newton``)."""
    return _check_name(name).needs_closure


def is_per_point(name: str) -> bool:
    """Whether the engine must run one optimizer per start point.

    Only ``lbfgs``: its history and line search mix all coordinates of all points, so N points
    in one ``(N, 2)`` tensor would be one 2N-dimensional problem. ``newton`` also couples
    coordinates, but only within a row, and treats each row of an ``(N, d)`` parameter as its own
    problem, so it runs on all points at once.
    """
    return _check_name(name).per_point

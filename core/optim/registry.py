"""The one table of LossLab's optimizers: one :class:`OptimizerEntry` per optimizer.

Everything else is derived from it: the factory (``build_optimizer``, ``check_hyper``,
``needs_closure``, ``is_per_point`` and the ``OPTIMIZER_*`` tables in ``core.optim.factory``), the
state reader (``core.optim.state.read_state``), the scene validator (``core.scene``), the run
editor's choices and spin-box bounds (``desktop_app.surface_lab.run_editor``) and the list of
optimizers a network may use (:func:`network_optimizers`). Adding an optimizer is one entry in
``_ENTRIES`` (plus its human name and explanations in the run editor's translations).

An entry's hyper-parameters and their defaults are read from the class's signature (so torch's
classes are followed as torch changes), minus the engineering flags (:data:`ENGINEERING_FLAGS`)
and the entry's ``left_out``; ``gui_lr`` replaces a missing or unhelpful ``lr`` default and
``extra_defaults`` adds parameters the class does not take (Adam's ``bias_correction``, which
``build`` turns into ``LectureAdam``). ``ranges`` gives every number's valid values
(:class:`core.limits.Range`; a tuple default such as ``betas`` has one range for all elements).

The registry is :data:`OPTIMIZERS`, an ordered ``{name: entry}`` dict read live by every
derived function, so a test may add an entry with ``monkeypatch.setitem``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch

from core.limits import FRACTION, NON_NEGATIVE, POSITIVE, Range
from core.optim import state as _state
from core.optim.lecture import RMS, EmaMomentum, LectureAdam, LectureMomentum, Newton
from core.optim.sam import SAM

ENGINEERING_FLAGS = frozenset({"foreach", "fused", "capturable", "differentiable", "maximize"})

LBFGS_MAX_ITER = 100  # inner iterations per step (torch's default 20)
LBFGS_MAX_HISTORY = 200  # remembered pairs (torch's default 100)
# lr 0 is torch's limit too (a point that stays put; the tests use it); a scene asks for lr > 0.
LR = NON_NEGATIVE

# (params, keyword arguments) -> the optimizer; the default calls the entry's class.
Builder = Callable[[list, dict[str, Any]], torch.optim.Optimizer]


@dataclass(frozen=True)
class OptimizerEntry:
    """One optimizer: everything the factory, validator, editors and state reader need.

    ``name``: the engine's (and scenes') name. ``cls``: the torch or lecture class.
    ``ranges``: the valid values of every numeric hyper-parameter (``build_optimizer`` refuses
    anything outside). ``choices``: the allowed values of a non-numeric one. ``gui_lr``: the
    form's default lr where the class has none or an unhelpful one. ``left_out``: real
    hyper-parameters deliberately not offered. ``extra_defaults``: parameters the entry adds to
    the signature's (handled by ``build``). ``needs_closure``: ``step`` needs a closure.
    ``per_point``: the engine runs one optimizer per start point. ``fused_on_cpu``: pass
    ``fused=True`` for CPU float tensors. ``networks``: offered for network training.
    ``state_reader``: ``(state, group, lr) -> (velocity, second_moment, scale)`` in the
    vocabulary of ``core.optim.state`` (``None``: only grad and update). ``state_classes``: the
    classes its optimizers may have (default ``(cls,)``), for ``read_state``. ``build``: a
    custom constructor ``(params, kwargs) -> optimizer``.
    """

    name: str
    cls: type[torch.optim.Optimizer]
    ranges: Mapping[str, Range]
    choices: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    gui_lr: float | None = None
    left_out: frozenset[str] = frozenset()
    extra_defaults: Mapping[str, object] = field(default_factory=dict)
    needs_closure: bool = False
    per_point: bool = False
    fused_on_cpu: bool = False
    networks: bool = True
    state_reader: _state.StateReader | None = None
    state_classes: tuple[type, ...] = ()
    build: Builder | None = None

    @cached_property
    def defaults(self) -> dict[str, object]:
        """``{hyper-parameter: default}`` in signature order, then ``extra_defaults``."""
        out = _signature_defaults(self.cls, self.left_out)
        if self.gui_lr is not None or "lr" in out:
            out["lr"] = float(self.gui_lr if self.gui_lr is not None else out["lr"])  # type: ignore[arg-type]
        out.update(self.extra_defaults)
        return out

    def classes(self) -> tuple[type, ...]:
        return self.state_classes or (self.cls,)

    def construct(self, params: list, kwargs: dict[str, Any]) -> torch.optim.Optimizer:
        if self.build is not None:
            return self.build(params, kwargs)
        return self.cls(params, **kwargs)


def _signature_defaults(cls: type, skip: frozenset[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "params") or name in skip or name in ENGINEERING_FLAGS:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        default = None if parameter.default is inspect.Parameter.empty else parameter.default
        if type(default) is int and "float" in str(parameter.annotation):
            default = float(default)  # torch writes ``momentum: float = 0``; forms need 0.0
        out[name] = default
    return out


def _build_adam(params: list, kwargs: dict[str, Any]) -> torch.optim.Optimizer:
    """``bias_correction=False`` is the lecture's Adam (``LectureAdam``), else torch's."""
    if not kwargs.pop("bias_correction"):
        kwargs.pop("fused", None)
        return LectureAdam(params, bias_correction=False, **kwargs)
    return torch.optim.Adam(params, **kwargs)


# SAM's base optimizers in a scene; ``momentum`` is SGD's (Adam's momentum is betas[0]).
SAM_BASES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


def _build_sam(params: list, kwargs: dict[str, Any]) -> torch.optim.Optimizer:
    """SAM around ``base`` (``"sgd"`` with ``momentum``, or ``"adam"`` with torch's defaults)."""
    base, momentum = kwargs.pop("base"), kwargs.pop("momentum")
    if base == "sgd":
        kwargs["momentum"] = momentum
    elif momentum != 0:
        raise ValueError(f"momentum is SGD's; it must be 0 with base {base!r}, got {momentum!r}")
    return SAM(params, base_optimizer=SAM_BASES[base], **kwargs)


_ADAM_RANGES = {"lr": LR, "betas": FRACTION, "eps": POSITIVE, "weight_decay": NON_NEGATIVE}

# The GUI lr of SGD: torch's default 1e-3 is recent and tiny on LossLab's surfaces; the lecture
# optimizers require lr like torch's once did.
_ENTRIES = (
    OptimizerEntry(
        "sgd",
        torch.optim.SGD,
        {"lr": LR, "momentum": FRACTION, "dampening": Range(0, 1), "weight_decay": NON_NEGATIVE},
        gui_lr=0.01,
        fused_on_cpu=True,
        state_reader=_state.read_sgd,
    ),
    OptimizerEntry(
        "adagrad",
        torch.optim.Adagrad,
        {
            "lr": LR,
            "lr_decay": NON_NEGATIVE,
            "weight_decay": NON_NEGATIVE,
            "initial_accumulator_value": NON_NEGATIVE,
            "eps": POSITIVE,
        },
        fused_on_cpu=True,
        state_reader=_state.read_adagrad,
    ),
    OptimizerEntry(
        "rmsprop",
        torch.optim.RMSprop,
        {
            "lr": LR,
            "alpha": Range(0, 1),
            "eps": POSITIVE,
            "weight_decay": NON_NEGATIVE,
            "momentum": FRACTION,
        },
        state_reader=_state.read_rmsprop,
    ),
    OptimizerEntry(
        "adam",
        torch.optim.Adam,
        _ADAM_RANGES,
        left_out=frozenset({"decoupled_weight_decay"}),  # that is "adamw"
        extra_defaults={"bias_correction": True},  # False switches to LectureAdam
        fused_on_cpu=True,
        state_reader=_state.read_adam,
        state_classes=(torch.optim.Adam, LectureAdam),
        build=_build_adam,
    ),
    OptimizerEntry(
        "adamw",
        torch.optim.AdamW,
        _ADAM_RANGES,
        fused_on_cpu=True,
        state_reader=_state.read_adam,
    ),
    OptimizerEntry(
        "lbfgs",
        torch.optim.LBFGS,
        {
            "lr": LR,
            "max_iter": Range(1, LBFGS_MAX_ITER, integer=True),
            "tolerance_grad": NON_NEGATIVE,
            "tolerance_change": NON_NEGATIVE,
            "history_size": Range(1, LBFGS_MAX_HISTORY, integer=True),
        },
        choices={"line_search_fn": (None, "strong_wolfe")},
        left_out=frozenset({"max_eval"}),  # derived by torch: max_iter * 5 / 4
        needs_closure=True,
        per_point=True,
    ),
    OptimizerEntry(
        "lecture_momentum",
        LectureMomentum,
        {"lr": LR, "momentum": FRACTION},
        gui_lr=0.01,
        state_reader=_state.read_lecture_momentum,
    ),
    OptimizerEntry(
        "ema_momentum",
        EmaMomentum,
        {"lr": LR, "beta": FRACTION},
        gui_lr=0.01,
        state_reader=_state.read_ema_momentum,
    ),
    OptimizerEntry(
        "rms", RMS, {"lr": LR, "eps": POSITIVE}, gui_lr=0.01, state_reader=_state.read_rms
    ),
    OptimizerEntry(
        "newton",
        Newton,
        {"lr": LR, "damping": NON_NEGATIVE},
        needs_closure=True,
        # Newton treats each row of a weight matrix as a separate problem; networks use lbfgs.
        networks=False,
    ),
    OptimizerEntry(
        "sam",
        SAM,
        {"lr": LR, "rho": NON_NEGATIVE, "momentum": FRACTION},
        choices={"base": tuple(SAM_BASES)},
        gui_lr=0.01,
        left_out=frozenset({"base_optimizer"}),  # a scene names it: ``base``
        extra_defaults={"base": "sgd", "momentum": 0.0},
        # Two gradients per step; per point: the ascent's norm would mix the points of a swarm.
        needs_closure=True,
        per_point=True,
        build=_build_sam,
    ),
)

OPTIMIZERS: dict[str, OptimizerEntry] = {entry.name: entry for entry in _ENTRIES}


def optimizer_names() -> tuple[str, ...]:
    """Every optimizer's name, in the registry's (and the GUI's) order."""
    return tuple(OPTIMIZERS)


def network_optimizers() -> tuple[str, ...]:
    """The optimizers a network (``core.nets``, the Network Lab) may use, in registry order."""
    return tuple(name for name, entry in OPTIMIZERS.items() if entry.networks)


def get_entry(name: str) -> OptimizerEntry:
    """The entry of ``name``; ``ValueError`` naming the valid names for an unknown one."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        valid = ", ".join(OPTIMIZERS)
        raise ValueError(f"unknown optimizer {name!r}; valid names: {valid}") from None


def entry_for(optimizer: torch.optim.Optimizer) -> OptimizerEntry | None:
    """The entry an optimizer object was built from: its exact class first, then a subclass."""
    kind = type(optimizer)
    for entry in OPTIMIZERS.values():
        if kind in entry.classes():
            return entry
    for entry in OPTIMIZERS.values():
        if isinstance(optimizer, entry.classes()):
            return entry
    return None

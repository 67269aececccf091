r"""Learning-rate schedules (decay and warm-up), built from ``torch.optim.lr_scheduler``.

A schedule is a config dict ``{"name": ..., **params}`` (``None`` means constant). Parameter names
are torch's. Each schedule is one :class:`ScheduleEntry` in :data:`SCHEDULES` (its torch class,
defaults, ranges, choices and builder); ``SCHEDULE_NAMES``, ``SCHEDULE_DEFAULTS``,
``SCHEDULE_RANGES``, ``SCHEDULE_CHOICES`` and ``TORCH_SCHEDULERS`` are views of it.
``SCHEDULE_DEFAULTS`` lists every schedule's parameters; a default of ``None`` means
"derived from the run length ``total_steps``" as written below. With base rate :math:`\eta`,
step :math:`t = 0, 1, \dots` (the lr the optimizer uses at its :math:`t`-th step):

===============  =============================================================  =================
name             :math:`\eta_t`                                                 torch
===============  =============================================================  =================
constant         :math:`\eta`                                                   ConstantLR(1)
step             :math:`\eta\,\gamma^{\lfloor t / s \rfloor}`,                  StepLR
                 ``step_size`` s (None: total/4)
exponential      :math:`\eta\,\gamma^t`                                         ExponentialLR
cosine           :math:`\eta_{min}+(\eta-\eta_{min})(1+\cos(\pi t/T))/2`,       CosineAnnealingLR
                 ``T_max`` T (None: total)
cosine_restarts  the cosine restarted every ``T_0`` steps (None: total/4),      CosineAnnealing-
                 each period ``T_mult`` times longer                            WarmRestarts
onecycle         ``max_lr``/div_factor rising to ``max_lr`` (None: the          OneCycleLR
                 optimizer's lr) over ``pct_start`` of ``total_steps`` (None:
                 total), then annealing to max_lr/(div_factor*final_div_factor)
inverse_sqrt     :math:`\eta\,\min((t+1)/w,\ \sqrt{w/(t+1)})`: linear warm-up   LambdaLR
                 to :math:`\eta` at :math:`t+1 = w`, then :math:`\propto 1/\sqrt t`
                 (Noam / "Attention is all you need", peak normalised to
                 :math:`\eta`); ``warmup_steps`` w (None: total/10)
warmup           linear from ``start_factor``:math:`\cdot\eta` to :math:`\eta`  SequentialLR(
                 over ``warmup_steps`` w (None: total/10), then the nested      LinearLR, then)
                 schedule ``then`` run with :math:`t - w` over ``total - w``
                 steps (``then`` None: constant)
===============  =============================================================  =================

The caller steps the scheduler once after each optimizer step (torch's convention).

Torch quirks handled here:

* ``SequentialLR`` restarts the nested schedule at the milestone (its step count starts at 0
  there), so ``then``'s run-length-derived defaults use ``total_steps - warmup_steps``.
  ``onecycle`` and ``warmup`` cannot be nested: OneCycleLR overwrites the param groups'
  ``initial_lr``, which SequentialLR resets the lr to.
* ``OneCycleLR`` raises when stepped past its ``total_steps``, so a shorter ``total_steps`` than
  the run is refused at build time; its ``pct_start`` must be a float (``0`` is refused by torch).
* ``OneCycleLR(cycle_momentum=True)`` (torch's default) overwrites momentum / beta1 every step,
  and on an SGD with ``momentum=0`` silently turns momentum *on*. LossLab defaults it to False
  and ignores it unless every param group has ``betas`` or ``momentum > 0``.
* ``CosineAnnealingLR`` does not stop at ``T_max``: past it the lr rises again (period 2 T_max).
* Most torch schedulers update the lr multiplicatively (chainable form), so values can differ
  from the closed forms above in the last bits.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler as lrs

from core.limits import COUNT, NON_NEGATIVE, POSITIVE, Range

# The builder of a schedule: (optimizer, params with the defaults filled in, total_steps, auto)
# -> the torch scheduler; ``auto(key, derived)`` is the count ``params[key]``, or ``derived``
# (at least 1) where it is None ("derived from the run length").
Builder = Callable[
    [torch.optim.Optimizer, dict[str, Any], int, Callable[[str, int], int]], lrs.LRScheduler
]


@dataclass(frozen=True)
class ScheduleEntry:
    """One schedule: everything the builder, the validator and the run editor need.

    ``name``: the scenes' name. ``torch_class``: the torch scheduler its parameters go to (the
    tests check the names against its signature). ``defaults``: ``{parameter: default}``, with
    ``None`` for "derived from the run length". ``ranges``: the valid values of every number.
    ``choices``: the allowed values of a non-numeric one. ``build``: see :data:`Builder`.
    ``nestable``: may follow a warm-up (``then``); a parameter named ``then`` holds a nested
    schedule, whose choices are the nestable names.
    """

    name: str
    torch_class: type[lrs.LRScheduler]
    defaults: Mapping[str, object]
    build: Builder
    ranges: Mapping[str, Range] = field(default_factory=dict)
    choices: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    nestable: bool = True


def inverse_sqrt_factor(t: int, warmup_steps: int) -> float:
    """``min((t+1)/w, sqrt(w/(t+1)))``: 1 at ``t+1 = w``."""
    return min((t + 1) / warmup_steps, math.sqrt(warmup_steps / (t + 1)))


def _count(name: str, value: object, minimum: int = 1) -> int:
    """A step count: an int (or integral float, as JSON may give) >= ``minimum``."""
    Range(minimum, None, integer=True).check(name, value)
    return int(value)  # type: ignore[arg-type]


def _check_values(name: str, params: dict[str, Any]) -> None:
    """Every parameter of schedule ``name`` against its type and ``SCHEDULE_RANGES`` range; the
    ``ValueError`` names it (a warm-up's nested schedule is checked when it is built)."""
    entry = SCHEDULES[name]
    defaults, ranges = entry.defaults, entry.ranges
    for key, value in params.items():
        label, default = key, defaults[key]
        if key in entry.choices:
            allowed = entry.choices[key]
            if not any(type(value) is type(c) and value == c for c in allowed):
                raise ValueError(f"{label} must be one of {allowed}, got {value!r}")
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{label} must be true or false, got {value!r}")
        elif key in ranges and not (value is None and default is None):
            ranges[key].check(label, value)


def _params(config: dict | None) -> tuple[str, dict[str, Any]]:
    if config is None:
        return "constant", {}
    if not isinstance(config, dict) or "name" not in config:
        raise ValueError(f"a schedule config is a dict with a 'name', got {config!r}")
    params = dict(config)
    name = params.pop("name")
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; valid names: {', '.join(SCHEDULES)}")
    defaults = SCHEDULES[name].defaults
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        valid = ", ".join(defaults) or "none"
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for schedule {name!r}; valid: {valid}"
        )
    _check_values(name, params)
    then = params.get("then")
    if "then" in defaults and then is not None:
        try:
            if isinstance(then, dict) and then.get("name") not in _nestable():
                _params(then)  # an unknown name says so first
                raise ValueError(f"{name} cannot be followed by {then['name']!r}")
            _params(then)
        except ValueError as error:
            raise ValueError(f"then: {error}") from None
    return name, {**copy.deepcopy(dict(defaults)), **params}


def _has_momentum(optimizer: torch.optim.Optimizer) -> bool:
    return all(
        "betas" in group or float(group.get("momentum", 0.0)) > 0
        for group in optimizer.param_groups
    )


def _constant(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    return lrs.ConstantLR(optimizer, factor=1.0, total_iters=0)


def _step(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    step_size = auto("step_size", total_steps // 4)
    return lrs.StepLR(optimizer, step_size=step_size, gamma=float(p["gamma"]))


def _exponential(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    return lrs.ExponentialLR(optimizer, gamma=float(p["gamma"]))


def _cosine(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    t_max = auto("T_max", total_steps)
    return lrs.CosineAnnealingLR(optimizer, T_max=t_max, eta_min=float(p["eta_min"]))


def _cosine_restarts(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    return lrs.CosineAnnealingWarmRestarts(
        optimizer,
        T_0=auto("T_0", total_steps // 4),
        T_mult=_count("T_mult", p["T_mult"]),
        eta_min=float(p["eta_min"]),
    )


def _inverse_sqrt(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    w = auto("warmup_steps", total_steps // 10)
    return lrs.LambdaLR(optimizer, functools.partial(inverse_sqrt_factor, warmup_steps=w))


def _onecycle(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    cycle_steps = auto("total_steps", total_steps)
    if cycle_steps < total_steps:
        raise ValueError(
            f"onecycle total_steps ({cycle_steps}) is shorter than the run ({total_steps}); "
            "torch's OneCycleLR cannot step past it"
        )
    pct_start = float(p["pct_start"])
    # torch's phase 1 ends at step pct_start * total - 1 and interpolates over each phase's
    # length: a phase of length 0 divides by zero (at step 0, or at the run's last step).
    warm_end = float(pct_start * cycle_steps) - 1
    if warm_end == 0 or warm_end == cycle_steps - 1:
        raise ValueError(
            f"onecycle pct_start {pct_start:g} with total_steps {cycle_steps} gives a phase "
            "of length 0 (torch's OneCycleLR would divide by zero); change pct_start"
        )
    max_lr = p["max_lr"]
    try:
        return lrs.OneCycleLR(
            optimizer,
            max_lr=[float(g["lr"]) for g in optimizer.param_groups]
            if max_lr is None
            else float(max_lr),
            total_steps=cycle_steps,
            pct_start=pct_start,
            anneal_strategy=p["anneal_strategy"],
            div_factor=float(p["div_factor"]),
            final_div_factor=float(p["final_div_factor"]),
            cycle_momentum=bool(p["cycle_momentum"]) and _has_momentum(optimizer),
        )
    except ZeroDivisionError:
        raise ValueError("onecycle: these parameters make torch divide by zero") from None


def _warmup(optimizer, p, total_steps, auto) -> lrs.LRScheduler:
    w = auto("warmup_steps", total_steps // 10)
    then = p["then"]
    then_name = "constant" if then is None else then.get("name") if isinstance(then, dict) else None
    if then_name not in _nestable():
        raise ValueError(f"warmup cannot be followed by {then_name!r}")
    linear = lrs.LinearLR(optimizer, start_factor=float(p["start_factor"]), total_iters=w)
    try:
        after = build_scheduler(optimizer, then, max(1, total_steps - w))
    except ValueError as error:
        raise ValueError(f"then: {error}") from None
    return lrs.SequentialLR(optimizer, [linear, after], milestones=[w])


# The valid values: tighter than torch where torch accepts a value that raises or divides by
# zero later (onecycle ``pct_start`` 1, ``div_factor`` 0) or that makes the lr negative. ``None``
# (derived from the run length) is always accepted where it is the default.
_DECAY = Range(0, 1, low_open=True)  # gamma: a decay (1: none); 0 would stop the run dead

# The registry: one entry per schedule, in the GUI's order. ``onecycle`` and ``warmup`` cannot
# follow a warm-up (OneCycleLR overwrites the param groups' ``initial_lr``, which SequentialLR
# resets the lr to).
_ENTRIES = (
    ScheduleEntry("constant", lrs.ConstantLR, {}, _constant),
    ScheduleEntry(
        "step",
        lrs.StepLR,
        {"step_size": None, "gamma": 0.1},
        _step,
        {"step_size": COUNT, "gamma": _DECAY},
    ),
    ScheduleEntry(
        "exponential", lrs.ExponentialLR, {"gamma": 0.99}, _exponential, {"gamma": _DECAY}
    ),
    ScheduleEntry(
        "cosine",
        lrs.CosineAnnealingLR,
        {"T_max": None, "eta_min": 0.0},
        _cosine,
        {"T_max": COUNT, "eta_min": NON_NEGATIVE},
    ),
    ScheduleEntry(
        "warmup",
        lrs.LinearLR,
        {"warmup_steps": None, "start_factor": 0.01, "then": {"name": "constant"}},
        _warmup,
        {"warmup_steps": COUNT, "start_factor": Range(0, 1, low_open=True)},
        nestable=False,
    ),
    ScheduleEntry(
        "cosine_restarts",
        lrs.CosineAnnealingWarmRestarts,
        {"T_0": None, "T_mult": 1, "eta_min": 0.0},
        _cosine_restarts,
        {"T_0": COUNT, "T_mult": Range(1, 1000, integer=True), "eta_min": NON_NEGATIVE},
    ),
    ScheduleEntry(
        "onecycle",
        lrs.OneCycleLR,
        {
            "max_lr": None,
            "total_steps": None,
            "pct_start": 0.3,
            "anneal_strategy": "cos",
            "div_factor": 25.0,
            "final_div_factor": 1e4,
            "cycle_momentum": False,
        },
        _onecycle,
        {
            "max_lr": POSITIVE,
            "total_steps": COUNT,
            "pct_start": Range(0, 1, high_open=True),
            "div_factor": POSITIVE,
            "final_div_factor": POSITIVE,
        },
        choices={"anneal_strategy": ("cos", "linear")},
        nestable=False,
    ),
    ScheduleEntry(
        "inverse_sqrt",
        lrs.LambdaLR,
        {"warmup_steps": None},
        _inverse_sqrt,
        {"warmup_steps": COUNT},
    ),
)

SCHEDULES: dict[str, ScheduleEntry] = {entry.name: entry for entry in _ENTRIES}


def _nestable() -> tuple[str, ...]:
    return tuple(name for name, entry in SCHEDULES.items() if entry.nestable)


def _choices(entry: ScheduleEntry) -> dict[str, tuple[Any, ...]]:
    nested = {"then": _nestable()} if "then" in entry.defaults else {}
    return {**entry.choices, **nested}


class _RegistryView(Mapping):
    """``{name: field of the entry}`` over the live registry, read-only; ``names`` limits it to
    the entries for which ``keep`` holds."""

    def __init__(self, field_of: Callable[[ScheduleEntry], Any], keep=None) -> None:
        self._field, self._keep = field_of, keep or (lambda entry: True)

    def _names(self) -> list[str]:
        return [name for name, entry in SCHEDULES.items() if self._keep(entry)]

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        return self._field(SCHEDULES[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return repr(dict(self))


# Views of the registry under their old names (read when used; SCHEDULE_NAMES is the names at
# import, schedule_names() reads them live).
SCHEDULE_NAMES: tuple[str, ...] = tuple(SCHEDULES)
SCHEDULE_DEFAULTS: Mapping[str, Mapping[str, object]] = _RegistryView(lambda e: e.defaults)
SCHEDULE_RANGES: Mapping[str, Mapping[str, Range]] = _RegistryView(lambda e: e.ranges)
# Only the schedules that have choices (onecycle's anneal_strategy, warmup's then).
SCHEDULE_CHOICES: Mapping[str, dict[str, tuple[Any, ...]]] = _RegistryView(
    _choices, keep=lambda e: bool(_choices(e))
)
TORCH_SCHEDULERS: Mapping[str, type[lrs.LRScheduler]] = _RegistryView(lambda e: e.torch_class)


def schedule_names() -> tuple[str, ...]:
    """Every schedule's name, in the registry's (and the GUI's) order."""
    return tuple(SCHEDULES)


def build_scheduler(
    optimizer: torch.optim.Optimizer, config: dict | None, total_steps: int
) -> lrs.LRScheduler:
    """The torch scheduler for ``config`` over a run of ``total_steps`` optimizer steps.

    Like every torch scheduler it sets the optimizer's lr for step 0 right away; build it on a
    fresh optimizer (torch remembers ``initial_lr`` in the param groups). Raises ``ValueError``
    for unknown names or parameters and for invalid values.
    """
    total_steps = _count("total_steps", total_steps)
    name, p = _params(config)

    def auto(key: str, derived: int) -> int:  # None: derived from the run length, at least 1
        return _count(key, max(1, derived) if p[key] is None else p[key])

    return SCHEDULES[name].build(optimizer, p, total_steps, auto)


class _ProbeSGD(torch.optim.SGD):
    """``torch.optim.SGD(lr=lr)`` over one zero parameter, for a scheduler to run on: torch's
    SGD checks ``lr`` and its defaults (the momentum onecycle reads) fill the one param group as
    torch's would, but nothing imports ``torch._dynamo`` (about a second, holding the GIL), which
    torch's ``add_param_group`` and ``SGD.step`` import on their first call. Here
    ``add_param_group`` only fills in the defaults (the parameter needs none of torch's checks)
    and ``step`` does nothing (there are no gradients; torch's SGD would not move it either)."""

    def __init__(self, lr: float) -> None:
        super().__init__([torch.zeros(1, requires_grad=True)], lr=lr)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        for key, default in self.defaults.items():
            param_group.setdefault(key, default)  # as torch's does
        self.param_groups.append(param_group)

    def step(self, closure: Callable[[], float] | None = None) -> None:
        return None


def check_schedule(config: dict | None, total_steps: int, lr: float = 0.1) -> None:
    """Raise ``ValueError`` unless ``config`` can drive a run of ``total_steps`` steps.

    Builds the real torch scheduler for that length on a probe SGD with learning rate ``lr``
    (:class:`_ProbeSGD`) without stepping through it (cheap for any length; :func:`preview_lr`
    steps through every step). The values that would fail later in a run (onecycle's zero-length
    phases, a cycle shorter than the run) are refused when the scheduler is built.
    """
    if _count("total_steps", total_steps, minimum=0) == 0:
        _params(config)
        return
    build_scheduler(_ProbeSGD(lr), config, total_steps)


def preview_lr(config: dict | None, lr: float, steps: int) -> np.ndarray:
    """The lr the optimizer uses at steps ``0 .. steps-1`` under ``config``, shape ``(steps,)``.

    Runs the real torch scheduler on a probe SGD (:class:`_ProbeSGD`, whose ``step`` does
    nothing) with ``total_steps = steps``: about 2 ms for 1,000 steps.
    """
    steps = _count("steps", steps, minimum=0)
    out = np.empty(steps)
    if steps == 0:
        return out
    optimizer = _ProbeSGD(lr)
    scheduler = build_scheduler(optimizer, config, steps)
    optimizer.step()  # torch warns if a scheduler steps before its optimizer ever did
    group = optimizer.param_groups[0]
    for t in range(steps):
        out[t] = float(group["lr"])
        if t + 1 < steps:
            scheduler.step()
    return out

"""Limits that bound what a scene can ask for: value ranges, and a budget on its cost.

The file limit (``core.scene.MAX_FILE_BYTES``) bounds what is *read*; this module bounds what is
*computed and kept*. Two kinds of limit live here:

* :class:`Range`: the valid values of one number (``momentum`` in [0, 1), ``history_size`` an
  integer in [1, 200], ...). The optimizer and schedule tables (``OPTIMIZER_RANGES`` in
  ``core.optim.factory``, ``SCHEDULE_RANGES`` in ``core.schedules``) are built from it, and
  :func:`number_problem` gives the one wording used for a value that is not a number at all.
* :func:`scene_cost`: an estimate of what computing a scene costs, in recorded memory and in
  compute seconds, which ``core.scene.check_budget`` compares with :data:`MAX_RECORDED_BYTES`
  and :data:`MAX_SECONDS`. The estimate is for the heaviest consumer, ``losslab run``, which
  keeps every record and then turns it into JSON lists.

The cost constants were measured on the development machine (2 shared cores, torch on one
thread, CPU time, float64; see "Limits" in ``docs/scene-format.md`` for how) and rounded up:
the estimate errs on the side of refusing; ``tests/core/test_limits.py`` re-measures a few
scenes and checks that the estimate bounds them. L-BFGS is estimated at its worst case
(every step uses its ``max_eval`` evaluations), which it seldom reaches.

This module is duck-typed over ``core.scene``'s models (it never imports them), so that
``core.scene`` can import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# --- budgets ---------------------------------------------------------------------------------

MAX_RECORDED_BYTES = 2 * 1024**3  # what a scene's runs may record (2 GiB)
MAX_SECONDS = 120.0  # the estimated compute of a whole scene, in seconds of one core

MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes at most 64 bits
MAX_COUNT = 1_000_000_000  # a schedule's step counts (step_size, T_max, ...) beyond any run

# --- the cost model (seconds are CPU seconds of one core; bytes are resident memory) -------------

# Surface runs, per recorded step of a run: the StepRecord and its arrays, the result's lists.
BYTES_PER_STEP = 3_200
# ... and per point per step: positions, loss and gradient as numpy arrays, then as the result's
# Python lists (~380 B) and their JSON text (~160 B). Measured: 610-665 B.
BYTES_PER_POINT_STEP = 640
DATA_BYTES_PER_POINT_STEP = 40  # data surfaces: the test loss at every point and step
# Data surfaces also hold their examples and, while a loss is evaluated, a (points, examples)
# block of at most core.surfaces.data._CHUNK_PAIRS pairs with a few temporaries (~44 MB measured
# at that size).
DATA_BYTES_PER_EXAMPLE = 48
DATA_CHUNK_PAIRS = 1 << 21
DATA_BYTES_PER_PAIR = 32
# ... and, while a run's records are kept, the process grows by about this much per (point,
# example) per step: glibc's heap fragments between the step's large temporaries (the loss over
# every example) and the small arrays each record keeps. Measured 5-6 B (regression, logistic)
# and 9-16 B (two_basins), linear over 4000 steps; none with MALLOC_MMAP_THRESHOLD_=131072
# (which makes data surfaces about 2x slower). See docs/scene-format.md, "Limits".
DATA_HEAP_BYTES_PER_PAIR_STEP = {"regression": 8, "logistic": 8, "two_basins": 16}
SECONDS_PER_STEP = 0.4e-3  # one optimizer step of a run: torch dispatch, records (0.35-0.40 ms)
NEWTON_SECONDS_PER_STEP = 1.2e-3  # Newton's step (Hessians by double backward)
# Per point per step: the engine (~1 us), the result's lists (~2 us) and JSON (~3 us), rounded
# up for a shared machine.
SECONDS_PER_POINT_STEP = 8e-6
SECONDS_PER_POINT_EVAL = 0.1e-6  # loss and gradient of a built-in surface at one point
NEWTON_EVAL_FACTOR = 3  # a Hessian costs about three gradients
FORMULA_SECONDS_PER_CHAR = 2e-9  # a formula's evaluation grows with its length (360 chars: 0.7 us)
BUMP_SECONDS = 0.1e-6  # a drawn surface: per point per bump
EXAMPLE_SECONDS = {"regression": 25e-9, "logistic": 25e-9, "two_basins": 100e-9}  # per example
LBFGS_SECONDS_PER_EVAL = 0.25e-3  # one L-BFGS iteration of one point: its fixed cost ...
LBFGS_SECONDS_PER_HISTORY = 11e-6  # ... plus this per remembered pair (the two-loop recursion)
LBFGS_LINE_SEARCH_EVALS = 25  # strong Wolfe may overrun max_eval by one line search

# Network scenes, per epoch of one training (one fold).
BYTES_PER_EPOCH = 1_500  # the epoch's record and its JSON (measured: 1.1 kB)
NET_SECONDS_PER_EPOCH = 1e-3
NET_SECONDS_PER_BATCH = 0.4e-3  # one optimizer update (measured 0.34-0.36 ms)
NET_SECONDS_PER_EXAMPLE = 0.3e-6
NET_SECONDS_PER_EXAMPLE_PARAM = 0.35e-9  # forward, backward and evaluation
NET_LBFGS_SECONDS_PER_HISTORY_PARAM = 2e-9
NET_BYTES_PER_ACTIVATION = 16  # per example per unit: the activations of a full-batch pass


# --- ranges ----------------------------------------------------------------------------------


def number_problem(value: Any) -> str | None:
    """``None`` for a real number (not a bool), else what it is instead, for a message."""
    kind = type(value)
    if kind is float:
        return None
    if kind is bool:
        return f"not true/false: {value!r}"
    if isinstance(value, str):
        return f"not a string: {value!r}"
    if isinstance(value, int):
        if value.bit_length() > 1023:  # beyond any float
            return f"got an integer of {len(str(abs(value)))} digits (too large)"
        return None
    if not isinstance(value, float):
        return f"got {value!r}"
    return None


def _bound(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Range:
    """The valid values of one number: ``low``/``high`` (``None``: unbounded), each inclusive
    unless ``low_open``/``high_open``; ``integer`` for counts (an integral float such as
    ``50.0`` is accepted, as JSON writers may give one)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        """``an integer in [1, 200]``, ``a number in [0, 1)``, ``a number > 0``, ..."""
        what = "an integer" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{what} in {left}{_bound(self.low)}, {_bound(self.high)}{right}"
        if self.low is not None:
            return f"{what} {'>' if self.low_open else '>='} {_bound(self.low)}"
        if self.high is not None:
            return f"{what} {'<' if self.high_open else '<='} {_bound(self.high)}"
        return what

    def problem(self, value: Any) -> str | None:
        """``None`` when ``value`` is valid, else the reason (without the name)."""
        kind = number_problem(value)
        if kind is not None:
            return f"must be {'an integer' if self.integer else 'a number'}, {kind}"
        if not math.isfinite(value):
            return f"must be finite, got {value!r}"
        if self.integer and value != int(value):
            return f"must be an integer, got {value!r}"
        low, high = self.low, self.high
        if low is not None and (value <= low if self.low_open else value < low):
            sign = ">" if self.low_open else ">="
            return f"must be {sign} {_bound(low)} ({self.describe()}), got {value!r}"
        if high is not None and (value >= high if self.high_open else value > high):
            sign = "<" if self.high_open else "<="
            return f"must be {sign} {_bound(high)} ({self.describe()}), got {value!r}"
        return None

    def check(self, name: str, value: Any) -> None:
        """Raise ``ValueError("NAME must be ...")`` unless ``value`` is in the range."""
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(f"{name} {problem}")


POSITIVE = Range(0, None, low_open=True)
NON_NEGATIVE = Range(0, None)
FRACTION = Range(0, 1, high_open=True)  # [0, 1): momentum, betas, ...
COUNT = Range(1, MAX_COUNT, integer=True)


# --- the cost of a scene -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunCost:
    """The estimated cost of one run (or of a network scene's training)."""

    where: str  # the field path: "runs[2]" or "network"
    recorded_bytes: int
    seconds: float
    what: str  # how it arises, for messages: "100000 points x 101 steps"
    advice: str = "use fewer points or steps"


@dataclass(frozen=True)
class SceneCost:
    runs: tuple[RunCost, ...]

    @property
    def recorded_bytes(self) -> int:
        return sum(run.recorded_bytes for run in self.runs)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)

    def largest(self, key: str) -> RunCost | None:
        """The run that costs most in ``"recorded_bytes"`` or ``"seconds"``."""
        return max(self.runs, key=lambda run: getattr(run, key), default=None)

    def problem(self) -> tuple[str, str] | None:
        """``(path, message)`` when the scene is over a budget, else ``None``."""
        for key, limit, text in (
            ("recorded_bytes", MAX_RECORDED_BYTES, _size),
            ("seconds", MAX_SECONDS, _duration),
        ):
            total = getattr(self, key)
            if total <= limit:
                continue
            run = self.largest(key)
            assert run is not None
            verb = "record" if key == "recorded_bytes" else "compute for"
            mine = text(getattr(run, key))
            if len(self.runs) == 1:
                where = run.where
                message = f"{run.what} would {verb} about {mine} (the limit is {text(limit)})"
            elif getattr(run, key) > limit:
                where = run.where
                message = (
                    f"this run alone would {verb} about {mine} (the limit is {text(limit)} for "
                    f"the whole scene): {run.what}"
                )
            else:
                where = "runs"
                message = (
                    f"the {len(self.runs)} runs would {verb} about {text(total)} (the limit is "
                    f"{text(limit)}); the largest is {run.where}: {run.what}, about {mine}"
                )
            message = f"too much work: {message}; {run.advice}"
            return where, message
        return None

    def describe(self) -> str:
        return f"about {_size(self.recorded_bytes)} recorded, {_duration(self.seconds)} of compute"


def _size(count: float) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{int(count)} bytes"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def _lbfgs_evals(hyper: dict[str, Any], defaults: dict[str, Any]) -> tuple[int, int]:
    """(evaluations per step at most, history size) of an L-BFGS configuration."""
    max_iter = int(hyper.get("max_iter", defaults.get("max_iter", 20)))
    history = int(hyper.get("history_size", defaults.get("history_size", 100)))
    evals = max(1, max_iter * 5 // 4)  # torch's max_eval
    if hyper.get("line_search_fn") == "strong_wolfe":
        evals += LBFGS_LINE_SEARCH_EVALS
    return evals, history


def _surface_costs(surface: Any) -> tuple[float, float, str | None, int, bool]:
    """(seconds per point-evaluation besides the examples, seconds per example, data model,
    examples, whether a test loss is computed) for a validated surface spec."""
    fixed = SECONDS_PER_POINT_EVAL
    formula = getattr(surface, "formula", None)
    if isinstance(formula, str):
        return fixed + FORMULA_SECONDS_PER_CHAR * len(formula), 0.0, None, 0, False
    bumps = getattr(surface, "bumps", None)
    if bumps is not None:
        return fixed + BUMP_SECONDS * len(bumps), 0.0, None, 0, False
    data = getattr(surface, "data", None)
    if data is not None:
        per_example = EXAMPLE_SECONDS.get(data.model, max(EXAMPLE_SECONDS.values()))
        shift = tuple(data.shift or (0.0, 0.0))
        test = any(shift) and data.split != "test"
        return fixed, per_example, data.model, int(data.n), test
    return fixed, 0.0, None, 0, False


def _surface_run_cost(where: str, run: Any, surface: Any, steps: int | None) -> RunCost:
    from core.optim import OPTIMIZER_DEFAULTS

    steps = run.steps if steps is None else steps
    points = len(run.start_points())
    name, hyper = run.optimizer.name, run.optimizer.hyper()
    fixed, per_example, model, examples, test = _surface_costs(surface)
    batch = run.batch_size if model is not None else None
    if batch is not None and batch >= examples:
        batch = None  # the full batch
    full = fixed + per_example * examples  # loss and gradient over every example
    objective = fixed + per_example * batch if batch is not None else full
    step_seconds = SECONDS_PER_STEP
    if name == "lbfgs":
        evals, history = _lbfgs_evals(hyper, OPTIMIZER_DEFAULTS["lbfgs"])
        per_eval = LBFGS_SECONDS_PER_EVAL + history * LBFGS_SECONDS_PER_HISTORY + objective
        per_point = evals * per_eval
        how = f"L-BFGS, up to {evals} evaluations per step"
    elif name == "newton":
        per_point, step_seconds, how = NEWTON_EVAL_FACTOR * objective, NEWTON_SECONDS_PER_STEP, ""
    else:
        per_point, how = (objective if batch is not None else 0.0), ""
    per_point += full + SECONDS_PER_POINT_STEP  # the recorded loss and gradient, the result
    seconds = steps * (step_seconds + points * per_point)
    point_bytes = BYTES_PER_POINT_STEP
    if model is not None:
        point_bytes += DATA_BYTES_PER_POINT_STEP
        how = ", ".join(filter(None, [how, f"{examples} examples"]))
    if test:
        seconds += (steps + 1) * points * full / 2  # the test loss, without gradients
    recorded = (steps + 1) * (BYTES_PER_STEP + points * point_bytes)
    if model is not None:
        pairs = min(DATA_CHUNK_PAIRS, max(points, (steps + 1) * points * test) * examples)
        recorded += examples * DATA_BYTES_PER_EXAMPLE + pairs * DATA_BYTES_PER_PAIR
        heap = DATA_HEAP_BYTES_PER_PAIR_STEP.get(model, max(DATA_HEAP_BYTES_PER_PAIR_STEP.values()))
        recorded += steps * points * examples * heap
    what = f"{points} point{'s' * (points != 1)} x {steps} steps" + (f" ({how})" if how else "")
    advice = "use fewer points or steps" + (
        ", fewer examples or a larger batch" if model is not None else ""
    )
    return RunCost(where, recorded, seconds, what, advice)


_INPUTS = {"digits": 64, "sine": 1, "sinc": 1}  # the others are 2D points


def network_parameters(input_dim: int, output_dim: int, hidden, batch_norm: bool) -> int:
    """Trainable parameters of ``core.nets.models.build_model``'s MLP (without building it)."""
    sizes = [input_dim, *hidden, output_dim]
    count = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if batch_norm:
        count += 2 * sum(hidden)
    return count


def _compiled_seconds(network: Any, epochs: int) -> float | None:
    """The training's seconds on the compiled epoch (``core.nets.compiled``: what the Network
    Lab and ``losslab run`` use where it pays, on the CPU), or None where it is not counted so:
    a race or k folds (trained together by torch) or a setting the kernel does not cover. On a
    GPU (asked for by name) the same training takes torch's update: longer than counted here."""
    from core.nets.compiled import compiled_training_seconds
    from core.nets.spec import setup_from_spec

    setup = setup_from_spec(network)
    if setup.race or setup.kfold:
        return None
    return compiled_training_seconds(setup.model, setup.train, setup.dataset(), epochs)


def _network_cost(network: Any, epochs: int | None) -> RunCost:
    from core.nets.datasets import check_dataset, class_count
    from core.optim import OPTIMIZER_DEFAULTS

    dataset, model, training = network.dataset, network.model, network.training
    size, _ = check_dataset(dataset.name, dataset.size, dataset.noise, dataset.val_fraction)
    epochs = training.epochs if epochs is None else epochs
    input_dim = _INPUTS.get(dataset.name, 2)
    output_dim = class_count(dataset.name, dataset.classes) or 1  # 1: regression
    params = network_parameters(input_dim, output_dim, model.hidden, model.batch_norm)
    train = max(1, round(size * (1 - dataset.val_fraction)))
    batch = training.batch_size if 0 < training.batch_size < train else train
    batches = math.ceil(train / batch)
    per_example = NET_SECONDS_PER_EXAMPLE + params * NET_SECONDS_PER_EXAMPLE_PARAM
    epoch = NET_SECONDS_PER_EPOCH + batches * NET_SECONDS_PER_BATCH + size * per_example
    optimizer = training.optimizer
    working = size * (input_dim + sum(model.hidden) + output_dim) * NET_BYTES_PER_ACTIVATION
    how = f"{size} examples, {params} parameters, {batches} batch{'es' * (batches != 1)}"
    if optimizer.name == "lbfgs":
        evals, history = _lbfgs_evals(optimizer.hyper(), OPTIMIZER_DEFAULTS["lbfgs"])
        per_history = LBFGS_SECONDS_PER_HISTORY + params * NET_LBFGS_SECONDS_PER_HISTORY_PARAM
        per_eval = LBFGS_SECONDS_PER_EVAL + history * per_history + batch * per_example
        epoch += batches * evals * per_eval
        working += history * 2 * params * 4
        how += f", L-BFGS up to {evals} evaluations per batch"
    folds = training.kfold or 1
    seconds = folds * (epochs * epoch + size * per_example)
    compiled = _compiled_seconds(network, epochs)
    if training.average is not None:  # the averaged model evaluated after every epoch
        average = epochs * (NET_SECONDS_PER_EPOCH + size * per_example)
        seconds, compiled = seconds + average, None if compiled is None else compiled + average
    if compiled is not None and compiled < seconds:
        seconds, how = compiled, how + ", compiled"
    recorded = folds * (epochs + 1) * BYTES_PER_EPOCH + working
    what = f"{epochs} epochs" + (f" x {folds} folds" if folds > 1 else "") + f" ({how})"
    advice = "use fewer epochs or folds, fewer examples, larger batches or a smaller model"
    return RunCost("network", recorded, seconds, what, advice)


def scene_cost(scene: Any, steps: int | None = None) -> SceneCost:
    """The estimated cost of computing a validated ``core.scene.Scene``.

    ``steps`` overrides every run's steps (a network scene's epochs), as ``losslab run --steps``
    does. Per run: recorded bytes ``(steps + 1) * (BYTES_PER_STEP + points * bytes per point)``
    and seconds ``steps * (per-step cost + points * per point-step cost)``, where a point-step
    costs the recorded full-batch loss and gradient (every example of a data surface), the
    optimizer's own evaluations (a minibatch; L-BFGS's ``max_eval`` line-search evaluations;
    Newton's Hessian) and the result. A network scene: ``folds * epochs * (examples *
    parameters + batches)`` terms.
    """
    if getattr(scene, "network", None) is not None:
        return SceneCost((_network_cost(scene.network, steps),))
    runs = tuple(
        _surface_run_cost(f"runs[{index}]", run, scene.surface, steps)
        for index, run in enumerate(scene.runs)
    )
    return SceneCost(runs)

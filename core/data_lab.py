"""The Data & batches page's domain, Qt-free: its side-by-side comparisons and settings.

:data:`PRESETS` (each comparison's model and starting run), :func:`preset_settings` (what
choosing one sets in the page's ``LabModel.settings``), :func:`comparison_configs` /
:func:`settings_configs` (the two panels' surface configs), :func:`settings_run_config`,
:func:`comparison_run_sides`, :func:`records_with_test_loss` (a run's records with the test loss
at each step), :class:`RunHistory` (one run's rows) and the gradient arrows' geometry
(:func:`arrow_references`, :func:`arrow_tips`, :func:`gradient_angle`), and the cloud of
minibatch gradients at the current point with its noise scale (:func:`gradient_cloud`,
:func:`cloud_tips`, :func:`ellipse_points`; the sampling itself is :mod:`core.noise_scale`).
The page's one-click experiments (batch size, timing) are in :mod:`core.experiments`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from core.engine import PointRun, RunConfig
from core.experiments import BATCH_SIZES
from core.lab import TrajectoryStore
from core.noise_scale import (
    NoiseScale,
    minibatch_covariance,
    minibatch_gradients,
    noise_scale,
    surface_per_example_gradients,
)
from core.surfaces.base import Surface

__all__ = [
    "ARROW_FADE",
    "ARROW_MAX",
    "ARROW_SPAN",
    "CLOUD_COUNT",
    "CLOUD_SEED",
    "COMPARISONS",
    "DATA_SETTINGS",
    "DEFAULT_SETTINGS",
    "EXPERIMENT_SEEDS",
    "PRESETS",
    "RUN_SETTINGS",
    "GradientCloud",
    "RunHistory",
    "arrow_references",
    "arrow_scale",
    "arrow_tips",
    "chosen_batch_size",
    "cloud_tips",
    "comparison_configs",
    "comparison_fields",
    "comparison_run_sides",
    "compact_number",
    "ellipse_points",
    "experiment_batch_sizes",
    "gradient_angle",
    "gradient_cloud",
    "panel_titles",
    "positive",
    "preset_settings",
    "records_with_test_loss",
    "run_info",
    "settings_configs",
    "settings_run_config",
    "shares_start",
    "step_gradients",
]


# --- the Data & batches page's comparisons ---------------------------------------------------

# Each comparison: the model, the two panels' settings, and a starting optimizer that shows it.
PRESETS: dict[str, dict[str, Any]] = {
    "normalization": {
        "model": "regression",
        "optimizer": {"name": "sgd", "lr": 0.1},
        "steps": 150,
        "batch_size": None,
        "scales": (0.3, 3.0),
    },
    "loss": {
        "model": "logistic",
        "optimizer": {"name": "sgd", "lr": 1.0},
        "steps": 200,
        "batch_size": None,
        "scales": (1.0, 1.0),
    },
    "generalization": {
        "model": "two_basins",
        "optimizer": {"name": "sgd", "lr": 0.1},
        "steps": 300,
        "batch_size": 1,
        "scales": (1.0, 1.0),
    },
}
COMPARISONS: tuple[str, ...] = tuple(PRESETS)
_SIDES = ("left", "right")


def comparison_configs(
    key: str,
    *,
    n: int,
    seed: int,
    scales: Sequence[float] = (1.0, 1.0),
    noise: float = 1.4,
    shift: Sequence[float] = (0.4, -0.4),
) -> dict[str, dict[str, Any]]:
    """The two panels' surface configs (``make_surface``'s ``{"data": ...}``) of comparison
    ``key``: raw vs normalized features (``normalization``), MSE vs cross-entropy (``loss``), or
    the train loss vs the test loss shifted by ``shift`` (``generalization``). ``scales`` are
    the raw features' standard deviations, ``noise`` the spread of the two-basin examples."""
    base: dict[str, Any] = {"n": n, "seed": seed}
    if key == "normalization":
        left = {**base, "model": "regression", "scales": list(scales), "normalize": False}
        right = {**left, "normalize": True}
    elif key == "loss":
        left = {**base, "model": "logistic", "scales": list(scales), "loss": "mse"}
        right = {**left, "loss": "cross_entropy"}
    elif key == "generalization":
        left = {**base, "model": "two_basins", "noise": noise, "shift": list(shift)}
        right = {**left, "split": "test"}
    else:
        raise ValueError(f"unknown comparison {key!r}; valid: {', '.join(COMPARISONS)}")
    return {"left": {"data": left}, "right": {"data": right}}


def comparison_run_sides(key: str) -> tuple[str, ...]:
    """Which panels have their own run: train vs test is one run drawn on both surfaces."""
    return ("left",) if key == "generalization" else _SIDES


def records_with_test_loss(run: PointRun, test: Surface | None) -> Iterator[tuple[Any, float]]:
    """``(record, test loss)`` for every record of ``run``: the loss of ``test`` at the record's
    first point (NaN without a ``test`` surface)."""
    for record in run.records():
        test_loss = float("nan")
        if test is not None:
            with torch.no_grad():
                test_loss = float(test(torch.as_tensor(record.positions))[0])
        yield record, test_loss


# --- the page's settings (LabModel.settings of kind "data") ----------------------------------

#: Settings that change the surfaces (both are rebuilt, the starts reset, the runs rerun).
DATA_SETTINGS = frozenset({"comparison", "n_examples", "data_seed", "scales", "noise", "shift"})
#: Settings that only rerun the runs on the surfaces already built.
RUN_SETTINGS = frozenset({"batch_size", "full_batch", "shuffle_seed", "run", "starts"})
#: Shuffle seeds of the page's batch-size experiment.
EXPERIMENT_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: What the page starts with before a preset fills the rest.
DEFAULT_SETTINGS: dict[str, Any] = {
    "n_examples": 200,
    "data_seed": 0,
    "noise": 1.4,
    "shift": [0.4, -0.4],
    "batch_size": 16,
    "shuffle_seed": 0,
    "x_axis": "steps",
}


def preset_settings(key: str) -> dict[str, Any]:
    """What choosing comparison ``key`` writes into the settings: the comparison, its feature
    scales, batch size, optimizer run and no moved starts. A preset of the full batch leaves
    ``batch_size`` as it was, so unticking "full batch" returns to it."""
    if key not in PRESETS:
        raise ValueError(f"unknown comparison {key!r}; valid: {', '.join(COMPARISONS)}")
    preset = PRESETS[key]
    settings: dict[str, Any] = {
        "comparison": key,
        "scales": [float(s) for s in preset["scales"]],
        "full_batch": preset["batch_size"] is None,
        "run": {"optimizer": dict(preset["optimizer"]), "schedule": None, "steps": preset["steps"]},
        "starts": {},
    }
    if preset["batch_size"] is not None:
        settings["batch_size"] = preset["batch_size"]
    return settings


def comparison_fields(key: str) -> frozenset[str]:
    """The dataset settings comparison ``key`` uses (the page shows only their rows)."""
    model = PRESETS[key]["model"]
    fields = {"n_examples", "data_seed"}
    if model in ("regression", "logistic"):
        fields.add("scales")
    if model == "two_basins":
        fields.add("noise")
    if key == "generalization":
        fields.add("shift")
    return frozenset(fields)


def shares_start(key: str) -> bool:
    """Whether both panels start from one point (they show one window): all but the raw vs
    normalized features, whose windows differ."""
    return key != "normalization"


def settings_configs(settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """:func:`comparison_configs` from the page's settings."""
    return comparison_configs(
        settings["comparison"],
        n=int(settings["n_examples"]),
        seed=int(settings["data_seed"]),
        scales=tuple(settings["scales"]),
        noise=float(settings["noise"]),
        shift=tuple(settings["shift"]),
    )


def chosen_batch_size(settings: dict[str, Any]) -> int | None:
    """The batch size of every update; None = the full batch."""
    return None if settings.get("full_batch") else int(settings["batch_size"])


def settings_run_config(settings: dict[str, Any], start: Sequence[float]) -> RunConfig:
    """The engine's config of one panel's run from ``start`` (optimizer, steps, schedule,
    batch size and shuffle seed from the settings)."""
    run = settings["run"]
    optimizer = dict(run["optimizer"])
    name = optimizer.pop("name")
    return RunConfig(
        name,
        optimizer,
        [tuple(start)],
        int(run["steps"]),
        run.get("schedule"),
        batch_size=chosen_batch_size(settings),
        seed=int(settings["shuffle_seed"]),
    )


def experiment_batch_sizes(n_examples: int) -> list[int | None]:
    """The batch-size experiment's sizes for ``n_examples`` examples: those of
    :data:`BATCH_SIZES` below N, then the full batch."""
    return [b for b in BATCH_SIZES if b is None or b < n_examples]


def panel_titles(settings: dict[str, Any]) -> dict[str, tuple[str, tuple[float, ...]]]:
    """Each panel's title as ``(kind, numbers)``; the view translates the whole sentence of
    ``kind`` ("raw", "normalized", "mse", "cross_entropy", "train", "test") with the numbers
    (the raw features' scales) in it, so no title is glued from translated and untranslated
    parts."""
    key = settings["comparison"]
    if key == "normalization":
        scales = tuple(float(s) for s in settings["scales"])
        return {"left": ("raw", scales), "right": ("normalized", ())}
    if key == "loss":
        return {"left": ("mse", ()), "right": ("cross_entropy", ())}
    return {"left": ("train", ()), "right": ("test", ())}


class RunHistory:
    """One run's rows; row t is step t. ``used[t]`` is the minibatch gradient of the update
    that produced row t (so at step t the next update's direction is ``used[t + 1]``)."""

    def __init__(self, steps: int) -> None:
        # The rows live in a TrajectoryStore reserved once for the run's length; the properties
        # below are its whole columns (rows past ``count`` are NaN).
        self.store = TrajectoryStore(
            {
                "positions": ((2,), float),
                "loss": ((), float),
                "test_loss": ((), float),
                "grad": ((2,), float),
                "used": ((2,), float),
                "epoch": ((), float),
            }
        )
        self.store.reserve(steps + 1, exact=True)
        self.updates_per_epoch = 1
        self.batch_size: int | None = None
        self.notes: list[str] = []
        self.done = False

    count = property(lambda self: len(self.store))
    positions = property(lambda self: self.store.buffer("positions"))
    loss = property(lambda self: self.store.buffer("loss"))
    test_loss = property(lambda self: self.store.buffer("test_loss"))
    grad = property(lambda self: self.store.buffer("grad"))
    used = property(lambda self: self.store.buffer("used"))
    epoch = property(lambda self: self.store.buffer("epoch"))

    def set_info(self, info: dict[str, Any]) -> None:
        """The engine's facts about the run: updates per epoch, batch size used, notes."""
        self.updates_per_epoch = info["updates_per_epoch"]
        self.batch_size = info["batch_size"]
        self.notes = list(info["notes"])

    def add(self, record: Any, test_loss: float) -> None:
        """Row ``record.step`` from an engine record (point 0) and its test loss."""
        t = record.step
        if t >= self.store.capacity:
            return
        if t > len(self.store):  # a gap (never expected): its rows read as missing
            self.store.append({"loss": np.full(t - len(self.store), np.nan)})
        row = {
            "positions": [record.positions[0]],
            "loss": [record.loss[0]],
            "grad": [record.grad[0]],
            "test_loss": [test_loss],
            "epoch": [record.epoch],
        }
        if "grad" in record.state:
            row["used"] = [record.state["grad"][0]]
        self.store.write(t, row)

    def last_row(self, step: int) -> int:
        """The row shown at ``step``: the step itself, or the last recorded one (-1: none)."""
        return min(step, self.count - 1)


def run_info(run: PointRun) -> dict[str, Any]:
    """What :meth:`RunHistory.set_info` needs from the engine."""
    return {
        "notes": list(run.notes),
        "updates_per_epoch": run.updates_per_epoch,
        "batch_size": run.batch_size,
    }


# --- the gradient arrows at the current step --------------------------------------------------

#: The full-batch arrow's length, as a fraction of the map's width ...
ARROW_SPAN = 0.16
#: ... until its gradient falls below this fraction of the start's: then it shrinks.
ARROW_FADE = 0.05
#: Longer arrows (a noisy minibatch) are cut at this fraction of the map's width.
ARROW_MAX = 0.45


def step_gradients(history: RunHistory, row: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The full-batch gradient at ``row`` and the minibatch one its next update used (None for a
    full-batch run or at the last recorded row)."""
    used = history.used[row + 1] if row + 1 < history.count else None
    return history.grad[row], used if history.batch_size is not None else None


def arrow_references(histories: dict[str, RunHistory], step: int, key: str) -> dict[str, float]:
    """The gradient norm drawn ``ARROW_SPAN`` long, per panel: the current full-batch gradient,
    so the two arrows compare in direction and relative size; near a minimum (below
    ``ARROW_FADE`` of the start's gradient) the arrows shrink instead. MSE vs cross-entropy
    share one reference (one window), so MSE's tiny gradient shows next to cross-entropy's.
    0 where nothing can be drawn."""
    references = dict.fromkeys(_SIDES, 0.0)
    for side, history in histories.items():
        if not history.count:
            continue
        full, used = step_gradients(history, history.last_row(step))
        reference = max(
            float(np.linalg.norm(full)), ARROW_FADE * float(np.linalg.norm(history.grad[0]))
        )
        if not (np.isfinite(reference) and reference > 0) and used is not None:
            reference = float(np.linalg.norm(used))  # started exactly at a critical point
        references[side] = reference if np.isfinite(reference) else 0.0
    if key == "loss":
        references = dict.fromkeys(_SIDES, max(references.values()))
    return references


def arrow_tips(
    point: np.ndarray,
    gradients: Sequence[np.ndarray],
    reference: float,
    x_range: Sequence[float],
) -> list[np.ndarray] | None:
    """Where each ``-gradient`` arrow from ``point`` ends: ``reference`` is drawn
    ``ARROW_SPAN`` of the window's width long, and no arrow is longer than ``ARROW_MAX`` of
    it. None when the reference is not a positive number (nothing to draw)."""
    scale = arrow_scale(reference, x_range)
    if scale is None:
        return None
    cap = ARROW_MAX * (float(x_range[1]) - float(x_range[0]))
    tips = []
    for gradient in gradients:
        step = -scale * np.asarray(gradient, dtype=float)
        length = float(np.linalg.norm(step))
        tips.append(
            np.asarray(point, dtype=float) + (step * cap / length if length > cap else step)
        )
    return tips


def arrow_scale(reference: float, x_range: Sequence[float]) -> float | None:
    """Map units per gradient unit: ``reference`` drawn ``ARROW_SPAN`` of the window's width
    long (None when the reference is not a positive number)."""
    if not (np.isfinite(reference) and reference > 0):
        return None
    return ARROW_SPAN * (float(x_range[1]) - float(x_range[0])) / reference


def gradient_angle(full: np.ndarray, used: np.ndarray) -> float:
    """The angle in degrees between the full-batch and the minibatch gradient (atan2 of the
    cross and dot products: exact near 0° and 180°, where acos loses digits)."""
    cross = float(full[0] * used[1] - full[1] * used[0])
    return math.degrees(math.atan2(abs(cross), float(np.dot(full, used))))


def positive(values: np.ndarray) -> np.ndarray:
    """Values for a logarithmic loss axis: a loss that is not positive becomes a gap (NaN)."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


# --- the cloud of minibatch gradients at the current point -----------------------------------

#: Minibatches drawn for the cloud, and the seed that draws them (the same cloud every time).
CLOUD_COUNT = 200
CLOUD_SEED = 0
#: The cloud's ellipse: this many standard deviations of the minibatch gradient.
ELLIPSE_SIGMAS = 2.0


@dataclass(frozen=True)
class GradientCloud:
    """The minibatch gradients of ``batch_size`` examples at ``point`` (the page's cloud)."""

    point: tuple[float, float]
    batch_size: int  # the examples per minibatch (N: the full batch, no spread)
    full: np.ndarray  # the full-batch gradient, (2,)
    cloud: np.ndarray  # (count, 2): one minibatch gradient per row
    covariance: np.ndarray  # (2, 2): the exact covariance of a minibatch gradient
    noise: NoiseScale  # B_simple at the point


def gradient_cloud(
    surface: Any,
    point: Sequence[float],
    batch_size: int | None,
    *,
    count: int = CLOUD_COUNT,
    seed: int = CLOUD_SEED,
) -> GradientCloud:
    """The cloud at ``point`` of a data surface: ``count`` minibatches of ``batch_size``
    examples (None or more than N: the full batch) drawn without replacement as training draws
    them, their exact covariance ``Sigma / B * (N - B) / (N - 1)`` and the noise scale, all
    from one pass of per-example gradients (:mod:`core.noise_scale`)."""
    per_example = surface_per_example_gradients(surface, point)
    n = len(per_example)
    size = n if batch_size is None else min(int(batch_size), n)
    cloud = minibatch_gradients(per_example, size, count, seed=seed)
    return GradientCloud(
        point=(float(point[0]), float(point[1])),
        batch_size=size,
        full=per_example.mean(0).numpy(),
        cloud=cloud.numpy(),
        covariance=minibatch_covariance(per_example, size).numpy(),
        noise=noise_scale(per_example),
    )


def cloud_tips(
    point: Sequence[float], gradients: np.ndarray, reference: float, x_range: Sequence[float]
) -> np.ndarray:
    """``(k, 2)``: where each ``-gradient`` step from ``point`` lands at the arrows' scale
    (:func:`arrow_scale`; not cut at ``ARROW_MAX``: the cloud's shape is the point). Empty when
    nothing can be drawn."""
    scale = arrow_scale(reference, x_range)
    if scale is None:
        return np.empty((0, 2))
    return np.asarray(point, dtype=float) - scale * np.asarray(gradients, dtype=float)


def compact_number(value: float) -> str:
    """A noise scale or batch size as read: 3 significant digits, whole numbers from 100 to a
    million, powers of ten beyond (near a minimum the gradient vanishes and B_simple explodes:
    4.19e+25, not 26 digits), ∞ at a critical point (no gradient)."""
    if not math.isfinite(value):
        return "∞"
    return f"{value:.0f}" if 100 <= value < 1e6 else f"{value:.3g}"


def ellipse_points(
    centre: Sequence[float],
    covariance: np.ndarray,
    scale: float,
    *,
    sigmas: float = ELLIPSE_SIGMAS,
    count: int = 64,
) -> np.ndarray:
    """``(count + 1, 2)``, closed: the ``sigmas``-standard-deviation ellipse of a 2D Gaussian
    with ``covariance`` (in gradient units) around ``centre``, drawn ``scale`` map units per
    gradient unit (the step ``-scale * g`` has covariance ``scale^2 * covariance``)."""
    values, vectors = np.linalg.eigh(np.asarray(covariance, dtype=float))
    radii = np.sqrt(np.clip(values, 0.0, None)) * sigmas * abs(scale)
    angles = np.linspace(0.0, 2.0 * math.pi, count + 1)
    circle = np.stack([np.cos(angles), np.sin(angles)], 1)
    return np.asarray(centre, dtype=float) + (circle * radii) @ vectors.T

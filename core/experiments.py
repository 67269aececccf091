"""One-click experiments that run many trainings: the lecture's batch-size table and timing figure.

Both are generators that yield one plain dict (a row) at a time, so a GUI worker can show
progress and stop between rows; neither knows about threads.

- :func:`batch_size_experiment`: for each batch size and seed, train on a data surface from the
  same start and report the final train loss, the final test loss (on the shifted surface) and
  the sharpness (largest Hessian eigenvalue of the full-batch train loss) at the end. Small
  batches end in flatter minima with lower test loss (notes 003).
- :func:`timing_experiment`: the time of one update and of one epoch against batch size for a
  wide MLP on a synthetic dataset, on the current device. On a GPU the update time is nearly flat
  up to large batches (parallelism), so an epoch gets much faster with bigger batches; on a CPU
  the update time grows with the batch.

The Data & batches page's side-by-side comparisons live here too, Qt-free: :data:`PRESETS`
(each comparison's model and starting run), :func:`preset_settings` (what choosing one sets in
the page's ``LabModel.settings``), :func:`comparison_configs` / :func:`settings_configs` (the two
panels' surface configs), :func:`settings_run_config`, :func:`comparison_run_sides`,
:func:`records_with_test_loss` (a run's records with the test loss at each step),
:class:`RunHistory` (one run's rows) and the gradient arrows' geometry
(:func:`arrow_references`, :func:`arrow_tips`, :func:`gradient_angle`).

``python -m core.experiments`` prints both tables.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch

from core.device import describe_device, resolve_device
from core.engine import PointRun, RunConfig
from core.lab import TrajectoryStore
from core.surfaces.base import Surface
from core.surfaces.data import DataSurface, hessian_at

__all__ = [
    "BATCH_SIZES",
    "COMPARISONS",
    "DATA_SETTINGS",
    "DEFAULT_SETTINGS",
    "EXPERIMENT_SEEDS",
    "PRESETS",
    "RUN_SETTINGS",
    "ARROW_FADE",
    "ARROW_MAX",
    "ARROW_SPAN",
    "TIMING_BATCH_SIZES",
    "TIMING_SIZES",
    "RunHistory",
    "run_info",
    "arrow_references",
    "arrow_tips",
    "batch_label",
    "batch_size_experiment",
    "chosen_batch_size",
    "comparison_configs",
    "comparison_fields",
    "comparison_run_sides",
    "experiment_batch_sizes",
    "gradient_angle",
    "panel_titles",
    "positive",
    "preset_settings",
    "records_with_test_loss",
    "settings_configs",
    "settings_run_config",
    "shares_start",
    "step_gradients",
    "summarize",
    "timing_experiment",
]

#: The lecture's comparison: small, medium and large minibatches and the full batch (None).
BATCH_SIZES: tuple[int | None, ...] = (1, 8, 64, None)
#: Batch sizes of the timing experiment (those above the dataset size are left out).
TIMING_BATCH_SIZES = (1, 4, 16, 64, 256, 1024, 4096, 16384)
#: Model and dataset of the timing experiment per device type: a GPU needs a big model and
#: dataset before its update time stops being flat; a CPU (one thread in the GUI's worker) would
#: take minutes on those.
TIMING_SIZES: dict[str, dict[str, int]] = {
    "cuda": {"n_examples": 60_000, "features": 784, "width": 2048, "depth": 3, "classes": 10},
    "cpu": {"n_examples": 8_192, "features": 256, "width": 512, "depth": 2, "classes": 10},
}


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
    if not (np.isfinite(reference) and reference > 0):
        return None
    width = float(x_range[1]) - float(x_range[0])
    scale = ARROW_SPAN * width / reference
    cap = ARROW_MAX * width
    tips = []
    for gradient in gradients:
        step = -scale * np.asarray(gradient, dtype=float)
        length = float(np.linalg.norm(step))
        tips.append(
            np.asarray(point, dtype=float) + (step * cap / length if length > cap else step)
        )
    return tips


def gradient_angle(full: np.ndarray, used: np.ndarray) -> float:
    """The angle in degrees between the full-batch and the minibatch gradient (atan2 of the
    cross and dot products: exact near 0° and 180°, where acos loses digits)."""
    cross = float(full[0] * used[1] - full[1] * used[0])
    return math.degrees(math.atan2(abs(cross), float(np.dot(full, used))))


def positive(values: np.ndarray) -> np.ndarray:
    """Values for a logarithmic loss axis: a loss that is not positive becomes a gap (NaN)."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def batch_label(batch_size: int | None) -> str:
    return "full" if batch_size is None else str(batch_size)


def _final_row(
    train: DataSurface, test: Surface, run: PointRun, last, batch_size, seed
) -> dict[str, Any]:
    final = last.positions[0].astype(np.float64)
    with torch.no_grad():
        test_loss = float(test(torch.as_tensor(final[None]))[0])
    sharpness = float(np.linalg.eigvalsh(hessian_at(train, final)).max())
    return {
        "batch_size": batch_size,
        "label": batch_label(batch_size),
        "seed": seed,
        "train_loss": float(last.loss[0]),
        "test_loss": test_loss,
        "sharpness": sharpness,
        "final": final.tolist(),
        "steps": last.step,
        "epochs": float(last.epoch),
        "diverged": bool(last.diverged[0]),
        "notes": list(run.notes),
    }


def batch_size_experiment(
    train: DataSurface,
    *,
    test: Surface | None = None,
    optimizer: dict[str, Any] | None = None,
    schedule: dict[str, Any] | None = None,
    steps: int = 300,
    start: Sequence[float] | None = None,
    batch_sizes: Sequence[int | None] = BATCH_SIZES,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    dtype: torch.dtype = torch.float64,
) -> Iterator[dict[str, Any]]:
    """Yield one row per (batch size, seed), batch size by batch size.

    Every run starts at ``start`` (default: ``train.default_start``) with the same optimizer
    (default SGD, lr 0.1) for ``steps`` updates; the seed shuffles the examples. A batch size
    of ``None`` or ``>= N`` is the full batch (no randomness: it is computed once and repeated
    for every seed). ``test`` defaults to ``train.shifted()``.

    A row: ``batch_size`` (None = full), ``label``, ``seed``, ``train_loss``, ``test_loss``,
    ``sharpness`` (largest eigenvalue of the train loss's Hessian at the end), ``final`` point,
    ``steps``, ``epochs``, ``diverged``, ``notes``.
    """
    if not isinstance(train, DataSurface):
        raise ValueError("the batch-size experiment needs a surface made of examples (data)")
    if not seeds:
        raise ValueError("the batch-size experiment needs at least one seed")
    optimizer = dict(optimizer or {"name": "sgd", "lr": 0.1})
    name = optimizer.pop("name")
    test = train.shifted() if test is None else test
    start = tuple(train.default_start if start is None else start)
    for batch_size in batch_sizes:
        full = batch_size is None or batch_size >= train.n_examples
        cached: dict[str, Any] | None = None
        for seed in seeds:
            if full and cached is not None:
                yield {**cached, "seed": seed}
                continue
            config = RunConfig(
                name, optimizer, [start], steps, schedule, batch_size=batch_size, seed=seed
            )
            run = PointRun(train, config, dtype=dtype, record_state=False)
            *_, last = run.records()
            row = _final_row(train, test, run, last, None if full else batch_size, seed)
            if full:
                cached = row
            yield row


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and standard deviation over seeds per batch size, in the rows' order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["label"], []).append(row)
    summary = []
    for label, group in groups.items():
        entry: dict[str, Any] = {"label": label, "batch_size": group[0]["batch_size"]}
        entry["runs"] = len(group)
        for key in ("train_loss", "test_loss", "sharpness"):
            values = np.array([r[key] for r in group], dtype=float)
            entry[key] = float(values.mean())
            entry[f"{key}_std"] = float(values.std())
        summary.append(entry)
    return summary


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def _mlp(features: int, width: int, depth: int, classes: int) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    size = features
    for _ in range(depth):
        layers += [torch.nn.Linear(size, width), torch.nn.ReLU()]
        size = width
    layers.append(torch.nn.Linear(size, classes))
    return torch.nn.Sequential(*layers)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timing_experiment(
    batch_sizes: Sequence[int] = TIMING_BATCH_SIZES,
    *,
    device: str | torch.device = "auto",
    n_examples: int | None = None,
    features: int | None = None,
    width: int | None = None,
    depth: int | None = None,
    classes: int | None = None,
    min_seconds: float = 0.2,
    max_repeats: int = 50,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """Yield one row per batch size: the time of one SGD update and of one epoch.

    An update is forward, cross-entropy, backward and ``optimizer.step()`` of an MLP (``depth``
    hidden layers of ``width`` ReLU units) on a random minibatch of a synthetic dataset already
    on the device. The update time is the mean over repeats (at least 2, until ``min_seconds``)
    after two warm-up updates, with ``torch.cuda.synchronize`` before and after on a GPU; the
    epoch time is the update time times ``ceil(N / batch size)`` updates (estimated, not run).
    Sizes left as None come from :data:`TIMING_SIZES` for the device type. Batch sizes above N
    are left out.

    A row: ``batch_size``, ``update_s``, ``epoch_s``, ``updates_per_epoch``, ``repeats``,
    ``device`` (a description), ``threads`` (CPU threads torch used), ``n_examples``.
    """
    torch_device = resolve_device(device) if isinstance(device, str) else torch.device(device)
    sizes = dict(TIMING_SIZES["cuda" if torch_device.type == "cuda" else "cpu"])
    given = {
        "n_examples": n_examples,
        "features": features,
        "width": width,
        "depth": depth,
        "classes": classes,
    }
    sizes.update({key: int(value) for key, value in given.items() if value is not None})
    if min(sizes.values()) < 1:
        raise ValueError(f"timing sizes must all be >= 1, got {sizes}")
    wanted = sorted({int(b) for b in batch_sizes if 1 <= int(b) <= sizes["n_examples"]})
    if not wanted:
        raise ValueError(f"no batch size between 1 and the {sizes['n_examples']} examples")
    generator = torch.Generator().manual_seed(seed)
    n = sizes["n_examples"]
    inputs = torch.randn(n, sizes["features"], generator=generator).to(torch_device)
    labels = torch.randint(sizes["classes"], (n,), generator=generator).to(torch_device)
    torch.manual_seed(seed)
    model = _mlp(sizes["features"], sizes["width"], sizes["depth"], sizes["classes"])
    model = model.to(torch_device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def update(batch: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(inputs[batch]), labels[batch]).backward()
        optimizer.step()

    description = describe_device(torch_device)
    for batch_size in wanted:
        batch = torch.randperm(n, generator=generator)[:batch_size].to(torch_device)
        for _ in range(2):  # warm-up: allocator, kernels, caches
            update(batch)
        _synchronize(torch_device)
        repeats, begin = 0, time.perf_counter()
        while repeats < 2 or (repeats < max_repeats and time.perf_counter() - begin < min_seconds):
            update(batch)
            repeats += 1
            if torch_device.type == "cuda" and repeats % 8 == 0:
                _synchronize(torch_device)  # keep the clock honest about queued work
        _synchronize(torch_device)
        seconds = (time.perf_counter() - begin) / repeats
        per_epoch = math.ceil(n / batch_size)
        yield {
            "batch_size": batch_size,
            "update_s": seconds,
            "epoch_s": seconds * per_epoch,
            "updates_per_epoch": per_epoch,
            "repeats": repeats,
            "device": description,
            "threads": torch.get_num_threads(),
            "n_examples": n,
        }


def _main() -> None:
    from core.surfaces.data import data_surface

    surface = data_surface("two_basins", shift=(0.4, -0.4))
    print("batch-size experiment: two_basins data surface, SGD lr 0.1, 300 updates, 5 seeds")
    print(f"{'batch':>6} {'train loss':>11} {'test loss':>10} {'sharpness':>10}")
    rows = list(batch_size_experiment(surface))
    for entry in summarize(rows):
        print(
            f"{entry['label']:>6} {entry['train_loss']:11.4f} {entry['test_loss']:10.4f} "
            f"{entry['sharpness']:10.3f}"
        )
    print("timing experiment (update = forward + backward + SGD step of an MLP)")
    print(f"{'batch':>6} {'update ms':>10} {'epoch s':>9}  device")
    for row in timing_experiment():
        print(
            f"{row['batch_size']:>6} {row['update_s'] * 1e3:10.3f} {row['epoch_s']:9.3f}  "
            f"{row['device']} ({row['threads']} CPU threads, N = {row['n_examples']})"
        )


if __name__ == "__main__":
    _main()

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

The Data & batches page's comparisons and settings are in :mod:`core.data_lab`.

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
from core.noise_scale import surface_noise_scale
from core.surfaces.base import Surface
from core.surfaces.data import DataSurface, hessian_at

__all__ = [
    "BATCH_SIZES",
    "REACH_FRACTION",
    "TIMING_BATCH_SIZES",
    "TIMING_SIZES",
    "batch_axis_position",
    "batch_label",
    "batch_size_experiment",
    "compare_batches",
    "knee_batch_size",
    "run_diverged",
    "summarize",
    "timing_experiment",
    "updates_to_reach",
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


def batch_label(batch_size: int | None) -> str:
    return "full" if batch_size is None else str(batch_size)


def _final_row(
    train: DataSurface, test: Surface, run: PointRun, records: list, batch_size, seed
) -> dict[str, Any]:
    last = records[-1]
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
        "losses": [float(record.loss[0]) for record in records],
        "n_examples": train.n_examples,
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
    ``steps``, ``epochs``, ``diverged``, ``notes``, ``losses`` (the full-batch train loss at
    every step, the start included), ``n_examples`` and ``b_simple_start`` (the gradient noise
    scale at the start, the same in every row).
    """
    if not isinstance(train, DataSurface):
        raise ValueError("the batch-size experiment needs a surface made of examples (data)")
    if not seeds:
        raise ValueError("the batch-size experiment needs at least one seed")
    optimizer = dict(optimizer or {"name": "sgd", "lr": 0.1})
    name = optimizer.pop("name")
    test = train.shifted() if test is None else test
    start = tuple(train.default_start if start is None else start)
    b_simple = surface_noise_scale(train, start).b_simple
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
            records = list(run.records())
            row = _final_row(train, test, run, records, None if full else batch_size, seed)
            row["b_simple_start"] = b_simple
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


#: A run whose final train loss is this many times its start's counts as diverged even where
#: the engine did not stop it (the point stayed inside its box while the loss exploded).
EXPLODED_FACTOR = 1e3
#: Mean sharpnesses this close (relative) are one value: a quadratic loss has one Hessian.
SAME_SHARPNESS_RTOL = 1e-6


def run_diverged(row: dict[str, Any]) -> bool:
    """Whether a row's run diverged: the engine stopped it, its final loss is not finite, or
    its train loss exploded (:data:`EXPLODED_FACTOR` times the start's)."""
    if row.get("diverged"):
        return True
    if not (math.isfinite(row["train_loss"]) and math.isfinite(row["test_loss"])):
        return True
    losses = row.get("losses")
    if not losses:
        return False
    start = float(losses[0])
    return start > 0 and row["train_loss"] > EXPLODED_FACTOR * start


def compare_batches(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the experiment's summary may name: ``lowest`` (test loss) and ``flattest`` batch
    labels among the batch sizes none of whose runs diverged (a mean over an exploded run means
    nothing); ``flattest`` is None when their sharpnesses are one value (``same_sharpness``),
    both are None when every batch size diverged; ``diverged`` lists the others' labels."""
    diverged = {row["label"] for row in rows if run_diverged(row)}
    summary = summarize(rows)
    kept = [entry for entry in summary if entry["label"] not in diverged]
    result: dict[str, Any] = {
        "diverged": [entry["label"] for entry in summary if entry["label"] in diverged],
        "lowest": None,
        "flattest": None,
        "same_sharpness": False,
    }
    if not kept:
        return result
    sharpness = [entry["sharpness"] for entry in kept]
    spread = max(sharpness) - min(sharpness)
    same = len(kept) > 1 and spread <= SAME_SHARPNESS_RTOL * max(abs(v) for v in sharpness)
    result["lowest"] = min(kept, key=lambda entry: entry["test_loss"])["label"]
    result["same_sharpness"] = same
    if not same:
        result["flattest"] = min(kept, key=lambda entry: entry["sharpness"])["label"]
    return result


#: The loss every batch size must reach in :func:`updates_to_reach`: this fraction of the way
#: from the start's loss down to the largest batch's final loss.
REACH_FRACTION = 0.9


def updates_to_reach(
    rows: Sequence[dict[str, Any]], fraction: float = REACH_FRACTION
) -> dict[str, Any]:
    """How many updates (and epochs = updates * B / N) each batch size needs to reach one loss.

    The loss to reach is ``fraction`` of the way from the start's loss down to the mean final
    loss of the largest batch (the rows' last label: the least noisy run). Per batch size, the
    median over seeds of the first step at or below it (NaN when most seeds never get there:
    noise keeps the run above it). Returns ``{"target": loss, "entries": [{"label",
    "batch_size", "updates", "epochs"}, ...]}`` in the rows' order; ``target`` is NaN when the
    largest batch did not descend."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["label"], []).append(row)
    if not groups:
        return {"target": float("nan"), "entries": []}
    start = float(rows[0]["losses"][0])
    reference = float(np.mean([r["losses"][-1] for r in list(groups.values())[-1]]))
    target = start - fraction * (start - reference) if reference < start else float("nan")
    entries = []
    for label, group in groups.items():
        firsts = [_first_at_or_below(r["losses"], target) for r in group]
        updates = float(np.median(firsts))
        n = int(group[0]["n_examples"])
        size = n if group[0]["batch_size"] is None else min(int(group[0]["batch_size"]), n)
        epochs = updates * size / n if math.isfinite(updates) else float("nan")
        entries.append(
            {
                "label": label,
                "batch_size": group[0]["batch_size"],
                "updates": updates if math.isfinite(updates) else float("nan"),
                "epochs": epochs,
            }
        )
    return {"target": target, "entries": entries}


def _first_at_or_below(losses: Sequence[float], target: float) -> float:
    """The first step whose loss is at or below ``target`` (inf: never)."""
    hits = np.flatnonzero(np.asarray(losses, dtype=float) <= target)
    return float(hits[0]) if hits.size else math.inf


def knee_batch_size(entries: Sequence[dict[str, Any]], n_examples: int) -> float | None:
    """Where a bigger batch stops paying: the batch size at which the updates' excess over their
    minimum equals the epochs' excess over theirs. In McCandlish et al.'s model
    (updates = S_min (1 + B_noise / B), epochs = E_min (1 + B / B_noise)) that is B_noise
    itself. Interpolated in log batch size between the measured sizes; None when the two
    ratios never cross (or too few sizes reached the loss)."""
    usable = [
        e for e in entries if math.isfinite(e["updates"]) and e["updates"] > 0 and e["epochs"] > 0
    ]
    if len(usable) < 2:
        return None
    sizes = np.log([n_examples if e["batch_size"] is None else e["batch_size"] for e in usable])
    updates = np.array([e["updates"] for e in usable], dtype=float)
    epochs = np.array([e["epochs"] for e in usable], dtype=float)
    balance = np.log(updates / updates.min()) - np.log(epochs / epochs.min())
    for i in range(len(balance) - 1):
        low, high = balance[i], balance[i + 1]
        if low >= 0 >= high and low != high:
            return float(np.exp(sizes[i] + (sizes[i + 1] - sizes[i]) * low / (low - high)))
        if low == 0 == high:
            return float(np.exp(sizes[i]))
    return None


def batch_axis_position(
    batch_size: float, batch_sizes: Sequence[int | None], n_examples: int
) -> float:
    """Where ``batch_size`` falls on the experiment's categorical batch axis (size ``i`` drawn at
    ``i``; the full batch is N): interpolated in log batch size, extended past the ends along the
    first and last gaps, and kept within half a step of the axis."""
    sizes = np.log([n_examples if b is None else min(b, n_examples) for b in batch_sizes])
    where = math.log(max(batch_size, 1e-12))
    count = len(sizes)
    if count == 1 or sizes[-1] <= sizes[0]:
        return 0.0
    if where <= sizes[0]:
        position = (where - sizes[0]) / (sizes[1] - sizes[0])
    elif where >= sizes[-1]:
        position = count - 1 + (where - sizes[-1]) / (sizes[-1] - sizes[-2])
    else:
        position = float(np.interp(where, sizes, np.arange(count)))
    return float(min(max(position, -0.5), count - 0.5))


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
    reach = updates_to_reach(rows)
    knee = knee_batch_size(reach["entries"], surface.n_examples)
    print(f"updates and epochs to reach loss {reach['target']:.3g}:")
    for entry in reach["entries"]:
        print(f"{entry['label']:>6} {entry['updates']:8.1f} updates {entry['epochs']:8.3f} epochs")
    knee_text = "none" if knee is None else f"{knee:.3g}"
    print(f"noise scale at the start B_simple = {rows[0]['b_simple_start']:.3g}; knee: {knee_text}")
    print("timing experiment (update = forward + backward + SGD step of an MLP)")
    print(f"{'batch':>6} {'update ms':>10} {'epoch s':>9}  device")
    for row in timing_experiment():
        print(
            f"{row['batch_size']:>6} {row['update_s'] * 1e3:10.3f} {row['epoch_s']:9.3f}  "
            f"{row['device']} ({row['threads']} CPU threads, N = {row['n_examples']})"
        )


if __name__ == "__main__":
    _main()

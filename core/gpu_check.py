r"""``python -m core.gpu_check``: the GPU checks of the speed issue, in one short prepared run.

The engine's CUDA path is tested on the CPU only (CI has no GPU). On a machine with one, this
runs, on ``--device`` (default ``cuda``):

1. ``scenes``: what ``losslab run`` computes (:func:`core.runner.run_scene`) for surface and
   network scenes, on the CPU and on the device, in float32 and float64: every number of the
   results equal within 1e-5 (float32) and 1e-9 (float64), relative to its size (at least 1);
2. ``swarm``: a swarm of 1,000,000 points on a 2D surface (Adam, 100 steps), every step's
   positions and losses recorded on the host: point-steps per second and milliseconds a step;
3. ``timing``: the batch-size timing experiment (:func:`core.experiments.timing_experiment`):
   the time of one update against the batch size (the notes' flat curve up to large batches);
4. ``network``: the Network Lab's trainer on the device (``LOSSLAB_NETWORK_DEVICE``): epochs
   a second with the decision boundary's 100x100 grid evaluated on the device after each epoch.

``--device cpu`` runs the same code on the CPU (the tests do, with small sizes). Prints a table
as it goes; ``--json PATH`` also writes the figures. Exit status 0 when every comparison held,
1 when one did not, 2 when the device is missing or an argument is wrong.

The device machine's image has torch (and numba) but not pydantic or psygnal: carry their wheels.
Once, in the repository's root here::

    echo /.whl/ >> .git/info/exclude
    python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .whl pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 \
        typing-inspection==0.4.5 psygnal==0.16.1

(the versions of the project's environment: pydantic checks at import that pydantic-core is
the one it was released with), then one device run, carrying ``.whl`` (about 3 MB)::

    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl &&
    PYTHONPATH=/tmp/site:. PYTHONUNBUFFERED=1 python3 -m core.gpu_check --json $OUT/gpu.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.fileio import check_writable_target, write_atomic

#: Lessons compared (surface scenes first), with the steps (epochs for a network) they run:
#: long enough to cross their interesting part, short enough that rounding stays small.
SCENES: tuple[tuple[str, int], ...] = (
    ("momentum_ravine", 200),
    ("ravine_sgd_vs_adam", 200),
    ("plateau_adagrad_rmsprop", 200),
    ("warmup_rmsprop", 200),
    ("himmelblau_basins", 100),
    ("network_race_optimizers", 10),
    ("network_batch_norm", 10),
)
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-9}
SWARM_POINTS = 1_000_000
SWARM_STEPS = 100


def numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a result (nested dicts and lists), with its path; strings and booleans
    are left out, None reads as NaN."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from numbers(item, f"{path}[{index}]")
    elif value is None:
        yield path, math.nan
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, float(value)


def largest_difference(expected: Any, actual: Any) -> tuple[float, str]:
    """The largest difference between two results, relative to the size of the number (at
    least 1), and where; infinite where their shapes differ or only one is NaN."""
    want, got = dict(numbers(expected)), dict(numbers(actual))
    if want.keys() != got.keys():
        missing = sorted(want.keys() ^ got.keys())
        return math.inf, f"not in both: {missing[0]}"
    worst, where = 0.0, ""
    for key, a in want.items():
        b = got[key]
        if math.isnan(a) or math.isnan(b):
            difference = 0.0 if math.isnan(a) and math.isnan(b) else math.inf
        elif math.isinf(a) or math.isinf(b):
            difference = 0.0 if a == b else math.inf
        else:
            difference = abs(a - b) / max(1.0, abs(a))
        if difference > worst:
            worst, where = difference, key
    return worst, where


def compare_scenes(
    device: torch.device,
    scenes: Sequence[tuple[str, int]] = SCENES,
    reference: torch.device | None = None,
) -> list[dict[str, Any]]:
    """Each scene run on ``reference`` (the CPU) and ``device`` in both dtypes: one row each."""
    from core.lessons import lesson_path
    from core.runner import run_scene
    from core.scene import load_scene

    reference = reference or torch.device("cpu")
    rows = []
    for key, steps in scenes:
        scene = load_scene(lesson_path(key))
        for dtype, tolerance in TOLERANCE.items():
            expected = run_scene(scene, steps=steps, device=reference.type, dtype=dtype)
            start = time.perf_counter()
            actual = run_scene(scene, steps=steps, device=device.type, dtype=dtype)
            seconds = time.perf_counter() - start
            expected.pop("device"), actual.pop("device")
            difference, where = largest_difference(expected, actual)
            rows.append(
                {
                    "scene": key,
                    "steps": steps,
                    "dtype": str(dtype).removeprefix("torch."),
                    "difference": difference,
                    "where": where,
                    "tolerance": tolerance,
                    "ok": difference <= tolerance,
                    "seconds": seconds,
                }
            )
    return rows


def swarm_rate(
    device: torch.device, points: int = SWARM_POINTS, steps: int = SWARM_STEPS
) -> dict[str, Any]:
    """Adam on Himmelblau's surface from ``points`` random starts, every step recorded (the
    positions and losses copied to the host, as the Surface Lab's swarm records them)."""
    from core.engine import PointRun, RunConfig
    from core.surfaces import make_surface

    surface = make_surface({"builtin": "himmelblau"})
    generator = torch.Generator().manual_seed(0)
    starts = (torch.rand(points, 2, generator=generator) * 10 - 5).numpy()
    config = RunConfig(optimizer="adam", hyper={"lr": 0.05}, starts=starts, steps=steps)
    run = PointRun(surface, config, device=device, dtype=torch.float32, record_state=False)
    _synchronize(device)
    start = time.perf_counter()
    recorded = sum(1 for _ in run.records())
    _synchronize(device)
    seconds = time.perf_counter() - start
    return {
        "points": points,
        "steps": steps,
        "recorded_steps": recorded,
        "seconds": seconds,
        "point_steps_per_s": points * steps / seconds,
        "ms_per_step": 1000.0 * seconds / max(recorded, 1),
    }


def timing_rows(device: torch.device, **sizes: int) -> list[dict[str, Any]]:
    """The batch-size timing experiment on ``device`` (its default sizes, or ``sizes``)."""
    from core.experiments import timing_experiment

    return [
        {key: row[key] for key in ("batch_size", "update_s", "epoch_s", "updates_per_epoch")}
        for row in timing_experiment(device=device, **sizes)
    ]


def network_rate(device: torch.device, epochs: int = 50, grid: int = 100) -> dict[str, Any]:
    """The Network Lab's default task trained on ``device`` by its trainer, the boundary's
    ``grid`` x ``grid`` predictions evaluated after every epoch, as the page draws them."""
    from core.nets.datasets import make_dataset
    from core.nets.fast import FastTrainer
    from core.nets.models import ModelConfig
    from core.nets.trainer import EpochRecord, TrainConfig

    data = make_dataset(name="spiral", size=500, seed=0)
    model = ModelConfig(hidden=(8, 8), activation="tanh")
    config = TrainConfig(optimizer={"name": "adam", "lr": 0.03}, batch_size=10, epochs=epochs)
    trainer = FastTrainer(data, model, config, device=device)
    axis = np.linspace(-6.0, 6.0, grid)
    points = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
    start = time.perf_counter()
    done = 0
    for record in trainer.records():
        if isinstance(record, EpochRecord):
            trainer.predict(points)  # the boundary view's picture
            done += 1
    seconds = time.perf_counter() - start
    return {
        "epochs": done - 1,
        "seconds": seconds,
        "epochs_per_s": (done - 1) / seconds,
        "final_train_loss": record.train_loss,
        "compiled_fallback": trainer.compiled_fallback,
    }


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_checks(
    device: torch.device,
    report: Callable[[str], None] = print,
    *,
    scenes: Sequence[tuple[str, int]] = SCENES,
    swarm_points: int = SWARM_POINTS,
    timing_sizes: dict[str, int] | None = None,
    network_epochs: int = 50,
) -> dict[str, Any]:
    """All four checks on ``device``; each line reported as it is measured. A check that
    raises is reported with its error and the others still run."""
    figures: dict[str, Any] = {"device": str(device), "torch": torch.__version__}
    report(f"LossLab GPU checks on {device} (torch {torch.__version__})")
    checks: dict[str, Callable[[], Any]] = {
        "scenes": lambda: compare_scenes(device, scenes),
        "swarm": lambda: swarm_rate(device, swarm_points),
        "timing": lambda: timing_rows(device, **(timing_sizes or {})),
        "network": lambda: network_rate(device, network_epochs),
    }
    for name, check in checks.items():
        try:
            figures[name] = check()
        except Exception as error:  # one check's failure is reported; the others run
            figures[name] = {"error": f"{error.__class__.__name__}: {error}"}
            report(f"  {name}: FAILED {figures[name]['error']}")
            continue
        for line in _lines(name, figures[name]):
            report(line)
    return figures


def _lines(name: str, figures: Any) -> list[str]:
    if name == "scenes":
        return [
            f"  {row['scene']:28s} {row['dtype']:8s} largest difference {row['difference']:.1e}"
            f" (<= {row['tolerance']:.0e}: {'ok' if row['ok'] else 'NO, at ' + row['where']})"
            for row in figures
        ]
    if name == "swarm":
        return [
            f"  swarm of {figures['points']:,} points: {figures['point_steps_per_s'] / 1e6:.1f} M"
            f" point-steps/s, {figures['ms_per_step']:.1f} ms a recorded step"
        ]
    if name == "timing":
        return [
            f"  batch {row['batch_size']:>6d}: {1e3 * row['update_s']:8.3f} ms an update,"
            f" {row['epoch_s']:8.3f} s an epoch"
            for row in figures
        ]
    return [
        f"  network on the device: {figures['epochs_per_s']:.0f} epochs/s with the boundary"
        f" evaluated each epoch (final train loss {figures['final_train_loss']:.3f})"
    ]


def passed(figures: dict[str, Any]) -> bool:
    """Whether every check ran and every scene matched within its tolerance."""
    if any(isinstance(value, dict) and "error" in value for value in figures.values()):
        return False
    return all(row["ok"] for row in figures.get("scenes", []))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.gpu_check", description=__doc__.split("\n\n")[0].replace("``", "")
    )
    parser.add_argument("--device", default="cuda", help="the device checked (default cuda)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        device = torch.device(args.device)
    except RuntimeError as error:
        print(f"gpu_check: {error}", file=sys.stderr)
        return 2
    if device.type == "cuda" and not torch.cuda.is_available():
        message = "no CUDA device here (torch.cuda.is_available() is False)"
        print(f"gpu_check: {message}", file=sys.stderr)
        return 2
    if args.json is not None:
        try:  # before minutes of checks, not after
            check_writable_target(args.json)
        except OSError as error:
            print(f"gpu_check: --json {args.json}: {error}", file=sys.stderr)
            return 2
    figures = run_checks(device, lambda line: print(line, flush=True))
    if args.json is not None:
        try:
            write_atomic(args.json, json.dumps(figures, indent=1, default=str))
        except OSError as error:
            print(f"gpu_check: could not write {args.json}: {error}", file=sys.stderr)
            return 1
    ok = passed(figures)
    print("all checks held" if ok else "a check did not hold (see above)", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

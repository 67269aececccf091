"""``losslab bench --nets``: training and curvature speed of the Network Lab's engine (CPU).

Prints one line per figure: the plain trainer against the fast path's torch update
(``core.nets.fast``) and its compiled epoch (``core.nets.compiled``) on TensorFlow Playground's
three settings, the compiled kernel's start-up (cold compile and numba's cached load, each in a
fresh process), and 64 networks trained at once (``core.nets.many``) against one. Torch is
pinned to one thread and the machine's load is printed: on a shared 2-core
machine a second torch thread, or another busy process, changes these figures many times over.
The live-page figure (TensorFlow Playground's setting with the decision
boundary and curves redrawn at 30 Hz) needs Qt: ``python -m desktop_app.network_lab.bench``.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace

import torch

from core.nets.compiled import numba_available
from core.nets.curvature import analyze, extreme_eigenvalues, flat_loss, hvp_operator
from core.nets.datasets import make_dataset
from core.nets.ensembles import WeightAverager, with_weight_average
from core.nets.fast import FastTrainer
from core.nets.many import ManyTrainer
from core.nets.models import ModelConfig, build_model, count_parameters, loss_function
from core.nets.ratios import with_update_ratios
from core.nets.trainer import TrainConfig, Trainer

# TensorFlow Playground's spiral setting: 2 inputs, two hidden layers of 8 tanh units, batch 10,
# 50% of 500 points for training, SGD with its default learning rate 0.03.
PLAYGROUND_DATA = {"name": "spiral", "size": 500, "val_fraction": 0.5, "seed": 0}
PLAYGROUND_MODEL = ModelConfig(hidden=(8, 8), activation="tanh")
PLAYGROUND_TRAIN = TrainConfig(optimizer={"name": "sgd", "lr": 0.03}, batch_size=10, epochs=100)


def _best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def epochs_per_second(data, model: ModelConfig, train: TrainConfig, repeat: int = 3) -> float:
    """Epochs per second of ``Trainer.records()`` (evaluation of both sets included)."""

    def run() -> None:
        trainer = Trainer(data, model, train)
        for _ in trainer.records():
            pass

    run()  # warm-up (first optimizer construction, allocator)
    return train.epochs / _best_of(run, repeat)


# TensorFlow Playground's three settings (250 training points, SGD at its default lr 0.03):
# (label, dataset, hidden layers, batch size, epochs timed, issue 13's target: 10x Playground).
PLAYGROUND_SETTINGS = (
    ("spiral 8-8 tanh, batch 10", "spiral", (8, 8), 10, 40, ">= 240"),
    ("spiral 8-8 tanh, batch 1", "spiral", (8, 8), 1, 6, ">= 250"),
    ("circle 4-2 tanh, batch 10", "circles", (4, 2), 10, 40, ">= 550"),
)
MANY_NETWORKS = 64


def _records_rate(make: Callable[[], object], epochs: int, repeat: int = 3) -> float:
    """Epochs per second of ``make().records()`` drained (the per-epoch evaluation included)."""

    def run() -> None:
        for _ in make().records():  # type: ignore[attr-defined]
            pass

    run()  # warm-up
    return epochs / _best_of(run, repeat)


def playground_rates(setting: tuple, quick: bool) -> tuple[float, float, float, float]:
    """One of :data:`PLAYGROUND_SETTINGS`: epochs/s of the plain trainer, the fast path's torch
    update with the gradient norm and without it, and the compiled epoch (which always measures
    the gradient norm)."""
    _, dataset, hidden, batch, epochs, _ = setting
    epochs = max(1, epochs // 4) if quick else epochs
    data = make_dataset(dataset, size=500, val_fraction=0.5, seed=0)
    model = ModelConfig(hidden=hidden, activation="tanh")
    train = replace(PLAYGROUND_TRAIN, batch_size=batch, epochs=epochs)
    plain = _records_rate(lambda: Trainer(data, model, train), epochs)
    fast = _records_rate(lambda: FastTrainer(data, model, train, compiled=False), epochs)
    quiet = _records_rate(
        lambda: FastTrainer(data, model, train, track_grad_norm=False, compiled=False), epochs
    )
    compiled = math.nan
    if numba_available():
        longer = replace(train, epochs=epochs * 5)  # ~5x faster: as long a measurement
        compiled = _records_rate(lambda: FastTrainer(data, model, longer), epochs * 5)
    return plain, fast, quiet, compiled


class _Watched:
    """A fresh trainer's records with the update-ratio monitor or EMA averaging on (both hook
    every optimizer step), drained by :func:`_records_rate`."""

    def __init__(self, what: str, train: TrainConfig, compiled: bool) -> None:
        data = make_dataset(**PLAYGROUND_DATA)
        self.trainer = FastTrainer(data, PLAYGROUND_MODEL, train, compiled=compiled)
        self.what = what

    def records(self):
        if self.what == "ratios":
            return with_update_ratios(self.trainer)
        return with_weight_average(WeightAverager(self.trainer, "ema"))


def watched_rates(quick: bool) -> dict[str, tuple[float, float]]:
    """Spiral 8-8 at batch 10 with the update-ratio tab's monitor, then with EMA averaging:
    (compiled epochs/s, torch update epochs/s) each (the kernel does the hooks' work)."""
    epochs = 10 if quick else 40
    short = replace(PLAYGROUND_TRAIN, epochs=epochs)
    longer = replace(PLAYGROUND_TRAIN, epochs=epochs * 5)  # ~10x faster: as long a measurement
    rates = {}
    for what in ("ratios", "ema"):
        torch_rate = _records_rate(lambda w=what: _Watched(w, short, False), epochs)
        compiled = math.nan
        if numba_available():
            compiled = _records_rate(lambda w=what: _Watched(w, longer, True), epochs * 5)
        rates[what] = (compiled, torch_rate)
    return rates


def compile_seconds() -> tuple[float, float]:
    """(cold compile, cached load) of the compiled epoch for 2-8-8-2 float32, each measured in a
    fresh Python process on an empty then filled numba cache (``NUMBA_CACHE_DIR``); the first
    call's time, numba's own start-up included, the imports not."""
    code = "from core.nets.compiled import warm_up; print(warm_up())"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                check=True,
            )  # fmt: skip
            times.append(float(out.stdout.split()[-1]))
    return times[0], times[1]


def many_rate(quick: bool, networks: int = MANY_NETWORKS) -> tuple[float, float, float]:
    """Spiral 8-8 tanh at batch 10: (aggregate epochs/s of ``networks`` trained at once, one
    plain trainer's, one fast trainer's); each member has its own seed (weights, data order)."""
    epochs = 10 if quick else 40
    data = make_dataset(**PLAYGROUND_DATA)
    train = replace(PLAYGROUND_TRAIN, epochs=epochs)
    configs = [replace(train, seed=seed) for seed in range(networks)]
    many = _records_rate(
        lambda: ManyTrainer(data, PLAYGROUND_MODEL, configs, track_grad_norm=False), epochs
    )
    plain = _records_rate(lambda: Trainer(data, PLAYGROUND_MODEL, train), epochs)
    fast = _records_rate(
        lambda: FastTrainer(data, PLAYGROUND_MODEL, train, track_grad_norm=False), epochs
    )
    return many * networks, plain, fast


def small_net_rate(quick: bool) -> tuple[float, int]:
    data = make_dataset("circles", size=714, seed=0)  # 500 training points
    train = TrainConfig(epochs=100 if quick else 600)
    model = ModelConfig(hidden=(8, 8), activation="tanh")
    return epochs_per_second(data, model, train), len(data.x_train)


def digits_epoch_seconds(quick: bool) -> tuple[float, int]:
    data = make_dataset("digits", seed=0)
    train = TrainConfig(epochs=3 if quick else 10, batch_size=32)
    rate = epochs_per_second(data, ModelConfig(hidden=(128, 128)), train, repeat=2)
    return 1.0 / rate, len(data.x_train)


def playground_rate(quick: bool) -> float:
    data = make_dataset(**PLAYGROUND_DATA)
    train = replace(PLAYGROUND_TRAIN, epochs=30 if quick else 200)
    return epochs_per_second(data, PLAYGROUND_MODEL, train)


def hessian_seconds() -> tuple[float, int]:
    data = make_dataset("circles", size=714, seed=0)
    model = build_model(ModelConfig(hidden=(20, 40), activation="tanh"), 2, 2)
    loss = loss_function("cross_entropy", "classification", 2)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    seconds = _best_of(lambda: analyze(model, loss, x, y), 3)
    return seconds, count_parameters(model)


def lanczos_seconds() -> tuple[float, int, int]:
    data = make_dataset("digits", seed=0)
    model = build_model(ModelConfig(hidden=(128, 90)), 64, 10)
    loss_fn = loss_function("cross_entropy", "classification", 10)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)

    def top5() -> None:
        loss = flat_loss(model, loss_fn, x, y, dtype=torch.float32)
        matvec, _, _ = hvp_operator(loss)
        extreme_eigenvalues(matvec, loss.theta0.numel(), 5)

    return _best_of(top5, 2), count_parameters(model), len(x)


def run_nets_bench(quick: bool = False) -> list[tuple[str, float, str]]:
    """Print and return ``(what, value, unit)`` rows."""
    # One torch thread, as in the GUI's compute worker (desktop_app/workers.py): small networks
    # gain little from a second one, and on a busy 2-core machine threads fight.
    torch.set_num_threads(1)
    rows: list[tuple[str, float, str]] = []
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"LossLab network benchmark on CPU, torch {torch.__version__}, float32, "
        f"{torch.get_num_threads()} torch thread(s), {os.cpu_count()} cores, "
        f"load average {load} (1, 5, 15 min)",
        flush=True,
    )

    def row(what: str, value: float, unit: str, target: str) -> None:
        rows.append((what, value, unit))
        print(f"  {what:58s} {value:9.1f} {unit:10s} (target {target})", flush=True)

    for setting in PLAYGROUND_SETTINGS:
        label, target = setting[0], setting[-1]
        plain, fast, quiet, compiled = playground_rates(setting, quick)
        row(f"Playground {label}: plain trainer", plain, "epochs/s", target)
        row(f"Playground {label}: fast, torch update", fast, "epochs/s", target)
        row(f"Playground {label}: fast, no grad norm", quiet, "epochs/s", target)
        row(f"Playground {label}: compiled epoch", compiled, "epochs/s", target)
    if numba_available() and getattr(sys, "frozen", False):
        # a packaged app's executable is LossLab, not a Python that takes -c
        print("  compiled epoch: compile times are measured from a source checkout", flush=True)
    elif numba_available():
        cold, cached = compile_seconds()
        row("compiled epoch: cold compile (fresh process, empty cache)", cold, "s", "-")
        row("compiled epoch: cached load (fresh process)", cached, "s", "-")
    names = {"ratios": "update-ratio tab on", "ema": "EMA averaging on"}
    for what, (compiled, torch_rate) in watched_rates(quick).items():
        row(f"spiral 8-8, batch 10, {names[what]}: compiled epoch", compiled, "epochs/s", "-")
        row(f"spiral 8-8, batch 10, {names[what]}: torch update", torch_rate, "epochs/s", "-")
    many, plain, fast = many_rate(quick)
    row(f"{MANY_NETWORKS} spiral 8-8 networks at once, aggregate", many, "epochs/s", "-")
    row(f"{MANY_NETWORKS} at once vs one plain trainer", many / plain, "x", ">= 20")
    row(f"{MANY_NETWORKS} at once vs one compiled trainer", many / fast, "x", "-")
    rate, n = small_net_rate(quick)
    row(f"2-8-8-2 tanh, {n} points, full-batch Adam", rate, "epochs/s", ">= 300")
    seconds, n = digits_epoch_seconds(quick)
    row(f"digits 64-128-128-10, {n} images, batch 32", seconds * 1e3, "ms/epoch", "<= 150")
    seconds, params = hessian_seconds()
    row(
        f"full Hessian + eigenvalues, {params} parameters, 500 points",
        seconds * 1e3,
        "ms",
        "<= 500",
    )
    seconds, params, n = lanczos_seconds()
    row(f"top-5 Lanczos, {params} parameters, {n} images", seconds * 1e3, "ms", "<= 1000")
    rate = playground_rate(quick)
    row("Playground spiral 2-8-8-2 tanh, batch 10, 250 points", rate, "epochs/s", ">= 46 live")
    print(
        "  (live page with boundary and curves: python -m desktop_app.network_lab.bench)\n"
        f"  load average after the run: {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
        flush=True,
    )
    return rows


def _main() -> None:  # python -m core.nets.bench
    import sys

    run_nets_bench(quick="--quick" in sys.argv)


if __name__ == "__main__":
    _main()

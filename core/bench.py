"""``losslab bench``: engine figures on the current device, printed as a table."""

from __future__ import annotations

import time

import torch

from core.device import describe_device, resolve_device
from core.engine import PointRun, RunConfig
from core.surfaces import make_surface


def _time(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def point_steps_per_second(
    optimizer: dict, n_points: int, steps: int, device: torch.device, record_state: bool = False
) -> float:
    surface = make_surface({"builtin": "himmelblau"})
    generator = torch.Generator().manual_seed(0)
    starts = (torch.rand(n_points, 2, generator=generator) * 10 - 5).tolist()
    hyper = {k: v for k, v in optimizer.items() if k != "name"}
    config = RunConfig(optimizer=optimizer["name"], hyper=hyper, starts=starts, steps=steps)

    def drain() -> None:
        run = PointRun(
            surface, config, device=device, dtype=torch.float32, record_state=record_state
        )
        for _ in run.records():
            pass
        if device.type == "cuda":
            torch.cuda.synchronize()

    seconds = _time(drain, repeat=2)
    return n_points * steps / seconds


def grid_seconds(resolution: int, device: torch.device, name: str = "rosenbrock") -> float:
    surface = make_surface({"builtin": name})

    def evaluate() -> None:
        surface.grid(resolution, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize()

    evaluate()  # warm-up
    return _time(evaluate, repeat=5)


def run_engine_bench(device: str = "auto", quick: bool = False) -> list[tuple[str, float, str]]:
    """Print and return ``(what, value, unit)`` rows."""
    torch_device = resolve_device(device)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    steps = 50 if quick else 500
    rows: list[tuple[str, float, str]] = []
    print(
        f"LossLab engine benchmark on {describe_device(torch_device)}, float32, {steps} steps",
        flush=True,
    )
    optimizers = {
        "sgd-momentum": {"name": "sgd", "lr": 0.001, "momentum": 0.9},
        "adam": {"name": "adam", "lr": 0.01},
    }
    for label, optimizer in optimizers.items():
        for n_points in (1, 1_000, 100_000):
            rate = point_steps_per_second(optimizer, n_points, steps, torch_device)
            rows.append((f"{label:13s} N={n_points:>7,d}", rate / 1e6, "M point-steps/s"))
            print(f"  {rows[-1][0]}  {rate / 1e6:10.3f} M point-steps/s", flush=True)
    rate = point_steps_per_second(optimizers["adam"], 100_000, steps, torch_device, True)
    rows.append(("adam N=100,000 + state", rate / 1e6, "M point-steps/s"))
    print(
        f"  {rows[-1][0]:22s} {rate / 1e6:6.3f} M point-steps/s (with optimizer state read out)",
        flush=True,
    )
    for name in ("rosenbrock", "himmelblau", "rastrigin"):
        seconds = grid_seconds(512, torch_device, name)
        rows.append((f"grid 512x512 {name}", seconds * 1e3, "ms"))
        print(f"  grid 512x512 {name:12s} {seconds * 1e3:8.2f} ms", flush=True)
    return rows

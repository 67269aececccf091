"""Live Network Lab speed: epochs per second while the page redraws its decision boundary and
curves (~30 Hz), offscreen.

``python -m desktop_app.network_lab.bench [--seconds S]`` prints, for TensorFlow Playground's
setting (spiral, 2 hidden layers of 8 tanh units, batch 10, 250 training points, SGD 0.03) and
for a 2-8-8-2 network on 500 points trained full-batch, the epochs per second, the frames drawn
per second and the GUI process's share of a core (and that CPU time per frame drawn: on a shared,
loaded machine the frames per second follow the share of a core the GUI gets; the CPU time per
frame varies much less).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SPIRAL = {"name": "spiral", "size": 500, "noise": 0.0, "val_fraction": 0.5, "seed": 0}
PLAYGROUND_SGD = {"name": "sgd", "lr": 0.03}
# TensorFlow Playground's settings (250 training points) and issue 13's targets (10x Playground)
SETTINGS = {
    "playground spiral 8-8, batch 10": {
        "data": SPIRAL,
        "hidden": (8, 8),
        "train": {"optimizer": PLAYGROUND_SGD, "batch_size": 10},
        "target": 240,
    },
    "playground spiral 8-8, batch 1": {
        "data": SPIRAL,
        "hidden": (8, 8),
        "train": {"optimizer": PLAYGROUND_SGD, "batch_size": 1},
        "target": 250,
    },
    "playground circle 4-2, batch 10": {
        "data": {"name": "circles", "size": 500, "noise": 0.0, "val_fraction": 0.5, "seed": 0},
        "hidden": (4, 2),
        "train": {"optimizer": PLAYGROUND_SGD, "batch_size": 10},
        "target": 550,
    },
    "full batch 2-8-8-2, 500 points": {
        "data": {"name": "circles", "size": 714, "seed": 0},
        "hidden": (8, 8),
        "train": {"optimizer": {"name": "adam", "lr": 0.03}, "batch_size": 0},
    },
}


def _run_event_loop(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(page, setting: dict, seconds: float) -> tuple[float, float, float]:
    """(epochs per second, frames per second, the GUI process's share of a core) while training
    live for ``seconds``."""
    from core.nets.models import ModelConfig
    from core.nets.spec import NetworkSetup
    from core.nets.trainer import TrainConfig
    from desktop_app.network_lab.settings import settings_of_setup

    setup = NetworkSetup(
        data=setting["data"],
        model=ModelConfig(hidden=setting["hidden"], activation="tanh"),
        train=TrainConfig(**setting["train"], epochs=setting.get("epochs", 5000)),
    )
    page.rebuild(settings_of_setup(setup))
    assert page.wait_for(lambda: "network" in page.snapshots, 60)
    page.set_playing(True)
    # past start-up (the first training in the trainer process loads or compiles the kernel)
    page.wait_for(lambda: page.epochs_done() >= 5, 180)
    epochs, frames, start = page.epochs_done(), page.frames_drawn, time.perf_counter()
    cpu = time.process_time()
    # the real event loop (idle waits release the GIL, as in the app), in slices so that a run
    # that ends early is timed to its last epoch
    last, end = (epochs, start), start + seconds
    while time.perf_counter() < end and not page.finished:
        _run_event_loop(0.05)
        if page.epochs_done() != last[0]:
            last = (page.epochs_done(), time.perf_counter())
    elapsed = max(last[1] - start, 1e-9)
    rate = (last[0] - epochs) / elapsed
    wall = time.perf_counter() - start
    fps = (page.frames_drawn - frames) / wall
    gui_share = (time.process_time() - cpu) / wall
    page.set_playing(False)
    page.wait_idle(10)
    return rate, fps, gui_share


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    from desktop_app.app import create_application

    app = create_application()
    from desktop_app.network_lab.page import NetworkLabPage

    page = NetworkLabPage()
    page.resize(1400, 900)
    page.show()
    app.processEvents()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"Network Lab live, offscreen, {args.seconds:g} s each, {os.cpu_count()} cores, "
        f"load average {load} (1, 5, 15 min)",
        flush=True,
    )
    for name, setting in SETTINGS.items():
        rate, fps, gui = measure(page, setting, args.seconds)
        target = f"(target >= {setting['target']})" if "target" in setting else ""
        print(
            f"  {name:34s} {rate:7.1f} epochs/s live   {fps:5.1f} frames/s   GUI process "
            f"{gui:4.2f} core ({1000 * gui / max(fps, 1e-9):4.1f} ms a frame)  {target}",
            flush=True,
        )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"  load average after the run: {load}", flush=True)
    page.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

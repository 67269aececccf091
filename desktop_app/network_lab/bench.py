"""Live Network Lab speed: epochs per second while the page redraws its decision boundary and
curves (~30 Hz), offscreen.

``python -m desktop_app.network_lab.bench [--seconds S]`` prints, for TensorFlow Playground's
setting (spiral, 2 hidden layers of 8 tanh units, batch 10, 250 training points, SGD 0.03) and
for a 2-8-8-2 network on 500 points trained full-batch, the epochs per second, the frames drawn
per second and the epochs per second of the same training headless (``core.nets.bench``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SETTINGS = {
    "playground": {
        "data": {"name": "spiral", "size": 500, "noise": 0.0, "val_fraction": 0.5, "seed": 0},
        "hidden": (8, 8),
        "train": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10},
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


def measure(page, setting: dict, seconds: float) -> tuple[float, float]:
    """(epochs per second, frames per second) while training live for ``seconds``."""
    from core.nets.models import ModelConfig
    from core.nets.spec import NetworkSetup
    from core.nets.trainer import TrainConfig
    from desktop_app.network_lab.settings import settings_of_setup

    setup = NetworkSetup(
        data=setting["data"],
        model=ModelConfig(hidden=setting["hidden"], activation="tanh"),
        train=TrainConfig(**setting["train"], epochs=5000),
    )
    page.rebuild(settings_of_setup(setup))
    assert page.wait_for(lambda: "network" in page.snapshots, 60)
    page.set_playing(True)
    page.wait_for(lambda: page.epochs_done() >= 5, 30)  # past start-up
    epochs, frames, start = page.epochs_done(), page.frames_drawn, time.perf_counter()
    _run_event_loop(seconds)  # the real event loop: idle waits release the GIL, as in the app
    elapsed = time.perf_counter() - start
    rate = (page.epochs_done() - epochs) / elapsed
    fps = (page.frames_drawn - frames) / elapsed
    page.set_playing(False)
    page.wait_idle(10)
    return rate, fps


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
    print(f"Network Lab live, offscreen, {args.seconds:g} s each")
    for name, setting in SETTINGS.items():
        rate, fps = measure(page, setting, args.seconds)
        print(f"  {name:34s} {rate:7.1f} epochs/s live   {fps:5.1f} frames/s")
    page.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

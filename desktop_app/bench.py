"""``losslab bench --gui``: window figures, measured offscreen, printed as a table.

- race: frames per second of a 6-optimizer race on a 512x512 surface (draw + paint per frame,
  while nothing throttles it to the 30 Hz timer);
- swarm: the same with 10,000 points moving;
- launch: seconds from process start to the window shown and to the first animated frame.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from desktop_app.app import LAUNCH_ENV


def _frames_per_second(window, seconds: float = 3.0) -> float:
    from PySide6.QtWidgets import QApplication

    page = window.surface_lab
    page.frame_timer.stop()
    last = max(page.max_step(), 1)
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        page.cursor = float(frames % (last + 1))
        page.draw()
        window.repaint()
        QApplication.processEvents()
        frames += 1
    return frames / (time.perf_counter() - start)


def measure_window(report: Callable[[str, float], None] | None = None) -> dict[str, float]:
    """Frame rates of the race and the swarm; ``report(key, value)`` is called as each one is
    measured (the swarm takes minutes on a slow machine)."""
    report = report or (lambda key, value: None)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop_app.app import create_application
    from desktop_app.main_window import MainWindow

    create_application()
    window = MainWindow("en")
    window.resize(1400, 900)
    window.show()
    window.engine_loaded("CPU", "cpu")
    page = window.surface_lab
    page.wait_idle(120)
    figures = {"race_fps": _frames_per_second(window)}
    report("race_fps", figures["race_fps"])
    page.frame_timer.start()
    page.add_swarm(10_000, "random")
    page.wait_idle(300)
    page.set_playing(False)
    figures["swarm_fps"] = _frames_per_second(window)
    report("swarm_fps", figures["swarm_fps"])
    page.shutdown()
    window.close()
    return figures


def measure_launch() -> dict[str, float]:
    """Start the real app in a child process and read its timestamps."""
    env = dict(os.environ, **{LAUNCH_ENV: "1"})
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app.main"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    marks = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            marks.update(json.loads(line))
    return {key: value - started for key, value in marks.items()}


def main(argv: Sequence[str] = ()) -> int:
    print("LossLab window benchmark (offscreen, 1400x900 window)", flush=True)
    launch = measure_launch()
    for key, label in (
        ("window_shown", "launch -> window shown"),
        ("first_frame", "launch -> first animated frame"),
    ):
        if key in launch:
            print(f"  {label:34s} {launch[key]:7.2f} s", flush=True)
        else:
            print(f"  {label:34s}   (not measured)", flush=True)
    labels = {"race_fps": "6-optimizer race, 512x512 map", "swarm_fps": "10,000-point swarm"}
    measure_window(
        lambda key, value: print(f"  {labels[key]:34s} {value:7.1f} frames/s", flush=True)
    )
    return 0

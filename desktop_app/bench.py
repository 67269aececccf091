"""``losslab bench --gui``: window figures, measured offscreen, printed as a table.

- race: frames per second of a 6-optimizer race on a 512x512 surface (draw, then the event loop
  paints what changed, as the frame timer's tick does, with nothing throttling it to 30 Hz);
- swarm: the same with 10,000 points moving;
- launch: seconds from starting the app (a child process, offscreen, the start-up lesson) to
  the window shown, the Surface Lab built, its surface shown, its first frame with the runs'
  first steps and the runs computed; three times, in one new user folder: the first launch and
  the next (both play the start-up lesson's shipped runs, ``core.shipped_runs``), then a launch
  with a lesson whose runs it must compute (``saddle_escape``: the path of a run not seen
  before, whose first optimizer imports ``torch._dynamo``);
- race open: after opening a 1000-step race of two optimizers in a warm window, seconds to the
  first batch of records and to the first frame drawn past step 0, with how many of the run's
  rows were recorded then (the runs stream: the first frames come before the run is computed).

The load average goes with the figures: the machine is shared, compare close figures only.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence

from desktop_app.app import LAUNCH_ENV, RUNS_COMPUTED
from desktop_app.main import losslab_command
from desktop_app.user_files import DATA_DIR_ENV


def _frames_per_second(window, seconds: float = 3.0) -> tuple[float, float]:
    """Frames per second and the GUI thread's CPU milliseconds per frame (less noisy on a
    shared machine: waiting for a core does not count). A frame is what the app's frame timer
    does, drawn then painted by the event loop: the widgets the frame changed (the map, the
    plots, the step label) repaint; the buttons and labels that did not change do not (a
    ``window.repaint()`` here once painted all of them every frame, twice)."""
    from PySide6.QtWidgets import QApplication

    page = window.surface_lab
    page.frame_timer.stop()
    last = max(page.max_step(), 1)
    frames, start, cpu = 0, time.perf_counter(), time.thread_time()
    while time.perf_counter() - start < seconds:
        page.cursor = float(frames % (last + 1))
        page.draw()
        QApplication.processEvents()
        frames += 1
    cpu_ms = 1000.0 * (time.thread_time() - cpu) / frames
    return frames / (time.perf_counter() - start), cpu_ms


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
    figures: dict[str, float] = {}
    for name in ("race", "swarm"):
        if name == "swarm":
            page.frame_timer.start()
            page.add_swarm(10_000, "random")
            page.wait_idle(300)
            page.set_playing(False)
        figures[f"{name}_fps"], figures[f"{name}_cpu_ms"] = _frames_per_second(window)
        report(f"{name}_fps", figures[f"{name}_fps"])
        report(f"{name}_cpu_ms", figures[f"{name}_cpu_ms"])
    page.frame_timer.start()
    for key, value in measure_race_open(window).items():
        figures[f"race_open_{key}"] = value
        report(f"race_open_{key}", value)
    page.shutdown()
    window.close()
    return figures


RACE_STEPS = 1000
RACE_SCENE = {
    "format": 1,
    "surface": {"builtin": "rosenbrock"},
    "runs": [
        {
            "label": label,
            "optimizer": optimizer,
            "start": [-1.5, 2.5],
            "steps": RACE_STEPS,
        }
        for label, optimizer in (
            ("SGD + momentum", {"name": "sgd", "lr": 0.001, "momentum": 0.9}),
            ("Adam", {"name": "adam", "lr": 0.05}),
        )
    ],
}


def measure_race_open(window, timeout_s: float = 60.0) -> dict[str, float]:
    """Open a 1000-step race of two optimizers in ``window`` (engine loaded) and time its
    stream: seconds to the first batch of records, to the first frame drawn past step 0 (the
    rows recorded then) and to the whole race computed."""
    import tempfile
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    page = window.surface_lab
    first_batch: list[float] = []

    def on_batch(batch) -> None:
        if batch.key in page.runs and batch.items and not first_batch:
            first_batch.append(time.perf_counter())

    page.service.batchReady.connect(on_batch)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "race.json")
        path.write_text(json.dumps(RACE_SCENE), encoding="utf-8")
        start = time.perf_counter()
        window.open_scene(path, ask=False)
        drawn = page.frames_drawn
        while time.perf_counter() - start < timeout_s:
            QApplication.processEvents()
            if "first_frame" not in figures and page.frames_drawn > drawn and page.cursor >= 1:
                figures["first_frame"] = time.perf_counter() - start
                figures["rows_at_first_frame"] = page.recorder.max_step() + 1
            if all(run.done for run in page.runs.values()) and "first_frame" in figures:
                figures["computed"] = time.perf_counter() - start
                break
            time.sleep(0.001)
    page.service.batchReady.disconnect(on_batch)
    if first_batch:
        figures["first_batch"] = first_batch[0] - start
    return figures


def measure_launch(
    data_dir: str | None = None, timeout_s: float = 90.0, args: Sequence[str] = ()
) -> dict[str, float]:
    """Start the real app in a child process (with its user folder ``data_dir`` when given, and
    its command line ``args``) and read its timestamps (seconds from the start); an empty dict
    when the child failed or hung (its error is printed)."""
    env = dict(os.environ, **{LAUNCH_ENV: "1"})
    if data_dir is not None:
        env[DATA_DIR_ENV] = data_dir
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.time()
    try:
        done = subprocess.run(
            [*losslab_command(), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        print(f"  the app did not report within {timeout_s:.0f} s", flush=True)
        return {}
    marks = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            marks.update(json.loads(line))
    if done.returncode != 0:
        print(f"  the app failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
    return {key: value if key == RUNS_COMPUTED else value - started for key, value in marks.items()}


def _load() -> str:
    """The load average now: each figure says how busy the shared machine was."""
    return f"   (load {os.getloadavg()[0]:.2f})"


LAUNCH_LABELS = (
    ("window_shown", "launch -> window shown"),
    ("page_built", "launch -> Surface Lab built"),
    ("surface_shown", "launch -> surface shown"),
    ("first_frame", "launch -> first animated frame"),
    ("computed", "launch -> start-up runs computed"),
)
LAUNCHES = (  # title, key, command line
    ("first launch in a new user folder (shipped runs)", "first", ()),
    ("next launch", "next", ()),
    ("a lesson's runs computed (saddle_escape)", "other_lesson", ("saddle_escape",)),
)


def measure_launches() -> dict[str, dict[str, float]]:
    """The launches of ``LAUNCHES`` in one new user folder: ``{key: marks}``."""
    with tempfile.TemporaryDirectory(prefix="losslab-bench-") as folder:
        return {key: measure_launch(folder, args=args) for _, key, args in LAUNCHES}


def main(argv: Sequence[str] = ()) -> int:
    print("LossLab window benchmark (offscreen, 1400x900 window)", flush=True)
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    launches = measure_launches()
    for title, which, _ in LAUNCHES:
        print(f"  {title}:", flush=True)
        for key, label in LAUNCH_LABELS:
            if key in launches[which]:
                print(f"  {label:34s} {launches[which][key]:7.2f} s{_load()}", flush=True)
            else:
                print(f"  {label:34s}   (not measured)", flush=True)
        if RUNS_COMPUTED in launches[which]:
            computed = int(launches[which][RUNS_COMPUTED])
            print(f"  {'runs computed (not replayed)':34s} {computed:7d}", flush=True)
    labels = {
        "race_fps": ("6-optimizer race, 512x512 map", "frames/s"),
        "race_cpu_ms": ("  GUI CPU per frame", "ms"),
        "swarm_fps": ("10,000-point swarm", "frames/s"),
        "swarm_cpu_ms": ("  GUI CPU per frame", "ms"),
        "race_open_first_batch": ("1000-step race opened -> 1st batch", "s"),
        "race_open_first_frame": ("1000-step race opened -> 1st frame", "s"),
        "race_open_rows_at_first_frame": (
            "  rows recorded at the 1st frame",
            f"of {RACE_STEPS + 1}",
        ),
        "race_open_computed": ("1000-step race opened -> computed", "s"),
    }

    def report(key: str, value: float) -> None:
        label, unit = labels[key]
        print(f"  {label:34s} {value:7.2f} {unit}{_load()}", flush=True)

    measure_window(report)
    return 0

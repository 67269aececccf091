"""The start-up path: the window is live while the engine loads, the pages not shown are built
when first shown, and a long race streams its first frames before it is computed.

Behaviour only: how fast is measured by ``losslab bench --gui``, not asserted here."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def _wait(condition, timeout_s: float = 60.0) -> bool:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.002)
    return False


@pytest.fixture(scope="module")
def deferred(qapp, tmp_path_factory):
    """A main window started as the app starts it: engine loaded with the hidden pages left to
    build, on a race of two 1000-step runs (opened when the engine is loaded)."""
    from desktop_app.bench import RACE_SCENE, RACE_STEPS
    from desktop_app.documents import Documents
    from desktop_app.main_window import MainWindow
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.network_lab.page import NetworkLabPage

    folder = tmp_path_factory.mktemp("startup")
    path = folder / "race.json"
    path.write_text(json.dumps(RACE_SCENE), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSLAB_DATA_DIR", str(folder / "user-data"))
        patch.setenv(IN_PROCESS_ENV, "1")  # no trainer process for a page built here
        window = MainWindow("en")
        window.open_scene(path)
        frames: list[tuple[int, int]] = []  # (cursor, rows recorded) at each frame drawn
        window.engineReady.connect(lambda: _watch_frames(window, frames))
        window.engine_loaded("CPU", "cpu", defer_pages=True)
        window.show()
        yield window, frames, RACE_STEPS
        patch.setattr(
            Documents, "ask_save_changes", lambda self: QMessageBox.StandardButton.Discard
        )
        patch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)
        for page in (window.surface_lab, window._data_lab, window._network_lab):
            if page is not None:
                page.shutdown()
        window.close()
        window.deleteLater()


def _watch_frames(window, frames: list[tuple[int, int]]) -> None:
    page = window.surface_lab
    draw = page.draw

    def counted() -> None:
        draw()
        frames.append((int(page.cursor), page.recorder.max_step() + 1))

    page.draw = counted


def test_a_long_race_draws_its_first_frames_before_it_is_computed(deferred):
    window, frames, steps = deferred
    page = window.surface_lab
    assert _wait(lambda: any(cursor >= 1 for cursor, _ in frames)), "no frame past step 0"
    cursor, rows = next((c, r) for c, r in frames if c >= 1)
    assert rows < steps + 1  # drawn while the runs were still computing
    assert _wait(lambda: all(run.done for run in page.runs.values()))
    for run in page.runs.values():  # streamed, yet every step recorded once
        assert page.recorder.get(run.id).count == steps + 1


def test_the_timer_draws_fewer_frames_while_a_race_computes(deferred, tmp_path):
    """While runs compute, the frame timer draws at most every ``COMPUTING_FRAME_S`` (the
    worker needs the GIL); once they are computed, every tick with news draws."""
    from desktop_app.bench import RACE_SCENE
    from desktop_app.surface_lab.timeline import COMPUTING_FRAME_S

    window, _, _ = deferred
    page = window.surface_lab
    path = tmp_path / "race.json"
    path.write_text(json.dumps(RACE_SCENE), encoding="utf-8")
    assert window.open_scene(path, ask=False)
    page.frame_timer.stop()
    try:
        assert _wait(lambda: page.recorder.max_step() > 0)  # the first records are in
        page._tick()  # drawn: the run's first records
        drawn, ticks, start = page.frames_drawn, 0, time.perf_counter()
        while time.perf_counter() - start < 3 * COMPUTING_FRAME_S:  # no events: still computing
            page._dirty = True
            page._tick()
            ticks += 1
            time.sleep(0.005)
        computing = page.frames_drawn - drawn
        assert not all(run.done for run in page.runs.values())
        assert ticks >= 30 and 1 <= computing <= 4
        assert _wait(lambda: all(run.done for run in page.runs.values()))
        drawn = page.frames_drawn
        for _ in range(5):
            page._dirty = True
            page._tick()
        assert page.frames_drawn - drawn == 5
    finally:
        page.frame_timer.start()


def test_a_scene_on_the_surface_shown_keeps_its_raster(deferred, tmp_path):
    """The race again: its surface is the one shown, so its runs need not wait for a new
    raster; another log scale is another raster."""
    from desktop_app.bench import RACE_SCENE

    window, _, _ = deferred
    page = window.surface_lab
    assert _wait(lambda: page.raster is not None and not page.service.busy())
    shown = page.raster
    path = tmp_path / "race.json"
    path.write_text(json.dumps(RACE_SCENE), encoding="utf-8")
    assert window.open_scene(path, ask=False)
    assert _wait(lambda: page.recorder.max_step() > 0)
    assert page.raster is shown
    page._set_log_scale(False)
    assert _wait(lambda: page.raster is not shown)
    assert not page.raster.log_scale
    page._set_log_scale(True)
    assert _wait(lambda: page.raster.log_scale)


def test_a_frame_hands_the_views_only_rows_they_do_not_show(deferred, monkeypatch):
    window, _, _ = deferred
    page = window.surface_lab
    assert _wait(lambda: all(run.done for run in page.runs.values()))
    paths: list[tuple[str, int]] = []
    set_path = page.map.set_path
    monkeypatch.setattr(
        page.map,
        "set_path",
        lambda run_id, xy: (paths.append((run_id, len(xy))), set_path(run_id, xy)),
    )
    page.seek(10)
    assert sorted(paths) == sorted((run_id, 11) for run_id in page.runs)
    paths.clear()
    page.cursor = 10.4  # playing: the cursor moved less than a step
    page.draw()
    assert paths == []
    page.seek(11)
    assert sorted(paths) == sorted((run_id, 12) for run_id in page.runs)
    x, _y = page.map.paths[next(iter(page.runs))].getData()
    assert len(x) == 12


def test_while_playing_the_plots_follow_at_half_the_map_rate(deferred):
    from desktop_app.surface_lab.timeline import PLOT_FRAME_S

    window, _, _ = deferred
    page = window.surface_lab
    assert _wait(lambda: all(run.done for run in page.runs.values()))
    run_id = next(iter(page.runs))
    page.frame_timer.stop()  # playing without the timer's ticks
    panel_updates = []
    for name in ("show_message", "show_curvature"):
        original = getattr(page.eigen_panel, name)
        setattr(
            page.eigen_panel,
            name,
            lambda *args, f=original, **kw: (panel_updates.append(1), f(*args, **kw)),
        )
    try:
        page.seek(20)
        page.set_playing(True)
        # The plots have just followed the cursor (an hour ahead: however slow the machine is,
        # the next draw comes within their interval).
        page._last_plots = time.perf_counter() + 3600.0
        panel_updates.clear()
        page.cursor = 21.0
        page.draw()
        assert len(page.map.paths[run_id].getData()[0]) == 22  # the map: every frame
        assert len(page.plots.curves["loss"][run_id].getData()[0]) == 21  # the plots wait
        # ... and so do the sharpness curve and the Hessian panel's numbers
        assert len(page.plots.curves["sharpness"][run_id].getData()[0]) == 21
        assert panel_updates == []
        page._last_plots = time.perf_counter() - PLOT_FRAME_S
        page.cursor = 22.0
        page.draw()
        assert len(page.plots.curves["loss"][run_id].getData()[0]) == 23
        assert len(page.plots.curves["sharpness"][run_id].getData()[0]) == 23
        assert panel_updates == [1]
        page.seek(30)  # paused: at once
        assert len(page.plots.curves["loss"][run_id].getData()[0]) == 31
    finally:
        for name in ("show_message", "show_curvature"):
            del page.eigen_panel.__dict__[name]  # the class's methods again
        page.set_playing(False)
        page.frame_timer.start()


def test_the_hidden_pages_are_built_when_first_shown(deferred):
    window, _, _ = deferred
    assert window._data_lab is None and window._network_lab is None
    titles = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert titles[:3] == ["Surface Lab", "Data && batches", "Network Lab"]
    window.pages.setCurrentIndex(1)  # the user chooses the Data tab
    data = window._data_lab
    assert data is not None and window.pages.widget(1) is data
    assert window.pages.currentWidget() is data and window._network_lab is None
    assert window.pages.tabText(1) == "Data && batches"
    window.pages.setCurrentIndex(0)
    assert window.network_lab is window.pages.widget(2)  # asked for: built then
    assert window.pages.currentIndex() == 0 and window.pages.count() == len(titles)


def test_the_window_processes_events_while_the_engine_loads(qapp, monkeypatch):
    """The loader's work happens in its own thread: the GUI's timers keep running meanwhile, and
    ``loaded`` arrives in the GUI thread."""
    import core.device
    from desktop_app.app import EngineLoader

    release = threading.Event()
    resolve = core.device.resolve_device

    def slow_resolve(name):  # the loader stays busy until the test lets it go
        release.wait(30)
        return resolve(name)

    monkeypatch.setattr(core.device, "resolve_device", slow_resolve)
    ticks: list[int] = []
    timer = QTimer(interval=1)
    timer.timeout.connect(lambda: ticks.append(1))
    loaded: list[bool] = []  # whether ``loaded`` ran in the GUI thread
    loader = EngineLoader()
    on_gui_thread = threading.main_thread
    loader.loaded.connect(lambda *_: loaded.append(threading.current_thread() is on_gui_thread()))
    timer.start()
    loader.start()
    try:
        assert _wait(lambda: len(ticks) >= 20, 10)  # the event loop ran meanwhile
        assert loader.isRunning() and not loaded
        release.set()
        assert _wait(lambda: bool(loaded), 30)
        assert loaded == [True]
    finally:
        release.set()
        timer.stop()
        loader.finish()


def test_the_loader_warms_torch_optim_only_once_its_gate_opens(qapp, monkeypatch):
    """The first torch.optim construction (importing torch._dynamo) waits for ``warm_gate``;
    ``finish`` (the app quitting) ends the thread without it."""
    import torch

    from desktop_app.app import EngineLoader

    built: list[str] = []
    monkeypatch.setattr(torch.optim, "Adam", lambda *args, **kwargs: built.append("Adam"))
    loaded: list[bool] = []
    for open_gate in (True, False):
        built.clear()
        loaded.clear()
        loader = EngineLoader()
        loader.loaded.connect(lambda *_: loaded.append(True))
        loader.start()
        assert _wait(lambda: bool(loaded), 30)
        time.sleep(0.2)
        QApplication.processEvents()
        assert built == [] and loader.isRunning()  # loaded, waiting for the gate
        if open_gate:
            loader.warm_gate.set()
            assert loader.wait(30_000)
            assert built == ["Adam"]
        else:
            loader.finish()
            assert loader.isFinished() and built == []


def test_the_gate_opens_once_the_first_frame_past_the_start_is_drawn(deferred, tmp_path):
    """The loader's warm-up waits for a frame that drew the runs past their start: records past
    step 0 alone (frames drawn before them) do not open the gate; the next frame does."""
    from desktop_app.app import FRAME_CHECK_MS, _open_gate_after_first_frame
    from desktop_app.bench import RACE_SCENE

    window, _, _ = deferred
    page = window.surface_lab
    path = tmp_path / "race.json"
    path.write_text(json.dumps(RACE_SCENE), encoding="utf-8")
    assert window.open_scene(path, ask=False)
    page.frame_timer.stop()  # the test draws the frames
    try:
        gate = threading.Event()
        _open_gate_after_first_frame(window, gate)
        assert page.frames_drawn > 0  # this window drew frames before
        assert _wait(lambda: page.recorder.max_step() > 0)
        deadline = time.perf_counter() + 5 * FRAME_CHECK_MS / 1000
        assert not _wait(gate.is_set, deadline - time.perf_counter())  # no frame drew them
        page._dirty = True
        page._tick()
        assert _wait(gate.is_set, 5)
    finally:
        page.frame_timer.start()


def test_a_run_computed_once_plays_from_the_cache_the_next_time(deferred, tmp_path, monkeypatch):
    """With a cache of computed runs (the app's), a scene opened again plays without computing:
    the engine is not even built, and every recorded column is as computed."""
    import desktop_app.surface_lab.jobs as jobs
    from desktop_app.bench import RACE_SCENE

    window, _, _ = deferred
    page = window.surface_lab
    scene = dict(RACE_SCENE, runs=[dict(run, steps=60) for run in RACE_SCENE["runs"]])
    path = tmp_path / "short-race.json"
    path.write_text(json.dumps(scene), encoding="utf-8")
    monkeypatch.setattr(page, "run_cache", tmp_path / "runs")
    assert window.open_scene(path, ask=False)
    assert _wait(lambda: all(run.done for run in page.runs.values()))
    computed = {
        page.runs[i].label: {k: v[:61].copy() for k, v in page.recorder.get(i).state.items()}
        for i in page.runs
    }
    computed_xy = {page.runs[i].label: page.recorder.get(i).positions.copy() for i in page.runs}
    assert len(list((tmp_path / "runs").glob("*.npz"))) == len(scene["runs"])

    def no_engine(*args, **kwargs):
        raise AssertionError("a cached run must not build its engine")

    monkeypatch.setattr(jobs, "PointRun", no_engine)
    assert window.open_scene(path, ask=False)
    assert _wait(lambda: all(run.done for run in page.runs.values()))
    assert not any("failed" in run.extra for run in page.runs.values())
    for run_id, run in page.runs.items():
        track = page.recorder.get(run_id)
        assert track.count == 61
        np.testing.assert_array_equal(track.positions, computed_xy[run.label])
        assert sorted(track.state) == sorted(computed[run.label])
        for name, column in computed[run.label].items():
            np.testing.assert_array_equal(track.state[name][:61], column)
    # Another start computes: the engine is asked for (and fails here, for that run alone).
    first = next(iter(page.runs))
    assert page._replace_spec(first, start=[-1.0, 2.0])
    page._restart_run(first)
    assert _wait(lambda: page.runs[first].done)
    assert "a cached run must not build its engine" in page.runs[first].extra.get("failed", "")


def test_the_start_up_lesson_plays_its_shipped_runs_at_a_first_launch(
    deferred, tmp_path, monkeypatch
):
    """With an empty cache of computed runs (a user's first launch), the start-up lesson plays
    the runs shipped in resources/run_cache: no engine is built, nothing is stored in the
    user's cache, and every run's positions and state are the engine's."""
    import desktop_app.surface_lab.jobs as jobs
    from core.shipped_runs import start_up_runs, start_up_scene

    window, _, _ = deferred
    page = window.surface_lab
    monkeypatch.setattr(page, "run_cache", tmp_path / "runs")

    def no_engine(*args, **kwargs):
        raise AssertionError("a shipped run must not build its engine")

    monkeypatch.setattr(jobs, "PointRun", no_engine)
    assert window.open_scene(start_up_scene(), ask=False)
    assert _wait(lambda: all(run.done for run in page.runs.values()))
    assert not any("failed" in run.extra for run in page.runs.values())
    assert not (tmp_path / "runs").exists()
    engine = {run.label: list(run.compute()) for run in start_up_runs()}
    assert sorted(engine) == sorted(run.label for run in page.runs.values())
    for run_id, run in page.runs.items():
        track, records = page.recorder.get(run_id), engine[run.label]
        assert track.count == len(records) == 501
        np.testing.assert_allclose(track.positions, [r.positions for r in records], rtol=1e-6)
        assert sorted(track.state) == sorted(records[-1].state)
        for name, column in track.state.items():
            np.testing.assert_allclose(column[-1], records[-1].state[name], rtol=1e-6)


def test_a_launch_reports_how_many_runs_it_computed(tmp_path):
    """The real app started in a new user folder (``losslab bench --gui``'s launch): the
    start-up lesson's runs are all replayed from the shipped seeds; a lesson never computed
    before computes its two."""
    from core.record_cache import torch_minor
    from core.shipped_runs import SEED_TORCH
    from desktop_app.app import RUNS_COMPUTED
    from desktop_app.bench import measure_launch

    first = measure_launch(str(tmp_path), timeout_s=120)
    assert first["first_frame"] <= first["computed"]
    assert first[RUNS_COMPUTED] == (0 if torch_minor() == SEED_TORCH else 6)
    other = measure_launch(str(tmp_path), timeout_s=120, args=["saddle_escape"])
    assert other[RUNS_COMPUTED] == 2 and "first_frame" in other


START_UP_SCRIPT = """
import json, os, sys
from pathlib import Path
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["LOSSLAB_DATA_DIR"] = sys.argv[3]
from desktop_app.app import create_application
app = create_application()
from desktop_app.main_window import MainWindow
window = MainWindow("en")
window.run_cache = Path(sys.argv[1])
window.open_scene(sys.argv[2])
window.engine_loaded("CPU", "cpu", defer_pages=True)
window.show()
page = window.surface_lab
idle = page.wait_idle(120)
page.draw()
print(json.dumps({
    "idle": idle,
    "rows": [page.recorder.get(run_id).count for run_id in page.runs],
    "dynamo": "torch._dynamo" in sys.modules,
}))
page.shutdown()
"""


def test_a_start_up_scene_from_the_cache_never_imports_torch_dynamo(light_scene, tmp_path):
    """The start-up path end to end, in fresh interpreters: the window, the Surface Lab, the
    scene's validation, the run editor and the runs played from the cache import no
    ``torch._dynamo`` (the second of the launch it costs); computing them does."""
    import subprocess
    import sys

    cache = tmp_path / "runs"
    results = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", START_UP_SCRIPT, str(cache), str(light_scene), str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    computed, cached = results
    assert computed["idle"] and cached["idle"]
    assert computed["rows"] == cached["rows"] == [201, 201]
    assert computed["dynamo"] and not cached["dynamo"]

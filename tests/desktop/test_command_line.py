"""The ``losslab`` entry point: the window's start-up checks, ``self-test``'s window check and
``render``'s output and compute wait (it must never hang)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import desktop_app.main as entry
from desktop_app.main import window_problem

ROOT = Path(__file__).resolve().parents[2]
NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")
SMALL = {
    "format": 1,
    "title": "Bowl",
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.02}, "start": [2, 1], "steps": 20},
        {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.1}, "start": [-2, 1], "steps": 20},
    ],
}


def scene_file(tmp_path, data=None) -> Path:
    path = tmp_path / "scene.json"
    path.write_text(json.dumps(data or SMALL), encoding="utf-8")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY}
    return {**env, **extra}


def no_plugin(name: str) -> None:
    """No plugin file to load: the soname list decides (as on a system without PySide6's)."""
    return None


def loader(missing: set[str]):
    def load(soname: str) -> None:
        if soname in missing:
            raise OSError(f"{soname}: cannot open shared object file")

    return load


@pytest.fixture
def no_window(monkeypatch):
    """Fail the test if the window would really be started."""
    import desktop_app.app

    def run_app(**kwargs):
        raise AssertionError(f"the window was started: {kwargs}")

    monkeypatch.setattr(desktop_app.app, "run_app", run_app)


# --- which platform, and why not ----------------------------------------------------------------


def test_platform_candidates_follow_qt():
    assert entry.platform_candidates({"DISPLAY": ":0"}) == ["xcb"]
    assert entry.platform_candidates({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == [
        "wayland",
        "xcb",
    ]
    assert entry.platform_candidates({"QT_QPA_PLATFORM": "xcb"}) == ["xcb"]
    assert entry.platform_candidates({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert entry.platform_candidates({"QT_QPA_PLATFORM": "wayland;xcb"}) == ["wayland", "xcb"]


def test_no_display_is_one_line():
    lines = window_problem({}, "linux", loader(set()), lambda display: True, no_plugin)
    assert len(lines) == 1 and "no display" in lines[0] and "DISPLAY" in lines[0]
    assert window_problem({}, "win32") is None  # native platforms need no display variable
    assert window_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None


def test_missing_xcb_libraries_are_named_with_their_packages():
    missing = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    lines = window_problem({"DISPLAY": ":0"}, "linux", loader(missing), lambda d: True, no_plugin)
    text = "\n".join(lines)
    assert "libxcb-icccm.so.4" in lines[0] and "libxcb-keysyms.so.1" in lines[0]
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in text
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in text
    assert "libxcb-cursor0" not in text  # Qt's own message blames xcb-cursor whatever is missing


def test_a_working_platform_is_enough_and_a_dead_display_is_named():
    env = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}
    no_wayland = loader({"libwayland-client.so.0"})
    assert window_problem(env, "linux", no_wayland, lambda d: True, no_plugin) is None  # xcb
    lines = window_problem({"DISPLAY": ":5"}, "linux", loader(set()), lambda d: False, no_plugin)
    assert "cannot connect to the X display ':5'" in lines[0]
    assert (
        window_problem({"DISPLAY": ":5"}, "linux", loader(set()), lambda d: True, no_plugin) is None
    )


def test_the_plugin_itself_decides():
    """A plugin that loads (its libraries bundled beside it) is fine whatever the system lacks;
    one that does not load is reported with the library its loader names."""
    env = {"DISPLAY": ":0"}
    lacking = loader({"libxcb-icccm.so.4"})
    assert window_problem(env, "linux", lacking, lambda d: True, lambda name: "") is None
    error = "libxcb-keysyms.so.1: cannot open shared object file: No such file or directory"
    lines = window_problem(env, "linux", loader(set()), lambda d: True, lambda name: error)
    assert "libxcb-keysyms.so.1" in lines[0]
    assert any("apt-get install libxcb-keysyms1" in line for line in lines)


def test_open_reports_missing_libraries_instead_of_starting_qt(monkeypatch, capsys, no_window):
    for name in NO_DISPLAY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(entry, "_load", loader({"libxcb-icccm.so.4"}))
    monkeypatch.setattr(entry, "_plugin_error", no_plugin)
    assert entry.main([]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("losslab: error: the window cannot open")
    assert any("apt-get install libxcb-icccm4" in line for line in err)


def test_open_checks_the_scene_first(tmp_path, capsys, no_window):
    assert entry.main(["open", str(tmp_path / "nothere.json")]) == 2
    assert "no such file or lesson" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        entry.main(["frobnicate"])  # not a file, not .json, not a lesson: a usage error
    assert done.value.code == 2


def test_the_window_never_aborts_without_a_display_or_its_libraries():
    """Before: Qt's "could not load the platform plugin" abort (core dump). After: exit 1, one
    clear message; on a machine with every library the dead display :987 is named instead."""
    for env in (clean_env(), clean_env(DISPLAY=":987")):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "desktop_app.main"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, (done.returncode, done.stderr)
        assert done.stderr.startswith("losslab: error:"), done.stderr
        assert "core dumped" not in done.stderr and time.perf_counter() - start < 60
        if "DISPLAY" not in env:
            assert len(done.stderr.strip().splitlines()) == 1 and "no display" in done.stderr


# --- self-test ----------------------------------------------------------------------------------


def test_self_test_fails_when_the_window_cannot_open(monkeypatch, capsys):
    from desktop_app import self_test

    for name in NO_DISPLAY:
        monkeypatch.delenv(name, raising=False)
    assert self_test.self_test() == 1
    captured = capsys.readouterr()
    assert "FAIL  window" in captured.err and "no display" in captured.err
    for check in ("Qt", "torch", "scene"):  # the other checks still run, offscreen
        assert f"ok    {check}" in captured.out


def test_self_test_survives_a_platform_that_aborts(monkeypatch):
    """A window that cannot open even though the pre-check passed (here: a display with no X
    server behind it, the pre-check skipped) is a FAIL line, not a dead self-test."""
    from desktop_app import self_test

    monkeypatch.setattr(entry, "window_problem", lambda env=None: None)
    with pytest.raises(self_test.CheckFailed) as failed:
        self_test.check_window(clean_env(DISPLAY=":987"))
    assert "the window cannot open" in str(failed.value)


def test_self_test_window_check_passes_on_a_real_display(tmp_path):
    """Xvfb stands in for a desktop; skipped where it or the xcb libraries are missing."""
    import shutil

    from desktop_app import self_test

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    display = ":986"
    env = clean_env(DISPLAY=display)
    if window_problem(env, x_opens=lambda d: True) is not None:
        pytest.skip("the xcb platform's system libraries are missing here (see README)")
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "800x600x24"])
    try:
        time.sleep(1.0)
        assert "a window opens on Qt platform 'xcb'" in self_test.check_window(env)
    finally:
        server.terminate()
        server.wait(10)


# --- render -------------------------------------------------------------------------------------


def test_render_writes_png_bytes_to_stdout(tmp_path, capfdbinary, qapp):
    assert entry.main(["render", str(scene_file(tmp_path)), "--out", "-", "--size", "400x300"]) == 0
    captured = capfdbinary.readouterr()
    assert captured.out.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"wrote standard output" in captured.err


def test_render_checks_out_before_computing(tmp_path, capsys, monkeypatch):
    from desktop_app import render

    monkeypatch.setattr(render, "_render", lambda *a: pytest.fail("computed before --out"))
    scene = str(scene_file(tmp_path))
    for out, words in [(tmp_path / "no" / "a.png", "no such folder"), ("/dev/null", "special")]:
        assert entry.main(["render", scene, "--out", str(out), "--format", "png"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0]


def test_render_refuses_a_network_scene(capsys):
    assert entry.main(["render", "network_overfitting", "--out", "-"]) == 2
    assert "network scene" in capsys.readouterr().err


def test_render_on_a_full_disk_exits_1_and_leaves_no_file(tmp_path, capsys, monkeypatch, qapp):
    import core.fileio

    real_write = os.write

    def full_disk(fd, data):
        if ".slide.png." in os.readlink(f"/proc/self/fd/{fd}"):
            return 0  # the disk takes nothing more
        return real_write(fd, data)

    monkeypatch.setattr(core.fileio.os, "write", full_disk)
    out = tmp_path / "slide.png"
    scene = str(scene_file(tmp_path))
    assert entry.main(["render", scene, "--out", str(out), "--size", "400x300"]) == 1
    captured = capsys.readouterr()
    assert "cannot write the picture" in captured.err and "wrote" not in captured.out
    assert sorted(os.listdir(tmp_path)) == ["scene.json"]


def test_render_of_a_failing_engine_exits_1_within_seconds(tmp_path, capsys, monkeypatch, qapp):
    """Before: a RuntimeError in the engine hung ``losslab render`` (superqt takes it for an
    abort: no error, no finished). After: one line naming the run, exit 1, in seconds."""
    import core.engine

    real_records = core.engine.PointRun.records

    def records(self):
        if self.config.label != "GD":
            yield from real_records(self)
            return
        for index, record in enumerate(real_records(self)):
            if index == 3:
                raise RuntimeError("boom in the engine")
            yield record

    monkeypatch.setattr(core.engine.PointRun, "records", records)
    out = tmp_path / "slide.png"
    start = time.perf_counter()
    assert entry.main(["render", str(scene_file(tmp_path)), "--out", str(out)]) == 1
    assert time.perf_counter() - start < 60
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("losslab: error:") and "GD" in err[-1]
    assert not out.exists()


def test_render_notices_a_worker_that_stops_without_a_word(tmp_path, capsys, monkeypatch, qapp):
    """A job that ends without delivering its batches (nothing failed, nothing finished)."""
    from superqt.utils import GeneratorWorker

    monkeypatch.setattr(GeneratorWorker, "work", lambda self: None)
    out = tmp_path / "slide.png"
    start = time.perf_counter()
    assert entry.main(["render", str(scene_file(tmp_path)), "--out", str(out)]) == 1
    assert time.perf_counter() - start < 30
    err = capsys.readouterr().err
    assert "stopped before it finished" in err and not out.exists()


# --- dispatch -----------------------------------------------------------------------------------


def test_a_lesson_id_opens_its_scene_and_bench_gui_reaches_the_window_bench(monkeypatch):
    import desktop_app.app
    import desktop_app.bench

    opened = []
    monkeypatch.setattr(desktop_app.app, "run_app", lambda **kw: opened.append(kw) or 0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # a platform that needs no display
    assert entry.main(["race_rosenbrock", "--lang", "zh"]) == 0
    assert entry.main(["open"]) == 0
    assert opened[0]["language"] == "zh"
    assert Path(opened[0]["scene_path"]).name == "race_rosenbrock.json"
    assert opened[1] == {"scene_path": None, "language": None}
    monkeypatch.setattr(desktop_app.bench, "main", lambda: 7)
    assert entry.main(["bench", "--gui"]) == 7

"""``losslab run`` / ``scenes``: results, exit codes, and one clear line for bad input."""

import io
import json
import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from core.cli import main
from tests.core.test_scene import CONTRACT


def write(tmp_path, data, name="scene.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_run_writes_the_documented_result(tmp_path, capsys):
    scene = write(tmp_path, CONTRACT)
    out = tmp_path / "result.json"
    assert main(["run", str(scene), "--out", str(out), "--steps", "30", "--device", "cpu"]) == 0
    result = json.loads(out.read_text())
    assert result["format"] == 1 and result["device"] == "cpu" and result["dtype"] == "float64"
    sgd, adam = result["runs"]
    assert sgd["label"] == "SGD" and sgd["status"] == "ok"
    assert len(sgd["positions"]) == len(sgd["loss"]) == len(sgd["grad"]) == 31
    assert len(sgd["lr"]) == 30 and sgd["positions"][0] == [-2.5, 2.0]
    # the loss written is the formula at the positions written, and grad is its gradient
    xy = np.array(sgd["positions"])
    np.testing.assert_allclose(sgd["loss"], xy[:, 0] ** 2 + 10 * xy[:, 1] ** 2, rtol=1e-12)
    np.testing.assert_allclose(sgd["grad"], np.stack([2 * xy[:, 0], 20 * xy[:, 1]], 1), rtol=1e-12)
    assert sgd["loss"][-1] < sgd["loss"][0]
    assert adam["lr"] == [0.1] * 30  # step_size 50: not reached in 30 steps
    assert "wrote" in capsys.readouterr().out


def test_schedule_changes_the_lr_per_step(tmp_path):
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, CONTRACT)), "--out", str(out), "--steps", "120"]) == 0
    lr = json.loads(out.read_text())["runs"][1]["lr"]
    assert lr[0] == lr[49] == 0.1 and lr[50] == lr[99] == 0.05 and lr[100] == 0.025


def test_many_starts_add_an_axis(tmp_path):
    data = json.loads(json.dumps(CONTRACT))
    run = data["runs"][0]
    run.pop("start")
    run["starts"] = [[-2, 2], [1, 1], [0.5, -0.5]]
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, data)), "--out", str(out), "--steps", "5"]) == 0
    first = json.loads(out.read_text())["runs"][0]
    assert np.array(first["positions"]).shape == (6, 3, 2)
    assert np.array(first["loss"]).shape == (6, 3)


def test_divergence_is_a_result_not_an_error(tmp_path):
    data = json.loads(json.dumps(CONTRACT))
    data["runs"][0]["optimizer"] = {"name": "sgd", "lr": 1.5}
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, data)), "--out", str(out), "--steps", "60"]) == 0
    sgd = json.loads(out.read_text())["runs"][0]
    assert sgd["status"] == "diverged" and sgd["diverged_at"] > 0
    assert all(v is not None for v in sgd["loss"])  # frozen at the last finite point
    assert len(sgd["positions"]) == 61


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{oops", "invalid JSON"),
        (json.dumps({**CONTRACT, "format": 7}), "format"),
        ('{"runs": [{"optimizer": {"name": "sgd", "lr": NaN}, "start": [0, 0]}]}', "finite"),
        ('{"runs": [{"optimizer": {"name": "sgd", "lr": 0.1}, "start": [0, Infinity]}]}', "finite"),
        (json.dumps({"format": 1, "surface": {"formula": "x**2 + )"}}), "column"),
        (json.dumps({"format": 1, "surface": {"builtin": "nope"}}), "nope"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_result(tmp_path, capsys, content, words):
    scene = write(tmp_path, content)
    out = tmp_path / "result.json"
    assert main(["run", str(scene), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0] and str(scene) in err[0]
    assert "Traceback" not in err[0]
    assert not out.exists()


def test_missing_file_and_bad_steps(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["run", str(tmp_path / "none.json"), "--out", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    scene = write(tmp_path, CONTRACT)
    assert main(["run", str(scene), "--out", str(out), "--steps", "-3"]) == 2
    assert not out.exists()


def test_console_script_runs_headless_without_qt(tmp_path):
    scene = write(tmp_path, CONTRACT)
    out = tmp_path / "r.json"
    code = (
        "import sys; from desktop_app.main import main; "
        f"rc = main(['run', {str(scene)!r}, '--out', {str(out)!r}, '--steps', '3']); "
        "assert 'PySide6' not in sys.modules, 'headless run imported Qt'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.exists()


def test_scenes_lists_the_lessons(capsys):
    assert main(["scenes"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) >= 5


# --- one command line: commands, conventions, exit codes ----------------------------------------

EVERY_COMMAND = ("run", "render", "scenes", "bench", "self-test", "open")


def test_help_lists_every_command_and_version_prints(capsys):
    from core import __version__

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in EVERY_COMMAND:
        assert f"    {command}" in out, command
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"losslab {__version__}"


def test_an_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main(["frobnicate"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "losslab: error:" in err and "frobnicate" in err and "usage:" in err


def test_a_scene_or_nothing_means_open(tmp_path):
    from core.cli import with_command

    scene = write(tmp_path, CONTRACT, "ravine")  # an existing file, whatever its name
    assert with_command([]) == ["open"]
    assert with_command([str(scene)]) == ["open", str(scene)]
    assert with_command(["later.json"]) == ["open", "later.json"]  # reported by 'open'
    assert with_command(["race_rosenbrock"]) == ["open", "race_rosenbrock"]  # a lesson id
    assert with_command(["--lang", "zh"]) == ["open", "--lang", "zh"]
    assert with_command(["frobnicate"]) == ["frobnicate"]  # argparse refuses it
    assert with_command(["run", "x.json"]) == ["run", "x.json"]


def test_qt_commands_need_the_desktop_handlers(capsys):
    assert main(["self-test"]) == 2
    assert "losslab self-test" in capsys.readouterr().err
    seen = []
    assert main(["render", "a.json", "--out", "a.png"], {"render": seen.append}) is None
    assert seen[0].out == "a.png"


def test_run_accepts_a_lesson_id_and_writes_json_to_stdout(capsys):
    assert main(["run", "race_rosenbrock", "--out", "-", "--steps", "2", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)  # stdout is the result alone
    assert result["format"] == 1 and len(result["runs"][0]["loss"]) == 3
    assert "wrote standard output" in captured.err


def test_out_is_checked_before_computing(tmp_path, capsys, monkeypatch):
    import core.runner

    def never(*args, **kwargs):
        raise AssertionError("computed before checking --out")

    monkeypatch.setattr(core.runner, "run_scene", never)
    scene = str(write(tmp_path, CONTRACT))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for out, words in [
        (tmp_path / "missing" / "r.json", "no such folder"),
        (tmp_path, "a folder"),
        (fifo, "special file"),
    ]:
        assert main(["run", scene, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("losslab: error: --out") and words in err[0]


def test_result_replaces_a_symlink_and_gets_normal_permissions(tmp_path):
    scene = str(write(tmp_path, CONTRACT))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "r.json"
    link.symlink_to(victim)
    old = os.umask(0o022)
    try:
        assert main(["run", scene, "--out", str(link), "--steps", "2"]) == 0
    finally:
        os.umask(old)
    assert victim.read_text() == "keep me"  # not written through
    assert not link.is_symlink() and json.loads(link.read_text())["format"] == 1
    assert stat.S_IMODE(link.stat().st_mode) == 0o644  # not a temporary file's 0600


def test_a_full_disk_exits_1_and_leaves_no_partial_result(tmp_path, capsys, monkeypatch):
    import core.fileio

    real_write = os.write

    def short_write(fd, data):  # a full disk: part of the first write to the result, then 0
        if ".r.json." not in os.readlink(f"/proc/self/fd/{fd}"):
            return real_write(fd, data)
        if short_write.calls:
            return 0
        short_write.calls.append(fd)
        return real_write(fd, bytes(data[:7]))

    short_write.calls = []
    scene = str(write(tmp_path, CONTRACT))
    out = tmp_path / "r.json"
    monkeypatch.setattr(core.fileio.os, "write", short_write)
    assert main(["run", scene, "--out", str(out), "--steps", "2"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("losslab: error:") and "cannot write" in err[0]
    assert short_write.calls, "the write was not reached"
    assert not out.exists() and os.listdir(tmp_path) == ["scene.json"]


def test_an_engine_failure_exits_1_with_one_line(tmp_path, capsys, monkeypatch):
    import core.engine

    def broken_records(self):
        yield from ()
        raise RuntimeError("boom in the engine")

    monkeypatch.setattr(core.engine.PointRun, "records", broken_records)
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, CONTRACT)), "--out", str(out), "--steps", "3"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "RuntimeError: boom in the engine" in err[0]
    assert "Traceback" not in err[0] and not out.exists()


def test_scenes_and_bench_import_no_qt(tmp_path):
    code = (
        "import sys; from desktop_app.main import main; "
        "assert main(['scenes']) == 0; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt')]; "
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


class _FlushWatcher(io.StringIO):
    """A stdout that knows what was written but not yet flushed."""

    def __init__(self):
        super().__init__()
        self.unflushed = ""

    def write(self, text):
        self.unflushed += text
        return super().write(text)

    def flush(self):
        self.unflushed = ""


def test_bench_shows_each_figure_before_measuring_the_next(monkeypatch):
    import core.bench

    watcher = _FlushWatcher()
    measured = []

    def measure(*args, **kwargs):
        # Everything printed so far has been flushed: a terminal or pipe shows it now.
        assert watcher.unflushed == "", (
            f"not flushed before the next measurement: {watcher.unflushed!r}"
        )
        measured.append(args)
        return 1.0

    monkeypatch.setattr(core.bench, "point_steps_per_second", measure)
    monkeypatch.setattr(core.bench, "grid_seconds", measure)
    monkeypatch.setattr(sys, "stdout", watcher)
    assert main(["bench", "--quick", "--device", "cpu"]) == 0
    assert len(measured) == 10 and watcher.unflushed == ""
    assert watcher.getvalue().count("\n") == 11  # the heading and every figure


def test_nets_bench_shows_each_figure_before_measuring_the_next(monkeypatch):
    import core.nets.bench as nets

    watcher = _FlushWatcher()

    def measured(value):
        def measure(*args, **kwargs):
            assert watcher.unflushed == "", f"not flushed: {watcher.unflushed!r}"
            return value

        return measure

    monkeypatch.setattr(nets, "small_net_rate", measured((300.0, 500)))
    monkeypatch.setattr(nets, "digits_epoch_seconds", measured((0.1, 1000)))
    monkeypatch.setattr(nets, "hessian_seconds", measured((0.2, 900)))
    monkeypatch.setattr(nets, "lanczos_seconds", measured((0.5, 20000, 1000)))
    monkeypatch.setattr(nets, "playground_rate", measured(50.0))
    monkeypatch.setattr(nets, "playground_rates", measured((60.0, 200.0, 220.0, 900.0)))
    monkeypatch.setattr(nets, "compile_seconds", measured((8.0, 1.5)))
    monkeypatch.setattr(nets, "many_rate", measured((2000.0, 60.0, 200.0)))
    rates = {"ratios": (1500.0, 90.0), "ema": (1200.0, 130.0)}
    monkeypatch.setattr(nets, "watched_rates", measured(rates))
    monkeypatch.setattr(sys, "stdout", watcher)
    assert main(["bench", "--nets", "--quick"]) == 0
    assert watcher.unflushed == "" and watcher.getvalue().count("target") == 26
    assert "update-ratio tab on: compiled epoch" in watcher.getvalue()


def test_run_calls_the_scene_budget_with_the_steps_override(tmp_path, capsys, monkeypatch):
    import core.runner
    import core.scene

    seen = []

    def check_budget(scene, steps=None, *, source=""):
        seen.append(steps)
        if steps is not None:  # load_scene checks the scene as written (steps None) itself
            raise core.scene.SceneError("too much work (a test budget)", source=source)

    monkeypatch.setattr(core.scene, "check_budget", check_budget, raising=False)
    monkeypatch.setattr(core.runner, "run_scene", lambda *a, **k: pytest.fail("computed"))
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, CONTRACT)), "--out", str(out), "--steps", "7"]) == 2
    assert seen[-1] == 7 and "too much work" in capsys.readouterr().err and not out.exists()


def test_steps_that_make_a_scene_too_costly_are_refused_before_computing(tmp_path, capsys):
    data = json.loads(json.dumps(CONTRACT))
    data["runs"][0].pop("start")
    data["runs"][0]["starts"] = [[x / 100, 1.0] for x in range(2000)]
    scene, out = str(write(tmp_path, data)), tmp_path / "r.json"
    start = time.perf_counter()
    assert main(["run", scene, "--out", str(out), "--steps", "100000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "with 100000 steps" in err[0] and scene in err[0]
    assert time.perf_counter() - start < 10 and not out.exists()


# --- losslab diagnose ----------------------------------------------------------------------------


def test_diagnose_prints_the_verdict_and_its_evidence(capsys):
    import resources

    overfitting = str(resources.path("curves", "overfitting.csv"))
    assert main(["diagnose", overfitting]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Diagnosis: Overfitting [overfitting]")
    assert "The validation loss was lowest at epoch 7 (0.179)" in out
    assert "Best epoch: 7" in out and "(lesson: network_early_stopping)" in out
    assert main(["diagnose", overfitting, "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    assert zh.startswith("诊断: 过拟合 [overfitting]") and "第 7 个 epoch" in zh
    assert main(["diagnose", str(resources.path("curves", "mismatch.json")), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"]["case"] == "mismatch" and data["verdict"]["experiment"] == "hold_out"


def test_diagnose_reads_stdin_and_takes_a_baseline(capsys, monkeypatch):
    text = "loss\n" + "".join(f"{0.15 + 0.6 * 0.8**i:.4f}\n" for i in range(40))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["diagnose", "-"]) == 0  # 0.15 of a start of 0.75 (20%): not large
    assert "[good_fit]" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["diagnose", "-", "--baseline", "0.4"]) == 0  # 38% of the baseline: model bias
    assert "[model_bias]" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name,content,where",
    [
        ("bad.csv", "epoch,loss\n0,0.7\n1,0.6\n2,zero\n", ":4: train_loss: 'zero' is not a number"),
        ("bad.json", '{"loss": [0.7,\n 0.6,\n 0.5,]}', ":3: invalid JSON"),
        ("short.csv", "epoch,loss\n0,0.7\n", ":2: 1 epoch row(s)"),
    ],
)
def test_diagnose_bad_file_exits_2_with_one_line(tmp_path, capsys, name, content, where):
    path = write(tmp_path, content, name)
    assert main(["diagnose", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and not captured.out
    assert err[0].startswith(f"losslab: error: {path}{where}"), err[0]


def test_diagnose_missing_file_and_bad_baseline(tmp_path, capsys):
    assert main(["diagnose", str(tmp_path / "nope.csv")]) == 2
    missing = tmp_path / "nope.csv"
    assert capsys.readouterr().err.strip() == f"losslab: error: {missing}: no such file"
    good = write(tmp_path, "loss\n0.7\n0.6\n0.5\n", "ok.csv")
    assert main(["diagnose", str(good), "--baseline", "-1"]) == 2
    assert "--baseline must be a positive number" in capsys.readouterr().err


def test_diagnose_imports_neither_qt_nor_torch():
    import resources

    curves = str(resources.path("curves", "plateau.csv"))
    code = (
        "import sys; from desktop_app.main import main; "
        f"assert main(['diagnose', {curves!r}]) == 0; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'torch')]; "
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "[plateau]" in done.stdout and "train a shallower model" in done.stdout


def test_help_lists_diagnose(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0 and "    diagnose" in capsys.readouterr().out
    from core.cli import with_command

    assert with_command(["diagnose", "x.csv"]) == ["diagnose", "x.csv"]  # not 'open'

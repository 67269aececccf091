"""``losslab run`` / ``scenes``: results, exit codes, and one clear line for bad input."""

import json
import subprocess
import sys

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
        (json.dumps({"surface": {"formula": "x**2 + )"}}), "column"),
        (json.dumps({"surface": {"builtin": "nope"}}), "nope"),
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

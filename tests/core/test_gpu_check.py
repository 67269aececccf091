"""The prepared GPU checks (core.gpu_check), run on the CPU with small sizes."""

import json
import math

import pytest
import torch

from core import gpu_check

SMALL = {
    "scenes": (("momentum_ravine", 30), ("network_race_optimizers", 2)),
    "swarm_points": 500,
    "timing_sizes": {"n_examples": 256, "features": 8, "width": 16, "depth": 1, "classes": 3},
    "network_epochs": 3,
}


def test_the_largest_difference_is_relative_and_says_where():
    expected = {"runs": [{"loss": [1.0, 200.0, None], "label": "a"}]}
    actual = {"runs": [{"loss": [1.0, 200.002, None], "label": "b"}]}
    difference, where = gpu_check.largest_difference(expected, actual)
    assert difference == pytest.approx(1e-5)  # 0.002 / 200
    assert where == "runs[0].loss[1]"
    assert gpu_check.largest_difference(expected, {"runs": []})[0] == math.inf
    nan_one_side = {"runs": [{"loss": [1.0, math.nan, None], "label": "a"}]}
    assert gpu_check.largest_difference(expected, nan_one_side)[0] == math.inf


def test_every_check_runs_on_the_cpu_and_the_scenes_match_themselves():
    lines: list[str] = []
    figures = gpu_check.run_checks(torch.device("cpu"), lines.append, **SMALL)
    assert gpu_check.passed(figures)
    assert [row["scene"] for row in figures["scenes"]] == [
        "momentum_ravine",
        "momentum_ravine",
        "network_race_optimizers",
        "network_race_optimizers",
    ]
    assert all(row["difference"] == 0.0 for row in figures["scenes"])  # the CPU against itself
    assert figures["swarm"]["recorded_steps"] == gpu_check.SWARM_STEPS + 1  # step 0 too
    assert [row["batch_size"] for row in figures["timing"]][0] == 1
    assert figures["network"]["epochs"] == 3
    assert math.isfinite(figures["network"]["final_train_loss"])
    assert len(lines) == 1 + 4 + 1 + len(figures["timing"]) + 1


def test_a_mismatch_or_a_failing_check_fails_the_run_and_the_others_still_run(monkeypatch):
    def broken(device, points):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(gpu_check, "swarm_rate", broken)
    lines: list[str] = []
    figures = gpu_check.run_checks(torch.device("cpu"), lines.append, **SMALL)
    assert figures["swarm"] == {"error": "RuntimeError: CUDA out of memory"}
    assert "network" in figures and "epochs" in figures["network"]
    assert not gpu_check.passed(figures)
    assert any("swarm: FAILED" in line for line in lines)
    figures = {"scenes": [{"ok": True}, {"ok": False}]}
    assert not gpu_check.passed(figures)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_without_a_cuda_device_it_says_so_and_exits_2(capsys):
    assert gpu_check.main(["--device", "cuda"]) == 2
    assert "no CUDA device" in capsys.readouterr().err
    assert gpu_check.main(["--device", "not-a-device"]) == 2


def test_an_unwritable_json_path_is_refused_before_the_checks(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(gpu_check, "run_checks", lambda *a, **k: pytest.fail("checks ran"))
    assert gpu_check.main(["--device", "cpu", "--json", str(tmp_path / "no" / "x.json")]) == 2
    assert "--json" in capsys.readouterr().err


def test_the_figures_are_written_as_json(tmp_path, monkeypatch):
    figures = {"device": "cpu", "scenes": [{"ok": True}]}
    monkeypatch.setattr(gpu_check, "run_checks", lambda *a, **k: figures)
    out = tmp_path / "gpu.json"
    assert gpu_check.main(["--device", "cpu", "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == figures

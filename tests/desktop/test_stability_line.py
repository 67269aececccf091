"""The run editor's stability line (issue 15): the lr limit 2/λmax at the selected run's start,
shown under the learning rate, red once the lr is past it, in English and Chinese."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.scene import parse_scene
from desktop_app import i18n
from tests.desktop.conftest import main_window

# 0.5 x² + 2.5 y²: λmax = 5 everywhere, so the limit is 2/5 = 0.4 (with momentum 0.9: 0.76).
QUADRATIC = {
    "format": 1,
    "title": {"en": "A quadratic whose λmax is 5"},
    "surface": {"formula": "0.5*x**2 + 2.5*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.1}, "start": [2.0, 1.5], "steps": 60}
    ],
}


@pytest.fixture(scope="module")
def lab(qapp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stability")
    path = folder / "quadratic.json"
    path.write_text(json.dumps(QUADRATIC), encoding="utf-8")
    with main_window(path, folder / "user-data") as main:
        page = main.surface_lab
        page.select_run(next(iter(page.runs)))
        page.draw()
        yield page


@pytest.fixture
def quadratic(lab):
    """The quadratic scene, its run selected, paused, its label drawn."""
    lab.load_scene(parse_scene(QUADRATIC))
    assert lab.wait_idle(60)
    lab.set_playing(False)
    lab.select_run(next(iter(lab.runs)))
    lab.draw()
    return lab


def _set_lr(page, lr: float) -> None:
    box = page.editor._optimizer_form.editor("lr")
    box.setValue(lr)  # as typed: the run restarts with it
    assert page.wait_idle(60)
    page.draw()


def test_the_label_shows_two_over_lambda_for_a_quadratic(quadratic):
    editor = quadratic.editor
    label = editor.stability_label
    assert label.isVisible()
    assert label.text() == "Stable below η = 0.4 (2/λmax)"
    assert editor.stability_limit().lr == pytest.approx(0.4)
    assert "λmax = 5" in label.toolTip()
    assert not editor.lr_above_limit()
    assert editor._optimizer_form.editor("lr").styleSheet() == ""


def test_the_cue_turns_on_above_the_limit_and_the_run_diverges(quadratic):
    editor = quadratic.editor
    _set_lr(quadratic, 0.42)
    assert editor.lr_above_limit()
    assert editor.stability_label.text() == (
        "η is above the stability limit 0.4 (2/λmax): the run diverges."
    )
    assert "#d32f2f" in editor.stability_label.styleSheet()
    assert "#d32f2f" in editor._optimizer_form.editor("lr").styleSheet()
    track = quadratic.recorder.get(next(iter(quadratic.runs)))
    loss = track.loss[: track.count, 0]
    assert loss[-1] > 10 * loss[0]  # 60 steps of |1 - 0.42 × 5| = 1.1
    _set_lr(quadratic, 0.38)
    assert not editor.lr_above_limit()
    assert editor._optimizer_form.editor("lr").styleSheet() == ""
    track = quadratic.recorder.get(next(iter(quadratic.runs)))
    assert track.loss[track.count - 1, 0] < 1e-2 * track.loss[0, 0]


def test_momentum_moves_the_line(quadratic):
    editor = quadratic.editor
    editor._optimizer_form.editor("momentum").setValue(0.9)
    assert quadratic.wait_idle(60)
    quadratic.draw()
    assert editor.stability_limit().lr == pytest.approx(0.76)
    assert editor.stability_label.text() == "Stable below η = 0.76 ((2+2β)/λmax)"


def test_elsewhere_it_is_the_local_limit_at_the_start(lab):
    data = {
        "format": 1,
        "surface": {"builtin": "rosenbrock"},
        "runs": [{"label": "GD", "optimizer": {"name": "sgd", "lr": 1e-4}, "start": [1.0, 1.0]}],
    }
    lab.load_scene(parse_scene(data))
    assert lab.wait_idle(60)
    lab.set_playing(False)
    lab.select_run(next(iter(lab.runs)))
    lab.draw()
    # (1, 1): H = [[802, -400], [-400, 200]]
    top = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))[-1]
    limit = lab.editor.stability_limit().lr
    assert limit == pytest.approx(2 / top)
    assert lab.editor.stability_label.text() == (
        f"Stable near the start below η = {limit:.3g} (2/λmax there)"
    )


def test_adaptive_optimizers_show_no_line(quadratic):
    run_id = next(iter(quadratic.runs))
    quadratic.editor.set_run({"optimizer": {"name": "adam", "lr": 0.1}, "steps": 60})
    quadratic.draw()
    assert quadratic.editor.stability_limit() is None
    assert not quadratic.editor.stability_label.isVisibleTo(quadratic.editor)
    quadratic.select_run(run_id)


def test_the_label_is_retranslated_into_chinese(quadratic, qapp):
    label = quadratic.editor.stability_label
    try:
        i18n.set_language("zh")
        qapp.processEvents()  # Qt posts LanguageChange
        assert label.text() == "η 低于 0.4 时稳定（2/λmax）"
        assert label.toolTip().startswith("这个曲面是二次函数")
        _set_lr(quadratic, 0.42)
        assert label.text() == "η 超过了稳定上限 0.4（2/λmax）：运行会发散。"
    finally:
        i18n.set_language("en")
        qapp.processEvents()
    assert label.text() == "η is above the stability limit 0.4 (2/λmax): the run diverges."

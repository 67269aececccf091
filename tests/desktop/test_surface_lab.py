"""The Surface Lab driven as a user would, checked for what it shows.

One main window serves the whole module (building one is most of a test's time); each test
starts with the page's toggles reset (tests that need the light scene's runs open it again:
``light``). The other Surface Lab test modules use ``module_window`` and the helpers too.
"""

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from core.scene import parse_scene


def module_window(qapp, light_scene, tmp_path_factory):
    """The main window for a module (a fixture's body): engine loaded, the light scene computed,
    shown; closed without questions at the module's end."""
    from PySide6.QtWidgets import QMessageBox

    from desktop_app.app import create_application
    from desktop_app.documents import Documents
    from desktop_app.main_window import MainWindow
    from desktop_app.network_lab.page import NetworkLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSLAB_DATA_DIR", str(tmp_path_factory.mktemp("user-data")))
        create_application()
        main = MainWindow("en")
        main.resize(1200, 800)
        main.open_scene(light_scene)
        main.engine_loaded("CPU", "cpu")
        main.surface_lab.set_playing(False)
        assert main.surface_lab.wait_idle(60)
        main.show()
        yield main
        main.surface_lab.shutdown()
        main.network_lab.shutdown()
        # closing never asks (a modal box would wait forever offscreen)
        patch.setattr(
            Documents, "ask_save_changes", lambda self: QMessageBox.StandardButton.Discard
        )
        patch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)
        main.close()
        main.deleteLater()
        qapp.processEvents()


def reset_page(window) -> None:
    """What a test may leave switched on goes back to its default (cheap: nothing computed)."""
    lab = window.surface_lab
    lab.set_playing(False)
    lab.picker.draw.setChecked(False)
    lab.continue_on_change.setChecked(False)
    lab.bottom_tabs.setCurrentIndex(0)
    lab.views.setCurrentIndex(0)


def reopen_light_scene(window, light_scene) -> None:
    """A fresh light scene, paused (for tests that use its runs, not a scene of their own)."""
    lab = window.surface_lab
    assert window.open_scene(light_scene, ask=False)
    lab.set_playing(False)
    assert lab.wait_idle(60)


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    yield from module_window(qapp, light_scene, tmp_path_factory)


@pytest.fixture(autouse=True)
def clean_page(window):
    reset_page(window)


@pytest.fixture
def light(window, light_scene):
    reopen_light_scene(window, light_scene)


ONE_RUN = {
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.02}, "start": [2.0, 1.0], "steps": 40}
    ],
}


def load(lab, data=ONE_RUN):
    lab.load_scene(parse_scene(data))
    assert lab.wait_idle(60)
    lab.set_playing(False)
    return next(iter(lab.runs))


def grab_colours(widget):
    image = widget.grab().toImage()
    return {
        image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)
    }


def test_the_map_and_plots_really_paint(lab):
    load(lab)
    lab.seek(40)
    assert len(grab_colours(lab.map)) > 50  # a heatmap, not a blank or single-colour widget
    assert len(grab_colours(lab.plots)) > 5


def test_playing_n_steps_draws_n_plus_one_points(lab, qtbot):
    run_id = load(lab)
    lab.set_playing(True)
    qtbot.waitUntil(lambda: not lab.playing, timeout=10_000)  # stops by itself at the end
    x, y = lab.map.paths[run_id].getData()
    assert len(x) == 41
    lr = 0.02
    np.testing.assert_allclose(x[-1], 2.0 * (1 - 2 * lr) ** 40, rtol=1e-9)
    np.testing.assert_allclose(y[-1], 1.0 * (1 - 20 * lr) ** 40, rtol=1e-9)
    steps, loss = lab.plots.curves["loss"][run_id].getData()
    assert len(steps) == 41  # the loss plot is in log mode: it holds log10(loss)
    assert loss[-1] == pytest.approx(np.log10(x[-1] ** 2 + 10 * y[-1] ** 2))


def test_step_back_and_scrub_show_that_step(lab):
    run_id = load(lab)
    track = lab.recorder.get(run_id)
    lab.seek(10)
    lab.step_by(-1)
    head_x, head_y = lab.map.heads[run_id].getData()
    assert lab.current_step() == 9
    assert (head_x[0], head_y[0]) == tuple(track.positions[9, 0])
    assert "step 9 / 40" in lab.transport.step_label.text()
    lab.transport.slider.setValue(25)  # scrubbing the timeline
    assert lab.current_step() == 25
    assert len(lab.map.paths[run_id].getData()[0]) == 26
    assert lab.plots.cursors["loss"].value() == 25


def test_clicking_the_map_sets_the_start(lab, qtbot):
    run_id = load(lab)
    view = lab.map.view
    target = view.mapViewToScene(QPointF(-1.0, 2.0))
    pos = lab.map.mapFromScene(target)
    qtbot.mouseClick(lab.map.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    start = lab.runs[run_id].starts[0]
    assert start == pytest.approx((-1.0, 2.0), abs=0.05)
    assert lab.wait_idle(30)
    assert tuple(lab.recorder.get(run_id).positions[0, 0]) == start
    # shift-click adds a run starting there (elsewhere: two quick clicks on one spot would make
    # a double click)
    other = lab.map.mapFromScene(view.mapViewToScene(QPointF(-0.5, 1.5)))
    qtbot.mouseClick(
        lab.map.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        QPoint(other.x(), other.y()),
    )
    assert len(lab.runs) == 2
    added = next(run for key, run in lab.runs.items() if key != run_id)
    assert added.starts[0] == pytest.approx((-0.5, 1.5), abs=0.05)


def test_formula_error_shows_its_message_and_keeps_the_surface(lab, qtbot):
    load(lab)
    before = lab.surface_config
    picker = lab.picker
    picker.builtin.setCurrentIndex(picker.builtin.findData("formula"))
    picker.formula.clear()
    qtbot.keyClicks(picker.formula, "x^2 + foo(y)")
    assert "foo" in picker.formula_error.text() and "column" in picker.formula_error.text()
    qtbot.wait(400)  # past the debounce
    assert lab.surface_config == before
    picker.formula.clear()
    qtbot.keyClicks(picker.formula, "x^2 - y^2")
    qtbot.waitUntil(lambda: lab.surface_config.get("formula") == "x^2 - y^2", timeout=3000)
    assert picker.formula_error.text() == ""


def test_draw_mode_raises_the_loss_under_the_brush_and_undo_restores(lab):
    load(lab)
    lab.picker.draw.setChecked(True)
    assert "bumps" in lab.surface_config
    before = float(lab.surface(_point(1.0, -1.0)))
    lab.paint_dab(1.0, -1.0, sign=1.0)
    after = float(lab.surface(_point(1.0, -1.0)))
    assert after == pytest.approx(before + lab.picker.strength.value())
    assert lab.wait_idle(30)
    assert lab.raster.loss_at(1.0, -1.0) == pytest.approx(after, rel=0.05)
    lab.undo_drawing()
    assert float(lab.surface(_point(1.0, -1.0))) == pytest.approx(before)
    lab.redo_drawing()
    assert float(lab.surface(_point(1.0, -1.0))) == pytest.approx(after)


def test_hiding_a_run_hides_its_curves(lab):
    run_id = load(lab)
    item = lab.run_list.item(0)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert not lab.map.paths[run_id].isVisible()
    assert all(not lab.plots.curves[m][run_id].isVisible() for m in ("loss", "grad_norm", "lr"))
    item.setCheckState(Qt.CheckState.Checked)
    assert lab.map.paths[run_id].isVisible()


def test_changing_a_hyper_parameter_restarts_the_run(lab, qtbot):
    run_id = load(lab)
    lab.select_run(run_id)
    lab._editor_changed({"optimizer": {"name": "sgd", "lr": 0.01}, "schedule": None, "steps": 40})
    assert lab.wait_idle(30)
    track = lab.recorder.get(run_id)
    assert track.positions[1, 0, 0] == pytest.approx(2.0 * (1 - 2 * 0.01))


def test_continue_from_the_cursor_keeps_the_past(lab):
    run_id = load(lab)
    lab.select_run(run_id)
    old = lab.recorder.get(run_id).positions[:21, 0].copy()
    lab.seek(20)
    lab.continue_on_change.setChecked(True)
    lab._editor_changed({"optimizer": {"name": "sgd", "lr": 0.04}, "schedule": None, "steps": 40})
    assert lab.wait_idle(30)
    track = lab.recorder.get(run_id)
    np.testing.assert_array_equal(track.positions[:21, 0], old)
    assert track.count == 41
    assert track.positions[21, 0, 0] == pytest.approx(old[20, 0] * (1 - 2 * 0.04))


def test_swarm_basin_map_finds_himmelblaus_four_minima(lab):
    load(
        lab,
        {
            "surface": {"builtin": "himmelblau"},
            "runs": [{"optimizer": {"name": "adam", "lr": 0.1}, "start": [0, 0], "steps": 300}],
        },
    )
    run_id = lab.add_swarm(400, "grid")
    assert lab.wait_idle(60)
    labels = lab.runs[run_id].extra["basin_labels"]
    assert set(np.unique(labels[labels >= 0])) == {0, 1, 2, 3}
    assert lab.map.basins.isVisible()


def test_a_bad_scene_keeps_the_current_one_and_says_why(window, light, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"format": 1, "runs": [{"optimizer": {"name": "sgd", "lr": -1}, "start": [0, 0]}]}
        )
    )
    before = window.surface_lab.scene_data()
    assert window.open_scene(bad) is False
    assert window.surface_lab.scene_data() == before
    assert "runs[0].optimizer.lr" in window.statusBar().currentMessage()


def test_save_writes_a_scene_that_loads_back(window, light, tmp_path):
    path = tmp_path / "saved.json"
    assert window.save_scene(path)
    again = json.loads(path.read_text(encoding="utf-8"))
    assert (
        parse_scene(again).runs[0].optimizer.name
        == window.surface_lab.scene_data()["runs"][0]["optimizer"]["name"]
    )


def test_status_bar_names_the_device(window):
    assert "CPU" in window.device_label.text()


def _point(x, y):
    import torch

    return torch.tensor([[x, y]], dtype=torch.float64)


def test_opening_a_scene_changes_the_runs_once_and_keeps_their_order(window, light):
    """A scene's runs replace the old ones in one change each way (dropping and adding them one
    by one rebuilt the map's legend for every run: a 6-run scene opened in 0.27 s, now 0.04 s);
    the list, legend, colours and selection are those of adding them one by one."""
    lab = window.surface_lab
    legend = lab.map.run_legend
    rebuilds = []
    original = legend.clear
    legend.clear = lambda: (rebuilds.append(1), original())
    labels = ["A", "B", "C", "D"]
    scene = {
        "surface": {"builtin": "bowl"},
        "runs": [
            {"label": label, "optimizer": {"name": "sgd", "lr": 0.1}, "start": [1.0, i * 0.2]}
            for i, label in enumerate(labels)
        ],
    }
    try:
        load(lab, scene)
    finally:
        del legend.clear
    assert len(rebuilds) <= 2  # the old runs' legend goes, the new one comes
    assert [run.label for run in lab.runs.values()] == labels
    assert [text for _sample, text in ((s, l.text) for s, l in legend.items)] == labels
    assert [lab.run_list.item(row).text().split()[0] for row in range(4)] == labels
    colours = [run.color.name() for run in lab.runs.values()]
    assert len(set(colours)) == 4
    assert lab.selected == list(lab.runs)[-1]
    assert lab.editor.run_data()["optimizer"]["lr"] == 0.1

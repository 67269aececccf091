"""The Hessian panel, the map's arrows, the sharpness and sigma plots, driven as a user would."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from core.curvature import curvature_at, escape_saddle, sharpness
from core.engine import PointRun, RunConfig
from core.scene import parse_scene
from core.surfaces import make_surface
from tests.desktop.test_surface_lab import module_window, reset_page


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    """One main window for the module (see test_surface_lab)."""
    yield from module_window(qapp, light_scene, tmp_path_factory)


@pytest.fixture(autouse=True)
def clean_page(window):
    reset_page(window)


HIMMELBLAU = {
    "surface": {"builtin": "himmelblau"},
    "runs": [
        {"label": "GD", "optimizer": {"name": "sgd", "lr": 0.005}, "start": [0.5, -3.0]},
    ],
}
MOMENTUM = {
    "surface": {"builtin": "rosenbrock"},
    "runs": [
        {
            "label": "momentum",
            "optimizer": {"name": "sgd", "lr": 0.0005, "momentum": 0.9},
            "start": [-1.5, 2.0],
            "steps": 60,
        }
    ],
}
SADDLE = {
    "surface": {"builtin": "saddle"},
    "runs": [{"optimizer": {"name": "sgd", "lr": 0.05}, "start": [1.5, 0.001], "steps": 30}],
}


def load(lab, data):
    lab.load_scene(parse_scene(data))
    assert lab.wait_idle(60)
    lab.set_playing(False)
    return next(iter(lab.runs))


def numbers_in(text: str) -> list[float]:
    """The numbers a label shows, markup left out (the panel writes a real minus sign)."""
    text = re.sub(r"<[^>]*>", " ", text).replace("&nbsp;", " ").replace("−", "-")
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def shown_hessian(lab) -> np.ndarray:
    cells = lab.eigen_panel.cells
    return np.array([[numbers_in(cells[i][j].text())[0] for j in range(2)] for i in range(2)])


def test_the_panel_shows_the_numbers_of_the_step_under_the_cursor(lab):
    run_id = load(lab, HIMMELBLAU)
    track = lab.recorder.get(run_id)
    surface = make_surface(HIMMELBLAU["surface"])
    for step in (17, 120):
        lab.seek(step)
        expected = curvature_at(surface, track.positions[step, 0])
        panel = lab.eigen_panel
        assert f"step {step}" in panel.source.text()
        np.testing.assert_allclose(shown_hessian(lab), expected.hessian[0], rtol=1e-5)
        for k in range(2):
            shown = numbers_in(panel.eigen[k].text())  # "λ₁ = …  v₁ = (…, …)"
            assert shown[0] == pytest.approx(expected.eigenvalues[0, k], rel=1e-5)
            vector = expected.eigenvectors[0, :, k]
            assert abs(np.dot(shown[1:3], vector)) == pytest.approx(1.0, abs=2e-4)
        assert numbers_in(panel.grad_norm.text())[0] == pytest.approx(
            expected.grad_norm[0], rel=1e-5
        )
        x, y = numbers_in(panel.source.text().split("=", 1)[1])[:2]
        assert (x, y) == pytest.approx(tuple(track.positions[step, 0]), rel=1e-5)
    # The sharpness curve: the largest eigenvalue at every step up to the cursor.
    steps, values = lab.plots.curves["sharpness"][run_id].getData()
    np.testing.assert_array_equal(steps, np.arange(121))
    np.testing.assert_allclose(values, sharpness(surface, track.positions[:121, 0]))
    # Far from the start, gradient descent has reached a minimum: the panel says so.
    lab.seek(lab.max_step())
    assert "Local minimum" in lab.eigen_panel.kind.text()
    # The eigenvector arrows on the map (shown with the Hessian tab) are the same eigenvectors.
    lab.bottom_tabs.setCurrentWidget(lab.eigen_scroll)
    lab.seek(17)
    expected = curvature_at(surface, track.positions[17, 0])
    for k, arrow in enumerate(lab.map.eigen_arrows):
        start, end = arrow.ends
        np.testing.assert_allclose((start + end) / 2, track.positions[17, 0], atol=1e-12)
        direction = (end - start) / np.linalg.norm(end - start)
        assert abs(direction @ expected.eigenvectors[0, :, k]) == pytest.approx(1.0)
    lengths = [np.linalg.norm(np.subtract(*a.ends)) for a in lab.map.eigen_arrows]
    assert (lengths[0] < lengths[1]) == (
        abs(expected.eigenvalues[0, 0]) < abs(expected.eigenvalues[0, 1])
    )


def test_the_arrows_are_the_engines_state_for_that_step(lab):
    run_id = load(lab, MOMENTUM)
    track = lab.recorder.get(run_id)
    step = 25
    lab.seek(step)
    # The engine itself, run headless with the same settings, recorded this state for the step
    # that leaves `step`.
    spec = parse_scene(MOMENTUM).runs[0]
    records = list(PointRun(make_surface(MOMENTUM["surface"]), RunConfig.from_spec(spec)).records())
    state = records[step + 1].state
    vectors = lab.map.internal_vectors
    np.testing.assert_allclose(vectors["update"], state["update"][0], rtol=1e-12)
    np.testing.assert_allclose(vectors["gradient"], -0.0005 * state["grad"][0], rtol=1e-12)
    # The momentum arrow is the lecture's lambda * m: the previous move times the momentum.
    previous_move = track.positions[step, 0] - track.positions[step - 1, 0]
    np.testing.assert_allclose(vectors["momentum"], 0.9 * previous_move, rtol=1e-9, atol=1e-15)
    # What is drawn: from the head at that step, the recorded vectors times one common scale.
    # The gradient step starts at the momentum's tip and the real step closes the triangle.
    scale = lab.map.internal_scale
    head = track.positions[step, 0]
    for key, arrow in lab.map.internal_arrows.items():
        assert arrow.visible()
        start, end = arrow.ends
        tail = head + vectors["momentum"] * scale if key == "gradient" else head
        np.testing.assert_allclose(start, tail)
        np.testing.assert_allclose(end - start, vectors[key] * scale, rtol=1e-9)
    np.testing.assert_allclose(
        lab.map.internal_arrows["gradient"].ends[1], lab.map.internal_arrows["update"].ends[1]
    )
    assert lab.map.legend.isVisible() and "momentum" in lab.map.legend.textItem.toHtml()
    # At the last step there is no step leaving the point: no arrows.
    lab.seek(60)
    assert not any(a.visible() for a in lab.map.internal_arrows.values())

    # "Continue from here" with a new learning rate: the curvature of the new steps replaces
    # the old one (the sharpness curve follows the new path, none of the old is left).
    lab.select_run(run_id)
    lab.seek(30)
    lab.continue_on_change.setChecked(True)
    optimizer = {"name": "sgd", "lr": 0.0002, "momentum": 0.9}
    lab._editor_changed({"optimizer": optimizer, "schedule": None, "steps": 60})
    assert lab.wait_idle(60)
    lab.seek(60)
    _, values = lab.plots.curves["sharpness"][run_id].getData()
    positions = lab.recorder.get(run_id).positions[:61, 0]
    np.testing.assert_allclose(values, sharpness(make_surface(MOMENTUM["surface"]), positions))


def _ctrl_click(lab, qtbot, x, y):
    target = lab.map.view.mapViewToScene(QPointF(x, y))
    pos = lab.map.mapFromScene(target)
    qtbot.mouseClick(
        lab.map.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        QPoint(pos.x(), pos.y()),
    )


def test_ctrl_click_inspects_a_point_and_escape_lowers_the_loss(lab, qtbot):
    run_id = load(lab, SADDLE)
    lab.seek(10)
    _ctrl_click(lab, qtbot, 0.0, 0.0)
    assert lab.runs[run_id].starts[0] == (1.5, 0.001)  # Ctrl-click does not move the start
    assert lab.wait_idle(30)
    lab._frame()
    panel = lab.eigen_panel
    point = lab.inspected
    assert point == pytest.approx((0.0, 0.0), abs=0.03)
    assert lab.bottom_tabs.currentWidget() is lab.eigen_scroll
    expected = curvature_at(make_surface({"builtin": "saddle"}), [point])
    np.testing.assert_allclose(shown_hessian(lab), [[2, 0], [0, -2]])
    assert [numbers_in(label.text())[0] for label in panel.eigen] == [-2.0, 2.0]
    assert "Not a critical point" in panel.kind.text()  # ‖g‖ ~ 0.03 > the threshold 0.001
    panel.threshold.setValue(1.0)
    assert "Saddle point" in panel.kind.text()
    assert panel.escape.isEnabled()
    loss_before = numbers_in(panel.source.text().split("loss =")[1])[0]
    assert loss_before == pytest.approx(expected.loss[0], rel=1e-5, abs=1e-9)

    qtbot.mouseClick(panel.escape, Qt.MouseButton.LeftButton)
    assert lab.wait_idle(30)
    lab._frame()
    escape = escape_saddle(make_surface({"builtin": "saddle"}), point, panel.step.value())
    loss_after = numbers_in(panel.source.text().split("loss =")[1])[0]
    assert loss_after == pytest.approx(escape.loss_after, rel=1e-5)
    assert loss_after < loss_before
    assert lab.inspected == pytest.approx(escape.point)
    drop = numbers_in(panel.escape_result.text())[0]
    assert drop == pytest.approx(escape.drop, rel=1e-5) and drop > 0
    assert "After the escape" in panel.source.text()
    xs, ys = lab.map.escape_path.getData()
    assert (xs[-1], ys[-1]) == pytest.approx(escape.point)
    # At the new point the Hessian is the same (a quadratic); the eigenvector of -2 is the y axis.
    vector = lab.map.eigen_arrows[0].ends[1] - lab.map.eigen_arrows[0].ends[0]
    assert abs(vector[0]) < 1e-12 < abs(vector[1])

    # Moving the cursor goes back to following the run.
    lab.seek(5)
    assert lab.inspected is None and "step 5" in panel.source.text()

    # Nothing to escape at a minimum: the button is off, and a request says why.
    lab.set_surface({"builtin": "bowl"})
    lab.inspect_point(0.5, 0.5)
    assert lab.wait_idle(30)
    lab._frame()
    assert not panel.escape.isEnabled()
    lab.escape_the_saddle()  # e.g. from a keyboard path: nothing moves
    assert lab.wait_idle(30)
    assert "no negative eigenvalue" in panel.escape_result.text()
    assert lab.inspected == (0.5, 0.5)


def test_the_finder_marks_himmelblaus_critical_points_on_the_map(lab, qtbot):
    load(lab, HIMMELBLAU)
    lab.map.set_critical_points([])  # forget the library's marks: the finder must draw them
    lab.bottom_tabs.setCurrentWidget(lab.eigen_scroll)
    qtbot.mouseClick(lab.eigen_panel.find, Qt.MouseButton.LeftButton)
    assert lab.wait_idle(60)
    spots = lab.map.critical.data
    marked = sorted((round(s["x"], 6), round(s["y"], 6), s["data"]) for s in spots)
    library = make_surface({"builtin": "himmelblau"}).critical_points
    assert marked == sorted((round(p.x, 6), round(p.y, 6), p.kind) for p in library)
    kinds = [s["data"] for s in spots]
    assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (4, 4, 1)
    symbols = {s["data"]: s["symbol"] for s in spots}
    assert len(set(symbols.values())) == 3  # one glyph per kind
    assert lab.eigen_panel.found_list.count() == 9
    assert "9 found" in lab.eigen_panel.finder_box.title()
    # A found point clicked in the list is inspected.
    item = lab.eigen_panel.found_list.item(0)
    lab.eigen_panel.found_list.itemClicked.emit(item)
    assert lab.wait_idle(30)
    assert lab.inspected == pytest.approx(item.data(Qt.ItemDataRole.UserRole))

    # A drawn surface: one dip on a bowl is one minimum, found where the dip pulls the bowl.
    lab.picker.draw.setChecked(True)  # a bowl covering the view
    assert lab.eigen_panel.found == []  # the old surface's points are gone
    lab.paint_dab(-1.0, 0.0, sign=-1.0)
    assert lab.wait_idle(30)
    lab.locate_critical_points()
    assert lab.wait_idle(60)
    found = lab.eigen_panel.found
    assert [p.kind for p in found] == ["minimum"]
    assert -1.0 < found[0].x < 0.0 and found[0].y == pytest.approx(0.0, abs=1e-9)
    assert [s["data"] for s in lab.map.critical.data] == ["minimum"]


def test_sigma_plots_show_adagrads_second_moment(lab):
    data = {
        "surface": {"builtin": "plateau_cliff"},
        "runs": [
            {"optimizer": {"name": "adagrad", "lr": 0.3}, "start": [-3.5, 1.5], "steps": 80},
            {"optimizer": {"name": "sgd", "lr": 0.1}, "start": [-3.5, 1.5], "steps": 80},
        ],
    }
    adagrad, sgd = (lab.load_scene(parse_scene(data)), lab.wait_idle(60), list(lab.runs))[2]
    lab.set_playing(False)
    lab.bottom_tabs.setCurrentWidget(lab.internals)
    lab.seek(40)
    track = lab.recorder.get(adagrad)
    steps, sigma_x = lab.internals.curves[(adagrad, "sigma", 0)].getData()
    np.testing.assert_array_equal(steps, np.arange(1, 41))
    # The plot is logarithmic: it holds log10(sigma).
    np.testing.assert_allclose(
        10**sigma_x, np.sqrt(track.state["second_moment"][1:41, 0, 0]), rtol=1e-12
    )
    _, rate_y = lab.internals.curves[(adagrad, "effective_lr", 1)].getData()
    np.testing.assert_allclose(10**rate_y, track.state["effective_lr"][1:41, 0, 1], rtol=1e-12)
    # Adagrad's sigma only grows, so its effective learning rate only falls.
    assert np.all(np.diff(rate_y) <= 1e-12)
    # SGD has no sigma; its eta/sigma is its constant lr.
    assert (sgd, "sigma", 0) not in lab.internals.curves
    _, sgd_rate = lab.internals.curves[(sgd, "effective_lr", 0)].getData()
    np.testing.assert_allclose(10**sgd_rate, 0.1)


def test_newton_and_lbfgs_race_from_the_run_editor(lab):
    run_id = load(lab, MOMENTUM)
    lab.select_run(run_id)
    combo = lab.editor.findChild(QComboBox, "optimizer")
    for name in ("newton", "lbfgs"):
        combo.setCurrentIndex(combo.findData(name))
        lr = lab.editor.findChild(QDoubleSpinBox, "lr")
        lr.setValue(1.0)  # a full (quasi-)Newton step
        lr.editingFinished.emit()
        assert lab.runs[run_id].optimizer["name"] == name
        assert lab.runs[run_id].optimizer["lr"] == 1.0
        assert lab.wait_idle(60)
        track = lab.recorder.get(run_id)
        assert track.count == 61
        np.testing.assert_allclose(track.positions[60, 0], [1.0, 1.0], atol=1e-4)
        lab.seek(60)
        assert "Local minimum" in lab.eigen_panel.kind.text()

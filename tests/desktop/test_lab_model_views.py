"""The Surface Lab's views follow its one Qt-free LabModel: nothing outlives what it describes."""

import json

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QApplication

from core.scene import parse_scene
from desktop_app import export
from tests.desktop.test_surface_lab import (
    module_window,
    reopen_light_scene,
    reset_page,
)


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    """One main window for the module (see test_surface_lab)."""
    yield from module_window(qapp, light_scene, tmp_path_factory)


@pytest.fixture(autouse=True)
def clean_page(window):
    reset_page(window)


@pytest.fixture
def light(window, light_scene):
    reopen_light_scene(window, light_scene)


LESSON = {
    "format": 1,
    "title": {"en": "Saddle lesson", "zh": "鞍点"},
    "description": {"en": "Watch the saddle."},
    "surface": {"builtin": "rosenbrock"},
    "runs": [{"label": "GD", "optimizer": {"name": "sgd", "lr": 0.001}, "start": [-1.0, 1.5]}],
}


def open_lesson(lab):
    lab.load_scene(parse_scene(LESSON), source="lesson")
    assert lab.wait_idle(60)
    lab.set_playing(False)


def hover(lab, x=0.5, y=0.5):
    lab.map.hover_at(x, y)
    assert lab.map.readout.isVisible()
    assert lab.map.readout.toPlainText().startswith(f"x = {x:.4g}")
    assert lab.model.hover is not None


def test_the_readout_shows_the_models_hover_point_and_goes_when_the_mouse_leaves(lab):
    open_lesson(lab)
    hover(lab, 0.74, -0.5)
    loss = lab.raster.loss_at(0.74, -0.5)
    assert f"loss = {loss:.5g}" in lab.map.readout.toPlainText()
    QApplication.sendEvent(lab.map, QEvent(QEvent.Type.Leave))
    assert lab.model.hover is None
    assert not lab.map.readout.isVisible()
    # A move outside the plot's data area hides it too.
    hover(lab)
    lab.map.scene().sigMouseMoved.emit(QPointF(-1000.0, -1000.0))
    assert not lab.map.readout.isVisible()


def test_the_readout_goes_when_the_surface_changes_or_another_scene_opens(window, tmp_path):
    lab = window.surface_lab
    open_lesson(lab)
    hover(lab)
    lab.set_surface({"builtin": "himmelblau"})
    assert lab.model.hover is None and not lab.map.readout.isVisible()
    assert lab.wait_idle(60)
    hover(lab)
    path = tmp_path / "other.json"
    path.write_text(json.dumps(LESSON), encoding="utf-8")
    assert window.open_scene(path)
    assert not lab.map.readout.isVisible()
    hover(lab)
    lab.paint_dab(0.0, 0.0)  # nothing happens: not a drawn surface
    lab.picker.draw.setChecked(True)  # drawing replaces the surface
    assert not lab.map.readout.isVisible()


def test_exported_pictures_never_show_the_readout(lab, tmp_path):
    open_lesson(lab)
    lab.seek(10)
    clean = export.render_image([lab.map])
    hover(lab, 0.2, 0.3)
    seen = []
    original = lab.map.grab

    def grab(*args):
        seen.append(lab.map.readout.isVisible())
        return original(*args)

    lab.map.grab = grab
    try:
        during = export.render_image([lab.map])
        svg = export.svg_text([lab.map])
    finally:
        del lab.map.grab
    assert seen == [False]
    assert during == clean  # the very same picture as without the mouse over the map
    assert "x = 0.2" not in svg and "loss =" not in svg
    assert lab.map.readout.isVisible()  # still there on screen afterwards


def test_a_lessons_title_goes_when_the_user_types_a_formula_and_saving_writes_theirs(
    window, tmp_path, qtbot
):
    lab = window.surface_lab
    open_lesson(lab)
    assert lab.lesson_note.isVisible() and "Saddle lesson" in lab.lesson_note.text()
    picker = lab.picker
    picker.builtin.setCurrentIndex(picker.builtin.findData("formula"))
    picker.formula.clear()
    qtbot.keyClicks(picker.formula, "x^2 + y^2")
    qtbot.waitUntil(lambda: lab.surface_config.get("formula") == "x^2 + y^2", timeout=3000)
    assert not lab.lesson_note.isVisible() and lab.lesson_note.text() == ""
    assert lab.model.title == {} and lab.model.source == "formula"
    assert "Saddle" not in window.windowTitle()
    path = tmp_path / "mine.json"
    assert window.save_scene(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert not saved.get("title") and not saved.get("description")
    assert saved["surface"]["formula"] == "x^2 + y^2"


def test_drawing_or_another_builtin_clears_the_lesson_text_but_a_parameter_keeps_it(lab):
    open_lesson(lab)
    lab.set_surface({"builtin": "rosenbrock", **_params(lab)})  # same surface, new numbers
    assert lab.model.text("title", "en") == "Saddle lesson" and lab.lesson_note.isVisible()
    lab.set_surface({"builtin": "himmelblau"})
    assert lab.model.title == {} and not lab.lesson_note.isVisible()
    assert lab.scene_data()["title"] == {}

    open_lesson(lab)
    lab.picker.draw.setChecked(True)
    assert "bumps" in lab.surface_config
    assert lab.model.title == {} and not lab.lesson_note.isVisible()
    assert lab.model.source == "drawn"


def _params(lab):
    return {k: v for k, v in lab.surface_config.items() if k != "builtin"}


def test_a_lesson_opened_from_the_browser_is_lesson_content_until_the_user_draws(window, tmp_path):
    lab = window.surface_lab
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(LESSON), encoding="utf-8")
    window.open_lesson(str(path))
    assert lab.model.source == "lesson" and lab.model.generation >= 1
    assert "Saddle lesson" in lab.lesson_note.text() and "Saddle lesson" in window.windowTitle()
    assert lab.wait_idle(60)
    lab.picker.draw.setChecked(True)
    lab.paint_dab(0.5, 0.5)
    assert lab.model.source == "drawn" and lab.model.title == {}
    assert "Saddle lesson" not in window.windowTitle()


SADDLE_LESSON = {
    "format": 1,
    "title": {"en": "Escape the saddle"},
    "surface": {"builtin": "saddle"},
    "runs": [{"label": "GD", "optimizer": {"name": "sgd", "lr": 0.05}, "start": [1.5, 0.001]}],
}


def pin_escape_and_find(lab):
    """Fill the Hessian panel with things of this content: a pinned point, an escape from it,
    and the critical points the finder found."""
    lab.bottom_tabs.setCurrentWidget(lab.eigen_scroll)
    lab.inspect_point(0.2, 0.0)
    assert lab.wait_idle(30)
    lab.eigen_panel.threshold.setValue(1.0)  # ‖g‖ = 0.4 here: close enough to escape from
    lab.escape_the_saddle()
    lab.locate_critical_points()
    assert lab.wait_idle(60)
    lab._frame()
    panel = lab.eigen_panel
    assert "After the escape" in panel.source.text() and panel.escape_result.text()
    assert panel.found and panel.found_list.count() == len(panel.found)
    assert lab.inspected is not None and lab.map.escape_path.getData()[0] is not None
    assert len(lab.map.inspect_marker.getData()[0]) == 1


def assert_nothing_of_the_old_content(lab, surface_points):
    """Right after the content was replaced, before any new result arrived."""
    panel = lab.eigen_panel
    assert lab.inspected is None and panel.found == [] and panel.found_list.count() == 0
    assert panel.escape_result.text() == "" and "found" not in panel.finder_box.title()
    assert "escape" not in panel.source.text() and panel.curvature is None
    assert all(cell.text() == "–" for row in panel.cells for cell in row)
    assert len(lab.map.inspect_marker.getData()[0]) == 0
    assert lab.map.escape_path.getData()[0] is None or len(lab.map.escape_path.getData()[0]) == 0
    assert not any(arrow.visible() for arrow in lab.map.eigen_arrows)
    assert not any(arrow.visible() for arrow in lab.map.internal_arrows.values())
    marked = sorted((round(s["x"], 6), round(s["y"], 6)) for s in lab.map.critical.data)
    assert marked == sorted((round(p.x, 6), round(p.y, 6)) for p in surface_points)
    assert lab.swarm_info.text() == "" and not lab.map.basins.isVisible()


def test_a_formula_or_another_scene_leaves_nothing_of_the_lessons_hessian_panel(window, tmp_path):
    from core.surfaces import make_surface

    lab = window.surface_lab
    lab.load_scene(parse_scene(SADDLE_LESSON), source="lesson")
    assert lab.wait_idle(60)
    lab.set_playing(False)
    pin_escape_and_find(lab)
    generation = lab.model.generation

    lab.set_surface({"formula": "x^2 + 3*y^2"})  # the user's own formula
    assert lab.model.generation == generation + 1
    assert_nothing_of_the_old_content(lab, [])
    assert lab.wait_idle(60)
    lab.seek(5)  # the panel follows the run on the new surface
    assert "GD, step 5" in lab.eigen_panel.source.text()

    lab.load_scene(parse_scene(SADDLE_LESSON), source="lesson")
    assert lab.wait_idle(60)
    lab.set_playing(False)
    pin_escape_and_find(lab)
    lab.add_swarm(16, "grid")  # basins and their summary: content of this scene too
    assert lab.wait_idle(60)
    assert lab.swarm_info.text() and lab.map.basins.isVisible()
    path = tmp_path / "bowl.json"
    other = {"format": 1, "surface": {"builtin": "himmelblau"}, "runs": SADDLE_LESSON["runs"]}
    path.write_text(json.dumps(other), encoding="utf-8")
    assert window.open_scene(path, ask=False)
    assert_nothing_of_the_old_content(lab, make_surface({"builtin": "himmelblau"}).critical_points)


def test_the_same_lesson_opened_again_forgets_its_pinned_point(lab):
    """The same surface again: no surface event, but the content was replaced all the same."""
    from core.surfaces import make_surface

    lab.load_scene(parse_scene(SADDLE_LESSON), source="lesson")
    assert lab.wait_idle(60)
    pin_escape_and_find(lab)
    lab.load_scene(parse_scene(SADDLE_LESSON), source="lesson")
    assert_nothing_of_the_old_content(lab, make_surface({"builtin": "saddle"}).critical_points)
    assert lab.wait_idle(60)
    assert lab.raster is not None and lab.raster.loss_at(1.0, 0.0) == pytest.approx(1.0, rel=0.05)


def test_the_run_list_and_the_saved_scene_are_derived_from_the_models_runs(lab, light):
    first, second = lab.runs  # the light scene: SGD and Adam
    item_texts = [lab.run_list.item(row).text() for row in range(lab.run_list.count())]
    assert item_texts == [spec.label for spec in lab.model.runs] == ["SGD", "Adam"]
    assert lab.selected == lab.model.selected_run == second  # the last run added
    assert lab.run_list.currentRow() == 1

    lab.model.selected_run = first  # the list follows the model ...
    assert lab.run_list.currentRow() == 0
    assert (lab.start_x.value(), lab.start_y.value()) == (-1.5, 2.5)
    lab.run_list.setCurrentRow(1)  # ... and a click in the list writes the model
    assert lab.model.selected_run == second

    lab.set_run_visible(first, False)
    assert lab.model.runs[0].visible is False
    assert lab.run_list.item(0).checkState() == Qt.CheckState.Unchecked
    assert not lab.map.paths[first].isVisible()
    lab.set_run_color(first, "#123456")
    assert lab.model.runs[0].color == "#123456" and lab.runs[first].color.name() == "#123456"
    # the row's swatch: the run's line and, in the middle, its marker in the new colour
    centre = lab.run_list.item(0).icon().pixmap(28, 14).toImage().pixelColor(14, 7)
    assert centre.name() == "#123456"
    saved = lab.scene_data()["runs"]
    assert [(r["label"], r["visible"], r["color"]) for r in saved][0] == ("SGD", False, "#123456")

    lab.set_start(first, 0.25, -0.5)
    assert lab.model.runs[0].start == (0.25, -0.5) and lab.runs[first].starts == [(0.25, -0.5)]
    assert tuple(lab.map.starts[first].pos()) == (0.25, -0.5)

    lab.select_run(second)
    lab.remove_selected()
    assert [spec.label for spec in lab.model.runs] == ["SGD"] and lab.run_list.count() == 1
    assert lab.selected == first  # the row above takes the selection, as in the list
    assert list(lab.runs) == [first]


def test_the_pages_state_is_read_only_outside_the_model(lab):
    with pytest.raises(AttributeError):
        lab.surface_config = {"builtin": "bowl"}
    with pytest.raises(AttributeError):
        lab.selected = None
    with pytest.raises(TypeError):
        lab.runs["run99"] = None
    assert lab.surface_config is lab.model.surface


def test_an_invalid_edit_leaves_the_run_as_it_was_and_says_why(lab, light):
    messages = []
    lab.statusMessage.connect(messages.append)
    run_id = lab.selected
    before = lab.model.runs
    try:
        lab._editor_changed({"optimizer": {"name": "sgd", "lr": -1.0}, "steps": 40})
    finally:
        lab.statusMessage.disconnect(messages.append)
    assert lab.model.runs == before and lab.runs[run_id].optimizer["lr"] == 0.05
    assert messages and messages[-1].startswith("Run not changed:") and "0" in messages[-1]


def test_a_start_given_as_a_list_of_one_moves_like_any_start(lab):
    scene = {"surface": {"builtin": "bowl"}, "runs": [{"optimizer": {"name": "sgd", "lr": 0.1}}]}
    scene["runs"][0]["starts"] = [[1.0, 1.0]]
    lab.load_scene(parse_scene(scene))
    assert lab.wait_idle(60)
    run_id = lab.selected
    assert not lab.runs[run_id].swarm and lab.run_list.item(0).text() == "SGD"
    lab.set_start(run_id, 0.5, -0.25)
    assert lab.scene_data()["runs"][0]["start"] == [0.5, -0.25]
    assert "starts" not in lab.scene_data()["runs"][0]
    assert lab.wait_idle(30)
    assert tuple(lab.recorder.get(run_id).positions[0, 0]) == (0.5, -0.25)

"""The Surface Lab's views follow its one Qt-free LabModel: nothing outlives what it describes."""

import json

from PySide6.QtCore import QEvent, QPointF
from PySide6.QtWidgets import QApplication

from core.scene import parse_scene
from desktop_app import export

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

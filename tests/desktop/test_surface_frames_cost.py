"""What a Surface Lab frame re-sets when only the cursor moved: the paths and heads follow it,
the heads move in place, the plots' value ranges are not derived again from rows they already
cover, and the map's arrows hand their items nothing new when the step they show is the same."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from core.scene import parse_scene

SCENE = {
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {
            "label": "momentum",
            "optimizer": {"name": "sgd", "lr": 0.02, "momentum": 0.9},
            "start": [2.0, 1.0],
            "steps": 60,
        },
        {
            "label": "GD",
            "optimizer": {"name": "sgd", "lr": 0.02},
            "start": [-2.0, 1.5],
            "steps": 60,
        },
    ],
}


@pytest.fixture(scope="module")
def page(qapp):
    """One Surface Lab page for the module, shown offscreen, the scene computed and paused."""
    from desktop_app.app import create_application
    from desktop_app.surface_lab.page import SurfaceLabPage

    create_application()
    lab = SurfaceLabPage("en")
    lab.resize(1200, 800)
    lab.show()
    lab.load_scene(parse_scene(SCENE))
    lab.set_playing(False)
    assert lab.wait_idle(60)
    yield lab
    lab.shutdown()
    lab.close()
    lab.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _first_run(page) -> str:
    return next(iter(page.runs))


def test_a_head_moves_in_place_to_the_paths_last_point(page):
    run_id = _first_run(page)
    page.seek(10)
    head = page.map.heads[run_id]
    spots = head.data
    for step in (11, 25, 40):
        page.seek(step)
        x, y = page.map.paths[run_id].getData()
        assert len(x) == step + 1  # the path up to the cursor
        head_x, head_y = head.getData()
        assert (head_x[0], head_y[0]) == (x[-1], y[-1])
        expected = page.recorder.get(run_id).positions[step, 0]
        assert np.allclose((head_x[0], head_y[0]), expected)
    assert head.data is spots  # the same spot, moved: not rebuilt every frame


def test_the_plots_ranges_are_derived_again_only_when_rows_come(page, monkeypatch):
    derived: list[tuple[str, str]] = []
    original = page.plots._set_extent

    def spy(run_id, metric, recorded):
        derived.append((run_id, metric))
        original(run_id, metric, recorded)

    monkeypatch.setattr(page.plots, "_set_extent", spy)
    page.seek(5)
    page.seek(30)
    assert derived == []  # only the cursor moved: the ranges cover these rows already
    _steps, loss = page.plots.curves["loss"][_first_run(page)].getData()
    assert len(loss) == 31  # the curves still follow the cursor
    page._drawn_extents.clear()  # as when new rows arrive
    page.seek(31)
    assert {metric for _run, metric in derived} == {"loss", "grad_norm", "lr"}
    assert len(derived) == 3 * len(page.runs)


def test_an_arrow_set_to_the_same_ends_re_sets_nothing(page, monkeypatch):
    from desktop_app.surface_lab.map_overlays import _Arrow

    arrow = _Arrow(page.map.plot, "#ffffff")  # on the map, driven by this test only
    start, end = np.array([0.5, 0.5]), np.array([1.0, 0.2])
    arrow.set(start, end)
    calls: list[str] = []
    monkeypatch.setattr(arrow.shaft, "setData", lambda *a, **k: calls.append("shaft"))
    monkeypatch.setattr(arrow.outline, "setData", lambda *a, **k: calls.append("outline"))
    head = arrow.heads[0]
    original_style = head.setStyle

    def style(**options):
        calls.append("head")
        original_style(**options)

    monkeypatch.setattr(head, "setStyle", style)
    arrow.set(start.copy(), end.copy())
    assert calls == []
    # A zoom changes the pixel aspect: the same shaft, but its head turns.
    view = page.map.view
    (x0, x1), (y0, y1) = view.viewRange()
    view.setRange(xRange=(x0, x1), yRange=(y0, y0 + 4 * (y1 - y0)), padding=0)
    arrow.set(start, end)
    assert calls == ["head"]
    monkeypatch.undo()
    arrow.set(start, end + 0.1)  # a new step: new ends, drawn
    xs, ys = arrow.shaft.getData()
    assert np.allclose(xs, [0.5, 1.1]) and np.allclose(ys, [0.5, 0.3])
    for item in (arrow.outline, arrow.shaft, *arrow.heads):
        page.map.plot.removeItem(item)


def test_the_step_label_keeps_its_size_so_a_frame_relays_nothing(qapp):
    """The transport's "step k / n" has a fixed size for the widest step of the scene (a label
    sized by its text made the whole window lay out and repaint at every frame), grows with
    presenter mode's font, and an unchanged text is not set again."""
    from desktop_app.style import appearance
    from desktop_app.surface_lab.transport import Transport

    bar = Transport()
    bar.show()
    bar.show_step(1, 1000)
    label = bar.step_label
    size = label.size()
    assert label.minimumSize() == label.maximumSize() == size
    for step in (7, 88, 999, 1000):
        bar.show_step(step, 1000)
        assert label.size() == size and label.text() == f"step {step} / 1000"
    assert label.fontMetrics().horizontalAdvance(label.text()) <= size.width()
    calls = []
    original = label.setText
    label.setText = lambda text: (calls.append(text), original(text))
    bar.show_step(1000, 1000)
    assert calls == []
    label.setText = original
    try:
        appearance().set_presenter(True)
        qapp.processEvents()
        assert label.width() > size.width() and label.text() == "step 1000 / 1000"
    finally:
        appearance().set_presenter(False)
        bar.close()
        bar.deleteLater()

"""SAM's ascent on the Surface Lab's map (issue 15): a segment from the point at the cursor to
the ascent point where SAM takes its gradient, equal to the recorded ascent, moving with
playback, drawn only for SAM runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.desktop.conftest import main_window

RHO = 0.25
SCENE = {
    "format": 1,
    "title": {"en": "SAM beside SGD"},
    "surface": {"builtin": "two_basins"},
    "runs": [
        {
            "label": "SAM",
            "optimizer": {"name": "sam", "lr": 0.05, "rho": RHO, "momentum": 0.5},
            "start": [-1.05, 0.73],
            "steps": 30,
        },
        {
            "label": "SGD",
            "optimizer": {"name": "sgd", "lr": 0.05},
            "start": [-1.05, 0.73],
            "steps": 30,
        },
    ],
}


@pytest.fixture(scope="module")
def lab(qapp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sam-overlay")
    path = folder / "sam.json"
    path.write_text(json.dumps(SCENE), encoding="utf-8")
    with main_window(path, folder / "user-data") as main:
        yield main.surface_lab


def _ids(lab):
    by_label = {run.label: run_id for run_id, run in lab.runs.items()}
    return by_label["SAM"], by_label["SGD"]


def _expected(lab, run_id, step):
    track = lab.recorder.get(run_id)
    start = track.positions[step, 0]
    return np.stack([start, start + track.state["ascent"][step + 1, 0]])


def test_the_segment_is_the_recorded_ascent_and_moves_with_playback(lab):
    sam, sgd = _ids(lab)
    overlay = lab.sam_overlay
    lab.seek(5)
    first = overlay.segment(sam)
    np.testing.assert_allclose(first, _expected(lab, sam, 5))
    assert np.linalg.norm(first[1] - first[0]) == pytest.approx(RHO)
    grad = lab.recorder.get(sam).grad[5, 0]
    np.testing.assert_allclose(first[1] - first[0], RHO * grad / np.linalg.norm(grad))
    items = overlay.items[sam]
    xs, ys = items.shaft.getData()
    np.testing.assert_allclose(np.column_stack([xs, ys]), first)
    assert items.shaft.isVisible() and items.ring.isVisible()

    lab.seek(12)
    assert overlay.items[sam] is items  # made once, data replaced per frame
    np.testing.assert_allclose(overlay.segment(sam), _expected(lab, sam, 12))
    xs, ys = items.shaft.getData()
    np.testing.assert_allclose(np.column_stack([xs, ys]), _expected(lab, sam, 12))
    assert not np.allclose(overlay.segment(sam), first)
    assert overlay.segment(sgd) is None and sgd not in overlay.items


def test_the_segment_is_in_a_lighter_shade_of_the_runs_colour(lab):
    sam, _ = _ids(lab)
    lab.seek(3)
    run_colour = lab.runs[sam].color
    shaft = lab.sam_overlay.items[sam].shaft.opts["pen"].color()
    assert shaft.lightness() > run_colour.lightness()
    assert shaft.red() >= run_colour.red() and shaft.blue() >= run_colour.blue()


def test_nothing_at_the_last_point_or_for_a_hidden_run(lab):
    sam, _ = _ids(lab)
    lab.seek(30)  # the run's end: no step leaves it
    assert lab.sam_overlay.segment(sam) is None
    assert not lab.sam_overlay.items[sam].shaft.isVisible()
    lab.seek(4)
    assert lab.sam_overlay.segment(sam) is not None
    lab.set_run_visible(sam, False)
    lab.draw()
    assert lab.sam_overlay.segment(sam) is None
    lab.set_run_visible(sam, True)
    lab.draw()
    assert lab.sam_overlay.segment(sam) is not None


def test_a_removed_run_takes_its_items_away(lab):
    sam, _ = _ids(lab)
    lab.seek(2)
    items = lab.sam_overlay.items[sam]
    lab.select_run(sam)
    lab.remove_selected()
    lab.draw()
    assert sam not in lab.sam_overlay.items
    assert items.shaft.scene() is None

"""Beats in the scene format: optional, checked against the scene's runs, saved only when set."""

from __future__ import annotations

import pytest

from core.scene import SceneError, parse_scene, scene_to_dict

BASE = {
    "format": 1,
    "surface": {"builtin": "saddle"},
    "runs": [
        {"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.05}, "start": [-1.8, 0.001]},
    ],
}
PAUSE_AT_40 = {
    "text": {"en": "Watch it slow down", "zh": "看它减速"},
    "action": {"kind": "play_to", "step": 40},
}


def test_a_scene_without_beats_saves_as_before():
    assert "beats" not in scene_to_dict(parse_scene(BASE))


def test_beats_round_trip():
    scene = parse_scene({**BASE, "beats": [PAUSE_AT_40]})
    assert scene.beats[0].action.step == 40
    assert scene_to_dict(parse_scene(scene_to_dict(scene)))["beats"] == [PAUSE_AT_40]


def test_a_beat_naming_a_missing_run_is_refused_with_its_index():
    beat = {"text": {"en": "x"}, "action": {"kind": "show_hessian", "run": "Adam"}}
    with pytest.raises(SceneError, match=r"beats\[0\]: no run named 'Adam'"):
        parse_scene({**BASE, "beats": [beat]})


def test_an_unknown_action_names_its_field_path():
    beat = {"text": {"en": "x"}, "action": {"kind": "dance"}}
    with pytest.raises(SceneError, match=r"beats\[0\]\.action"):
        parse_scene({**BASE, "beats": [beat]})

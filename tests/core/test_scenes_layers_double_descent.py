"""The lessons "Inside the layers" and "Double descent": bilingual scenes in their chapters whose
beats open the two tools."""

import json

import pytest

import resources
from core.lessons import CHAPTERS
from core.scene import load_scene

SCENES = {
    "network_inside_layers.json": ("normalization", "layer_histograms"),
    "network_double_descent.json": ("regularization", "double_descent"),
}


@pytest.mark.parametrize("name", sorted(SCENES))
def test_the_scene_loads_and_opens_its_tool(name):
    chapter, tool = SCENES[name]
    path = resources.path("scenes") / name
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["chapter"] == chapter and chapter in CHAPTERS
    for text in (data["title"], data["description"], *(b["text"] for b in data["beats"])):
        assert text["en"] and text["zh"]
    scene = load_scene(path)
    kinds = [beat.action.kind for beat in scene.beats if beat.action is not None]
    assert kinds == ["load", "train", "open_tool"]
    opened = [b.action.tool for b in scene.beats if b.action and b.action.kind == "open_tool"]
    assert opened == [tool]

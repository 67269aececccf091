"""The guided lessons: every prediction a shipped lesson asks is decided by its own runs, computed
headless, and its one-sentence "why" names the answer the runs give."""

from __future__ import annotations

import json
import re

import pytest
import torch

import resources
from core.beats import Outcomes, apply_settings, decide, outcomes_from_result, shown_until
from core.runner import run_scene
from core.scene import Scene, load_scene, parse_scene

SCENE_FILES = sorted(resources.path("scenes").glob("*.json"))
GUIDED = [path for path in SCENE_FILES if "beats" in json.loads(path.read_text(encoding="utf-8"))]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _asks(path) -> bool:
    beats = json.loads(path.read_text(encoding="utf-8"))["beats"]
    return any("question" in beat for beat in beats)


def test_at_least_fifteen_lessons_ask_for_a_prediction():
    assert sum(_asks(path) for path in GUIDED) >= 15


def _texts(scene: Scene):
    for index, beat in enumerate(scene.beats):
        yield f"beats[{index}].text", beat.text
        if beat.question is not None:
            yield f"beats[{index}].question.text", beat.question.text
            yield f"beats[{index}].question.why", beat.question.why


def _named_first(why: str, choices: list[str]) -> int | None:
    """The choice whose text the sentence starts with (the longest, so that "SGD + momentum"
    wins over "SGD"), or None."""
    starts = [(len(text), index) for index, text in enumerate(choices) if why.startswith(text)]
    return max(starts)[1] if starts else None


@pytest.mark.parametrize("path", GUIDED, ids=lambda p: p.stem)
def test_every_prediction_is_decided_by_the_lessons_own_runs(path):
    scene = load_scene(path)
    for where, text in _texts(scene):  # both languages, the Chinese one really Chinese
        assert text.get("en") and CJK.search(text.get("zh", "")), f"{path.stem}: {where}"
    # A choice may be a run's label, shown as it is in both languages.
    choices = [c.text for b in scene.beats if b.question for c in b.question.choices]
    assert all(text.get("zh") for text in choices), path.stem
    # Every step a beat plays to exists: a lesson never pauses past the end of its runs.
    length = scene.network.training.epochs if scene.network else max(r.steps for r in scene.runs)
    shown = [shown_until(scene.beats, index) for index in range(len(scene.beats))]
    assert all(step is None or step <= length for step in shown), (path.stem, shown, length)
    data = json.loads(path.read_text(encoding="utf-8"))
    computed: dict[str, Outcomes] = {}  # per version of the runs ('set' actions change them)
    for index, beat in enumerate(scene.beats):
        question = beat.question
        if question is None:
            continue
        seen = apply_settings(data, scene.beats, index)
        key = json.dumps(seen["runs" if "runs" in seen else "network"], sort_keys=True)
        if key not in computed:
            result = run_scene(parse_scene(seen), device="cpu", dtype=torch.float64)
            computed[key] = outcomes_from_result(result)
        # Decided by what the beat's action has shown when the answer is revealed.
        right = decide(question, computed[key].until(shown_until(scene.beats, index)))
        for language in ("en", "zh"):
            choices = [choice.text[language] for choice in question.choices]
            named = _named_first(question.why[language], choices)
            assert named == right, (
                f"{path.stem}: beats[{index}] why ({language}) names "
                f"{choices[named] if named is not None else 'no choice'!r}, "
                f"the runs say {choices[right]!r}"
            )

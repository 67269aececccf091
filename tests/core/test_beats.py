"""Lesson beats as data, and answers decided by the runs (core.beats)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from core.beats import (
    Beat,
    Outcomes,
    Question,
    UndecidedError,
    apply_settings,
    check_beats,
    decide,
    outcomes_from_result,
    shown_until,
    verdict,
)
from core.runner import run_scene
from core.scene import parse_scene


def _choices(*runs: str) -> list[dict]:
    return [{"text": {"en": run}, "run": run} for run in runs]


def _question(**fields) -> Question:
    data = {"text": {"en": "?"}, "why": {"en": "because"}, **fields}
    return Question.model_validate(data)


RACE = Outcomes(
    {
        "SGD": {"loss": [4.0, 2.0, 1.0, 0.4, 0.09], "position": [0.9, 0.1]},
        "Adam": {"loss": [4.0, 0.5, 0.08, 0.05, 0.2], "position": [3.0, 2.0]},
    }
)


def test_which_run_first_reaches_the_floor_is_read_from_the_losses():
    question = _question(rule="first_below", threshold=0.1, choices=_choices("SGD", "Adam"))
    assert decide(question, RACE) == 1  # Adam at step 2, SGD only at step 4
    assert verdict(question, RACE, picked=0) == (False, 1)
    assert verdict(question, RACE, picked=1) == (True, 1)


def test_lowest_final_and_nearest_end_can_give_the_other_run():
    lowest = _question(rule="lowest_final", choices=_choices("SGD", "Adam"))
    assert decide(lowest, RACE) == 0  # Adam bounced back up to 0.2
    nearest = _question(rule="ends_nearest", point=[1.0, 0.0], choices=_choices("Adam", "SGD"))
    assert decide(nearest, RACE) == 1


def test_rise_or_fall_between_two_steps_both_ways():
    choices = [
        {"text": {"en": "falls"}, "outcome": "fall"},
        {"text": {"en": "rises"}, "outcome": "rise"},
    ]
    falls = _question(rule="change", run="Adam", from_step=0, to_step=3, choices=choices)
    rises = _question(rule="change", run="Adam", from_step=3, to_step=4, choices=choices)
    assert decide(falls, RACE) == 0
    assert decide(rises, RACE) == 1
    late = _question(rule="change", run="SGD", from_step=0, to_step=9, choices=choices)
    with pytest.raises(UndecidedError, match="not reached step 9"):
        decide(late, RACE)


def test_validation_rise_needs_more_than_the_tolerance():
    choices = [
        {"text": {"en": "yes"}, "outcome": "yes"},
        {"text": {"en": "no"}, "outcome": "no"},
    ]
    question = _question(rule="val_rises", run="net", choices=choices)
    overfit = Outcomes({"net": {"val_loss": [1.0, 0.5, 0.4, 0.6]}})
    flat = Outcomes({"net": {"val_loss": [1.0, 0.5, 0.4, 0.401]}})
    assert decide(question, overfit) == 0
    assert decide(question, flat) == 1


def test_ties_and_missing_series_are_undecided_not_guessed():
    question = _question(rule="first_below", threshold=0.1, choices=_choices("A", "B"))
    tie = Outcomes({"A": {"loss": [1.0, 0.0]}, "B": {"loss": [1.0, 0.0]}})
    with pytest.raises(UndecidedError, match="tie"):
        decide(question, tie)
    with pytest.raises(UndecidedError, match="no loss"):
        decide(question, Outcomes({"A": {"loss": [1.0]}, "B": {}}))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rule": "first_below", "choices": _choices("A", "B")}, "needs threshold"),
        ({"rule": "lowest_final", "choices": _choices("A")}, "at least 2"),
        ({"rule": "lowest_final", "choices": _choices("A", "A")}, "same answer"),
        (
            {"rule": "change", "run": "A", "from_step": 5, "to_step": 5, "choices": []},
            "at least 2",
        ),
        ({"rule": "lowest_final", "choices": [{"text": {"en": "x"}}] * 2}, "needs a 'run'"),
    ],
)
def test_bad_questions_are_refused_with_a_reason(fields, message):
    with pytest.raises(ValidationError, match=message):
        _question(**fields)


def test_actions_are_tagged_and_checked_against_the_scene():
    beats = [
        Beat.model_validate({"text": {"en": "Watch"}, "action": {"kind": "play_to", "step": 40}}),
        Beat.model_validate(
            {
                "text": {"en": "Tune"},
                "action": {"kind": "set", "run": "SGD", "path": "optimizer.lr", "value": 0.1},
            }
        ),
    ]
    check_beats(beats, ["SGD"], network=False)
    with pytest.raises(ValueError, match="beats\\[1\\]: no run named 'SGD'"):
        check_beats(beats, ["Adam"], network=False)
    with pytest.raises(ValueError, match="surface action"):
        check_beats(beats, ["SGD"], network=True)
    with pytest.raises(ValidationError):
        Beat.model_validate({"text": {"en": "x"}, "action": {"kind": "explode"}})
    with pytest.raises(ValidationError, match="exactly one"):
        Beat.model_validate({"text": {"en": "x"}, "action": {"kind": "show_hessian"}})
    with pytest.raises(ValidationError, match="English"):
        Beat.model_validate({"text": {"zh": "只有中文"}})


# -- plateaus, other series, and outcomes from a headless run -------------------------------------

RISE_FALL_FLAT = [
    {"text": {"en": "rises"}, "outcome": "rise"},
    {"text": {"en": "falls"}, "outcome": "fall"},
    {"text": {"en": "barely moves"}, "outcome": "flat"},
]
PLATEAU = Outcomes({"run": {"loss": [1.0, 0.99, 0.97]}})


def test_a_small_change_is_flat_only_when_flat_is_offered():
    flat = _question(
        rule="change", run="run", from_step=0, to_step=2, tolerance=0.05, choices=RISE_FALL_FLAT
    )
    assert decide(flat, PLATEAU) == 2  # 3% < 5% of the loss at step 0
    strict = flat.model_copy(update={"tolerance": 0.01})
    assert decide(strict, PLATEAU) == 1  # 3% > 1%: it fell
    two_way = _question(
        rule="change", run="run", from_step=0, to_step=2, tolerance=0.05, choices=RISE_FALL_FLAT[:2]
    )
    assert decide(two_way, PLATEAU) == 1  # without "flat" any drop is a fall


def test_outcome_choices_must_offer_every_answer_the_rule_can_give():
    with pytest.raises(ValidationError, match="needs choices for fall and rise"):
        _question(
            rule="change",
            run="A",
            from_step=0,
            to_step=1,
            choices=[RISE_FALL_FLAT[0], RISE_FALL_FLAT[2]],
        )
    yes_no = [{"text": {"en": "yes"}, "outcome": "yes"}, {"text": {"en": "up"}, "outcome": "rise"}]
    with pytest.raises(ValidationError, match="allows only no, yes"):
        _question(rule="val_rises", run="A", choices=yes_no)


def test_a_question_can_read_the_test_loss_instead_of_the_training_loss():
    outcomes = Outcomes(
        {
            "sharp": {"loss": [1.0, 0.0], "test_loss": [3.0, 1.6]},
            "flat": {"loss": [1.0, 0.01], "test_loss": [3.0, 0.1]},
        }
    )
    training = _question(rule="lowest_final", choices=_choices("sharp", "flat"))
    test = _question(rule="lowest_final", series="test_loss", choices=_choices("sharp", "flat"))
    assert decide(training, outcomes) == 0
    assert decide(test, outcomes) == 1
    with pytest.raises(UndecidedError, match="no val_loss"):
        decide(test.model_copy(update={"series": "val_loss"}), outcomes)


def test_outcomes_of_a_headless_surface_run_and_a_swarm_by_its_median():
    scene = parse_scene(
        {
            "surface": {"formula": "x^2 + y^2"},
            "runs": [
                {
                    "label": "one",
                    "optimizer": {"name": "sgd", "lr": 0.1},
                    "start": [1, 1],
                    "steps": 4,
                },
                {
                    "label": "swarm",
                    "optimizer": {"name": "sgd", "lr": 0.1},
                    "starts": [[1, 0], [3, 0], [2, 0]],
                    "steps": 3,
                },
            ],
        }
    )
    result = run_scene(scene, device="cpu")
    outcomes = outcomes_from_result(result)
    one, swarm = result["runs"]
    np.testing.assert_allclose(outcomes.series("one", "loss"), one["loss"])
    np.testing.assert_allclose(outcomes.series("one", "position"), one["positions"])
    assert outcomes.series("one", "position").shape == (5, 2)
    # The swarm's points shrink by the same factor, so the median is the middle start (2, 0).
    middle = np.asarray(swarm["loss"])[:, 2]
    np.testing.assert_allclose(outcomes.series("swarm", "loss"), middle)
    np.testing.assert_allclose(outcomes.series("swarm", "position")[-1], [2 * 0.8**3, 0])
    nearest = _question(rule="ends_nearest", point=[1.0, 0.0], choices=_choices("one", "swarm"))
    assert decide(nearest, outcomes) == 1  # (1.024, 0) against (0.41, 0.41)


def test_outcomes_turn_nulls_into_nan_and_read_networks_per_epoch():
    surface = {"runs": [{"label": "A", "loss": [2.0, None], "positions": [[0, 0], [None, 1]]}]}
    assert np.isnan(outcomes_from_result(surface).series("A", "loss")[1])
    epochs = [
        {"epoch": e, "train_loss": t, "val_loss": v}
        for e, t, v in [(0, 0.7, 0.7), (1, 0.3, 0.4), (2, 0.1, 0.6)]
    ]
    network = outcomes_from_result(
        {"kind": "network", "runs": [{"label": "network", "epochs": epochs}]}
    )
    np.testing.assert_allclose(network.series("network", "loss"), [0.7, 0.3, 0.1])
    np.testing.assert_allclose(network.series("network", "val_loss"), [0.7, 0.4, 0.6])
    folds = {
        "kind": "network",
        "runs": [
            {"label": "fold 1", "epochs": epochs},
            {"label": "fold 2", "epochs": [{**e, "train_loss": 0.5} for e in epochs]},
        ],
        "kfold": {"epoch": [0, 1, 2], "val_loss_mean": [0.7, 0.5, 0.5]},
    }
    kfold = outcomes_from_result(folds)
    np.testing.assert_allclose(kfold.series("network", "loss"), [0.6, 0.4, 0.3])
    np.testing.assert_allclose(kfold.series("network", "val_loss"), [0.7, 0.5, 0.5])


def test_a_question_is_decided_by_what_the_beats_have_shown():
    beats = [
        Beat.model_validate({"text": {"en": "start"}, "action": {"kind": "load"}}),
        Beat.model_validate({"text": {"en": "to 2"}, "action": {"kind": "play_to", "step": 2}}),
        Beat.model_validate({"text": {"en": "look"}, "action": {"kind": "escape_saddle"}}),
        Beat.model_validate({"text": {"en": "end"}, "action": {"kind": "play"}}),
    ]
    assert [shown_until(beats, i) for i in range(4)] == [0, 2, 2, None]
    training = [
        Beat.model_validate({"text": {"en": "train"}, "action": {"kind": "train", "epochs": 7}}),
        Beat.model_validate({"text": {"en": "more"}, "action": {"kind": "train", "epochs": 3}}),
    ]
    assert [shown_until(training, i) for i in range(2)] == [7, 10]
    question = _question(rule="lowest_final", choices=_choices("SGD", "Adam"))
    assert decide(question, RACE.until(3)) == 1  # Adam is lower at step 3 ...
    assert decide(question, RACE.until(None)) == 0  # ... SGD at the end
    assert RACE.until(1).series("SGD", "position").tolist() == [0.9, 0.1]  # a final point stays


def test_set_actions_give_the_runs_the_students_see_at_a_beat():
    data = {
        "surface": {"formula": "x^2 + 10*y^2"},
        "runs": [{"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.09}, "start": [-2.5, 2]}],
    }
    beats = [
        Beat.model_validate({"text": {"en": "look"}, "action": {"kind": "play"}}),
        Beat.model_validate(
            {
                "text": {"en": "smaller"},
                "action": {"kind": "set", "run": "SGD", "path": "optimizer.lr", "value": 0.01},
            }
        ),
        Beat.model_validate(
            {
                "text": {"en": "shorter"},
                "action": {"kind": "set", "run": "SGD", "path": "steps", "value": 20},
            }
        ),
    ]
    assert apply_settings(data, beats, 0) == data
    seen = apply_settings(data, beats, 2)
    assert seen["runs"][0]["optimizer"] == {"name": "sgd", "lr": 0.01}
    assert seen["runs"][0]["steps"] == 20
    assert data["runs"][0]["optimizer"]["lr"] == 0.09  # the scene itself is left alone
    run = run_scene(parse_scene(seen), device="cpu")["runs"][0]
    assert len(run["loss"]) == 21 and run["lr"][0] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="no run named 'SGD'"):
        apply_settings({"runs": [{"label": "Adam"}]}, beats, 1)

"""Network scenes' weight averaging, snapshot ensembles and races: validation with field paths,
round trips, the budget, and what ``losslab run`` writes for each (small, fast settings)."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import replace

import pytest

from core.cli import main
from core.nets.spec import setup_from_spec, spec_data
from core.scene import SceneError, check_budget, parse_scene, scene_to_dict

BASE = {
    "format": 1,
    "network": {
        "dataset": {"name": "moons", "size": 120, "seed": 0},
        "model": {"hidden": [8], "activation": "tanh"},
        "training": {"optimizer": {"name": "sgd", "lr": 0.3}, "epochs": 12},
    },
}
RACE = [
    {"label": "SGD", "optimizer": {"name": "sgd", "lr": 0.3}},
    {"label": "Adam", "optimizer": {"name": "adam", "lr": 0.02}, "batch_size": 16},
]


def scene(race: list | None = None, **training) -> dict:
    data = copy.deepcopy(BASE)
    data["network"]["training"].update(training)
    if race is not None:
        data["network"]["race"] = copy.deepcopy(race)
    return data


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (scene(average={"kind": "mean"}), "network.training.average.kind", "'swa' or 'ema'"),
        (scene(average={"kind": "swa", "decay": 0.9}), "network.training.average", "'ema' only"),
        (scene(average={"kind": "ema", "decay": 1.0}), "network.training.average.decay", "less"),
        (scene(average={"kind": "ema", "decay": 0}), "network.training.average.decay", "greater"),
        (scene(average={"kind": "swa", "start_epoch": -1}), "average.start_epoch", "greater"),
        (scene(average={"kind": "swa", "start_epoch": 2.0}), "average.start_epoch", "integer"),
        (scene(average={"kind": "swa"}, kfold=3), "network.training.average", "kfold"),
        (scene(average={"kind": "swa", "every": 2}), "average.every", "unknown field"),
        (scene(snapshots={"cycles": 1, "first_cycle": 4}), "snapshots.cycles", "greater"),
        (scene(snapshots={"cycles": 21, "first_cycle": 4}), "snapshots.cycles", "less"),
        (scene(snapshots={"cycles": 3, "first_cycle": 0}), "snapshots.first_cycle", "greater"),
        (scene(snapshots={"cycles": 3, "first_cycle": 4, "t_mult": 4}), "snapshots.t_mult", ""),
        (scene(snapshots={"cycles": 3}), "network.training.snapshots.first_cycle", "required"),
        (
            scene(snapshots={"cycles": 3, "first_cycle": 4}, schedule={"name": "cosine"}),
            "network.training.snapshots",
            "remove 'schedule'",
        ),
        (
            scene(snapshots={"cycles": 3, "first_cycle": 4}, early_stopping={"patience": 5}),
            "network.training.snapshots",
            "early_stopping",
        ),
        (
            scene(snapshots={"cycles": 20, "first_cycle": 1000, "t_mult": 3}),
            "network.training.snapshots",
            "at most 100000",
        ),
        (scene(race=RACE[:1]), "network.race", "at least 2"),
        (scene(race=RACE * 5), "network.race", "at most 8"),
        (scene(race=[RACE[0], {**RACE[1], "label": "SGD"}]), "network.race", "unique"),
        (scene(race=[RACE[0], {**RACE[1], "label": ""}]), "network.race[1].label", "at least 1"),
        (scene(race=[RACE[0], {**RACE[1], "label": "x" * 41}]), "race[1].label", "at most 40"),
        (
            scene(race=[RACE[0], {**RACE[1], "optimizer": {"name": "newton", "lr": 1.0}}]),
            "network.race[1].optimizer",
            "Newton",
        ),
        (
            scene(race=[RACE[0], {**RACE[1], "optimizer": {"name": "adam", "lr": 0}}]),
            "network.race[1].optimizer.lr",
            "greater",
        ),
        (scene(race=[RACE[0], {**RACE[1], "batch_size": -1}]), "race[1].batch_size", "greater"),
        (scene(race=[RACE[0], {**RACE[1], "seed": 3}]), "network.race[1].seed", "unknown"),
        (scene(race=RACE, kfold=3), "network.race", "not with kfold"),
        (scene(race=RACE, average={"kind": "swa"}), "network.race", "plain trainings"),
    ],
)
def test_bad_extras_name_their_field(data, where, words):
    with pytest.raises(SceneError) as caught:
        parse_scene(data)
    assert caught.value.path.endswith(where), str(caught.value)
    assert words in caught.value.message, str(caught.value)


def test_a_race_with_batch_norm_refuses_a_member_with_batches_of_one():
    data = scene(race=[RACE[0], {**RACE[1], "batch_size": 1}])
    data["network"]["model"]["batch_norm"] = True
    with pytest.raises(SceneError, match=r"network\.race: \[1\] \(Adam\): batch norm"):
        parse_scene(data)


@pytest.mark.parametrize(
    "data",
    [
        scene(average={"kind": "swa", "start_epoch": 4}),
        scene(average={"kind": "ema", "start_epoch": 0, "decay": 0.9}),
        scene(snapshots={"cycles": 3, "first_cycle": 4, "t_mult": 1}),
        scene(race=RACE),
    ],
    ids=["swa", "ema", "snapshots", "race"],
)
def test_extras_round_trip_through_the_scene_and_the_trainer_setup(data):
    loaded = parse_scene(data)
    again = scene_to_dict(loaded)
    for key in ("average", "snapshots"):
        assert again["network"]["training"].get(key) == data["network"]["training"].get(key)
    expected_race = [{"batch_size": 0, **member} for member in data["network"].get("race", [])]
    assert again["network"].get("race", []) == expected_race
    assert parse_scene(again) == loaded
    network = spec_data(setup_from_spec(loaded.network))
    for key in ("average", "snapshots"):
        assert network["training"].get(key) == data["network"]["training"].get(key)
    assert network.get("race", []) == expected_race
    back = parse_scene({"format": 1, "network": network}).network
    assert (back.training, back.race) == (loaded.network.training, loaded.network.race)


def test_the_cycles_set_the_length_of_a_snapshot_run_and_its_budget():
    loaded = parse_scene(scene(epochs=10_000, snapshots={"cycles": 3, "first_cycle": 4}))
    assert loaded.network.training.trained_epochs() == 12
    plain = check_budget(parse_scene(scene(epochs=12)))
    assert check_budget(loaded).seconds == pytest.approx(plain.seconds)


def test_a_race_costs_each_member_and_names_the_race_when_over_budget():
    one = check_budget(parse_scene(scene()))
    race = check_budget(parse_scene(scene(race=[RACE[0], {**RACE[1], "batch_size": 0}])))
    assert [run.where for run in race.runs] == ["network.race[0]", "network.race[1]"]
    assert race.seconds == pytest.approx(2 * one.seconds)
    batched = check_budget(parse_scene(scene(race=RACE)))  # Adam's batches of 16 cost more
    assert batched.runs[1].seconds > batched.runs[0].seconds == pytest.approx(one.seconds)
    # each member alone fits (about 30 s), the eight together do not (the limit is 2 min)
    per_epoch = check_budget(parse_scene(scene(epochs=1000))).seconds / 1000
    members = [{**RACE[0], "label": f"net {k}"} for k in range(8)]
    huge = scene(race=members, epochs=round(30 / per_epoch))
    with pytest.raises(SceneError, match=r"network\.race: too much work: the 8 networks"):
        parse_scene(huge)


def test_weight_averaging_adds_the_averaged_models_evaluation_to_the_estimate():
    """After every epoch the averaged model is evaluated on all the examples (by torch, both
    when the training itself runs compiled and when it does not)."""
    from core.limits import (
        NET_SECONDS_PER_EPOCH,
        NET_SECONDS_PER_EXAMPLE,
        NET_SECONDS_PER_EXAMPLE_PARAM,
        network_parameters,
    )

    data = scene()
    setup = setup_from_spec(parse_scene(data).network)
    examples = len(setup.dataset().x_train) + len(setup.dataset().x_val)
    params = network_parameters(2, 2, list(setup.model.hidden), False)
    per_example = NET_SECONDS_PER_EXAMPLE + params * NET_SECONDS_PER_EXAMPLE_PARAM
    evaluation = setup.train.epochs * (NET_SECONDS_PER_EPOCH + examples * per_example)
    plain = check_budget(parse_scene(data))
    for kind in ("swa", "ema"):
        averaged = check_budget(parse_scene(scene(average={"kind": kind})))
        assert averaged.seconds - plain.seconds == pytest.approx(evaluation, rel=0.02)


def _run(tmp_path, data) -> dict:
    path, out = tmp_path / "scene.json", tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["run", str(path), "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_losslab_run_writes_the_swa_curve_beside_the_network(tmp_path):
    result = _run(tmp_path, scene(average={"kind": "swa", "start_epoch": 5}))
    network, swa = result["runs"]
    assert (network["label"], swa["label"], swa["of"]) == ("network", "SWA", "network")
    assert result["average"] == {"kind": "swa", "start_epoch": 5, "label": "SWA"}
    assert [e["epoch"] for e in swa["epochs"]] == [e["epoch"] for e in network["epochs"]]
    assert all(e["val_loss"] is None for e in swa["epochs"][:5])
    # SWA averages the weights at the end of epochs 5, 6, ..., 12: 8 vectors at the end.
    assert [e["averaged"] for e in swa["epochs"][5:]] == list(range(1, 9))
    # One weight vector in the average is the network itself.
    assert swa["epochs"][5]["val_loss"] == pytest.approx(network["epochs"][5]["val_loss"])
    assert swa["epochs"][-1]["val_loss"] != pytest.approx(network["epochs"][-1]["val_loss"])
    assert all(0 <= e["val_accuracy"] <= 1 for e in swa["epochs"][5:])


def test_losslab_run_writes_the_ema_curve_from_the_first_update(tmp_path):
    result = _run(tmp_path, scene(average={"kind": "ema", "decay": 0.5}))
    ema = result["runs"][1]
    assert result["average"]["decay"] == 0.5 and ema["label"] == "EMA"
    assert ema["epochs"][0]["val_loss"] is None
    # full batch: one update per epoch, so the average holds one update per epoch
    assert [e["averaged"] for e in ema["epochs"][1:]] == list(range(1, 13))
    assert all(math.isfinite(e["val_loss"]) for e in ema["epochs"][1:])


def test_losslab_run_writes_the_snapshot_ensemble_per_cycle(tmp_path):
    data = scene(epochs=99, snapshots={"cycles": 3, "first_cycle": 2, "t_mult": 2})
    result = _run(tmp_path, data)
    network, ensemble, last = result["runs"]
    assert len(network["epochs"]) == 2 + 4 + 8 + 1  # the cycles' 14 epochs, not 99
    cycles = result["snapshots"]
    assert [c["epoch"] for c in cycles] == [2, 6, 14]
    assert [c["snapshots"] for c in cycles] == [1, 2, 3]
    assert cycles[0]["ensemble_loss"] == pytest.approx(cycles[0]["single_loss"])
    assert cycles[-1]["ensemble_loss"] != pytest.approx(cycles[-1]["single_loss"])
    # The latest snapshot is the network at the cycle's end (the same validation loss).
    for cycle in cycles:
        assert cycle["single_loss"] == pytest.approx(
            network["epochs"][cycle["epoch"]]["val_loss"], rel=1e-5
        )
    assert (ensemble["label"], last["label"]) == ("snapshot ensemble", "last snapshot")
    at_ends = {e["epoch"]: e["val_loss"] for e in ensemble["epochs"] if e["val_loss"] is not None}
    assert at_ends == {c["epoch"]: c["ensemble_loss"] for c in cycles}
    assert last["epochs"][14]["val_accuracy"] == cycles[-1]["single_accuracy"]
    # the learning rate restarts after each cycle
    lrs = [e["lr"] for e in network["epochs"][1:]]
    assert lrs[2] == pytest.approx(0.3) and lrs[6] == pytest.approx(0.3) and lrs[5] < 0.1


def test_losslab_run_trains_every_race_member_as_its_own_run(tmp_path):
    result = _run(tmp_path, scene(race=RACE))
    assert [run["label"] for run in result["runs"]] == ["SGD", "Adam"]
    for member, run in zip(RACE, result["runs"], strict=True):
        alone = scene(
            optimizer=member["optimizer"], batch_size=member.get("batch_size", 0)
        )  # the same member trained by itself
        single = _run(tmp_path, alone)["runs"][0]
        assert len(run["epochs"]) == 13
        for key in ("train_loss", "val_loss", "val_accuracy"):
            assert run["epochs"][-1][key] == pytest.approx(single["epochs"][-1][key], rel=1e-6)
    sgd, adam = result["runs"]
    assert sgd["epochs"][-1]["val_loss"] != pytest.approx(adam["epochs"][-1]["val_loss"])


def test_the_runs_a_network_scene_names_for_its_beats():
    assert parse_scene(scene()).network.run_labels() == ["network"]
    swa = parse_scene(scene(average={"kind": "swa"}))
    assert swa.network.run_labels() == ["network", "SWA"]
    snapshots = parse_scene(scene(snapshots={"cycles": 2, "first_cycle": 3}))
    assert snapshots.network.run_labels() == ["network", "snapshot ensemble", "last snapshot"]
    assert parse_scene(scene(race=RACE)).network.run_labels() == ["SGD", "Adam"]


def test_the_update_ratio_lesson_updates_far_above_the_healthy_ratio():
    """The lesson says the first updates change each layer's weights by half their size or more
    (the ratio far above 1e-3), and that a learning rate of 0.03 brings it into the band."""
    from core.lessons import lesson_path
    from core.nets.ratios import RATIO_BAND, RatioRecord, with_update_ratios
    from core.nets.trainer import Trainer
    from core.scene import load_scene

    setup = setup_from_spec(load_scene(lesson_path("network_update_ratio")).network)

    def first_epoch_ratios(lr: float) -> dict[str, float]:
        train = replace(setup.train, optimizer={"name": "sgd", "lr": lr}, epochs=1)
        trainer = Trainer(setup.dataset(), setup.model, train)
        records = [r for r in with_update_ratios(trainer) if isinstance(r, RatioRecord)]
        return {name: r for name, r in records[0].ratios.items() if name.endswith("weight")}

    assert min(first_epoch_ratios(10.0).values()) > 0.4
    assert all(RATIO_BAND[0] <= r <= RATIO_BAND[1] for r in first_epoch_ratios(0.03).values())


@pytest.mark.parametrize(
    ("lesson", "choices"),
    [
        ("network_weight_averaging", ["network", "SWA"]),
        ("network_snapshot_ensemble", ["snapshot ensemble", "last snapshot"]),
        ("network_race_optimizers", ["SGD", "Momentum", "Adam"]),
    ],
)
def test_the_lessons_comparisons_are_decided_from_the_result_runs(lesson, choices):
    """The questions these lessons will ask once beats may name a network scene's other runs
    (``NetworkSpec.run_labels``): "which ends with the lowest validation loss?" is decided from
    the runs the result holds, and the answer is the run whose last validation loss is lowest."""
    import torch

    from core.beats import Question, decide, outcomes_from_result
    from core.lessons import lesson_path
    from core.runner import run_scene
    from core.scene import load_scene

    loaded = load_scene(lesson_path(lesson))
    result = run_scene(loaded, device="cpu", dtype=torch.float64)
    assert [run["label"] for run in result["runs"]] == loaded.network.run_labels()
    question = Question.model_validate(
        {
            "text": {"en": "Which ends with the lowest validation loss?"},
            "choices": [{"text": {"en": label}, "run": label} for label in choices],
            "rule": "lowest_final",
            "series": "val_loss",
            "why": {"en": "-"},
        }
    )
    last = {run["label"]: run["epochs"][-1]["val_loss"] for run in result["runs"]}
    expected = min(choices, key=lambda label: last[label])
    assert choices[decide(question, outcomes_from_result(result))] == expected


def test_weight_averaging_and_a_snapshot_ensemble_run_together(tmp_path):
    both = _run(
        tmp_path,
        scene(average={"kind": "swa", "start_epoch": 3}, snapshots={"cycles": 2, "first_cycle": 3}),
    )
    alone = _run(tmp_path, scene(snapshots={"cycles": 2, "first_cycle": 3}))
    assert [run["label"] for run in both["runs"]] == [
        "network",
        "SWA",
        "snapshot ensemble",
        "last snapshot",
    ]
    assert both["snapshots"] == alone["snapshots"]  # averaging does not change the training
    assert [e["averaged"] for e in both["runs"][1]["epochs"]] == [None] * 3 + [1, 2, 3, 4]

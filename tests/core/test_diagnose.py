"""Loss-curve diagnosis (core.diagnose): each case on synthetic curves, the shipped real curves,
the one-click experiments of core.nets.experiments, the flowchart, and bad files."""

import json
import math

import numpy as np
import pytest

from core.diagnose import (
    CASE_NAMES,
    CASES,
    EXPERIMENTS,
    FLOWCHART,
    REMEDIES,
    START,
    CurveError,
    baseline_loss,
    compare_shallower,
    curves_from_records,
    diagnose,
    load_curves,
    make_curves,
    walk,
)
from core.diagnose import curves as curves_module
from core.diagnose import features as th
from core.diagnose.report import diagnosis_to_dict
from core.diagnose.shipped import SHIPPED, path_of, produce
from core.lessons import find_lesson

EPOCHS = np.arange(101)
DECAY = np.exp(-EPOCHS / 10)


def synthetic(case: str):
    """A curve that shows ``case`` and nothing else (the shapes docs/curves-format.md draws)."""
    e = EPOCHS
    if case == "model_bias":  # learned quickly, then flat at 43% of the baseline
        train = 0.3 + 0.4 * np.exp(-e / 5)
        return make_curves(train, train + 0.02, baseline=0.693)
    if case == "plateau":  # at the baseline from the start: learned nothing
        train = 0.693 + 0.01 * np.exp(-e / 3)
        return make_curves(train, train, baseline=0.693)
    if case == "oscillation":  # bounces by 40% every other epoch around a high loss
        train = 0.8 * (1 + 0.4 * (e % 2))
        return make_curves(train, train * 1.05)
    if case == "divergence":
        train = np.where(e < 30, 0.7 * np.exp(-e / 20), np.nan)
        return make_curves(train, train)
    if case == "lr_too_small":  # a slow, steady, straight decrease
        train = 0.7 - 0.001 * e
        return make_curves(train, train + 0.01)
    if case == "overfitting":  # validation minimum near epoch 23, then a rise
        train = 0.7 * DECAY
        return make_curves(train, 0.1 + 0.6 * np.exp(-e / 8) + 0.004 * e)
    if case == "mismatch":  # the validation loss hardly moves while the training loss falls
        train = 0.7 * DECAY
        return make_curves(train, 0.7 - 0.1 * (1 - DECAY))
    if case == "noisy_batches":  # comes down, with +-25% jitter from epoch to epoch
        train = (0.7 * DECAY + 0.02) * (1 + 0.25 * (-1) ** e)
        return make_curves(train, train * 1.1)
    if case == "good_fit":
        train = 0.7 * DECAY + 0.01
        return make_curves(train, train * 1.1 + 0.005)
    raise AssertionError(case)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_case_is_named_on_its_own_curve(case):
    diagnosis = diagnose(synthetic(case))
    assert diagnosis.case == case
    assert 0.5 <= diagnosis.verdict.confidence <= 1
    assert diagnosis.verdict.evidence and all(
        e.text["en"] and e.text["zh"] for e in diagnosis.verdict.evidence
    )


@pytest.mark.parametrize("case", CASE_NAMES)
def test_no_other_curve_is_given_this_case(case):
    """Both ways: the curves of every other case are not called ``case``, not even as an aside."""
    for other in CASE_NAMES:
        if other == case:
            continue
        diagnosis = diagnose(synthetic(other))
        named = {diagnosis.case, *(v.case for v in diagnosis.also)}
        assert case not in named, f"the {other} curve was also called {case}"


def test_overfitting_names_the_best_epoch_and_its_numbers():
    curves = synthetic("overfitting")
    verdict = diagnose(curves).verdict
    best = int(np.argmin(curves.val_loss))
    assert verdict.best_epoch == best == 23
    evidence = {e.key: e for e in verdict.evidence}
    assert evidence["best_epoch"].value == best
    assert f"epoch {best} ({curves.val_loss[best]:.3g})" in evidence["best_epoch"].text["en"]
    assert f"第 {best} 个 epoch" in evidence["best_epoch"].text["zh"]
    assert verdict.experiment == "hold_out" and verdict.confidence <= 0.8


def test_thresholds_decide_the_boundary_cases():
    # the same flat shape above and below HIGH_FRACTION of the baseline
    level = 0.693 * (th.HIGH_FRACTION + 0.05)
    flat = level + 0.4 * np.exp(-EPOCHS / 5)
    assert diagnose(make_curves(flat, flat + 0.01, baseline=0.693)).case == "model_bias"
    level = 0.693 * (th.HIGH_FRACTION - 0.05)
    flat = level + 0.4 * np.exp(-EPOCHS / 5)
    assert diagnose(make_curves(flat, flat + 0.01, baseline=0.693)).case == "good_fit"
    # the baseline decides "large": without it, the initial loss is the reference
    low = 0.2 + 0.6 * np.exp(-EPOCHS / 5)
    assert diagnose(make_curves(low, low, baseline=0.3)).case == "model_bias"
    assert diagnose(make_curves(low, low)).case == "good_fit"
    # a straight 7% fall is a too-small learning rate; the same fall made early is a plateau
    straight = 0.7 - 0.0005 * EPOCHS
    assert diagnose(make_curves(straight, straight)).case == "lr_too_small"
    early = 0.65 + 0.05 * np.exp(-EPOCHS / 5)
    assert diagnose(make_curves(early, early)).case == "plateau"
    # the validation gap: 3x the training loss but only 3% of the initial loss is fine; 10x and
    # 12% is overfitting (the validation loss fell first, so the gap was not there from the start)
    train = 0.01 + 0.7 * np.exp(-EPOCHS / 5)
    assert diagnose(make_curves(train, train + 0.02)).case == "good_fit"
    assert diagnose(make_curves(train, train + 0.09)).case == "overfitting"


def test_divergence_by_growth_and_oscillation_below_it():
    grow = 0.7 * np.exp(EPOCHS / 10)
    verdict = diagnose(make_curves(grow, grow)).verdict
    assert verdict.case == "divergence" and verdict.evidence[0].key == "growth"
    assert verdict.evidence[0].value == pytest.approx(grow[-1] / grow[0])
    # bouncing up to 5x the start without running away is oscillation, not divergence
    bounce = 0.7 * (1 + 4 * (EPOCHS % 2))
    assert diagnose(make_curves(bounce, bounce)).case == "oscillation"
    nan = diagnose(synthetic("divergence")).verdict
    assert nan.evidence[0].key == "nonfinite_epoch" and nan.evidence[0].value == 30


def test_noise_beside_another_case_is_named_too():
    curves = synthetic("overfitting")
    jitter = curves.train_loss * (1 + 0.25 * (-1) ** EPOCHS)
    diagnosis = diagnose(make_curves(jitter, curves.val_loss))
    assert diagnosis.case == "overfitting"
    assert [v.case for v in diagnosis.also] == ["noisy_batches"]


def test_without_validation_only_the_training_branch_is_judged():
    diagnosis = diagnose(make_curves(0.7 * DECAY + 0.01))
    assert diagnosis.case == "good_fit"
    assert "no validation loss" in diagnosis.report("en")


def test_every_remedy_and_experiment_links_an_existing_lesson():
    lessons = {r.lesson for r in REMEDIES.values()} | {x.lesson for x in EXPERIMENTS.values()}
    missing = sorted(lesson for lesson in lessons if find_lesson(lesson) is None)
    assert not missing
    for case, (_, title, remedies) in CASES.items():
        assert title["en"] and title["zh"]
        assert set(remedies) <= set(REMEDIES), case
    notes = {
        "more_flexibility",
        "better_optimizer",
        "schedule",
        "more_data",
        "fewer_parameters",
        "early_stopping",
        "regularization",
        "dropout",
    }
    assert notes <= set(REMEDIES)  # the notes' remedies, each one a lesson


def test_report_in_both_languages_and_as_data():
    diagnosis = diagnose(synthetic("overfitting"))
    en, zh = diagnosis.report("en"), diagnosis.report("zh")
    assert en.startswith("Diagnosis: Overfitting [overfitting]") and "Best epoch: 23" in en
    assert zh.startswith("诊断: 过拟合 [overfitting]") and "最好的 epoch：23" in zh
    assert "network_early_stopping" in en
    data = json.loads(json.dumps(diagnosis_to_dict(diagnosis, "zh"), allow_nan=False))
    assert data["verdict"]["case"] == "overfitting" and data["verdict"]["best_epoch"] == 23
    assert data["features"]["best_epoch"] == 23


# --- the flowchart -------------------------------------------------------------------------------


def test_flowchart_is_a_tree_over_the_cases():
    reached, stack = set(), [START]
    while stack:
        step = FLOWCHART[stack.pop()]
        assert step.question["en"] and step.question["zh"] and step.branches
        assert set(step.reads) <= set(th.Features.__dataclass_fields__)
        assert step.experiment is None or step.experiment in EXPERIMENTS
        for branch in step.branches:
            assert branch.answer["en"] and branch.answer["zh"]
            if branch.to.startswith("case:"):
                reached.add(branch.to.removeprefix("case:"))
            else:
                stack.append(branch.to)
    assert reached == set(CASE_NAMES)
    asked = {step.experiment for step in FLOWCHART.values()} - {None}
    assert asked == set(EXPERIMENTS) == {"shallower_model", "hold_out", "kfold"}


def test_walk_asks_for_the_shallower_model_and_uses_its_result():
    plateau = diagnose(synthetic("plateau"))
    pending = walk(plateau)
    assert [s.step for s in pending.path] == [
        "training_loss",
        "optimization_symptoms",
        "model_bias_or_optimization",
    ]
    assert [x.kind for x in pending.pending] == ["shallower_model"]
    # a shallower model that reaches a lower training loss: the optimization failed
    shallower = make_curves(0.3 + 0.4 * np.exp(-EPOCHS / 5))
    conclusion = compare_shallower(synthetic("plateau"), shallower)
    assert conclusion.case == "optimization"
    settled = walk(plateau, {"shallower_model": conclusion})
    assert settled.case == "plateau" and not settled.pending
    assert settled.verdict.confidence == 0.9 and settled.path[-1].settled_by == "experiment"
    # the same run against a shallower model that does worse: model bias
    worse = make_curves(np.full(101, 0.8))
    settled = walk(plateau, {"shallower_model": compare_shallower(synthetic("plateau"), worse)})
    assert settled.case == "model_bias" and settled.path[-1].branch == 1
    assert settled.verdict.remedies[0].key == "more_flexibility"


def test_walk_settles_overfitting_or_mismatch_with_held_out_data():
    diagnosis = diagnose(synthetic("overfitting"))
    guess = walk(diagnosis)
    assert guess.case == "overfitting"
    assert [x.kind for x in guess.pending] == ["hold_out", "kfold"]
    assert [s.step for s in guess.path][-2:] == ["overfitting_or_mismatch", "choose_model"]
    final_train = diagnosis.features.final_train
    low = walk(diagnosis, {"hold_out": final_train * 1.2})
    assert low.case == "mismatch" and low.path[-1].settled_by == "experiment"
    high = walk(diagnosis, {"hold_out": 0.6})
    assert high.case == "overfitting" and high.verdict.best_epoch == 23


def test_walk_keeps_the_epoch_k_fold_chooses():
    diagnosis = diagnose(synthetic("overfitting"))
    summary = {
        "epoch": np.arange(6),
        "mean": np.array([1.0, 0.6, 0.42, 0.40, 0.45, 0.5]),
        "std": np.array([0.1, 0.05, 0.04, 0.03, 0.04, 0.05]),
        "folds": np.full(6, 5),
    }
    chosen = walk(diagnosis, {"hold_out": 0.6, "kfold": summary})
    assert chosen.case == "overfitting" and not chosen.pending
    assert chosen.verdict.best_epoch == 3  # k-fold's choice, not the single split's 23
    last = chosen.path[-1]
    assert last.step == "choose_model" and last.settled_by == "experiment"
    assert "epoch 3" in last.reason["en"] and "0.4 ± 0.03" in last.reason["en"]
    with pytest.raises(ValueError, match="no finite"):
        walk(diagnosis, {"kfold": {**summary, "mean": np.full(6, np.nan)}})


def test_walk_of_the_other_cases_ends_at_them():
    for case in ("divergence", "oscillation", "lr_too_small", "good_fit", "noisy_batches"):
        result = walk(synthetic(case))
        assert result.case == case and not result.pending
        last = result.path[-1]
        assert FLOWCHART[last.step].branches[last.branch].to == f"case:{case}"


# --- real curves: the shipped files and the one-click experiments --------------------------------


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.name)
def test_shipped_curves_are_diagnosed_as_what_they_show(shipped):
    curves = load_curves(path_of(shipped))
    assert curves.baseline is not None and len(curves) >= 4
    assert diagnose(curves).case == shipped.case


@pytest.mark.parametrize("name", ["lr_too_small", "divergence", "good_fit"])
def test_shipped_curves_are_what_the_engine_produces(name):
    shipped = next(s for s in SHIPPED if s.name == name)
    rows, baseline = produce(shipped)
    curves = load_curves(path_of(shipped))
    assert curves.baseline == pytest.approx(baseline, rel=1e-5)
    np.testing.assert_allclose(curves.train_loss, [r["train_loss"] for r in rows], rtol=1e-3)
    np.testing.assert_allclose(curves.val_loss, [r["val_loss"] for r in rows], rtol=1e-3)


def test_shipped_plateau_and_its_shallower_model_settle_optimization():
    deep = load_curves(path_of(next(s for s in SHIPPED if s.name == "plateau")))
    shallow = load_curves(path_of(next(s for s in SHIPPED if s.name == "plateau_shallower")))
    result = walk(deep, {"shallower_model": compare_shallower(deep, shallow)})
    assert result.case == "plateau" and result.verdict.family == "optimization"


def test_baseline_loss():
    assert baseline_loss(np.array([0, 1, 0, 1]), "classification") == pytest.approx(math.log(2))
    assert baseline_loss(np.array([0, 0, 0, 1]), "classification", "mse") == pytest.approx(
        (1 - 0.75**2 - 0.25**2) / 2
    )
    assert baseline_loss(np.array([1.0, 3.0]), "regression", "mse") == pytest.approx(1.0)


def _experiment(key, epochs=None):
    import torch

    from core.nets.experiments import EXPERIMENTS as ONE_CLICK
    from core.nets.experiments import ExperimentRunner

    torch.set_num_threads(1)
    runner = ExperimentRunner(ONE_CLICK[key], epochs=epochs)
    for _ in runner.records():
        pass
    return runner, {label: curves_from_records(h) for label, h in runner.history.items()}


def test_one_click_overfitting_and_dropout():
    runner, curves = _experiment("overfitting", epochs=60)
    few = diagnose(curves["42 training points"]).verdict
    assert few.case == "overfitting" == runner.conclusion.case
    assert few.best_epoch == runner.conclusion.numbers["best_epoch"]
    assert diagnose(curves["1,050 training points"]).case == "good_fit"
    _, dropout = _experiment("dropout", epochs=60)
    without, with_dropout = (diagnose(c) for c in dropout.values())
    assert without.case == "overfitting"
    assert with_dropout.features.final_val < without.features.final_val / 2


def test_one_click_mismatch_and_its_hold_out():
    runner, curves = _experiment("mismatch")
    assert runner.conclusion.case == "mismatch"
    assert diagnose(curves["shifted validation"]).case == "mismatch"
    assert diagnose(curves["shifted, 10x data"]).case == "mismatch"
    same = curves["same distribution"]
    assert diagnose(same).case == "good_fit"
    # the same training validated on data of its own distribution: the hold-out experiment
    result = walk(curves["shifted validation"], {"hold_out": same})
    assert result.case == "mismatch" and result.verdict.confidence == 0.9


def test_one_click_shallow_vs_deep_is_an_optimization_problem():
    runner, curves = _experiment("shallow_vs_deep")
    deep, shallow = curves["deep: 6 layers"], curves["shallow: 1 layer"]
    assert diagnose(deep).case == "plateau"
    conclusion = compare_shallower(deep, shallow)
    assert conclusion.case == runner.conclusion.case == "optimization"
    assert walk(deep, {"shallower_model": conclusion}).verdict.family == "optimization"


def test_one_click_batch_norm_fixes_the_optimization():
    _, curves = _experiment("batch_norm", epochs=40)
    assert diagnose(curves["without BN"]).verdict.family == "optimization"
    assert diagnose(curves["with BN"]).case == "noisy_batches"


def test_one_click_augmentation_removes_the_overfitting():
    _, curves = _experiment("augmentation")
    assert diagnose(curves["no augmentation"]).case == "overfitting"
    assert diagnose(curves["mixup"]).case == "good_fit"


# --- files ---------------------------------------------------------------------------------------


def write(tmp_path, text, name="curves.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_csv_in_any_order_with_keras_names_and_percent_accuracy(tmp_path):
    path = write(
        tmp_path,
        "# exported from Keras\n# baseline: 0.69\nepoch;accuracy;loss;val_accuracy;val_loss;lr\n"
        "0;50;0.7;48;0.71;0.1\n\n1;80;0.5;75;0.55;0.1\n2;90;0.3;85;0.4;0.1\n",
    )
    curves = load_curves(path)
    np.testing.assert_allclose(curves.train_loss, [0.7, 0.5, 0.3])
    np.testing.assert_allclose(curves.val_loss, [0.71, 0.55, 0.4])
    np.testing.assert_allclose(curves.train_acc, [0.5, 0.8, 0.9])
    assert curves.baseline == 0.69 and list(curves.epoch) == [0, 1, 2]


def test_csv_without_epoch_or_validation(tmp_path):
    curves = load_curves(write(tmp_path, "Train Loss\n0.9\n0.5\n0.4\n"))
    assert list(curves.epoch) == [0, 1, 2] and not curves.has_validation


def test_json_rows_columns_and_keras_history(tmp_path):
    rows = [{"epoch": i, "train_loss": 1 / (i + 1), "val_loss": 1.1 / (i + 1)} for i in range(4)]
    a = load_curves(write(tmp_path, json.dumps(rows), "a.json"))
    b = load_curves(write(tmp_path, json.dumps({"rows": rows, "baseline": 0.7}), "b.json"))
    keras = {"loss": [1, 0.5, 1 / 3, 0.25], "val_loss": [1.1, 0.55, 1.1 / 3, 0.275]}
    c = load_curves(write(tmp_path, json.dumps(keras), "c.json"))
    for curves in (a, b, c):
        np.testing.assert_allclose(curves.train_loss, [1, 0.5, 1 / 3, 0.25])
        np.testing.assert_allclose(curves.val_loss, [1.1, 0.55, 1.1 / 3, 0.275])
    assert b.baseline == 0.7 and a.baseline is None
    nulls = {"loss": [1, 0.5, 0.4], "val_loss": [None, 0.6, 0.5]}
    assert math.isnan(load_curves(write(tmp_path, json.dumps(nulls), "d.json")).val_loss[0])


BAD_CSV = [
    ("epoch,train_loss,val_loss\n0,0.7,0.7\n1,oops,0.6\n2,0.5,0.5\n", 3, "'oops' is not a number"),
    ("epoch,val_loss\n0,0.7\n1,0.6\n2,0.5\n", 1, "no training-loss column"),
    ("# notes\n\nepoch,loss,train_loss\n0,1,1\n", 3, "two columns mean train_loss"),
    ("epoch,loss,val_loss\n0,0.7,0.7\n1,0.6\n2,0.5,0.5\n", 3, "2 fields where the header has 3"),
    ("epoch,loss\n0,0.7\n2,0.6\n1,0.5\n", 4, "epoch 1 does not come after epoch 2"),
    ("epoch,loss\n0,0.7\n1,0.6\n", 3, "2 epoch row(s); a diagnosis needs at least 3"),
    ("epoch,loss\n0,0.7\n1,\n2,0.5\n", 3, "train_loss is missing"),
    ("epoch,loss,acc\n0,0.7,0.5\n1,0.6,1.5\n2,0.5,130\n", 4, "train_acc 130 is not an accuracy"),
    ("# baseline: -1\nepoch,loss\n0,0.7\n1,0.6\n2,0.5\n", 1, "baseline must be a positive"),
    ('epoch,loss\n0,0.7\n1,"0.6\n2,0.5\n3,0.4\n', 3, "never closed"),
]


@pytest.mark.parametrize("text,line,message", BAD_CSV)
def test_bad_csv_names_the_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(CurveError) as caught:
        load_curves(path)
    assert caught.value.line == line
    assert str(caught.value) == f"{path}:{line}: {caught.value.message}"
    assert message in caught.value.message


BAD_JSON = [
    ('[\n {"loss": 0.7},\n {"loss": 0.6,}\n]', 3, "invalid JSON"),
    ('[\n {"loss": 0.7},\n {"loss": "x"},\n {"loss": 0.5}\n]', 3, "'x' is not a number"),
    ('[\n {"loss": 0.7},\n [0.6],\n {"loss": 0.5}\n]', 3, "a row must be an object"),
    ('{\n "loss": [0.7, 0.6, 0.5],\n "val_loss": [0.7,\n 0.6]\n}', 3, "has 2 values"),
    ('{\n "loss": [0.7,\n 0.6,\n true]\n}', 4, "expected a number"),
    ('{\n "val_loss": [0.7, 0.6, 0.5]\n}', 2, "no training-loss column"),
    ('{"rows": [{"loss": 1}, {"loss": 0.5}, {"loss": 0.2}],\n "baseline": "high"}', 2, "baseline"),
    ('[{"loss": 1}, {"loss": 0.5}, {"loss": 0.2}]\n[]', 2, "extra data"),
    ('"just text"', 1, "expected a list of rows"),
]


@pytest.mark.parametrize("text,line,message", BAD_JSON)
def test_bad_json_names_the_line(tmp_path, text, line, message):
    path = write(tmp_path, text, "curves.json")
    with pytest.raises(CurveError) as caught:
        load_curves(path)
    assert (caught.value.line, message in caught.value.message) == (line, True), str(caught.value)


def test_unreadable_files(tmp_path, monkeypatch):
    with pytest.raises(CurveError, match="no such file"):
        load_curves(tmp_path / "missing.csv")
    with pytest.raises(CurveError, match="a folder, not a regular file"):
        load_curves(tmp_path)
    latin = write(tmp_path, "epoch,loss\n0,0.7\n1,0.6 \xe9\n".encode("latin-1"))
    with pytest.raises(CurveError, match="not UTF-8") as caught:
        load_curves(latin)
    assert caught.value.line == 3
    with pytest.raises(CurveError, match="UTF-16"):
        load_curves(write(tmp_path, "epoch,loss\n".encode("utf-16")))
    big = write(tmp_path, "loss\n" + "0.5\n" * 200)
    monkeypatch.setattr(curves_module, "MAX_CURVE_BYTES", 100)
    with pytest.raises(CurveError, match="too large"):
        load_curves(big)
    monkeypatch.setattr(curves_module, "MAX_CURVE_BYTES", 10_000)
    monkeypatch.setattr(curves_module, "MAX_ROWS", 50)
    with pytest.raises(CurveError, match="too many rows") as caught:
        load_curves(big)
    assert caught.value.line == 52
    rows = json.dumps({"loss": [0.5] * 60})
    with pytest.raises(CurveError, match="too many rows"):
        load_curves(write(tmp_path, rows, "big.json"))


def test_experiment_requests_run_on_the_network_engine():
    from core.diagnose.flowchart import hold_out_run, shallower_model, shallower_run, train_run
    from core.nets.experiments import EXPERIMENTS as ONE_CLICK

    shifted = next(r for r in ONE_CLICK["mismatch"].runs if r.label == "shifted validation")
    held_out = hold_out_run(shifted.data, shifted.model, shifted.train)
    assert "mismatch" not in held_out.data and shifted.data["mismatch"] == "shift"
    assert (held_out.model, held_out.train) == (shifted.model, shifted.train)
    curves = curves_from_records(train_run(shifted, epochs=60))
    assert diagnose(curves).case == "mismatch"
    result = walk(curves, {"hold_out": curves_from_records(train_run(held_out, epochs=60))})
    assert result.case == "mismatch" and result.path[-1].settled_by == "experiment"
    deep = next(r for r in ONE_CLICK["shallow_vs_deep"].runs if r.label.startswith("deep"))
    shallow = shallower_run(deep.data, deep.model, deep.train)
    assert shallow.model.hidden == (16,) and shallow.model.activation == "sigmoid"
    assert shallow.train == deep.train and shallow.data == deep.data
    assert shallower_model(shallow.model).hidden == ()


def test_edge_curves():
    assert diagnose(make_curves(np.zeros(10), np.zeros(10))).case == "good_fit"
    assert diagnose(make_curves([math.nan] * 5)).case == "divergence"
    flat = diagnose(make_curves(np.full(20, 0.5), np.full(20, 0.5)))
    assert flat.case == "plateau"

"""The update/weight ratio per layer (core.nets.ratios): closed form, band, live recording."""

import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.models import ModelConfig, build_model, loss_function
from core.nets.ratios import (
    HEALTHY_RATIO,
    RATIO_BAND,
    RatioRecord,
    UpdateRatioMonitor,
    classify_ratio,
    parameter_label,
    ratio_warning,
    ratio_warnings,
    ratios_of_update,
    snapshot,
    update_ratios,
    with_update_ratios,
)
from core.nets.trainer import StepRecord, TrainConfig, Trainer
from tests.core.test_nets_fast import one_torch_thread  # noqa: F401  (the module fixture)

F64 = torch.float64
DATA = {"name": "circles", "size": 40, "val_fraction": 0.5, "seed": 0}
MODEL = ModelConfig(hidden=(6, 4), activation="tanh")


def test_plain_sgd_ratio_is_lr_times_gradient_norm_over_weight_norm():
    data = make_dataset(**DATA)
    model = build_model(MODEL, data.input_dim, data.output_dim, seed=1, dtype=F64)
    lr = 0.05
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    monitor = UpdateRatioMonitor(model, optimizer)
    before = snapshot(model)
    loss = loss_function("cross_entropy", data.task, data.classes)(
        model(torch.as_tensor(data.x_train, dtype=F64)), torch.as_tensor(data.y_train)
    )
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    optimizer.step()
    expected = {
        n: lr * float(grads[n].norm()) / float(before[n].norm()) for n in before
    }  # closed form: dw = -lr g
    assert list(expected) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    for measured in (
        monitor.epoch_ratios(),
        update_ratios(before, snapshot(model)),
        ratios_of_update(before, {n: -lr * g for n, g in grads.items()}),
    ):
        assert measured == pytest.approx(expected, rel=1e-10)
    assert monitor.epoch_ratios() == {}  # a new epoch, no step yet
    monitor.remove()
    optimizer.step()  # the hooks are off
    assert monitor.epoch_ratios() == {}


def test_zero_updates_and_zero_weights():
    zero, ones = torch.zeros(3), torch.ones(3)
    assert update_ratios({"w": ones}, {"w": ones}) == {"w": 0.0}
    assert update_ratios({"w": zero}, {"w": ones}) == {"w": math.inf}
    assert update_ratios({"w": zero}, {"w": zero}) == {"w": 0.0}


def test_the_band_classifies_both_ways():
    low, high = RATIO_BAND
    assert low < HEALTHY_RATIO < high
    assert classify_ratio(HEALTHY_RATIO) == "healthy"
    assert classify_ratio(low) == classify_ratio(high) == "healthy"  # the band's ends included
    assert classify_ratio(low * 0.5) == classify_ratio(0.0) == "too_small"
    assert classify_ratio(high * 2) == classify_ratio(math.inf) == "too_large"
    assert classify_ratio(math.nan) == "too_large"  # the weights blew up
    label = {"en": "hidden layer 1 weights", "zh": "隐藏层 1 权重"}
    assert ratio_warning(label, 1e-3) is None
    small = ratio_warning(label, 2e-6)
    assert "hidden layer 1 weights" in small["en"] and "2.0e-06" in small["en"]
    assert "larger learning rate" in small["en"]
    assert "隐藏层 1 权重" in small["zh"] and "更大的学习率" in small["zh"]
    large = ratio_warning(label, 0.3)
    assert "smaller learning rate" in large["en"] and "更小的学习率" in large["zh"]


def test_parameter_labels_follow_the_layers():
    model = build_model(ModelConfig(hidden=(4, 3), batch_norm=True), 2, 2)
    names = [n for n, _ in model.named_parameters()]
    labels = [parameter_label(n, model)["en"] for n in names]
    assert labels == [
        "hidden layer 1 weights",
        "hidden layer 1 bias",
        "batch norm 1 weights",
        "batch norm 1 bias",
        "hidden layer 2 weights",
        "hidden layer 2 bias",
        "batch norm 2 weights",
        "batch norm 2 bias",
        "output layer weights",
        "output layer bias",
    ]
    output = names[-2]
    assert parameter_label(output, model)["zh"] == "输出层权重"
    assert parameter_label("not.a.layer", model) == {"en": "not.a.layer", "zh": "not.a.layer"}


def test_recorded_ratios_are_the_mean_over_the_epochs_updates():
    """Per-step snapshots (taken at each step record, right after its update) give each step's
    ratios by hand; the epoch's ratio record is their mean."""
    data = make_dataset(**DATA)
    config = TrainConfig(
        optimizer={"name": "adam", "lr": 0.01}, epochs=3, batch_size=7, per_step=True
    )
    trainer = Trainer(data, MODEL, config, dtype=F64)
    previous = snapshot(trainer.model)
    steps: list[dict[str, float]] = []
    ratio_records = []
    for item in with_update_ratios(trainer):
        if isinstance(item, StepRecord):
            now = snapshot(trainer.model)
            steps.append(update_ratios(previous, now))
            previous = now
        elif isinstance(item, RatioRecord):
            ratio_records.append(item)
            expected = {n: np.mean([s[n] for s in steps]) for n in steps[0]}
            assert item.ratios == pytest.approx(expected, rel=1e-9)
            assert item.verdicts == {n: classify_ratio(r) for n, r in item.ratios.items()}
            steps = []
    assert [r.epoch for r in ratio_records] == [1, 2, 3]
    assert not trainer.optimizer._optimizer_step_pre_hooks  # the monitor took its hooks off


@pytest.mark.parametrize(
    ("lr", "verdict", "words"), [(5.0, "too_large", "above"), (1e-6, "too_small", "below")]
)
def test_a_layer_far_off_gets_a_warning_naming_it(lr, verdict, words):
    data = make_dataset(**DATA)
    config = TrainConfig(optimizer={"name": "sgd", "lr": lr}, epochs=1)
    trainer = Trainer(data, MODEL, config, dtype=F64)
    record = [r for r in with_update_ratios(trainer) if isinstance(r, RatioRecord)][0]
    assert record.verdicts["0.weight"] == verdict
    warned = " ".join(w["en"] for w in record.warnings)
    assert "hidden layer 1 weights: update/weight ratio" in warned and words in warned
    assert "bias" not in warned  # biases are judged only when asked
    with_biases = ratio_warnings(record.ratios, trainer.model, include_biases=True)
    assert len(with_biases) > len(record.warnings)

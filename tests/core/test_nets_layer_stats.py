"""Inside the layers (core.nets.layer_stats): histograms that count the hooked tensors, fixed
bins, batch norm's normalized pre-activations and a deep tanh network that saturates without it."""

import math

import numpy as np
import pytest
import torch

from core.nets.datasets import make_dataset
from core.nets.layer_stats import (
    LayerBins,
    LayerStatsRecord,
    histogram,
    layer_stats_records,
    measure_layers,
    nice_limit,
    recorded_epochs,
)
from core.nets.models import ModelConfig, build_model, loss_function
from core.nets.trainer import TrainConfig, Trainer

# Deep tanh, Adam at a large rate, mini-batches: without batch norm the layers saturate within
# 20 epochs; with it they stay near N(0, 1).
DEEP = ModelConfig(hidden=(16,) * 6, activation="tanh")
FAST = TrainConfig(optimizer={"name": "adam", "lr": 0.1}, epochs=20, batch_size=32, seed=0)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One torch thread, as in the app's worker: on the shared 2-core machine a second one made
    these small networks ten times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return make_dataset("moons", size=200, seed=0)


@pytest.fixture(scope="module")
def deep_run(data):
    items = list(layer_stats_records(data, DEEP, FAST))
    return items[0], items[1:]


def test_the_bins_come_first_then_both_networks_at_every_recorded_epoch(deep_run, data):
    bins, records = deep_run
    assert isinstance(bins, LayerBins) and bins.widths == DEEP.hidden
    assert bins.recorded == tuple(range(21)) and bins.samples == len(data.x_train)
    assert all(isinstance(r, LayerStatsRecord) for r in records)
    assert [(r.epoch, r.batch_norm) for r in records[:4]] == [
        (0, False),
        (0, True),
        (1, False),
        (1, True),
    ]
    assert len(records) == 2 * 21
    for edges in bins.pre_edges:
        assert len(edges) == 41 and -edges[0] == edges[-1] > 0
    for edges in bins.grad_edges:  # log10 |g|: seven decades ending on a whole one
        assert len(edges) == 41 and edges[-1] - edges[0] == 7 and edges[-1] == round(edges[-1])


def test_histograms_sum_to_the_number_of_values(deep_run, data):
    bins, records = deep_run
    samples = len(data.x_train)
    inputs = (2, *DEEP.hidden[:-1])
    for record in records:
        for layer, width, fan_in in zip(record.layers, DEEP.hidden, inputs, strict=True):
            assert layer.pre_counts.sum() == samples * width
            assert layer.grad_counts.sum() == width * fan_in


def test_histograms_equal_numpy_histograms_of_the_hooked_tensors(data):
    """The last record of a short run against the trainer's model measured by hand: forward
    hooks on the activations and autograd, numpy's histogram of the clipped values."""
    config = TrainConfig(optimizer={"name": "sgd", "lr": 0.1}, epochs=3, batch_size=50, seed=2)
    model_config = ModelConfig(hidden=(8, 6), activation="relu")
    items = list(layer_stats_records(data, model_config, config, bins=12))
    bins = items[0]
    last_off = [r for r in items[1:] if not r.batch_norm][-1]
    trainer = Trainer(data, model_config, config)
    for _ in trainer.records():
        pass
    model = trainer.model
    captured = []
    hooks = [model[i].register_forward_hook(lambda m, i, o: captured.append(i[0])) for i in (1, 3)]
    loss = loss_function("cross_entropy", "classification", 2)(
        model(torch.as_tensor(data.x_train)), torch.as_tensor(data.y_train)
    )
    for hook in hooks:
        hook.remove()
    grads = torch.autograd.grad(loss, [model[0].weight, model[2].weight])
    for index, layer in enumerate(last_off.layers):
        z = captured[index].detach().double().numpy()
        g = grads[index].double().numpy()
        pre_edges, grad_edges = bins.pre_edges[index], bins.grad_edges[index]
        expected_pre = np.histogram(np.clip(z, pre_edges[0], pre_edges[-1]), pre_edges)[0]
        with np.errstate(divide="ignore"):  # a zero gradient: -inf, the first bin
            log_g = np.log10(np.abs(g))
        expected_grad = np.histogram(np.clip(log_g, grad_edges[0], grad_edges[-1]), grad_edges)[0]
        assert np.array_equal(layer.pre_counts, expected_pre)
        assert np.array_equal(layer.grad_counts, expected_grad)
        assert layer.mean == pytest.approx(z.mean(), abs=1e-6)
        assert layer.std == pytest.approx(z.std(), rel=1e-5)
        assert layer.dead == pytest.approx(np.mean(np.all(z <= 0, axis=0)))
        assert math.isnan(layer.saturated)
        assert layer.grad_rms == pytest.approx(np.sqrt(np.mean(g**2)), rel=1e-5)


def test_measuring_leaves_batch_norms_running_averages_alone(data):
    model = build_model(ModelConfig(hidden=(4,), batch_norm=True), 2, 2, seed=0)
    before = model[1].running_mean.clone()
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    samples = measure_layers(model, x, y, loss_function("cross_entropy", "classification", 2))
    assert torch.equal(model[1].running_mean, before)
    # Training mode: batch norm's output has the batch's mean 0 and variance 1 per unit.
    z = samples[0].pre_activation
    assert np.allclose(z.mean(0), 0, atol=1e-5) and np.allclose(z.std(0), 1, atol=1e-3)


def test_batch_norm_keeps_pre_activations_normal_while_the_plain_network_saturates(deep_run):
    _, records = deep_run
    first_on = next(r for r in records if r.batch_norm and r.epoch == 0)
    for layer in first_on.layers:
        assert layer.mean == pytest.approx(0.0, abs=1e-5)
        assert layer.std == pytest.approx(1.0, abs=1e-3)
    last_off = [r for r in records if not r.batch_norm][-1]
    last_on = [r for r in records if r.batch_norm][-1]
    assert last_off.epoch == last_on.epoch == 20
    deep_off = [layer.saturated for layer in last_off.layers[1:]]
    deep_on = [layer.saturated for layer in last_on.layers[1:]]
    assert min(deep_off) > 0.5  # more than half the values of every deeper layer saturated
    assert max(deep_on) < 0.15
    for layer in last_on.layers:
        assert abs(layer.mean) < 0.2 and 0.6 < layer.std < 1.8
    assert all(layer.std > 4 for layer in last_off.layers[1:])


def test_both_networks_start_from_the_same_linear_weights_and_loss(deep_run):
    _, records = deep_run
    off, on = records[0], records[1]
    assert off.train_loss == pytest.approx(0.7, abs=0.05) and on.train_loss == pytest.approx(
        0.7, abs=0.05
    )
    a = build_model(DEEP, 2, 2, seed=0)
    b = build_model(ModelConfig(hidden=DEEP.hidden, activation="tanh", batch_norm=True), 2, 2)
    assert torch.equal(a[0].weight, b[0].weight)


def test_helpers_and_refusals(data):
    assert recorded_epochs(0) == (0,)
    assert recorded_epochs(1000, 5) == (0, 250, 500, 750, 1000)
    assert [nice_limit(v) for v in (0.7, 1.0, 1.3, 3.0, 0.012)] == [1.0, 1.0, 2.0, 5.0, 0.02]
    assert histogram(np.array([-9.0, 0.1, 9.0, np.nan]), np.array([-1.0, 0.0, 1.0])).tolist() == [
        1,
        2,
    ]
    with pytest.raises(ValueError, match="no hidden layer"):
        next(layer_stats_records(data, ModelConfig(hidden=()), FAST))
    with pytest.raises(ValueError, match="batch norm"):
        next(layer_stats_records(data, DEEP, TrainConfig(batch_size=1)))

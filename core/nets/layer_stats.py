"""Inside the layers: per-layer histograms of pre-activations and weight gradients, batch norm
off and on (the notes' argument for batch norm, made visible).

:func:`layer_stats_records` trains two copies of one task's model -- batch norm off and on, the
same seed (so the same initial linear weights and the same order of the mini-batches; only a
last batch of a single sample is dropped with batch norm, as the trainer does) -- with the
ordinary :class:`~core.nets.trainer.Trainer`, and measures every hidden layer of each after the
recorded epochs. It yields one :class:`LayerBins` first (the fixed bins), then a
:class:`LayerStatsRecord` per network and recorded epoch, the two networks in turn; stop by no
longer asking for records.

What is measured, on the whole training set, in **training mode** (batch norm normalizes with
the batch's own statistics, as an update sees it; dropout is switched off so that the numbers do
not depend on a random mask), on a copy of the model (a forward pass in training mode moves batch
norm's running averages, and the copy keeps the training untouched):

* the **pre-activation** of each hidden layer: the input of its activation function, taken with
  a forward hook on the activation module -- the linear layer's output without batch norm, the
  batch-norm layer's output with it;
* the **weight gradient** of each hidden linear layer: the gradient of the training loss (the
  whole training set, mean over samples) w.r.t. the layer's weight matrix, histogrammed by
  magnitude on a log scale (``log10 |g|``: gradients shrink by orders of magnitude during
  training and from layer to layer, which a linear axis hides);
* summary numbers: the pre-activation's mean and standard deviation over all samples and units,
  the fraction **saturated** (tanh and sigmoid: the activation's output within 1 % of its limits,
  ``|tanh z| > 0.99`` or ``sigmoid z`` outside ``[0.01, 0.99]``) and the fraction of **dead**
  units (ReLU: units whose pre-activation is <= 0 for every training sample), and the root mean
  square of the weight gradient.

Bins: fixed per layer for all epochs and both networks, so that histograms compare, set from
epoch 0 of both networks, :data:`DEFAULT_BINS` bins: pre-activations on ``[-R, R]`` (twice the
largest absolute value seen, rounded up to 1, 2 or 5 times a power of ten); ``log10 |g|`` from
:data:`GRAD_DECADES_BELOW` decades below the largest gradient seen to one decade above it. A later
value outside the range counts in the first or last bin (``numpy.histogram`` of the clipped
values; a gradient of exactly 0 in the first), so every histogram sums to its number of values:
samples x units for the pre-activation, the weight matrix's size for its gradient.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from core.nets.datasets import Dataset
from core.nets.models import ACTIVATIONS, ModelConfig
from core.nets.trainer import EpochRecord, TrainConfig, Trainer

DEFAULT_BINS = 40
GRAD_DECADES_BELOW = 6
MAX_RECORDS = 60  # recorded epochs per network, at most (epoch 0 and the last included)
SATURATION = 0.99  # an output within 1 % of the activation's limits counts as saturated
# |z| beyond which the activation is saturated in the sense above.
SATURATED_BEYOND = {
    "tanh": math.atanh(SATURATION),
    "sigmoid": math.log(SATURATION / (1.0 - SATURATION)),
}


@dataclass(frozen=True)
class LayerBins:
    """The fixed bin edges of every hidden layer (``pre_edges[i]``, ``grad_edges[i]``: layer
    ``i``'s), the same for both networks and every epoch."""

    activation: str
    widths: tuple[int, ...]
    samples: int  # training samples measured
    epochs: int  # the training's length
    recorded: tuple[int, ...]  # the epochs that get a record
    pre_edges: tuple[np.ndarray, ...]
    grad_edges: tuple[np.ndarray, ...]  # over log10 |gradient|


@dataclass(frozen=True)
class LayerStats:
    """One hidden layer of one network at one epoch (see the module docstring)."""

    layer: int  # 0 = the first hidden layer
    pre_counts: np.ndarray  # histogram of the pre-activations, int64, len(pre_edges) - 1
    grad_counts: np.ndarray  # histogram of log10 |weight gradient entry|
    mean: float  # pre-activation mean
    std: float  # pre-activation standard deviation
    saturated: float  # fraction of (sample, unit) values saturated; NaN unless tanh/sigmoid
    dead: float  # fraction of dead units; NaN unless relu
    grad_rms: float  # root mean square of the weight gradient's entries


@dataclass(frozen=True)
class LayerStatsRecord:
    """Every hidden layer of one network (``batch_norm`` off or on) after ``epoch`` epochs."""

    batch_norm: bool
    epoch: int
    train_loss: float  # the trainer's record: whole training set, eval mode
    layers: tuple[LayerStats, ...]
    diverged: bool = False


@dataclass(frozen=True)
class LayerSample:
    """The raw measurement of one hidden layer: what the histograms count."""

    pre_activation: np.ndarray  # (samples, width)
    weight_grad: np.ndarray  # (width, inputs)


def recorded_epochs(epochs: int, max_records: int = MAX_RECORDS) -> tuple[int, ...]:
    """The epochs that get a record: 0, the last one and evenly spaced ones between, at most
    ``max_records`` of them."""
    if epochs <= 0:
        return (0,)
    count = min(epochs + 1, max(max_records, 2))
    return tuple(sorted({int(round(e)) for e in np.linspace(0, epochs, count)}))


def nice_limit(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= ``value`` (> 0)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


def symmetric_edges(largest: float, bins: int) -> np.ndarray:
    """``bins`` equal bins on ``[-R, R]``, ``R = nice_limit(2 * largest)``."""
    limit = nice_limit(2.0 * largest)
    return np.linspace(-limit, limit, bins + 1)


def log_magnitude_edges(largest: float, bins: int) -> np.ndarray:
    """``bins`` equal bins of ``log10 |g|`` below and above ``largest`` (see the docstring)."""
    top = math.ceil(math.log10(largest)) + 1 if largest > 0 and math.isfinite(largest) else 0
    return np.linspace(top - 1 - GRAD_DECADES_BELOW, top, bins + 1)


def log_magnitude(values: np.ndarray) -> np.ndarray:
    """``log10 |values|``; 0 gives -inf (counted in the first bin)."""
    with np.errstate(divide="ignore"):
        return np.log10(np.abs(values))


def histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in ``edges``; a value outside counts in the first or last bin."""
    clipped = np.clip(np.asarray(values, dtype=np.float64).ravel(), edges[0], edges[-1])
    return np.histogram(clipped[~np.isnan(clipped)], edges)[0].astype(np.int64)


def _hidden_modules(model: nn.Module) -> tuple[list[nn.Linear], list[nn.Module]]:
    """The hidden linear layers and their activation modules, in order (the last linear layer
    is the output)."""
    modules = list(model.children())
    linears = [m for m in modules if isinstance(m, nn.Linear)][:-1]
    kinds = tuple(ACTIVATIONS.values())
    activations = [m for m in modules if isinstance(m, kinds)]
    return linears, activations


def measure_layers(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn
) -> list[LayerSample]:
    """Pre-activations and weight gradients of every hidden layer (training mode, dropout off),
    measured on a copy of ``model`` with forward hooks on the activation modules."""
    probe = copy.deepcopy(model)
    probe.train()
    for module in probe.modules():
        if isinstance(module, nn.Dropout):
            module.eval()
    linears, activations = _hidden_modules(probe)
    captured: list[torch.Tensor] = []

    def keep_input(_module, inputs, _output) -> None:
        captured.append(inputs[0])

    handles = [module.register_forward_hook(keep_input) for module in activations]
    try:
        loss = loss_fn(probe(x), y)
    finally:
        for handle in handles:
            handle.remove()
    grads = torch.autograd.grad(loss, [linear.weight for linear in linears])
    return [
        LayerSample(z.detach().cpu().double().numpy(), g.detach().cpu().double().numpy())
        for z, g in zip(captured, grads, strict=True)
    ]


def summarize_layer(
    index: int, sample: LayerSample, activation: str, pre_edges: np.ndarray, grad_edges: np.ndarray
) -> LayerStats:
    """The histograms and summary numbers of one measured layer."""
    z = sample.pre_activation
    beyond = SATURATED_BEYOND.get(activation)
    saturated = float(np.mean(np.abs(z) > beyond)) if beyond is not None else math.nan
    dead = float(np.mean(np.all(z <= 0, axis=0))) if activation == "relu" else math.nan
    return LayerStats(
        layer=index,
        pre_counts=histogram(z, pre_edges),
        grad_counts=histogram(log_magnitude(sample.weight_grad), grad_edges),
        mean=float(z.mean()),
        std=float(z.std()),
        saturated=saturated,
        dead=dead,
        grad_rms=float(np.sqrt(np.mean(sample.weight_grad**2))),
    )


def _largest(samples: list[list[LayerSample]], layer: int, field: str) -> float:
    values = [np.abs(getattr(s[layer], field)) for s in samples]
    finite = [v[np.isfinite(v)] for v in values]
    return max((float(v.max()) for v in finite if v.size), default=1.0)


def make_bins(
    first: list[list[LayerSample]],
    model_config: ModelConfig,
    samples: int,
    epochs: int,
    bins: int = DEFAULT_BINS,
) -> LayerBins:
    """Bins for every layer from the epoch-0 measurements ``first`` (one list per network)."""
    layers = range(len(model_config.hidden))
    return LayerBins(
        activation=model_config.activation,
        widths=tuple(model_config.hidden),
        samples=samples,
        epochs=epochs,
        recorded=recorded_epochs(epochs),
        pre_edges=tuple(
            symmetric_edges(_largest(first, i, "pre_activation"), bins) for i in layers
        ),
        grad_edges=tuple(
            log_magnitude_edges(_largest(first, i, "weight_grad"), bins) for i in layers
        ),
    )


def layer_stats_records(
    data: Dataset,
    model_config: ModelConfig,
    train_config: TrainConfig,
    *,
    epochs: int | None = None,
    bins: int = DEFAULT_BINS,
    device: torch.device | str = "cpu",
) -> Iterator[LayerBins | LayerStatsRecord]:
    """:class:`LayerBins`, then the records of both networks (batch norm off, then on) at each
    recorded epoch. ``epochs`` overrides the training's; early stopping and per-step records
    are off (both networks train every epoch). Raises ``ValueError`` for a model without hidden
    layers or a setting the trainer refuses (batch norm with batches of one sample)."""
    if not model_config.hidden:
        raise ValueError("the model has no hidden layer to look inside")
    if bins < 2:
        raise ValueError(f"at least 2 bins are needed, got {bins}")
    epochs = train_config.epochs if epochs is None else int(epochs)
    config = replace(train_config, epochs=epochs, per_step=False, patience=None)
    trainers = [
        Trainer(data, replace(model_config, batch_norm=on), config, device=device)
        for on in (False, True)
    ]
    streams = [trainer.records() for trainer in trainers]
    starts = [next(stream) for stream in streams]
    first = [_measure(trainer) for trainer in trainers]
    layer_bins = make_bins(first, model_config, len(data.x_train), epochs, bins)
    yield layer_bins
    for trainer, start, sample in zip(trainers, starts, first, strict=True):
        yield _record(trainer, start, sample, layer_bins)
    recorded = set(layer_bins.recorded)
    alive = [not start.diverged for start in starts]
    while any(alive):
        for index, (trainer, stream) in enumerate(zip(trainers, streams, strict=True)):
            if not alive[index]:
                continue
            record = next(stream, None)
            if record is None:
                alive[index] = False
                continue
            assert isinstance(record, EpochRecord)  # per_step is off
            last = record.diverged or record.epoch >= epochs
            if record.epoch in recorded or last:
                yield _record(trainer, record, _measure(trainer), layer_bins)
            if last:
                alive[index] = False


def _measure(trainer: Trainer) -> list[LayerSample]:
    return measure_layers(trainer.model, trainer.x_train, trainer.y_train, trainer.loss_fn)


def _record(
    trainer: Trainer, record: EpochRecord, samples: list[LayerSample], layer_bins: LayerBins
) -> LayerStatsRecord:
    layers = tuple(
        summarize_layer(
            index,
            sample,
            layer_bins.activation,
            layer_bins.pre_edges[index],
            layer_bins.grad_edges[index],
        )
        for index, sample in enumerate(samples)
    )
    return LayerStatsRecord(
        batch_norm=trainer.model_config.batch_norm,
        epoch=record.epoch,
        train_loss=record.train_loss,
        layers=layers,
        diverged=record.diverged,
    )

"""The update/weight ratio per layer (notes 004: "找到合适的更新的量级，0.001是比较正常的").

For each parameter tensor ``w`` (named as the model names them: ``0.weight``, ``0.bias``, ...)
an update changes it by ``dw``; the ratio is ``||dw|| / ||w||`` with ``w`` the weights *before*
the update (CS231n's "ratio of the update magnitudes to the value magnitudes"). About
:data:`HEALTHY_RATIO` (1e-3) is healthy; :data:`RATIO_BAND` is the band drawn and judged:

===========  ===========================  ==============================================
verdict      ratio                        what it usually means
===========  ===========================  ==============================================
too_small    below 1e-4                   the learning rate is too small: the layer hardly
                                          moves (or its gradient vanished)
healthy      1e-4 .. 1e-2 (both included)  a decade either side of 1e-3
too_large    above 1e-2 (or not finite)   the learning rate is too large: each update
                                          rewrites a good part of the layer
===========  ===========================  ==============================================

A zero update has ratio 0; a tensor of zeros that moves has ratio ``inf``. Biases often start at
0 (so their early ratios are huge and say little): :func:`ratio_warnings` judges the weights
only unless asked.

Recording during training: :class:`UpdateRatioMonitor` hooks the optimizer's ``step``
(``torch.optim.Optimizer.register_step_pre_hook`` / ``register_step_post_hook``: torch's own
callbacks, so :class:`~core.nets.trainer.Trainer` and :class:`~core.nets.fast.FastTrainer` need
no change) and averages each parameter's ratio over the updates of an epoch. The GUI's worker
either iterates :func:`with_update_ratios` (the trainer's records with a :class:`RatioRecord`
after every epoch record) or creates the monitor itself before iterating ``trainer.records()``
and calls :meth:`UpdateRatioMonitor.epoch_ratios` after each epoch record. The cost is one copy
of the parameters and a few norms per update; leave it off when the plot is hidden. A
:class:`~core.nets.fast.FastTrainer` told of the monitor (``watch_ratios``) keeps training
compiled and measures the same ratios inside its compiled epochs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import nn

from core.nets.trainer import EpochRecord, StepRecord, Trainer

HEALTHY_RATIO = 1e-3
RATIO_BAND = (1e-4, 1e-2)  # a decade either side of HEALTHY_RATIO
Verdict = Literal["too_small", "healthy", "too_large"]
Text = dict[str, str]  # {"en": ..., "zh": ...}


def _ratio(delta_norm: float, weight_norm: float) -> float:
    if delta_norm == 0:
        return 0.0
    if weight_norm == 0:
        return math.inf
    return delta_norm / weight_norm


def update_ratios(
    before: Mapping[str, torch.Tensor], after: Mapping[str, torch.Tensor]
) -> dict[str, float]:
    """``||after - before|| / ||before||`` for every name of ``before``."""
    return {
        name: _ratio(
            float(torch.linalg.vector_norm(after[name].detach() - w.detach())),
            float(torch.linalg.vector_norm(w.detach())),
        )
        for name, w in before.items()
    }


def ratios_of_update(
    weights: Mapping[str, torch.Tensor], update: Mapping[str, torch.Tensor]
) -> dict[str, float]:
    """``||update|| / ||weights||`` per name, for an update given directly (plain SGD:
    ``-lr * grad``)."""
    return {
        name: _ratio(
            float(torch.linalg.vector_norm(update[name].detach())),
            float(torch.linalg.vector_norm(w.detach())),
        )
        for name, w in weights.items()
    }


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's trainable parameters by name (for :func:`update_ratios`)."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def classify_ratio(ratio: float, band: tuple[float, float] = RATIO_BAND) -> Verdict:
    """``too_small`` below the band, ``too_large`` above it (or not finite), else ``healthy``."""
    low, high = band
    if not math.isfinite(ratio) or ratio > high:
        return "too_large"
    if ratio < low:
        return "too_small"
    return "healthy"


def parameter_label(name: str, model: nn.Module) -> Text:
    """``0.weight`` of the lab's MLP as "hidden layer 1 weights" / "隐藏层 1 权重"."""
    module_name, _, kind = name.rpartition(".")
    modules = dict(model.named_modules())
    module = modules.get(module_name)
    linears = [n for n, m in modules.items() if isinstance(m, nn.Linear)]
    norms = [n for n, m in modules.items() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    what_en = {"weight": "weights", "bias": "bias"}.get(kind, kind)
    what_zh = {"weight": "权重", "bias": "偏置"}.get(kind, kind)
    if isinstance(module, nn.Linear) and module_name in linears:
        index = linears.index(module_name)
        if index == len(linears) - 1:
            return {"en": f"output layer {what_en}", "zh": f"输出层{what_zh}"}
        return {"en": f"hidden layer {index + 1} {what_en}", "zh": f"隐藏层 {index + 1} {what_zh}"}
    if module_name in norms:
        index = norms.index(module_name) + 1
        return {"en": f"batch norm {index} {what_en}", "zh": f"批归一化 {index} {what_zh}"}
    return {"en": name, "zh": name}


def ratio_warning(label: Text, ratio: float, band: tuple[float, float] = RATIO_BAND) -> Text | None:
    """The warning for one parameter (``label`` from :func:`parameter_label`), None if healthy."""
    verdict = classify_ratio(ratio, band)
    if verdict == "healthy":
        return None
    low, high = band
    if verdict == "too_small":
        return {
            "en": f"{label['en']}: update/weight ratio {ratio:.1e} is below {low:.0e} "
            f"(about {HEALTHY_RATIO:.0e} is healthy): the layer hardly learns; try a larger "
            "learning rate.",
            "zh": f"{label['zh']}：更新/权重比 {ratio:.1e} 低于 {low:.0e}"
            f"（约 {HEALTHY_RATIO:.0e} 为正常）：这一层几乎不学习，试试更大的学习率。",
        }
    return {
        "en": f"{label['en']}: update/weight ratio {ratio:.1e} is above {high:.0e} "
        f"(about {HEALTHY_RATIO:.0e} is healthy): each update changes the layer too much; try a "
        "smaller learning rate.",
        "zh": f"{label['zh']}：更新/权重比 {ratio:.1e} 高于 {high:.0e}"
        f"（约 {HEALTHY_RATIO:.0e} 为正常）：每次更新改变太多，试试更小的学习率。",
    }


def ratio_warnings(
    ratios: Mapping[str, float], model: nn.Module, *, include_biases: bool = False
) -> list[Text]:
    """The warnings of every parameter out of the band (weights only unless asked)."""
    out = []
    for name, ratio in ratios.items():
        if not include_biases and name.endswith("bias"):
            continue
        warning = ratio_warning(parameter_label(name, model), ratio)
        if warning is not None:
            out.append(warning)
    return out


class UpdateRatioMonitor:
    """Measures every optimizer step's update/weight ratio per parameter of ``model``.

    ``epoch_ratios()`` returns the mean ratio of each parameter over the steps since the last
    call (NaN-free; empty before any step) and starts a new epoch. ``last_ratios`` holds the last
    step's. ``remove()`` takes the hooks off.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self.model = model
        self.names = {id(p): n for n, p in model.named_parameters() if p.requires_grad}
        self._params = [
            p for group in optimizer.param_groups for p in group["params"] if id(p) in self.names
        ]
        self._before: list[torch.Tensor] = []
        self._sums: torch.Tensor | None = None  # per parameter: the sum of this epoch's ratios
        self._last = torch.zeros(0)
        self._steps = 0
        self.last_ratios: dict[str, float] = {}
        self._handles = [
            optimizer.register_step_pre_hook(self._pre),
            optimizer.register_step_post_hook(self._post),
        ]

    def _pre(self, *_: object) -> None:
        self._before = [p.detach().clone() for p in self._params]

    def _post(self, *_: object) -> None:
        with torch.no_grad():
            ratios = torch.stack(
                [
                    _tensor_ratio(p.detach() - w, w)
                    for p, w in zip(self._params, self._before, strict=True)
                ]
            )
        self._sums = ratios if self._sums is None else self._sums + ratios
        self._steps += 1
        self._last = ratios

    def hooks(self) -> tuple[object, object]:
        """The step hooks it put on the optimizer (the compiled epoch does their work itself)."""
        return (self._pre, self._post)

    def add_updates(
        self, parameters: list[torch.Tensor], sums: np.ndarray, updates: int, last: np.ndarray
    ) -> None:
        """Ratios measured without the hooks (the compiled epoch, ``core.nets.compiled``): per
        parameter of ``parameters``, the sum over ``updates`` updates and the last update's."""
        if updates == 0:
            return
        where = {id(p): index for index, p in enumerate(parameters)}
        order = [where[id(p)] for p in self._params]
        added = torch.as_tensor(np.asarray(sums)[order], dtype=torch.float64)
        self._sums = added if self._sums is None else self._sums + added
        self._steps += updates
        self._last = torch.as_tensor(np.asarray(last)[order], dtype=torch.float64)

    def epoch_ratios(self) -> dict[str, float]:
        if self._sums is None or self._steps == 0:
            return {}
        self.last_ratios = self._named(self._last.tolist())
        means = (self._sums / self._steps).tolist()
        self._sums, self._steps = None, 0
        return self._named(means)

    def _named(self, values: list[float]) -> dict[str, float]:
        return {self.names[id(p)]: v for p, v in zip(self._params, values, strict=True)}

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


def _tensor_ratio(delta: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """:func:`_ratio` on the device (no host sync per step)."""
    delta_norm = torch.linalg.vector_norm(delta).double()
    weight_norm = torch.linalg.vector_norm(weights).double()
    ratio = delta_norm / weight_norm  # inf where the weights are 0
    return torch.where(delta_norm == 0, torch.zeros_like(ratio), ratio)


@dataclass
class RatioRecord:
    """The update/weight ratios of one epoch: the mean over its updates, per parameter."""

    epoch: int
    ratios: dict[str, float]
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    warnings: list[Text] = field(default_factory=list)
    run: str = ""


def ratio_record(
    monitor: UpdateRatioMonitor, record: EpochRecord, model: torch.nn.Module
) -> RatioRecord:
    """The epoch's mean update/weight ratios from ``monitor`` (and resets it), judged against the
    healthy band, for ``record``'s epoch."""
    ratios = monitor.epoch_ratios()
    return RatioRecord(
        epoch=record.epoch,
        ratios=ratios,
        verdicts={name: classify_ratio(r) for name, r in ratios.items()},
        warnings=ratio_warnings(ratios, model),
        run=record.run,
    )


def with_update_ratios(trainer: Trainer) -> Iterator[EpochRecord | StepRecord | RatioRecord]:
    """``trainer.records()`` with a :class:`RatioRecord` after each epoch record (epoch >= 1)."""
    monitor = UpdateRatioMonitor(trainer.model, trainer.optimizer)
    watch = getattr(trainer, "watch_ratios", None)  # a FastTrainer's compiled epochs measure too
    if watch is not None:
        watch(monitor)
    try:
        for record in trainer.records():
            yield record
            if isinstance(record, EpochRecord) and record.epoch > 0:
                yield ratio_record(monitor, record, trainer.model)
    finally:
        monitor.remove()
        if watch is not None and getattr(trainer, "ratio_monitor", None) is monitor:
            watch(None)

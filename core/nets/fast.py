"""The fast single-network path: the Network Lab's MLPs trained with fewer torch calls per update,
or with none: a whole epoch in one compiled call.

**The compiled epoch** (:mod:`core.nets.compiled`, numba): where :func:`compiled_problem
<core.nets.compiled.compiled_problem>` finds nothing against it, :class:`FastTrainer` hands each
epoch to one ``@njit(cache=True)`` call -- forward, backward, the gradient norm and the
optimizer's ``torch.optim`` update for every mini-batch, on numpy views of the parameters and of
``optimizer.state[p]`` -- and evaluates the records' losses and accuracies compiled too. The
data order is the trainer's (``_batches``: the same ``torch.randperm`` draw), the schedule steps
per epoch as before, and the records, early stopping and divergence rules are the trainer's; the
records' ``grad_norm`` is the true mean of the epoch's updates (``track_grad_norm=False`` still
reports NaN). Measured on Playground's three settings (``losslab bench --nets``, loaded 2-core
machine): 6-60x the torch update's epochs/s. L-BFGS, SAM, ``per_step``, batch norm, dropout,
other devices, networks large enough for torch's matrix products to win, an optimizer step
hook the trainer was not told of (the update-ratio monitor and EMA averaging tell it:
``watch_ratios``, ``watch_average``) and a missing numba train on the torch update below;
``compiled_fallback`` says why (``compiled=False`` turns it off).

**The torch update** (everything else, and the comparison path):

An update of :class:`~core.nets.trainer.Trainer` for TensorFlow Playground's tiny networks is
almost all torch's fixed cost per call (/work/shared/PERF-NOTES.md): building the autograd graph,
the autograd engine's backward, the gradient norm, ``zero_grad``. :class:`FastTrainer` keeps the
trainer's records, early stopping and divergence rules and changes only the update:

* the gradient is computed by hand (:func:`mlp_gradients`: forward, then the chain rule written
  out with one matrix product per weight), under ``no_grad``, with no autograd graph; it equals
  autograd's gradient to rounding (the tests check it, and the training, against the plain
  ``torch.optim`` loop to 1e-6 in float64 over 100 updates for every optimizer networks offer);
* the optimizer is still the engine's ``torch.optim`` optimizer (``core.optim.build_optimizer``,
  fused on CPU where torch has a fused kernel); it gets the gradients in ``p.grad``;
* the gradient norm is computed only with ``track_grad_norm=True`` (the curve is shown), else the
  records' ``grad_norm`` is NaN after epoch 0;
* the mini-batch loss is computed only with ``per_step`` (a step record shows it);
* no host sync per update: the only ``float()`` calls are the per-epoch records' (and, with
  ``per_step``, the step records').

Supported: dense layers with ``relu``/``tanh``/``sigmoid``/``linear`` activations, every loss
(cross-entropy on labels, MSE for regression, softmax-MSE for classes) and every optimizer networks
offer. Batch norm, dropout and augmentation (mixup's probability targets) are not:
:func:`fast_problem` names the reason and the trainer falls back to the autograd update, so
results never depend on which path ran. L-BFGS keeps the autograd update too: its line search and
stopping tests (``tolerance_change``) branch on the loss and gradient, so a last-bit difference
can send it down another path (measured: 1e-10 apart after 20 updates, 0.4 after 100).

``torch.compile`` is not used. Measured on the loaded 2-core machine (one thread, spiral 2-8-8-2,
batch 10, float32): compiling :func:`mlp_gradients` took 43 s cold and 10 s with inductor's cache,
and the compiled call cost 57 us against 87 us eager -- a small gain for a long wait in an
interactive lab. ``losslab bench --nets`` prints the trainer figures.

The same gradient function works on stacked parameters (``(K, out, in)`` weights, ``(K, B, in)``
inputs): :mod:`core.nets.many` trains K networks with it in one update.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from core.nets.compiled import (
    compiled_problem,
    epoch_problem,
    evaluate_network,
    kernel_problem,
    loss_code,
    run_epoch,
    still_loading,
    warm_up_in_background,
)
from core.nets.datasets import Dataset
from core.nets.models import ModelConfig
from core.nets.trainer import TrainConfig, Trainer

Tensor = torch.Tensor
# The models' activations as functions (None: linear). Their derivative is written in terms of
# the activation's *output* a, as autograd's own backward formulas do.
ACTIVATION_FUNCTIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def fast_problem(model_config: ModelConfig, config: TrainConfig, data: Dataset) -> str | None:
    """Why the hand-written gradient cannot train this setting (None: it can)."""
    if model_config.batch_norm and model_config.hidden:
        return "batch norm is not supported by the fast path"
    if model_config.dropout > 0 and model_config.hidden:
        return "dropout is not supported by the fast path"
    if config.augmentation.any() and data.image_shape is not None:
        return "augmentation is not supported by the fast path"
    return None


def _affine(a: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """``a @ weight^T + bias``; stacked weights ``(K, out, in)`` take ``(K, B, in)`` or a shared
    ``(B, in)`` input."""
    if weight.dim() == 2:
        return F.linear(a, weight, bias)  # nn.Linear's own call
    if a.dim() == 2:
        a = a.expand(weight.shape[0], *a.shape)
    return torch.baddbmm(bias.unsqueeze(-2), a, weight.transpose(-1, -2))


def _times_derivative(grad: Tensor, a: Tensor, activation: str) -> Tensor:
    """``grad * act'(z)`` from the activation's output ``a = act(z)``."""
    if activation == "tanh":
        return torch.addcmul(grad, grad, a * a, value=-1.0)  # grad (1 - a^2)
    if activation == "sigmoid":
        return grad * (a - a * a)
    if activation == "relu":
        return grad * (a > 0)
    return grad


@functools.lru_cache(maxsize=16)
def _identity(classes: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    return torch.eye(classes, dtype=dtype, device=device)


def _one_hot(labels: Tensor, classes: int, like: Tensor) -> Tensor:
    # rows of a cached identity: F.one_hot checks the labels' range, a host sync per call
    return _identity(classes, like.dtype, like.device)[labels]


def gradient_norm(grads: Sequence[Tensor]) -> Tensor:
    """The norm of all gradients together (``get_total_norm``'s value in fewer torch calls)."""
    return torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads]))


def loss_gradient(
    outputs: Tensor, targets: Tensor, loss: str, task: str, want_loss: bool = False
) -> tuple[Tensor, Tensor | None]:
    """``(d loss / d outputs, loss or None)`` of ``core.nets.models.loss_function(loss, task)``.

    ``outputs`` is ``(..., B, C)``, ``targets`` ``(..., B)`` (class labels or values); the loss is
    the mean over the batch (one per leading index: stacked networks each get their own).
    """
    count, classes = outputs.shape[-2], outputs.shape[-1]
    value = None
    if task == "regression":
        diff = outputs[..., 0] - targets
        if want_loss:
            value = diff.square().mean(-1)
        return (diff * (2.0 / count)).unsqueeze(-1), value
    if loss == "cross_entropy":
        if want_loss:
            log_p = torch.log_softmax(outputs, -1)
            value = -log_p.gather(-1, targets.unsqueeze(-1)).squeeze(-1).mean(-1)
            grad = log_p.exp_()
        else:
            grad = torch.softmax(outputs, -1)
        grad.sub_(_one_hot(targets, classes, grad))
        return grad.mul_(1.0 / count), value
    # softmax-MSE: mean over batch and classes of (softmax - one-hot)^2
    p = torch.softmax(outputs, -1)
    diff = p - _one_hot(targets, classes, p)
    if want_loss:
        value = diff.square().mean((-1, -2))
    dp = diff * (2.0 / (count * classes))
    return p * (dp - (dp * p).sum(-1, keepdim=True)), value


def member_losses(outputs: Tensor, targets: Tensor, loss: str, task: str) -> Tensor:
    """The batch-mean loss, one per leading index of ``outputs`` ``(..., B, C)`` (no gradient)."""
    if task == "regression":
        return (outputs[..., 0] - targets).square().mean(-1)
    if loss == "cross_entropy":
        log_p = torch.log_softmax(outputs, -1)
        return -log_p.gather(-1, targets.unsqueeze(-1)).squeeze(-1).mean(-1)
    p = torch.softmax(outputs, -1)
    return (p - _one_hot(targets, outputs.shape[-1], p)).square().mean((-1, -2))


def _layer_inputs(weights: Sequence[Tensor], activation: str, inputs: Tensor) -> list[Tensor]:
    """The input of every layer, then the network's output."""
    function = ACTIVATION_FUNCTIONS.get(activation)
    layers = len(weights) // 2
    seen = [inputs]
    a = inputs
    for layer in range(layers):
        a = _affine(a, weights[2 * layer], weights[2 * layer + 1])
        if layer < layers - 1 and function is not None:
            a = function(a)
        seen.append(a)
    return seen


def mlp_outputs(weights: Sequence[Tensor], activation: str, inputs: Tensor) -> Tensor:
    """The MLP's outputs (logits or values), plain or stacked as in :func:`mlp_gradients`."""
    with torch.no_grad():
        return _layer_inputs(weights, activation, inputs)[-1]


def mlp_gradients(
    weights: Sequence[Tensor],
    activation: str,
    inputs: Tensor,
    targets: Tensor,
    loss: str,
    task: str,
    want_loss: bool = False,
) -> tuple[list[Tensor], Tensor | None]:
    """The gradient of the batch loss for the MLP ``weights`` ``[W1, b1, W2, b2, ...]``
    (``nn.Sequential`` parameter order; the last layer linear), and the loss when asked.

    Plain or stacked: ``W (out, in)`` with ``inputs (B, in)``, or ``W (K, out, in)`` with
    ``inputs (K, B, in)`` (or a shared ``(B, in)``) and ``targets (K, B)``: then every gradient
    is stacked too, and the loss is one per network.
    """
    with torch.no_grad():
        seen = _layer_inputs(weights, activation, inputs)
        grad, value = loss_gradient(seen.pop(), targets, loss, task, want_loss)
        grads: list[Tensor] = [grad] * len(weights)
        plain = weights[0].dim() == 2  # torch.mm: fewer checks than matmul's broadcasting
        product = torch.mm if plain else torch.matmul
        for layer in reversed(range(len(weights) // 2)):
            a_in = seen[layer]
            grads[2 * layer] = product(grad.t() if plain else grad.transpose(-1, -2), a_in)
            grads[2 * layer + 1] = grad.sum(-2)
            if layer > 0:
                grad = _times_derivative(product(grad, weights[2 * layer]), a_in, activation)
    return grads, value


class FastTrainer(Trainer):
    """:class:`~core.nets.trainer.Trainer` with the hand-written update (module docstring).

    ``track_grad_norm=False`` skips the gradient norm of every update (records: NaN). Settings
    :func:`fast_problem` refuses train with the trainer's autograd update; ``fallback`` says why.
    """

    def __init__(
        self,
        data: Dataset,
        model_config: ModelConfig,
        config: TrainConfig,
        *,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
        label: str = "",
        track_grad_norm: bool = True,
        compiled: bool = True,
    ) -> None:
        super().__init__(data, model_config, config, device=device, dtype=dtype, label=label)
        self.track_grad_norm = track_grad_norm
        self.fallback = fast_problem(model_config, config, data)
        self._not_measured = torch.full((), math.nan, dtype=dtype, device=self.device)
        # The compiled epoch (core.nets.compiled); None where it runs, else why not.
        self.compiled_fallback = (
            compiled_problem(model_config, config, data, self.device)
            if compiled
            else "the compiled epoch was turned off"
        )
        self.compiled_epochs = 0  # epochs trained by the compiled kernel
        # core.nets.ratios.UpdateRatioMonitor fed by the compiled epochs (watch_ratios), and
        # the EMA of core.nets.ensembles.WeightAverager they keep (watch_average)
        self.ratio_monitor: Any = None
        self.averager: Any = None
        self._loss_code = loss_code(config.loss, data.task)
        self._epoch_order: Tensor | None = None  # the epoch's sample order when compiled

    def _batches(self) -> list[Tensor] | None:
        batches = super()._batches()
        self._epoch_order = None
        if self._compiled_now():
            # the same draw from the generator; the whole epoch becomes one "update" call
            n = len(self.x_train)
            self._epoch_order = torch.arange(n) if batches is None else torch.cat(batches)
            return None
        return batches

    def warm_up_in_background(self) -> None:
        """Load (or compile) this network's kernel in a background thread now, where the
        compiled epoch will run (the Network Lab's worker calls it when a training is built)."""
        if self.compiled_fallback is None:
            warm_up_in_background(self.dtype, len(self.parameters) // 2)

    def evaluate(self) -> tuple[float, float, float, float]:
        """The trainer's evaluation; compiled once an epoch ran compiled (no dropout or batch
        norm, so eval mode changes nothing; epoch 0 never waits for the kernel to load)."""
        if self.compiled_fallback is not None or self.compiled_epochs == 0:
            return super().evaluate()
        args = (self.parameters, self.model_config.activation, self._loss_code)
        train = evaluate_network(*args, self.x_train, self.y_train)
        return (*train, *evaluate_network(*args, self.x_val, self.y_val))

    def watch_ratios(self, monitor: Any) -> None:
        """Measure the update/weight ratios into ``monitor`` (an ``UpdateRatioMonitor`` on
        this trainer's optimizer; None: stop) in compiled epochs too: its step hooks then no
        longer send the epochs to torch's update (they measure those epochs that take it)."""
        self.ratio_monitor = monitor

    def watch_average(self, averager: Any) -> None:
        """Keep ``averager``'s exponential moving average (a ``WeightAverager`` of kind "ema";
        None: stop) in compiled epochs too; its step hook then measures only the epochs that
        take torch's update."""
        self.averager = averager

    def _compiled_now(self) -> bool:
        """Whether this epoch runs compiled: allowed, the optimizer fit for it, and its kernel
        loaded (not still loading in the background: then torch's update trains this epoch;
        a kernel that cannot load sends every epoch there, with the reason)."""
        layers = len(self.parameters) // 2
        if (
            self.compiled_fallback is not None
            or epoch_problem(self.optimizer, self.parameters, self._measured_hooks()) is not None
            or still_loading(self.dtype, layers)
        ):
            return False
        self.compiled_fallback = kernel_problem(self.dtype, layers)
        return self.compiled_fallback is None

    def _measured_hooks(self) -> tuple:
        hooks = () if self.ratio_monitor is None else self.ratio_monitor.hooks()
        return hooks + (() if self.averager is None else self.averager.hooks())

    def _compiled_epoch(self) -> tuple[Tensor, Tensor]:
        size = self.config.batch_size
        monitor = self.ratio_monitor
        count = len(self.parameters)
        ratios = None if monitor is None else (np.zeros(count), np.zeros(count))
        averager = self.averager
        average = None
        if averager is not None and averager.averages_epoch(self.epoch + 1):
            weight = 1.0 - averager.decay  # 0 (decay 1) is valid: a copy, then no change
            average = (list(averager.model.module.parameters()), weight, averager.count)
        norm, updates = run_epoch(
            self.optimizer,
            self.parameters,
            self.model_config.activation,
            self._loss_code,
            self.x_train,
            self.y_train,
            self._epoch_order,
            len(self.x_train) if size == 0 else size,
            ratios,
            average,
        )
        if monitor is not None:
            monitor.add_updates(self.parameters, ratios[0], updates, ratios[1])
        if average is not None:
            averager.model.n_averaged += updates
        self.step += updates
        self.compiled_epochs += 1
        # what torch's step wrapper marks: the optimizer did step (schedulers check it)
        self.optimizer._opt_called = True  # type: ignore[attr-defined]
        self._epoch_order = None
        if not self.track_grad_norm:
            return self._not_measured, self._not_measured
        return self._not_measured, torch.tensor(norm, dtype=self.dtype)

    def _gradients(self, x: Tensor, y: Tensor, want_loss: bool) -> Tensor | None:
        grads, value = mlp_gradients(
            self.parameters,
            self.model_config.activation,
            x,
            y,
            self.config.loss,
            self.data.task,
            want_loss,
        )
        for parameter, grad in zip(self.parameters, grads, strict=True):
            parameter.grad = grad
        return value

    def _update(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        if self._epoch_order is not None:
            return self._compiled_epoch()
        if self.fallback is not None or self._closure:
            loss, norm = super()._update(x, y)
            return loss, norm if self.track_grad_norm else self._not_measured
        loss = self._gradients(x, y, want_loss=self.config.per_step)
        self.optimizer.step()
        norm = self._not_measured
        if self.track_grad_norm:
            norm = gradient_norm([p.grad for p in self.parameters])
        self.step += 1
        return (self._not_measured if loss is None else loss), norm

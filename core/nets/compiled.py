"""A whole epoch of updates in one compiled call: the Network Lab's MLPs past torch's per-call cost.

An update of :class:`~core.nets.fast.FastTrainer` is still a dozen torch calls of ~5-10 us each
for a network of a few dozen weights (/work/shared/PERF-NOTES.md). :func:`run_epoch` hands the
epoch to a numba kernel (``@njit(cache=True)``) that loops over the epoch's mini-batches --
forward, the hand-written backward of ``core.nets.fast.mlp_gradients``, the gradient norm and the
optimizer's update -- on numpy views of the torch parameters and of the optimizer's own state
tensors (``optimizer.state[p]``, initialized as torch initializes it), so ``state_dict()``,
schedules and everything that reads the optimizer stay correct. The data order is the trainer's:
the caller draws ``torch.randperm`` with the trainer's generator and passes the index array.

The updates are ``torch.optim``'s documented algorithms (and the lecture optimizers' in
``core.optim.lecture``): SGD (momentum, dampening, nesterov, weight decay), Adagrad (lr decay),
RMSprop (momentum, centered), Adam and AdamW (amsgrad), the lecture's Adam (bias correction off),
momentum, EMA momentum and RMS. The hyper-parameters are read from ``param_groups`` at every
epoch (a schedule steps per epoch). Arithmetic inside the kernel is float64; in float64 the
weights equal the plain ``torch.optim`` loop to rounding (tests/core/test_compiled.py: 1e-6 after
100 updates for every optimizer networks offer).

Not compiled (:func:`compiled_problem` / :func:`epoch_problem` say why; the trainer then uses
the torch update): L-BFGS and SAM (closures, several gradients per step), per-step records,
batch norm, dropout, augmentation, devices other than the CPU, ``maximize``, several parameter
groups, a network so large that torch's matrix products beat the plain loops
(:func:`epoch_estimates`: e.g. digits 64-128-128-10), and an epoch during which an optimizer
step hook the kernel does not know is registered. The update-ratio monitor
(``core.nets.ratios``) and EMA weight averaging (``core.nets.ensembles``) hook every
``optimizer.step``; a FastTrainer told of them (``watch_ratios``, ``watch_average``) keeps
training compiled and the kernel does their work: each update's ||dw||/||w||, and the
AveragedModel's lerp after each update. A kernel that cannot load (numba failing to compile or
to read its cache) sends training to torch's update with the reason (:func:`kernel_problem`).
Without numba everything trains on the torch path.

:func:`evaluate_network` computes the records' losses and accuracies with the same forward
pass. numba is imported and the kernel compiled on first use, in the trainer's process or worker
thread, never the GUI's: one compilation per number of layers and dtype (the kernels:
:mod:`core.nets.compiled_kernels`), which numba caches on disk next to that file
(``__pycache__``) or, where that is read-only (an installed or frozen app), in its user-wide
cache (``NUMBA_CACHE_DIR`` overrides both). The Network Lab starts the load in a background
thread when it builds a training (:func:`warm_up_in_background`); epochs that come before it is
ready train with torch's update. Measured on the 2-core machine (2-8-8-2 float32, fresh
process): 7.5-13.5 s cold, 1.4-2.1 s from the cache, by load; ``losslab bench --nets`` prints both.
"""

from __future__ import annotations

import importlib.util
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from core.nets import compiled_kernels as kernels
from core.nets.compiled_kernels import (
    ACTIVATION_CODES,
    ADAGRAD,
    ADAM,
    CROSS_ENTROPY,
    EMA_MOMENTUM,
    LECTURE_MOMENTUM,
    LECTURE_RMS,
    REGRESSION,
    RMSPROP,
    SGD,
    SOFTMAX_MSE,
)
from core.nets.datasets import Dataset
from core.nets.models import ModelConfig
from core.optim.lecture import RMS, EmaMomentum, LectureAdam, LectureMomentum

# numba is a dependency, but a missing one only costs speed. Imported on first use (~0.4 s):
# the GUI process imports this module without ever training.
HAS_NUMBA = importlib.util.find_spec("numba") is not None


def numba_available() -> bool:
    return HAS_NUMBA


# --- which settings it trains --------------------------------------------------------------------

NOT_COMPILED = {
    "lbfgs": "L-BFGS needs a closure (line search over the batch loss): torch's update",
    "sam": "SAM takes two gradients per step with a closure: torch's update",
}


def compiled_problem(
    model_config: ModelConfig,
    config,
    data: Dataset,
    device: torch.device | str = "cpu",
) -> str | None:
    """Why the compiled epoch cannot train this setting (None: it can); the trainer then uses
    the torch update (``core.nets.fast``)."""
    from core.nets.fast import fast_problem

    problem = fast_problem(model_config, config, data)
    if problem is not None:
        return problem
    if not numba_available():
        return "numba is not installed"
    if torch.device(device).type != "cpu":
        return "the compiled epoch runs on the CPU only"
    if config.per_step:
        return "per-step records need the mini-batch loss of every update"
    name = config.optimizer.get("name")
    if name in NOT_COMPILED:
        return NOT_COMPILED[name]
    compiled_ms, torch_ms = epoch_estimates(model_config, config, data)
    if compiled_ms > torch_ms:
        return (
            f"the network is too large for the compiled loops: about {compiled_ms:.1f} ms an "
            f"epoch against {torch_ms:.1f} ms with torch's matrix products"
        )
    return None


# Measured on the 2-core machine (float32, one thread): the kernel's plain loops cost about
# 1.1 ns per multiply-add; torch's update about 200 us per mini-batch, whatever its size, for
# the small networks where that cost dominates (the matrix products themselves are fast).
NS_PER_MULTIPLY_ADD = 1.1
TORCH_US_PER_UPDATE = 200.0


# The compiled training's whole cost, for the scene budget (core.limits) and for choosing it in
# ``losslab run`` (measured here, float32, one thread; spiral 8-8 at batch 1, 10 and full, 32-32,
# digits 64 at batch 1: within 30 %): per epoch a fixed cost (records, evaluation) and the
# multiply-adds above, per update a fixed cost and one per parameter (the optimizer's update).
EPOCH_FIXED_MS = 0.4
UPDATE_FIXED_US = 1.2
UPDATE_NS_PER_PARAMETER = 8.0
COMPILE_SECONDS = 12.0  # numba compiling the kernel, disk cache empty (7.5-13.5 s, by load)


def compiled_training_seconds(
    model_config: ModelConfig, config, data: Dataset, epochs: int
) -> float | None:
    """Seconds to train ``epochs`` epochs compiled, the kernel's compilation included; None
    where this setting does not train compiled (:func:`compiled_problem`)."""
    if compiled_problem(model_config, config, data) is not None:
        return None
    widths = [data.input_dim, *model_config.hidden, data.output_dim]
    parameters = sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))
    train = len(data.x_train)
    batch = config.batch_size if 0 < config.batch_size < train else train
    updates = math.ceil(train / max(batch, 1))
    compiled_ms, _torch_ms = epoch_estimates(model_config, config, data)
    update_us = UPDATE_FIXED_US + parameters * UPDATE_NS_PER_PARAMETER * 1e-3
    epoch_ms = EPOCH_FIXED_MS + compiled_ms + updates * update_us * 1e-3
    return COMPILE_SECONDS + epochs * epoch_ms * 1e-3


def compiled_pays(model_config: ModelConfig, config, data: Dataset, epochs: int) -> bool:
    """Whether training compiled, compilation included, beats torch's update (a short run of a
    small network is over before numba has compiled the kernel)."""
    seconds = compiled_training_seconds(model_config, config, data, epochs)
    torch_ms = epoch_estimates(model_config, config, data)[1]
    return seconds is not None and seconds < epochs * (torch_ms + EPOCH_FIXED_MS) * 1e-3


def epoch_estimates(model_config: ModelConfig, config, data: Dataset) -> tuple[float, float]:
    """(compiled, torch) milliseconds per epoch, roughly: the compiled kernel's cost grows with
    the weights times the samples (forward and backward: ~3 passes on the training set, one
    on the validation set), torch's with the number of updates."""
    widths = [data.input_dim, *model_config.hidden, data.output_dim]
    weights = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    train, val = len(data.x_train), len(data.x_val)
    batch = config.batch_size if 0 < config.batch_size < train else train
    updates = math.ceil(train / max(batch, 1))
    compiled_ms = weights * (3 * train + val) * NS_PER_MULTIPLY_ADD * 1e-6
    return compiled_ms, updates * TORCH_US_PER_UPDATE * 1e-3


def _kind(optimizer: torch.optim.Optimizer) -> int | None:
    # exact classes: a subclass may change the update
    kinds = {
        torch.optim.SGD: SGD,
        torch.optim.Adagrad: ADAGRAD,
        torch.optim.RMSprop: RMSPROP,
        torch.optim.Adam: ADAM,
        torch.optim.AdamW: ADAM,
        LectureAdam: ADAM,
        LectureMomentum: LECTURE_MOMENTUM,
        EmaMomentum: EMA_MOMENTUM,
        RMS: LECTURE_RMS,
    }
    return kinds.get(type(optimizer))


def _has_step_hooks(optimizer: torch.optim.Optimizer, ignored: Sequence[Any] = ()) -> bool:
    from torch.optim import optimizer as torch_optimizer

    hooks = [
        *optimizer._optimizer_step_pre_hooks.values(),
        *optimizer._optimizer_step_post_hooks.values(),
        *torch_optimizer._global_optimizer_pre_hooks.values(),
        *torch_optimizer._global_optimizer_post_hooks.values(),
    ]
    return any(hook not in ignored for hook in hooks)


def epoch_problem(
    optimizer: torch.optim.Optimizer,
    parameters: list[torch.Tensor],
    ignored_hooks: Sequence[Any] = (),
) -> str | None:
    """Why the next epoch cannot run compiled with ``optimizer`` (None: it can). Asked every
    epoch: the optimizer may be switched or hooked during training. ``ignored_hooks``: step
    hooks whose work the compiled epoch does itself (the update-ratio monitor's)."""
    if _kind(optimizer) is None:
        return f"{type(optimizer).__name__} has no compiled update"
    if len(optimizer.param_groups) != 1:
        return "several parameter groups"
    group = optimizer.param_groups[0]
    if group.get("maximize") or group.get("differentiable"):
        return "maximize/differentiable optimizers are not compiled"
    if {id(p) for p in group["params"]} != {id(p) for p in parameters}:
        return "the optimizer does not hold exactly the network's parameters"
    if _has_step_hooks(optimizer, ignored_hooks):
        return "an optimizer step hook the trainer was not told of watches every update"
    if not all(p.device.type == "cpu" and p.is_contiguous() for p in parameters):
        return "parameters are not contiguous CPU tensors"
    return None


# --- optimizer state: torch's own tensors --------------------------------------------------------


def _scalar_step(fused: bool = False) -> torch.Tensor:
    """A fresh ``state["step"]`` as torch makes it (float32 unless the default dtype is
    float64; fused kernels always float32)."""
    default = torch.get_default_dtype()
    dtype = torch.float64 if default == torch.float64 and not fused else torch.float32
    return torch.tensor(0.0, dtype=dtype)


def _zeros(state: dict, key: str, p: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
    if key not in state:
        state[key] = torch.full_like(p, fill, memory_format=torch.preserve_format)
    return state[key]


def _hyper(kind: int, group: dict, optimizer: torch.optim.Optimizer) -> list[float]:
    lr = float(group["lr"])
    if kind == SGD:
        return [
            lr, group["momentum"], group["dampening"], group["weight_decay"], group["nesterov"]
        ]  # fmt: skip
    if kind == ADAGRAD:
        return [lr, group["lr_decay"], group["weight_decay"], group["eps"]]
    if kind == RMSPROP:
        return [
            lr, group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
            group["centered"],
        ]  # fmt: skip
    if kind == ADAM:
        beta1, beta2 = group["betas"]
        decoupled = group.get("decoupled_weight_decay", isinstance(optimizer, torch.optim.AdamW))
        return [
            lr, beta1, beta2, group["eps"], group["weight_decay"], group["amsgrad"], decoupled,
            group.get("bias_correction", True),
        ]  # fmt: skip
    if kind == LECTURE_MOMENTUM:
        return [lr, group["momentum"]]
    if kind == EMA_MOMENTUM:
        return [lr, group["beta"]]
    return [lr, group["eps"]]


def _state_tensors(
    kind: int, group: dict, state: dict, p: torch.Tensor
) -> tuple[list[torch.Tensor | None], str | None, bool]:
    """(the state slots, the key of the step counter or None, whether the momentum buffer is
    new), creating what torch would create at its first step."""
    if kind == SGD:
        if group["momentum"] == 0:
            return [None, None, None], None, False
        fresh = state.get("momentum_buffer") is None
        if fresh:
            state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return [state["momentum_buffer"], None, None], None, fresh
    if kind == ADAGRAD:
        state.setdefault("step", _scalar_step(bool(group.get("fused"))))
        sums = _zeros(state, "sum", p, float(group["initial_accumulator_value"]))
        return [sums, None, None], "step", False
    if kind == RMSPROP:
        state.setdefault("step", _scalar_step())
        square = _zeros(state, "square_avg", p)
        buf = _zeros(state, "momentum_buffer", p) if group["momentum"] > 0 else None
        mean = _zeros(state, "grad_avg", p) if group["centered"] else None
        return [square, buf, mean], "step", False
    if kind == ADAM:
        fused = bool(group.get("fused")) or bool(group.get("capturable"))
        state.setdefault("step", 0 if "bias_correction" in group else _scalar_step(fused))
        top = _zeros(state, "max_exp_avg_sq", p) if group["amsgrad"] else None
        return [_zeros(state, "exp_avg", p), _zeros(state, "exp_avg_sq", p), top], "step", False
    if kind == LECTURE_MOMENTUM:
        return [_zeros(state, "movement", p), None, None], None, False
    if kind == EMA_MOMENTUM:
        return [_zeros(state, "velocity", p), None, None], None, False
    state.setdefault("step", 0)
    return [_zeros(state, "sum_sq", p), _zeros(state, "sigma", p), None], "step", False


def _flat(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().view(-1).numpy()


def run_epoch(
    optimizer: torch.optim.Optimizer,
    parameters: list[torch.Tensor],
    activation: str,
    loss_kind: int,
    x: torch.Tensor,
    targets: torch.Tensor,
    order: torch.Tensor,
    batch_size: int,
    ratios: tuple[np.ndarray, np.ndarray] | None = None,
    average: tuple[list[torch.Tensor], float, int] | None = None,
) -> tuple[float, int]:
    """One epoch of updates in place (``epoch_problem`` must be None): the samples in ``order``
    (CPU int64) in chunks of ``batch_size``, the last one smaller. Returns (the mean gradient
    norm of the updates, the number of updates). ``ratios``: (sums, last), float64 arrays of
    one entry per parameter, get each update's update/weight ratio added (the last one kept).
    ``average``: (the averaged model's parameters, 1 - decay, its ``n_averaged``) kept as
    the exponential moving average of every update (the caller adds the updates to the
    count)."""
    kind = _kind(optimizer)
    group = optimizer.param_groups[0]
    slots: list[np.ndarray] = []
    steps = np.zeros(len(parameters))
    fresh = np.zeros(len(parameters), np.int64)
    counters: list[tuple[dict, str]] = []
    empty = np.zeros(0, dtype=parameters[0].detach().numpy().dtype)
    for j, p in enumerate(parameters):
        state = optimizer.state[p]
        tensors, counter, new = _state_tensors(kind, group, state, p)
        slots.extend(empty if t is None else _flat(t) for t in tensors)
        fresh[j] = new
        if not state:  # torch keeps no entry for a parameter without state (plain SGD)
            del optimizer.state[p]
        if counter is not None:
            steps[j] = float(state[counter])
            counters.append((state, counter))
    labels, values = _targets(targets, x.numpy().dtype)
    kernels.jit_kernels()
    norm_sum, updates = kernels.train_epoch(
        x.numpy(), labels, values, order.numpy(), batch_size,
        tuple(_flat(p) for p in parameters), tuple(slots),
        _widths(parameters),
        ACTIVATION_CODES[activation], loss_kind, kind,
        np.array(_hyper(kind, group, optimizer), np.float64), steps, fresh,
        *(ratios if ratios is not None else (np.zeros(0), np.zeros(0))),
        *_average_arguments(parameters, average),
    )  # fmt: skip
    for state, counter in counters:
        if isinstance(state[counter], torch.Tensor):
            state[counter].add_(updates)
        else:
            state[counter] += updates
    return norm_sum / max(updates, 1), updates


def _average_arguments(
    parameters: list[torch.Tensor], average: tuple[list[torch.Tensor], float, int] | None
) -> tuple[tuple[np.ndarray, ...], float, int]:
    if average is None:  # the parameters stand in (same types: one compiled kernel); weight < 0
        return tuple(_flat(p) for p in parameters), -1.0, 0
    averaged, weight, count = average
    return tuple(_flat(p) for p in averaged), float(weight), int(count)


def _targets(targets: torch.Tensor, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """(labels, values), both as long as the data: the kernel reads the one its loss needs."""
    samples = len(targets)
    if targets.is_floating_point():
        return np.zeros(samples, np.int64), targets.numpy()
    return targets.numpy(), np.zeros(samples, dtype)


def _widths(parameters: list[torch.Tensor]) -> np.ndarray:
    return np.array([parameters[0].shape[1]] + [p.shape[0] for p in parameters[::2]], np.int64)


def evaluate_network(
    parameters: list[torch.Tensor],
    activation: str,
    loss_kind: int,
    x: torch.Tensor,
    targets: torch.Tensor,
) -> tuple[float, float]:
    """(mean loss, accuracy) of the MLP on a whole set, as ``Trainer._measure`` (NaN accuracy
    for regression, NaN both for an empty set)."""
    if len(x) == 0:
        return math.nan, math.nan
    labels, values = _targets(targets, x.numpy().dtype)
    kernels.jit_kernels()
    loss, correct = kernels.evaluate(
        x.numpy(), labels, values, tuple(_flat(p) for p in parameters), _widths(parameters),
        ACTIVATION_CODES[activation], loss_kind,
    )  # fmt: skip
    if loss_kind == REGRESSION:
        return float(loss), math.nan
    return float(loss), int(correct) / len(x)


def loss_code(loss: str, task: str) -> int:
    if task == "regression":
        return REGRESSION
    return CROSS_ENTROPY if loss == "cross_entropy" else SOFTMAX_MSE


def warm_up(dtype: torch.dtype = torch.float32, layers: int = 3) -> float:
    """Compile (or load from numba's cache) the kernel for ``layers`` dense layers; seconds."""
    start = time.perf_counter()
    widths = [2] + [3] * (layers - 1) + [2]
    parameters = []
    for fan_in, fan_out in zip(widths, widths[1:], strict=False):
        parameters += [torch.zeros(fan_out, fan_in, dtype=dtype), torch.zeros(fan_out, dtype=dtype)]
    optimizer = torch.optim.SGD(parameters, lr=0.0)
    x = torch.zeros(4, 2, dtype=dtype)
    targets = torch.zeros(4, dtype=torch.int64)
    run_epoch(optimizer, parameters, "tanh", CROSS_ENTROPY, x, targets, torch.arange(4), 2)
    evaluate_network(parameters, "tanh", CROSS_ENTROPY, x, targets)
    return time.perf_counter() - start


_warming: dict[tuple[torch.dtype, int], threading.Thread] = {}
# Kernels loaded in this process, and why one could not be (numba's compiler or cache failing:
# a packaged app without the parts numba needs, a cache it cannot read...). Such a network
# trains on torch's update with that reason; it never fails the training.
_loaded: set[tuple[torch.dtype, int]] = set()
_load_failures: dict[tuple[torch.dtype, int], str] = {}


def _load_kernel(dtype: torch.dtype, layers: int) -> None:
    key = (dtype, layers)
    try:
        warm_up(dtype, layers)
    except Exception as error:  # reported as the fallback's reason, never raised into a run
        _load_failures[key] = (
            f"the compiled kernel could not be loaded ({error.__class__.__name__}: {error}): "
            "torch's update"
        )
    else:
        _loaded.add(key)


def kernel_problem(dtype: torch.dtype, layers: int) -> str | None:
    """None once the kernel for ``layers`` dense layers is loaded, loading it now (in this
    thread) if no thread has; else why it cannot be."""
    key = (dtype, layers)
    if key not in _loaded and key not in _load_failures:
        _load_kernel(dtype, layers)
    return _load_failures.get(key)


def still_loading(dtype: torch.dtype, layers: int) -> bool:
    """Whether a background warm-up of that kernel is still running (the trainer then trains
    this epoch with torch's update instead of waiting)."""
    thread = _warming.get((dtype, layers))
    return thread is not None and thread.is_alive()


def warm_up_in_background(dtype: torch.dtype, layers: int) -> None:
    """Start :func:`warm_up` in a thread (once per process, dtype and depth), so that the kernel
    loads while the page shows epoch 0; an epoch that comes first waits on numba's compiler
    lock. Not a daemon: the process's exit waits for it rather than tearing LLVM down under a
    compilation."""
    key = (dtype, layers)
    if not numba_available() or key in _warming:
        return
    _warming[key] = threading.Thread(
        target=_load_kernel, args=key, name="numba warm-up", daemon=False
    )
    _warming[key].start()

"""The numba kernels of :mod:`core.nets.compiled`: plain-Python loops over an epoch of updates
(forward, the hand-written backward, the gradient norm, torch.optim's documented update) and over
a data set's losses, jitted with ``numba.njit(cache=True)`` by :func:`jit_kernels` on first use.

Numbers only: the codes below say which activation, loss and optimizer; which settings may take
this path, the optimizer's state in torch's own tensors and the trainer's side are in
:mod:`core.nets.compiled`. Arithmetic is float64 whatever the weights' dtype.
"""

from __future__ import annotations

import math
import threading

import numpy as np

ACTIVATION_CODES = {"linear": 0, "relu": 1, "tanh": 2, "sigmoid": 3}
CROSS_ENTROPY, REGRESSION, SOFTMAX_MSE = 0, 1, 2
SGD, ADAGRAD, RMSPROP, ADAM, LECTURE_MOMENTUM, EMA_MOMENTUM, LECTURE_RMS = range(7)
STATE_SLOTS = 3  # per parameter: the most state tensors an optimizer keeps (Adam with amsgrad)


# --- the kernel ----------------------------------------------------------------------------------


def _activate(z, activation):
    if activation == 1:
        return z if z > 0.0 else 0.0
    if activation == 2:
        return math.tanh(z)
    if activation == 3:
        return 1.0 / (1.0 + math.exp(-z))
    return z


def _derivative(a, activation):
    """act'(z) from the output ``a = act(z)`` (as autograd's backward formulas write it)."""
    if activation == 1:
        return 1.0 if a > 0.0 else 0.0
    if activation == 2:
        return 1.0 - a * a
    if activation == 3:
        return a - a * a
    return 1.0


def _output_gradient(outputs, label, value, loss_kind, count, out):
    """d (batch-mean loss) / d outputs of one sample into ``out`` (core.nets.fast.loss_gradient)."""
    classes = outputs.shape[0]
    if loss_kind == REGRESSION:
        out[0] = (outputs[0] - value) * (2.0 / count)
        return
    top = outputs[0]
    for c in range(1, classes):
        top = max(top, outputs[c])
    total = 0.0
    for c in range(classes):
        out[c] = math.exp(outputs[c] - top)
        total += out[c]
    for c in range(classes):
        out[c] /= total
    if loss_kind == CROSS_ENTROPY:
        out[label] -= 1.0
        for c in range(classes):
            out[c] /= count
        return
    scale = 2.0 / (count * classes)  # softmax-MSE: mean over batch and classes
    inner = 0.0
    for c in range(classes):
        diff = out[c] - (1.0 if c == label else 0.0)
        inner += diff * scale * out[c]
    for c in range(classes):
        diff = out[c] - (1.0 if c == label else 0.0)
        out[c] = out[c] * (diff * scale - inner)


def _sgd(p, g, s0, hyper, fresh):
    """``fresh``: the momentum buffer was never written (torch starts it at the first gradient)."""
    lr, momentum, dampening, decay, nesterov = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    for e in range(p.shape[0]):
        d = g[e] + decay * p[e]
        if momentum != 0.0:
            buf = d if fresh else momentum * s0[e] + (1.0 - dampening) * d
            s0[e] = buf
            d = d + momentum * buf if nesterov != 0.0 else buf
        p[e] -= lr * d


def _adagrad(p, g, s0, hyper, t):
    lr, lr_decay, decay, eps = hyper[0], hyper[1], hyper[2], hyper[3]
    clr = lr / (1.0 + (t - 1.0) * lr_decay)
    for e in range(p.shape[0]):
        d = g[e] + decay * p[e]
        s0[e] += d * d
        p[e] -= clr * d / (math.sqrt(s0[e]) + eps)


def _rmsprop(p, g, s0, s1, s2, hyper):
    lr, alpha, eps, decay, momentum = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    centered = hyper[5] != 0.0
    for e in range(p.shape[0]):
        d = g[e] + decay * p[e]
        s0[e] = alpha * s0[e] + (1.0 - alpha) * d * d
        if centered:
            s2[e] += (1.0 - alpha) * (d - s2[e])
            avg = math.sqrt(s0[e] - s2[e] * s2[e]) + eps
        else:
            avg = math.sqrt(s0[e]) + eps
        if momentum > 0.0:
            s1[e] = momentum * s1[e] + d / avg
            p[e] -= lr * s1[e]
        else:
            p[e] -= lr * d / avg


def _adam(p, g, s0, s1, s2, hyper, t):
    """Adam, AdamW (``decoupled``) and the lecture's Adam (``corrected`` off)."""
    lr, beta1, beta2, eps, decay = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    amsgrad, decoupled, corrected = hyper[5] != 0.0, hyper[6] != 0.0, hyper[7] != 0.0
    step_size, root = lr, 1.0
    if corrected:
        step_size = lr / (1.0 - beta1**t)
        root = math.sqrt(1.0 - beta2**t)
    for e in range(p.shape[0]):
        if decoupled:
            p[e] *= 1.0 - lr * decay
            d = g[e]
        else:
            d = g[e] + decay * p[e]
        s0[e] += (1.0 - beta1) * (d - s0[e])
        s1[e] = beta2 * s1[e] + (1.0 - beta2) * d * d
        second = s1[e]
        if amsgrad:
            s2[e] = max(s2[e], s1[e])
            second = s2[e]
        p[e] -= step_size * s0[e] / (math.sqrt(second) / root + eps)


def _lecture(p, g, s0, s1, optimizer, hyper, t):
    """core.optim.lecture's momentum, EMA momentum and RMS."""
    lr = hyper[0]
    for e in range(p.shape[0]):
        if optimizer == LECTURE_MOMENTUM:
            s0[e] = hyper[1] * s0[e] - lr * g[e]
            p[e] += s0[e]
        elif optimizer == EMA_MOMENTUM:
            s0[e] = hyper[1] * s0[e] + (1.0 - hyper[1]) * g[e]
            p[e] -= lr * s0[e]
        else:
            s0[e] += g[e] * g[e]
            s1[e] = math.sqrt(s0[e] / t)
            p[e] -= lr * g[e] / (s1[e] + hyper[1])


def _update(p, g, s0, s1, s2, optimizer, hyper, t, fresh):
    """One parameter's update; ``t``: the update's number (1 for the first)."""
    if optimizer == SGD:
        _sgd(p, g, s0, hyper, fresh)
    elif optimizer == ADAGRAD:
        _adagrad(p, g, s0, hyper, t)
    elif optimizer == RMSPROP:
        _rmsprop(p, g, s0, s1, s2, hyper)
    elif optimizer == ADAM:
        _adam(p, g, s0, s1, s2, hyper, t)
    else:
        _lecture(p, g, s0, s1, optimizer, hyper, t)


def _forward(x, order, start, count, params, widths, offsets, activation, acts):
    layers = widths.shape[0] - 1
    for r in range(count):
        sample = order[start + r]
        for i in range(widths[0]):
            acts[r, i] = x[sample, i]
    for layer in range(layers):
        weight, bias = params[2 * layer], params[2 * layer + 1]
        fan_in, fan_out = widths[layer], widths[layer + 1]
        first, out = offsets[layer], offsets[layer + 1]
        for r in range(count):
            for o in range(fan_out):
                z = bias[o]
                for i in range(fan_in):
                    z += weight[o * fan_in + i] * acts[r, first + i]
                if layer < layers - 1:
                    z = _activate(z, activation)
                acts[r, out + o] = z


def _backward(count, params, widths, offsets, activation, acts, delta, spare, grad, grad_at):
    """The batch gradient into ``grad`` from the output gradient in ``delta``."""
    for layer in range(widths.shape[0] - 2, -1, -1):
        fan_in, fan_out, first = widths[layer], widths[layer + 1], offsets[layer]
        w_at, b_at = grad_at[2 * layer], grad_at[2 * layer + 1]
        for o in range(fan_out):
            total = 0.0
            for r in range(count):
                total += delta[r, o]
            grad[b_at + o] = total
            for i in range(fan_in):
                total = 0.0
                for r in range(count):
                    total += delta[r, o] * acts[r, first + i]
                grad[w_at + o * fan_in + i] = total
        if layer > 0:
            weight = params[2 * layer]
            for r in range(count):
                for i in range(fan_in):
                    total = 0.0
                    for o in range(fan_out):
                        total += delta[r, o] * weight[o * fan_in + i]
                    spare[r, i] = total * _derivative(acts[r, first + i], activation)
            delta, spare = spare, delta


def _layer_offsets(widths):
    """Where each layer's activations start in a row of ``acts`` (and the row's length last)."""
    layers = widths.shape[0] - 1
    offsets = np.zeros(layers + 2, np.int64)
    for layer in range(layers + 1):
        offsets[layer + 1] = offsets[layer] + widths[layer]
    return offsets


def train_epoch(
    x, labels, values, order, batch_size, params, states, widths, activation, loss_kind,
    optimizer, hyper, steps, fresh, ratio_sums, ratio_last, averaged, average_weight,
    averaged_count,
):  # fmt: skip
    """Train one epoch in place; returns (sum of the updates' gradient norms, updates). With
    ``ratio_sums`` and ``ratio_last`` of one entry per parameter (empty: not measured), each
    update's ||dw|| / ||w|| (``core.nets.ratios``: w before the update; 0 for no change, inf
    for a change of zeros) is added to ``ratio_sums``, the last one kept in ``ratio_last``.
    With ``average_weight`` >= 0, ``averaged`` (arrays like ``params``) is the exponential
    moving average after every update, as ``torch.optim.swa_utils.AveragedModel`` with
    ``get_ema_multi_avg_fn`` keeps it: a copy while ``averaged_count`` (its ``n_averaged``) is
    0, then ``lerp(averaged, params, average_weight)``; the count goes up by the updates."""
    measure = ratio_sums.shape[0] > 0
    layers = widths.shape[0] - 1
    offsets = _layer_offsets(widths)
    grad_at = np.zeros(2 * layers + 1, np.int64)
    for j in range(2 * layers):
        grad_at[j + 1] = grad_at[j] + params[j].shape[0]
    n = order.shape[0]
    rows = min(batch_size, n)
    acts = np.empty((rows, offsets[layers + 1]))
    delta = np.empty((rows, widths.max()))
    spare = np.empty((rows, widths.max()))
    grad = np.empty(grad_at[2 * layers])
    before = np.empty(grad_at[2 * layers] if measure else 0)
    classes, out = widths[layers], offsets[layers]
    norm_sum, updates = 0.0, 0
    for start in range(0, n, batch_size):
        count = min(batch_size, n - start)
        _forward(x, order, start, count, params, widths, offsets, activation, acts)
        for r in range(count):
            sample = order[start + r]
            _output_gradient(
                acts[r, out : out + classes], labels[sample], values[sample], loss_kind,
                count, delta[r, :classes],
            )  # fmt: skip
        _backward(count, params, widths, offsets, activation, acts, delta, spare, grad, grad_at)
        squares = 0.0
        for k in range(grad.shape[0]):
            squares += grad[k] * grad[k]
        norm_sum += math.sqrt(squares)
        updates += 1
        for j in range(2 * layers):
            s = STATE_SLOTS * j
            if measure:
                before[grad_at[j] : grad_at[j + 1]] = params[j]
            _update(
                params[j], grad[grad_at[j] : grad_at[j + 1]], states[s], states[s + 1],
                states[s + 2], optimizer, hyper, steps[j] + updates, fresh[j] != 0,
            )  # fmt: skip
            fresh[j] = 0
            if measure:
                ratio_last[j] = _update_ratio(params[j], before[grad_at[j] : grad_at[j + 1]])
                ratio_sums[j] += ratio_last[j]
        if average_weight >= 0.0:
            for j in range(2 * layers):
                _lerp(averaged[j], params[j], average_weight, averaged_count + updates - 1 == 0)
    return norm_sum, updates


def _lerp(averaged, current, weight, copy):
    """``averaged`` moved to ``current`` by ``weight`` as torch.lerp computes it (or a copy)."""
    for k in range(averaged.shape[0]):
        if copy:
            averaged[k] = current[k]
        elif weight < 0.5:
            averaged[k] = averaged[k] + weight * (current[k] - averaged[k])
        else:
            averaged[k] = current[k] - (current[k] - averaged[k]) * (1.0 - weight)


def _update_ratio(after, before):
    """||after - before|| / ||before||, as core.nets.ratios._ratio."""
    change, size = 0.0, 0.0
    for k in range(after.shape[0]):
        step = after[k] - before[k]
        change += step * step
        size += before[k] * before[k]
    if change == 0.0:
        return 0.0
    if size == 0.0:
        return math.inf
    return math.sqrt(change) / math.sqrt(size)


def evaluate(x, labels, values, params, widths, activation, loss_kind):
    """(mean loss, correctly classified samples) of the whole set, as ``Trainer._measure``."""
    n, chunk = x.shape[0], 64
    layers = widths.shape[0] - 1
    offsets = _layer_offsets(widths)
    order = np.arange(n)
    acts = np.empty((min(chunk, n), offsets[layers + 1]))
    classes, out = widths[layers], offsets[layers]
    total, correct = 0.0, 0
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        _forward(x, order, start, count, params, widths, offsets, activation, acts)
        for r in range(count):
            z = acts[r, out : out + classes]
            sample = start + r
            if loss_kind == REGRESSION:
                total += (z[0] - values[sample]) ** 2
                continue
            best = 0
            for c in range(1, classes):
                if z[c] > z[best]:  # the first of equal maxima, as argmax
                    best = c
            correct += best == labels[sample]
            shift, norm = z[best], 0.0
            for c in range(classes):
                norm += math.exp(z[c] - shift)
            if loss_kind == CROSS_ENTROPY:
                total += math.log(norm) - (z[labels[sample]] - shift)
                continue
            for c in range(classes):  # softmax-MSE: mean over the classes too
                p = math.exp(z[c] - shift) / norm
                target = 1.0 if c == labels[sample] else 0.0
                total += (p - target) * (p - target) / classes
    return total / n, correct


# The kernel's functions, jitted in place (module globals: a jitted function calls the others
# by their global names) by jit_kernels on first use.
_KERNEL_FUNCTIONS = (
    "_activate", "_derivative", "_output_gradient", "_sgd", "_adagrad", "_rmsprop", "_adam",
    "_lecture", "_update", "_update_ratio", "_lerp", "_layer_offsets", "_forward", "_backward",
    "train_epoch", "evaluate",
)  # fmt: skip
_jit_lock = threading.Lock()
_jitted = False


def jit_kernels() -> None:
    """``numba.njit(cache=True)`` every kernel function (once; uncached where numba finds no
    cache location, e.g. a frozen app without its sources)."""
    global _jitted
    with _jit_lock:
        if _jitted:
            return
        import numba

        for name in _KERNEL_FUNCTIONS:
            function = globals()[name]
            try:
                globals()[name] = numba.njit(cache=True)(function)
            except RuntimeError:  # "no locator available": nowhere to cache
                globals()[name] = numba.njit(function)
        _jitted = True

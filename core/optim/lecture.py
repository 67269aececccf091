r"""Optimizers written out the way the course notes write them.

Everything torch already has (SGD, Adagrad, RMSprop, Adam, AdamW, LBFGS) is used from
``torch.optim``; this module only holds the lecture's own variants, so that a student can see the
notes' formulas run and compare them with torch's versions:

=====================  ======================================================  =================
class                  update                                                  state keys
=====================  ======================================================  =================
``LectureMomentum``    m <- lambda m - eta g ;  theta <- theta + m             ``movement``
``EmaMomentum``        v <- beta v + (1 - beta) g ;  theta <- theta - eta v    ``velocity``
``RMS``                sigma_t = sqrt(sum_{i<=t} g_i^2 / (t+1)) ;              ``step``,
                       theta <- theta - eta g / (sigma_t + eps)                ``sum_sq``, ``sigma``
``LectureAdam``        Adam, bias correction switchable                        ``step``,
                                                                               ``exp_avg``,
                                                                               ``exp_avg_sq``
``Newton``             theta <- theta - eta (H + damping I)^{-1} g             ``hessian``,
                                                                               ``newton_direction``
=====================  ======================================================  =================

All of them are ``torch.optim.Optimizer`` subclasses: hyper-parameters live in ``param_groups``
(so learning-rate schedulers work), per-parameter state in ``self.state[p]`` and ``step`` takes an
optional closure like torch's. ``state["step"]`` is a plain ``int``: the number of steps taken.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.optim import Optimizer

Closure = Callable[[], torch.Tensor]


def _evaluate(closure: Closure | None) -> torch.Tensor | None:
    """Run a first-order closure (which calls ``backward`` itself) the way torch optimizers do."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


class LectureMomentum(Optimizer):
    r"""Momentum as a *movement* (notes, "Movement = last movement - current gradient").

    .. math::
        m_0 = 0, \qquad
        m_t = \lambda\, m_{t-1} - \eta\, g_t, \qquad
        \theta_t = \theta_{t-1} + m_t

    With a constant :math:`\eta` this is exactly ``torch.optim.SGD(lr=eta, momentum=lambda)``:
    torch keeps :math:`b_t = \lambda b_{t-1} + g_t` (with :math:`b_1 = g_1`) and steps
    :math:`-\eta b_t`, so :math:`m_t = -\eta\, b_t`. The two differ once :math:`\eta` changes during
    training (a schedule): here old steps keep the learning rate they were taken with.

    State: ``movement`` (:math:`m`, points downhill).
    """

    def __init__(self, params, lr: float, momentum: float = 0.9) -> None:
        _check(lr >= 0.0, f"invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"invalid momentum: {momentum}")
        super().__init__(params, {"lr": lr, "momentum": momentum})

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["movement"] = torch.zeros_like(p)
                m = state["movement"]
                m.mul_(group["momentum"]).add_(p.grad, alpha=-group["lr"])
                p.add_(m)
        return loss


class EmaMomentum(Optimizer):
    r"""Momentum as an exponential moving average of gradients (notes, Preview 3).

    .. math::
        v_0 = 0, \qquad
        v_t = \beta\, v_{t-1} + (1 - \beta)\, g_t, \qquad
        \theta_t = \theta_{t-1} - \eta\, v_t

    Equals ``torch.optim.SGD(lr=(1 - beta) * eta, momentum=beta)`` exactly (torch's buffer
    :math:`b_t = v_t / (1-\beta)`). It is *not* ``SGD(lr=eta, momentum=beta, dampening=beta)``
    (torch adds :math:`(1 - \text{dampening})\, g`, so ``dampening=beta`` is the EMA's weight):
    torch starts that buffer at :math:`b_1 = g_1` (no dampening on the first step), so
    :math:`b_t - v_t = \beta^t g_1`, a difference that fades but never vanishes.

    State: ``velocity`` (:math:`v`, gradient convention: points uphill).
    """

    def __init__(self, params, lr: float, beta: float = 0.9) -> None:
        _check(lr >= 0.0, f"invalid learning rate: {lr}")
        _check(0.0 <= beta < 1.0, f"invalid beta: {beta}")
        super().__init__(params, {"lr": lr, "beta": beta})

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["velocity"] = torch.zeros_like(p)
                v = state["velocity"]
                v.mul_(group["beta"]).add_(p.grad, alpha=1.0 - group["beta"])
                p.add_(v, alpha=-group["lr"])
        return loss


class RMS(Optimizer):
    r"""The notes' root mean square ("平方平均数", the idea behind Adagrad).

    .. math::
        \sigma_t = \sqrt{\frac{1}{t+1} \sum_{i=0}^{t} g_i^2}, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sigma_t + \epsilon}\, g_t

    :math:`t` counts from 0, so the first step divides by :math:`\sqrt{g_0^2} = |g_0|` and moves
    every coordinate by :math:`\eta`. Unlike Adagrad (which divides by the root of the *sum*), the
    mean does not shrink the step forever; it still reacts slowly because every past gradient
    weighs the same.

    State: ``step`` (steps taken, :math:`t+1`), ``sum_sq`` (:math:`\sum g_i^2`), ``sigma``.
    """

    def __init__(self, params, lr: float, eps: float = 1e-8) -> None:
        _check(lr >= 0.0, f"invalid learning rate: {lr}")
        _check(eps >= 0.0, f"invalid eps: {eps}")
        super().__init__(params, {"lr": lr, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g, state = p.grad, self.state[p]
                if not state:
                    state["step"] = 0
                    state["sum_sq"] = torch.zeros_like(p)
                state["step"] += 1
                state["sum_sq"].addcmul_(g, g)
                sigma = state["sigma"] = (state["sum_sq"] / state["step"]).sqrt_()
                p.addcdiv_(g, sigma + group["eps"], value=-group["lr"])
        return loss


class LectureAdam(Optimizer):
    r"""Adam = RMSProp + momentum, with the bias correction as a switch.

    .. math::
        g_t &\leftarrow g_t + \lambda\, \theta_{t-1} \quad (\text{weight\_decay } \lambda) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t  = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \qquad (m_0 = v_0 = 0) \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \ \text{if amsgrad else}\ v_t \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{m_t / (1-\beta_1^t)}
                    {\sqrt{\hat v_t / (1-\beta_2^t)} + \epsilon}
                    \qquad \text{(bias\_correction=True)} \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{m_t}{\sqrt{\hat v_t} + \epsilon}
                    \qquad \text{(bias\_correction=False)}

    With ``bias_correction=True`` this reproduces ``torch.optim.Adam`` (same operations, same
    order). Without it, :math:`m_t` and :math:`v_t` start biased toward 0; because the second
    moment's bias is larger, the first steps are *larger* than Adam's
    (:math:`(1-\beta_1)/\sqrt{1-\beta_2} \approx 3.16` times :math:`\eta` at step 1).

    State: ``step``, ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`) and, with amsgrad,
    ``max_exp_avg_sq`` -- torch's names.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        bias_correction: bool = True,
    ) -> None:
        _check(lr >= 0.0, f"invalid learning rate: {lr}")
        _check(eps >= 0.0, f"invalid eps: {eps}")
        _check(all(0.0 <= b < 1.0 for b in betas), f"invalid betas: {betas}")
        _check(weight_decay >= 0.0, f"invalid weight_decay: {weight_decay}")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "bias_correction": bias_correction,
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g, state = p.grad, self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p)
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                m.lerp_(g, 1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                if group["amsgrad"]:
                    v = torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                if group["bias_correction"]:
                    step_size = group["lr"] / (1 - beta1**t)
                    denom = (v.sqrt() / (1 - beta2**t) ** 0.5).add_(group["eps"])
                else:
                    step_size = group["lr"]
                    denom = v.sqrt().add_(group["eps"])
                p.addcdiv_(m, denom, value=-step_size)
        return loss


class Newton(Optimizer):
    r"""Newton's method with the exact (block-diagonal) Hessian.

    .. math::
        \theta_{t+1} = \theta_t - \eta\, (H_t + \delta I)^{-1} g_t,
        \qquad H_t = \nabla^2 L(\theta_t), \ \delta = \text{damping}

    **Rows are independent problems.** A parameter of shape ``(N, d)`` is treated as ``N``
    separate ``d``-dimensional problems (LossLab's surface lab: ``N`` start points on a 2D surface,
    the loss a sum over points that don't interact). Its Hessian is block-diagonal with ``N``
    blocks of ``d x d``, computed with ``d`` extra backward passes (row ``k`` of every block is the
    gradient of :math:`\sum_n g_{n,k}`). A 1-D parameter ``(d,)`` is one problem; other shapes
    use their last dimension as ``d``. Cross-row and cross-parameter curvature is ignored, so for
    a loss whose rows interact (e.g. a weight matrix) this is a block-diagonal approximation.

    **Singular systems never raise or produce NaN by themselves.** Where
    :math:`A = H + \delta I` cannot be solved for a row (``torch.linalg.solve_ex`` reports a zero
    pivot, or the solution is not finite), that row takes
    :math:`A^{+} g + (I - A^{+} A)\, g`: a Newton step in the curved subspace and a gradient step
    in the flat one. For :math:`A = 0` (the monkey saddle's origin) that is a plain gradient step.
    Nearly singular rows still get huge steps -- that is Newton's real behaviour; ``damping`` is
    the remedy. Pure Newton also heads for saddles and maxima (it seeks :math:`g = 0`).

    **Non-finite rows.** A row whose gradient or Hessian holds NaN or infinity has no Newton step:
    it moves to NaN (the engine then marks that point diverged and freezes it where it was),
    while the other rows step as usual.

    **Closure contract.** ``step(closure)`` *requires* a closure that re-evaluates the loss with
    grad enabled and returns it as a scalar tensor **without** calling ``backward()``, e.g.
    ``opt.step(lambda: surface(points).sum())``. The optimizer differentiates it twice itself and
    stores the gradient in ``p.grad``. Returns the loss before the step (detached).

    State: ``hessian`` (``p.shape[:-1] + (d, d)``), ``newton_direction``
    (:math:`(H + \delta I)^{-1} g`, shape of ``p``; the step is ``-lr`` times it), ``fallback``
    (bool per row: the system was singular).
    """

    def __init__(self, params, lr: float = 1.0, damping: float = 0.0) -> None:
        _check(lr >= 0.0, f"invalid learning rate: {lr}")
        _check(damping >= 0.0, f"invalid damping: {damping}")
        super().__init__(params, {"lr": lr, "damping": damping})

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor:
        if closure is None:
            raise RuntimeError(
                "Newton.step() needs a closure that re-evaluates the loss with grad enabled and "
                "returns it WITHOUT calling backward(), e.g. opt.step(lambda: f(x).sum())"
            )
        pairs = [(group, p) for group in self.param_groups for p in group["params"]]
        pairs = [(group, p) for group, p in pairs if p.requires_grad]
        params = [p for _, p in pairs]
        with torch.enable_grad():
            loss = closure()
            if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                raise RuntimeError("Newton's closure must return the loss as a scalar tensor")
            grads = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
            blocks = [_hessian_blocks(p, g) for p, g in zip(params, grads, strict=True)]
        for (group, p), (g, hessian) in zip(pairs, blocks, strict=True):
            d = hessian.shape[-1]
            eye = torch.eye(d, dtype=p.dtype, device=p.device)
            a = hessian.reshape(-1, d, d) + group["damping"] * eye
            direction, fallback = _solve_or_fallback(a, g.reshape(-1, d))
            direction = direction.reshape(p.shape)
            p.grad = g
            p.sub_(direction, alpha=group["lr"])
            state = self.state[p]
            state["hessian"] = hessian
            state["newton_direction"] = direction
            state["fallback"] = fallback.reshape(hessian.shape[:-2])
        return loss.detach()


def _hessian_blocks(p: torch.Tensor, g: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(grad, hessian)`` of one parameter: ``hessian[..., k, j] = d g[..., k] / d p[..., j]``."""
    d = p.shape[-1] if p.dim() else 1
    if g is None:  # the loss does not depend on p
        return torch.zeros_like(p), p.new_zeros(p.shape[:-1] + (d, d))
    rows = g.reshape(-1, d)
    hessian_rows = []
    for k in range(d):
        h = None
        if rows.requires_grad:  # a loss linear in p has a constant gradient with no graph
            (h,) = torch.autograd.grad(rows[:, k].sum(), p, retain_graph=True, allow_unused=True)
        hessian_rows.append(torch.zeros_like(p) if h is None else h.detach())
    hessian = torch.stack([h.reshape(-1, d) for h in hessian_rows], dim=1)
    return g.detach(), hessian.reshape(p.shape[:-1] + (d, d))


def _solve_or_fallback(a: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched ``a^{-1} g``; rows that can't be solved get ``a^+ g + (I - a^+ a) g``.

    A row whose ``a`` or ``g`` is not finite (NaN or infinite curvature: a start where the loss
    is undefined, or a kink such as ``sqrt(x^2)`` at 0) has no Newton step: its direction is NaN,
    so the point becomes non-finite and the engine marks it diverged. The other rows are solved
    as usual (the linear algebra never sees the bad rows, which would make it raise).
    """
    d = a.shape[-1]
    finite = torch.isfinite(a).all(dim=-1).all(dim=-1) & torch.isfinite(g).all(dim=-1)
    if not bool(finite.all()):
        eye = torch.eye(d, dtype=a.dtype, device=a.device)
        a = torch.where(finite[:, None, None], a, eye)
        g = torch.where(finite[:, None], g, torch.zeros((), dtype=g.dtype, device=g.device))
    solution, info = torch.linalg.solve_ex(a, g.unsqueeze(-1))
    solution = solution.squeeze(-1)
    fallback = ((info != 0) | ~torch.isfinite(solution).all(dim=-1)) & finite
    if fallback.any():
        a_bad, g_bad = a[fallback], g[fallback].unsqueeze(-1)
        pinv = torch.linalg.pinv(a_bad)
        newton_part = pinv @ g_bad
        flat_part = g_bad - pinv @ (a_bad @ g_bad)
        solution = solution.clone()
        solution[fallback] = (newton_part + flat_part).squeeze(-1)
    if not bool(finite.all()):
        solution = solution.masked_fill(~finite[:, None], float("nan"))
    return solution, fallback

"""Hand-written optimizers against the notes' formulas, the factory, and the state vocabulary."""

from __future__ import annotations

import inspect
import math

import pytest
import torch

from core.optim import (
    OPTIMIZER_CLASSES,
    OPTIMIZER_DEFAULTS,
    OPTIMIZER_NAMES,
    RMS,
    EmaMomentum,
    LectureAdam,
    LectureMomentum,
    Newton,
    build_optimizer,
    is_per_point,
    needs_closure,
    read_state,
)
from core.optim.factory import _LEFT_OUT, ENGINEERING_FLAGS

F64 = torch.float64
A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=F64)  # SPD, not diagonal
B = torch.tensor([1.0, -2.0], dtype=F64)
START = torch.tensor([[-1.5, 2.0], [0.5, -0.5], [2.0, 1.0]], dtype=F64)


def quadratic(p: torch.Tensor) -> torch.Tensor:
    """Per row: 0.5 x^T A x + b^T x; minimum at -A^{-1} b."""
    return 0.5 * ((p @ A) * p).sum(-1) + p @ B


def rosenbrock(p: torch.Tensor) -> torch.Tensor:
    x, y = p[..., 0], p[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def grad_of(loss, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(x).sum(), x)
    return g


def run(opt_factory, loss, steps: int, start: torch.Tensor = START) -> list[torch.Tensor]:
    """Positions after each of ``steps`` first-order steps."""
    p = start.clone().requires_grad_(True)
    opt = opt_factory([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss(p).sum().backward()
        opt.step()
        out.append(p.detach().clone())
    return out


def assert_paths_equal(a: list[torch.Tensor], b: list[torch.Tensor], rtol: float = 1e-12) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert torch.isfinite(x).all()
        torch.testing.assert_close(x, y, rtol=rtol, atol=1e-14)


SURFACES = [
    pytest.param(quadratic, 0.05, id="quadratic"),
    pytest.param(rosenbrock, 2e-4, id="rosen"),
]


# --- the notes' formulas, written independently ------------------------------------------------


def formula_lecture_momentum(loss, lr, lam, steps):
    theta, m, out = START.clone(), torch.zeros_like(START), []
    for _ in range(steps):
        m = lam * m - lr * grad_of(loss, theta)
        theta = theta + m
        out.append(theta)
    return out


def formula_ema_momentum(loss, lr, beta, steps):
    theta, v, out = START.clone(), torch.zeros_like(START), []
    for _ in range(steps):
        v = beta * v + (1 - beta) * grad_of(loss, theta)
        theta = theta - lr * v
        out.append(theta)
    return out


def formula_rms(loss, lr, eps, steps):
    theta, grads, out = START.clone(), [], []
    for t in range(steps):
        g = grad_of(loss, theta)
        grads.append(g)
        sigma = torch.sqrt(sum(gi**2 for gi in grads) / (t + 1))
        theta = theta - lr * g / (sigma + eps)
        out.append(theta)
    return out


def formula_adam(loss, lr, beta1, beta2, eps, steps, bias_correction):
    theta, m, v, out = START.clone(), torch.zeros_like(START), torch.zeros_like(START), []
    for t in range(1, steps + 1):
        g = grad_of(loss, theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        if bias_correction:
            theta = theta - lr * (m / (1 - beta1**t)) / (torch.sqrt(v / (1 - beta2**t)) + eps)
        else:
            theta = theta - lr * m / (torch.sqrt(v) + eps)
        out.append(theta)
    return out


@pytest.mark.parametrize("loss, lr", SURFACES)
@pytest.mark.parametrize("lam", [0.0, 0.5, 0.9])
def test_lecture_momentum_is_the_notes_formula(loss, lr, lam):
    got = run(lambda ps: LectureMomentum(ps, lr=lr, momentum=lam), loss, 12)
    assert_paths_equal(got, formula_lecture_momentum(loss, lr, lam, 12))


@pytest.mark.parametrize("loss, lr", SURFACES)
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_ema_momentum_is_the_notes_formula(loss, lr, beta):
    got = run(lambda ps: EmaMomentum(ps, lr=lr, beta=beta), loss, 12)
    assert_paths_equal(got, formula_ema_momentum(loss, lr, beta, 12))


@pytest.mark.parametrize("loss, lr", SURFACES)
@pytest.mark.parametrize("eps", [1e-8, 0.1])
def test_rms_is_the_notes_formula(loss, lr, eps):
    got = run(lambda ps: RMS(ps, lr=lr, eps=eps), loss, 12)
    assert_paths_equal(got, formula_rms(loss, lr, eps, 12))


def test_rms_first_step_divides_by_abs_gradient():
    (after,) = run(lambda ps: RMS(ps, lr=0.1, eps=0.0), quadratic, 1)
    expected = START - 0.1 * torch.sign(grad_of(quadratic, START))
    torch.testing.assert_close(after, expected)


def test_rms_state():
    p = START.clone().requires_grad_(True)
    opt = RMS([p], lr=0.01)
    g0 = grad_of(quadratic, p)
    p.grad = g0.clone()
    opt.step()
    g1 = grad_of(quadratic, p)
    p.grad = g1.clone()
    opt.step()
    state = opt.state[p]
    assert state["step"] == 2
    torch.testing.assert_close(state["sum_sq"], g0**2 + g1**2)
    torch.testing.assert_close(state["sigma"], torch.sqrt((g0**2 + g1**2) / 2))


@pytest.mark.parametrize("loss, lr", SURFACES)
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9)])
@pytest.mark.parametrize("bias_correction", [True, False])
def test_lecture_adam_is_the_formula(loss, lr, betas, bias_correction):
    factory = lambda ps: LectureAdam(ps, lr=lr, betas=betas, bias_correction=bias_correction)  # noqa: E731
    want = formula_adam(loss, lr, *betas, 1e-8, 12, bias_correction)
    assert_paths_equal(run(factory, loss, 12), want)


@pytest.mark.parametrize("extra", [{}, {"weight_decay": 0.1}, {"amsgrad": True}])
@pytest.mark.parametrize("impl", [{"foreach": False}, {"foreach": True}, {"fused": True}])
def test_lecture_adam_matches_torch_adam(extra, impl):
    kw = {"lr": 0.05, "betas": (0.8, 0.99), **extra}
    ours = run(lambda ps: LectureAdam(ps, **kw), rosenbrock, 20)
    torchs = run(lambda ps: torch.optim.Adam(ps, **kw, **impl), rosenbrock, 20)
    assert_paths_equal(ours, torchs, rtol=1e-13)


def test_lecture_adam_without_bias_correction_differs_from_adam():
    ours = run(lambda ps: LectureAdam(ps, lr=0.01, bias_correction=False), quadratic, 5)
    adam = run(lambda ps: torch.optim.Adam(ps, lr=0.01), quadratic, 5)
    assert not torch.allclose(ours[0], adam[0])
    # Step 1: m/sqrt(v) = (1-b1) g / (sqrt(1-b2) |g|), ~3.16 lr instead of Adam's lr.
    first = (ours[0] - START).abs()
    torch.testing.assert_close(first, torch.full_like(first, 0.01 * 0.1 / math.sqrt(0.001)))


# --- identities with torch's SGD ---------------------------------------------------------------


@pytest.mark.parametrize("lam, lr", [(0.9, 0.01), (0.5, 0.05)])
def test_lecture_momentum_equals_torch_sgd_momentum(lam, lr):
    """m_t = -eta b_t: the notes' movement form is torch's SGD with momentum."""
    ours = run(lambda ps: LectureMomentum(ps, lr=lr, momentum=lam), quadratic, 20)
    sgd = run(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=lam), quadratic, 20)
    assert_paths_equal(ours, sgd)


def test_ema_momentum_equals_sgd_with_scaled_lr():
    beta, lr = 0.9, 0.05
    ours = run(lambda ps: EmaMomentum(ps, lr=lr, beta=beta), quadratic, 20)
    sgd = run(lambda ps: torch.optim.SGD(ps, lr=(1 - beta) * lr, momentum=beta), quadratic, 20)
    assert_paths_equal(ours, sgd)


def test_ema_momentum_is_not_sgd_with_dampening():
    """torch's SGD adds ``(1 - dampening) g``, so the EMA is ``dampening=beta`` (not ``1-beta``),
    and even then torch's first buffer is b_1 = g_1 (undamped): b_t - v_t = beta^t g_1 forever."""
    beta, lr = 0.9, 0.05
    sgd = torch.optim.SGD
    g1 = grad_of(quadratic, START)
    ours = run(lambda ps: EmaMomentum(ps, lr=lr, beta=beta), quadratic, 3)
    wrong = run(lambda ps: sgd(ps, lr=lr, momentum=beta, dampening=1 - beta), quadratic, 3)
    damped = run(lambda ps: sgd(ps, lr=lr, momentum=beta, dampening=beta), quadratic, 3)
    torch.testing.assert_close(START - ours[0], lr * (1 - beta) * g1)
    torch.testing.assert_close(START - damped[0], lr * g1)
    assert not torch.allclose(ours[2], wrong[2]) and not torch.allclose(ours[2], damped[2])
    # Fed the same gradients, the dampened buffer and the EMA differ by exactly beta^t g_1.
    p, q = START.clone().requires_grad_(True), START.clone().requires_grad_(True)
    ema = EmaMomentum([p], lr=lr, beta=beta)
    sgd_opt = sgd([q], lr=lr, momentum=beta, dampening=beta)
    grads = [grad_of(rosenbrock, START + 0.1 * k) for k in range(6)]
    for t, g in enumerate(grads, start=1):
        p.grad, q.grad = g.clone(), g.clone()
        ema.step()
        sgd_opt.step()
        diff = sgd_opt.state[q]["momentum_buffer"] - ema.state[p]["velocity"]
        torch.testing.assert_close(diff, beta**t * grads[0])


# --- Newton ------------------------------------------------------------------------------------


def newton_step(opt: Newton, p: torch.Tensor, loss) -> torch.Tensor:
    return opt.step(lambda: loss(p).sum())


def test_newton_reaches_the_quadratic_minimum_in_one_step():
    p = START.clone().requires_grad_(True)
    opt = Newton([p])
    newton_step(opt, p, quadratic)
    minimum = -torch.linalg.solve(A, B)
    torch.testing.assert_close(p.detach(), minimum.expand_as(START))
    torch.testing.assert_close(opt.state[p]["hessian"], A.expand(3, 2, 2))
    assert opt.state[p]["newton_direction"].shape == START.shape
    assert not opt.state[p]["fallback"].any()


def test_newton_one_dimensional_parameter_in_3d():
    m = torch.tensor([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]], dtype=F64)
    c = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
    p = torch.zeros(3, dtype=F64, requires_grad=True)
    opt = Newton([p])
    newton_step(opt, p, lambda x: 0.5 * x @ m @ x - c @ x)
    torch.testing.assert_close(p.detach(), torch.linalg.solve(m, c))
    assert opt.state[p]["hessian"].shape == (3, 3)


def rosen_grad_hessian(x: float, y: float) -> tuple[torch.Tensor, torch.Tensor]:
    g = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
    h = [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]]
    return torch.tensor(g, dtype=F64), torch.tensor(h, dtype=F64)


@pytest.mark.parametrize("lr, damping", [(1.0, 0.0), (0.5, 0.0), (1.0, 10.0), (0.3, 100.0)])
def test_newton_on_rosenbrock_matches_hand_computed_step(lr, damping):
    p = START.clone().requires_grad_(True)
    opt = Newton([p], lr=lr, damping=damping)
    loss = newton_step(opt, p, rosenbrock)
    torch.testing.assert_close(loss, rosenbrock(START).sum())
    for row, (x, y) in enumerate(START.tolist()):
        g, h = rosen_grad_hessian(x, y)
        expected = START[row] - lr * torch.linalg.solve(h + damping * torch.eye(2, dtype=F64), g)
        torch.testing.assert_close(p[row].detach(), expected)
        torch.testing.assert_close(opt.state[p]["hessian"][row], h)
        torch.testing.assert_close(p.grad[row], g)


def test_newton_rows_are_independent():
    together = START.clone().requires_grad_(True)
    newton_step(Newton([together], damping=1.0), together, rosenbrock)
    for row in range(len(START)):
        alone = START[row : row + 1].clone().requires_grad_(True)
        newton_step(Newton([alone], damping=1.0), alone, rosenbrock)
        torch.testing.assert_close(together[row].detach(), alone[0].detach())


def monkey_saddle(p: torch.Tensor) -> torch.Tensor:
    x, y = p[..., 0], p[..., 1]
    return x**3 - 3 * x * y**2


def test_newton_singular_hessian_gives_no_nan():
    p = torch.tensor([[0.0, 0.0], [0.5, 0.2]], dtype=F64, requires_grad=True)
    opt = Newton([p])
    newton_step(opt, p, monkey_saddle)
    assert torch.isfinite(p).all()
    assert opt.state[p]["fallback"].tolist() == [True, False]
    torch.testing.assert_close(p[0].detach(), torch.zeros(2, dtype=F64))  # g = 0, H = 0
    # The regular row is an ordinary Newton step (toward the saddle: Newton seeks g = 0).
    torch.testing.assert_close(p[1].detach(), torch.tensor([0.25, 0.1], dtype=F64))


def test_newton_non_finite_hessian_rows_get_nan_and_the_others_step():
    """sqrt(x^2) has an infinite second derivative at its kink: that row has no Newton step (NaN,
    so the engine marks it diverged); the linear algebra does not raise for the whole batch."""
    p = torch.tensor([[0.0, 1.0], [2.0, 1.0], [-1.0, 3.0]], dtype=F64, requires_grad=True)
    opt = Newton([p])
    newton_step(opt, p, lambda q: torch.sqrt(q[..., 0] ** 2 * (q[..., 0] + 2)) + q[..., 1] ** 2)
    assert torch.isnan(p[0]).all()
    assert torch.isfinite(p[1:]).all()
    assert opt.state[p]["fallback"].tolist() == [False, False, False]
    # Row 2 on its own takes the same step as in the batch.
    alone = torch.tensor([[-1.0, 3.0]], dtype=F64, requires_grad=True)
    newton_step(
        Newton([alone]),
        alone,
        lambda q: torch.sqrt(q[..., 0] ** 2 * (q[..., 0] + 2)) + q[..., 1] ** 2,
    )
    torch.testing.assert_close(p[2].detach(), alone[0].detach())


def test_newton_flat_direction_uses_gradient_there():
    """f = x^2 + y: H = diag(2, 0). Newton in x (to 0), gradient step in the flat y."""
    p = torch.tensor([[1.0, 2.0], [-3.0, 0.0]], dtype=F64, requires_grad=True)
    opt = Newton([p], lr=0.5)
    newton_step(opt, p, lambda q: q[..., 0] ** 2 + q[..., 1])
    torch.testing.assert_close(p.detach(), torch.tensor([[0.5, 1.5], [-1.5, -0.5]], dtype=F64))
    assert opt.state[p]["fallback"].all()


def test_newton_linear_loss_is_a_gradient_step():
    p = torch.tensor([[1.0, 2.0]], dtype=F64, requires_grad=True)
    Newton([p], lr=0.1).step(lambda: (p[:, 0] - 2 * p[:, 1]).sum())
    torch.testing.assert_close(p.detach(), torch.tensor([[0.9, 2.2]], dtype=F64))


def test_newton_closure_contract():
    p = START.clone().requires_grad_(True)
    opt = Newton([p])
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()
    with pytest.raises(RuntimeError, match="scalar"):
        opt.step(lambda: rosenbrock(p))


# --- factory -----------------------------------------------------------------------------------


def closure_for(name, opt, p):
    if name == "newton":
        return lambda: quadratic(p).sum()

    def closure():
        opt.zero_grad()
        value = quadratic(p).sum()
        value.backward()
        return value

    return closure


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_build_and_step_every_optimizer(name):
    p = START.clone().requires_grad_(True)
    opt = build_optimizer(name, [p])
    assert isinstance(opt, torch.optim.Optimizer)
    before = quadratic(START).sum()
    for _ in range(5):
        if needs_closure(name):
            opt.step(closure_for(name, opt, p))
        else:
            closure_for(name, opt, p)()
            opt.step()
    assert torch.isfinite(p).all()
    assert quadratic(p.detach()).sum() < before


def test_build_optimizer_errors():
    p = [START.clone().requires_grad_(True)]
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'.*sgd.*newton"):
        build_optimizer("adamm", p)
    with pytest.raises(ValueError, match="momentumm.*valid: lr, momentum"):
        build_optimizer("sgd", p, momentumm=0.9)
    with pytest.raises(ValueError, match="fused"):
        build_optimizer("adam", p, fused=True)  # engineering flags are not hyper-parameters
    with pytest.raises(ValueError, match="unknown optimizer"):
        needs_closure("nope")


def test_build_optimizer_conversions():
    p = [START.clone().requires_grad_(True)]
    adam = build_optimizer("adam", p, lr=0.1, betas=[0.8, 0.9])
    assert type(adam) is torch.optim.Adam
    assert adam.param_groups[0]["betas"] == (0.8, 0.9)
    assert "bias_correction" not in adam.param_groups[0]
    raw = build_optimizer("adam", p, bias_correction=False, amsgrad=True)
    assert type(raw) is LectureAdam
    assert raw.param_groups[0]["amsgrad"] and not raw.param_groups[0]["bias_correction"]
    assert build_optimizer("sgd", p).param_groups[0]["lr"] == OPTIMIZER_DEFAULTS["sgd"]["lr"]
    assert build_optimizer("sgd", p).defaults["fused"]  # fastest on CPU


@pytest.mark.parametrize(
    "name, kw",
    [
        ("sgd", {"lr": 2e-4, "momentum": 0.9, "nesterov": True}),
        ("adagrad", {"lr": 0.5, "lr_decay": 0.01}),
        ("adam", {"lr": 0.05, "amsgrad": True}),
        ("adamw", {"lr": 0.05, "weight_decay": 0.1}),
    ],
)
def test_fused_build_matches_plain_torch(name, kw):
    built = run(lambda ps: build_optimizer(name, ps, **kw), rosenbrock, 20)
    plain = run(lambda ps: OPTIMIZER_CLASSES[name](ps, **kw, foreach=False), rosenbrock, 20)
    assert_paths_equal(built, plain, rtol=1e-13)


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"])
def test_defaults_table_follows_torch_signature(name):
    """A torch upgrade that renames or adds a hyper-parameter fails here."""
    signature = inspect.signature(OPTIMIZER_CLASSES[name].__init__).parameters
    torch_names = set(signature) - {"self", "params"} - ENGINEERING_FLAGS
    torch_names -= _LEFT_OUT.get(name, set())
    ours = set(OPTIMIZER_DEFAULTS[name]) - ({"bias_correction"} if name == "adam" else set())
    assert ours == torch_names
    for key in ours - {"lr"}:
        assert OPTIMIZER_DEFAULTS[name][key] == signature[key].default


def test_defaults_table_is_complete():
    assert tuple(OPTIMIZER_DEFAULTS) == OPTIMIZER_NAMES
    assert OPTIMIZER_DEFAULTS["lecture_momentum"] == {"lr": 0.01, "momentum": 0.9}
    assert OPTIMIZER_DEFAULTS["ema_momentum"] == {"lr": 0.01, "beta": 0.9}
    assert OPTIMIZER_DEFAULTS["rms"] == {"lr": 0.01, "eps": 1e-8}
    assert OPTIMIZER_DEFAULTS["newton"] == {"lr": 1.0, "damping": 0.0}
    assert OPTIMIZER_DEFAULTS["adam"]["bias_correction"] is True
    for table in OPTIMIZER_DEFAULTS.values():
        assert isinstance(table["lr"], float)


def test_closure_and_per_point_flags():
    assert {n for n in OPTIMIZER_NAMES if needs_closure(n)} == {"lbfgs", "newton", "sam"}
    assert {n for n in OPTIMIZER_NAMES if is_per_point(n)} == {"lbfgs", "sam"}


# --- read_state --------------------------------------------------------------------------------


def step_and_read(opt, p, loss, steps):
    grads = []
    for _ in range(steps):
        before = p.detach().clone()
        opt.zero_grad()
        loss(p).sum().backward()
        grad = p.grad.detach().clone()
        grads.append(grad)
        opt.step()
        state = read_state(opt, p, grad, p.detach() - before)
    return state, grads


VOCABULARY = {  # case: (optimizer, hyper-parameters, keys read_state returns)
    "sgd": ("sgd", {}, {"grad", "effective_lr", "update"}),
    "sgd_momentum": ("sgd", {"momentum": 0.9}, {"grad", "velocity", "effective_lr", "update"}),
    "adagrad": ("adagrad", {}, {"grad", "second_moment", "effective_lr", "update"}),
    "rmsprop": ("rmsprop", {}, {"grad", "second_moment", "effective_lr", "update"}),
    "rmsprop_momentum": (
        "rmsprop",
        {"momentum": 0.9},
        {"grad", "velocity", "second_moment", "effective_lr", "update"},
    ),
    "adam": ("adam", {}, {"grad", "velocity", "second_moment", "effective_lr", "update"}),
    "adam_raw": (
        "adam",
        {"bias_correction": False},
        {"grad", "velocity", "second_moment", "effective_lr", "update"},
    ),
    "adamw": ("adamw", {}, {"grad", "velocity", "second_moment", "effective_lr", "update"}),
    "lecture_momentum": ("lecture_momentum", {}, {"grad", "velocity", "effective_lr", "update"}),
    "ema_momentum": ("ema_momentum", {}, {"grad", "velocity", "effective_lr", "update"}),
    "rms": ("rms", {}, {"grad", "second_moment", "effective_lr", "update"}),
    "lbfgs": ("lbfgs", {}, {"grad", "update"}),
    "newton": ("newton", {}, {"grad", "update"}),
}


@pytest.mark.parametrize("case", VOCABULARY)
def test_read_state_vocabulary(case):
    name, hyper, keys = VOCABULARY[case]
    p = START.clone().requires_grad_(True)
    opt = build_optimizer(name, [p], **hyper)
    before = p.detach().clone()
    if needs_closure(name):
        opt.step(closure_for(name, opt, p))
    else:
        closure_for(name, opt, p)()
        opt.step()
    update = p.detach() - before
    state = read_state(opt, p, p.grad, update)
    assert set(state) == keys
    for value in state.values():
        assert value.shape == START.shape and not value.requires_grad
    torch.testing.assert_close(state["update"], update)
    if "velocity" in state:  # gradient convention: uphill, like the gradient at step 1
        assert (torch.sign(state["velocity"]) == torch.sign(state["grad"])).all()


def test_read_state_before_any_step_has_no_adaptive_keys():
    p = START.clone().requires_grad_(True)
    zero = torch.zeros_like(START)
    for name in ("adagrad", "adam", "rmsprop", "rms"):
        state = read_state(build_optimizer(name, [p]), p, zero, zero)
        assert set(state) == {"grad", "update"}, name


def test_read_state_adagrad_effective_lr_by_hand():
    p = START.clone().requires_grad_(True)
    lr, eps, decay, t = 0.3, 1e-10, 0.05, 4
    opt = build_optimizer("adagrad", [p], lr=lr, eps=eps, lr_decay=decay)
    state, grads = step_and_read(opt, p, rosenbrock, t)
    sum_sq = sum(g**2 for g in grads)
    torch.testing.assert_close(state["second_moment"], sum_sq)
    clr = lr / (1 + (t - 1) * decay)
    torch.testing.assert_close(state["effective_lr"], clr / (torch.sqrt(sum_sq) + eps))


@pytest.mark.parametrize("centered", [False, True])
def test_read_state_rmsprop_by_hand(centered):
    p = START.clone().requires_grad_(True)
    lr, alpha, eps = 0.01, 0.9, 1e-8
    opt = build_optimizer("rmsprop", [p], lr=lr, alpha=alpha, eps=eps, centered=centered)
    state, grads = step_and_read(opt, p, quadratic, 5)
    square_avg, grad_avg = torch.zeros_like(START), torch.zeros_like(START)
    for g in grads:
        square_avg = alpha * square_avg + (1 - alpha) * g**2
        grad_avg = alpha * grad_avg + (1 - alpha) * g
    sigma2 = square_avg - grad_avg**2 if centered else square_avg
    torch.testing.assert_close(state["second_moment"], sigma2)
    torch.testing.assert_close(state["effective_lr"], lr / (torch.sqrt(sigma2) + eps))
    torch.testing.assert_close(opt.state[p]["square_avg"], square_avg)


@pytest.mark.parametrize("bias_correction", [True, False])
def test_read_state_adam_by_hand(bias_correction):
    p = START.clone().requires_grad_(True)
    lr, (b1, b2), eps, t = 0.05, (0.8, 0.95), 1e-8, 6
    opt = build_optimizer("adam", [p], lr=lr, betas=(b1, b2), bias_correction=bias_correction)
    state, grads = step_and_read(opt, p, quadratic, t)
    m, v = torch.zeros_like(START), torch.zeros_like(START)
    for g in grads:
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
    sigma2 = v / (1 - b2**t) if bias_correction else v
    torch.testing.assert_close(state["velocity"], m)
    torch.testing.assert_close(state["second_moment"], sigma2)
    torch.testing.assert_close(state["effective_lr"], lr / (torch.sqrt(sigma2) + eps))
    if bias_correction:  # the documented identity: update = -effective_lr * velocity / (1-b1^t)
        torch.testing.assert_close(state["update"], -state["effective_lr"] * m / (1 - b1**t))


def test_read_state_momentum_conventions_agree():
    """LectureMomentum's -movement/lr is SGD's buffer; RMS gives sigma^2 = mean g^2."""
    p, q = START.clone().requires_grad_(True), START.clone().requires_grad_(True)
    lecture, _ = step_and_read(LectureMomentum([p], lr=0.02, momentum=0.8), p, quadratic, 5)
    sgd, _ = step_and_read(torch.optim.SGD([q], lr=0.02, momentum=0.8), q, quadratic, 5)
    torch.testing.assert_close(lecture["velocity"], sgd["velocity"])
    torch.testing.assert_close(lecture["update"], sgd["update"])
    r = START.clone().requires_grad_(True)
    rms, grads = step_and_read(RMS([r], lr=0.01), r, quadratic, 3)
    torch.testing.assert_close(rms["second_moment"], sum(g**2 for g in grads) / 3)


def test_read_state_uses_the_scheduled_lr():
    p = START.clone().requires_grad_(True)
    opt = build_optimizer("sgd", [p], lr=0.1)
    opt.param_groups[0]["lr"] = 0.025  # what a scheduler does
    state, _ = step_and_read(opt, p, quadratic, 1)
    torch.testing.assert_close(state["effective_lr"], torch.full_like(START, 0.025))


# --- the registry: one entry per optimizer, everything else derived ---------------------------


def test_every_derived_table_follows_the_registry():
    from core.optim import OPTIMIZER_RANGES, OPTIMIZERS, network_optimizers, optimizer_names

    assert optimizer_names() == OPTIMIZER_NAMES == tuple(OPTIMIZERS)
    for name, entry in OPTIMIZERS.items():
        assert OPTIMIZER_CLASSES[name] is entry.cls
        assert OPTIMIZER_DEFAULTS[name] == entry.defaults
        assert OPTIMIZER_RANGES[name] == entry.ranges
        assert needs_closure(name) is entry.needs_closure
        assert is_per_point(name) is entry.per_point
    assert network_optimizers() == tuple(n for n in OPTIMIZER_NAMES if n != "newton")


def test_a_dummy_entry_reaches_the_factory_validator_and_state_reader(monkeypatch):
    from core.limits import Range
    from core.optim import OPTIMIZER_RANGES, network_optimizers, optimizer_names, registry
    from core.optim.factory import check_hyper
    from core.scene import SceneError, parse_scene

    entry = registry.OptimizerEntry(
        "dummy",
        torch.optim.SGD,
        {"lr": registry.LR, "momentum": Range(0, 0.5)},
        left_out=frozenset({"dampening", "weight_decay", "nesterov"}),
        gui_lr=0.05,
        needs_closure=True,
        networks=False,
        state_reader=registry.OPTIMIZERS["sgd"].state_reader,
    )
    monkeypatch.setitem(registry.OPTIMIZERS, "dummy", entry)
    assert optimizer_names()[-1] == "dummy"
    assert "dummy" not in network_optimizers()
    assert OPTIMIZER_DEFAULTS["dummy"] == {"lr": 0.05, "momentum": 0.0}
    assert OPTIMIZER_RANGES["dummy"]["momentum"] == Range(0, 0.5)
    assert needs_closure("dummy") and not is_per_point("dummy")
    with pytest.raises(ValueError, match=r"momentum must be <= 0.5"):
        check_hyper("dummy", {"momentum": 0.7})
    with pytest.raises(ValueError, match="unknown hyper-parameter.*nesterov"):
        build_optimizer("dummy", [torch.zeros(2, requires_grad=True)], nesterov=True)

    # The factory builds it: two steps of heavy-ball SGD on 0.5 |x|^2 (gradient x).
    x = torch.tensor([1.0, -2.0], dtype=F64, requires_grad=True)
    opt = build_optimizer("dummy", [x], lr=0.1, momentum=0.5)
    assert isinstance(opt, torch.optim.SGD)
    x0 = x.detach().clone()
    for _ in range(2):
        opt.zero_grad()
        (0.5 * (x * x).sum()).backward()
        before = x.detach().clone()
        opt.step()
    # v1 = x0, x1 = 0.9 x0; v2 = 0.5 x0 + 0.9 x0 = 1.4 x0, x2 = 0.9 x0 - 0.14 x0 = 0.76 x0
    torch.testing.assert_close(x.detach(), 0.76 * x0)
    state = read_state(opt, x, x0 * 0.9, x.detach() - before)
    torch.testing.assert_close(state["velocity"], 1.4 * x0)
    torch.testing.assert_close(state["effective_lr"], torch.full_like(x0, 0.1))

    # The scene validator knows it, with its ranges.
    def scene(**hyper):
        run = {"optimizer": {"name": "dummy", "lr": 0.1, **hyper}, "start": [0, 0]}
        return parse_scene({"runs": [run]})

    assert scene().runs[0].optimizer.name == "dummy"
    with pytest.raises(SceneError, match="momentum"):
        scene(momentum=0.9)
    monkeypatch.delitem(registry.OPTIMIZERS, "dummy")
    with pytest.raises(SceneError, match="unknown optimizer"):
        scene()

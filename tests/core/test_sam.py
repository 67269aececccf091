"""SAM (core.optim.sam): the step against the paper's formula, rho = 0 against its base, the
registry entry, the state it records for drawing, and the race on the sharp-vs-flat surface."""

import numpy as np
import pytest
import torch

from core.engine import PointRun, RunConfig, run_to_end
from core.optim import build_optimizer, is_per_point, needs_closure, read_state
from core.optim.factory import OPTIMIZER_DEFAULTS, check_hyper
from core.optim.sam import SAM
from core.surfaces.library import builtin_surface

F64 = torch.float64
A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=F64)  # symmetric positive definite


def quadratic(w: torch.Tensor) -> torch.Tensor:
    return 0.5 * w @ A @ w


def closure_for(optimizer: torch.optim.Optimizer, w: torch.Tensor, fn=quadratic):
    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = fn(w)
        value.backward()
        return value

    return closure


def test_one_step_equals_the_closed_form_on_a_quadratic():
    lr, rho = 0.1, 0.3
    w0 = torch.tensor([1.0, -2.0], dtype=F64)
    w = w0.clone().requires_grad_(True)
    optimizer = build_optimizer("sam", [w], lr=lr, rho=rho)
    loss = optimizer.step(closure_for(optimizer, w))
    g = A @ w0
    expected = w0 - lr * A @ (w0 + rho * g / torch.linalg.vector_norm(g))
    torch.testing.assert_close(w.detach(), expected, rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(loss, quadratic(w0))  # the loss before the step
    # what the Surface Lab draws: the ascent step and the point the second gradient came from
    state = optimizer.state[w]
    torch.testing.assert_close(state["ascent"], rho * g / torch.linalg.vector_norm(g))
    torch.testing.assert_close(state["ascent_point"], w0 + state["ascent"])
    read = read_state(optimizer, w, g, w.detach() - w0)
    torch.testing.assert_close(read["ascent"], state["ascent"])
    assert torch.linalg.vector_norm(read["ascent"]) == pytest.approx(rho)
    assert set(read) == {"grad", "effective_lr", "update", "ascent"}  # SGD's keys and the ascent


def run_steps(optimizer: torch.optim.Optimizer, w: torch.Tensor, steps: int) -> torch.Tensor:
    path = []
    for _ in range(steps):
        optimizer.step(closure_for(optimizer, w, rosenbrock))
        path.append(w.detach().clone())
    return torch.stack(path)


def rosenbrock(w: torch.Tensor) -> torch.Tensor:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


@pytest.mark.parametrize(
    "hyper, base",
    [
        ({"lr": 1e-3, "momentum": 0.9}, lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9)),
        ({"lr": 0.01, "base": "adam"}, lambda ps: torch.optim.Adam(ps, lr=0.01)),
    ],
)
def test_rho_zero_is_the_base_optimizer_exactly(hyper, base):
    start = torch.tensor([-1.2, 1.0], dtype=F64)
    w_sam = start.clone().requires_grad_(True)
    w_base = start.clone().requires_grad_(True)
    sam = build_optimizer("sam", [w_sam], rho=0.0, **hyper)
    plain = base([w_base])
    sam_path = run_steps(sam, w_sam, 30)
    base_path = run_steps(plain, w_base, 30)
    assert torch.equal(sam_path, base_path)
    assert (sam_path[-1] - start).abs().max() > 1e-3  # it moved


def test_rho_positive_differs_from_the_base_and_uses_the_momentum():
    start = torch.tensor([-1.2, 1.0], dtype=F64)
    w = start.clone().requires_grad_(True)
    sam = build_optimizer("sam", [w], lr=1e-3, rho=0.05, momentum=0.9)
    assert isinstance(sam.base_optimizer, torch.optim.SGD)
    assert sam.param_groups[0]["momentum"] == 0.9
    run_steps(sam, w, 3)
    assert "momentum_buffer" in sam.base_optimizer.state[w]
    w_sgd = start.clone().requires_grad_(True)
    run_steps(torch.optim.SGD([w_sgd], lr=1e-3, momentum=0.9), w_sgd, 3)
    assert (w.detach() - w_sgd.detach()).abs().max() > 1e-4


def test_registry_entry_and_validation():
    assert OPTIMIZER_DEFAULTS["sam"] == {"lr": 0.01, "rho": 0.05, "base": "sgd", "momentum": 0.0}
    assert needs_closure("sam") and is_per_point("sam")
    with pytest.raises(ValueError, match="rho must be >= 0"):
        check_hyper("sam", {"rho": -0.1})
    with pytest.raises(ValueError, match="base must be one of"):
        check_hyper("sam", {"base": "lbfgs"})
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="momentum is SGD's"):
        build_optimizer("sam", [w], base="adam", momentum=0.9)
    with pytest.raises(RuntimeError, match="needs a closure"):
        build_optimizer("sam", [w]).step()


def test_a_scheduler_changes_the_base_optimizers_lr():
    w = torch.zeros(2, requires_grad=True)
    sam = SAM([w], lr=0.1, rho=0.05, base_optimizer=torch.optim.SGD)
    scheduler = torch.optim.lr_scheduler.StepLR(sam, step_size=1, gamma=0.5)
    sam.step(closure_for(sam, w, lambda v: (v - 1).square().sum()))
    scheduler.step()
    assert sam.base_optimizer.param_groups[0]["lr"] == pytest.approx(0.05)


# The race of the issue: on the built-in sharp-vs-flat surface, from starts on the sharp side of
# the saddle, SGD with momentum settles in the sharp well and SAM around the same SGD in the flat
# one. Plain SAM (no momentum) stalls on the ridge by the saddle instead: a point whose ascent
# lands on the saddle has a zero SAM gradient.
RACE = {"lr": 0.05, "momentum": 0.9}
RACE_RHO = 0.2
RACE_STEPS = 400
SHARP, FLAT = np.array([-1.5, 1.0]), np.array([1.5, -0.8])


@pytest.mark.parametrize("t", [0.1, 0.2])
def test_sam_ends_in_the_flat_basin_where_sgd_ends_in_the_sharp_one(t):
    surface = builtin_surface("two_basins")
    start = SHARP + t * (FLAT - SHARP)  # on the segment, before the saddle (t = 0.24)
    ends = {}
    for name, hyper in (("sgd", RACE), ("sam", {**RACE, "rho": RACE_RHO})):
        config = RunConfig(name, hyper, [start.tolist()], steps=RACE_STEPS)
        ends[name] = run_to_end(PointRun(surface, config))[-1].positions[0]
    assert np.linalg.norm(ends["sgd"] - SHARP) < 1e-3
    assert np.linalg.norm(ends["sam"] - FLAT) < 0.3

"""OPTIMIZER_RANGES: every hyper-parameter has a valid range; inside it an optimizer builds and
steps, outside it (and for strings and booleans) build_optimizer names the parameter."""

from __future__ import annotations

import math

import pytest
import torch

from core.limits import Range
from core.optim import OPTIMIZER_DEFAULTS, build_optimizer, needs_closure
from core.optim.factory import LBFGS_MAX_HISTORY, LBFGS_MAX_ITER, OPTIMIZER_RANGES, check_hyper


def test_every_numeric_hyper_parameter_has_a_range_that_holds_its_default():
    assert set(OPTIMIZER_RANGES) == set(OPTIMIZER_DEFAULTS)
    for name, defaults in OPTIMIZER_DEFAULTS.items():
        for key, default in defaults.items():
            if isinstance(default, bool | str) or default is None:  # choices: OPTIMIZER_CHOICES
                continue
            assert key in OPTIMIZER_RANGES[name], (name, key)
            values = default if isinstance(default, tuple) else (default,)
            for value in values:
                assert OPTIMIZER_RANGES[name][key].problem(value) is None, (name, key, value)


def _edges(valid: Range) -> list[float]:
    low = valid.low if valid.low is not None else 0.0
    high = valid.high if valid.high is not None else 1e3
    if valid.integer:
        return [int(low), int(high)]
    return [low + 1e-9 if valid.low_open else low, high - 1e-9 if valid.high_open else high]


def _sweep():
    for name, ranges in OPTIMIZER_RANGES.items():
        for key, valid in ranges.items():
            for value in _edges(valid):
                yield name, key, value


def _step(name: str, opt: torch.optim.Optimizer, p: torch.Tensor) -> None:
    def loss() -> torch.Tensor:
        return ((p - 1.0) ** 2).sum() + (p**4).sum()

    if needs_closure(name):
        newton = name == "newton"

        def closure() -> torch.Tensor:
            opt.zero_grad()
            value = loss()
            if not newton:
                value.backward()
            return value

        opt.step(closure)
    else:
        opt.zero_grad()
        loss().backward()
        opt.step()


@pytest.mark.parametrize(("name", "key", "value"), list(_sweep()))
def test_the_ends_of_every_range_build_and_step(name, key, value):
    p = torch.tensor([[0.5, -0.5]], dtype=torch.float64, requires_grad=True)
    default = OPTIMIZER_DEFAULTS[name][key]
    hyper = {key: [value, value] if isinstance(default, tuple) else value}
    if name == "sgd" and key == "momentum":
        hyper["dampening"] = 0.0
    opt = build_optimizer(name, [p], **hyper)
    for _ in range(3):
        _step(name, opt, p)
    assert p.shape == (1, 2)  # no exception; values may diverge at an extreme lr, that is fine


@pytest.mark.parametrize(
    ("name", "hyper", "match"),
    [
        ("lbfgs", {"history_size": 0}, r"history_size must be >= 1 \(an integer in \[1, 200\]\)"),
        ("lbfgs", {"history_size": LBFGS_MAX_HISTORY + 1}, "history_size must be <= 200"),
        ("lbfgs", {"max_iter": 0}, "max_iter must be >= 1"),
        ("lbfgs", {"max_iter": LBFGS_MAX_ITER + 1}, "max_iter must be <= 100"),
        ("lbfgs", {"max_iter": 10**9}, "max_iter must be <= 100"),
        ("lbfgs", {"max_iter": 20.5}, "max_iter must be an integer"),
        ("lbfgs", {"max_eval": 10**9}, r"unknown hyper-parameter\(s\) max_eval"),
        ("lbfgs", {"tolerance_grad": -1.0}, "tolerance_grad must be >= 0"),
        ("lbfgs", {"line_search_fn": "wolfe"}, "line_search_fn must be one of"),
        ("sgd", {"lr": -0.1}, "lr must be >= 0"),
        ("sgd", {"momentum": 1.0}, "momentum must be < 1"),
        ("sgd", {"momentum": "0.9"}, "momentum must be a number, not a string: '0.9'"),
        ("sgd", {"lr": "0.1"}, "lr must be a number, not a string"),
        ("sgd", {"weight_decay": True}, "weight_decay must be a number, not true/false"),
        ("sgd", {"nesterov": 1}, "nesterov must be true or false"),
        ("adam", {"eps": 0.0}, "eps must be > 0"),
        ("adam", {"betas": [0.9]}, "betas must be a list of 2 numbers"),
        ("adam", {"betas": [0.9, "0.999"]}, r"betas\[1\] must be a number, not a string"),
        ("adam", {"betas": [1.0, 0.999]}, r"betas\[0\] must be < 1"),
        ("adam", {"bias_correction": "no"}, "bias_correction must be true or false"),
        ("adagrad", {"lr_decay": -0.1}, "lr_decay must be >= 0"),
        ("rmsprop", {"alpha": 1.5}, "alpha must be <= 1"),
        ("rms", {"eps": 0.0}, "eps must be > 0"),
        ("ema_momentum", {"beta": 1.0}, "beta must be < 1"),
        ("newton", {"damping": -1.0}, "damping must be >= 0"),
        ("sgd", {"momentum": math.inf}, "momentum must be finite"),
    ],
)
def test_values_outside_their_range_are_refused_by_name(name, hyper, match):
    p = torch.zeros(1, 2, requires_grad=True)
    with pytest.raises(ValueError, match=match):
        build_optimizer(name, [p], **hyper)
    with pytest.raises(ValueError, match=match):
        check_hyper(name, hyper)


def test_betas_may_be_written_as_integers():
    """JSON writes 0.0 as 0; torch refuses betas that are not both floats."""
    p = torch.zeros(1, 2, requires_grad=True)
    opt = build_optimizer("adam", [p], lr=0.1, betas=[0, 1 - 1e-3])
    assert opt.param_groups[0]["betas"] == (0.0, 0.999)
    assert all(type(b) is float for b in opt.param_groups[0]["betas"])


def test_lbfgs_counts_may_be_integral_floats_and_reach_torch_as_integers():
    p = torch.zeros(1, 2, requires_grad=True)
    opt = build_optimizer("lbfgs", [p], max_iter=30.0, history_size=10.0)
    group = opt.param_groups[0]
    assert (group["max_iter"], group["history_size"], group["max_eval"]) == (30, 10, 37)
    assert all(type(group[k]) is int for k in ("max_iter", "history_size", "max_eval"))


def test_lbfgs_history_size_0_is_what_torch_cannot_run():
    """Why the range starts at 1: torch builds it, then fails in the first step."""
    p = torch.tensor([-1.5, 2.0], requires_grad=True)
    opt = torch.optim.LBFGS([p], history_size=0, max_iter=20)

    def closure():
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2  # Rosenbrock
        loss.backward()
        return loss

    with pytest.raises(IndexError):
        opt.step(closure)

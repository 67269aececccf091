"""Learning-rate schedules against their closed forms, and preview_lr against a real run."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import torch

from core.optim import build_optimizer
from core.schedules import (
    SCHEDULE_DEFAULTS,
    SCHEDULE_NAMES,
    TORCH_SCHEDULERS,
    build_scheduler,
    preview_lr,
)

LR = 0.1


def close(got: np.ndarray, want) -> None:
    np.testing.assert_allclose(got, np.asarray(want, dtype=float), rtol=1e-12, atol=1e-15)


def cosine(t, lr, t_max, eta_min=0.0):
    return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * np.asarray(t) / t_max)) / 2


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_constant():
    close(preview_lr(None, LR, 50), np.full(50, LR))
    close(preview_lr({"name": "constant"}, LR, 50), np.full(50, LR))


def test_step():
    t = np.arange(40)
    close(preview_lr({"name": "step", "step_size": 7, "gamma": 0.5}, LR, 40), LR * 0.5 ** (t // 7))
    close(preview_lr({"name": "step"}, LR, 40), LR * 0.1 ** (t // 10))  # step_size: total/4


def test_exponential():
    t = np.arange(60)
    close(preview_lr({"name": "exponential", "gamma": 0.95}, LR, 60), LR * 0.95**t)


def test_cosine():
    t = np.arange(100)
    close(preview_lr({"name": "cosine"}, LR, 100), cosine(t, LR, 100))  # T_max: total
    got = preview_lr({"name": "cosine", "T_max": 30, "eta_min": 0.01}, LR, 31)
    close(got, cosine(t[:31], LR, 30, 0.01))
    assert got[-1] == pytest.approx(0.01)


def test_warmup_then_cosine():
    w, total, start = 10, 100, 0.01
    got = preview_lr(
        {"name": "warmup", "warmup_steps": w, "start_factor": start, "then": {"name": "cosine"}},
        LR,
        total,
    )
    t = np.arange(total)
    warm = LR * (start + (1 - start) * t[:w] / w)
    close(got[:w], warm)
    close(got[w:], cosine(t[w:] - w, LR, total - w))  # the nested count restarts at w
    assert got[w] == pytest.approx(LR)


def test_warmup_defaults_to_constant():
    got = preview_lr({"name": "warmup"}, LR, 50)  # warmup_steps: total/10, start_factor 0.01
    close(got[:5], LR * (0.01 + 0.99 * np.arange(5) / 5))
    close(got[5:], np.full(45, LR))


@pytest.mark.parametrize(
    "then",
    [
        {"name": "constant"},
        {"name": "step", "step_size": 4, "gamma": 0.5},
        {"name": "exponential", "gamma": 0.9},
        {"name": "cosine"},
        {"name": "cosine_restarts", "T_0": 5, "T_mult": 2},
        {"name": "inverse_sqrt", "warmup_steps": 3},
    ],
)
def test_warmup_runs_the_nested_schedule_from_zero(then):
    w, total = 6, 40
    got = preview_lr({"name": "warmup", "warmup_steps": w, "then": then}, LR, total)
    close(got[w:], preview_lr(then, LR, total - w))


def test_cosine_restarts():
    got = preview_lr({"name": "cosine_restarts", "T_0": 10, "eta_min": 0.001}, LR, 35)
    t = np.arange(35)
    close(got, cosine(t % 10, LR, 10, 0.001))
    assert got[10] == pytest.approx(LR) and got[9] < 0.01  # the restart
    got = preview_lr({"name": "cosine_restarts", "T_0": 4, "T_mult": 2}, LR, 28)
    close(got[:4], cosine(np.arange(4), LR, 4))
    close(got[4:12], cosine(np.arange(8), LR, 8))  # second period twice as long
    close(got[12:28], cosine(np.arange(16), LR, 16))


def test_onecycle_shape():
    total, pct = 100, 0.3
    got = preview_lr({"name": "onecycle", "pct_start": pct}, LR, total)
    peak = round(pct * total) - 1  # torch's phase 1 ends at step pct*total - 1
    assert int(np.argmax(got)) == peak
    assert got[peak] == pytest.approx(LR)  # max_lr: the optimizer's lr
    assert got[0] == pytest.approx(LR / 25)
    assert got[-1] == pytest.approx(LR / 25 / 1e4)
    assert (np.diff(got[: peak + 1]) > 0).all() and (np.diff(got[peak:]) < 0).all()
    # cos annealing: halfway through phase 1 the lr is halfway between start and peak
    config = {"name": "onecycle", "max_lr": 1.0, "div_factor": 10.0, "pct_start": 0.5}
    mid = preview_lr(config, LR, 42)  # phase 1 ends at step 0.5 * 42 - 1 = 20
    assert mid[10] == pytest.approx((0.1 + 1.0) / 2)


def test_inverse_sqrt():
    w = 8
    got = preview_lr({"name": "inverse_sqrt", "warmup_steps": w}, LR, 100)
    t1 = np.arange(100) + 1
    close(got, LR * np.minimum(t1 / w, np.sqrt(w / t1)))
    assert int(np.argmax(got)) == w - 1 and got[w - 1] == pytest.approx(LR)


CONFIGS = [
    None,
    {"name": "step", "step_size": 5, "gamma": 0.7},
    {"name": "exponential", "gamma": 0.97},
    {"name": "cosine", "eta_min": 0.001},
    {"name": "warmup", "warmup_steps": 7, "then": {"name": "cosine"}},
    {"name": "cosine_restarts", "T_0": 9, "T_mult": 2},
    {"name": "onecycle", "pct_start": 0.25, "cycle_momentum": True},
    {"name": "inverse_sqrt", "warmup_steps": 5},
]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("config", CONFIGS)
def test_preview_matches_a_real_run(optimizer, config):
    steps, lr = 60, 0.05
    p = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    opt = build_optimizer(
        optimizer, [p], lr=lr, **({"momentum": 0.9} if optimizer == "sgd" else {})
    )
    scheduler = build_scheduler(opt, config, steps)
    seen = []
    for _ in range(steps):
        seen.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        (p**2).sum().backward()
        opt.step()
        scheduler.step()
    close(preview_lr(config, lr, steps), seen)


def test_onecycle_momentum_cycling_only_where_there_is_momentum():
    p = torch.zeros(1, 2, requires_grad=True)
    plain = build_optimizer("sgd", [p], lr=0.1)  # momentum 0: torch would switch it on
    build_scheduler(plain, {"name": "onecycle", "cycle_momentum": True}, 10)
    assert plain.param_groups[0]["momentum"] == 0
    adam = build_optimizer("adam", [p], lr=0.1)
    build_scheduler(adam, {"name": "onecycle", "cycle_momentum": True}, 10)
    assert adam.param_groups[0]["betas"][0] == pytest.approx(0.95)
    adam = build_optimizer("adam", [p], lr=0.1)
    build_scheduler(adam, {"name": "onecycle"}, 10)  # off by default
    assert adam.param_groups[0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize(
    "config, match",
    [
        ({"name": "cosinus"}, "unknown schedule 'cosinus'.*constant"),
        ({"name": "step", "stepsize": 3}, "stepsize.*valid: step_size, gamma"),
        ({"name": "constant", "gamma": 0.5}, "gamma.*valid: none"),
        ({"step_size": 3}, "name"),
        ("cosine", "name"),
        ({"name": "step", "step_size": 0}, "step_size must be >= 1"),
        ({"name": "cosine", "T_max": 2.5}, "T_max must be an integer"),
        ({"name": "onecycle", "total_steps": 10}, "shorter than the run"),
        ({"name": "onecycle", "anneal_strategy": "quadratic"}, "anneal_strategy"),
        ({"name": "warmup", "then": {"name": "onecycle"}}, "cannot be followed"),
        ({"name": "warmup", "then": {"name": "nope"}}, "unknown schedule 'nope'"),
        ({"name": "warmup", "start_factor": 0.0}, "factor"),
    ],
)
def test_bad_configs_raise_value_error(config, match):
    with pytest.raises(ValueError, match=match):
        preview_lr(config, LR, 20)


def test_bad_steps():
    with pytest.raises(ValueError):
        preview_lr(None, LR, -1)
    assert preview_lr(None, LR, 0).shape == (0,)
    p = torch.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="total_steps"):
        build_scheduler(torch.optim.SGD([p], lr=0.1), None, 0)


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_tiny_runs_work_with_defaults(name, steps):
    got = preview_lr({"name": name}, LR, steps)
    assert got.shape == (steps,) and np.isfinite(got).all() and (got > 0).all()


def test_defaults_use_torch_names():
    assert tuple(SCHEDULE_DEFAULTS) == SCHEDULE_NAMES
    ours_only = {"warmup_steps", "then", "cycle_momentum"}  # cycle_momentum is torch's too
    for name, params in SCHEDULE_DEFAULTS.items():
        torch_params = set(inspect.signature(TORCH_SCHEDULERS[name].__init__).parameters)
        for key in params:
            assert key in torch_params or key in ours_only, (name, key)
    assert "cycle_momentum" in inspect.signature(TORCH_SCHEDULERS["onecycle"].__init__).parameters
    assert SCHEDULE_DEFAULTS["cosine"] == {"T_max": None, "eta_min": 0.0}


def test_preview_is_the_lr_not_a_view():
    got = preview_lr({"name": "cosine"}, 1.0, 3)
    assert got.dtype == np.float64
    assert math.isclose(got[1], (1 + math.cos(math.pi / 3)) / 2)


# --- ranges: every parameter has one, and everything inside it runs to the end -----------------


def test_every_numeric_parameter_has_a_range_that_holds_its_default():
    from core.schedules import SCHEDULE_RANGES

    assert set(SCHEDULE_RANGES) == set(SCHEDULE_DEFAULTS)
    for name, params in SCHEDULE_DEFAULTS.items():
        for key, default in params.items():
            if isinstance(default, bool | dict | str):
                continue
            assert key in SCHEDULE_RANGES[name], (name, key)
            if default is not None:
                assert SCHEDULE_RANGES[name][key].problem(default) is None, (name, key)


def _edges(valid):
    """Valid values at and near both ends of a range (a small stand-in for no upper end)."""
    low = valid.low if valid.low is not None else -10.0
    high = valid.high if valid.high is not None else 1e6
    if valid.integer:
        return sorted({int(low), int(low) + 1, int(low) + 2, int(high)})
    tiny = 1e-12
    return [
        low + tiny if valid.low_open else low,
        (low + high) / 2 if high < 1e6 else low + 1,
        high - tiny if valid.high_open else high,
    ]


def _sweep():
    from core.schedules import SCHEDULE_RANGES

    for name, ranges in SCHEDULE_RANGES.items():
        for key, valid in ranges.items():
            for value in _edges(valid):
                yield name, key, value


@pytest.mark.parametrize(("name", "key", "value"), list(_sweep()))
def test_every_value_in_range_builds_or_says_why_and_then_runs_to_the_end(name, key, value):
    """The engine steps the scheduler once after every one of a run's steps: whatever the
    builder accepts must survive all of them (torch's OneCycleLR used to divide by zero there)."""
    for steps in range(1, 13):
        p = torch.zeros(1, 2, requires_grad=True)
        opt = build_optimizer("adam", [p], lr=0.1)
        try:
            scheduler = build_scheduler(opt, {"name": name, key: value}, steps)
        except ValueError:
            continue  # refused with a message (e.g. a onecycle shorter than the run)
        for _ in range(steps):
            opt.step()
            scheduler.step()
        assert math.isfinite(opt.param_groups[0]["lr"])


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"name": "onecycle", "pct_start": 1.0}, "pct_start must be < 1"),
        ({"name": "onecycle", "pct_start": 0.25, "total_steps": 4}, "phase of length 0"),
        ({"name": "onecycle", "div_factor": 0}, "div_factor must be > 0"),
        ({"name": "onecycle", "final_div_factor": 0.0}, "final_div_factor must be > 0"),
        ({"name": "onecycle", "max_lr": -1}, "max_lr must be > 0"),
        ({"name": "step", "gamma": 0}, "gamma must be > 0"),
        ({"name": "exponential", "gamma": 1.5}, "gamma must be <= 1"),
        ({"name": "cosine", "eta_min": -0.1}, "eta_min must be >= 0"),
        ({"name": "cosine_restarts", "T_mult": 10**6}, "T_mult must be <= 1000"),
        ({"name": "step", "step_size": 10**12}, "step_size must be <= 1000000000"),
        ({"name": "warmup", "start_factor": 1.5}, "start_factor must be <= 1"),
        ({"name": "step", "gamma": "0.5"}, "gamma must be a number, not a string"),
        ({"name": "step", "step_size": "5"}, "step_size must be an integer, not a string"),
        ({"name": "exponential", "gamma": True}, "gamma must be a number, not true/false"),
        ({"name": "onecycle", "cycle_momentum": "yes"}, "cycle_momentum must be true or false"),
        ({"name": "onecycle", "anneal_strategy": 1}, "anneal_strategy must be one of"),
        ({"name": "warmup", "then": {"name": "step", "gamma": "x"}}, "then: gamma must be"),
    ],
)
def test_values_outside_the_ranges_are_refused_by_name(config, match):
    p = torch.zeros(1, 2, requires_grad=True)
    with pytest.raises(ValueError, match=match):
        build_scheduler(build_optimizer("sgd", [p], lr=0.1), config, 4)


def test_onecycle_with_pct_start_1_would_have_failed_at_the_last_step():
    """What the range prevents: torch accepts pct_start=1.0, and divides by zero at the run's
    last scheduler step (a 2-step preview never reached it)."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5, pct_start=1.0)
    with pytest.raises(ZeroDivisionError):
        for _ in range(5):
            opt.step()
            scheduler.step()


def test_check_schedule_checks_the_real_length_without_stepping():
    import time

    from core.schedules import check_schedule

    check_schedule({"name": "onecycle", "pct_start": 0.5}, 100)
    with pytest.raises(ValueError, match="phase of length 0"):
        check_schedule({"name": "onecycle", "pct_start": 0.5}, 2)
    with pytest.raises(ValueError, match="shorter than the run"):
        check_schedule({"name": "onecycle", "total_steps": 50}, 100)
    check_schedule({"name": "onecycle", "total_steps": 50}, 0)  # parameters only
    started = time.process_time()
    check_schedule({"name": "onecycle"}, 100_000)
    assert time.process_time() - started < 0.5  # preview_lr of the same length takes seconds


# --- the registry: one entry per schedule -----------------------------------------------------


def _halving_entry():
    from core.limits import Range
    from core.schedules import ScheduleEntry

    def build(optimizer, p, total_steps, auto):
        every = auto("every", total_steps // 2)
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=every, gamma=0.5)

    return ScheduleEntry(
        "halving",
        torch.optim.lr_scheduler.StepLR,
        {"every": None},
        build,
        {"every": Range(1, 50, integer=True)},
    )


def test_a_new_schedule_entry_reaches_the_builder_validator_and_tables(monkeypatch):
    from core import schedules
    from core.scene import SceneError, parse_scene
    from core.schedules import SCHEDULE_CHOICES, SCHEDULE_RANGES, check_schedule, schedule_names

    monkeypatch.setitem(schedules.SCHEDULES, "halving", _halving_entry())
    assert schedule_names()[-1] == "halving"
    assert SCHEDULE_DEFAULTS["halving"] == {"every": None}
    assert SCHEDULE_RANGES["halving"]["every"].high == 50
    assert "halving" in SCHEDULE_CHOICES["warmup"]["then"]  # it may follow a warm-up
    # closed form: lr * 0.5^floor(t / every); "auto" every = steps // 2
    np.testing.assert_allclose(
        preview_lr({"name": "halving", "every": 3}, 1.0, 7), [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    )
    np.testing.assert_allclose(preview_lr({"name": "halving"}, 2.0, 4), [2, 2, 1, 1])
    warm = preview_lr({"name": "warmup", "warmup_steps": 2, "then": {"name": "halving"}}, 1.0, 6)
    np.testing.assert_allclose(warm[2:], [1, 1, 0.5, 0.5])
    with pytest.raises(ValueError, match="every"):
        check_schedule({"name": "halving", "every": 51}, 10)
    run = {"optimizer": {"name": "sgd", "lr": 0.1}, "start": [0, 0], "steps": 10}
    scene = parse_scene({"runs": [{**run, "schedule": {"name": "halving", "every": 5}}]})
    assert scene.runs[0].schedule.name == "halving"
    with pytest.raises(SceneError, match="every"):
        parse_scene({"runs": [{**run, "schedule": {"name": "halving", "every": 0}}]})
    monkeypatch.delitem(schedules.SCHEDULES, "halving")
    with pytest.raises(ValueError, match="unknown schedule"):
        check_schedule({"name": "halving"}, 10)

"""The GUI thread's checks (``check_optimizer``, ``check_schedule``, ``preview_lr``, scene
validation) give the verdicts and values of the real builds, and never import ``torch._dynamo``
(whose import, on the first optimizer construction or step, holds the GIL for about a second)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from core.optim import OPTIMIZERS, build_optimizer, check_optimizer, optimizer_names
from core.scene import parse_scene
from core.schedules import (
    SCHEDULE_DEFAULTS,
    _count,
    _params,
    _ProbeSGD,
    build_scheduler,
    check_schedule,
    preview_lr,
)

REPO = Path(__file__).resolve().parents[2]

# Bad values of every kind, for every optimizer (a key it lacks gives the unknown-key verdict).
BAD_HYPER = [
    {"lr": -1.0},
    {"lr": "0.1"},
    {"lr": True},
    {"momentum": 1.5},
    {"momentum": -0.1},
    {"nesterov": True},  # momentum 0
    {"nesterov": True, "momentum": 0.9, "dampening": 0.5},
    {"dampening": 1.5},
    {"betas": [0.9, 1.0]},
    {"betas": [-0.1, 0.999]},
    {"betas": [0.9]},
    {"betas": "0.9"},
    {"eps": 0.0},
    {"eps": -1e-8},
    {"weight_decay": -1.0},
    {"alpha": 2.0},
    {"lr_decay": -1.0},
    {"initial_accumulator_value": -1.0},
    {"amsgrad": 1},
    {"bias_correction": False, "betas": [1.0, 0.9]},
    {"bias_correction": False, "eps": -1.0},
    {"max_iter": 0},
    {"history_size": 1000},
    {"line_search_fn": "wolfe"},
    {"beta": 1.0},
    {"damping": -1.0},
    {"rho": -0.5},
    {"base": "adam", "momentum": 0.5},
    {"base": "lbfgs"},
    {"no_such_key": 1.0},
]
# Passing values: every branch of the preparation (int casts, betas as floats, SAM's bases).
GOOD_HYPER = [
    {"momentum": 0.9, "nesterov": True},
    {"betas": [0, 0]},
    {"bias_correction": False},
    {"max_iter": 20.0, "history_size": 10.0},
    {"base": "adam"},
    {"lr": 0.0},
]


def _verdict(action) -> tuple[str, str] | None:
    try:
        action()
    except Exception as error:  # the verdict under test: its kind and message
        return type(error).__name__, str(error)
    return None


def _build_verdict(name: str, hyper: dict) -> tuple[str, str] | None:
    return _verdict(lambda: build_optimizer(name, [torch.zeros(1, 2, requires_grad=True)], **hyper))


def _assert_same_verdicts(name: str, cases: list[dict]) -> list[tuple[str, str] | None]:
    verdicts = []
    for hyper in cases:
        expected = _build_verdict(name, hyper)
        assert _verdict(lambda h=hyper: check_optimizer(name, **h)) == expected, (name, hyper)
        verdicts.append(expected)
    return verdicts


@pytest.mark.parametrize("name", optimizer_names())
def test_check_optimizer_gives_build_optimizers_verdict(name: str) -> None:
    assert check_optimizer(name) is None
    assert _build_verdict(name, {}) is None
    verdicts = _assert_same_verdicts(name, BAD_HYPER + GOOD_HYPER)
    assert all(verdicts[: len(BAD_HYPER)])  # every bad value is refused, by both


@pytest.mark.parametrize("name", optimizer_names())
def test_check_optimizer_runs_the_optimizers_own_checks(name: str, monkeypatch) -> None:
    """Without the registry's ranges, the verdicts are the optimizer classes' own (torch's,
    the lecture's, SAM's base's): ``check_optimizer`` constructs them, it does not guess."""
    monkeypatch.setitem(OPTIMIZERS, name, dataclasses.replace(OPTIMIZERS[name], ranges={}))
    _assert_same_verdicts(name, BAD_HYPER)
    # The class's message (torch's "Invalid ...", the lecture's "invalid ..."), not the range's.
    kind, message = _verdict(lambda: check_optimizer(name, lr=-1.0))
    assert (kind, message.lower()) == ("ValueError", "invalid learning rate: -1.0")


def test_sam_checks_its_base_optimizer(monkeypatch) -> None:
    monkeypatch.setitem(OPTIMIZERS, "sam", dataclasses.replace(OPTIMIZERS["sam"], ranges={}))
    with pytest.raises(ValueError, match=r"^Invalid momentum value: -0\.1$"):  # SGD's, the base
        check_optimizer("sam", momentum=-0.1)
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1\.0$"):
        check_optimizer("sam", base="adam", lr=-1.0)  # Adam's, the base
    with pytest.raises(ValueError, match="invalid rho"):  # SAM's own, before the base's
        check_optimizer("sam", rho=-1.0, lr=-1.0)


def test_unknown_optimizer_says_so() -> None:
    expected = _build_verdict("nope", {})
    assert expected is not None and "unknown optimizer" in expected[1]
    assert _verdict(lambda: check_optimizer("nope")) == expected


# --- schedules ---------------------------------------------------------------------------------


def _reference_preview(config: dict | None, lr: float, steps: int) -> np.ndarray:
    """``preview_lr`` as it was: the scheduler on a real ``torch.optim.SGD``."""
    steps = _count("steps", steps, minimum=0)
    out = np.empty(steps)
    if steps == 0:
        return out
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = build_scheduler(optimizer, config, steps)
    optimizer.step()
    for t in range(steps):
        out[t] = float(optimizer.param_groups[0]["lr"])
        if t + 1 < steps:
            scheduler.step()
    return out


SCHEDULE_CASES = [None, *({"name": name} for name in SCHEDULE_DEFAULTS)] + [
    {"name": "step", "step_size": 3, "gamma": 0.5},
    {"name": "cosine", "T_max": 7, "eta_min": 0.01},
    {"name": "cosine_restarts", "T_0": 5, "T_mult": 2},
    {"name": "onecycle", "cycle_momentum": True, "anneal_strategy": "linear"},
    {"name": "onecycle", "max_lr": 0.5, "pct_start": 0.5, "total_steps": 500},
    {"name": "inverse_sqrt", "warmup_steps": 4},
    {"name": "warmup", "warmup_steps": 5, "then": {"name": "cosine"}},
    {"name": "warmup", "start_factor": 0.5, "then": {"name": "step", "step_size": 2}},
    {"name": "warmup", "then": {"name": "inverse_sqrt"}},
    {"name": "warmup", "then": None},
]


@pytest.mark.parametrize("config", SCHEDULE_CASES, ids=str)
def test_preview_lr_equals_the_real_sgds(config: dict | None) -> None:
    for lr, steps in ((0.1, 200), (0.03, 7), (1.0, 2)):
        expected = _reference_preview(config, lr, steps)
        np.testing.assert_array_equal(preview_lr(config, lr, steps), expected)


def test_probe_param_group_equals_torchs() -> None:
    """The probe's group holds what torch's SGD's does (the schedulers read and write it)."""
    real = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    probe = _ProbeSGD(0.2)
    for optimizer in (real, probe):
        build_scheduler(optimizer, {"name": "onecycle", "cycle_momentum": True}, 50)
    (real_group,), (probe_group,) = real.param_groups, probe.param_groups
    assert sorted(probe_group) == sorted(real_group)
    assert {k: v for k, v in probe_group.items() if k != "params"} == {
        k: v for k, v in real_group.items() if k != "params"
    }
    assert probe.defaults == real.defaults


BAD_SCHEDULES = [
    ({"name": "nope"}, 100, 0.1),
    ({"name": "step", "gamma": 0.0}, 100, 0.1),
    ({"name": "step", "extra": 1}, 100, 0.1),
    ({"name": "onecycle", "total_steps": 50}, 100, 0.1),
    ({"name": "onecycle", "pct_start": 0.01}, 100, 0.1),
    ({"name": "onecycle", "pct_start": 0.0}, 100, 0.1),
    ({"name": "warmup", "then": {"name": "onecycle"}}, 100, 0.1),
    ({"name": "warmup", "then": {"name": "cosine", "T_max": 0}}, 100, 0.1),
    ({"name": "cosine"}, 100, -1.0),  # torch's SGD refuses the lr
    ({"name": "cosine"}, 0.5, 0.1),
    ({"name": "cosine"}, 100, 0.1),  # passes
    ({"name": "cosine", "T_max": -1}, 0, 0.1),  # no run length: the parameters alone
    ({"name": "cosine"}, 0, 0.1),
]


@pytest.mark.parametrize(("config", "total", "lr"), BAD_SCHEDULES, ids=str)
def test_check_schedule_gives_the_real_sgds_verdict(config: dict, total, lr: float) -> None:
    def reference() -> None:  # check_schedule as it was
        if _count("total_steps", total, minimum=0) == 0:
            _params(config)
            return
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
        build_scheduler(optimizer, config, total)

    assert _verdict(lambda: check_schedule(config, total, lr)) == _verdict(reference)
    assert _verdict(lambda: preview_lr(config, lr, total)) == _verdict(
        lambda: _reference_preview(config, lr, total)
    )


def test_checks_never_import_dynamo() -> None:
    """In a fresh interpreter (this one has torch._dynamo already): every check, preview and a
    scene's validation leave it out; building a real optimizer then brings it in (so the
    probe is able to see it)."""
    script = textwrap.dedent(
        """
        import sys
        import core.optim, core.scene, core.scene_fields, core.schedules
        from core.optim import check_optimizer, optimizer_names
        from core.schedules import SCHEDULE_DEFAULTS, check_schedule, preview_lr
        for name in optimizer_names():
            check_optimizer(name)
            for bad in ({"lr": -1.0}, {"nesterov": True}, {"rho": -1.0}):
                try:
                    check_optimizer(name, **bad)
                except ValueError:
                    pass
        for name in SCHEDULE_DEFAULTS:
            check_schedule({"name": name}, 100)
            preview_lr({"name": name}, 0.1, 100)
        core.scene.parse_scene({})
        core.scene.parse_scene({"format": 1, "surface": {"formula": "x**2 + y**2"},
                                "runs": [{"optimizer": {"name": "adam", "lr": 0.1},
                                          "schedule": {"name": "warmup"}, "start": [1, 1],
                                          "steps": 50}]})
        print("after checks:", "torch._dynamo" in sys.modules)
        import torch
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        print("after a real SGD:", "torch._dynamo" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["after checks: False", "after a real SGD: True"]


def test_scene_validation_keeps_the_messages() -> None:
    run = {"optimizer": {"name": "sgd", "lr": 0.1, "nesterov": True}, "start": [1, 1]}
    scene = {"format": 1, "surface": {"formula": "x**2 + y**2"}, "runs": [run]}
    with pytest.raises(ValueError, match=r"runs\[0\]\.optimizer.*Nesterov momentum requires a"):
        parse_scene(scene)

"""Drawn surfaces: a base plus Gaussian bumps and dips."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import time

import pytest
import torch

from core.surfaces.drawn import Bump, bump_from_dict, bump_to_dict, drawn_surface

BUMPS = (
    Bump(x=0.5, y=-1.0, height=1.5, width=0.4),
    Bump(x=-1.2, y=0.8, height=-2.0, width=0.7),
    Bump(x=2.0, y=2.0, height=0.3, width=1.5),
)


def _formula(bumps, x: float, y: float, base: str = "bowl", strength: float = 0.1) -> float:
    total = strength * (x * x + y * y) if base == "bowl" else 0.0
    for b in bumps:
        d2 = (x - b.x) ** 2 + (y - b.y) ** 2
        total += b.height * math.exp(-d2 / (2 * b.width**2))
    return total


def _at(surface, x: float, y: float, dtype=torch.float64) -> float:
    return float(surface(torch.tensor([[x, y]], dtype=dtype))[0])


def _random_bumps(n: int, seed: int = 0) -> list[Bump]:
    rng = random.Random(seed)
    return [
        Bump(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-1, 1), rng.uniform(0.05, 0.6))
        for _ in range(n)
    ]


@pytest.mark.parametrize(("base", "strength"), [("bowl", 0.1), ("bowl", 0.35), ("flat", 0.1)])
def test_values_match_the_formula(base, strength):
    s = drawn_surface(BUMPS, base=base, bowl_strength=strength)
    for x, y in [(0.0, 0.0), (0.5, -1.0), (-1.2, 0.8), (2.7, -2.9), (-0.3, 1.1)]:
        assert _at(s, x, y) == pytest.approx(_formula(BUMPS, x, y, base, strength), abs=1e-12)


def test_surface_metadata():
    s = drawn_surface(BUMPS)
    assert s.name == "drawn"
    assert s.title == {"en": "Drawn surface", "zh": "手绘曲面"}
    assert s.note["en"].strip() and s.note["zh"].strip()
    assert s.x_range == (-3.0, 3.0) and s.y_range == (-3.0, 3.0)
    assert s.critical_points == ()
    custom = drawn_surface(BUMPS, x_range=(-5, 1), y_range=(0, 2.5))
    assert custom.x_range == (-5.0, 1.0) and custom.y_range == (0.0, 2.5)


def test_critical_points_only_for_the_plain_bowl():
    (c,) = drawn_surface([]).critical_points
    assert (c.x, c.y, c.kind) == (0.0, 0.0, "minimum")
    assert drawn_surface([], base="flat").critical_points == ()
    assert drawn_surface([], x_range=(1.0, 2.0)).critical_points == ()  # origin out of view
    assert drawn_surface(BUMPS[:1]).critical_points == ()


def test_dip_lowers_the_loss_by_its_height():
    dip = Bump(x=1.0, y=-0.5, height=-0.8, width=0.3)
    far = Bump(x=-2.5, y=2.5, height=1.0, width=0.2)
    for base in ("bowl", "flat"):
        without = drawn_surface([far], base=base)
        with_dip = drawn_surface([far, dip], base=base)
        drop = _at(without, dip.x, dip.y) - _at(with_dip, dip.x, dip.y)
        assert drop == pytest.approx(0.8, abs=1e-9)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_shape_and_gradient(dtype):
    s = drawn_surface(BUMPS)
    p = torch.tensor([[0.1, -0.7], [-1.0, 1.0], [2.5, 2.5]], dtype=dtype, requires_grad=True)
    out = s(p)
    assert out.shape == (3,) and out.dtype == dtype and out.requires_grad
    (g,) = torch.autograd.grad(out.sum(), p)
    # Analytic gradient: 2 k p - sum_k h_k e_k (p - c_k) / w_k^2.
    ref = torch.zeros(3, 2, dtype=torch.float64)
    for i, (x, y) in enumerate(p.detach().double().tolist()):
        gx, gy = 0.2 * x, 0.2 * y
        for b in BUMPS:
            e = b.height * math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.width**2))
            gx -= e * (x - b.x) / b.width**2
            gy -= e * (y - b.y) / b.width**2
        ref[i] = torch.tensor([gx, gy], dtype=torch.float64)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert torch.allclose(g.double(), ref, rtol=tol, atol=tol)


def test_hessian_at_a_lone_dip():
    # A dip of height -h and width w on a flat base has Hessian (h / w^2) I at its centre.
    s = drawn_surface([Bump(0.3, 0.4, -2.0, 0.5)], base="flat")
    h = torch.autograd.functional.hessian(
        lambda q: s(q.unsqueeze(0)).squeeze(0), torch.tensor([0.3, 0.4], dtype=torch.float64)
    )
    assert torch.allclose(h, 8.0 * torch.eye(2, dtype=torch.float64), atol=1e-12)


def test_empty_and_flat_keep_the_graph():
    p = torch.tensor([[0.5, 0.5]], dtype=torch.float64, requires_grad=True)
    out = drawn_surface([], base="flat")(p)
    assert out.requires_grad and float(out.detach()[0]) == 0.0
    (g,) = torch.autograd.grad(out.sum(), p)
    assert float(g.abs().max()) == 0.0
    assert float(drawn_surface([], bowl_strength=0.5)(p.detach())[0]) == pytest.approx(0.25)


def test_large_batch_paths_agree():
    """The in-place no-grad path (large batches) equals the autograd path."""
    bumps = _random_bumps(200, seed=1)
    s = drawn_surface(bumps)
    gen = torch.Generator().manual_seed(0)
    p = torch.rand(3000, 2, generator=gen, dtype=torch.float64) * 6 - 3
    with torch.no_grad():
        fast64 = s(p)
        fast32 = s(p.float())
    slow64 = s(p.clone().requires_grad_(True)).detach()
    assert torch.allclose(fast64, slow64, rtol=0, atol=1e-12)
    assert fast32.dtype == torch.float32
    assert torch.allclose(fast32.double(), slow64, atol=1e-4)
    for i in (0, 1234, 2999):
        x, y = p[i].tolist()
        assert float(fast64[i]) == pytest.approx(_formula(bumps, x, y), abs=1e-12)


def test_500_bumps_on_a_512_grid():
    s = drawn_surface(_random_bumps(500, seed=2))
    s.grid(32)  # warm-up
    start = time.perf_counter()
    xs, ys, z = s.grid(512)
    elapsed = time.perf_counter() - start
    print(f"\n500 bumps x 512x512 grid (float32): {elapsed:.3f} s")
    assert z.shape == (512, 512) and z.dtype == torch.float32
    assert torch.isfinite(z).all()
    bumps = _random_bumps(500, seed=2)
    for i, j in [(0, 0), (100, 400), (511, 511), (256, 17)]:
        ref = _formula(bumps, float(xs[j]), float(ys[i]))
        assert float(z[i, j]) == pytest.approx(ref, abs=1e-4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 0.0),
        ("width", -0.5),
        ("width", float("nan")),
        ("width", float("inf")),
        ("height", float("nan")),
        ("x", float("inf")),
        ("y", float("-inf")),
    ],
)
def test_invalid_bump_raises_with_index_and_field(field, value):
    bad = dataclasses.replace(BUMPS[1], **{field: value})
    with pytest.raises(ValueError, match=rf"bump 1\b.*{field}"):
        drawn_surface([BUMPS[0], bad, BUMPS[2]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base": "cone"},
        {"x_range": (1.0, 1.0)},
        {"y_range": (0.0, float("nan"))},
        {"bowl_strength": -0.1},
        {"bowl_strength": float("inf")},
    ],
)
def test_invalid_options_raise(kwargs):
    with pytest.raises(ValueError):
        drawn_surface(BUMPS, **kwargs)


def test_dict_round_trip():
    for b in BUMPS:
        d = bump_to_dict(b)
        assert set(d) == {"x", "y", "height", "width"}
        assert bump_from_dict(json.loads(json.dumps(d))) == b
    assert bump_from_dict({"x": 1, "y": 2, "height": -3, "width": 1}) == Bump(1.0, 2.0, -3.0, 1.0)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"x": 0, "y": 0, "height": 1}, "width"),
        ({"x": 0, "y": 0, "height": 1, "width": 1, "depth": 2}, "depth"),
        ({"x": "0", "y": 0, "height": 1, "width": 1}, "x"),
        ({"x": 0, "y": 0, "height": 1, "width": 0}, "width"),
        ({"x": 0, "y": 0, "height": float("nan"), "width": 1}, "height"),
    ],
)
def test_bump_from_dict_rejects_bad_data(data, fragment):
    with pytest.raises(ValueError, match=fragment):
        bump_from_dict(data)

"""The built-in surface library: values, gradients, critical points and the public API."""

from __future__ import annotations

import math

import pytest
import torch

from core.surfaces.base import CriticalPoint, Surface
from core.surfaces.library import (
    BUILTIN_NAMES,
    builtin_lists_every_critical_point,
    builtin_params,
    builtin_surface,
)

REQUIRED = {
    "bowl",
    "ravine",
    "rosenbrock",
    "saddle",
    "monkey_saddle",
    "himmelblau",
    "rastrigin",
    "plateau_cliff",
    "two_basins",
    "local_global",
    "beale",
    "six_hump_camel",
}

# Non-default parameters whose critical points must follow the parameters too.
PARAM_CASES = [
    ("ravine", {"condition": 1.0}),
    ("ravine", {"condition": 100.5}),
    ("rastrigin", {"amplitude": 0.0}),
    ("rastrigin", {"amplitude": 0.5}),
    ("rastrigin", {"amplitude": 3.0}),
]

SURFACES = {name: builtin_surface(name) for name in BUILTIN_NAMES}

# Surfaces whose critical points are all listed; the rest (the collection's test functions, see
# tests/core/test_test_functions.py) list their documented global minima only.
COMPLETE = tuple(name for name in BUILTIN_NAMES if builtin_lists_every_critical_point(name))


def _all_cases() -> list[tuple[str, dict[str, float]]]:
    return [(name, {}) for name in COMPLETE] + PARAM_CASES


def _case_id(case: tuple[str, dict[str, float]]) -> str:
    name, params = case
    return name + "".join(f"-{k}={v:g}" for k, v in params.items())


def _random_points(surface: Surface, n: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    u = torch.rand(n, 2, generator=gen, dtype=dtype)
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    return torch.stack([x0 + (x1 - x0) * u[:, 0], y0 + (y1 - y0) * u[:, 1]], dim=1)


def _grad(surface: Surface, points: torch.Tensor) -> torch.Tensor:
    p = points.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(surface(p).sum(), p)
    return g


def _hessians(surface: Surface, points: torch.Tensor) -> torch.Tensor:
    """(M, 2, 2) Hessians, batched: the loss of a batch is a sum of independent per-point terms."""
    p = points.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(surface(p).sum(), p, create_graph=True)
    (h0,) = torch.autograd.grad(g[:, 0].sum(), p, retain_graph=True)
    (h1,) = torch.autograd.grad(g[:, 1].sum(), p)
    return torch.stack([h0, h1], dim=1)


def _as_tensor(points: tuple[CriticalPoint, ...]) -> torch.Tensor:
    return torch.tensor([[c.x, c.y] for c in points], dtype=torch.float64).reshape(-1, 2)


def _value(surface: Surface, x: float, y: float) -> float:
    return float(surface(torch.tensor([[x, y]], dtype=torch.float64))[0])


# ------------------------------------------------------------------------------------------
# Registry and API
# ------------------------------------------------------------------------------------------


def test_names_cover_the_required_surfaces():
    assert len(BUILTIN_NAMES) >= 40
    assert len(set(BUILTIN_NAMES)) == len(BUILTIN_NAMES)
    assert set(BUILTIN_NAMES) >= REQUIRED
    assert all(isinstance(n, str) for n in BUILTIN_NAMES)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_name_bounds_and_texts(name):
    s = SURFACES[name]
    assert isinstance(s, Surface)
    assert s.name == name
    (x0, x1), (y0, y1) = s.x_range, s.y_range
    assert all(math.isfinite(v) for v in (x0, x1, y0, y1))
    assert x0 < x1 and y0 < y1
    for which in ("title", "note"):
        texts = getattr(s, which)
        assert texts.get("en", "").strip(), f"{name}: empty English {which}"
        assert texts.get("zh", "").strip(), f"{name}: empty Chinese {which}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in texts["zh"]), f"{name}: zh has no Chinese"
    assert s.text("title", "zh") == s.title["zh"]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_params_defaults_round_trip(name):
    params = builtin_params(name)
    assert isinstance(params, dict)
    assert all(isinstance(k, str) and isinstance(v, float) for k, v in params.items())
    params["unused-mutation"] = 1.0  # a copy: must not leak into the library
    assert "unused-mutation" not in builtin_params(name)
    del params["unused-mutation"]
    s = builtin_surface(name, **params)
    p = _random_points(s, 5, seed=1)
    assert torch.equal(s(p), SURFACES[name](p))


def test_documented_params():
    assert builtin_params("ravine") == {"condition": 20.0}
    assert builtin_params("rastrigin") == {"amplitude": 10.0}
    assert builtin_params("bowl") == {}


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown surface 'nope'") as info:
        builtin_surface("nope")
    assert "rosenbrock" in str(info.value)
    with pytest.raises(ValueError, match="unknown surface"):
        builtin_params("nope")


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("ravine", {"kappa": 3.0}, "kappa"),
        ("ravine", {"condition": 0.5}, "condition"),
        ("ravine", {"condition": float("nan")}, "condition"),
        ("ravine", {"condition": float("inf")}, "condition"),
        ("ravine", {"condition": "20"}, "condition"),
        ("ravine", {"condition": True}, "condition"),
        ("rastrigin", {"amplitude": -1.0}, "amplitude"),
        ("bowl", {"condition": 2.0}, "no parameters"),
    ],
)
def test_bad_params_raise(name, params, fragment):
    with pytest.raises(ValueError, match=fragment):
        builtin_surface(name, **params)


def test_int_params_are_accepted():
    s = builtin_surface("ravine", condition=4)
    h = _hessians(s, torch.zeros(1, 2, dtype=torch.float64))[0]
    assert torch.equal(h, torch.diag(torch.tensor([1.0, 4.0], dtype=torch.float64)))


# ------------------------------------------------------------------------------------------
# Values and gradients
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_NAMES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_and_dtype(name, dtype):
    s = SURFACES[name]
    p = _random_points(s, 7, seed=2, dtype=dtype)
    out = s(p)
    assert out.shape == (7,)
    assert out.dtype == dtype
    assert torch.isfinite(out).all()
    assert s(p[:1]).shape == (1,)
    xs, ys, z = s.grid(16, dtype=dtype)
    assert z.shape == (16, 16) and z.dtype == dtype and torch.isfinite(z).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_values_match_cpu():
    for name, s in SURFACES.items():
        p = _random_points(s, 5, seed=8)
        out = s(p.cuda())
        assert out.device.type == "cuda", name
        assert torch.allclose(out.cpu(), s(p), rtol=1e-10, atol=1e-10), name


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_autograd_matches_central_differences(name):
    s = SURFACES[name]
    p = _random_points(s, 6, seed=3)
    ad = _grad(s, p)
    h = 1e-6
    fd = torch.empty_like(p)
    with torch.no_grad():
        for j in range(2):
            e = torch.zeros(2, dtype=torch.float64)
            e[j] = h
            fd[:, j] = (s(p + e) - s(p - e)) / (2 * h)
    for a, f in zip(ad, fd, strict=True):
        scale = max(1.0, float(a.abs().max()))
        assert float((a - f).abs().max()) <= 1e-5 * scale, (name, a, f)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_batched_hessian_matches_autograd_functional(name):
    s = SURFACES[name]
    p = _random_points(s, 3, seed=7)
    batched = _hessians(s, p)
    for point, h in zip(p, batched, strict=True):
        ref = torch.autograd.functional.hessian(lambda q: s(q.unsqueeze(0)).squeeze(0), point)
        assert torch.allclose(h, ref, rtol=1e-10, atol=1e-10), name


def test_graph_is_kept():
    for s in SURFACES.values():
        p = _random_points(s, 3, seed=4).requires_grad_(True)
        assert s(p).requires_grad


# ------------------------------------------------------------------------------------------
# Critical points
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _all_cases(), ids=_case_id)
def test_critical_points_are_critical_and_correctly_classified(case):
    name, params = case
    s = builtin_surface(name, **params)
    assert s.critical_points, f"{name}: no critical points listed"
    assert all(isinstance(c, CriticalPoint) for c in s.critical_points)
    pts = _as_tensor(s.critical_points)
    (x0, x1), (y0, y1) = s.x_range, s.y_range
    assert ((pts[:, 0] >= x0) & (pts[:, 0] <= x1)).all(), name
    assert ((pts[:, 1] >= y0) & (pts[:, 1] <= y1)).all(), name
    assert torch.cdist(pts, pts).add(torch.eye(len(pts), dtype=pts.dtype)).min() > 1e-6

    g = _grad(s, pts)
    assert float(g.norm(dim=1).max()) < 1e-5, name

    hess = _hessians(s, pts)
    eig = torch.linalg.eigvalsh(hess)
    for c, ev in zip(s.critical_points, eig, strict=True):
        lo, hi = float(ev[0]), float(ev[1])
        tol = 1e-6 * max(1.0, abs(lo), abs(hi))
        where = f"{name} at ({c.x:.6f}, {c.y:.6f}) eig=({lo:.3g}, {hi:.3g})"
        if c.kind == "minimum":
            assert lo > tol, where
        elif c.kind == "maximum":
            assert hi < -tol, where
        elif c.kind == "saddle":
            assert lo < -tol and hi > tol, where
        else:
            assert c.kind == "degenerate", where
            assert min(abs(lo), abs(hi)) <= tol, where


def _newton_from_grid(s: Surface, n: int = 14, iterations: int = 25) -> torch.Tensor:
    """Critical points reached by Newton's method from an n x n grid of starts, within bounds."""
    (x0, x1), (y0, y1) = s.x_range, s.y_range
    xs = torch.linspace(x0, x1, n + 2, dtype=torch.float64)[1:-1]
    ys = torch.linspace(y0, y1, n + 2, dtype=torch.float64)[1:-1]
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    p = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    for _ in range(iterations):
        with torch.enable_grad():
            q = p.clone().requires_grad_(True)
            (g,) = torch.autograd.grad(s(q).sum(), q, create_graph=True)
            (h0,) = torch.autograd.grad(g[:, 0].sum(), q, retain_graph=True)
            (h1,) = torch.autograd.grad(g[:, 1].sum(), q)
        hess = torch.stack([h0, h1], dim=1).detach()
        step = torch.linalg.pinv(hess) @ g.detach().unsqueeze(-1)
        step = torch.nan_to_num(step.squeeze(-1), nan=0.0, posinf=0.0, neginf=0.0)
        p = (p - step.clamp(-1.0, 1.0)).clamp(-1e3, 1e3)
    g = _grad(s, p)
    scale = 1.0 + s(p).abs()
    ok = (g.norm(dim=1) < 1e-9 * scale) & (p[:, 0] >= x0) & (p[:, 0] <= x1)
    ok &= (p[:, 1] >= y0) & (p[:, 1] <= y1)
    return p[ok]


def test_the_lab_surfaces_list_every_critical_point():
    assert set(COMPLETE) >= REQUIRED | {"styblinski_tang", "sphere", "booth", "trid"}
    assert not builtin_lists_every_critical_point("shubert")


@pytest.mark.parametrize("name", COMPLETE)
def test_critical_point_lists_are_complete(name):
    """Every critical point Newton's method finds inside the bounds is one that is listed."""
    s = SURFACES[name]
    found = _newton_from_grid(s)
    listed = _as_tensor(s.critical_points)
    assert len(found), name
    dist = torch.cdist(found, listed).min(dim=1).values
    assert float(dist.max()) < 1e-4, (name, found[dist.argmax()].tolist())
    if name != "rastrigin":  # 441 points: a 14 x 14 grid of starts cannot reach them all
        # ... and conversely the search reaches every listed point (a check on the search).
        reached = torch.cdist(listed, found).min(dim=1).values
        assert float(reached.max()) < 1e-4, (name, listed[reached.argmax()].tolist())


# ------------------------------------------------------------------------------------------
# Specific surfaces
# ------------------------------------------------------------------------------------------


def _kinds(s: Surface, kind: str) -> list[CriticalPoint]:
    return [c for c in s.critical_points if c.kind == kind]


def test_himmelblau_critical_points():
    s = SURFACES["himmelblau"]
    assert len(s.critical_points) == 9
    assert len(_kinds(s, "minimum")) == 4
    assert len(_kinds(s, "saddle")) == 4
    (top,) = _kinds(s, "maximum")
    assert top.x == pytest.approx(-0.270845, abs=1e-6)
    assert top.y == pytest.approx(-0.923039, abs=1e-6)
    for c in _kinds(s, "minimum"):
        assert _value(s, c.x, c.y) == pytest.approx(0.0, abs=1e-12)
    assert any(c.x == pytest.approx(3.0) and c.y == pytest.approx(2.0) for c in s.critical_points)


def test_global_minimum_values():
    assert _value(SURFACES["bowl"], 0.0, 0.0) == 0.0
    assert _value(SURFACES["rosenbrock"], 1.0, 1.0) == 0.0
    assert _value(SURFACES["beale"], 3.0, 0.5) == pytest.approx(0.0, abs=1e-15)
    assert _value(SURFACES["rastrigin"], 0.0, 0.0) == pytest.approx(0.0, abs=1e-12)
    st = SURFACES["styblinski_tang"]
    (best,) = [c for c in _kinds(st, "minimum") if c.x < 0 and c.y < 0]
    assert _value(st, best.x, best.y) == pytest.approx(-78.33233140754282, abs=1e-9)


def test_six_hump_camel():
    s = SURFACES["six_hump_camel"]
    minima = _kinds(s, "minimum")
    assert len(minima) == 6
    values = sorted(_value(s, c.x, c.y) for c in minima)
    assert values[0] == pytest.approx(-1.031628453489877, abs=1e-9)
    assert values[1] == pytest.approx(-1.031628453489877, abs=1e-9)
    assert values[2] > -1.0
    lows = sorted((c for c in minima if _value(s, c.x, c.y) < -1.0), key=lambda c: c.x)
    assert (lows[0].x, lows[0].y) == pytest.approx((-0.0898420131, 0.7126564030), abs=1e-8)
    assert (lows[1].x, lows[1].y) == pytest.approx((0.0898420131, -0.7126564030), abs=1e-8)


def test_two_basins_equal_depth_but_different_sharpness():
    s = SURFACES["two_basins"]
    minima = _kinds(s, "minimum")
    assert len(minima) == 2
    pts = _as_tensor(tuple(minima))
    values = s(pts)
    assert abs(float(values[0] - values[1])) < 1e-6
    top = torch.linalg.eigvalsh(_hessians(s, pts))[:, -1]
    sharp, flat = float(top.max()), float(top.min())
    assert sharp >= 5 * flat
    # The ridge between them is clearly higher than both.
    (ridge,) = _kinds(s, "saddle")
    assert _value(s, ridge.x, ridge.y) > float(values.max()) + 0.5


def test_local_global():
    s = SURFACES["local_global"]
    minima = sorted(_kinds(s, "minimum"), key=lambda c: _value(s, c.x, c.y))
    assert len(minima) == 2
    glob, loc = minima
    assert _value(s, loc.x, loc.y) > _value(s, glob.x, glob.y) + 0.1
    (ridge,) = _kinds(s, "saddle")
    assert _value(s, ridge.x, ridge.y) > _value(s, loc.x, loc.y) + 0.1


def test_plateau_cliff():
    s = SURFACES["plateau_cliff"]
    (m,) = _kinds(s, "minimum")
    f_min = _value(s, m.x, m.y)
    p = _random_points(s, 400, seed=5)
    far = (p - torch.tensor([m.x, m.y], dtype=torch.float64)).norm(dim=1) > 2.0
    p = p[far]
    g = _grad(s, p).norm(dim=1)
    i = int(g.argmin())
    assert float(g[i]) < 1e-2  # the plateau: tiny gradient ...
    assert float(g[i]) > 0.0  # ... but not a critical point,
    assert float(s(p[i : i + 1])[0]) > f_min + 1.0  # and far above the minimum.
    # The cliff: somewhere near the minimum the slope is steep.
    near = _random_points(s, 2000, seed=6)
    assert float(_grad(s, near).norm(dim=1).max()) > 3.0


@pytest.mark.parametrize("kappa", [1.0, 20.0, 137.0])
def test_ravine_condition_number(kappa):
    s = builtin_surface("ravine", condition=kappa)
    (c,) = s.critical_points
    assert (c.x, c.y, c.kind) == (0.0, 0.0, "minimum")
    eig = torch.linalg.eigvalsh(_hessians(s, torch.zeros(1, 2, dtype=torch.float64))[0])
    assert float(eig[1] / eig[0]) == pytest.approx(kappa, rel=1e-12)
    assert SURFACES["ravine"] is not s


def test_rastrigin_critical_points_follow_amplitude():
    default = SURFACES["rastrigin"]
    assert len(_kinds(default, "minimum")) == 121  # an 11 x 11 grid of minima in [-5.12, 5.12]
    assert len(default.critical_points) == 441
    assert len(builtin_surface("rastrigin", amplitude=0.0).critical_points) == 1
    gentle = builtin_surface("rastrigin", amplitude=0.5)
    assert 1 < len(gentle.critical_points) < len(default.critical_points)


def test_saddle_and_monkey_saddle():
    (c,) = SURFACES["saddle"].critical_points
    assert (c.x, c.y, c.kind) == (0.0, 0.0, "saddle")
    (c,) = SURFACES["monkey_saddle"].critical_points
    assert (c.x, c.y, c.kind) == (0.0, 0.0, "degenerate")
    h = _hessians(SURFACES["monkey_saddle"], torch.zeros(1, 2, dtype=torch.float64))[0]
    assert float(h.abs().max()) == 0.0


def test_critical_points_are_found_on_first_read_only():
    """A surface may take a function for its critical points: building it (the picker builds
    every built-in surface for its title) runs no search; the first read runs it once."""
    calls = []

    def find() -> list[CriticalPoint]:
        calls.append(1)
        return [CriticalPoint(0.0, 0.0, "minimum")]

    surface = Surface("lazy", lambda p: (p**2).sum(-1), (-1.0, 1.0), (-1.0, 1.0), find)
    assert calls == []
    assert surface.critical_points == (CriticalPoint(0.0, 0.0, "minimum"),)
    assert surface.critical_points == (CriticalPoint(0.0, 0.0, "minimum"),)
    assert calls == [1]
    assert Surface("plain", surface.fn, (-1.0, 1.0), (-1.0, 1.0)).critical_points == ()

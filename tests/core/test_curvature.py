"""core.curvature against closed forms, torch's eigh and the library's known critical points."""

import math
from decimal import Decimal, getcontext

import numpy as np
import pytest
import torch

from core.curvature import (
    classify,
    curvature_at,
    eig2x2,
    escape_saddle,
    find_critical_points,
    gradient_and_hessian,
    sharpness,
)
from core.surfaces import make_surface

getcontext().prec = 50


def test_saddle_at_the_origin_has_eigenvalues_two_and_minus_two():
    here = curvature_at(make_surface({"builtin": "saddle"}), [0.0, 0.0])
    np.testing.assert_allclose(here.hessian[0], [[2.0, 0.0], [0.0, -2.0]])
    np.testing.assert_allclose(here.eigenvalues[0], [-2.0, 2.0])
    # The eigenvector of -2 is the y axis (either sign), that of 2 the x axis.
    np.testing.assert_allclose(np.abs(here.eigenvectors[0]), [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)
    assert here.grad_norm[0] == 0.0
    assert here.kinds() == ["saddle"]
    assert here.is_critical(1e-9).tolist() == [True]


def test_rosenbrock_minimum_has_the_closed_form_hessian():
    # f = (1-x)^2 + 100 (y-x^2)^2: H = [[2 - 400 (y - 3x^2), -400x], [-400x, 200]] = [[802, -400],
    # [-400, 200]] at (1, 1); its eigenvalues are 501 -+ sqrt(301^2 + 400^2).
    here = curvature_at(make_surface({"builtin": "rosenbrock"}), [1.0, 1.0])
    np.testing.assert_allclose(here.hessian[0], [[802.0, -400.0], [-400.0, 200.0]], rtol=1e-14)
    root = math.sqrt(301.0**2 + 400.0**2)
    np.testing.assert_allclose(here.eigenvalues[0], [501.0 - root, 501.0 + root], rtol=1e-12)
    assert here.kinds() == ["minimum"]
    assert here.grad_norm[0] == 0.0


def test_closed_form_eigen_decomposition_matches_torch_eigh():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(500, 2, 2, generator=generator, dtype=torch.float64)
    sym = a + a.transpose(1, 2)
    sym[0] = torch.tensor([[3.0, 0.0], [0.0, 3.0]])  # a multiple of the identity
    values, vectors = eig2x2(sym)
    torch.testing.assert_close(values, torch.linalg.eigvalsh(sym), rtol=1e-12, atol=1e-12)
    # H v = lambda v for each column, and the columns are orthonormal.
    torch.testing.assert_close(sym @ vectors, vectors * values[:, None, :])
    eye = torch.eye(2, dtype=torch.float64).expand(500, 2, 2)
    torch.testing.assert_close(vectors.transpose(1, 2) @ vectors, eye)


def test_a_tiny_eigenvalue_beside_a_huge_one_keeps_its_relative_accuracy():
    # eigh's error is ~eps * 1e8 in absolute terms, which would swamp the small eigenvalue.
    a, b, c = Decimal("1e8"), Decimal("0.1"), Decimal("1e-3")
    exact = (a + c) / 2 - (((a - c) / 2) ** 2 + b * b).sqrt()
    values, _ = eig2x2(torch.tensor([[1e8, 0.1], [0.1, 1e-3]], dtype=torch.float64))
    assert values[0].item() == pytest.approx(float(exact), rel=1e-13)


def test_a_tiny_eigenvalue_is_degenerate_and_the_tolerance_decides():
    surface = make_surface({"formula": "x^2 + 1e-9*y^2"})
    here = curvature_at(surface, [0.0, 0.0])
    np.testing.assert_allclose(here.eigenvalues[0], [2e-9, 2.0])
    assert here.kinds(tolerance=1e-6) == ["degenerate"]
    assert here.kinds(tolerance=1e-12) == ["minimum"]
    monkey = curvature_at(make_surface({"builtin": "monkey_saddle"}), [0.0, 0.0])
    assert monkey.kinds() == ["degenerate"]
    assert classify([[-1.0, -0.5], [float("nan"), 1.0]]) == ["maximum", "undefined"]


def test_batched_hessians_equal_torch_func_one_point_at_a_time():
    surface = make_surface({"builtin": "himmelblau"})
    points = torch.tensor([[0.3, -1.2], [2.0, 2.0], [-3.0, 1.5]], dtype=torch.float64)
    _, grad, hessian = gradient_and_hessian(surface, points)
    for row in range(len(points)):
        expected = torch.func.hessian(lambda p: surface(p[None])[0])(points[row])
        torch.testing.assert_close(hessian[row], expected)
        expected_grad = torch.func.grad(lambda p: surface(p[None])[0])(points[row])
        torch.testing.assert_close(grad[row], expected_grad)


def test_a_plane_and_a_constant_have_zero_hessian():
    plane = curvature_at(make_surface({"formula": "2*x - y"}), [[0.0, 0.0], [1.0, 2.0]])
    np.testing.assert_array_equal(plane.hessian, np.zeros((2, 2, 2)))
    np.testing.assert_allclose(plane.grad, [[2.0, -1.0], [2.0, -1.0]])
    assert curvature_at(make_surface({"formula": "3"}), [0.5, 0.5]).kinds() == ["degenerate"]


def test_escaping_the_saddle_steps_along_the_negative_eigenvector_and_lowers_the_loss():
    surface = make_surface({"builtin": "saddle"})
    escape = escape_saddle(surface, (0.0, 0.0), 0.5)
    assert escape.eigenvalue == pytest.approx(-2.0)
    assert escape.point[0] == pytest.approx(0.0, abs=1e-15)
    assert abs(escape.point[1]) == pytest.approx(0.5)
    assert escape.loss_after == pytest.approx(-0.25)
    assert escape.drop == pytest.approx(0.25)
    assert escape.predicted_drop == pytest.approx(0.25)  # exact for a quadratic
    # Off the symmetry line, the sign that lowers the loss more is taken.
    tilted = make_surface({"formula": "x^2 - y^2 + 0.3*y"})
    escape = escape_saddle(tilted, (0.0, 0.15), 0.4)  # the saddle of this surface
    assert escape.point[1] == pytest.approx(0.15 + 0.4) or escape.point[1] == pytest.approx(
        0.15 - 0.4
    )
    assert escape.drop > 0
    up = float(tilted(torch.tensor([[0.0, 0.55]], dtype=torch.float64)))
    down = float(tilted(torch.tensor([[0.0, -0.25]], dtype=torch.float64)))
    assert escape.loss_after == pytest.approx(min(up, down))
    # Himmelblau's saddles: the escape lowers the loss there too.
    himmelblau = make_surface({"builtin": "himmelblau"})
    for point in himmelblau.critical_points:
        if point.kind == "saddle":
            assert escape_saddle(himmelblau, (point.x, point.y), 0.2).drop > 0


def test_nothing_to_escape_at_a_minimum():
    with pytest.raises(ValueError, match="no negative eigenvalue"):
        escape_saddle(make_surface({"builtin": "bowl"}), (0.0, 0.0), 0.1)
    with pytest.raises(ValueError, match="positive"):
        escape_saddle(make_surface({"builtin": "saddle"}), (0.0, 0.0), 0.0)


def _as_set(points):
    return sorted((round(p.x, 7), round(p.y, 7), p.kind) for p in points)


def test_the_finder_returns_himmelblaus_minima_saddles_and_maximum():
    surface = make_surface({"builtin": "himmelblau"})
    found = find_critical_points(surface)
    kinds = [p.kind for p in found]
    assert kinds.count("minimum") == 4
    assert kinds.count("saddle") == 4
    assert kinds.count("maximum") == 1
    assert len(found) == 9
    assert _as_set(found) == _as_set(surface.critical_points)
    for p in found:
        if p.kind == "minimum":
            assert p.loss == pytest.approx(0.0, abs=1e-20)
        assert p.grad_norm < 1e-9


@pytest.mark.parametrize("name", ["six_hump_camel", "monkey_saddle", "styblinski_tang", "beale"])
def test_the_finder_agrees_with_the_library(name):
    surface = make_surface({"builtin": name})
    assert _as_set(find_critical_points(surface)) == _as_set(surface.critical_points)


def test_the_finder_works_on_a_formula():
    # x^3 - 3x + y^2: a minimum at (1, 0), a saddle at (-1, 0).
    found = find_critical_points(make_surface({"formula": "x^3 - 3*x + y^2"}))
    assert [(p.kind, round(p.x, 9), round(p.y, 9)) for p in found] == [
        ("minimum", 1.0, 0.0),
        ("saddle", -1.0, 0.0),
    ]
    minimum = found[0]
    assert minimum.eigenvalues == pytest.approx((2.0, 6.0))
    assert minimum.loss == pytest.approx(-2.0)


def test_the_finder_works_on_a_drawn_surface():
    # Two equal dips on a bowl, mirror images in x = 0: two minima and a saddle between them.
    surface = make_surface(
        {
            "bumps": [
                {"x": -1.0, "y": 0.0, "height": -1.0, "width": 0.5},
                {"x": 1.0, "y": 0.0, "height": -1.0, "width": 0.5},
            ],
            "base": "bowl",
        }
    )
    found = find_critical_points(surface)
    assert [p.kind for p in found] == ["minimum", "minimum", "saddle"]
    left, right, saddle = found
    assert left.x == pytest.approx(-right.x) and left.y == pytest.approx(0.0, abs=1e-12)
    assert saddle.x == pytest.approx(0.0, abs=1e-12) and saddle.y == pytest.approx(0.0, abs=1e-12)
    # A flat base: the far plateau (gradient only underflowing) is not reported as critical.
    flat = make_surface(
        {"bumps": [{"x": 0.0, "y": 0.0, "height": -1.0, "width": 0.5}], "base": "flat"}
    )
    assert [(p.kind, round(p.x, 9), round(p.y, 9)) for p in find_critical_points(flat)] == [
        ("minimum", 0.0, 0.0)
    ]


def test_sharpness_is_the_largest_eigenvalue_along_a_path():
    surface = make_surface({"builtin": "ravine", "condition": 20.0})
    path = np.array([[1.0, 1.0], [0.5, 0.2], [np.nan, 0.0]])
    np.testing.assert_allclose(sharpness(surface, path), [20.0, 20.0, np.nan])
    rosenbrock = make_surface({"builtin": "rosenbrock"})
    xs = np.linspace(-1, 1, 7)
    path = np.stack([xs, xs**2], axis=1)  # along the valley floor y = x^2
    # There H = [[2 + 800 x^2, -400x], [-400x, 200]].
    expected = [np.linalg.eigvalsh([[2 + 800 * x * x, -400 * x], [-400 * x, 200.0]])[1] for x in xs]
    np.testing.assert_allclose(sharpness(rosenbrock, path), expected, rtol=1e-12)

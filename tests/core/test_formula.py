"""User formulas: values, gradients, Unicode input, and the refusal of anything unsafe."""

from __future__ import annotations

import builtins
import math
import os
import pickle
import time

import pytest
import torch

from core.surfaces.base import Surface
from core.surfaces.formula import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    FormulaError,
    compile_formula,
    formula_surface,
)


def _points(dtype: torch.dtype = torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return (torch.rand(64, 2, generator=g, dtype=torch.float64) * 4 - 2).to(dtype)


def _close(actual: torch.Tensor, expected: torch.Tensor, msg: str = "", **kwargs) -> None:
    # torch.testing.assert_close would import torch.distributed on first use (about a second).
    expected = torch.as_tensor(expected, dtype=actual.dtype).expand_as(actual)
    assert torch.allclose(actual, expected, rtol=1e-9, atol=1e-12, **kwargs), (
        msg or f"{actual} != {expected}"
    )


def _value_and_grad(text: str, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    p = points.clone().requires_grad_(True)
    out = compile_formula(text)(p)
    (grad,) = torch.autograd.grad(out.sum(), p)
    return out.detach(), grad


# (formula, value(x, y), (d/dx, d/dy)(x, y)) with hand-written torch and analytic gradients.
CASES = [
    (
        "x^2 + 3*y^2",
        lambda x, y: x**2 + 3 * y**2,
        lambda x, y: (2 * x, 6 * y),
    ),
    (
        "sin(x)*cos(y)",
        lambda x, y: torch.sin(x) * torch.cos(y),
        lambda x, y: (torch.cos(x) * torch.cos(y), -torch.sin(x) * torch.sin(y)),
    ),
    (
        "exp(-(x^2 + y^2)/2)",
        lambda x, y: torch.exp(-(x**2 + y**2) / 2),
        lambda x, y: (
            -x * torch.exp(-(x**2 + y**2) / 2),
            -y * torch.exp(-(x**2 + y**2) / 2),
        ),
    ),
    (
        "log(1 + x^2) + sqrt(y^2 + 1)",
        lambda x, y: torch.log(1 + x**2) + torch.sqrt(y**2 + 1),
        lambda x, y: (2 * x / (1 + x**2), y / torch.sqrt(y**2 + 1)),
    ),
    (
        "tanh(x*y) + sigmoid(x) - softplus(y)",
        lambda x, y: torch.tanh(x * y) + torch.sigmoid(x) - torch.nn.functional.softplus(y),
        lambda x, y: (
            y / torch.cosh(x * y) ** 2 + torch.sigmoid(x) * (1 - torch.sigmoid(x)),
            x / torch.cosh(x * y) ** 2 - torch.sigmoid(y),
        ),
    ),
    (
        "atan2(y, x) + x/y",
        lambda x, y: torch.atan2(y, x) + x / y,
        lambda x, y: (-y / (x**2 + y**2) + 1 / y, x / (x**2 + y**2) - x / y**2),
    ),
    (
        "(1 - x)^2 + 100*(y - x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
    ),
    (
        "2^x * y^-2",
        lambda x, y: 2**x * y**-2,
        lambda x, y: (math.log(2) * 2**x * y**-2, -2 * 2**x * y**-3),
    ),
]


@pytest.mark.parametrize(("text", "value", "grad"), CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_hand_written_torch(text, value, grad):
    points = _points()
    x, y = points[:, 0], points[:, 1]
    out, g = _value_and_grad(text, points)
    assert out.shape == (64,)
    assert out.dtype == torch.float64
    _close(out, value(x, y))
    gx, gy = grad(x, y)
    _close(g[:, 0], gx)
    _close(g[:, 1], gy)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^2", "x**2"),
        ("x²+y³", "x**2 + y**3"),
        ("x⁻¹", "x**-1"),
        ("（x＋1）×y", "(x + 1) * y"),
        ("−x ÷ 2", "-x / 2"),
        ("ｘ－ｙ", "x - y"),
        ("min（x， y）", "min(x, y)"),
        ("2·π·x", "2 * pi * x"),
        ("\tx\n+ y ", "x + y"),
        ("-x**2", "-(x**2)"),
        ("-x^2", "-(x^2)"),
        ("2**-1 * x", "0.5 * x"),
        ("2^3^2 + 0*x", "512 + 0*x"),  # right-associative, like maths
    ],
)
def test_normalised_text_means_the_same(text, expected):
    points = _points()
    _close(compile_formula(text)(points), compile_formula(expected)(points))


def test_numbers_constants_and_functions():
    points = _points()
    x, y = points[:, 0], points[:, 1]
    cases = {
        "1e-3 * x": 1e-3 * x,
        "2.5E2 + y": 250.0 + y,
        ".5 * x": 0.5 * x,
        "pi * x + e": math.pi * x + math.e,
        "sqrt(abs(sin(x)) + 1)": torch.sqrt(torch.abs(torch.sin(x)) + 1),
        "exp(log(cosh(x)))": torch.cosh(x),
        "min(x, y, 0.5)": torch.minimum(torch.minimum(x, y), torch.tensor(0.5).double()),
        "max(x, y, -x, 1)": torch.maximum(torch.maximum(torch.maximum(x, y), -x), x.new_tensor(1)),
        "pow(x, 3) - log10(100) - log2(8)": x**3 - 5,
        "relu(x) + floor(y) + sign(x)": torch.relu(x) + torch.floor(y) + torch.sign(x),
        "ln(exp(y))": y,
    }
    for text, expected in cases.items():
        _close(compile_formula(text)(points), expected, msg=text)


def test_function_table_shape():
    for name, (low, high, impl) in FUNCTIONS.items():
        assert name.isidentifier() and not name.startswith("_")
        assert low >= 1 and (high is None or high >= low)
        assert callable(impl)
    assert FUNCTIONS["min"][1] is None and FUNCTIONS["atan2"][:2] == (2, 2)


def test_constant_formula_has_batch_shape_and_works_under_autograd():
    points = _points().requires_grad_(True)
    out = compile_formula("3")(points)
    assert out.shape == (64,)
    _close(out, torch.full((64,), 3.0, dtype=torch.float64))
    (grad,) = torch.autograd.grad(out.sum(), points)
    assert torch.equal(grad, torch.zeros_like(points))
    with torch.no_grad():
        assert compile_formula("pi * 2")(_points()).shape == (64,)


def test_dtype_and_no_view_of_the_input():
    for dtype in (torch.float32, torch.float64):
        assert compile_formula("x*y + 1")(_points(dtype)).dtype == dtype
    points = _points()
    out = compile_formula("x")(points)
    out.add_(1)  # must not write into the caller's points
    assert torch.equal(points, _points())
    ints = torch.tensor([[1, 2], [3, 4]])
    assert compile_formula("x + y")(ints).is_floating_point()


def test_formula_surface():
    surface = formula_surface("x^2 + y^2", x_range=(-1, 1), y_range=(-2, 2))
    assert isinstance(surface, Surface)
    assert surface.name == "formula"
    assert surface.title == {"en": "x^2 + y^2", "zh": "x^2 + y^2"}
    assert surface.note == {"en": "A surface typed by you.", "zh": "你输入的曲面。"}
    assert surface.critical_points == ()
    assert surface.x_range == (-1.0, 1.0) and surface.y_range == (-2.0, 2.0)
    xs, ys, z = surface.grid(5)
    assert z.shape == (5, 5)
    assert float(z[2, 2]) == 0.0
    with pytest.raises(FormulaError):
        formula_surface("x +")


def test_error_text_and_pickling():
    err = FormulaError("unexpected ')'", 5)
    assert (err.message, err.column, str(err)) == ("unexpected ')'", 5, "column 5: unexpected ')'")
    assert str(FormulaError("too long")) == "too long"
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.message, again.column) == (err.message, err.column)


REJECTED = [
    "__import__('os')",
    "__import__(x)",
    "x.__class__",
    "().__class__",
    "os.system('ls')",
    "open('f')",
    "open(x)",
    "eval(x)",
    "lambda: 1",
    "[i for i in x]",
    "x[0]",
    "9**9**9",
    "2**100",
    "x^65",
    "x ** -(2*40)",
    "pow(x, 9**9)",
    "(" * 1000,
    "x+" * 400,
    "(" * 50 + "x" + ")" * 50,
    "-" * 60 + "x",
    "x" * 10_000,
    "x if y else 1",
    "x < y",
    "x and y",
    '"abc"',
    "f'{x}'",
    "True",
    "None",
    "1j",
    "1e999",
    "9" * 400,
    "sin(x, y)",
    "sin()",
    "min(x)",
    "atan2(x)",
    "sin(x=1)",
    "sin(*x)",
    "foo(x)",
    "foo",
    "sin",
    "x(y)",
    "2(x)",
    "x y",
    "x + )",
    "x +",
    "(x",
    "",
    "   ",
    "x % y",
    "x // y",
    "~x",
    "not x",
    "x, y",
    "{x}",
    "x # comment",
    "x\x00",
    "x := 1",
    "x^2 + §",
]


@pytest.mark.parametrize("text", REJECTED, ids=[repr(t[:20]) for t in REJECTED])
def test_rejected(text):
    start = time.perf_counter()
    with pytest.raises(FormulaError) as info:
        compile_formula(text)
    assert time.perf_counter() - start < 0.5
    err = info.value
    assert err.message
    assert 0 <= err.column <= len(text) + 1
    assert str(err) == (f"column {err.column}: {err.message}" if err.column else err.message)


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("x y", 3, "expected an operator"),
        ("x + )", 5, "unexpected ')'"),
        ("x +", 4, "expected an expression after '+'"),
        ("x^2 + §", 7, "unexpected character '§'"),
        ("x^2 + foo", 7, "unknown name 'foo'"),
        ("x^2^2 + foo(x)", 9, "unknown function 'foo'"),
        ("x² + bar", 6, "unknown name 'bar'"),
        ("x^100", 3, "exponent"),
        ("9**9**9", 4, "exponent"),
        ("2^x + x^2 % y", 11, "'%'"),
        ("x.__class__", 2, "attribute"),
        ("().__class__", 3, "attribute"),
        ("x[0]", 2, "indexing"),
        ("__import__(x)", 1, "'_'"),
        ("lambda: 1", 1, "lambda"),
        ("x if y else 1", 3, "if"),
        ("x < y", 3, "comparison"),
        ("sin(x, y)", 1, "takes 1 argument, got 2"),
        ("min(x)", 1, "at least 2"),
        ("（x＋1）×foo", 7, "unknown name 'foo'"),
        ("sin(x", 4, "never closed"),
        ("x)", 2, "no matching '('"),
        ("2x", 2, "expected an operator"),
        ("2(x)", 2, "expected an operator"),
        ("x^", 3, "after '^'"),
        ("x^ ^2", 4, "unexpected '^'"),
        ('"abc"', 1, "quotes"),
        ("True", 1, "1 or 0"),
        ("  foo", 3, "unknown name"),
        ("(" * 50 + "x" + ")" * 50, MAX_DEPTH + 1, "nested"),
        ("-" * 60 + "x", MAX_DEPTH + 1, "nested"),
    ],
)
def test_error_columns_point_into_the_original_text(text, column, words):
    with pytest.raises(FormulaError) as info:
        compile_formula(text)
    assert info.value.column == column, str(info.value)
    assert words in info.value.message


def test_length_limit():
    compile_formula("x" + "+x" * 5)  # fine
    with pytest.raises(FormulaError, match="too long"):
        compile_formula("x" * (MAX_LENGTH + 1))
    with pytest.raises(FormulaError, match="too long"):
        compile_formula("1+" * 10_000 + "1")


def test_exponent_rule():
    points = _points()
    x = points[:, 0]
    _close(compile_formula(f"x^{MAX_EXPONENT}")(points), x**MAX_EXPONENT)
    _close(compile_formula("x^(1/2) + 0*y")(points), x**0.5, equal_nan=True)
    _close(compile_formula("x^-2")(points), x**-2)
    # A non-constant exponent is computed in float: at worst inf, never a hang.
    start = time.perf_counter()
    out = compile_formula("(abs(x) + 2)^(y*10000 + 10000)")(points)
    assert time.perf_counter() - start < 0.5
    assert out.dtype == torch.float64
    for text in ("9**9**9", "2**100", "x**65", "x**(-65)", "x**log(0)", "pow(2, 100)"):
        with pytest.raises(FormulaError, match="exponent"):
            compile_formula(text)


def test_rejection_has_no_side_effects(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    calls: list[str] = []
    real_import, real_compile = builtins.__import__, builtins.compile

    def spy_import(name, *args, **kwargs):
        if name.split(".")[0] in ("os", "subprocess", "shutil", "sys"):
            calls.append(f"import {name}")
        return real_import(name, *args, **kwargs)

    def spy_compile(source, filename, mode, flags=0, *args, **kwargs):
        import ast

        if not flags & ast.PyCF_ONLY_AST:  # parsing to a tree is fine; making code is not
            calls.append(f"compile {source!r}")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def recorder(label):
        return lambda *args, **kwargs: calls.append(label)

    monkeypatch.setattr(builtins, "__import__", spy_import)
    monkeypatch.setattr(builtins, "compile", spy_compile)
    monkeypatch.setattr(builtins, "eval", recorder("eval"))
    monkeypatch.setattr(builtins, "exec", recorder("exec"))
    monkeypatch.setattr(builtins, "open", recorder("open"))
    monkeypatch.setattr(os, "system", recorder("os.system"))
    hostile = [
        "__import__('os').system('touch sentinel')",
        "os.system('touch sentinel')",
        "open('sentinel', 'w')",
        "eval('1')",
        "exec('x')",
        "().__class__.__bases__[0].__subclasses__()",
        "(lambda: __import__('os'))()",
        "[__import__ for _ in x]",
        "x.__class__.__init__.__globals__",
        "getattr(x, 'real')",
        "__builtins__",
    ]
    for text in hostile:
        with pytest.raises(FormulaError):
            compile_formula(text)
    compile_formula("sin(x) + y^2")(_points())  # accepted formulas are not exceptions
    assert calls == []
    assert not (tmp_path / "sentinel").exists()


@pytest.mark.parametrize("terms", [41, 200, (MAX_LENGTH + 1) // 2])
def test_long_flat_sums_and_products_are_not_deep(terms):
    """x+x+...+x reads as one level, however long: only the length and part caps bound it."""
    points = _points().requires_grad_(True)
    x, y = points[:, 0].detach(), points[:, 1].detach()
    text = "+".join(["x"] * terms)
    assert len(text) <= MAX_LENGTH
    values = compile_formula(text)(points)
    _close(values, terms * x)
    (grad,) = torch.autograd.grad(values.sum(), points)
    _close(grad[:, 0], torch.full_like(x, float(terms)))
    # mixed + and -, * and /, evaluated left to right as written
    count = min(terms, 80)
    _close(compile_formula("-".join(["x"] * count))(points), (2 - count) * x)
    _close(compile_formula("*".join(["y"] * count))(points), y**count, equal_nan=True)
    _close(compile_formula("x/y*y/y" + "+x/y*y/y" * 20)(points), 21 * x / y)
    _close(compile_formula("1 - x - y + 2*x*y*3/6 - 4")(points), 1 - x - y + x * y - 4)


def test_long_flat_formulas_stay_cheap():
    text = "+".join(["sin(x)*y"] * 55)
    assert len(text) <= MAX_LENGTH
    start = time.perf_counter()
    fn = compile_formula(text)
    points = torch.rand(100_000, 2, dtype=torch.float64)
    fn(points)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize(
    "text",
    [
        "exp(-" * 25 + "x" + ")" * 25,  # 25 brackets, but 50 levels (calls and minus signs)
        "sin(x+" * 30 + "x" + ")" * 30,  # 30 brackets: a call, then a sum inside it, 30 times
        "x^" * 45 + "x",  # a tower of powers nests
    ],
)
def test_genuinely_deep_formulas_are_refused(text):
    assert len(text) <= MAX_LENGTH
    with pytest.raises(FormulaError, match="nested too deeply"):
        compile_formula(text)


def test_a_bracketed_chain_is_one_level_deeper():
    ok = "x+(" * 19 + "x+x" + ")" * 19  # 19 brackets, each around a chain: 39 levels, fine
    _close(compile_formula(ok)(_points()), 21 * _points()[:, 0])
    with pytest.raises(FormulaError, match="too many nested brackets"):
        compile_formula("x+(" * 41 + "x" + ")" * 41)
    with pytest.raises(FormulaError, match="too long"):
        compile_formula("x+" * 250 + "x")  # 501 characters

"""User formulas: compile text such as ``sin(x) * y^2`` into a torch surface function, safely.

The text is normalised (``^`` -> ``**``, full-width and Unicode operators -> ASCII), parsed with
:func:`ast.parse` (parsing only, nothing is evaluated) and every node is checked against a
whitelist. The checked tree becomes a tree of closures that compute with torch in the dtype and on
the device of the points they are given. User text never reaches ``eval``/``exec``/``compile``,
and no number is ever computed with Python integers (``9**9**9`` is refused, not evaluated).

Errors are :class:`FormulaError` with a 1-based column in the text exactly as the user typed it.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import operator
import re
import unicodedata
from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.surfaces.base import Surface

MAX_LENGTH = 500  # characters of user text
# Nesting as people read it (and of brackets in the raw text): a bracket, a function call, a
# unary minus or a power opens a level; a chain of + and - (or of * and /) is one level however
# long (x+x+...+x is flat, and is evaluated by a loop, not by recursion).
MAX_DEPTH = 40
# Parts (numbers, names, operators, calls) in one formula. Every part takes at least one
# character, so this and MAX_LENGTH bound the work of one evaluation to about 500 torch ops.
MAX_NODES = 500
MAX_EXPONENT = 64  # largest |exponent| of a power whose exponent is a constant

_Node = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x, y) -> value

# Left-associative operators of one precedence: a chain of them is one level of nesting.
_CHAINS: dict[type, tuple[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    ast.Add: ("sum", operator.add),
    ast.Sub: ("sum", operator.sub),
    ast.Mult: ("product", operator.mul),
    ast.Div: ("product", operator.truediv),
}


class FormulaError(ValueError):
    """A formula that cannot be compiled.

    ``message`` says what is wrong or what was expected; ``column`` is the 1-based column in the
    text as typed (0 when no position applies).
    """

    def __init__(self, message: str, column: int = 0) -> None:
        self.message = message
        self.column = column
        super().__init__(f"column {column}: {message}" if column > 0 else message)

    def __reduce__(self):
        return (type(self), (self.message, self.column))


def _fold(op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Callable[..., torch.Tensor]:
    def folded(*args: torch.Tensor) -> torch.Tensor:
        return functools.reduce(op, args)

    return folded


# name -> (min arity, max arity or None for "any", torch implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., torch.Tensor]]] = {
    "sin": (1, 1, torch.sin),
    "cos": (1, 1, torch.cos),
    "tan": (1, 1, torch.tan),
    "asin": (1, 1, torch.asin),
    "acos": (1, 1, torch.acos),
    "atan": (1, 1, torch.atan),
    "atan2": (2, 2, torch.atan2),
    "sinh": (1, 1, torch.sinh),
    "cosh": (1, 1, torch.cosh),
    "tanh": (1, 1, torch.tanh),
    "exp": (1, 1, torch.exp),
    "log": (1, 1, torch.log),
    "ln": (1, 1, torch.log),
    "log2": (1, 1, torch.log2),
    "log10": (1, 1, torch.log10),
    "sqrt": (1, 1, torch.sqrt),
    "abs": (1, 1, torch.abs),
    "sign": (1, 1, torch.sign),  # zero gradient almost everywhere: a plateau to get stuck on
    "floor": (1, 1, torch.floor),  # staircase, zero gradient almost everywhere
    "relu": (1, 1, torch.relu),
    "softplus": (1, 1, F.softplus),
    "sigmoid": (1, 1, torch.sigmoid),
    "pow": (2, 2, torch.pow),
    "min": (2, None, _fold(torch.minimum)),
    "max": (2, None, _fold(torch.maximum)),
}

_CONSTANTS = {"pi": math.pi, "e": math.e}

# Characters replaced before NFKC (which would get superscripts and some of these wrong).
_REPLACEMENTS = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\uff0d": "-",  # full-width hyphen-minus
    "\uff0b": "+",
    "\uff08": "(",
    "\uff09": ")",
    "\uff0c": ",",
    "\u00d7": "*",  # multiplication sign
    "\u00b7": "*",  # middle dot
    "\u22c5": "*",  # dot operator
    "\u2217": "*",  # asterisk operator
    "\u00f7": "/",
    "\u03c0": "pi",
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True))

_OPERATOR_SYMBOLS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}

_FORBIDDEN = {
    "Attribute": "attribute access ('.') is not allowed",
    "Subscript": "indexing with '[...]' is not allowed",
    "Lambda": "'lambda' is not allowed",
    "ListComp": "comprehensions ('for ... in ...') are not allowed",
    "SetComp": "comprehensions ('for ... in ...') are not allowed",
    "DictComp": "comprehensions ('for ... in ...') are not allowed",
    "GeneratorExp": "comprehensions ('for ... in ...') are not allowed",
    "Compare": "comparisons (<, >, ==, ...) are not allowed",
    "BoolOp": "'and' / 'or' are not allowed",
    "IfExp": "'if ... else' is not allowed",
    "Starred": "'*' unpacking is not allowed",
    "JoinedStr": "text in quotes is not allowed",
    "FormattedValue": "text in quotes is not allowed",
    "NamedExpr": "':=' is not allowed",
    "Tuple": "values separated by ',' are only allowed as function arguments",
    "List": "lists '[...]' are not allowed",
    "Set": "'{...}' is not allowed",
    "Dict": "'{...}' is not allowed",
    "Await": "'await' is not allowed",
    "Yield": "'yield' is not allowed",
    "YieldFrom": "'yield' is not allowed",
}

# For these nodes the offending token follows a child (``x.attr``, ``x[0]``, ``x < y``...):
# point the column at it rather than at the start of the whole expression.
_AFTER_CHILD: dict[str, Callable[[ast.AST], ast.AST | None]] = {
    "Attribute": lambda n: n.value,
    "Subscript": lambda n: n.value,
    "Compare": lambda n: n.left,
    "BoolOp": lambda n: n.values[0],
    "IfExp": lambda n: n.body,
    "NamedExpr": lambda n: n.target,
    "Tuple": lambda n: n.elts[0] if n.elts else None,
}


class _Source:
    """Normalised ASCII text plus, for each of its characters, the index in the original text."""

    def __init__(self, original: str) -> None:
        self.original = original
        chars: list[str] = []
        origin: list[int] = []
        in_superscript = False
        for i, ch in enumerate(original):
            if ch in _SUPERSCRIPTS:
                piece = ("" if in_superscript else "^") + _SUPERSCRIPTS[ch]
                in_superscript = True
            else:
                in_superscript = False
                piece = _REPLACEMENTS.get(ch) or unicodedata.normalize("NFKC", ch)
            for c in piece:
                if c == "^":
                    chars += "**"
                    origin += (i, i)
                else:
                    chars.append(" " if c.isspace() else c)
                    origin.append(i)
        text = "".join(chars)
        # Python's parser refuses leading whitespace in an expression ("unexpected indent").
        skip = len(text) - len(text.lstrip(" "))
        self.text = text[skip:]
        self.origin = origin[skip:] + [len(original)]

    def column(self, index: int) -> int:
        """1-based column in the original text of normalised index ``index``."""
        index = min(max(index, 0), len(self.text))
        return self.origin[index] + 1

    def shown(self, start: int, end: int) -> str:
        """The original text behind normalised ``text[start:end]`` (``^`` rather than ``**``)."""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]

    def error(self, message: str, index: int) -> FormulaError:
        return FormulaError(message, self.column(index))

    def check_characters(self) -> None:
        depth = 0
        for i, c in enumerate(self.text):
            if c in "'\"":
                raise self.error("text in quotes is not allowed", i)
            if c == "#":
                raise self.error("'#' is not allowed", i)
            if not c.isascii() or not c.isprintable():
                bad = self.original[self.origin[i]]
                raise self.error(f"unexpected character {bad!r} (U+{ord(bad):04X})", i)
            if c in "([{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise self.error(f"too many nested brackets (at most {MAX_DEPTH})", i)
            elif c in ")]}":
                depth -= 1


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)"
    r"|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>\*\*|//|<<|>>|<=|>=|==|!=|[-+*/%@<>&|~])"
    r"|(?P<open>\()|(?P<close>\))|(?P<comma>,)"
)


_UNBALANCED_CLOSE = "unbalanced parenthesis: this ')' has no matching '('"


class _SyntaxScan:
    """A small operand/operator scan over + - * / ** ( ) , numbers and names (see _diagnose)."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.expect_operand = True
        self.opened: list[int] = []
        self.previous: tuple[str, int, int] | None = None  # (kind, start, end) of the last token

    def _previous_kind(self) -> str | None:
        return self.previous[0] if self.previous is not None else None

    def _close(self, start: int) -> tuple[str, int] | None:
        if not self.opened:
            return _UNBALANCED_CLOSE, start
        self.opened.pop()
        return None

    def operand(self, kind: str, text: str, start: int, token: str) -> tuple[str, int] | None:
        """A token where an expression must start."""
        if kind in ("number", "name"):
            self.expect_operand = False
        elif kind == "open":
            self.opened.append(start)
        elif kind == "op" and text in "+-~":
            pass
        elif kind == "close" and self._previous_kind() in ("open", "comma"):
            # "f()" and "f(x,)" are valid syntax (arity is checked later).
            self.expect_operand = False
            return self._close(start)
        else:
            return f"unexpected {token!r}: expected an expression", start
        return None

    def operator(self, kind: str, text: str, start: int, token: str) -> tuple[str, int] | None:
        """A token after a complete operand."""
        if kind == "op" and text != "~" or kind == "comma":
            self.expect_operand = True
        elif kind == "close":
            return self._close(start)
        elif kind == "open" and self._previous_kind() in ("name", "close"):
            self.opened.append(start)  # a call
            self.expect_operand = True
        else:
            return f"expected an operator (such as + or *) before {token!r}", start
        return None

    def end(self, length: int) -> tuple[str, int] | None:
        if self.previous is None:
            return "expected an expression", 0
        if self.expect_operand:
            shown = self.source.shown(self.previous[1], self.previous[2])
            return f"expected an expression after {shown!r}", length
        if self.opened:
            return "unbalanced parenthesis: this '(' is never closed", self.opened[-1]
        return None


def _diagnose(source: _Source) -> tuple[str, int] | None:
    """Explain a syntax error in plain words: (message, normalised index), or None if unsure.

    Anything the scan does not model (brackets, keywords, dots...) leaves the explanation to
    Python's parser.
    """
    text = source.text
    scan = _SyntaxScan(source)
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        kind, start, end = m.lastgroup or "", m.start(), m.end()
        pos = end
        if kind == "space":
            continue
        if kind == "name" and keyword.iskeyword(m.group()):
            return None
        step = scan.operand if scan.expect_operand else scan.operator
        problem = step(kind, m.group(), start, source.shown(start, end))
        if problem is not None:
            return problem
        scan.previous = (kind, start, end)
    return scan.end(len(text))


class _Compiler:
    def __init__(self, source: _Source) -> None:
        self.source = source
        self.nodes = 0

    def _error(self, message: str, index: int) -> FormulaError:
        return self.source.error(message, index)

    def _after(self, child: ast.AST, limit: int | None = None) -> int:
        """Index of the first token after ``child`` that is not a space or a closing ')'."""
        text = self.source.text
        i = child.end_col_offset or 0
        end = len(text) if limit is None else limit
        while i < end and text[i] in " )":
            i += 1
        return i

    def _count(self, node: ast.AST) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            at = getattr(node, "col_offset", 0)
            raise self._error(f"formula is too long (at most {MAX_NODES} parts)", at)

    def compile(self, node: ast.AST, depth: int) -> tuple[_Node, bool]:
        """Closure computing ``node`` from (x, y), and whether it is constant (no x, no y)."""
        if depth > MAX_DEPTH:
            at = getattr(node, "col_offset", 0)
            raise self._error(f"formula is nested too deeply (at most {MAX_DEPTH} levels)", at)
        self._count(node)
        at = getattr(node, "col_offset", 0)
        if isinstance(node, ast.BinOp) and type(node.op) in _CHAINS:
            return self._chain(node, depth)
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        kind = type(node).__name__
        child = _AFTER_CHILD.get(kind, lambda n: None)(node)
        if child is not None:
            at = self._after(child, node.end_col_offset)
        message = _FORBIDDEN.get(kind, f"{kind} is not allowed in a formula")
        raise self._error(message, at)

    def _constant(self, node: ast.Constant) -> tuple[_Node, bool]:
        value = node.value
        if isinstance(value, bool):
            raise self._error(f"{value} is not a number here; write 1 or 0", node.col_offset)
        if isinstance(value, str | bytes):
            raise self._error("text in quotes is not allowed", node.col_offset)
        if isinstance(value, complex):
            raise self._error("complex numbers ('j') are not allowed", node.col_offset)
        if not isinstance(value, int | float):
            raise self._error(f"{value!r} is not allowed", node.col_offset)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self._error("number is too large", node.col_offset)
        return _literal(number), True

    def _name(self, node: ast.Name) -> tuple[_Node, bool]:
        name = node.id
        if name == "x":
            return (lambda x, y: x), False
        if name == "y":
            return (lambda x, y: y), False
        if name in _CONSTANTS:
            return _literal(_CONSTANTS[name]), True
        if name in FUNCTIONS:
            raise self._error(f"'{name}' is a function: write {name}(...)", node.col_offset)
        if name.startswith("_"):
            raise self._error("names starting with '_' are not allowed", node.col_offset)
        raise self._error(
            f"unknown name '{name}' (use x, y, pi, e or a function such as sin)", node.col_offset
        )

    def _unary(self, node: ast.UnaryOp, depth: int) -> tuple[_Node, bool]:
        if isinstance(node.op, ast.Not):
            raise self._error("'not' is not allowed", node.col_offset)
        if isinstance(node.op, ast.Invert):
            raise self._error("'~' is not allowed", node.col_offset)
        operand, const = self.compile(node.operand, depth + 1)
        if isinstance(node.op, ast.USub):
            return (lambda x, y: -operand(x, y)), const
        return operand, const  # UAdd

    def _chain(self, node: ast.BinOp, depth: int) -> tuple[_Node, bool]:
        """``a + b - c + ...`` (or ``a * b / c ...``): one level, evaluated left to right by a
        loop. Python parses such a chain as a left-leaning tree; its left spine is walked here.
        A bracketed chain on the right (``a + (b + c)``) is an operand: one level deeper."""
        group = _CHAINS[type(node.op)][0]
        spine = [node]
        first = node.left
        while isinstance(first, ast.BinOp) and _CHAINS.get(type(first.op), ("",))[0] == group:
            self._count(first)
            spine.append(first)
            first = first.left
        spine.reverse()  # the leftmost operation first
        head, const = self.compile(first, depth + 1)
        steps: list[tuple[Callable[[torch.Tensor, torch.Tensor], torch.Tensor], _Node]] = []
        for part in spine:
            operand, operand_const = self.compile(part.right, depth + 1)
            steps.append((_CHAINS[type(part.op)][1], operand))
            const = const and operand_const
        if len(steps) == 1:
            (apply, right), left = steps[0], head
            return (lambda x, y: apply(left(x, y), right(x, y))), const

        def chain(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            value = head(x, y)
            for apply, operand in steps:
                value = apply(value, operand(x, y))
            return value

        return chain, const

    def _binary(self, node: ast.BinOp, depth: int) -> tuple[_Node, bool]:
        left, left_const = self.compile(node.left, depth + 1)
        op = node.op
        if type(op) in _OPERATOR_SYMBOLS:
            symbol = _OPERATOR_SYMBOLS[type(op)]
            raise self._error(
                f"the operator '{symbol}' is not allowed (use + - * / or ^)",
                self._after(node.left, node.right.col_offset),
            )
        right, right_const = self.compile(node.right, depth + 1)
        const = left_const and right_const
        # Pow: the only one left (+ - * / are chains, the others were refused above)
        return self._power(left, right, right_const, node.right), const

    def _power(self, base: _Node, exponent: _Node, constant: bool, where: ast.AST) -> _Node:
        """``base ** exponent``; a constant exponent must be finite with |value| <= MAX_EXPONENT.

        A constant exponent is evaluated once, in float64 torch (never with Python ints), so
        ``9**9**9`` is refused in microseconds instead of being computed.
        """
        if not constant:
            return lambda x, y: torch.pow(base(x, y), exponent(x, y))
        with torch.no_grad():
            probe = torch.zeros(1, dtype=torch.float64)
            value = float(exponent(probe, probe).reshape(-1)[0])
        if not math.isfinite(value) or abs(value) > MAX_EXPONENT:
            raise self._error(
                f"exponent too large or not a plain number (|exponent| at most {MAX_EXPONENT})",
                where.col_offset,
            )
        return lambda x, y: torch.pow(base(x, y), value)

    def _call(self, node: ast.Call, depth: int) -> tuple[_Node, bool]:
        func = node.func
        if not isinstance(func, ast.Name):
            self.compile(func, depth + 1)  # refuses attributes, indexing, ... with their reason
            paren = self._after(func, node.end_col_offset)
            raise self._error("expected an operator (such as *) before '('", paren)
        name = func.id
        if name not in FUNCTIONS:
            if name in ("x", "y", *_CONSTANTS):
                message = f"'{name}' is not a function; to multiply write {name}*(...)"
            elif name.startswith("_"):
                message = "names starting with '_' are not allowed"
            else:
                message = f"unknown function '{name}' (available: {', '.join(FUNCTIONS)})"
            raise self._error(message, func.col_offset)
        if node.keywords:
            raise self._error("keyword arguments are not allowed", node.keywords[0].col_offset)
        low, high, impl = FUNCTIONS[name]
        count = len(node.args)
        if count < low or (high is not None and count > high):
            if high is None:
                wanted = f"at least {low} arguments"
            else:
                wanted = f"{low} argument" + ("s" if low != 1 else "")
            raise self._error(f"{name}() takes {wanted}, got {count}", func.col_offset)
        compiled = [self.compile(arg, depth + 1) for arg in node.args]
        const = all(c for _, c in compiled)
        fns = [f for f, _ in compiled]
        if name == "pow":
            return self._power(fns[0], fns[1], compiled[1][1], node.args[1]), const
        if len(fns) == 1:
            only = fns[0]
            return (lambda x, y: impl(only(x, y))), const
        return (lambda x, y: impl(*(f(x, y) for f in fns))), const


def _literal(value: float) -> _Node:
    return lambda x, y: x.new_tensor(value)


def compile_formula(text: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """Compile a formula in ``x`` and ``y`` into ``fn(points (N, 2)) -> (N,)``.

    Accepts + - * / ** (or ^), unary minus, numbers (``1e-3``), ``pi``, ``e`` and the functions
    in :data:`FUNCTIONS`. The result keeps the dtype, device and autograd graph of ``points``.
    Raises :class:`FormulaError` (with the column in ``text``) for anything else.
    """
    if not isinstance(text, str):
        raise FormulaError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is too long (max {MAX_LENGTH} characters)")
    source = _Source(text)
    if not source.text.strip():
        raise FormulaError("expected an expression in x and y, such as x^2 + y^2")
    source.check_characters()
    try:
        tree = ast.parse(source.text, mode="eval")
    except SyntaxError as err:
        diagnosis = _diagnose(source)
        if diagnosis is None:
            offset = (err.offset or len(source.text) + 1) - 1 if err.lineno == 1 else 0
            diagnosis = (err.msg, offset)
        raise source.error(*diagnosis) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("formula is too complex") from None
    body, _ = _Compiler(source).compile(tree.body, 1)

    def formula(points: torch.Tensor) -> torch.Tensor:
        if not points.is_floating_point():
            points = points.to(torch.get_default_dtype())
        x, y = points[..., 0], points[..., 1]
        out = body(x, y)
        if out is x or out is y:
            return out.clone()  # not a view of the caller's points
        if out.shape != x.shape:  # a constant formula such as "3": still (N,), still in the graph
            out = out + (x * 0 if x.requires_grad else torch.zeros_like(x))
        return out

    return formula


def formula_surface(
    text: str,
    x_range: tuple[float, float] = (-3.0, 3.0),
    y_range: tuple[float, float] = (-3.0, 3.0),
) -> Surface:
    """A :class:`Surface` for a user formula (raises :class:`FormulaError` like
    :func:`compile_formula`)."""
    return Surface(
        name="formula",
        fn=compile_formula(text),
        x_range=(float(x_range[0]), float(x_range[1])),
        y_range=(float(y_range[0]), float(y_range[1])),
        critical_points=(),
        title={"en": text, "zh": text},
        note={"en": "A surface typed by you.", "zh": "你输入的曲面。"},
    )

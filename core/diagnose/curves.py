"""Training curves to diagnose: the lab's own runs and the CSV or JSON files a student brings.

:class:`Curves` holds one value per epoch: the training loss, and where known the validation loss
and the accuracies (NaN where a value is missing). :func:`load_curves` reads a file through
:func:`core.fileio.read_bounded` (at most :data:`MAX_CURVE_BYTES`, at most :data:`MAX_ROWS`
rows); every problem is one :class:`CurveError` that names the file and the line. The format is
described in ``docs/curves-format.md``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.fileio import FileTooLarge, read_bounded

MAX_CURVE_BYTES = 10_000_000
MAX_ROWS = 100_000  # the trainer's MAX_EPOCHS: one row per epoch
MIN_ROWS = 3  # a trend needs at least three epochs
STDIN = "-"

COLUMNS = ("epoch", "train_loss", "val_loss", "train_acc", "val_acc")
# Header names each column is known by (compared after lower-casing and turning spaces, dashes
# and dots into underscores). Keras' CSVLogger and History use epoch, loss, val_loss, accuracy
# (acc in old versions) and val_accuracy.
ALIASES: dict[str, tuple[str, ...]] = {
    "epoch": ("epoch", "epochs", "step", "iteration", "iter"),
    "train_loss": ("train_loss", "loss", "training_loss", "trainloss", "train"),
    "val_loss": (
        "val_loss",
        "validation_loss",
        "valid_loss",
        "dev_loss",
        "eval_loss",
        "test_loss",
        "val",
        "validation",
    ),
    "train_acc": ("train_acc", "train_accuracy", "acc", "accuracy", "training_accuracy"),
    "val_acc": (
        "val_acc",
        "val_accuracy",
        "validation_accuracy",
        "valid_acc",
        "valid_accuracy",
        "dev_acc",
        "eval_accuracy",
        "test_acc",
        "test_accuracy",
    ),
}
_BASELINE_COMMENT = re.compile(r"\s*#\s*baseline\s*[:=]\s*(\S+)\s*$", re.IGNORECASE)
_COLUMN_OF = {alias: column for column, names in ALIASES.items() for alias in names}


class CurveError(ValueError):
    """A curve file that cannot be read, with where: ``FILE:LINE: message``."""

    def __init__(self, message: str, source: str = "", line: int | None = None) -> None:
        self.message, self.source, self.line = message, source, line
        where = ":".join(part for part in (source, None if line is None else str(line)) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Curves:
    """Per-epoch curves; ``val_loss`` and the accuracies are NaN where unknown."""

    epoch: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    train_acc: np.ndarray
    val_acc: np.ndarray
    baseline: float | None = None  # the loss of a model that learned nothing (see baseline_loss)
    source: str = ""

    def __len__(self) -> int:
        return len(self.epoch)

    @property
    def has_validation(self) -> bool:
        return bool(np.isfinite(self.val_loss).any())

    def rows(self) -> list[dict[str, float]]:
        """One dict per epoch, the columns of :data:`COLUMNS` (for CSV and JSON export)."""
        return [{name: float(getattr(self, name)[i]) for name in COLUMNS} for i in range(len(self))]


def make_curves(
    train_loss: Sequence[float],
    val_loss: Sequence[float] | None = None,
    *,
    epoch: Sequence[float] | None = None,
    train_acc: Sequence[float] | None = None,
    val_acc: Sequence[float] | None = None,
    baseline: float | None = None,
    source: str = "",
) -> Curves:
    """Curves from plain sequences (missing columns become NaN; epochs default to 0, 1, ...)."""
    train = np.asarray(train_loss, dtype=float)
    n = len(train)

    def column(values: Sequence[float] | None) -> np.ndarray:
        if values is None:
            return np.full(n, np.nan)
        array = np.asarray(values, dtype=float)
        if array.shape != (n,):
            raise ValueError(f"every column needs {n} values, got {len(array)}")
        return array

    epochs = np.arange(n, dtype=float) if epoch is None else column(epoch)
    return Curves(
        epochs, train, column(val_loss), column(train_acc), column(val_acc), baseline, source
    )


def curves_from_records(records: Iterable[Any], baseline: float | None = None) -> Curves:
    """Curves of a Network Lab run: ``core.nets.trainer.EpochRecord``\\ s (one run, in order)."""
    rows = list(records)
    return make_curves(
        [r.train_loss for r in rows],
        [r.val_loss for r in rows],
        epoch=[r.epoch for r in rows],
        train_acc=[r.train_accuracy for r in rows],
        val_acc=[r.val_accuracy for r in rows],
        baseline=baseline,
        source=rows[0].run if rows else "",
    )


def baseline_loss(y_train: np.ndarray, task: str, loss: str = "cross_entropy") -> float:
    """The loss of a model that learned nothing about the inputs, from the training targets.

    Classification with cross-entropy: the entropy of the class frequencies (predicting them for
    every input); with MSE on one-hot targets: ``1 - sum(p_k^2)`` over the classes, averaged
    over the outputs as torch's ``mse_loss`` does. Regression (MSE): the variance of the targets.
    """
    y = np.asarray(y_train)
    if task != "classification":
        return float(np.var(y.astype(float)))
    _, counts = np.unique(y, return_counts=True)
    p = counts / counts.sum()
    if loss == "mse":
        classes = max(int(y.max()) + 1, len(p))
        return float((1.0 - np.sum(p**2)) / classes)
    return float(-np.sum(p * np.log(p)))


# --- reading files -------------------------------------------------------------------------------


def load_curves(path: str | os.PathLike[str], data: bytes | None = None) -> Curves:
    """Read a CSV or JSON curve file (``data``: its bytes, already read, e.g. from stdin).

    JSON when the file name ends in ``.json`` or the text starts with ``[`` or ``{``; CSV
    otherwise. Raises :class:`CurveError` with the line of the problem.
    """
    source = str(path)
    text = _decode(_read(path, source) if data is None else data, source)
    if len(text.encode("utf-8")) > MAX_CURVE_BYTES:
        raise CurveError(f"the file is too large (limit {MAX_CURVE_BYTES} bytes)", source)
    stripped = text.lstrip()
    if source.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return parse_json_curves(text, source)
    return parse_csv_curves(text, source)


def _read(path: str | os.PathLike[str], source: str) -> bytes:
    try:
        return read_bounded(path, MAX_CURVE_BYTES)
    except FileNotFoundError:
        raise CurveError("no such file", source) from None
    except FileTooLarge as error:
        raise CurveError(str(error.strerror), source) from None
    except OSError as error:
        raise CurveError(f"cannot read file: {error.strerror or error}", source) from None
    except ValueError as error:  # a NUL in the path
        raise CurveError(f"cannot read file: {error}", source) from None


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CurveError("cannot read file: it is UTF-16 text; save it as UTF-8", source)
    try:
        return raw.decode("utf-8-sig")  # Excel and Notepad start UTF-8 files with a BOM
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte {error.start}: {error.reason})"
        raise CurveError(message, source, line) from None


def _column_name(header: str) -> str | None:
    key = header.strip().strip('"').lower()
    for char in " -.":
        key = key.replace(char, "_")
    return _COLUMN_OF.get(key)


def _map_header(names: Sequence[str], source: str, line: int) -> dict[str, int]:
    """Column -> index in the row; unknown columns (lr, time, ...) are ignored."""
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        column = _column_name(name)
        if column is None:
            continue
        if column in found:
            first = names[found[column]].strip()
            raise CurveError(
                f"two columns mean {column}: {first!r} and {name.strip()!r}", source, line
            )
        found[column] = index
    if "train_loss" not in found:
        shown = ", ".join(repr(n.strip()) for n in names) or "nothing"
        raise CurveError(
            f"no training-loss column (train_loss or loss) in the header; found {shown}",
            source,
            line,
        )
    return found


def _number(value: Any, column: str, source: str, line: int | None) -> float:
    """A cell: a number, NaN/inf (a diverged run), or empty/null for a missing value."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
        if column in ("train_loss", "epoch"):
            raise CurveError(f"{column} is missing", source, line)
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CurveError(f"{column}: expected a number, got {value!r}", source, line)
    try:
        number = float(value)
    except ValueError:
        raise CurveError(f"{column}: {value.strip()!r} is not a number", source, line) from None
    if column == "epoch" and not math.isfinite(number):
        raise CurveError(f"epoch: {value!r} is not a finite number", source, line)
    return number


def parse_csv_curves(text: str, source: str = "") -> Curves:
    """CSV with a header row; comma, semicolon or tab. Blank lines and ``#`` lines are skipped,
    except ``# baseline: NUMBER``, which gives the data's baseline loss."""
    lines = text.splitlines()
    header_index = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
        None,
    )
    if header_index is None:
        raise CurveError("the file is empty (expected a header such as epoch,train_loss,val_loss)")
    header = lines[header_index]
    delimiter = next((d for d in (",", "\t", ";") if d in header), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns: dict[str, int] | None = None
    values: dict[str, list[float]] = {name: [] for name in COLUMNS}
    lines_of_rows: list[int] = []
    try:
        end = 0
        for row in reader:
            start, line, end = end + 1, reader.line_num, reader.line_num
            if any("\n" in cell or "\r" in cell for cell in row):  # a quote left open
                raise CurveError('a quote (") opened on this line is never closed', source, start)
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if columns is None:
                columns = _map_header(row, source, line)
                width = len(row)
                continue
            if len(row) != width:
                raise CurveError(f"{len(row)} fields where the header has {width}", source, line)
            if len(lines_of_rows) >= MAX_ROWS:
                raise CurveError(f"too many rows (at most {MAX_ROWS})", source, line)
            for name in COLUMNS:
                index = columns.get(name)
                cell = None if index is None else row[index]
                if name == "epoch" and index is None:
                    cell = str(len(lines_of_rows))
                values[name].append(_number(cell, name, source, line))
            lines_of_rows.append(line)
    except csv.Error as error:
        raise CurveError(f"not valid CSV: {error}", source, reader.line_num) from None
    return _finish(values, lines_of_rows, _csv_baseline(lines, source), source)


def _csv_baseline(lines: list[str], source: str) -> float | None:
    """A ``# baseline: 0.693`` comment line (the loss of a model that learned nothing)."""
    for number, line in enumerate(lines, 1):
        match = _BASELINE_COMMENT.match(line)
        if match:
            value = _number(match.group(1), "baseline", source, number)
            if not math.isfinite(value) or value <= 0:
                raise CurveError(
                    f"baseline must be a positive number, got {value:g}", source, number
                )
            return value
    return None


def _finish(
    values: dict[str, list[float]], lines: list[int], baseline: float | None, source: str
) -> Curves:
    """Check the epochs and the accuracies, then build the curves."""
    if len(lines) < MIN_ROWS:
        raise CurveError(
            f"{len(lines)} epoch row(s); a diagnosis needs at least {MIN_ROWS}",
            source,
            lines[-1] if lines else None,
        )
    epochs = values["epoch"]
    for i in range(1, len(epochs)):
        if epochs[i] <= epochs[i - 1]:
            raise CurveError(
                f"epoch {epochs[i]:g} does not come after epoch {epochs[i - 1]:g}", source, lines[i]
            )
    for name in ("train_acc", "val_acc"):
        column = np.asarray(values[name], dtype=float)
        finite = column[np.isfinite(column)]
        if finite.size and (finite.min() < 0 or finite.max() > 100):
            bad = int(np.flatnonzero(np.isfinite(column) & ((column < 0) | (column > 100)))[0])
            raise CurveError(f"{name} {column[bad]:g} is not an accuracy", source, lines[bad])
        if finite.size and finite.max() > 1:  # percent
            values[name] = list(column / 100)
    return make_curves(
        values["train_loss"],
        values["val_loss"],
        epoch=epochs,
        train_acc=values["train_acc"],
        val_acc=values["val_acc"],
        baseline=baseline,
        source=source,
    )


# --- JSON: rows or columns, with the line of each value -------------------------------------------

_DECODER = json.JSONDecoder()


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _expect(text: str, index: int, char: str, source: str) -> int:
    index = _skip(text, index)
    if index >= len(text) or text[index] != char:
        found = "the end of the file" if index >= len(text) else repr(text[index])
        message = f"invalid JSON: expected {char!r}, found {found}"
        raise CurveError(message, source, _line(text, index))
    return index + 1


def _value(text: str, index: int, source: str) -> tuple[Any, int, int]:
    """(value, where it starts, where it ends) at ``index``."""
    start = _skip(text, index)
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise CurveError(f"invalid JSON: {error.msg}", source, error.lineno) from None
    except RecursionError:
        raise CurveError("invalid JSON: nested too deeply", source, _line(text, start)) from None
    return value, start, end


def _array(text: str, index: int, source: str) -> tuple[list[tuple[Any, int]], int]:
    """The items of the array at ``index`` with the offset of each; returns (items, end)."""
    index = _expect(text, index, "[", source)
    items: list[tuple[Any, int]] = []
    if _skip(text, index) < len(text) and text[_skip(text, index)] == "]":
        return items, _skip(text, index) + 1
    while True:
        if len(items) >= MAX_ROWS:
            raise CurveError(f"too many rows (at most {MAX_ROWS})", source, _line(text, index))
        value, start, index = _value(text, index, source)
        items.append((value, start))
        index = _skip(text, index)
        if index < len(text) and text[index] == "]":
            return items, index + 1
        index = _expect(text, index, ",", source)


def _object(text: str, index: int, source: str) -> tuple[list[tuple[str, int]], dict, int]:
    """The keys of the object at ``index`` with the offset of each value, the object, the end."""
    value, start, end = _value(text, index, source)
    index = _expect(text, start, "{", source)
    keys: list[tuple[str, int]] = []
    index = _skip(text, index)
    while text[index] != "}":  # the object is valid JSON: its keys end at the closing brace
        key, _, index = _value(text, index, source)
        index = _expect(text, index, ":", source)
        keys.append((key, _skip(text, index)))
        _, _, index = _value(text, index, source)
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return keys, value, end


def parse_json_curves(text: str, source: str = "") -> Curves:
    """JSON: a list of row objects; ``{"rows": [...], "baseline": b}``; or a dict of columns
    (Keras' ``history.history``: ``{"loss": [...], "val_loss": [...]}``)."""
    start = _skip(text, 0)
    _, _, end = _value(text, start, source)  # the whole document is valid JSON first
    rest = _skip(text, end)
    if rest < len(text):
        raise CurveError("invalid JSON: extra data after the document", source, _line(text, rest))
    if start < len(text) and text[start] == "[":
        items, _ = _array(text, start, source)
        return _json_rows(text, items, None, source)
    if start >= len(text) or text[start] != "{":
        raise CurveError("expected a list of rows or an object of columns", source, 1)
    keys, document, _ = _object(text, start, source)
    baseline = _baseline(document, text, dict(keys), source)
    offsets = dict(keys)
    if "rows" in document:
        if not isinstance(document["rows"], list):
            raise CurveError('"rows" must be a list', source, _line(text, offsets["rows"]))
        items, _ = _array(text, offsets["rows"], source)
        return _json_rows(text, items, baseline, source)
    return _json_columns(text, document, offsets, baseline, source)


def _baseline(document: dict, text: str, offsets: dict[str, int], source: str) -> float | None:
    if document.get("baseline") is None:
        return None
    value = document["baseline"]
    line = _line(text, offsets["baseline"])
    number = _number(value, "baseline", source, line)
    if not math.isfinite(number) or number <= 0:
        raise CurveError(f"baseline must be a positive number, got {value!r}", source, line)
    return number


def _json_rows(
    text: str, items: list[tuple[Any, int]], baseline: float | None, source: str
) -> Curves:
    values: dict[str, list[float]] = {name: [] for name in COLUMNS}
    lines: list[int] = []
    for row, offset in items:
        line = _line(text, offset)
        if not isinstance(row, dict):
            raise CurveError(f"a row must be an object, got {row!r}", source, line)
        columns = _map_header(list(row), source, line)
        names = list(row)
        for name in COLUMNS:
            cell = row[names[columns[name]]] if name in columns else None
            if name == "epoch" and name not in columns:
                cell = len(lines)
            values[name].append(_number(cell, name, source, line))
        lines.append(line)
    return _finish(values, lines, baseline, source)


def _json_columns(
    text: str, document: dict, offsets: dict[str, int], baseline: float | None, source: str
) -> Curves:
    names = [key for key in document if key != "baseline"]
    columns = _map_header(names, source, _line(text, offsets.get(names[0], 0)) if names else 1)
    train_key = names[columns["train_loss"]]
    if not isinstance(document[train_key], list):
        raise CurveError(f"{train_key!r} must be a list", source, _line(text, offsets[train_key]))
    train_items, _ = _array(text, offsets[train_key], source)
    n = len(train_items)
    values: dict[str, list[float]] = {}
    lines = [_line(text, offset) for _, offset in train_items]
    for name in COLUMNS:
        if name not in columns:
            values[name] = list(range(n)) if name == "epoch" else [math.nan] * n
            continue
        key = names[columns[name]]
        if not isinstance(document[key], list):
            raise CurveError(f"{key!r} must be a list", source, _line(text, offsets[key]))
        items, _ = _array(text, offsets[key], source)
        if len(items) != n:
            raise CurveError(
                f"{key!r} has {len(items)} values and {train_key!r} {n}",
                source,
                _line(text, offsets[key]),
            )
        values[name] = [
            _number(value, name, source, _line(text, offset)) for value, offset in items
        ]
    return _finish(values, lines, baseline, source)

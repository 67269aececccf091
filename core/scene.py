"""Scene files: versioned JSON, validated into config objects with field-path errors.

A scene is data, never code: it is read with ``json`` and checked here; nothing in it is executed
(formulas are compiled by the whitelist compiler in ``core.surfaces.formula``). See
``docs/scene-format.md`` for the format.
"""

from __future__ import annotations

import json
import math
import os
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from core.fileio import FileTooLarge, read_bounded, write_atomic
from core.limits import MAX_SEED, SceneCost, number_problem, scene_cost

FORMAT_VERSION = 1
MAX_STEPS = 100_000  # per run; the budget (core.limits) bounds steps x points x cost together
MAX_STARTS = 100_000  # points in one run (a swarm)
MAX_FILE_BYTES = 20_000_000
MAX_DIGITS = 40  # an integer literal longer than this is refused (no value needs more)


def _number(value: Any) -> Any:
    """A JSON number, never a string or a bool (pydantic alone would turn "0.1" into 0.1)."""
    problem = number_problem(value)
    if problem is not None:
        raise ValueError(f"must be a number, {problem}")
    return value


def _integer(value: Any) -> Any:
    """A JSON integer: not a string, a bool or a float (``5.0``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer, {number_problem(value) or f'got {value!r}'}")
    return value


def _flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Integer = Annotated[int, BeforeValidator(_integer)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Pair = tuple[Number, Number]


class SceneError(ValueError):
    """A scene that cannot be used: names the source, the field path and the problem."""

    def __init__(self, message: str, *, path: str = "", source: str = "") -> None:
        self.message, self.path, self.source = message, path, source
        where = ": ".join(part for part in (source, path) if part)
        super().__init__(f"{where}: {message}" if where else message)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True)


def _check_range(value: Pair | None) -> Pair | None:
    if value is not None and not value[0] < value[1]:
        raise ValueError(f"range must be [low, high] with low < high, got {list(value)}")
    return value


class _SurfaceBase(_Model):
    x_range: Pair | None = None
    y_range: Pair | None = None

    _x = field_validator("x_range")(_check_range)
    _y = field_validator("y_range")(_check_range)

    def to_config(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class BuiltinSurfaceSpec(_SurfaceBase):
    """``{"builtin": NAME, ...params}``: the surface's parameters sit beside its name."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    builtin: str

    @model_validator(mode="after")
    def _known(self) -> BuiltinSurfaceSpec:
        from core.surfaces import make_surface

        make_surface(self.to_config())  # raises ValueError naming the bad name or parameter
        return self


class FormulaSurfaceSpec(_SurfaceBase):
    formula: str

    @field_validator("formula")
    @classmethod
    def _compiles(cls, text: str) -> str:
        from core.surfaces.formula import compile_formula

        compile_formula(text)  # FormulaError is a ValueError with the column in its message
        return text


class BumpSpec(_Model):
    x: Number
    y: Number
    height: Number
    width: Number = Field(gt=0)


class DrawnSurfaceSpec(_SurfaceBase):
    bumps: list[BumpSpec] = Field(max_length=5000)
    base: Literal["flat", "bowl"] = "bowl"
    bowl_strength: Number = Field(default=0.1, ge=0)


class DataSpec(_Model):
    """The dataset and model of a data surface (``core.surfaces.data.data_surface``)."""

    model: Literal["regression", "logistic", "two_basins"] = "regression"
    n: Integer = 200
    seed: Integer = Field(default=0, le=MAX_SEED)
    scales: Pair | None = None
    normalize: Flag = False
    loss: Literal["mse", "cross_entropy"] | None = None
    noise: Number | None = None
    shift: Pair = (0.0, 0.0)
    split: Literal["train", "test"] = "train"

    @model_validator(mode="after")
    def _buildable(self) -> DataSpec:
        from core.surfaces.data import data_surface

        data_surface(**self.model_dump(exclude_none=True))  # ValueError names the problem
        return self


class DataSurfaceSpec(_SurfaceBase):
    """``{"data": {...}}``: a loss that is a mean over generated training examples."""

    data: DataSpec


def _surface_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("builtin", "formula", "bumps", "data"):
            if key in value:
                return key
        return None
    kinds = {
        BuiltinSurfaceSpec: "builtin",
        FormulaSurfaceSpec: "formula",
        DrawnSurfaceSpec: "bumps",
        DataSurfaceSpec: "data",
    }
    return kinds.get(type(value))


SurfaceSpec = Annotated[
    Annotated[BuiltinSurfaceSpec, Tag("builtin")]
    | Annotated[FormulaSurfaceSpec, Tag("formula")]
    | Annotated[DrawnSurfaceSpec, Tag("bumps")]
    | Annotated[DataSurfaceSpec, Tag("data")],
    Discriminator(
        _surface_kind,
        custom_error_type="surface_kind",
        custom_error_message=(
            "a surface needs one of the keys 'builtin', 'formula' or 'bumps' "
            "(or 'data': a loss over training examples)"
        ),
    ),
]


class OptimizerSpec(_Model):
    """``{"name": ..., "lr": ..., **hyper}`` with torch's parameter names."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    name: str
    lr: Number = Field(gt=0)

    def hyper(self) -> dict[str, Any]:
        data = self.model_dump()
        data.pop("name")
        return data

    @model_validator(mode="after")
    def _buildable(self) -> OptimizerSpec:
        from core.optim import build_optimizer, optimizer_names

        names = optimizer_names()  # the registry, core.optim.registry
        if self.name not in names:
            raise ValueError(f"unknown optimizer '{self.name}'; choose one of: {', '.join(names)}")
        # build_optimizer checks every hyper-parameter against the entry's ranges first
        _try_build(lambda: build_optimizer(self.name, [_dummy_param()], **self.hyper()))
        return self


class ScheduleSpec(_Model):
    """``{"name": ..., **params}`` with torch.optim.lr_scheduler's parameter names."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    name: str

    def params(self) -> dict[str, Any]:
        data = self.model_dump()
        data.pop("name")
        return data

    def to_config(self) -> dict[str, Any]:
        return self.model_dump()

    @model_validator(mode="after")
    def _buildable(self) -> ScheduleSpec:
        from core.schedules import SCHEDULE_DEFAULTS, check_schedule

        if self.name not in SCHEDULE_DEFAULTS:
            raise ValueError(
                f"unknown schedule '{self.name}'; choose one of: {', '.join(SCHEDULE_DEFAULTS)}"
            )
        # The parameters alone here; with the run's real length in RunSpec / NetworkTrainingSpec.
        _try_build(lambda: check_schedule(self.to_config(), 0))
        return self


class RunSpec(_Model):
    label: str = ""
    optimizer: OptimizerSpec
    schedule: ScheduleSpec | None = None
    start: Pair | None = None
    starts: list[Pair] | None = Field(default=None, min_length=1, max_length=MAX_STARTS)
    steps: Integer = Field(default=200, ge=0, le=MAX_STEPS)
    color: str | None = None
    visible: Flag = True
    # Data surfaces: examples per update (None = full batch; above N: full batch with a note)
    # and the seed that shuffles them every epoch.
    batch_size: Integer | None = Field(default=None, ge=1)
    seed: Integer = Field(default=0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _one_start(self) -> RunSpec:
        if (self.start is None) == (self.starts is None):
            raise ValueError("give exactly one of 'start' ([x, y]) or 'starts' ([[x, y], ...])")
        return self

    @model_validator(mode="after")
    def _schedule_fits_the_run(self) -> RunSpec:
        # Some schedules (one-cycle) depend on the run's length: check them with the real one.
        if self.schedule is not None and self.steps > 0:
            from core.schedules import check_schedule

            schedule, lr = self.schedule.to_config(), self.optimizer.lr
            _try_build(lambda: check_schedule(schedule, self.steps, lr))
        return self

    def start_points(self) -> list[Pair]:
        return [self.start] if self.start is not None else list(self.starts or [])


# --- network scenes (the Network Lab; core.nets) ---------------------------------------------


class NetworkAugmentationSpec(_Model):
    """Digits augmentation toggles (``core.nets.datasets.Augmentation``)."""

    flip: Flag = False
    shift: Flag = False
    noise: Flag = False
    cutout: Flag = False
    mixup: Flag = False


class NetworkDatasetSpec(_Model):
    """``core.nets.datasets.make_dataset``'s arguments; ``size``/``noise`` absent: its defaults."""

    name: str
    size: Integer | None = None
    noise: Number | None = None
    seed: Integer = Field(default=0, ge=0, le=MAX_SEED)
    val_fraction: Number = 0.3
    mismatch: Literal["shift", "rotate"] | None = None
    mismatch_amount: Number | None = None
    augmentation: NetworkAugmentationSpec | None = None

    @model_validator(mode="after")
    def _valid(self) -> NetworkDatasetSpec:
        from core.nets.datasets import check_dataset

        check_dataset(self.name, self.size, self.noise, self.val_fraction, self.mismatch)
        if self.augmentation is not None and self.name != "digits":
            raise ValueError("augmentation works on images: only for the 'digits' dataset")
        return self


class NetworkModelSpec(_Model):
    """``core.nets.models.ModelConfig``: hidden layer widths (0 to 6 layers of 1 to 128)."""

    hidden: list[Integer] = Field(default_factory=lambda: [8, 8], max_length=6)
    activation: str = "relu"
    batch_norm: Flag = False
    dropout: Number = Field(default=0.0, ge=0.0, lt=1.0)
    init: str = "default"

    @model_validator(mode="after")
    def _valid(self) -> NetworkModelSpec:
        from core.nets.models import ModelConfig

        ModelConfig(**self.model_dump())
        return self


class EarlyStoppingSpec(_Model):
    patience: Integer = Field(default=20, ge=1)
    restore_best: Flag = True


class NetworkTrainingSpec(_Model):
    optimizer: OptimizerSpec
    schedule: ScheduleSpec | None = None  # advances once per epoch
    epochs: Integer = Field(default=100, ge=0, le=MAX_STEPS)
    batch_size: Integer = Field(default=0, ge=0)  # 0: full batch
    early_stopping: EarlyStoppingSpec | None = None
    kfold: Integer | None = Field(default=None, ge=2, le=20)
    seed: Integer = Field(default=0, ge=0, le=MAX_SEED)

    @field_validator("optimizer")
    @classmethod
    def _not_newton(cls, value: OptimizerSpec) -> OptimizerSpec:
        from core.nets.rules import optimizer_problem

        problem = optimizer_problem(value.name)
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _schedule_fits(self) -> NetworkTrainingSpec:
        if self.schedule is not None and self.epochs > 0:
            from core.schedules import check_schedule

            schedule, lr = self.schedule.to_config(), self.optimizer.lr
            _try_build(lambda: check_schedule(schedule, self.epochs, lr))
        return self


class NetworkSpec(_Model):
    """``"network": {dataset, model, loss, training}``: a scene for the Network Lab."""

    dataset: NetworkDatasetSpec
    model: NetworkModelSpec = Field(default_factory=NetworkModelSpec)
    loss: Literal["cross_entropy", "mse"] | None = None  # None: cross-entropy, mse for 1D data
    training: NetworkTrainingSpec

    @field_validator("loss")
    @classmethod
    def _fits_the_task(cls, value: str | None, info) -> str | None:
        from core.nets.datasets import task_of

        dataset = info.data.get("dataset")
        if (
            value == "cross_entropy"
            and dataset is not None
            and task_of(dataset.name) != ("classification")
        ):
            raise ValueError(f"'{dataset.name}' is a regression dataset: its loss is 'mse'")
        return value

    @field_validator("training")
    @classmethod
    def _batches_fit_the_model(cls, value: NetworkTrainingSpec, info) -> NetworkTrainingSpec:
        model = info.data.get("model")
        from core.nets.rules import batch_norm_problem

        if model is not None:
            problem = batch_norm_problem(value.batch_size, model.batch_norm, model.hidden)
            if problem is not None:
                raise ValueError(problem)
        return value


class Scene(_Model):
    format: Literal[1] = FORMAT_VERSION
    title: dict[str, str] = Field(default_factory=dict)  # {"en": ..., "zh": ...}
    description: dict[str, str] = Field(default_factory=dict)  # what to look at
    chapter: str | None = None  # lesson grouping, e.g. "critical_points"
    surface: SurfaceSpec = Field(default_factory=lambda: BuiltinSurfaceSpec(builtin="rosenbrock"))
    runs: list[Annotated[RunSpec, Field()]] = Field(default_factory=list, max_length=64)
    network: NetworkSpec | None = None  # a Network Lab scene: runs on a surface OR a network

    @field_validator("network")
    @classmethod
    def _runs_or_network(cls, value: NetworkSpec | None, info) -> NetworkSpec | None:
        if value is not None and info.data.get("runs"):
            raise ValueError("a scene has 'runs' on a surface or a 'network', not both")
        return value

    @field_validator("title", "description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return {"en": value, "zh": value} if isinstance(value, str) else value

    def text(self, which: Literal["title", "description"], language: str = "en") -> str:
        texts = self.title if which == "title" else self.description
        return texts.get(language) or texts.get("en") or ""


# --- helpers ---------------------------------------------------------------------------------


def _dummy_param():
    import torch

    return torch.zeros(1, 2, requires_grad=True)


def _try_build(build) -> None:
    try:
        build()
    except (ValueError, TypeError, RuntimeError, ArithmeticError) as error:
        raise ValueError(str(error)) from None


class _LongInteger(str):
    """An integer literal of more than ``MAX_DIGITS`` digits, kept as its text by the JSON reader
    (Python refuses to convert more than 4300 digits, and no field needs a tenth of that)."""


def _parse_int(text: str) -> int | _LongInteger:
    return _LongInteger(text) if len(text.lstrip("-")) > MAX_DIGITS else int(text)


def _find_bad_number(data: Any) -> tuple[tuple, str] | None:
    """A number no scene may hold, as ``(path, message)``: NaN and Infinity (Python's ``json``
    accepts them) and over-long integer literals. Iterative, so any nesting depth is fine."""
    if not isinstance(data, dict | list):
        return None
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, container = stack.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, item in items:
            kind = type(item)
            if kind is float:
                if not math.isfinite(item):
                    return (*path, key), "numbers must be finite (no NaN or Infinity)"
            elif kind is dict or kind is list:
                stack.append(((*path, key), item))
            elif kind is _LongInteger:
                digits = len(item.lstrip("-"))
                message = f"an integer of {digits} digits is too large (at most {MAX_DIGITS})"
                return (*path, key), message
    return None


def format_path(loc: tuple) -> str:
    """('runs', 0, 'optimizer', 'lr') -> 'runs[0].optimizer.lr'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep only the parts of a pydantic location that really index into the data.

    A union's tag (``builtin``, ``formula``, ``bumps``) appears in the location before the field
    it concerns; it is a real key only when it is the last part.
    """
    kept, node = [], data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if part in _TAGS and not last:
            value, after = node.get(part) if isinstance(node, dict) else None, loc[index + 1]
            descends = (isinstance(value, list) and isinstance(after, int)) or (
                isinstance(value, dict) and after in value
            )
            if after == part or not descends:
                continue
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            kept.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in _TAGS:
            kept.append(part)  # a missing field: name it
            node = None
    return tuple(kept)


_TAGS = {"builtin", "formula", "bumps", "data", "function-after", "tagged-union"}


def _message(error: dict) -> str:
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    return message


# --- public API --------------------------------------------------------------------------------


def parse_scene(data: Any, source: str = "", *, require_format: bool = False) -> Scene:
    """Validate JSON data into a :class:`Scene`; raise :class:`SceneError` naming the field.

    ``require_format``: refuse data without ``"format"`` (every file: :func:`load_scene`); data
    that the program builds itself may leave it out. The scene's cost is checked against the
    budget (:func:`check_budget`).
    """
    if not isinstance(data, dict):
        raise SceneError("a scene must be a JSON object", source=source)
    bad = _find_bad_number(data)
    if bad is not None:
        raise SceneError(bad[1], path=format_path(bad[0]), source=source)
    if "format" not in data and require_format:
        raise SceneError(
            f'a scene file needs "format": {FORMAT_VERSION} (the version of the scene format); '
            "this is not a LossLab scene, or it was written by hand without it",
            path="format",
            source=source,
        )
    version = data.get("format", FORMAT_VERSION)
    if isinstance(version, bool) or version != FORMAT_VERSION or not isinstance(version, int):
        raise SceneError(
            f"unsupported format version {version!r}; this LossLab reads format {FORMAT_VERSION}",
            path="format",
            source=source,
        )
    try:
        scene = Scene.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        path = format_path(_data_path(data, tuple(first["loc"])))
        raise SceneError(_message(first), path=path, source=source) from None
    check_budget(scene, source=source)
    return scene


def check_budget(scene: Scene, steps: int | None = None, *, source: str = "") -> SceneCost:
    """Refuse a scene whose estimated cost is over the budget; return the estimate.

    ``steps`` overrides every run's ``steps`` (a network scene's ``epochs``), as ``losslab run
    --steps`` does; the schedules are then also checked against that length (a one-cycle
    schedule shorter than the new run would fail half-way). Raises :class:`SceneError` naming
    the costliest run (``source`` is the file name for the message), e.g. ``runs[0]: too much
    work: 100000 points x 100 steps would record about 6.0 GB (the limit is 2.0 GB); use fewer
    points or steps``. The budgets and the cost model are in :mod:`core.limits`.
    """
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
            raise SceneError(
                f"steps must be an integer between 0 and {MAX_STEPS}, got {steps!r}", source=source
            )
        _check_schedules_for(scene, steps, source)
    cost = scene_cost(scene, steps)
    problem = cost.problem()
    if problem is not None:
        path, message = problem
        if steps is not None:
            message = f"with {_length(scene, steps)}: {message}"
        raise SceneError(message, path=path, source=source)
    return cost


def _length(scene: Scene, steps: int) -> str:
    return f"{steps} {'epochs' if scene.network is not None else 'steps'}"


def _check_schedules_for(scene: Scene, steps: int, source: str) -> None:
    from core.schedules import check_schedule

    if scene.network is not None:
        training = scene.network.training
        pairs = [("network.training.schedule", training.schedule, training.optimizer.lr)]
    else:
        pairs = [
            (f"runs[{i}].schedule", run.schedule, run.optimizer.lr)
            for i, run in enumerate(scene.runs)
        ]
    for path, schedule, lr in pairs:
        if schedule is None:
            continue
        try:
            check_schedule(schedule.to_config(), steps, lr)
        except ValueError as error:
            message = f"with {_length(scene, steps)}: {error}"
            raise SceneError(message, path=path, source=source) from None


def _read_text(path: str | os.PathLike[str], source: str) -> str:
    """The file's text: a regular file of at most ``MAX_FILE_BYTES``, UTF-8 (a BOM is fine)."""
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise SceneError("no such file", source=source) from None
    except FileTooLarge as error:
        raise SceneError(str(error.strerror), source=source) from None
    except OSError as error:
        raise SceneError(f"cannot read file: {error.strerror or error}", source=source) from None
    except ValueError as error:  # a NUL in the path
        raise SceneError(f"cannot read file: {error}", source=source) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SceneError("cannot read file: it is UTF-16 text; save it as UTF-8", source=source)
    try:
        return raw.decode("utf-8-sig")  # Notepad starts UTF-8 files with a byte order mark
    except UnicodeDecodeError as error:
        raise SceneError(
            f"cannot read file: it is not UTF-8 text (byte {error.start}: {error.reason})",
            source=source,
        ) from None


def load_scene(path: str | os.PathLike[str]) -> Scene:
    """Read and validate a scene file; every failure is a :class:`SceneError`.

    Only a regular file is read (a FIFO or a link to ``/dev/zero`` is refused at once), at most
    ``MAX_FILE_BYTES``; a file without ``"format"`` is refused.
    """
    source = str(path)
    text = _read_text(path, source)
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise SceneError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}", source=source
        ) from None
    except RecursionError:
        raise SceneError("invalid JSON: nested too deeply", source=source) from None
    except ValueError as error:  # e.g. Python's limit on the digits of an integer
        raise SceneError(f"invalid JSON: {error}", source=source) from None
    return parse_scene(data, source=source, require_format=True)


def scene_to_dict(scene: Scene) -> dict[str, Any]:
    """Plain JSON data for ``scene`` (the inverse of :func:`parse_scene`)."""
    return scene.model_dump(mode="json", exclude_none=True)


def dump_scene(scene: Scene) -> str:
    return json.dumps(scene_to_dict(scene), ensure_ascii=False, indent=2) + "\n"


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write the whole text or leave the old file untouched (:func:`core.fileio.write_atomic`)."""
    write_atomic(path, text)


def save_scene(scene: Scene, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, dump_scene(scene))

"""Scene files: versioned JSON, validated into config objects with field-path errors.

A scene is data, never code: it is read with ``json`` and checked here; nothing in it is executed
(formulas are compiled by the whitelist compiler in ``core.surfaces.formula``). See
``docs/scene-format.md`` for the format.

This module holds the surface scene (surfaces, runs, ``Scene``) and :func:`parse_scene`; the
shared fields and limits are in ``core.scene_fields``, the network scene in
``core.scene_network``, the work budget in ``core.scene_budget`` and file reading/writing in
``core.scene_io``. Every public name stays importable from here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from core.beats import MAX_BEATS, Beat, check_beats
from core.limits import MAX_SEED
from core.scene_budget import check_budget
from core.scene_fields import (
    FORMAT_VERSION,
    MAX_DIGITS,
    MAX_FILE_BYTES,
    MAX_STARTS,
    MAX_STEPS,
    Flag,
    Integer,
    Number,
    OptimizerSpec,
    Pair,
    SceneError,
    ScheduleSpec,
    _find_bad_number,
    _Model,
    _try_build,
)
from core.scene_io import dump_scene, load_scene, save_scene, scene_to_dict, write_text_atomic
from core.scene_network import (
    EarlyStoppingSpec,
    NetworkAugmentationSpec,
    NetworkDatasetSpec,
    NetworkModelSpec,
    NetworkSpec,
    NetworkTrainingSpec,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_DIGITS",
    "MAX_FILE_BYTES",
    "MAX_STARTS",
    "MAX_STEPS",
    "BuiltinSurfaceSpec",
    "BumpSpec",
    "DataSpec",
    "DataSurfaceSpec",
    "DrawnSurfaceSpec",
    "EarlyStoppingSpec",
    "Flag",
    "FormulaSurfaceSpec",
    "Integer",
    "NetworkAugmentationSpec",
    "NetworkDatasetSpec",
    "NetworkModelSpec",
    "NetworkSpec",
    "NetworkTrainingSpec",
    "Number",
    "OptimizerSpec",
    "Pair",
    "RunSpec",
    "Scene",
    "SceneError",
    "ScheduleSpec",
    "SurfaceSpec",
    "check_budget",
    "dump_scene",
    "format_path",
    "load_scene",
    "parse_scene",
    "save_scene",
    "scene_to_dict",
    "write_text_atomic",
]


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

    model: Literal["regression", "logistic", "two_basins", "classifier_1d"] = "regression"
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


class Scene(_Model):
    format: Literal[1] = FORMAT_VERSION
    title: dict[str, str] = Field(default_factory=dict)  # {"en": ..., "zh": ...}
    description: dict[str, str] = Field(default_factory=dict)  # what to look at
    chapter: str | None = None  # lesson grouping, e.g. "critical_points"
    surface: SurfaceSpec = Field(default_factory=lambda: BuiltinSurfaceSpec(builtin="rosenbrock"))
    runs: list[Annotated[RunSpec, Field()]] = Field(default_factory=list, max_length=64)
    network: NetworkSpec | None = None  # a Network Lab scene: runs on a surface OR a network
    # A guided lesson's beats (core.beats): text, action, optional prediction question.
    beats: list[Beat] = Field(default_factory=list, max_length=MAX_BEATS)

    @field_validator("network")
    @classmethod
    def _runs_or_network(cls, value: NetworkSpec | None, info) -> NetworkSpec | None:
        if value is not None and info.data.get("runs"):
            raise ValueError("a scene has 'runs' on a surface or a 'network', not both")
        return value

    @model_serializer(mode="wrap")
    def _without_empty_beats(self, handler) -> dict[str, Any]:
        data = handler(self)
        if not data.get("beats"):
            data.pop("beats", None)  # a scene without beats saves as it always did
        return data

    @model_validator(mode="after")
    def _beats_name_real_runs(self) -> Scene:
        if self.beats:
            labels = (
                self.network.run_labels()
                if self.network is not None
                else [r.label for r in self.runs]
            )
            check_beats(self.beats, labels, network=self.network is not None)
        return self

    @field_validator("title", "description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return {"en": value, "zh": value} if isinstance(value, str) else value

    def text(self, which: Literal["title", "description"], language: str = "en") -> str:
        texts = self.title if which == "title" else self.description
        return texts.get(language) or texts.get("en") or ""


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

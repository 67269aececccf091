"""The building blocks of scene files: limits, number fields, ``SceneError`` and the optimizer
and schedule specs shared by surface runs (``core.scene``) and network training
(``core.scene_network``). ``core.scene`` re-exports every public name.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from core.limits import number_problem

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
        from core.optim import check_optimizer, optimizer_names

        names = optimizer_names()  # the registry, core.optim.registry
        if self.name not in names:
            raise ValueError(f"unknown optimizer '{self.name}'; choose one of: {', '.join(names)}")
        # build_optimizer's verdict without building one (which would import torch._dynamo)
        _try_build(lambda: check_optimizer(self.name, **self.hyper()))
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

"""Optimizers: torch's where torch has them, the lecture's own variants, one state vocabulary."""

from core.optim.factory import (
    OPTIMIZER_CHOICES,
    OPTIMIZER_CLASSES,
    OPTIMIZER_DEFAULTS,
    OPTIMIZER_NAMES,
    build_optimizer,
    is_per_point,
    needs_closure,
)
from core.optim.lecture import RMS, EmaMomentum, LectureAdam, LectureMomentum, Newton
from core.optim.state import STATE_KEYS, read_state

__all__ = [
    "OPTIMIZER_CHOICES",
    "OPTIMIZER_CLASSES",
    "OPTIMIZER_DEFAULTS",
    "OPTIMIZER_NAMES",
    "RMS",
    "STATE_KEYS",
    "EmaMomentum",
    "LectureAdam",
    "LectureMomentum",
    "Newton",
    "build_optimizer",
    "is_per_point",
    "needs_closure",
    "read_state",
]

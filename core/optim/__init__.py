"""Optimizers: torch's where torch has them, the lecture's own variants, one state vocabulary."""

from core.optim.factory import (
    OPTIMIZER_CHOICES,
    OPTIMIZER_CLASSES,
    OPTIMIZER_DEFAULTS,
    OPTIMIZER_NAMES,
    OPTIMIZER_RANGES,
    build_optimizer,
    check_optimizer,
    is_per_point,
    needs_closure,
)
from core.optim.lecture import RMS, EmaMomentum, LectureAdam, LectureMomentum, Newton
from core.optim.registry import (
    OPTIMIZERS,
    OptimizerEntry,
    get_entry,
    network_optimizers,
    optimizer_names,
)
from core.optim.state import STATE_KEYS, read_state

__all__ = [
    "OPTIMIZER_CHOICES",
    "OPTIMIZER_CLASSES",
    "OPTIMIZER_DEFAULTS",
    "OPTIMIZER_NAMES",
    "OPTIMIZER_RANGES",
    "OPTIMIZERS",
    "RMS",
    "STATE_KEYS",
    "EmaMomentum",
    "LectureAdam",
    "LectureMomentum",
    "Newton",
    "OptimizerEntry",
    "build_optimizer",
    "check_optimizer",
    "get_entry",
    "is_per_point",
    "needs_closure",
    "network_optimizers",
    "optimizer_names",
    "read_state",
]

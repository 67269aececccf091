"""The rules a network training must follow, in one place (the trainer, the scene validator and
the Network Lab's forms all ask here). GUI-free; imports no torch at module level.

Each ``*_problem`` function returns ``None`` when the setting is fine, else a one-line English
reason (the GUI shows its own translation of the rule; the trainer and scenes raise it).
"""

from __future__ import annotations

# Which optimizers a network may use is the optimizer registry's ``networks`` flag
# (core.optim.registry); here is why a refused one is refused.
_REFUSALS = {
    "newton": (
        "the Newton optimizer is not offered for networks: it treats each row of a weight "
        "matrix as a separate problem; use lbfgs for curvature-aware steps"
    ),
}


def network_optimizers() -> tuple[str, ...]:
    """The engine's optimizers a network can use, in the registry's order."""
    from core.optim.registry import network_optimizers as offered

    return offered()


def optimizer_problem(name: str) -> str | None:
    """Why a network cannot use optimizer ``name`` (None: it can, or the name is unknown, which
    the optimizer's own validation reports)."""
    from core.optim.registry import optimizer_names

    if name not in optimizer_names() or name in network_optimizers():
        return None
    return _REFUSALS.get(name, f"the optimizer {name!r} is not offered for networks")


def batch_norm_problem(batch_size: int, batch_norm: bool, hidden) -> str | None:
    """Batch norm needs at least two samples per batch (a batch of one has no variance)."""
    if batch_size == 1 and batch_norm and len(tuple(hidden)) > 0:
        return "batch norm needs batches of at least 2 samples (batch size is 1)"
    return None


def kfold_problem(kfold: int | None, samples: int) -> str | None:
    """k-fold cross-validation needs at least k samples."""
    if kfold and kfold > samples:
        return f"k-fold needs at least k samples ({kfold} folds, {samples} samples)"
    return None


def average_problem(kfold: int | None) -> str | None:
    """Weight averaging follows one training: not with k-fold's several trainings."""
    if kfold:
        return "weight averaging follows one training: not with kfold"
    return None


def snapshots_problem(*, schedule: bool, early_stopping: bool, kfold: int | None) -> str | None:
    """A snapshot ensemble brings its own schedule (cosine with warm restarts), trains every
    cycle to its end and follows one training; its cycles set the number of epochs."""
    if schedule:
        return (
            "snapshots bring their own learning-rate schedule (cosine with warm restarts): "
            "remove 'schedule' or the snapshots"
        )
    if early_stopping:
        return "a snapshot ensemble trains every cycle to its end: remove 'early_stopping'"
    if kfold:
        return "a snapshot ensemble follows one training: not with kfold"
    return None


def race_problem(
    labels: list[str], *, kfold: int | None, average: bool, snapshots: bool
) -> str | None:
    """A race compares plain trainings of 2 to 8 differently named networks."""
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        return f"race labels must be unique: {', '.join(map(repr, repeated))} repeats"
    if kfold:
        return "a race trains each network once: not with kfold"
    if average or snapshots:
        return "a race compares plain trainings: remove 'average' and 'snapshots' from training"
    return None

"""The numbers a diagnosis reads from the curves, and the thresholds it compares them with.

Every threshold is a named constant here and a row of the table in ``docs/curves-format.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.diagnose.curves import Curves

# The training loss is "large" when it ends at or above this fraction of the reference: the data's
# baseline (a model that learned nothing) where known, else the initial training loss.
HIGH_FRACTION = 0.3
# Divergence: a non-finite training loss, or a last one this many times the initial one (a loss
# that bounces up and down below that is oscillation).
DIVERGENCE_GROWTH = 10.0
# Bouncing: the share of epochs whose training loss rose by more than RISE_TOLERANCE, and the
# median size of those rises. Large rises on a large loss: oscillation (learning rate too large);
# rises on a loss that still comes down: noise (small batches).
RISE_TOLERANCE = 0.01
BOUNCE_FRACTION = 0.25
OSCILLATION_RISE = 0.10
NOISE_RISE = 0.02
# Still moving: the share of the whole decrease that happened in the last third of the run.
STEADY_SHARE = 0.2
MIN_DECREASE = 0.01  # a loss that fell by less than 1% did not move at all
# Plateau: the loss fell by less than this fraction of its start (or ends this close to the
# baseline): the model learned (almost) nothing.
PLATEAU_DECREASE = 0.1
PLATEAU_BASELINE = 0.9
# Validation: the gap is large when the last validation loss is at least GAP_RATIO times the last
# training loss and above it by GAP_FRACTION of the initial validation loss.
GAP_RATIO = 2.0
GAP_FRACTION = 0.1
# The validation loss "improved" when its minimum fell below this fraction of its start; a
# validation loss that never did has had its gap from the start (mismatch).
IMPROVED_FRACTION = 0.5
# Overfitting is a large gap after a validation loss that did improve; its confidence grows with
# the rise of the validation loss after its best epoch (past this fraction of its minimum) or the
# fall of the training loss after it (past this factor).
VAL_RISE = 0.1
TRAIN_FALL_AFTER_BEST = 2.0


@dataclass(frozen=True)
class Features:
    """What the cases are decided on (NaN: not measurable, e.g. no validation loss)."""

    epochs: int
    first_epoch: float
    last_epoch: float
    initial_train: float
    final_train: float  # the median of the last tenth (at least 3 epochs): robust to noise
    last_train: float
    min_train: float
    reference: float
    baseline: float | None
    high_ratio: float  # final_train / reference
    decrease: float  # (initial - final) / initial
    recent_share: float  # share of the decrease made in the last third
    rise_fraction: float
    median_rise: float
    nonfinite_epoch: float  # the first epoch with a NaN/inf training loss, NaN if none
    growth: float  # last_train / initial_train
    initial_val: float
    final_val: float
    min_val: float
    best_epoch: float
    train_at_best: float
    val_rise: float  # (final_val - min_val) / min_val
    gap: float  # final_val - final_train
    gap_ratio: float  # final_val / final_train
    val_improvement: float  # min_val / initial_val
    train_fall_after_best: float  # train_at_best / final_train

    def as_dict(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _tail(values: np.ndarray) -> np.ndarray:
    return values[-max(3, len(values) // 10) :]


def _rises(train: np.ndarray) -> tuple[float, float]:
    """(share of epochs that rose by more than RISE_TOLERANCE, median relative rise of those)."""
    before, after = train[:-1], train[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (after - before) / np.abs(before)
    change = change[np.isfinite(change)]
    if change.size == 0:
        return 0.0, 0.0
    rises = change[change > RISE_TOLERANCE]
    return rises.size / change.size, float(np.median(rises)) if rises.size else 0.0


def _validation(curves: Curves, finite_train: np.ndarray, final_train: float) -> dict[str, float]:
    nan = math.nan
    out = dict.fromkeys(
        ("initial_val", "final_val", "min_val", "best_epoch", "train_at_best", "val_rise"), nan
    )
    out |= dict.fromkeys(("gap", "gap_ratio", "val_improvement", "train_fall_after_best"), nan)
    val = curves.val_loss[: len(finite_train)]
    known = np.flatnonzero(np.isfinite(val))
    if known.size < 2:
        return out
    best = int(known[np.argmin(val[known])])
    final_val = float(np.median(_tail(val[known])))
    out.update(
        initial_val=float(val[known[0]]),
        final_val=final_val,
        min_val=float(val[best]),
        best_epoch=float(curves.epoch[best]),
        train_at_best=float(finite_train[best]),
    )
    out["val_rise"] = (final_val - out["min_val"]) / max(out["min_val"], 1e-12)
    out["gap"] = final_val - final_train
    out["gap_ratio"] = final_val / max(final_train, 1e-12)
    out["val_improvement"] = out["min_val"] / max(out["initial_val"], 1e-12)
    out["train_fall_after_best"] = out["train_at_best"] / max(final_train, 1e-12)
    return out


def measure(curves: Curves) -> Features:
    """The features of ``curves`` (the training loss up to its first non-finite value)."""
    train = curves.train_loss
    bad = np.flatnonzero(~np.isfinite(train))
    nonfinite_epoch = float(curves.epoch[bad[0]]) if bad.size else math.nan
    finite = train[: bad[0]] if bad.size else train
    if finite.size == 0:  # NaN from the first epoch
        finite = np.array([math.inf])
    initial, last = float(finite[0]), float(finite[-1])
    final = float(np.median(_tail(finite)))
    minimum = float(finite.min())
    baseline = curves.baseline
    reference = baseline if baseline is not None else initial
    third = finite[(2 * len(finite)) // 3]
    drop = initial - final
    recent = (third - final) / drop if drop > 0 else 0.0
    rise_fraction, median_rise = _rises(finite)
    return Features(
        epochs=len(curves),
        first_epoch=float(curves.epoch[0]),
        last_epoch=float(curves.epoch[-1]),
        initial_train=initial,
        final_train=final,
        last_train=last,
        min_train=minimum,
        reference=reference,
        baseline=baseline,
        high_ratio=final / reference if reference > 0 else (0.0 if final <= 0 else math.inf),
        decrease=drop / initial if initial > 0 else 0.0,
        recent_share=float(recent),
        rise_fraction=rise_fraction,
        median_rise=median_rise,
        nonfinite_epoch=nonfinite_epoch,
        growth=last / initial if initial > 0 else (1.0 if last <= initial else math.inf),
        **_validation(curves, finite, final),
    )

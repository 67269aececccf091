"""Diagnose training as the notes teach (the "任务攻略" flowchart of notes 000-002).

* :mod:`core.diagnose.curves`: per-epoch curves from the lab's runs or from CSV/JSON files
  (``load_curves``; ``docs/curves-format.md``).
* :mod:`core.diagnose.cases`: ``diagnose(curves)`` names the case (model bias, the optimization
  cases, overfitting, mismatch, noisy batches, a good fit) with evidence and remedies.
* :mod:`core.diagnose.flowchart`: the flowchart as data, ``walk`` on a run, and the experiments
  it asks for (a shallower model, held-out data, k-fold) on the Network Lab's engine.

Qt-free, and torch-free until an experiment is run.
"""

from core.diagnose.cases import Diagnosis, Evidence, Verdict, diagnose, format_report
from core.diagnose.curves import (
    MAX_CURVE_BYTES,
    MAX_ROWS,
    CurveError,
    Curves,
    baseline_loss,
    curves_from_records,
    load_curves,
    make_curves,
)
from core.diagnose.features import Features, measure
from core.diagnose.flowchart import (
    EXPERIMENTS,
    FLOWCHART,
    START,
    ExperimentRequest,
    Step,
    Walk,
    compare_shallower,
    walk,
)
from core.diagnose.remedies import CASE_NAMES, CASES, REMEDIES, Remedy

__all__ = [
    "CASES",
    "CASE_NAMES",
    "EXPERIMENTS",
    "FLOWCHART",
    "MAX_CURVE_BYTES",
    "MAX_ROWS",
    "REMEDIES",
    "START",
    "CurveError",
    "Curves",
    "Diagnosis",
    "Evidence",
    "ExperimentRequest",
    "Features",
    "Remedy",
    "Step",
    "Verdict",
    "Walk",
    "baseline_loss",
    "compare_shallower",
    "curves_from_records",
    "diagnose",
    "format_report",
    "load_curves",
    "make_curves",
    "measure",
    "walk",
]

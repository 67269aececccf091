"""A diagnosis as plain data (``losslab diagnose --json``, the GUI's export), and bounded stdin."""

from __future__ import annotations

import math
import sys
from typing import Any

from core.diagnose.cases import Diagnosis, Verdict
from core.diagnose.curves import MAX_CURVE_BYTES, CurveError


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def verdict_to_dict(verdict: Verdict, language: str = "en") -> dict[str, Any]:
    lang = "zh" if language == "zh" else "en"
    return {
        "case": verdict.case,
        "family": verdict.family,
        "title": verdict.title(lang),
        "confidence": verdict.confidence,
        "margin": verdict.margin,
        "best_epoch": verdict.best_epoch,
        "experiment": verdict.experiment,
        "evidence": [
            {"key": e.key, "value": _number(e.value), "text": e.text[lang]}
            for e in verdict.evidence
        ],
        "remedies": [
            {"key": r.key, "text": r.text[lang], "lesson": r.lesson} for r in verdict.remedies
        ],
    }


def diagnosis_to_dict(diagnosis: Diagnosis, language: str = "en") -> dict[str, Any]:
    """The verdict, the other findings and the measured features (NaN and inf as null)."""
    features = {
        key: _number(value) if isinstance(value, float) else value
        for key, value in diagnosis.features.as_dict().items()
    }
    return {
        "source": diagnosis.source,
        "verdict": verdict_to_dict(diagnosis.verdict, language),
        "also": [verdict_to_dict(v, language) for v in diagnosis.also],
        "features": features,
    }


def read_stdin(limit: int = MAX_CURVE_BYTES) -> bytes:
    """Standard input, at most ``limit`` bytes (a larger input is refused, not read whole)."""
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise CurveError(f"the input is too large (limit {limit} bytes)", "stdin")
    return data

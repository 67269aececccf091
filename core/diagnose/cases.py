"""Loss-curve diagnosis: name the case the curves show, with the numbers that show it.

:func:`diagnose` reads :class:`~core.diagnose.features.Features` from the curves and walks the
notes' procedure: is the training loss large (compared with the data's baseline where known, else
with the initial loss)? Then the optimization cases (divergence, oscillation, a too-small
learning rate, a plateau) or model bias; otherwise is the validation loss large? Then overfitting
or mismatch; otherwise a good fit. Noise from small batches is named on its own, or alongside
another case. The thresholds are in :mod:`core.diagnose.features` and ``docs/curves-format.md``.

The curves alone cannot tell model bias from a stuck optimization, nor overfitting from mismatch
for sure: those verdicts carry the flowchart's experiment (``experiment``) that settles them
(:mod:`core.diagnose.flowchart`), and a lower confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.diagnose import features as th
from core.diagnose.curves import Curves
from core.diagnose.features import Features, measure
from core.diagnose.remedies import Remedy, case_family, case_remedies, case_title

# Verdicts the curves cannot settle alone are capped at these confidences.
UNSETTLED_CONFIDENCE = 0.6  # model bias vs plateau: needs the shallower model
HOLD_OUT_CONFIDENCE = 0.8  # overfitting vs mismatch: needs held-out data


@dataclass(frozen=True)
class Evidence:
    key: str
    value: float
    text: dict[str, str]


@dataclass(frozen=True)
class Verdict:
    case: str
    confidence: float  # 0.5 (at the threshold) to 1
    margin: float  # how far the deciding number is past its threshold, relative (0: at it)
    evidence: tuple[Evidence, ...]
    remedies: tuple[Remedy, ...]
    experiment: str | None = None  # the flowchart experiment that would settle the case
    best_epoch: int | None = None  # overfitting: the epoch early stopping would keep

    @property
    def family(self) -> str:
        return case_family(self.case)

    def title(self, language: str = "en") -> str:
        return case_title(self.case, language)

    def lines(self, language: str = "en") -> list[str]:
        lang = "zh" if language == "zh" else "en"
        return [evidence.text[lang] for evidence in self.evidence]


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    features: Features
    also: tuple[Verdict, ...] = field(default_factory=tuple)  # e.g. noise beside overfitting
    source: str = ""

    @property
    def case(self) -> str:
        return self.verdict.case

    def report(self, language: str = "en") -> str:
        """The verdict, its evidence and remedies as plain text (``losslab diagnose``)."""
        return format_report(self, language)


def _margin(value: float, threshold: float, above: bool = True) -> float:
    """Relative distance past a threshold: ``value/threshold - 1`` (or the inverse, below)."""
    if not math.isfinite(value):
        return 1.0
    if above:
        return value / threshold - 1 if threshold > 0 else 1.0
    return threshold / value - 1 if value > 0 else 1.0


def _confidence(margin: float, cap: float = 1.0) -> float:
    return round(min(cap, 0.5 + 0.5 * min(1.0, max(0.0, margin))), 3)


def _verdict(
    case: str,
    margin: float,
    evidence: list[Evidence],
    *,
    cap: float = 1.0,
    experiment: str | None = None,
    best_epoch: int | None = None,
) -> Verdict:
    return Verdict(
        case,
        _confidence(margin, cap),
        round(margin, 4),
        tuple(evidence),
        case_remedies(case),
        experiment,
        best_epoch,
    )


def _ev(key: str, value: float, en: str, zh: str) -> Evidence:
    return Evidence(key, float(value), {"en": en, "zh": zh})


def _g(x: float) -> str:
    return f"{x:.3g}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _reference(f: Features) -> Evidence:
    ratio = f.high_ratio
    if f.baseline is not None:
        return _ev(
            "high_ratio",
            ratio,
            f"The training loss ends at {_g(f.final_train)}, {_pct(ratio)} of the baseline "
            f"{_g(f.baseline)} (the loss of a model that learned nothing).",
            f"训练损失最终为 {_g(f.final_train)}，是基线 {_g(f.baseline)}"
            f"（什么都没学到的模型的损失）的 {_pct(ratio)}。",
        )
    return _ev(
        "high_ratio",
        ratio,
        f"The training loss ends at {_g(f.final_train)}, {_pct(ratio)} of its initial "
        f"{_g(f.initial_train)}.",
        f"训练损失最终为 {_g(f.final_train)}，是初始值 {_g(f.initial_train)} 的 {_pct(ratio)}。",
    )


def _bounces(f: Features) -> Evidence:
    return _ev(
        "rise_fraction",
        f.rise_fraction,
        f"The training loss rose in {_pct(f.rise_fraction)} of the epochs, by a median of "
        f"{_pct(f.median_rise)} each time.",
        f"训练损失在 {_pct(f.rise_fraction)} 的 epoch 里不降反升，"
        f"每次中位升幅 {_pct(f.median_rise)}。",
    )


def _divergence(f: Features) -> Verdict | None:
    if math.isfinite(f.nonfinite_epoch):
        return _verdict(
            "divergence",
            1.0,
            [
                _ev(
                    "nonfinite_epoch",
                    f.nonfinite_epoch,
                    f"The training loss is not a number (NaN or infinite) from epoch "
                    f"{f.nonfinite_epoch:g}.",
                    f"训练损失从第 {f.nonfinite_epoch:g} 个 epoch 起不再是有限的数（NaN 或无穷）。",
                )
            ],
        )
    if f.growth >= th.DIVERGENCE_GROWTH:
        return _verdict(
            "divergence",
            _margin(f.growth, th.DIVERGENCE_GROWTH),
            [
                _ev(
                    "growth",
                    f.growth,
                    f"The training loss grew to {_g(f.last_train)} by epoch {f.last_epoch:g}, "
                    f"{f.growth:.3g}x its initial {_g(f.initial_train)} (lowest: "
                    f"{_g(f.min_train)}).",
                    f"训练损失到第 {f.last_epoch:g} 个 epoch 涨到 {_g(f.last_train)}，"
                    f"是初始值 {_g(f.initial_train)} 的 {f.growth:.3g} 倍"
                    f"（最低 {_g(f.min_train)}）。",
                )
            ],
        )
    return None


def _decrease(f: Features) -> Evidence:
    start, end = _g(f.initial_train), _g(f.final_train)
    if f.decrease <= 0:
        return _ev(
            "decrease",
            f.decrease,
            f"It did not come down: {start} at the start, {end} at the end.",
            f"它没有降下来：开始时 {start}，最后 {end}。",
        )
    return _ev(
        "decrease",
        f.decrease,
        f"It fell {_pct(f.decrease)} over the run ({start} to {end}); "
        f"{_pct(f.recent_share)} of that fall came in the last third.",
        f"整个训练中它下降了 {_pct(f.decrease)}（{start} 到 {end}）；"
        f"其中 {_pct(f.recent_share)} 发生在最后三分之一。",
    )


def _high_loss(f: Features) -> Verdict:
    """The training loss is large: an optimization case or model bias."""
    high = _margin(f.high_ratio, th.HIGH_FRACTION)
    reference = _reference(f)
    if f.rise_fraction >= th.BOUNCE_FRACTION and f.median_rise >= th.OSCILLATION_RISE:
        margin = min(
            high,
            _margin(f.rise_fraction, th.BOUNCE_FRACTION),
            _margin(f.median_rise, th.OSCILLATION_RISE),
        )
        return _verdict("oscillation", margin, [_bounces(f), reference])
    decrease = _decrease(f)
    if (
        f.decrease >= th.MIN_DECREASE
        and f.recent_share >= th.STEADY_SHARE
        and f.rise_fraction < th.BOUNCE_FRACTION
    ):
        margin = min(high, _margin(f.recent_share, th.STEADY_SHARE))
        return _verdict("lr_too_small", margin, [reference, decrease])
    at_baseline = f.baseline is not None and f.final_train >= th.PLATEAU_BASELINE * f.baseline
    if f.decrease < th.PLATEAU_DECREASE or at_baseline:
        margin = max(_margin(f.decrease, th.PLATEAU_DECREASE, above=False), 0.0)
        if at_baseline:
            margin = max(margin, _margin(f.final_train, th.PLATEAU_BASELINE * f.baseline))
        margin = min(high, margin)
        return _verdict(
            "plateau",
            margin,
            [reference, decrease],
            cap=UNSETTLED_CONFIDENCE,
            experiment="shallower_model",
        )
    margin = min(high, _margin(f.decrease, th.PLATEAU_DECREASE))
    return _verdict(
        "model_bias",
        margin,
        [reference, decrease],
        cap=UNSETTLED_CONFIDENCE,
        experiment="shallower_model",
    )


def _gap_evidence(f: Features) -> Evidence:
    return _ev(
        "gap",
        f.gap,
        f"The validation loss ends at {_g(f.final_val)}, {f.gap_ratio:.3g}x the training loss "
        f"{_g(f.final_train)}.",
        f"验证损失最终为 {_g(f.final_val)}，"
        f"是训练损失 {_g(f.final_train)} 的 {f.gap_ratio:.3g} 倍。",
    )


def _low_loss(f: Features) -> Verdict | None:
    """The training loss is small: overfitting, mismatch, or None (no large validation gap)."""
    if not math.isfinite(f.gap):
        return None
    gap_floor = th.GAP_FRACTION * f.initial_val
    large = f.gap_ratio >= th.GAP_RATIO and f.gap >= gap_floor
    if not large:
        return None
    gap_margin = min(_margin(f.gap_ratio, th.GAP_RATIO), _margin(f.gap, gap_floor))
    best = int(f.best_epoch)
    if f.val_improvement >= th.IMPROVED_FRACTION:
        margin = min(gap_margin, _margin(f.val_improvement, th.IMPROVED_FRACTION))
        never = _ev(
            "val_improvement",
            f.val_improvement,
            f"The validation loss never fell below {_pct(f.val_improvement)} of its start "
            f"({_g(f.initial_val)}, lowest {_g(f.min_val)} at epoch {best}): the gap was there "
            "from the start and training did not close it.",
            f"验证损失从未降到其初始值 {_g(f.initial_val)} 的 {_pct(f.val_improvement)} 以下"
            f"（最低 {_g(f.min_val)}，第 {best} 个 epoch）：差距从一开始就在，训练也没有缩小它。",
        )
        return _verdict(
            "mismatch",
            margin,
            [never, _gap_evidence(f)],
            cap=HOLD_OUT_CONFIDENCE,
            experiment="hold_out",
        )
    rose = _margin(f.val_rise, th.VAL_RISE)
    fell = _margin(f.train_fall_after_best, th.TRAIN_FALL_AFTER_BEST)
    margin = min(gap_margin, max(rose, fell))
    turn = _ev(
        "best_epoch",
        f.best_epoch,
        f"The validation loss was lowest at epoch {best} ({_g(f.min_val)}) and ends at "
        f"{_g(f.final_val)} (+{_pct(max(f.val_rise, 0))}), while the training loss went on from "
        f"{_g(f.train_at_best)} to {_g(f.final_train)}.",
        f"验证损失在第 {best} 个 epoch 最低（{_g(f.min_val)}），最终为 {_g(f.final_val)}"
        f"（+{_pct(max(f.val_rise, 0))}），而训练损失继续从 {_g(f.train_at_best)} 降到 "
        f"{_g(f.final_train)}。",
    )
    return _verdict(
        "overfitting",
        max(margin, 0.0),
        [turn, _gap_evidence(f)],
        cap=HOLD_OUT_CONFIDENCE,
        experiment="hold_out",
        best_epoch=best,
    )


def _noise(f: Features) -> Verdict | None:
    if f.rise_fraction < th.BOUNCE_FRACTION or f.median_rise < th.NOISE_RISE:
        return None
    margin = min(
        _margin(f.rise_fraction, th.BOUNCE_FRACTION), _margin(f.median_rise, th.NOISE_RISE)
    )
    trend = _ev(
        "final_train",
        f.final_train,
        f"Under the noise the loss came down from {_g(f.initial_train)} to about "
        f"{_g(f.final_train)}.",
        f"噪声之下，损失从 {_g(f.initial_train)} 降到了约 {_g(f.final_train)}。",
    )
    return _verdict("noisy_batches", margin, [_bounces(f), trend])


def _good_fit(f: Features) -> Verdict:
    evidence = [_reference(f)]
    if math.isfinite(f.final_val):
        evidence.append(_gap_evidence(f))
    else:
        evidence.append(
            _ev(
                "final_val",
                math.nan,
                "There is no validation loss: overfitting and mismatch cannot be checked.",
                "没有验证损失：无法检查过拟合与分布不匹配。",
            )
        )
    margin = _margin(f.high_ratio, th.HIGH_FRACTION, above=False)
    return _verdict("good_fit", margin, evidence)


def diagnose(curves: Curves) -> Diagnosis:
    """The case ``curves`` show (see the module docstring), with its evidence and remedies."""
    f = measure(curves)
    noise = _noise(f)
    verdict = _divergence(f)
    if verdict is None and f.high_ratio >= th.HIGH_FRACTION:
        verdict = _high_loss(f)
    if verdict is None:
        verdict = _low_loss(f) or noise or _good_fit(f)
    also = ()
    if noise is not None and verdict.family not in ("optimization", "noise"):
        also = (noise,)
    return Diagnosis(verdict, f, also, curves.source)


def format_report(diagnosis: Diagnosis, language: str = "en") -> str:
    """Plain text: the verdict with its confidence, evidence, remedies and lessons."""
    zh = language == "zh"
    lang = "zh" if zh else "en"
    lines: list[str] = []
    for index, verdict in enumerate((diagnosis.verdict, *diagnosis.also)):
        if index:
            lines.append("")
            lines.append("另外：" if zh else "Also:")
        label = "诊断" if zh else "Diagnosis"
        confidence = "置信度" if zh else "confidence"
        lines.append(
            f"{label}: {verdict.title(language)} [{verdict.case}] "
            f"({confidence} {verdict.confidence:.2f})"
        )
        lines.extend(f"  - {line}" for line in verdict.lines(language))
        if verdict.best_epoch is not None:
            lines.append(
                f"  最好的 epoch：{verdict.best_epoch}"
                if zh
                else f"  Best epoch: {verdict.best_epoch}"
            )
        if verdict.experiment:
            from core.diagnose.flowchart import EXPERIMENTS

            request = EXPERIMENTS[verdict.experiment]
            lines.append(("  要确定：" if zh else "  To be sure: ") + request.purpose[lang])
        if verdict.remedies:
            lines.append("  对策：" if zh else "  Remedies:")
            lines.extend(
                f"    * {remedy.text[lang]} (lesson: {remedy.lesson})"
                if not zh
                else f"    * {remedy.text[lang]}（课程：{remedy.lesson}）"
                for remedy in verdict.remedies
            )
    return "\n".join(lines) + "\n"

"""The notes' "任务攻略" flowchart as data, a walk of it on a run, and its experiments.

:data:`FLOWCHART` is a small tree of :class:`Step`\\ s (a question, the features it reads, the
branches, and where the notes ask for an experiment) that a panel can draw; :func:`walk` follows it
on a :class:`~core.diagnose.cases.Diagnosis` and, where a step asks for an experiment, uses its
result if one is given (``results``) or else the curves' best guess and names the experiment
still to run (:attr:`Walk.pending`).

The experiments (:data:`EXPERIMENTS`) run on the Network Lab's engine:

* ``shallower_model``: :func:`shallower_run` (one hidden layer of the same width, the same data
  and training) trained by :func:`train_run` (``core.nets.trainer.Trainer``);
  :func:`compare_shallower` compares the training losses with
  ``core.nets.experiments.diagnose_depth`` (notes 000-002: a deeper model with the higher
  training loss failed to optimize).
* ``hold_out``: :func:`hold_out_run`, the same training with validation data drawn from the
  training distribution (the dataset without its ``mismatch``); :func:`hold_out_case` reads it.
* ``kfold``: ``core.nets.trainer.kfold_records`` and ``kfold_summary`` on the same data, to
  choose among constrained models.

``core.nets`` (torch) is imported only inside these functions, so that ``losslab diagnose``
stays light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from core.diagnose import features as th
from core.diagnose.cases import Diagnosis, Evidence, Verdict, diagnose
from core.diagnose.curves import Curves, curves_from_records
from core.diagnose.features import measure
from core.diagnose.remedies import case_remedies

if TYPE_CHECKING:
    from core.nets.experiments import Conclusion, ExperimentRun
    from core.nets.models import ModelConfig
    from core.nets.trainer import EpochRecord, TrainConfig

SETTLED_CONFIDENCE = 0.9  # a verdict an experiment settled


@dataclass(frozen=True)
class ExperimentRequest:
    kind: str
    title: dict[str, str]
    purpose: dict[str, str]
    engine: str  # what runs it in core.nets (for the GUI and the docs)
    lesson: str  # the lesson scene that shows it


EXPERIMENTS: dict[str, ExperimentRequest] = {
    "shallower_model": ExperimentRequest(
        "shallower_model",
        {"en": "Train a shallower model", "zh": "训练一个更浅的模型"},
        {
            "en": "train a shallower model (easier to optimize) on the same data; if it reaches "
            "a lower training loss, this model's optimization failed, otherwise it is model bias.",
            "zh": "在同样的数据上训练一个更浅（更容易优化）的模型；若它的训练损失更低，"
            "就是这个模型的优化出了问题，否则是模型偏差。",
        },
        "core.diagnose.flowchart.shallower_run + train_run, then compare_shallower "
        "(core.nets.experiments.diagnose_depth)",
        "network_model_bias_or_optimization",
    ),
    "hold_out": ExperimentRequest(
        "hold_out",
        {"en": "Hold out data from the training distribution", "zh": "从训练分布中留出数据"},
        {
            "en": "hold out data from the training distribution; a low loss on it with a high "
            "validation loss means mismatch, a high loss on it too means overfitting.",
            "zh": "从训练分布中留出一部分数据；若在其上损失低而验证损失高，是分布不匹配；"
            "若其上损失也高，是过拟合。",
        },
        "core.diagnose.flowchart.hold_out_run + train_run, then hold_out_case",
        "network_mismatch",
    ),
    "kfold": ExperimentRequest(
        "kfold",
        {"en": "k-fold cross-validation", "zh": "k 折交叉验证"},
        {
            "en": "compare the candidate models by k-fold cross-validation on the training data, "
            "not by their score on the public test set.",
            "zh": "用训练数据上的 k 折交叉验证比较候选模型，而不是看它们在公开测试集上的分数。",
        },
        "core.nets.trainer.kfold_records and kfold_summary",
        "network_early_stopping",
    ),
}


@dataclass(frozen=True)
class Branch:
    answer: dict[str, str]
    to: str  # a step key, or "case:<case key>"


@dataclass(frozen=True)
class Step:
    key: str
    question: dict[str, str]
    reads: tuple[str, ...]  # the Features it reads
    branches: tuple[Branch, ...]
    experiment: str | None = None  # where the notes ask for an experiment


def _branch(en: str, zh: str, to: str) -> Branch:
    return Branch({"en": en, "zh": zh}, to)


START = "training_loss"
FLOWCHART: dict[str, Step] = {
    step.key: step
    for step in (
        Step(
            "training_loss",
            {"en": "Is the loss on the training data large?", "zh": "训练集上的损失大吗？"},
            ("final_train", "reference", "high_ratio", "nonfinite_epoch", "growth"),
            (
                _branch("large", "大", "optimization_symptoms"),
                _branch("small", "小", "validation_loss"),
            ),
        ),
        Step(
            "optimization_symptoms",
            {
                "en": "Does the training curve itself show a failing optimization?",
                "zh": "训练曲线本身是否显示优化失败？",
            },
            ("nonfinite_epoch", "growth", "rise_fraction", "median_rise", "decrease"),
            (
                _branch("it diverges", "发散", "case:divergence"),
                _branch("it bounces", "来回震荡", "case:oscillation"),
                _branch("it crawls", "下降太慢", "case:lr_too_small"),
                _branch("it is flat", "平坦不动", "model_bias_or_optimization"),
            ),
        ),
        Step(
            "model_bias_or_optimization",
            {
                "en": "Model bias or optimization? Does a shallower model reach a lower "
                "training loss?",
                "zh": "模型偏差还是优化问题？更浅的模型能否达到更低的训练损失？",
            },
            ("final_train", "decrease"),
            (
                _branch("yes: optimization", "能：优化问题", "case:plateau"),
                _branch("no: model bias", "不能：模型偏差", "case:model_bias"),
            ),
            experiment="shallower_model",
        ),
        Step(
            "validation_loss",
            {"en": "Is the loss on the validation data large?", "zh": "验证集上的损失大吗？"},
            ("final_val", "gap", "gap_ratio"),
            (
                _branch("large", "大", "overfitting_or_mismatch"),
                _branch("small", "小", "case:good_fit"),
                _branch("small, but noisy", "小，但噪声大", "case:noisy_batches"),
            ),
        ),
        Step(
            "overfitting_or_mismatch",
            {
                "en": "Overfitting or mismatch? Is the loss low on held-out data from the "
                "training distribution?",
                "zh": "过拟合还是分布不匹配？在留出的同分布数据上损失低吗？",
            },
            ("val_improvement", "val_rise", "best_epoch", "train_fall_after_best"),
            (
                _branch("yes: mismatch", "低：分布不匹配", "case:mismatch"),
                _branch("no: overfitting", "不低：过拟合", "choose_model"),
            ),
            experiment="hold_out",
        ),
        Step(
            "choose_model",
            {
                "en": "Which constrained model generalizes best?",
                "zh": "哪个加了限制的模型泛化得最好？",
            },
            ("best_epoch",),
            (_branch("the best by k-fold", "k 折交叉验证最好的那个", "case:overfitting"),),
            experiment="kfold",
        ),
    )
}


@dataclass(frozen=True)
class WalkStep:
    step: str
    branch: int  # index into FLOWCHART[step].branches
    reason: dict[str, str]
    settled_by: str = "curves"  # or "experiment"


@dataclass(frozen=True)
class Walk:
    path: tuple[WalkStep, ...]
    verdict: Verdict
    pending: tuple[ExperimentRequest, ...]  # experiments the walk asked for and did not get

    @property
    def case(self) -> str:
        return self.verdict.case


def _target(step: str, case: str) -> int:
    return next(i for i, b in enumerate(FLOWCHART[step].branches) if b.to == f"case:{case}")


def _reason(verdict: Verdict) -> dict[str, str]:
    return {lang: " ".join(verdict.lines(lang)) for lang in ("en", "zh")}


def _settled(case: str, evidence: Evidence, diagnosis: Diagnosis) -> Verdict:
    """A verdict decided by an experiment: its evidence first, then the curves'."""
    old = diagnosis.verdict
    return Verdict(
        case,
        SETTLED_CONFIDENCE,
        old.margin,
        (evidence, *old.evidence),
        case_remedies(case),
        None,
        old.best_epoch if case == "overfitting" else None,
    )


def walk(subject: Curves | Diagnosis, results: dict[str, Any] | None = None) -> Walk:
    """Follow the flowchart on a run. ``results`` may hold ``"shallower_model"`` (a
    :class:`~core.nets.experiments.Conclusion` from :func:`compare_shallower`) and
    ``"hold_out"`` (:class:`Curves` of the run validated on held-out training-distribution data,
    or that held-out loss as a number) and ``"kfold"`` (``core.nets.trainer.kfold_summary`` of
    the validation loss: the epoch to keep)."""
    diagnosis = subject if isinstance(subject, Diagnosis) else diagnose(subject)
    results = results or {}
    verdict = diagnosis.verdict
    reason = _reason(verdict)
    path: list[WalkStep] = []
    pending: list[ExperimentRequest] = []
    if verdict.family in ("optimization", "model_bias"):
        path.append(WalkStep("training_loss", 0, reason))
        if verdict.case in ("divergence", "oscillation", "lr_too_small"):
            index = _target("optimization_symptoms", verdict.case)
            path.append(WalkStep("optimization_symptoms", index, reason))
            return Walk(tuple(path), verdict, ())
        path.append(WalkStep("optimization_symptoms", 3, reason))
        conclusion = results.get("shallower_model")
        if conclusion is None:
            pending.append(EXPERIMENTS["shallower_model"])
            index = _target("model_bias_or_optimization", verdict.case)
            path.append(WalkStep("model_bias_or_optimization", index, reason))
            return Walk(tuple(path), verdict, tuple(pending))
        case = "plateau" if conclusion.case == "optimization" else "model_bias"
        evidence = Evidence("shallower_model", math.nan, dict(conclusion.text))
        verdict = _settled(case, evidence, diagnosis)
        index = _target("model_bias_or_optimization", case)
        path.append(WalkStep("model_bias_or_optimization", index, evidence.text, "experiment"))
        return Walk(tuple(path), verdict, ())
    path.append(WalkStep("training_loss", 1, reason))
    if verdict.family not in ("overfitting", "mismatch"):
        index = _target("validation_loss", verdict.case)
        path.append(WalkStep("validation_loss", index, reason))
        return Walk(tuple(path), verdict, ())
    path.append(WalkStep("validation_loss", 0, reason))
    held_out = results.get("hold_out")
    settled_by = "curves"
    if held_out is None:
        pending.append(EXPERIMENTS["hold_out"])
    else:
        case, evidence = hold_out_case(diagnosis, held_out)
        verdict = _settled(case, evidence, diagnosis)
        reason, settled_by = evidence.text, "experiment"
    if verdict.case == "mismatch":
        path.append(WalkStep("overfitting_or_mismatch", 0, reason, settled_by))
        return Walk(tuple(path), verdict, tuple(pending))
    path.append(WalkStep("overfitting_or_mismatch", 1, reason, settled_by))
    kfold = results.get("kfold")
    if kfold is None:
        path.append(WalkStep("choose_model", 0, reason))
        pending.append(EXPERIMENTS["kfold"])
        return Walk(tuple(path), verdict, tuple(pending))
    evidence = kfold_evidence(kfold)
    verdict = replace(
        verdict,
        evidence=(*verdict.evidence, evidence),
        best_epoch=int(evidence.value),
    )
    path.append(WalkStep("choose_model", 0, evidence.text, "experiment"))
    return Walk(tuple(path), verdict, tuple(pending))


def kfold_evidence(summary: dict[str, Any]) -> Evidence:
    """What k-fold cross-validation says (``core.nets.trainer.kfold_summary``: per epoch the
    folds' mean and spread of the validation loss): the epoch where the mean is lowest is the
    one to keep (early stopping chosen on all the training data, not one split)."""
    mean = np.asarray(summary["mean"], dtype=float)
    if mean.size == 0 or not np.isfinite(mean).any():
        raise ValueError("the k-fold run recorded no finite validation loss")
    best = int(np.nanargmin(mean))
    epoch = int(np.asarray(summary["epoch"])[best])
    spread = float(np.asarray(summary["std"], dtype=float)[best])
    folds = int(np.max(np.asarray(summary["folds"])))
    m = f"{mean[best]:.3g}"
    sd = f"{spread:.3g}"
    return Evidence(
        "kfold_best_epoch",
        float(epoch),
        {
            "en": f"k-fold ({folds} folds): the mean validation loss is lowest at epoch {epoch} "
            f"({m} ± {sd}): keep that epoch, or constrain the model more.",
            "zh": f"k 折交叉验证（{folds} 折）：平均验证损失在第 {epoch} 个 epoch 最低"
            f"（{m} ± {sd}）：保留那个 epoch，或者对模型加更多限制。",
        },
    )


def hold_out_case(diagnosis: Diagnosis, held_out: Curves | float) -> tuple[str, Evidence]:
    """Overfitting or mismatch from the loss on held-out data of the training distribution:
    low (not a large gap to the training loss, by the same rule as the validation gap) means
    mismatch; high means overfitting."""
    f = diagnosis.features
    loss = measure(held_out).final_val if isinstance(held_out, Curves) else float(held_out)
    large = loss >= th.GAP_RATIO * f.final_train and loss - f.final_train >= (
        th.GAP_FRACTION * f.initial_val
    )
    case = "overfitting" if large else "mismatch"
    g = f"{loss:.3g}"
    t = f"{f.final_train:.3g}"
    v = f"{f.final_val:.3g}"
    text = (
        {
            "en": f"On held-out data from the training distribution the loss is {g}, high "
            f"like the validation loss {v} (training loss {t}): overfitting.",
            "zh": f"在留出的同分布数据上损失为 {g}，与验证损失 {v} 一样高"
            f"（训练损失 {t}）：过拟合。",
        }
        if large
        else {
            "en": f"On held-out data from the training distribution the loss is {g}, close to "
            f"the training loss {t}, while the validation loss is {v}: mismatch.",
            "zh": f"在留出的同分布数据上损失为 {g}，接近训练损失 {t}，而验证损失为 {v}："
            "分布不匹配。",
        }
    )
    return case, Evidence("hold_out_loss", loss, text)


# --- running the experiments on the Network Lab's engine -----------------------------------------


def shallower_model(model: ModelConfig) -> ModelConfig:
    """The notes' easier-to-optimize model: one hidden layer of the first layer's width (a linear
    model if ``model`` has one hidden layer or none)."""
    return replace(model, hidden=model.hidden[:1] if len(model.hidden) > 1 else ())


def shallower_run(data: dict[str, Any], model: ModelConfig, train: TrainConfig) -> ExperimentRun:
    from core.nets.experiments import ExperimentRun

    return ExperimentRun("shallower model", dict(data), shallower_model(model), train)


def hold_out_run(data: dict[str, Any], model: ModelConfig, train: TrainConfig) -> ExperimentRun:
    """The same training, validated on data from the training distribution (no ``mismatch``)."""
    from core.nets.experiments import ExperimentRun

    same = {key: value for key, value in data.items() if key != "mismatch"}
    return ExperimentRun("held-out data", same, model, train)


def train_run(
    run: ExperimentRun, *, epochs: int | None = None, device: str = "cpu"
) -> list[EpochRecord]:
    """Train one experiment run headless; its epoch records."""
    from core.nets.datasets import make_dataset
    from core.nets.trainer import EpochRecord, Trainer

    train = run.train if epochs is None else replace(run.train, epochs=epochs)
    trainer = Trainer(make_dataset(**run.data), run.model, train, device=device, label=run.label)
    return [r for r in trainer.records() if isinstance(r, EpochRecord)]


def compare_shallower(curves: Curves, shallower: Curves | list[EpochRecord]) -> Conclusion:
    """Notes 000-002: the run against a shallower model on the same data (their last training
    losses), as ``core.nets.experiments.diagnose_depth`` (case ``optimization``,
    ``model_bias`` or ``similar``)."""
    from core.nets.experiments import diagnose_depth

    if not isinstance(shallower, Curves):
        shallower = curves_from_records(shallower)
    return diagnose_depth(float(shallower.train_loss[-1]), float(curves.train_loss[-1]))

"""One-click experiments from the notes: two or three runs side by side, then a conclusion.

``ExperimentRunner(EXPERIMENTS[key]).records()`` trains the experiment's runs round-robin (one epoch
of each in turn, so their curves grow together) and yields their records (``run`` = the run's
label), then one :class:`Conclusion` that names the case it found from the numbers.

=================  =====================================================================
key                question
=================  =====================================================================
overfitting        Few points, big model: does the validation loss rise while the training
                   loss falls? (And does 10x more data cure it?)
mismatch           Validation drawn from a shifted distribution: the gap stays with 10x data.
shallow_vs_deep    Model bias or optimization? When the deeper network ends with the higher
                   *training* loss, it is an optimization problem (notes 001: 20 vs 56 layers).
batch_norm         The same deep network with and without batch normalization.
dropout            The overfitting setting with and without dropout.
augmentation       Few digits, with and without augmentation (shifts, noise, cutout).
=================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from core.nets.datasets import Augmentation, make_dataset
from core.nets.fast import FastTrainer
from core.nets.models import ModelConfig
from core.nets.trainer import EpochRecord, StepRecord, TrainConfig, Trainer


@dataclass(frozen=True)
class ExperimentRun:
    label: str
    data: dict[str, Any]  # make_dataset's arguments, "name" included
    model: ModelConfig
    train: TrainConfig


@dataclass(frozen=True)
class Experiment:
    key: str
    title: dict[str, str]
    question: dict[str, str]
    runs: tuple[ExperimentRun, ...]


@dataclass
class Conclusion:
    case: str
    text: dict[str, str]
    numbers: dict[str, float] = field(default_factory=dict)


def _adam(lr: float = 0.01) -> dict[str, Any]:
    return {"name": "adam", "lr": lr}


_FEW_MOONS = {"name": "moons", "size": 60, "noise": 0.2, "seed": 1}
_BIG = ModelConfig(hidden=(64, 64, 64), activation="relu")
_OVERFIT_TRAIN = TrainConfig(optimizer=_adam(0.01), epochs=150)
_DEEP_SIGMOID = ModelConfig(hidden=(16,) * 6, activation="sigmoid")
_FEW_DIGITS = {"name": "digits", "size": 400, "seed": 0, "val_fraction": 0.5}
_DIGITS_TRAIN = TrainConfig(optimizer=_adam(0.003), epochs=120, batch_size=32)

EXPERIMENTS: dict[str, Experiment] = {
    "overfitting": Experiment(
        "overfitting",
        {"en": "Overfitting", "zh": "过拟合"},
        {
            "en": "42 training points and a 3x64 network: the training loss keeps falling while "
            "the validation loss turns up. The same network on 25x more points does not.",
            "zh": "42 个训练点配 3×64 的网络：训练损失一直下降，验证损失却回升。"
            "同样的网络在 25 倍数据上则不会。",
        },
        (
            ExperimentRun("42 training points", _FEW_MOONS, _BIG, _OVERFIT_TRAIN),
            ExperimentRun(
                "1,050 training points", {**_FEW_MOONS, "size": 1500}, _BIG, _OVERFIT_TRAIN
            ),
        ),
    ),
    "mismatch": Experiment(
        "mismatch",
        {"en": "Mismatch", "zh": "分布不匹配（mismatch）"},
        {
            "en": "Validation points drawn from a shifted distribution: the validation loss stays "
            "high, and 10x more training data does not fix it.",
            "zh": "验证集来自平移后的分布：验证损失居高不下，10 倍训练数据也无济于事。",
        },
        tuple(
            ExperimentRun(
                label,
                {"name": "gaussians", "size": size, "seed": 0, "mismatch": mismatch},
                ModelConfig(hidden=(16, 16), activation="relu"),
                TrainConfig(optimizer=_adam(0.01), epochs=150),
            )
            for label, size, mismatch in (
                ("same distribution", 200, None),
                ("shifted validation", 200, "shift"),
                ("shifted, 10x data", 2000, "shift"),
            )
        ),
    ),
    "shallow_vs_deep": Experiment(
        "shallow_vs_deep",
        {"en": "Model bias or optimization?", "zh": "模型偏差还是优化问题？"},
        {
            "en": "A shallow and a deep network of the same units on the same data. The deep one "
            "can represent everything the shallow one can; if it ends with the higher training "
            "loss, its optimization failed (notes 001: the 56-layer vs 20-layer network). "
            "Then switch both to Adam and see which case it becomes.",
            "zh": "同样的神经元，浅网络和深网络在同一数据上训练。深网络能表示浅网络能表示的一切；"
            "若它的训练损失反而更高，就是优化出了问题（笔记 001：56 层对 20 层）。"
            "再把两者都换成 Adam，看看结论会变成哪一种。",
        },
        (
            ExperimentRun(
                "shallow: 1 layer",
                {"name": "moons", "seed": 0},
                ModelConfig(hidden=(16,), activation="sigmoid"),
                TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=300),
            ),
            ExperimentRun(
                "deep: 6 layers",
                {"name": "moons", "seed": 0},
                _DEEP_SIGMOID,
                TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=300),
            ),
        ),
    ),
    "batch_norm": Experiment(
        "batch_norm",
        {"en": "Batch normalization on vs off", "zh": "批归一化：开与关"},
        {
            "en": "The same 6-layer sigmoid network with and without batch normalization: "
            "normalized layers keep the gradients alive and the training loss falls much sooner.",
            "zh": "同一个 6 层 sigmoid 网络，有无批归一化："
            "归一化让梯度保持活力，训练损失下降得早得多。",
        },
        (
            ExperimentRun(
                "without BN",
                {"name": "moons", "seed": 0},
                _DEEP_SIGMOID,
                TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=100, batch_size=32),
            ),
            ExperimentRun(
                "with BN",
                {"name": "moons", "seed": 0},
                replace(_DEEP_SIGMOID, batch_norm=True),
                TrainConfig(optimizer={"name": "sgd", "lr": 0.5}, epochs=100, batch_size=32),
            ),
        ),
    ),
    "dropout": Experiment(
        "dropout",
        {"en": "Dropout on vs off", "zh": "Dropout：开与关"},
        {
            "en": "The overfitting setting (42 points, 3x64 network) with and without dropout "
            "p = 0.5: dropout keeps the validation loss lower.",
            "zh": "过拟合的设置（42 个点，3×64 网络），有无 p = 0.5 的 dropout："
            "dropout 让验证损失保持较低。",
        },
        (
            ExperimentRun("without dropout", _FEW_MOONS, _BIG, _OVERFIT_TRAIN),
            ExperimentRun("dropout 0.5", _FEW_MOONS, replace(_BIG, dropout=0.5), _OVERFIT_TRAIN),
        ),
    ),
    "augmentation": Experiment(
        "augmentation",
        {"en": "Data augmentation on vs off", "zh": "数据增强：开与关"},
        {
            "en": "200 training digits, with and without mixup (each image blended with another, "
            "and the labels too): every epoch sees new images, so memorizing is harder. Then try "
            "shifts: an MLP has no notion of 'the same pattern one pixel to the right', and on "
            "these centred 8x8 digits shifts can hurt.",
            "zh": "200 张训练数字，有无 mixup（每张图与另一张按比例混合，标签也一样）："
            "每个 epoch 的图片都不同，死记硬背更难。"
            "再试试平移：多层感知机不懂“右移一像素还是同一个图案”，"
            "在这些居中的 8×8 数字上平移反而可能有害。",
        },
        (
            ExperimentRun("no augmentation", _FEW_DIGITS, ModelConfig(hidden=(64,)), _DIGITS_TRAIN),
            ExperimentRun(
                "mixup",
                _FEW_DIGITS,
                ModelConfig(hidden=(64,)),
                replace(
                    _DIGITS_TRAIN,
                    augmentation=Augmentation(mixup=True),
                ),
            ),
        ),
    ),
}
EXPERIMENT_NAMES = tuple(EXPERIMENTS)


class ExperimentRunner:
    """The runs of one experiment; ``records()`` trains them round-robin, then concludes."""

    def __init__(
        self,
        experiment: Experiment,
        *,
        epochs: int | None = None,
        device: torch.device | str = "cpu",
    ) -> None:
        self.experiment = experiment
        self.trainers: dict[str, Trainer] = {}
        self.history: dict[str, list[EpochRecord]] = {}
        for run in experiment.runs:
            train = run.train if epochs is None else replace(run.train, epochs=epochs)
            data = make_dataset(**run.data)
            self.trainers[run.label] = FastTrainer(
                data, run.model, train, device=device, label=run.label
            )
            self.history[run.label] = []
        self.conclusion: Conclusion | None = None

    def records(self) -> Iterator[EpochRecord | StepRecord | Conclusion]:
        streams = {label: trainer.records() for label, trainer in self.trainers.items()}
        while streams:
            for label in list(streams):
                for record in streams[label]:
                    yield record
                    if isinstance(record, EpochRecord):
                        self.history[label].append(record)
                        break
                else:
                    del streams[label]
        self.conclusion = conclude(self.experiment.key, self.history)
        yield self.conclusion


# --- conclusions ---------------------------------------------------------------------------------


def _final(history: list[EpochRecord]) -> EpochRecord:
    return history[-1]


def _min_val(history: list[EpochRecord]) -> EpochRecord:
    return min(history, key=lambda r: r.val_loss)


def _first_epoch_below(history: list[EpochRecord], level: float) -> int | None:
    return next((r.epoch for r in history if r.train_loss <= level), None)


def conclude(key: str, history: dict[str, list[EpochRecord]]) -> Conclusion:
    """Name the case the runs show, from their records (see each branch)."""
    runs = list(history.values())
    if key in ("overfitting", "dropout"):
        few = runs[0]
        best, last = _min_val(few), _final(few)
        rose = last.val_loss > 1.2 * best.val_loss and last.train_loss < best.train_loss
        other = _final(runs[1])
        numbers = {
            "best_epoch": best.epoch,
            "best_val_loss": best.val_loss,
            "final_val_loss": last.val_loss,
            "final_train_loss": last.train_loss,
            "other_final_val_loss": other.val_loss,
        }
        if key == "dropout":
            better = other.val_loss < last.val_loss
            case = "dropout_helps" if better else "dropout_no_help"
            en = (
                f"Without dropout the validation loss ends at {last.val_loss:.3g} (best "
                f"{best.val_loss:.3g} at epoch {best.epoch}); with dropout at "
                f"{other.val_loss:.3g}. "
                + (
                    "Dropout reduced overfitting."
                    if better
                    else "Here dropout did not lower the validation loss."
                )
            )
            zh = (
                f"无 dropout 时验证损失最终为 {last.val_loss:.3g}（最低 {best.val_loss:.3g}，"
                f"第 {best.epoch} 个 epoch）；有 dropout 时为 {other.val_loss:.3g}。"
                + ("Dropout 减轻了过拟合。" if better else "这里 dropout 没有降低验证损失。")
            )
            return Conclusion(case, {"en": en, "zh": zh}, numbers)
        case = "overfitting" if rose else "no_overfitting"
        if rose:
            en = (
                f"Overfitting: the validation loss was lowest at epoch {best.epoch} "
                f"({best.val_loss:.3g}) and rose to {last.val_loss:.3g} while the training loss "
                f"fell to {last.train_loss:.3g}. With 25x the data the validation loss ends at "
                f"{other.val_loss:.3g}. Early stopping would keep epoch {best.epoch}."
            )
            zh = (
                f"过拟合：验证损失在第 {best.epoch} 个 epoch 最低（{best.val_loss:.3g}），之后升到 "
                f"{last.val_loss:.3g}，而训练损失降到 {last.train_loss:.3g}。"
                "25 倍数据时验证损失最终为 "
                f"{other.val_loss:.3g}。提前停止会保留第 {best.epoch} 个 epoch。"
            )
        else:
            en = (
                f"No clear overfitting: the validation loss ends at {last.val_loss:.3g}, "
                f"close to its best {best.val_loss:.3g} (epoch {best.epoch})."
            )
            zh = (
                f"没有明显的过拟合：验证损失最终为 {last.val_loss:.3g}，接近其最低值 "
                f"{best.val_loss:.3g}（第 {best.epoch} 个 epoch）。"
            )
        return Conclusion(case, {"en": en, "zh": zh}, numbers)
    if key == "mismatch":
        matched, shifted, shifted_big = (_final(r) for r in runs)
        gap = min(shifted.val_loss, shifted_big.val_loss) > 2 * matched.val_loss
        numbers = {
            "matched_val_loss": matched.val_loss,
            "shifted_val_loss": shifted.val_loss,
            "shifted_big_val_loss": shifted_big.val_loss,
        }
        case = "mismatch" if gap else "no_mismatch_effect"
        en = (
            f"Validation loss: {matched.val_loss:.3g} from the training distribution, "
            f"{shifted.val_loss:.3g} from the shifted one, and still {shifted_big.val_loss:.3g} "
            "with 10x the training data. "
            + (
                "That gap is mismatch: more data from the training distribution cannot fix it."
                if gap
                else "The shift made little difference here."
            )
        )
        zh = (
            f"验证损失：同分布 {matched.val_loss:.3g}，平移后的分布 {shifted.val_loss:.3g}，"
            f"10 倍训练数据时仍为 {shifted_big.val_loss:.3g}。"
            + (
                "这个差距就是 mismatch：来自训练分布的更多数据无法弥补。"
                if gap
                else "这里平移的影响不大。"
            )
        )
        return Conclusion(case, {"en": en, "zh": zh}, numbers)
    if key == "shallow_vs_deep":
        return diagnose_depth(_final(runs[0]).train_loss, _final(runs[1]).train_loss)
    if key == "batch_norm":
        without, with_bn = runs
        level = 0.5 * without[0].train_loss
        a, b = _first_epoch_below(without, level), _first_epoch_below(with_bn, level)
        numbers = {
            "final_train_loss_without": _final(without).train_loss,
            "final_train_loss_with": _final(with_bn).train_loss,
        }
        faster = b is not None and (a is None or b < a)
        case = "bn_faster" if faster else "bn_not_faster"

        def when(epoch: int | None, zh: bool = False) -> str:
            if epoch is None:
                return "从未" if zh else "never"
            return f"第 {epoch} 个 epoch" if zh else f"at epoch {epoch}"

        en = (
            f"The training loss halved {when(b)} with batch norm and {when(a)} without; it ends at "
            f"{numbers['final_train_loss_with']:.3g} vs {numbers['final_train_loss_without']:.3g}."
        )
        zh = (
            f"有批归一化时训练损失在{when(b, True)}减半，无批归一化时{when(a, True)}；最终为 "
            f"{numbers['final_train_loss_with']:.3g} 对 {numbers['final_train_loss_without']:.3g}。"
        )
        return Conclusion(case, {"en": en, "zh": zh}, numbers)
    if key == "augmentation":
        plain, augmented = (_final(r) for r in runs)
        better = augmented.val_loss < plain.val_loss
        numbers = {
            "val_loss_plain": plain.val_loss,
            "val_loss_augmented": augmented.val_loss,
            "val_accuracy_plain": plain.val_accuracy,
            "val_accuracy_augmented": augmented.val_accuracy,
        }
        case = "augmentation_helps" if better else "augmentation_no_help"
        en = (
            f"Validation loss {plain.val_loss:.3g} without and {augmented.val_loss:.3g} with "
            f"augmentation (accuracy {plain.val_accuracy:.1%} vs {augmented.val_accuracy:.1%}): "
            + ("augmentation generalized better." if better else "no gain here.")
        )
        zh = (
            f"验证损失：无增强 {plain.val_loss:.3g}，有增强 {augmented.val_loss:.3g}（准确率 "
            f"{plain.val_accuracy:.1%} 对 {augmented.val_accuracy:.1%}）："
            + ("增强后泛化更好。" if better else "这里没有收益。")
        )
        return Conclusion(case, {"en": en, "zh": zh}, numbers)
    raise ValueError(f"unknown experiment {key!r}; choose one of: {', '.join(EXPERIMENTS)}")


def diagnose_depth(shallow_train_loss: float, deep_train_loss: float) -> Conclusion:
    """Notes 001: a deeper network that ends with the *higher* training loss failed to optimize.

    It could copy the shallow network (extra layers that pass their input on) and do at least as
    well, so a higher training loss is not a lack of capacity. Losses within 5% are "similar".
    """
    numbers = {"shallow_train_loss": shallow_train_loss, "deep_train_loss": deep_train_loss}
    s, d = f"{shallow_train_loss:.3g}", f"{deep_train_loss:.3g}"
    if not np.isfinite(deep_train_loss) or deep_train_loss > 1.05 * shallow_train_loss:
        return Conclusion(
            "optimization",
            {
                "en": f"The deep network ends with the higher training loss ({d} vs {s}). It can "
                "represent everything the shallow one can, so this is an optimization problem, "
                "not model bias: try another optimizer, learning rate, batch norm or "
                "initialization.",
                "zh": f"深网络的训练损失反而更高（{d} 对 {s}）。它能表示浅网络能表示的一切，"
                "所以这是优化问题而不是模型偏差：换优化器、学习率、批归一化或初始化试试。",
            },
            numbers,
        )
    if deep_train_loss < 0.95 * shallow_train_loss:
        return Conclusion(
            "model_bias",
            {
                "en": f"The deep network fits the training data better ({d} vs {s}): the shallow "
                "one was limited by its model (model bias); a more flexible model helps.",
                "zh": f"深网络更好地拟合了训练数据（{d} 对 {s}）："
                "浅网络受限于模型本身（模型偏差），"
                "更灵活的模型有帮助。",
            },
            numbers,
        )
    return Conclusion(
        "similar",
        {
            "en": f"Both end with about the same training loss ({d} vs {s}): depth neither helped "
            "nor hurt here.",
            "zh": f"两者的训练损失相近（{d} 对 {s}）：这里深度既没帮忙也没添乱。",
        },
        numbers,
    )

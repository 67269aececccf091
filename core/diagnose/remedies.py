"""The cases the notes name, and their remedies, each linked to the lesson scene that shows it.

A lesson id is a scene of ``resources/scenes`` (``losslab scenes`` lists them);
``tests/core/test_diagnose.py`` checks that every id here exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Remedy:
    key: str
    text: dict[str, str]
    lesson: str  # a lesson id in resources/scenes


def _remedy(key: str, lesson: str, en: str, zh: str) -> Remedy:
    return Remedy(key, {"en": en, "zh": zh}, lesson)


REMEDIES: dict[str, Remedy] = {
    r.key: r
    for r in (
        _remedy(
            "more_flexibility",
            "optimization_or_model_bias",
            "A more flexible model: more parameters (neurons, layers) or more input features",
            "更有弹性的模型：更多参数（神经元、层）或更多输入特征",
        ),
        _remedy(
            "better_optimizer",
            "ravine_sgd_vs_adam",
            "A better optimizer: momentum or an adaptive one (Adam, RMSprop)",
            "更好的优化器：动量或自适应的方法（Adam、RMSprop）",
        ),
        _remedy(
            "escape_plateau",
            "plateau_adagrad_rmsprop",
            "On a plateau the steps are tiny: an adaptive learning rate (RMSprop, Adam) takes "
            "bigger ones where the gradient is small",
            "平原上步子太小：自适应学习率（RMSprop、Adam）在梯度小的地方迈大步",
        ),
        _remedy(
            "batch_norm",
            "network_batch_norm",
            "Batch normalization (a deep sigmoid network trains with it)",
            "批归一化（深层 sigmoid 网络有了它才训练得动）",
        ),
        _remedy(
            "cross_entropy",
            "loss_cross_entropy_classifier",
            "For classification use cross-entropy, not MSE (MSE is flat where the model is wrong)",
            "分类用交叉熵而不是均方误差（模型错得很自信时均方误差一片平坦）",
        ),
        _remedy(
            "lower_lr",
            "learning_rate_three_ways",
            "A smaller learning rate",
            "更小的学习率",
        ),
        _remedy(
            "higher_lr",
            "learning_rate_three_ways",
            "A larger learning rate, or more epochs",
            "更大的学习率，或更多的 epoch",
        ),
        _remedy(
            "schedule",
            "decay_settles",
            "A learning-rate schedule: decay to stop hopping around the minimum",
            "学习率调度：衰减学习率，不再在极小值附近来回跳",
        ),
        _remedy(
            "warmup",
            "warmup_rmsprop",
            "Warm-up: small steps at first, while the optimizer's statistics are still a guess",
            "预热：一开始先迈小步，等优化器的统计量准确了再加大",
        ),
        _remedy(
            "more_data",
            "network_overfitting",
            "More training data, or data augmentation",
            "更多训练数据，或数据增强",
        ),
        _remedy(
            "fewer_parameters",
            "network_overfitting",
            "Constrain the model: fewer parameters, or shared weights",
            "给模型加限制：更少的参数，或共享参数",
        ),
        _remedy(
            "early_stopping",
            "network_early_stopping",
            "Early stopping: keep the epoch with the lowest validation loss",
            "提前停止：保留验证损失最低的 epoch",
        ),
        _remedy(
            "regularization",
            "weight_decay_small_weights",
            "Regularization (weight decay)",
            "正则化（权重衰减）",
        ),
        _remedy("dropout", "network_dropout", "Dropout", "Dropout"),
        _remedy(
            "match_data",
            "network_mismatch",
            "Train on data that look like the test data; more data of the training kind will "
            "not help",
            "用与测试数据相似的数据训练；更多同训练分布的数据没有用",
        ),
        _remedy(
            "larger_batch",
            "batch_size_flat_minimum",
            "Larger batches or a decaying learning rate smooth the curve (the noise of small "
            "batches also helps find flat minima: no need to remove all of it)",
            "更大的批次或衰减的学习率让曲线更平滑（小批次的噪声也有助于找到平坦的极小值，"
            "不必全部去掉）",
        ),
    )
}

# Each case: its family (the branch of the flowchart), its name, and its remedies in order.
CASES: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "divergence": (
        "optimization",
        {"en": "Optimization diverged", "zh": "优化发散"},
        ("lower_lr", "warmup", "better_optimizer"),
    ),
    "oscillation": (
        "optimization",
        {"en": "Optimization oscillates: learning rate too large", "zh": "优化震荡：学习率过大"},
        ("lower_lr", "schedule", "better_optimizer"),
    ),
    "lr_too_small": (
        "optimization",
        {"en": "Optimization crawls: learning rate too small", "zh": "优化太慢：学习率过小"},
        ("higher_lr", "better_optimizer"),
    ),
    "plateau": (
        "optimization",
        {"en": "Optimization stuck on a plateau", "zh": "优化卡在平台上"},
        ("better_optimizer", "escape_plateau", "batch_norm", "cross_entropy"),
    ),
    "model_bias": (
        "model_bias",
        {"en": "Model bias", "zh": "模型偏差"},
        ("more_flexibility",),
    ),
    "overfitting": (
        "overfitting",
        {"en": "Overfitting", "zh": "过拟合"},
        (
            "more_data",
            "fewer_parameters",
            "early_stopping",
            "regularization",
            "dropout",
        ),
    ),
    "mismatch": (
        "mismatch",
        {"en": "Mismatch", "zh": "分布不匹配（mismatch）"},
        ("match_data",),
    ),
    "noisy_batches": (
        "noise",
        {"en": "Noisy small batches", "zh": "小批次带来的噪声"},
        ("larger_batch", "schedule"),
    ),
    "good_fit": (
        "ok",
        {"en": "No problem found", "zh": "没有发现问题"},
        (),
    ),
}
CASE_NAMES = tuple(CASES)
FAMILIES = ("optimization", "model_bias", "overfitting", "mismatch", "noise", "ok")


def case_title(case: str, language: str = "en") -> str:
    return CASES[case][1]["zh" if language == "zh" else "en"]


def case_family(case: str) -> str:
    return CASES[case][0]


def case_remedies(case: str) -> tuple[Remedy, ...]:
    return tuple(REMEDIES[key] for key in CASES[case][2])

"""The built-in lesson scenes shipped in ``resources/scenes``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import resources

SCENE_DIR = resources.path("scenes")

# The notes' chapters, in teaching order.
CHAPTERS: dict[str, dict[str, str]] = {
    "strategy": {"en": "Training strategy", "zh": "训练攻略"},
    "critical_points": {"en": "Critical points and the Hessian", "zh": "临界点与海森矩阵"},
    "batch_momentum": {"en": "Batch size and momentum", "zh": "批次与动量"},
    "adaptive_lr": {"en": "Adaptive learning rates", "zh": "自适应学习率"},
    "schedules": {"en": "Schedules and warm-up", "zh": "学习率调度与预热"},
    "loss_functions": {"en": "Loss functions", "zh": "损失函数"},
    "normalization": {"en": "Normalization", "zh": "归一化"},
    "regularization": {"en": "Regularization", "zh": "正则化"},
    "hyperparameters": {"en": "Hyper-parameters", "zh": "超参数"},
}

# Teaching order inside a chapter (a lesson that builds on another comes after it); lessons not
# listed follow in file-name order.
LESSON_ORDER: tuple[str, ...] = (
    "network_model_bias",
    "network_optimization_deep_sigmoid",
    "optimization_or_model_bias",
    "network_model_bias_or_optimization",
    "network_overfitting",
    "network_mismatch",
    "sharp_vs_flat",
    "sam_flat_minimum",
    "network_sam_sharpness",
    "saddle_escape",
    "newton_finds_any_critical_point",
    "himmelblau_basins",
    "momentum_local_minimum",
    "momentum_ravine",
    "momentum_two_formulas",
    "noise_scale_batch",
    "stuck_but_gradient_large",
    "ravine_sgd_vs_adam",
    "plateau_adagrad_rmsprop",
    "adagrad_step_decays",
    "stability_line",
    "network_edge_of_stability",
    "network_race_optimizers",
    "race_rosenbrock",
    "warmup_rmsprop",
    "decay_settles",
    "loss_mse_classifier",
    "loss_cross_entropy_classifier",
    "network_multiclass_softmax",
    "features_raw_scales",
    "features_normalized",
    "network_inside_layers",
    "weight_decay_small_weights",
    "early_stopping_like_weight_decay",
    "network_double_descent",
    "learning_rate_three_ways",
    "momentum_how_much",
    "network_update_ratio",
    "network_grid_vs_random",
    "network_lr_range_test",
    "network_snapshot_ensemble",
    "network_weight_averaging",
)


@dataclass(frozen=True)
class Lesson:
    key: str  # file stem
    path: Path
    chapter: str
    order: int
    title_en: str
    title_zh: str
    description_en: str = ""
    description_zh: str = ""

    def title(self, language: str) -> str:
        return self.title_zh if language == "zh" else self.title_en

    def description(self, language: str) -> str:
        return self.description_zh if language == "zh" else self.description_en


def list_lessons() -> list[Lesson]:
    """Every lesson scene, in chapter order then file order (no validation: see load_scene)."""
    lessons = []
    for path in sorted(SCENE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        title, description = data.get("title", {}), data.get("description", {})
        if isinstance(title, str):  # a plain string means both languages (see core.scene)
            title = {"en": title}
        if isinstance(description, str):
            description = {"en": description}
        chapter = data.get("chapter", "strategy")
        lessons.append(
            Lesson(
                key=path.stem,
                path=path,
                chapter=chapter,
                order=list(CHAPTERS).index(chapter) if chapter in CHAPTERS else len(CHAPTERS),
                title_en=title.get("en", path.stem),
                title_zh=title.get("zh", title.get("en", path.stem)),
                description_en=description.get("en", ""),
                description_zh=description.get("zh", description.get("en", "")),
            )
        )
    rank = {key: index for index, key in enumerate(LESSON_ORDER)}
    return sorted(
        lessons,
        key=lambda lesson: (lesson.order, rank.get(lesson.key, len(rank)), lesson.key),
    )


def lesson_path(key: str) -> Path:
    return SCENE_DIR / f"{key}.json"


def find_lesson(key: str) -> Path | None:
    """The file of the lesson ``key`` (an id that ``losslab scenes`` lists), or ``None``."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", key):  # an id, never a path
        return None
    path = lesson_path(key)
    return path if path.is_file() else None


def resolve_scene(name: str) -> Path:
    """What a scene argument names: an existing file first, else a lesson id, else the path as
    given (so that reading it reports "no such file")."""
    path = Path(name)
    if path.exists():
        return path
    return find_lesson(name) or path

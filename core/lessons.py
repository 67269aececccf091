"""The built-in lesson scenes shipped in ``resources/scenes``."""

from __future__ import annotations

import json
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


@dataclass(frozen=True)
class Lesson:
    key: str  # file stem
    path: Path
    chapter: str
    order: int
    title_en: str
    title_zh: str


def list_lessons() -> list[Lesson]:
    """Every lesson scene, in chapter order then file order (no validation: see load_scene)."""
    lessons = []
    for path in sorted(SCENE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        title = data.get("title", {})
        chapter = data.get("chapter", "strategy")
        lessons.append(
            Lesson(
                key=path.stem,
                path=path,
                chapter=chapter,
                order=list(CHAPTERS).index(chapter) if chapter in CHAPTERS else len(CHAPTERS),
                title_en=title.get("en", path.stem),
                title_zh=title.get("zh", title.get("en", path.stem)),
            )
        )
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.key))


def lesson_path(key: str) -> Path:
    return SCENE_DIR / f"{key}.json"

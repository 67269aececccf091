"""The lesson browser's pictures: one PNG per lesson, shipped in ``resources/thumbnails``.

They are made once, by ``python -m desktop_app.lessons.thumbnails`` (only the missing ones;
``--all`` makes every one again): a Surface Lab lesson with ``losslab render KEY --view map``, a
Network Lab lesson by training its network in an offscreen Network Lab page and drawing the
model view and the loss curves. ``tests/desktop/test_lessons.py`` checks that every lesson has
one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import resources
from core.lessons import Lesson, list_lessons

THUMBNAIL_DIR = resources.path("thumbnails")
SIZE = (400, 250)  # pixels; the browser shows them at this size or smaller


def thumbnail_path(key: str) -> Path:
    return THUMBNAIL_DIR / f"{key}.png"


def is_network_lesson(lesson: Lesson) -> bool:
    """Whether the lesson opens in the Network Lab (its scene has a ``network``)."""
    try:
        data = json.loads(lesson.path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "network" in data


def _render_surface(lesson: Lesson, out: Path) -> None:
    size = f"{SIZE[0]}x{SIZE[1]}"
    command = [sys.executable, "-m", "desktop_app.main", "render", lesson.key, "--out", str(out)]
    command += ["--view", "map", "--size", size, "--lang", "en"]
    subprocess.run(command, check=True, timeout=600)


def _render_network(lesson: Lesson, out: Path) -> None:
    """Train the lesson's network to its last epoch offscreen; draw its model and curves."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt

    from core.fileio import write_atomic
    from core.scene import load_scene
    from desktop_app.app import create_application
    from desktop_app.network_lab.backends import IN_PROCESS_ENV
    from desktop_app.network_lab.page import NetworkLabPage

    os.environ[IN_PROCESS_ENV] = "1"  # no trainer process for a one-off picture
    create_application()
    page = NetworkLabPage()
    page.resize(1200, 700)
    page.load_scene(load_scene(lesson.path))
    page.show()
    page.wait_for(lambda: "network" in page.snapshots, 120)
    page.set_playing(True)
    page.wait_for(lambda: page.finished, 600)
    page.wait_idle(60)
    page.draw()
    page.resize(SIZE[0] * 3, SIZE[1] * 3)  # the model view and the curves side by side
    page.wait_for(lambda: False, 0.3)  # let the layout and the plots settle
    picture = page.split.grab().scaled(
        *SIZE,
        Qt.AspectRatioMode.KeepAspectRatioByExpanding,
        Qt.TransformationMode.SmoothTransformation,
    )
    picture = picture.copy(0, 0, *SIZE)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, "PNG")
    write_atomic(out, bytes(data))
    page.shutdown()
    page.close()


def make_thumbnails(every: bool = False) -> list[str]:
    """Draw the missing thumbnails (every one with ``every``); the keys drawn."""
    THUMBNAIL_DIR.mkdir(exist_ok=True)
    made = []
    for lesson in list_lessons():
        out = thumbnail_path(lesson.key)
        if out.exists() and not every:
            continue
        if is_network_lesson(lesson):
            _render_network(lesson, out)
        else:
            _render_surface(lesson, out)
        made.append(lesson.key)
        print(f"wrote {out}")
    return made


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    make_thumbnails(every="--all" in sys.argv[1:])

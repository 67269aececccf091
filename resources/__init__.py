"""Data shipped with LossLab: lesson scenes, translations, icons, fonts, datasets.

A package (not Python code) so that an installed wheel and a PyInstaller bundle find these files the
same way as a source checkout does.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def path(*parts: str) -> Path:
    """Absolute path of a resource, e.g. ``path("scenes", "ravine.json")``."""
    return ROOT.joinpath(*parts)

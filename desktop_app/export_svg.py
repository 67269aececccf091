"""SVG clean-up: Qt's SVG rewritten so that other programs (browsers, Inkscape, office
programs) draw it as Qt does (:func:`portable_svg`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QFont, QFontInfo


@dataclass
class DataClip:
    """A plot's data area in the SVG (``rect``) and the matrices of the items drawn inside it."""

    rect: QRectF
    matrices: list[tuple[float, ...]]


_SVG = "http://www.w3.org/2000/svg"
_MATRIX = re.compile(r"matrix\(([^)]*)\)")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SCALED_TAGS = {"polyline", "polygon", "path", "line"}


def portable_svg(text: str, size: QSize, clips: Sequence[DataClip] = ()) -> str:
    """Rewrite Qt's SVG so that other programs draw it as Qt does.

    * ``width``/``height`` in pixels (Qt writes millimetres, which some readers refuse).
    * Curves drawn in data coordinates come as ``<g transform="matrix(216,0,0,-140,..)">`` with
      ``vector-effect="non-scaling-stroke"``: readers without that SVG Tiny feature scale the
      1-2 px pens into bands hundreds of pixels wide. The matrix is applied to the coordinates
      instead, so the stroke is plain pixels everywhere.
    * What a plot draws in data coordinates is clipped to the plot's area (``clips``), so that a
      path that leaves the view stops at the axes, as on screen.
    * ``font-family`` names the font Qt really used first (Qt writes its alias, e.g. "Sans Serif",
      which other programs do not know and then draw no text at all), then a generic fallback.
    """
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(text)
    root.set("width", str(size.width()))
    root.set("height", str(size.height()))
    parents = {child: parent for parent in root.iter() for child in parent}
    clip_ids: dict[tuple[float, ...], str] = {}
    for group in list(root.iter(f"{{{_SVG}}}g")):
        match = _MATRIX.fullmatch(group.get("transform", ""))
        if match is None:
            continue
        matrix = tuple(float(v) for v in match.group(1).split(","))
        _bake_transform(group, matrix)
        clip = next((c for c in clips if any(_same(matrix, m) for m in c.matrices)), None)
        if matrix[:4] == (1.0, 0.0, 0.0, 1.0):
            clip = None  # a translation: text, markers, legends (see _data_clips)
        if clip is not None:
            _wrap_in_clip(root, parents, group, clip.rect, clip_ids)
    families: dict[str, str] = {}
    for element in root.iter():
        family = element.get("font-family")
        if family:
            if family not in families:
                real = QFontInfo(QFont(family)).family()  # what Qt really drew with
                names = [real, *(name.strip() for name in family.split(",")), "sans-serif"]
                families[family] = ", ".join(dict.fromkeys(name for name in names if name))
            element.set("font-family", families[family])
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(
        root, encoding="unicode"
    )


def _same(written: tuple[float, ...], exact: tuple[float, ...]) -> bool:
    """Qt writes matrices with 6 significant digits."""
    return all(
        abs(a - b) <= 1e-4 * max(1.0, abs(b)) + 1e-3 for a, b in zip(written, exact, strict=True)
    )


def _wrap_in_clip(
    root: ET.Element,
    parents: dict[ET.Element, ET.Element],
    group: ET.Element,
    rect: QRectF,
    clip_ids: dict[tuple[float, ...], str],
) -> None:
    key = (rect.x(), rect.y(), rect.width(), rect.height())
    if key not in clip_ids:
        defs = root.find(f"{{{_SVG}}}defs")
        if defs is None:
            defs = ET.Element(f"{{{_SVG}}}defs")
            root.insert(0, defs)
        clip_ids[key] = f"plot-area-{len(clip_ids) + 1}"
        clip_path = ET.SubElement(defs, f"{{{_SVG}}}clipPath", id=clip_ids[key])
        x, y, width, height = (f"{v:.6g}" for v in key)
        ET.SubElement(clip_path, f"{{{_SVG}}}rect", x=x, y=y, width=width, height=height)
    parent = parents[group]
    wrapper = ET.Element(f"{{{_SVG}}}g", {"clip-path": f"url(#{clip_ids[key]})"})
    parent.insert(list(parent).index(group), wrapper)
    parent.remove(group)
    wrapper.append(group)
    parents[wrapper], parents[group] = parent, wrapper


def _bake_transform(group: ET.Element, matrix: tuple[float, ...]) -> None:
    a, b, c, d, e, f = matrix
    if (a, b, c, d) == (1.0, 0.0, 0.0, 1.0):
        return  # a translation scales no stroke
    children = list(group)
    if not children or any(
        child.tag.removeprefix(f"{{{_SVG}}}") not in _SCALED_TAGS
        or child.get("vector-effect") != "non-scaling-stroke"
        for child in children
    ):
        return  # images, text, fills: the transform is right as it is

    def point(x: float, y: float) -> str:
        return f"{a * x + c * y + e:.6g},{b * x + d * y + f:.6g}"

    rewritten = []
    for child in children:
        tag = child.tag.removeprefix(f"{{{_SVG}}}")
        if tag in ("polyline", "polygon"):
            numbers = [float(v) for v in re.split(r"[\s,]+", child.get("points", "").strip()) if v]
            if len(numbers) % 2:
                return
            value = " ".join(point(x, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True))
            rewritten.append((child, "points", value))
        elif tag == "line":
            ends = [float(child.get(k, "0")) for k in ("x1", "y1", "x2", "y2")]
            rewritten.append((child, "line", (point(*ends[:2]), point(*ends[2:]))))
        else:
            value = _map_path(child.get("d", ""), point)
            if value is None:
                return
            rewritten.append((child, "d", value))
    for child, key, value in rewritten:
        if key == "line":
            for (kx, ky), text in zip((("x1", "y1"), ("x2", "y2")), value, strict=True):
                x, y = text.split(",")
                child.set(kx, x)
                child.set(ky, y)
        else:
            child.set(key, value)
        del child.attrib["vector-effect"]
    del group.attrib["transform"]


def _map_path(d: str, point: Callable[[float, float], str]) -> str | None:
    """Map every point of a path written with absolute M/L/C/Z (what Qt writes); else None."""
    out, numbers = [], []
    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if token not in "MLCZ" or numbers:
                return None
            out.append(token)
        else:
            numbers.append(float(token))
            if len(numbers) == 2:
                out.append(point(*numbers))
                numbers = []
    return None if numbers else " ".join(out)

"""Scene files on disk: bounded UTF-8 reads, JSON parsing into :func:`core.scene.parse_scene`,
and complete-or-nothing writes."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from core.fileio import FileTooLarge, read_bounded, write_atomic
from core.scene_fields import MAX_FILE_BYTES, SceneError, _parse_int

if TYPE_CHECKING:
    from core.scene import Scene


def _read_text(path: str | os.PathLike[str], source: str) -> str:
    """The file's text: a regular file of at most ``MAX_FILE_BYTES``, UTF-8 (a BOM is fine)."""
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise SceneError("no such file", source=source) from None
    except FileTooLarge as error:
        raise SceneError(str(error.strerror), source=source) from None
    except OSError as error:
        raise SceneError(f"cannot read file: {error.strerror or error}", source=source) from None
    except ValueError as error:  # a NUL in the path
        raise SceneError(f"cannot read file: {error}", source=source) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SceneError("cannot read file: it is UTF-16 text; save it as UTF-8", source=source)
    try:
        return raw.decode("utf-8-sig")  # Notepad starts UTF-8 files with a byte order mark
    except UnicodeDecodeError as error:
        raise SceneError(
            f"cannot read file: it is not UTF-8 text (byte {error.start}: {error.reason})",
            source=source,
        ) from None


def load_scene(path: str | os.PathLike[str]) -> Scene:
    """Read and validate a scene file; every failure is a :class:`SceneError`.

    Only a regular file is read (a FIFO or a link to ``/dev/zero`` is refused at once), at most
    ``MAX_FILE_BYTES``; a file without ``"format"`` is refused.
    """
    source = str(path)
    text = _read_text(path, source)
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise SceneError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}", source=source
        ) from None
    except RecursionError:
        raise SceneError("invalid JSON: nested too deeply", source=source) from None
    except ValueError as error:  # e.g. Python's limit on the digits of an integer
        raise SceneError(f"invalid JSON: {error}", source=source) from None
    from core.scene import parse_scene  # core.scene imports this module: import when called

    return parse_scene(data, source=source, require_format=True)


def scene_to_dict(scene: Scene) -> dict[str, Any]:
    """Plain JSON data for ``scene`` (the inverse of :func:`parse_scene`)."""
    return scene.model_dump(mode="json", exclude_none=True)


def dump_scene(scene: Scene) -> str:
    return json.dumps(scene_to_dict(scene), ensure_ascii=False, indent=2) + "\n"


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write the whole text or leave the old file untouched (:func:`core.fileio.write_atomic`)."""
    write_atomic(path, text)


def save_scene(scene: Scene, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, dump_scene(scene))

"""The digest of the engine's source code, part of the key of computed results kept on disk
(:mod:`core.record_cache`): any change of the code is a new key, never an old result.

From a checkout or an installed wheel it is computed from ``core/``'s ``.py`` files. A bundle
(PyInstaller) holds them only as bytecode in its archive, and its version number says nothing of
its code: ``packaging/losslab.spec`` computes the same digest when it builds the bundle and ships
it as ``resources/DIGEST_FILE``. A bundle without it has no digest, and nothing is cached.
Imports neither torch nor Qt (the spec calls it).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

DIGEST_FILE = "core_source_digest.txt"


def source_digest(root: Path) -> str:
    """SHA-256 over the ``.py`` files under ``root``: their paths and their bytes."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_digest_file(root: Path, folder: Path) -> Path:
    """Write ``root``'s source digest to ``folder/DIGEST_FILE`` (the bundle's, at build time)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DIGEST_FILE
    target.write_text(source_digest(root) + "\n", encoding="utf-8")
    return target


def engine_source_digest() -> str | None:
    """``core``'s source digest: computed, or in a bundle the one it was built with; None in a
    bundle that lacks it."""
    if getattr(sys, "frozen", False):
        import resources

        try:
            return resources.path(DIGEST_FILE).read_text("utf-8").strip() or None
        except (OSError, UnicodeDecodeError):
            return None
    return source_digest(Path(__file__).resolve().parent)

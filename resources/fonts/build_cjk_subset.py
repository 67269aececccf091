"""Rebuild ``LossLabSansSC-Regular.otf``: a subset of Noto Sans CJK SC for LossLab's Chinese UI.

Run it after adding Chinese text (a translation, a lesson, a surface note); the test
``tests/desktop/test_i18n.py`` says which characters are missing. It needs fontTools (a build
tool only: ``pip install fonttools``) and the full Noto Sans CJK SC font, e.g. Debian's
``fonts-noto-cjk`` (``apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb x``)
or Google's ``NotoSansCJKsc-Regular.otf``::

    python resources/fonts/build_cjk_subset.py \
        x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

The subset keeps every character found in the translations, scenes and Python sources, the 3755
characters of GB 2312 level 1 (so text a teacher types mostly renders too), CJK and full-width
punctuation and Basic Latin: about 1.5 MB. The family is renamed "LossLab Sans SC" (a Modified
Version under the SIL Open Font License 1.1, see OFL.txt; Noto's Reserved Font Name is not used).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

FAMILY = "LossLab Sans SC"
OUTPUT = Path(__file__).resolve().parent / "LossLabSansSC-Regular.otf"
ROOT = Path(__file__).resolve().parents[2]  # the repository
SOURCES = (
    ("resources/translations", "*.ts"),
    ("resources/scenes", "*.json"),
    ("resources", "**/*.json"),
    ("core", "**/*.py"),
    ("desktop_app", "**/*.py"),
)


def is_wide(char: str) -> bool:
    """Characters the UI font may lack: CJK ideographs, punctuation, full-width forms."""
    return ord(char) >= 0x2E80


def project_characters() -> set[str]:
    chars: set[str] = set()
    for folder, pattern in SOURCES:
        for path in (ROOT / folder).glob(pattern):
            chars |= {c for c in path.read_text(encoding="utf-8") if is_wide(c)}
    return chars


def gb2312_level1() -> set[str]:
    chars = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned code points
                chars.add(bytes([high, low]).decode("gb2312"))
    return chars


def common_punctuation() -> set[str]:
    ranges = [(0x20, 0x7F), (0x2010, 0x2027), (0x3000, 0x3040), (0xFF01, 0xFF5F)]
    return {chr(c) for low, high in ranges for c in range(low, high)} | set("·—…‘’“”′″←→↑↓×÷")


def build(source: Path, output: Path = OUTPUT) -> set[str]:
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() in (".ttc", ".otc"):
        fonts = TTCollection(str(source)).fonts
        font = next(f for f in fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    else:
        font = TTFont(str(source))
    text = project_characters() | gb2312_level1() | common_punctuation()
    options = subset.Options()
    options.hinting = False  # Qt renders CFF outlines unhinted anyway
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(text)))
    subsetter.subset(font)
    names = font["name"]
    postscript = FAMILY.replace(" ", "") + "-Regular"
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            names.setName(f"{FAMILY} Regular", 4, record.platformID, record.platEncID, 0x409)
        elif record.nameID in (3, 6):
            names.setName(postscript, record.nameID, record.platformID, record.platEncID, 0x409)
    names.names = [r for r in names.names if r.nameID not in (16, 17) or r.langID == 0x409]
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = f"{FAMILY} Regular", FAMILY
    font.save(str(output))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="NotoSansCJK-Regular.ttc or an SC .otf")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = build(args.source, args.out)
    print(f"wrote {args.out}: {len(text)} characters, {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

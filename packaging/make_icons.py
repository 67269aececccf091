"""Render packaging/icons/losslab.svg into the icon files the installers need.

    python packaging/make_icons.py [OUT_DIR]     (default: build/icons)

Writes losslab.png (256 px, for the Linux .desktop entry), losslab-<N>.png for several sizes,
losslab.ico (Windows, several sizes in one file) and losslab.icns (macOS), with Qt's
SVG renderer and PNG writer and two small hand-written containers (ICO and ICNS both hold PNG
images), so no extra package or platform tool is needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parent / "icons" / "losslab.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(size: int):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (read by Windows Vista and later), up to 256 px."""
    sizes = [size for size in sorted(pngs) if size <= 256]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, payload = b"", b""
    for size in sizes:
        side = 0 if size == 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])
        payload += pngs[size]
    return header + entries + payload


# Apple's PNG-based icns element types: (type, pixel size).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
    (b"ic07", 128), (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512),
)  # fmt: skip


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns: big-endian 'icns' header, then (type, length, PNG) elements."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icons(out_dir: Path) -> list[Path]:
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QImage.save needs it
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = {size: png_bytes(render(size)) for size in SIZES}
    files = {f"losslab-{size}.png": data for size, data in pngs.items()}
    files |= {"losslab.png": pngs[256], "losslab.ico": ico(pngs), "losslab.icns": icns(pngs)}
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parent.parent
    out_dir = Path(argv[0]) if argv else repo / "build" / "icons"
    for path in write_icons(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

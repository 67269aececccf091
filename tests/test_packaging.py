"""Cheap checks of the installer sources (CI cannot build the ~750 MB bundle itself)."""

from __future__ import annotations

import ast
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parent.parent / "packaging"
SPEC = PACKAGING / "losslab.spec"
SHELL_SCRIPTS = [PACKAGING / "build_linux.sh", PACKAGING / "macos" / "build.sh"]


def test_spec_is_python_and_collects_the_resources_and_qt_chinese_translation() -> None:
    source = SPEC.read_text(encoding="utf-8")
    ast.parse(source)  # a syntax error would only show in a multi-minute build
    assert 'REPO / "resources"' in source
    assert "qtbase_zh_CN.qm" in source
    assert "TranslationsPath" in source  # where QLibraryInfo (and so desktop_app.i18n) looks
    assert "entry.py" in source and (PACKAGING / "entry.py").is_file()
    for other_binding in ("PyQt5", "PyQt6", "PySide2"):
        assert f'"{other_binding}"' in source  # excluded


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda path: path.name)
def test_shell_scripts_are_executable_and_parse(script: Path) -> None:
    assert os.access(script, os.X_OK), f"{script} is not executable"
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_linux_wrapper_is_executable_and_desktop_entry_runs_it() -> None:
    wrapper = PACKAGING / "linux" / "losslab"
    assert os.access(wrapper, os.X_OK)
    assert "/opt/losslab/losslab" in wrapper.read_text()
    entry = dict(
        line.split("=", 1)
        for line in (PACKAGING / "linux" / "losslab.desktop").read_text("utf-8").splitlines()
        if "=" in line
    )
    assert entry["Exec"].split()[0] == "losslab"
    assert entry["Icon"] == "losslab"
    assert entry["Comment[zh_CN]"]


def test_inno_setup_script_offers_the_chinese_wizard() -> None:
    raw = (PACKAGING / "windows" / "losslab.iss").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "ISCC reads the Chinese messages right only with a BOM"
    text = raw.decode("utf-8-sig")
    assert r"compiler:Languages\ChineseSimplified.isl" in text
    assert "chinesesimplified.AppComment=" in text
    assert r"{app}\LossLab.exe" in text


def test_icons_render_into_valid_ico_and_icns(qapp, tmp_path: Path) -> None:
    # qapp: a QApplication must exist before make_icons would create a bare QGuiApplication.
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    names = {path.name for path in make_icons.write_icons(tmp_path)}
    assert {"losslab.png", "losslab.ico", "losslab.icns", "losslab-16.png"} <= names

    ico = (tmp_path / "losslab.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, 7)
    for index in range(count):
        side, _, _, _, _, _, size, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * index)
        png = ico[offset : offset + size]
        assert png.startswith(b"\x89PNG")
        width = struct.unpack(">I", png[16:20])[0]  # IHDR
        assert width == (side or 256)

    icns = (tmp_path / "losslab.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    kinds, position = [], 8
    while position < len(icns):
        kinds.append(icns[position : position + 4])
        assert icns[position + 8 : position + 12] == b"\x89PNG"
        position += struct.unpack(">I", icns[position + 4 : position + 8])[0]
    assert position == len(icns)
    assert [kind for kind, _ in make_icons.ICNS_TYPES] == kinds


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils' readelf")
def test_bundle_check_reports_what_is_missing(tmp_path: Path) -> None:
    bundle = tmp_path / "losslab"
    (bundle / "_internal").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "check_bundle.py"), str(bundle)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "missing PySide6/Qt/translations/qtbase_zh_CN.qm" in done.stderr
    assert "missing the lesson scenes" in done.stderr

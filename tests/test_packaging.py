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
SHELL_SCRIPTS = [
    PACKAGING / "build_linux.sh",
    PACKAGING / "macos" / "build.sh",
    PACKAGING / "test_in_chroots.sh",
]


def load_check_bundle():
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_bundle", PACKAGING / "check_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_spec_bundles_nothing_from_the_system_but_libpython() -> None:
    """The bundle must not depend on what the build machine has installed (GTK 3 used to leak
    in), and must not hide the target's libstdc++/GL from Mesa: an allow-list, not a deny-list."""
    source = SPEC.read_text(encoding="utf-8")
    assert 'BUNDLED_FROM_SYSTEM = ("libpython3",)' in source
    assert "from_system(source)" in source
    assert '"platformthemes/libqgtk3.so"' in source
    # The old deny-list of GTK libraries is gone: it always missed some (libgtk-3, libgdk-3, ...).
    assert "GTK_THEME_ONLY_LIBS" not in source


def test_system_libraries_have_packages_and_graphics_runtime_is_never_bundled() -> None:
    check_bundle = load_check_bundle()
    packages = check_bundle.SYSTEM_PACKAGES
    for soname in ("libstdc++.so.6", "libgcc_s.so.1", "libGL.so.1", "libEGL.so.1", "libGLX.so.0",
                   "libOpenGL.so.0", "libGLdispatch.so.0", "libdrm.so.2", "libc.so.6"):  # fmt: skip
        assert soname in packages, soname
    assert packages["libglib-2.0.so.0"] == "libglib2.0-0t64 | libglib2.0-0"
    runtime = check_bundle.runtime_packages()
    assert "libc6" in runtime and "libstdc++6" in runtime and "libglib2.0-0" in runtime
    assert all("|" not in name and " " not in name for name in runtime)


def test_depends_are_versioned_by_what_the_bundle_uses() -> None:
    check_bundle = load_check_bundle()
    line = check_bundle.depends(
        {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libGL.so.1", "libssl.so.3"},
        glibc=(2, 36),
        glibcxx=(3, 4, 30),
    )
    assert line.startswith("libc6 (>= 2.36), ")
    parts = line.split(", ")
    assert "libstdc++6 (>= 12)" in parts and "libgcc-s1" in parts and "libgl1" in parts
    assert "libssl3t64 | libssl3" in parts
    assert len(parts) == len(set(parts))  # libc.so.6 and libm.so.6: one libc6
    newer = check_bundle.depends({"libstdc++.so.6"}, glibc=None, glibcxx=(3, 4, 32))
    assert newer == "libstdc++6 (>= 13.2)"


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils' readelf")
def test_bundle_check_refuses_bundled_system_and_gtk_libraries(tmp_path: Path) -> None:
    internal = tmp_path / "losslab" / "_internal"
    internal.mkdir(parents=True)
    for name in ("libstdc++.so.6", "libgtk-3.so.0", "libepoxy.so.0"):
        (internal / name).write_bytes(b"not an ELF file")
    done = subprocess.run(
        [
            sys.executable,
            str(PACKAGING / "check_bundle.py"),
            str(tmp_path / "losslab"),
            "--depends",
            str(tmp_path / "depends"),
        ],  # fmt: skip
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    for name in ("libstdc++.so.6", "libgtk-3.so.0", "libepoxy.so.0"):
        assert f"_internal/{name} is bundled: it must come from the target system" in done.stderr
    assert (tmp_path / "depends").is_file()


def test_check_bundle_lists_runtime_packages() -> None:
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "check_bundle.py"), "--runtime-packages"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split()[:3] == ["libc6", "libstdc++6", "libgcc-s1"]


def test_deb_depends_come_from_the_bundle_check_and_apt_install_is_documented() -> None:
    script = (PACKAGING / "build_linux.sh").read_text()
    assert '--depends "$WORK/deb-depends"' in script
    assert 'depends=$(cat "$WORK/deb-depends")' in script
    assert "RUNTIME_PACKAGES" not in script  # one list: check_bundle.py's SYSTEM_PACKAGES
    readme = (PACKAGING / "README.md").read_text("utf-8")
    assert "apt install ./dist/losslab_" in readme
    assert "dpkg -i" in readme  # explained: it leaves the package unconfigured


def test_chroot_script_covers_old_and_new_debian() -> None:
    script = (PACKAGING / "test_in_chroots.sh").read_text()
    assert "SUITES=(bullseye bookworm trixie)" in script
    assert "LOSSLAB_SMOKE_3D" in script
    assert "LOSSLAB_SMOKE_3D" in (PACKAGING / "entry.py").read_text()


FAKE_BUNDLE = """#!/bin/sh
# Plays its shipped start-up runs; with COMPUTES it computes two (and keeps them, unless
# NO_STORE: a cache it cannot write).
runs="$LOSSLAB_DATA_DIR/cache/runs"
if [ -n "$COMPUTES" ] && [ -z "$NO_STORE" ]; then
    mkdir -p "$runs" && echo a > "$runs/one.npz" && echo b > "$runs/two.npz"
fi
echo '{"first_frame": 1.0}'
if [ -n "$COMPUTES" ]; then echo '{"runs_computed": 2}'; else echo '{"runs_computed": 0}'; fi
echo '{"computed": 2.0}'
"""


@pytest.mark.parametrize("launch", ["plays", "computes", "computes without storing"])
def test_the_check_fails_a_bundle_whose_first_launch_computes_its_start_up_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launch: str
) -> None:
    bundle = tmp_path / "losslab"
    bundle.write_text(FAKE_BUNDLE)
    bundle.chmod(0o755)
    if launch != "plays":
        monkeypatch.setenv("COMPUTES", "1")
    if launch == "computes without storing":
        monkeypatch.setenv("NO_STORE", "1")
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "check_shipped_runs.py"), str(bundle)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if launch == "plays":
        assert done.returncode == 0, done.stderr
        assert "plays the shipped start-up runs" in done.stdout
    else:
        assert done.returncode == 1
        assert "a first launch computed 2 start-up runs" in done.stderr


def test_every_build_script_checks_the_first_launch() -> None:
    scripts = ["build_linux.sh", "macos/build.sh", "windows/build.ps1"]
    for script in scripts:
        assert "check_shipped_runs.py" in (PACKAGING / script).read_text("utf-8"), script


def test_the_check_reads_the_count_the_app_reports() -> None:
    from desktop_app.app import RUNS_COMPUTED

    assert f'RUNS_COMPUTED = "{RUNS_COMPUTED}"' in (PACKAGING / "check_shipped_runs.py").read_text()


def test_the_check_refuses_a_missing_bundle_and_reports_one_that_fails(tmp_path: Path) -> None:
    check = [sys.executable, str(PACKAGING / "check_shipped_runs.py")]
    done = subprocess.run(
        [*check, str(tmp_path / "nothing")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "give the bundle's executable" in done.stderr
    broken = tmp_path / "losslab"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    done = subprocess.run([*check, str(broken)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "did not show its start-up runs" in done.stderr
    assert "cannot start" in done.stderr


def test_every_resource_file_is_package_data() -> None:
    """A wheel (pip install .) ships every file under resources/, as the bundle does: each
    matches a pattern of pyproject's package-data (the shipped start-up runs included)."""
    import tomllib

    root = PACKAGING.parent
    config = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["resources"]
    resources = root / "resources"
    files = [
        path.relative_to(resources)
        for path in resources.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py"
    ]
    assert any(path.parts[0] == "run_cache" for path in files)
    unshipped = [str(path) for path in files if not any(path.match(p) for p in patterns)]
    assert not unshipped


def test_the_spec_ships_the_digest_the_app_computes_from_its_source(tmp_path: Path) -> None:
    """The bundle's resources/core_source_digest.txt is what a checkout computes from core/
    (core.source_digest): a bundle's computed runs are keyed by the code it was built from."""
    from core.source_digest import DIGEST_FILE, engine_source_digest, write_digest_file

    source = SPEC.read_text(encoding="utf-8")
    assert 'write_digest_file(REPO / "core", ' in source and "engine_digest_file()]" in source
    written = write_digest_file(Path(__file__).resolve().parents[1] / "core", tmp_path)
    assert written == tmp_path / DIGEST_FILE
    assert written.read_text(encoding="utf-8").strip() == engine_source_digest()

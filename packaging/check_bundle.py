"""Check a built Linux bundle before packaging it, and compute the .deb's Depends (standard library
+ binutils' readelf).

    python packaging/check_bundle.py dist/losslab [--depends FILE]
    python packaging/check_bundle.py --runtime-packages

Fails (exit 1, one line per problem) when the bundle lacks what the app reads at run time (lesson
scenes, a .qm for every .ts in resources/, Qt's qtbase_zh_CN.qm), holds a second Qt binding, holds
a library that must come from the target system (SYSTEM_PACKAGES below: the C and C++ runtimes,
GL/EGL/GLX, libdrm, X11/xcb, Wayland, glib...; or a GTK-stack one), or holds a library whose needed
libraries are neither in the bundle nor in SYSTEM_PACKAGES (add the library's package there).

Prints the system libraries the bundle loads, the newest glibc and libstdc++ symbol versions it
uses, and the Depends line for the .deb (``--depends FILE`` writes it): ``libc6 (>= <glibc>)``,
``libstdc++6 (>= <gcc>)`` and the package of every other system library, so that apt refuses to
install on a system that is too old instead of installing a program that cannot start.
``--runtime-packages`` prints the packages of SYSTEM_PACKAGES (what build_linux.sh installs on
the build machine to run the self-test).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Libraries taken from the target system, by soname, with the Debian package that has them.
# "a | b": Debian 13 / Ubuntu 24.04 renamed some packages for 64-bit time_t (the t64 suffix).
# None of these may be in the bundle (packaging/losslab.spec bundles nothing from the system's
# library folders but libpython): the C runtime, the C++ runtime and GL/EGL/GLX/libdrm must be the
# system's, since the graphics drivers (Mesa) are loaded into the process and linked against them;
# X11/xcb, Wayland, fontconfig, D-Bus, glib must match the running desktop; and Python's
# extension modules use the system's compression, ffi, OpenSSL, SQLite and uuid libraries.
GLIB = "libglib2.0-0t64 | libglib2.0-0"
SYSTEM_PACKAGES: dict[str, str] = {
    # C runtime (the version comes from the symbols used: see depends()).
    "ld-linux-x86-64.so.2": "libc6",
    "ld-linux-aarch64.so.1": "libc6",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
    "librt.so.1": "libc6",
    "libutil.so.1": "libc6",
    "libresolv.so.2": "libc6",
    # C++ runtime: torch, Qt and Mesa must share the system's one.
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    # Graphics: the driver's.
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libGLdispatch.so.0": "libglvnd0",
    "libdrm.so.2": "libdrm2",
    # X11 / xcb (Qt's xcb platform plugin) and Wayland.
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    # Fonts, D-Bus, glib (Qt's event loop, settings portal).
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": GLIB,
    "libgthread-2.0.so.0": GLIB,
    "libgobject-2.0.so.0": GLIB,
    "libgio-2.0.so.0": GLIB,
    "libgmodule-2.0.so.0": GLIB,
    # Python's extension modules and Qt's compression.
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5",
    "libffi.so.8": "libffi8",
    "libssl.so.3": "libssl3t64 | libssl3",
    "libcrypto.so.3": "libssl3t64 | libssl3",
    "libsqlite3.so.0": "libsqlite3-0",
    "libuuid.so.1": "libuuid1",
    "libexpat.so.1": "libexpat1",
}
# Never in the bundle either: the GTK stack (Qt's GTK theme plugin is left out; these libraries
# in the bundle meant the build machine's desktop leaked in).
FORBIDDEN_PREFIXES = (
    "libgtk-",
    "libgdk-",
    "libgdk_pixbuf",
    "libatk-",
    "libatspi",
    "libepoxy",
    "libpango",
    "libcairo",
    "libharfbuzz.so",
)
# GLIBCXX_3.4.N -> the GCC release whose libstdc++6 has it (Debian's package version).
GLIBCXX_GCC = {28: "10", 29: "11", 30: "12", 31: "13", 32: "13.2", 33: "14", 34: "15"}
# Files the app reads at run time, relative to the bundle's _internal folder.
REQUIRED = ("PySide6/Qt/translations/qtbase_zh_CN.qm",)
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2")


def dynamic_section(binary: Path) -> tuple[list[str], dict[str, set[tuple[int, ...]]]]:
    """The libraries a binary needs and the GLIBC_/GLIBCXX_ versions it uses (readelf -d -V)."""
    out = subprocess.run(
        ["readelf", "-d", "-V", str(binary)], capture_output=True, text=True, check=False
    ).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    versions: dict[str, set[tuple[int, ...]]] = {"GLIBC": set(), "GLIBCXX": set()}
    for kind, number in re.findall(r"Name: (GLIBC|GLIBCXX)_(\d+(?:\.\d+)+)", out):
        versions[kind].add(tuple(map(int, number.split("."))))
    return needed, versions


def is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def dotted(version: tuple[int, ...] | None) -> str:
    return ".".join(map(str, version)) if version else "?"


def depends(system: set[str], glibc: tuple[int, ...] | None, glibcxx: tuple[int, ...] | None):
    """The .deb's Depends for these system libraries, versioned where the bundle needs it."""
    packages: list[str] = []
    for name in sorted(system):
        package = SYSTEM_PACKAGES[name]
        if package == "libc6" and glibc:
            package = f"libc6 (>= {dotted(glibc)})"
        elif package == "libstdc++6" and glibcxx:
            minor = glibcxx[2] if len(glibcxx) > 2 else 0
            gcc = GLIBCXX_GCC.get(minor) or (
                max(GLIBCXX_GCC.values(), key=float) if minor > max(GLIBCXX_GCC) else "10"
            )
            package = f"libstdc++6 (>= {gcc})"
        if package not in packages:
            packages.append(package)
    first = [p for p in packages if p.startswith(("libc6", "libstdc++6", "libgcc-s1"))]
    return ", ".join(first + [p for p in packages if p not in first])


def inspect_bundle(bundle: Path) -> tuple[list[str], set[str], dict[str, tuple[int, ...] | None]]:
    """Problems found, system libraries loaded, newest GLIBC and GLIBCXX versions required."""
    internal = bundle / "_internal"
    problems = [f"missing {name}" for name in REQUIRED if not (internal / name).is_file()]
    if not list((internal / "resources" / "scenes").glob("*.json")):
        problems.append("missing the lesson scenes (resources/scenes/*.json)")
    for ts in sorted((REPO / "resources").rglob("*.ts")):
        qm = internal / ts.relative_to(REPO).with_suffix(".qm")
        if not qm.is_file():
            problems.append(f"missing {qm.relative_to(internal)} (compile {ts.name})")
    problems += [f"a second Qt binding: {name}" for name in OTHER_QT_BINDINGS
                 if (internal / name).exists()]  # fmt: skip

    files = [p for p in bundle.rglob("*") if p.is_file() or p.is_symlink()]
    for path in files:
        if path.name in SYSTEM_PACKAGES or path.name.startswith(FORBIDDEN_PREFIXES):
            problems.append(
                f"{path.relative_to(bundle)} is bundled: it must come from the target system"
            )
    binaries = [p for p in files if not p.is_symlink() and is_elf(p)]
    # A library can be found next to its user (RPATH $ORIGIN, as in torch/lib) or at the top.
    available = {p.name for p in bundle.rglob("*.so*")} - set(SYSTEM_PACKAGES)
    system: set[str] = set()
    newest: dict[str, set[tuple[int, ...]]] = {"GLIBC": set(), "GLIBCXX": set()}
    for binary in binaries:
        needed, versions = dynamic_section(binary)
        for kind, found in versions.items():
            newest[kind] |= found
        for name in needed:
            if name in available:
                continue
            if name in SYSTEM_PACKAGES:
                system.add(name)
            else:
                problems.append(
                    f"{binary.relative_to(bundle)} needs {name}: not in the bundle, and no "
                    "system package for it in check_bundle.py's SYSTEM_PACKAGES"
                )
    return problems, system, {kind: max(v) if v else None for kind, v in newest.items()}


def runtime_packages() -> list[str]:
    """Every package of SYSTEM_PACKAGES, by its pre-t64 name (apt resolves it on newer systems)."""
    names: list[str] = []
    for package in SYSTEM_PACKAGES.values():
        name = package.split("|")[-1].strip()
        if name not in names:
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    if argv == ["--runtime-packages"]:
        print(" ".join(runtime_packages()))
        return 0
    if len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--depends"):
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    problems, system, newest = inspect_bundle(Path(argv[0]))
    for problem in problems:
        print(f"FAIL  {problem}", file=sys.stderr)
    line = depends(system, newest["GLIBC"], newest["GLIBCXX"])
    print("system libraries the bundle loads:", " ".join(sorted(system)))
    print(f"needs glibc {dotted(newest['GLIBC'])} and GLIBCXX {dotted(newest['GLIBCXX'])} or newer")
    print(f"Depends: {line}")
    if len(argv) == 3:
        Path(argv[2]).write_text(line + "\n", encoding="utf-8")
    print("bundle check passed" if not problems else f"bundle check FAILED ({len(problems)})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

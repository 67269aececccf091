"""Check a built Linux bundle before packaging it (standard library + binutils' readelf).

    python packaging/check_bundle.py dist/losslab

Fails (exit 1, one line per problem) when the bundle lacks what the app reads at run time (lesson
scenes, a .qm for every .ts in resources/, Qt's qtbase_zh_CN.qm), holds a second Qt binding, or
holds a library whose needed libraries are neither in the bundle nor in SYSTEM_LIBRARIES below (the
libraries the .deb declares; a library the spec left out but something still needs shows here).
Prints the system libraries the bundle loads, to compare with the .deb's Depends, and the newest
glibc symbol version it uses: the bundle runs on distributions with that glibc or newer.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Libraries taken from the system (by name prefix): the C runtime, and what the .deb depends on
# (packaging/build_linux.sh RUNTIME_PACKAGES); GL, EGL and libxcb are never bundled, since they
# must match the machine's graphics driver and X server.
SYSTEM_LIBRARIES = (
    "ld-linux",
    "libc.so",
    "libm.so",
    "libdl.so",
    "libpthread.so",
    "librt.so",
    "libutil.so",
    "libresolv.so",
    "libGL.so",
    "libEGL.so",
    "libGLX.so",
    "libOpenGL.so",
    "libGLdispatch.so",
    "libxcb.so",
    "libdrm.so",
    "libwayland-client.so",
    "libwayland-cursor.so",
    "libwayland-egl.so",
)
# Files the app reads at run time, relative to the bundle's _internal folder.
REQUIRED = ("PySide6/Qt/translations/qtbase_zh_CN.qm",)
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2")


def dynamic_section(binary: Path) -> tuple[list[str], set[tuple[int, ...]]]:
    """The libraries a binary needs and the glibc symbol versions it uses (readelf -d -V)."""
    out = subprocess.run(
        ["readelf", "-d", "-V", str(binary)], capture_output=True, text=True, check=False
    ).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    glibc = {tuple(map(int, v.split("."))) for v in re.findall(r"Name: GLIBC_(\d+(?:\.\d+)+)", out)}
    return needed, glibc


def is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def inspect_bundle(bundle: Path) -> tuple[list[str], set[str], str]:
    """Problems found, system libraries loaded, and the newest glibc version required."""
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

    binaries = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    # A library can be found next to its user (RPATH $ORIGIN, as in torch/lib) or at the top.
    available = {p.name for p in bundle.rglob("*.so*")}
    system: set[str] = set()
    glibc: set[tuple[int, ...]] = set()
    for binary in binaries:
        needed, versions = dynamic_section(binary)
        glibc |= versions
        for name in needed:
            if name in available:
                continue
            if name.startswith(SYSTEM_LIBRARIES):
                system.add(name)
            else:
                problems.append(f"{binary.relative_to(bundle)} needs {name}: not in the bundle")
    newest = ".".join(map(str, max(glibc))) if glibc else "?"
    return problems, system, newest


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    problems, system, glibc = inspect_bundle(Path(argv[0]))
    for problem in problems:
        print(f"FAIL  {problem}", file=sys.stderr)
    print("system libraries the bundle loads:", " ".join(sorted(system)))
    print(f"needs glibc {glibc} or newer (the build machine's; build on the oldest target)")
    print("bundle check passed" if not problems else f"bundle check FAILED ({len(problems)})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Entry point of the ``losslab`` command.

The one argparse tree lives in ``core.cli``; this module adds the handlers of the commands that
need Qt (``render``, ``self-test``, ``open``, ``bench --gui``) and imports each one only when it
runs, so ``losslab run``, ``scenes`` and ``bench`` never load Qt (nor does this module).

Before Qt starts a window, :func:`window_problem` checks what Qt would otherwise only report by
aborting the process: a display to open the window on, and the system libraries of the platform
plugin (xcb or wayland). Missing libraries are named with the packages that provide them.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from core import cli

# soname: (Debian/Ubuntu package, Fedora package). QtGui and the platform plugins load these
# from the system (PySide6 bundles Qt itself and ICU); found with ldd/objdump on
# PySide6/Qt/lib/libQt6{Gui,DBus,XcbQpa,WaylandClient}.so.6 and plugins/platforms/*.so.
QT_GUI_LIBRARIES: dict[str, tuple[str, str]] = {
    "libGL.so.1": ("libgl1", "mesa-libGL"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
}
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
}
WAYLAND_LIBRARIES: dict[str, tuple[str, str]] = {
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
}
PLATFORM_LIBRARIES = {"xcb": XCB_LIBRARIES, "wayland": WAYLAND_LIBRARIES}
ALL_LIBRARIES = {**QT_GUI_LIBRARIES, **XCB_LIBRARIES, **WAYLAND_LIBRARIES}
README_HINT = 'README.md, "System packages", lists every library the window needs'


def losslab_command(*args: str) -> list[str]:
    """The command line that runs ``losslab ARGS`` in this installation (a frozen bundle's
    executable is ``losslab`` itself; otherwise this interpreter runs this module)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "desktop_app.main", *args]


def _load(soname: str) -> None:
    import ctypes

    ctypes.CDLL(soname)


def missing_libraries(
    sonames: Iterable[str], load: Callable[[str], object] | None = None
) -> list[str]:
    """The shared libraries of ``sonames`` that the dynamic loader cannot find."""
    load = load or _load
    missing = []
    for soname in sonames:
        try:
            load(soname)
        except OSError:
            missing.append(soname)
    return missing


def install_hint(sonames: Iterable[str]) -> list[str]:
    """How to install the packages that provide ``sonames``: a Debian/Ubuntu and a Fedora line."""
    known = [ALL_LIBRARIES[name] for name in sonames if name in ALL_LIBRARIES]
    if not known:
        return []
    debian = " ".join(dict.fromkeys(deb for deb, _ in known))
    fedora = " ".join(dict.fromkeys(rpm for _, rpm in known))
    return [
        f"  Debian/Ubuntu: sudo apt-get install {debian}",
        f"  Fedora: sudo dnf install {fedora}",
    ]


PLUGIN_FILES = {"xcb": ("libqxcb.so",), "wayland": ("libqwayland.so", "libqwayland-generic.so")}


def platform_plugin(name: str) -> Path | None:
    """The platform plugin file Qt would load for ``name``, found without importing PySide6."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for file in PLUGIN_FILES.get(name, ()):
            path = Path(folder, "Qt", "plugins", "platforms", file)
            if path.is_file():
                return path
    return None


def _plugin_error(name: str) -> str | None:
    """Load the platform plugin as Qt would (its own search path, bundled libraries included):
    ``""`` when it loads, the loader's message when it does not (it names the first missing
    library), ``None`` when there is no plugin file to try."""
    import ctypes

    path = platform_plugin(name)
    if path is None:
        return None
    try:
        ctypes.CDLL(str(path))
    except OSError as error:
        return str(error) or "cannot be loaded"
    return ""


def _x_display_opens(display: str) -> bool:
    """Whether an X connection to ``display`` opens (what Qt's xcb plugin does first)."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # cannot tell here: Qt will say
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: an error object at worst
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def platform_candidates(env: Mapping[str, str]) -> list[str] | None:
    """The platform plugins Qt will try, in order (Qt 6.5+ rules), or ``None`` when
    ``QT_QPA_PLATFORM`` names one that is not checked here (offscreen, eglfs, vnc, ...)."""
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        names = [part.split(":")[0].strip() for part in requested.split(";") if part.strip()]
        return names if all(name in PLATFORM_LIBRARIES for name in names) else None
    names = []
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        names.append("wayland")
    return [*names, "xcb"]  # xcb: the default, and the fallback


def platform_missing(
    name: str,
    load: Callable[[str], object] | None = None,
    plugin_error: Callable[[str], str | None] | None = None,
) -> list[str]:
    """The system libraries missing for the platform plugin ``name`` (empty: it can load).

    The plugin itself decides (loaded as Qt loads it, so a library bundled beside it counts);
    the soname list names every missing library, not only the first one the loader met.
    """
    missing = missing_libraries({**QT_GUI_LIBRARIES, **PLATFORM_LIBRARIES[name]}, load)
    error = (plugin_error or _plugin_error)(name)
    if error == "":
        return []  # the plugin loads: Qt can start it, whatever the list says
    if error is not None and not missing:
        found = re.search(r"([\w.+-]+\.so[.\d]*)", error)
        missing = [found.group(1) if found else f"a library of {name}'s plugin ({error})"]
    return missing


def window_problem(
    env: Mapping[str, str] | None = None,
    system: str | None = None,
    load: Callable[[str], object] | None = None,
    x_opens: Callable[[str], bool] | None = None,
    plugin_error: Callable[[str], str | None] | None = None,
) -> list[str] | None:
    """Why a window cannot open here, as lines for the user (first the error), or ``None``.

    Linux only (elsewhere Qt's native platform has no such dependencies). Checked before any
    QApplication exists: when the platform plugin cannot load or connect, Qt aborts the process.
    ``load``, ``x_opens`` and ``plugin_error`` stand in for the system in tests.
    """
    env = os.environ if env is None else env
    system = sys.platform if system is None else system
    if not system.startswith("linux"):
        return None
    candidates = platform_candidates(env)
    if candidates is None:
        return None
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not env.get("QT_QPA_PLATFORM") and not display and not wayland:
        return [
            "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "'losslab run' and 'losslab render' work without one"
        ]
    x_opens = x_opens or _x_display_opens
    problems: list[str] = []
    all_missing: list[str] = []
    for name in candidates:
        if name == "xcb" and not display:
            problems.append("the xcb platform needs an X display, and DISPLAY is not set")
            continue
        if name == "wayland" and not (wayland or env.get("XDG_SESSION_TYPE") == "wayland"):
            problems.append("the wayland platform needs WAYLAND_DISPLAY, which is not set")
            continue
        missing = platform_missing(name, load, plugin_error)
        if missing:
            problems.append(
                f"Qt's {name} platform plugin needs libraries that are not installed: "
                + ", ".join(missing)
            )
            all_missing += [soname for soname in missing if soname not in all_missing]
            continue
        if name == "xcb" and not x_opens(display):
            problems.append(
                f"cannot connect to the X display {display!r} (DISPLAY): is the X server "
                "running, and may this user use it?"
            )
            continue
        return None  # Qt takes this one
    lines = [f"the window cannot open: {problems[-1]}"]
    lines += [f"  also: {problem}" for problem in problems[:-1]]
    if all_missing:
        lines += [*install_hint(all_missing), f"  ({README_HINT})"]
    return lines


def report_window_problem(lines: Sequence[str]) -> int:
    """Print the problem (``losslab: error: ...`` then the hints) and return exit code 1."""
    code = cli.fail(lines[0], cli.EXIT_FAILURE)
    for line in lines[1:]:
        print(line, file=sys.stderr)
    return code


def qt_import_failure(error: ImportError) -> int:
    """PySide6 itself did not load (a system library of QtGui missing): say which, and how."""
    text = str(error)
    missing = [soname for soname in ALL_LIBRARIES if soname in text]
    lines = [f"Qt (PySide6) cannot be loaded: {text}", *install_hint(missing)]
    if missing:
        lines.append(f"  ({README_HINT})")
    return report_window_problem(lines)


def _qt_command(run: Callable[[], int]) -> int:
    try:
        return run()
    except ImportError as error:
        if "PySide6" in str(error) or ".so" in str(error):
            return qt_import_failure(error)
        raise


def command_open(args: argparse.Namespace) -> int:
    path = None
    if args.scene:
        from core.lessons import resolve_scene

        path = resolve_scene(args.scene)
        if not path.exists():
            return cli.fail(f"{args.scene}: no such file or lesson (see 'losslab scenes')")
        if not path.is_file():
            return cli.fail(f"{args.scene}: not a scene file")
    problem = window_problem()
    if problem is not None:
        return report_window_problem(problem)

    def run() -> int:
        from desktop_app.app import run_app

        return run_app(scene_path=None if path is None else str(path), language=args.lang)

    return _qt_command(run)


def command_render(args: argparse.Namespace) -> int:
    def run() -> int:
        from desktop_app.render import command_render

        return command_render(args)

    return _qt_command(run)


def command_self_test(args: argparse.Namespace) -> int:
    def run() -> int:
        from desktop_app.self_test import self_test, window_child

        return window_child() if args.window_child else self_test()

    return _qt_command(run)


def command_bench_gui(args: argparse.Namespace) -> int:
    def run() -> int:
        from desktop_app.bench import main as bench_main

        return bench_main()

    return _qt_command(run)


GUI_HANDLERS: dict[str, cli.Handler] = {
    "render": command_render,
    "self-test": command_self_test,
    "open": command_open,
    "bench-gui": command_bench_gui,
}


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, GUI_HANDLERS)


if __name__ == "__main__":
    raise SystemExit(main())

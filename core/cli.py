"""The ``losslab`` command line: one argparse tree for every command.

``run``, ``scenes``, ``diagnose`` and ``bench`` (without ``--gui``) are headless and handled
here; they never import Qt. ``render``, ``self-test``, ``open`` and ``bench --gui`` need Qt: they
are parsed here too (so ``losslab --help`` lists them all), but their handlers are passed in by
``desktop_app.main`` (core never imports the Qt shell), which imports each one only when it runs.

``losslab`` alone and ``losslab SCENE`` open the window (``losslab open``); a word that is
neither a command nor a scene is a usage error. A SCENE is a scene file or a lesson id that
``losslab scenes`` lists. ``--out -`` writes to standard output.

Exit codes: 0 done; 1 the work or the output failed (an engine error, a full disk, no display);
2 bad input (a usage error, an invalid scene, an unusable ``--out``), each with one line on
stderr, ``losslab: error: ...``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from core import __version__

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130
STDOUT = "-"
COMMANDS = ("run", "render", "scenes", "bench", "self-test", "open", "diagnose")

# ``losslab render``: the picture kinds, views and sizes (the handler is desktop_app.render).
RENDER_SUFFIXES = (".png", ".svg", ".gif")
RENDER_VIEWS = ("lab", "map", "page")
RENDER_DEFAULT_SIZE = (1600, 900)

Handler = Callable[[argparse.Namespace], int]


class BadInput(Exception):
    """Input the user must fix; reported as one line, exit code 2."""


def fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    """Print ``losslab: error: message`` on stderr and return ``code`` (2: bad input)."""
    sys.stdout.flush()  # the error comes after anything printed before it
    print(f"losslab: error: {message}", file=sys.stderr, flush=True)
    return code


def os_reason(error: OSError) -> str:
    """An ``OSError`` in a few words, with the file it concerns: 'no such folder: /x'."""
    reason = error.strerror or str(error)
    return f"{reason}: {error.filename}" if error.filename else reason


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 with usage; keep that, one clear line
        self.print_usage(sys.stderr)
        raise SystemExit(fail(message))


EPILOG = """\
Without a command, 'losslab [SCENE]' opens the window (the same as 'losslab open [SCENE]').
A SCENE is a scene file (JSON) or a lesson id listed by 'losslab scenes'.
'--out -' writes to standard output. Exit codes: 0 done, 1 failed, 2 bad input."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="losslab",
        description="LossLab: see why training succeeds or fails.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"losslab {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", parser_class=_Parser, required=True
    )

    run = commands.add_parser("run", help="compute a scene headless and write the result as JSON")
    run.add_argument("scene", help="scene file (JSON) or lesson id")
    run.add_argument("--out", required=True, help="result file to write (JSON); '-': stdout")
    run.add_argument(
        "--steps", type=int, help="override every run's number of steps (network scenes: epochs)"
    )
    run.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="auto: surfaces on the GPU where there is one, networks on the CPU (default)",
    )
    run.add_argument("--dtype", choices=["float32", "float64"], default="float64")

    render = commands.add_parser(
        "render",
        help="draw a scene as the window shows it (PNG, SVG, GIF), without a window",
        description="Draw a scene as the window shows it (for slides), without opening a window.",
    )
    render.add_argument("scene", help="scene file (JSON) or lesson id")
    render.add_argument(
        "--out", required=True, help="picture to write: .png, .svg or .gif; '-': stdout"
    )
    render.add_argument(
        "--format",
        choices=[suffix.removeprefix(".") for suffix in RENDER_SUFFIXES],
        help="picture kind (default: from the --out suffix; PNG for '--out -')",
    )
    render.add_argument(
        "--steps",
        type=int,
        help="the step to show (default: the end of the runs); a GIF shows steps 0 to this one",
    )
    render.add_argument(
        "--size",
        default=f"{RENDER_DEFAULT_SIZE[0]}x{RENDER_DEFAULT_SIZE[1]}",
        help="picture size WIDTHxHEIGHT in pixels (default %(default)s)",
    )
    render.add_argument(
        "--view",
        choices=RENDER_VIEWS,
        default="lab",
        help="lab: map with the plots under it (default); map: the map alone; "
        "page: the whole Surface Lab page with its panels",
    )
    render.add_argument(
        "--lang", choices=["en", "zh"], help="language of the labels (default: the window's)"
    )

    commands.add_parser("scenes", help="list the built-in lesson scenes (their ids and titles)")

    diagnose = commands.add_parser(
        "diagnose",
        help="name what a run's loss curves show (model bias, optimization, overfitting, ...)",
        description="Diagnose training curves as the notes teach: the case, its evidence and "
        "the remedies. CURVES is CSV or JSON with epoch, train_loss and val_loss (Keras' "
        "loss/val_loss too); see docs/curves-format.md.",
    )
    diagnose.add_argument("curves", help="curve file (CSV or JSON); '-': standard input")
    diagnose.add_argument("--lang", choices=["en", "zh"], default="en", help="language")
    diagnose.add_argument(
        "--baseline",
        type=float,
        help="the loss of a model that learned nothing (default: the file's, else the "
        "initial training loss)",
    )
    diagnose.add_argument("--json", action="store_true", help="print the diagnosis as JSON")

    bench = commands.add_parser("bench", help="print performance figures as they are measured")
    bench.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    bench.add_argument("--quick", action="store_true", help="fewer steps, for a smoke test")
    bench.add_argument("--gui", action="store_true", help="measure the window (needs Qt)")
    bench.add_argument("--nets", action="store_true", help="network training and curvature speed")

    self_test = commands.add_parser(
        "self-test", help="check the installation (Qt, the window, torch, a lesson)"
    )
    # The window check runs in a child process (a platform that fails aborts the process).
    self_test.add_argument("--window-child", action="store_true", help=argparse.SUPPRESS)

    open_ = commands.add_parser("open", help="open the window, optionally with a scene")
    open_.add_argument("scene", nargs="?", help="scene file (JSON) or lesson id to open")
    open_.add_argument("--lang", choices=["en", "zh"], help="user-interface language")
    return parser


def looks_like_scene(word: str) -> bool:
    """Whether a first argument that is no command names a scene to open (not a typo)."""
    from core.lessons import find_lesson

    return (
        os.path.exists(word)
        or word.lower().endswith(".json")
        or "/" in word
        or os.sep in word
        or find_lesson(word) is not None
    )


def with_command(argv: Sequence[str]) -> list[str]:
    """``losslab``, ``losslab SCENE`` and ``losslab --lang zh ...`` mean ``losslab open ...``."""
    argv = list(argv)
    if not argv:
        return ["open"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    if first == "--lang" or first.startswith("--lang="):
        return ["open", *argv]
    if not first.startswith("-") and looks_like_scene(first):
        return ["open", *argv]
    return argv  # argparse reports the unknown command or option (exit 2)


def check_out(out: str) -> None:
    """Before any work: ``--out`` must be writable (``-`` is stdout); raises :class:`BadInput`."""
    if out == STDOUT:
        return
    from core.fileio import check_writable_target

    try:
        check_writable_target(out)
    except OSError as error:
        raise BadInput(f"--out {out}: {os_reason(error)}") from None


def check_cost(scene, steps: int | None, source: str = ""):
    """Refuse, before computing, a scene whose work is over the budget, with ``--steps``
    applied (``core.scene.check_budget``; ``load_scene`` checked it without the override).
    Returns the cost estimate; raises ``SceneError``."""
    from core.scene import check_budget

    return check_budget(scene, steps=steps, source=source)


def command_run(args: argparse.Namespace) -> int:
    try:
        check_out(args.out)  # first, and before torch is even imported
    except BadInput as error:
        return fail(str(error))
    from core.scene import MAX_STEPS, SceneError, load_scene

    if args.steps is not None and not 0 <= args.steps <= MAX_STEPS:
        return fail(f"--steps must be between 0 and {MAX_STEPS}, got {args.steps}")
    from core.lessons import resolve_scene

    try:
        scene = load_scene(resolve_scene(args.scene))
        check_cost(scene, args.steps, args.scene)
    except SceneError as error:
        return fail(str(error))
    import json

    from core.device import DeviceError, resolve_dtype
    from core.runner import run_scene

    try:
        result = run_scene(
            scene, steps=args.steps, device=args.device, dtype=resolve_dtype(args.dtype)
        )
    except (SceneError, DeviceError) as error:
        return fail(str(error))
    except MemoryError:
        return fail("computing the scene ran out of memory (try fewer --steps)", EXIT_FAILURE)
    except Exception as error:  # an engine failure: one line, not a traceback
        message = f"computing the scene failed: {error.__class__.__name__}: {error}"
        return fail(message, EXIT_FAILURE)
    from core.fileio import write_output

    text = json.dumps(result, separators=(",", ":")) + "\n"
    try:
        write_output(args.out, text)
    except OSError as error:
        return fail(f"{args.out}: cannot write the result ({os_reason(error)})", EXIT_FAILURE)
    diverged = sum(run["status"] == "diverged" for run in result["runs"])
    where = "standard output" if args.out == STDOUT else args.out
    print(
        f"wrote {where}: {len(result['runs'])} run(s) on {result['device']}"
        + (f", {diverged} diverged" if diverged else ""),
        file=sys.stderr if args.out == STDOUT else sys.stdout,
    )
    return EXIT_OK


def command_scenes(_: argparse.Namespace) -> int:
    from core.lessons import list_lessons

    for lesson in list_lessons():
        print(f"{lesson.key:34s} {lesson.chapter:16s} {lesson.title_en}  |  {lesson.title_zh}")
    return EXIT_OK


def command_bench(args: argparse.Namespace) -> int:
    if args.nets:
        from core.nets.bench import run_nets_bench

        run_nets_bench(quick=args.quick)
        return EXIT_OK
    from core.bench import run_engine_bench
    from core.device import DeviceError

    try:
        run_engine_bench(device=args.device, quick=args.quick)
    except DeviceError as error:
        return fail(str(error))
    return EXIT_OK


def command_diagnose(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from core.diagnose import CurveError, diagnose, load_curves
    from core.diagnose.report import diagnosis_to_dict, read_stdin

    if args.baseline is not None and not 0 < args.baseline < float("inf"):
        return fail(f"--baseline must be a positive number, got {args.baseline:g}")
    try:
        if args.curves == STDOUT:
            curves = load_curves("stdin", read_stdin())
        else:
            curves = load_curves(args.curves)
    except CurveError as error:
        return fail(str(error))
    if args.baseline is not None:
        curves = replace(curves, baseline=args.baseline)
    diagnosis = diagnose(curves)
    if args.json:
        import json

        print(json.dumps(diagnosis_to_dict(diagnosis, args.lang), ensure_ascii=False, indent=1))
    else:
        print(diagnosis.report(args.lang), end="")
    return EXIT_OK


HEADLESS: dict[str, Handler] = {
    "run": command_run,
    "scenes": command_scenes,
    "bench": command_bench,
    "diagnose": command_diagnose,
}


def handler_name(args: argparse.Namespace) -> str:
    """The handler a parsed command goes to: ``bench --gui`` is ``bench-gui``."""
    if args.command == "bench" and args.gui:
        return "bench-gui"
    return args.command


def main(argv: Sequence[str] | None = None, gui: Mapping[str, Handler] | None = None) -> int:
    """Parse ``argv`` and run its command; ``gui`` holds the handlers of the Qt commands."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(with_command(argv))
    name = handler_name(args)
    handler = HEADLESS.get(name) if name != "bench-gui" else None
    handler = handler or (gui or {}).get(name)
    if handler is None:
        shown = "bench --gui" if name == "bench-gui" else name
        return fail(f"'{shown}' needs the desktop app: run it as 'losslab {shown}'")
    try:
        return handler(args)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # e.g. '--out - | head': the reader left; nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return EXIT_FAILURE


if __name__ == "__main__":
    raise SystemExit(main())

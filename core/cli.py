"""The headless half of the ``losslab`` command: ``run``, ``scenes`` and ``bench``.

The console script enters through ``desktop_app.main``, which opens the GUI or runs the commands
that need Qt (``self-test``, ``render``, ``bench --gui``) and hands everything else to
:func:`main` here, so these commands never import Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user must fix; reported as one line, exit code 2."""


def fail(message: str) -> int:
    print(f"losslab: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 with usage; keep that, one clear line
        self.print_usage(sys.stderr)
        raise SystemExit(fail(message))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="losslab", description="LossLab: see why training succeeds or fails.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = commands.add_parser("run", help="compute a scene headless and write the result as JSON")
    run.add_argument("scene", help="scene file (JSON)")
    run.add_argument("--out", required=True, help="result file to write (JSON)")
    run.add_argument(
        "--steps", type=int, help="override every run's number of steps (network scenes: epochs)"
    )
    run.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    run.add_argument("--dtype", choices=["float32", "float64"], default="float64")

    commands.add_parser("scenes", help="list the built-in lesson scenes")

    bench = commands.add_parser("bench", help="print performance figures")
    bench.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    bench.add_argument("--quick", action="store_true", help="fewer steps, for a smoke test")
    bench.add_argument("--gui", action="store_true", help="measure the window (needs Qt)")
    bench.add_argument("--nets", action="store_true", help="network training and curvature speed")
    return parser


def command_run(args: argparse.Namespace) -> int:
    from core.device import DeviceError, resolve_dtype
    from core.runner import run_scene
    from core.scene import MAX_STEPS, SceneError, load_scene, write_text_atomic

    if args.steps is not None and not 0 <= args.steps <= MAX_STEPS:
        return fail(f"--steps must be between 0 and {MAX_STEPS}, got {args.steps}")
    try:
        scene = load_scene(args.scene)
        result = run_scene(
            scene, steps=args.steps, device=args.device, dtype=resolve_dtype(args.dtype)
        )
    except SceneError as error:
        return fail(str(error))
    except DeviceError as error:
        return fail(str(error))
    try:
        write_text_atomic(args.out, json.dumps(result, separators=(",", ":")) + "\n")
    except OSError as error:
        return fail(f"{args.out}: cannot write result ({error.strerror or error})")
    diverged = sum(run["status"] == "diverged" for run in result["runs"])
    print(
        f"wrote {args.out}: {len(result['runs'])} run(s) on {result['device']}"
        + (f", {diverged} diverged" if diverged else "")
    )
    return EXIT_OK


def command_scenes(_: argparse.Namespace) -> int:
    from core.lessons import list_lessons

    for lesson in list_lessons():
        print(f"{lesson.key:34s} {lesson.chapter:16s} {lesson.title_en}  |  {lesson.title_zh}")
    return EXIT_OK


def command_bench(args: argparse.Namespace) -> int:
    if getattr(args, "nets", False):
        from core.nets.bench import run_nets_bench

        run_nets_bench(quick=args.quick)
        return EXIT_OK
    from core.bench import run_engine_bench

    run_engine_bench(device=args.device, quick=args.quick)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"run": command_run, "scenes": command_scenes, "bench": command_bench}
    if args.command not in handlers:
        return fail("choose a command: run, scenes or bench (or open the GUI with 'losslab')")
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())

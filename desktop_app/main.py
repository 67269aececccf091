"""Entry point of the ``losslab`` command.

``losslab`` and ``losslab SCENE.json`` open the window; ``self-test``, ``render`` and
``bench --gui`` need Qt and live here; every other command is headless and goes to ``core.cli``
without importing Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core import cli


def _gui_parser() -> argparse.ArgumentParser:
    parser = cli._Parser(prog="losslab", description="Open LossLab's window.")
    parser.add_argument("scene", nargs="?", help="scene file to open (JSON)")
    parser.add_argument("--lang", choices=["en", "zh"], help="user-interface language")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = argv[0] if argv else ""
    if first == "self-test":
        from desktop_app.self_test import self_test

        return self_test()
    if first == "bench" and "--gui" in argv:
        from desktop_app.bench import main as bench_main

        return bench_main([a for a in argv[1:] if a != "--gui"])
    if first == "render":
        from desktop_app.render import main as render_main

        return render_main(argv[1:])
    if first in {"run", "scenes", "bench"} or first.startswith("-") and first not in {"--lang"}:
        if first in {"-h", "--help"}:
            cli.build_parser().print_help()
            print("\nWithout a command, 'losslab [SCENE.json]' opens the window.")
            print("'losslab render SCENE.json --out FILE.png' draws a scene for slides.")
            return 0
        return cli.main(argv)
    args = _gui_parser().parse_args(argv)
    from desktop_app.app import run_app

    return run_app(scene_path=args.scene, language=args.lang)


if __name__ == "__main__":
    raise SystemExit(main())

"""Print a built bundle's size and start times (standard library only; any Python 3.11+).

    python packaging/measure_bundle.py dist/losslab [--runs 3] [--archive FILE ...]

- size: the onedir folder on disk (like du -sh, in MiB) and its file count; each --archive
  (.deb, .tar.xz, .dmg, setup .exe) by its file size;
- self-test: seconds from starting ``losslab self-test`` (offscreen) to its exit with "passed";
- launch: seconds from starting ``losslab`` with LOSSLAB_BENCH_LAUNCH=1 to the window shown and
  to the first animated frame (desktop_app/app.py prints both as JSON time stamps, then quits).

The first run reads the bundle from disk (cold unless cached), later runs from the page cache;
the table shows each run. Uses QT_QPA_PLATFORM from the environment, "offscreen" when unset.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MB = 1024**2  # MiB, as du -h counts


def executable_in(bundle: Path) -> Path:
    """The console program of a onedir bundle (Linux losslab, Windows/macOS losslab-cli)."""
    for name in ("losslab", "losslab-cli", "losslab-cli.exe", "losslab.exe"):
        if (bundle / name).is_file():
            return bundle / name
    mac_cli = bundle / "Contents" / "MacOS" / "losslab-cli"  # LossLab.app
    if mac_cli.is_file():
        return mac_cli
    raise SystemExit(f"no losslab program in {bundle}")


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes on disk (allocated blocks, like du) and number of files."""
    total, count = 0, 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            stat = os.lstat(os.path.join(root, name))
            total += getattr(stat, "st_blocks", 0) * 512 or stat.st_size
            count += 1
    return total, count


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def time_self_test(program: Path) -> float:
    started = time.time()
    done = subprocess.run(
        [str(program), "self-test"], env=environment(), capture_output=True, text=True, timeout=300
    )
    elapsed = time.time() - started
    if done.returncode != 0 or "self-test passed" not in done.stdout:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{program} self-test failed (exit {done.returncode})")
    return elapsed


def time_launch(program: Path) -> dict[str, float]:
    started = time.time()
    done = subprocess.run(
        [str(program)],
        env=environment(LOSSLAB_BENCH_LAUNCH="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    marks: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            marks.update(json.loads(line))
    if "window_shown" not in marks:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{program} printed no launch time stamps (exit {done.returncode})")
    return {key: stamp - started for key, stamp in marks.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path, help="the onedir folder, e.g. dist/losslab")
    parser.add_argument("--runs", type=int, default=3, help="runs of each timing (default 3)")
    parser.add_argument("--archive", type=Path, action="append", default=[], help="package file")
    args = parser.parse_args(argv)

    program = executable_in(args.bundle)
    size, files = folder_size(args.bundle)
    figures: dict[str, object] = {"bundle_mib": round(size / MB), "bundle_files": files}
    print(f"bundle      {args.bundle}: {size / MB:.0f} MiB on disk, {files} files")
    for archive in args.archive:
        megabytes = archive.stat().st_size / MB
        figures[f"{archive.name}_mib"] = round(megabytes)
        print(f"archive     {archive.name}: {megabytes:.0f} MiB")

    platform = environment()["QT_QPA_PLATFORM"]
    # A data folder of its own: no autosave or recovery offer from the user's sessions.
    with tempfile.TemporaryDirectory(prefix="losslab-measure-") as data_dir:
        os.environ["LOSSLAB_DATA_DIR"] = data_dir
        self_tests = [time_self_test(program) for _ in range(args.runs)]
        launches = [time_launch(program) for _ in range(args.runs)]
    figures["self_test_s"] = [round(value, 2) for value in self_tests]
    figures["window_shown_s"] = [round(run["window_shown"], 2) for run in launches]
    figures["first_frame_s"] = [round(run.get("first_frame", float("nan")), 2) for run in launches]
    print(f"self-test   {', '.join(f'{value:.2f}' for value in self_tests)} s ({platform})")
    for key, label in (("window_shown_s", "window"), ("first_frame_s", "1st frame")):
        print(f"{label:11s} {', '.join(f'{value:.2f}' for value in figures[key])} s ({platform})")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

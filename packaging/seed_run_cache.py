"""Ship the start-up lesson's computed runs with a bundle, so that its first launch plays them.

    python packaging/seed_run_cache.py BUNDLE_EXECUTABLE SEED_FOLDER

The bundle itself computes them (its code, torch and numpy make the cache key,
``core.record_cache``): it is started offscreen in a scratch user folder with
``LOSSLAB_BENCH_LAUNCH`` (it quits once the start-up runs are computed), and the runs its cache
then holds are copied to SEED_FOLDER (the bundle's ``resources/run_cache``). A second launch in a
new user folder must then compute nothing: its own cache stays empty, or this fails (exit 1)
saying so. Exit 2 for a bad argument.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LAUNCH_TIMEOUT_S = 180


def _launch(executable: Path, data_dir: Path) -> list[Path]:
    """Start the bundle in ``data_dir`` until its start-up runs are computed; the runs its cache
    holds then."""
    env = dict(
        os.environ,
        LOSSLAB_DATA_DIR=str(data_dir),
        LOSSLAB_BENCH_LAUNCH="1",
        QT_QPA_PLATFORM="offscreen",
    )
    done = subprocess.run(
        [str(executable)], env=env, capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S
    )
    if done.returncode != 0 or '"computed"' not in done.stdout:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"the bundle did not compute its start-up runs: {tail}")
    return sorted((data_dir / "cache" / "runs").glob("*.npz"))


def seed(executable: Path, seeds: Path) -> list[Path]:
    """Fill ``seeds`` with the start-up runs ``executable`` computes; check a new launch uses
    them. Returns the seed files."""
    with tempfile.TemporaryDirectory(prefix="losslab-seed-") as scratch:
        shutil.rmtree(seeds, ignore_errors=True)
        computed = _launch(executable, Path(scratch) / "first")
        if not computed:
            raise RuntimeError("the bundle's cache of computed runs stayed empty")
        seeds.mkdir(parents=True)
        for path in computed:
            shutil.copy2(path, seeds / path.name)
        again = _launch(executable, Path(scratch) / "next")
        if again:
            raise RuntimeError(f"a launch after seeding still computed {len(again)} runs")
    return sorted(seeds.glob("*.npz"))


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[0]).is_file():
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("seed_run_cache: give the bundle's executable and the seed folder", file=sys.stderr)
        return 2
    try:
        files = seed(Path(argv[0]), Path(argv[1]))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        print(f"seed_run_cache: {error}", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in files)
    print(f"  {len(files)} start-up runs, {size / 1024:.0f} KiB, played at a first launch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

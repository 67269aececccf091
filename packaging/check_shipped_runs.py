"""Check that a built bundle plays the start-up lesson's shipped runs at its first launch.

    python packaging/check_shipped_runs.py BUNDLE_EXECUTABLE

The seeds (``resources/run_cache``, :mod:`core.shipped_runs`) are keyed on torch's minor version
and the runs' inputs; a bundle built with another torch, or whose engine computes the start-up
runs otherwise, would compute them at every first launch. The bundle is started offscreen in a
scratch user folder with ``LOSSLAB_BENCH_LAUNCH`` (it quits once the start-up runs are shown);
it must report that it computed none of them (``runs_computed``: the engine's, not replayed),
and its cache of computed runs must be empty, or this fails (exit 1) saying how many it
computed. Exit 2 for a bad argument.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

LAUNCH_TIMEOUT_S = 180
RUNS_COMPUTED = "runs_computed"  # desktop_app.app's launch report (the bundle has no checkout)


def computed_at_first_launch(executable: Path) -> int:
    """How many runs the bundle computed (and kept in its cache) at a first launch."""
    with tempfile.TemporaryDirectory(prefix="losslab-first-launch-") as data_dir:
        env = dict(
            os.environ,
            LOSSLAB_DATA_DIR=data_dir,
            LOSSLAB_BENCH_LAUNCH="1",
            QT_QPA_PLATFORM="offscreen",
        )
        done = subprocess.run(
            [str(executable)], env=env, capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S
        )
        report = {}
        for line in done.stdout.splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    report.update(json.loads(line))
        if done.returncode != 0 or "computed" not in report or RUNS_COMPUTED not in report:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"the bundle did not show its start-up runs: {tail}")
        stored = len(list((Path(data_dir) / "cache" / "runs").glob("*.npz")))
        return max(int(report[RUNS_COMPUTED]), stored)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("check_shipped_runs: give the bundle's executable", file=sys.stderr)
        return 2
    try:
        computed = computed_at_first_launch(Path(argv[0]))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        print(f"check_shipped_runs: {error}", file=sys.stderr)
        return 1
    if computed:
        print(
            f"check_shipped_runs: a first launch computed {computed} start-up runs instead of"
            " playing the shipped ones (python -m core.shipped_runs --check)",
            file=sys.stderr,
        )
        return 1
    print("  a first launch plays the shipped start-up runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The Network Lab's trainer process ends when the app that started it is killed."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A throwaway parent: starts the backend's trainer process exactly as the Network Lab does, sets it
# training "to the end" of a very long run (a core at 100%), prints its pid, then waits to be
# killed.
PARENT = textwrap.dedent(
    """
    import sys, time
    from core.nets.models import ModelConfig
    from core.nets.trainer import TrainConfig
    from desktop_app.network_lab.backends import start_trainer
    from desktop_app.network_lab.session import TrainingSpec

    if __name__ == "__main__":
        process, commands, results = start_trainer()
        spec = TrainingSpec(
            kind="single",
            data={"name": "moons"},
            model=ModelConfig(hidden=(16, 16)),
            train=TrainConfig(epochs=100_000),
        )
        commands.put(("new", 1, spec))
        commands.put(("run", 1, 1, None, 0.0))
        results.get(timeout=120)  # the first batch: the trainer is up and training
        print(process.pid, flush=True)
        time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as gone: it uses no CPU and holds nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_the_trainer_process_exits_when_its_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    child = None
    try:
        line = parent.stdout.readline()
        assert line.strip().isdigit(), f"the parent did not start the trainer: {line!r}"
        child = int(line)
        assert _alive(child)
        time.sleep(1.0)
        assert _alive(child), "the trainer stopped while its parent was alive"
        parent.send_signal(signal.SIGKILL)  # no clean-up, no atexit: as when the GUI is killed
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the trainer process outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        if child is not None and _alive(child):
            os.kill(child, signal.SIGKILL)  # the process this test started, by its pid

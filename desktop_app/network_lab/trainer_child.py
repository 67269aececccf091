"""The entry of the Network Lab's trainer process: the session's command loop, plus a watchdog
that ends the process as soon as the app that started it is gone.

No Qt here: this module (and :mod:`desktop_app.network_lab.session`) is all a spawned trainer
imports. Without the watchdog a trainer outlives a killed GUI (SIGKILL, a crash, the task
manager): nothing else tells it, since it holds both ends of its command queue itself, and a
training asked to run "to the end" kept a core at 99% for ever.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
import time

PARENT_POLL_S = 0.5  # how often the watchdog looks at the parent (and waits on its sentinel)


def _parent_gone(original_ppid: int) -> bool:
    return os.getppid() != original_ppid  # reparented (to init or a subreaper): the parent died


def watch_parent(poll_s: float = PARENT_POLL_S) -> threading.Thread:
    """Start a daemon thread that exits this process (``os._exit``) when its parent is gone.

    Two signs, whichever comes first: the multiprocessing parent sentinel (a pipe from the
    parent that reaches end-of-file, or on Windows the parent's process handle, becomes ready
    when the parent dies), and the parent pid changing (a child re-parented). Works while the
    main thread trains flat out: the thread sleeps in ``wait`` and needs the GIL only to exit.
    """
    original_ppid = os.getppid()
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)

    def watch() -> None:
        while True:
            if sentinel is not None:
                try:
                    if multiprocessing.connection.wait([sentinel], timeout=poll_s):
                        break
                except (OSError, ValueError):  # a sentinel we cannot wait on: pid polling only
                    time.sleep(poll_s)
            else:
                time.sleep(poll_s)
            if _parent_gone(original_ppid):
                break
        os._exit(0)  # no clean-up to wait for: nobody is left to receive the results

    thread = threading.Thread(target=watch, name="losslab-parent-watchdog", daemon=True)
    thread.start()
    return thread


def run_trainer(commands, results) -> None:
    """The trainer process's target: the watchdog, then the session's command loop."""
    from desktop_app.network_lab.session import trainer_process

    watch_parent()
    trainer_process(commands, results)

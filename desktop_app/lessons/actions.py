"""A beat's action performed on a page through its public methods.

:func:`start_action` starts the action and returns a poll: the lesson player calls it on a
timer until it returns True (the action has finished: the cursor stands on its step, the epochs
are trained, the panel's computation is back). A poll may do the next bit of work itself (pause
exactly on a step, ask for the next epoch), so nothing here blocks the event loop.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from core.beats import Beat, PlayToAction
from core.scene import parse_scene

Poll = Callable[[], bool]


def _done() -> bool:
    return True


def start_action(
    page: Any, beat: Beat, network: bool, open_tool: Callable[[str], Any] | None = None
) -> Poll:
    """Start ``beat``'s action on ``page`` (the Surface Lab, or the Network Lab when
    ``network``); the poll says when it has finished. No action: finished once the runs are
    computed (a question then reads what they recorded). ``open_tool`` opens a tool window by
    name (the main window's); without it an ``open_tool`` action does nothing."""
    action = beat.action
    if action is not None and action.kind == "open_tool":
        if open_tool is not None:
            open_tool(action.tool)
        return _done
    if network:
        return _start_network(page, action)
    if action is None:
        return lambda: surface_idle(page)
    starters: dict[str, Callable[[Any, Any], Poll]] = {
        "load": _load,
        "play_to": _play_to,
        "play": _play,
        "set": _set,
        "show_hessian": _show_hessian,
        "escape_saddle": _escape_saddle,
    }
    return starters[action.kind](page, action)


def surface_idle(page: Any) -> bool:
    """Every run computed and no job left in the page's worker."""
    return not page.service.busy() and all(run.done for run in page.runs.values())


def run_id_of(page: Any, label: str) -> str | None:
    return next((run_id for run_id, run in page.runs.items() if run.label == label), None)


# -- the Surface Lab ------------------------------------------------------------------------------


def _load(page: Any, _action: Any) -> Poll:
    page.rewind()  # pauses, cursor on step 0
    return _done


def _play_to(page: Any, action: Any) -> Poll:
    target = int(action.step)
    if page.current_step() >= target:
        page.seek(target)
        return _done
    page.set_playing(True)

    def poll() -> bool:
        if page.current_step() >= target or not page.playing:
            page.seek(min(target, page.max_step()))  # pauses exactly on the step
            return True
        return False

    return poll


def _play(page: Any, _action: Any) -> Poll:
    page.set_playing(True)  # from the start again when the cursor stands at the end
    return lambda: not page.playing and surface_idle(page)


def _set(page: Any, action: Any) -> Poll:
    """The Surface Lab has no method to change one setting of a run: the scene is opened again
    with the value changed and its runs are computed again. Shown at the end, they play again
    from the start; else the cursor goes back to its step (``core.beats.shown_until``: a
    ``set`` leaves the playback where it is)."""
    at_end = page.current_step() >= page.max_step()
    step = page.current_step()
    data = copy.deepcopy(page.scene_data())
    for run in data["runs"]:
        if run.get("label") == action.run:
            _put(run, action.path, action.value)
    page.load_scene(parse_scene(data), source="lesson")  # plays from step 0
    if at_end:
        return _play(page, action)
    page.seek(0)
    return _play_to(page, PlayToAction(kind="play_to", step=step))


def _put(run: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` ("optimizer.lr", "schedule.warmup", "steps") in a run's scene data."""
    *parents, name = path.split(".")
    node = run
    for part in parents:
        node = node.setdefault(part, {})
    node[name] = value


def _show_hessian(page: Any, action: Any) -> Poll:
    if action.at is not None:
        page.inspect_point(*action.at)  # pins the panel there and opens it
    else:
        run_id = run_id_of(page, action.run)
        if run_id is not None:
            page.select_run(run_id)
        page.follow_run()
        page.bottom_tabs.setCurrentWidget(page.eigen_scroll)
    return lambda: not page.service.busy()


def _escape_saddle(page: Any, _action: Any) -> Poll:
    """The panel's escape, once the panel has its curvature (the beat before may still be
    computing it)."""
    started = False

    def poll() -> bool:
        nonlocal started
        if page.service.busy():
            return False
        if not started:
            started = True
            page.escape_the_saddle()
            return not page.service.busy()
        return True

    return poll


# -- the Network Lab ------------------------------------------------------------------------------


def _start_network(page: Any, action: Any) -> Poll:
    kind = action.kind if action is not None else None
    if kind == "load":
        page.set_playing(False)
        page.reset()  # the same settings from epoch 0
        return _done
    if kind == "play":
        page.set_playing(True)
        return lambda: page.finished or not page.playing
    if kind == "train":
        return _train(page, int(action.epochs))
    return lambda: not page.playing and not page.backend.busy()


def _train(page: Any, epochs: int) -> Poll:
    """One epoch at a time (the page's "+1 epoch"), so training pauses exactly after
    ``epochs`` more."""
    page.set_playing(False)
    target = page.epochs_done() + epochs
    asked_at = page.epochs_done()
    page.step_epoch()

    def poll() -> bool:
        nonlocal asked_at
        done = page.epochs_done()
        if done >= target or page.finished:
            return not page.backend.busy()
        if done > asked_at and not page.backend.busy():
            asked_at = done
            page.step_epoch()
        return False

    return poll

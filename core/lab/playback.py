"""Playback arithmetic shared by the pages: a cursor that moves at ``speed`` steps per second.

Pure state and arithmetic, no timers: a page's frame timer calls :meth:`Playback.advance` with
the elapsed time and the last recorded step, and redraws when it returns True.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Playback:
    cursor: float = 0.0  # fractional, so slow speeds still advance
    speed: float = 60.0  # steps per second
    playing: bool = False

    @property
    def step(self) -> int:
        return int(self.cursor)

    def play(self, last_step: int) -> None:
        """Start playing; from the beginning when the cursor is already at the end."""
        if self.step >= last_step:
            self.cursor = 0.0
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def seek(self, step: int, last_step: int) -> int:
        """Pause and put the cursor on ``step`` (clamped to 0..last_step); returns the step."""
        self.playing = False
        self.cursor = float(max(0, min(step, max(last_step, 0))))
        return self.step

    def advance(self, seconds: float, recorded: int, last_step: int, finished: bool) -> bool:
        """Move the cursor by ``speed * seconds``, never past the last ``recorded`` step.

        Stops playing at ``last_step`` once every run has ``finished``. Returns True when the
        cursor moved (the views must redraw).
        """
        if not self.playing:
            return False
        new = min(self.cursor + self.speed * max(seconds, 0.0), float(max(recorded, 0)))
        moved = new != self.cursor
        self.cursor = new
        if self.step >= last_step and finished:
            self.playing = False
        return moved

"""The pages' playback state as properties over one :class:`core.lab.Playback`."""

from __future__ import annotations

from core.lab import Playback


class PlaybackProperties:
    """Mixin: ``cursor``, ``playing`` and ``speed`` read and write ``self.playback``."""

    playback: Playback

    @property
    def cursor(self) -> float:
        return self.playback.cursor

    @cursor.setter
    def cursor(self, value: float) -> None:
        self.playback.cursor = float(value)

    @property
    def playing(self) -> bool:
        return self.playback.playing

    @property
    def speed(self) -> float:
        return self.playback.speed

    @speed.setter
    def speed(self, value: float) -> None:
        self.playback.speed = float(value)

"""The lab's state, Qt-free: the evented lab model, the trajectory store and playback.

Views (``desktop_app``) subscribe to :class:`LabModel` events and read :class:`TrajectoryStore`;
nothing a view shows is kept only in a widget.
"""

from core.lab.model import HoverPoint, LabModel
from core.lab.playback import Playback
from core.lab.trajectory import TrajectoryStore

__all__ = ["HoverPoint", "LabModel", "Playback", "TrajectoryStore"]

"""The Surface Lab's timeline: playback, the frame timer's tick and ``draw()``, the 3D view.

A mixin of :class:`desktop_app.surface_lab.page.SurfaceLabPage`. The cursor arithmetic is
``core.lab.Playback``'s; ``draw()`` is the only place the views receive run data, read from the
recorder up to the cursor.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QCoreApplication

from desktop_app.surface_lab.map_view import COLORMAP

FRAME_MS = 33  # views redraw at most ~30 times a second


class TimelineMixin:
    """Play, pause, seek and step; each frame draws what changed."""

    def max_step(self) -> int:
        return max((r.offset + r.steps for r in self.runs.values()), default=0)

    def set_playing(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.max_step())
        else:
            self.playback.pause()
        self._last_frame = time.perf_counter()
        self.transport.set_playing(playing)
        self._dirty = True

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def _set_speed(self, value: int) -> None:
        self.speed = value

    def seek(self, step: int) -> None:
        self.set_playing(False)
        self.playback.seek(step, self.max_step())
        self._dirty = True
        self._frame()

    def step_by(self, delta: int) -> None:
        self.seek(int(self.cursor) + delta)

    def rewind(self) -> None:
        self.seek(0)

    def current_step(self) -> int:
        return int(self.cursor)

    def _frame(self) -> None:
        now = time.perf_counter()
        dt, self._last_frame = now - self._last_frame, now
        if self.playing:
            finished = all(r.done for r in self.runs.values())
            if self.playback.advance(dt, self.recorder.max_step(), self.max_step(), finished):
                self._dirty = True
            if not self.playback.playing:  # reached the end of finished runs
                self.set_playing(False)
        if self._dirty:
            self._dirty = False
            self.draw()

    def draw(self) -> None:
        """Draw every view at the cursor from the recorder (the only place views get run data)."""
        step = int(self.cursor)
        self.model.cursor = step  # what the user looks at, in the lab model
        swarm_xy = None
        for run in self.runs.values():
            track = self.recorder.get(run.id)
            if track is None:
                continue
            swarm, visible = run.swarm, run.visible
            last = min(step, track.count - 1)
            if last < 0:
                if not swarm:
                    self.map.set_path(run.id, np.empty((0, 2)))
                continue
            steps = np.arange(last + 1)
            if swarm:
                if visible:
                    swarm_xy = track.positions[last]
                loss = track.loss_median[: last + 1]
                grad = track.grad_norm_median[: last + 1]
            else:
                self.map.set_path(run.id, track.positions[: last + 1, 0])
                loss, grad = track.loss[: last + 1, 0], track.grad_norm[: last + 1, 0]
            self.plots.set_series(run.id, "loss", steps, loss)
            self.plots.set_series(run.id, "grad_norm", steps, grad)
            self.plots.set_series(run.id, "lr", steps[1:], track.lr[1 : last + 1])
        self.map.set_swarm(swarm_xy)
        self.plots.set_step_range(self.max_step())
        self.plots.set_cursor(step)
        self.transport.show_step(step, self.max_step())
        self._draw_curvature(step)
        if self.view3d is not None and self.views.currentIndex() == 1:
            self._update_3d_runs(step)
        self.frames_drawn += 1

    # -- 3D --------------------------------------------------------------------------------------

    def _view_tab_changed(self, index: int) -> None:
        if index == 1 and self.view3d is None:
            from desktop_app.surface_lab.view3d import SurfaceView3D

            self.view3d = SurfaceView3D()
            self.views.blockSignals(True)
            self.views.removeTab(1)
            self.views.insertTab(1, self.view3d, QCoreApplication.translate("SurfaceLabPage", "3D"))
            self.views.setCurrentIndex(1)
            self.views.blockSignals(False)
            self._update_3d_surface()
        self._dirty = True

    def _update_3d_surface(self) -> None:
        if self.raster is not None and self.view3d is not None:
            r = self.raster
            self.view3d.set_surface(r.xs, r.ys, r.loss, r.levels, r.log_scale, COLORMAP)

    def _update_3d_runs(self, step: int) -> None:
        paths, colors, losses = [], [], []
        swarm = None
        for run in self.runs.values():
            track = self.recorder.get(run.id)
            if track is None or track.count == 0 or not run.visible:
                continue
            last = min(step, track.count - 1)
            rgb = run.color.getRgb()[:3]
            if run.swarm:
                swarm = (track.positions[last], track.loss[last], rgb)
                continue
            paths.append(track.positions[: last + 1, 0])
            losses.append(track.loss[: last + 1, 0])
            colors.append(rgb)
        self.view3d.set_trajectories(paths, colors, losses)
        self.view3d.set_points(*(swarm or (None, None, None)))

    def _clear_3d_runs(self) -> None:
        """The trajectories in the 3D view described the old content."""
        if self.view3d is not None:
            self.view3d.set_trajectories([], [], [])
            self.view3d.set_points(None, None, None)

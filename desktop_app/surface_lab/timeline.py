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
# While a run is still computing, the timer draws at most this often: each frame holds the GIL
# the worker needs (a 1000-step race computed 3x slower with 30 frames/s drawn meanwhile). The
# first frame after new records still comes at the next tick.
COMPUTING_FRAME_S = 0.1
# While playing, the metric plots redraw at most this often (half the map's rate): their curves
# were a third of a frame's work. Paused, seeking or stepping, they follow at once.
PLOT_FRAME_S = 0.066


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

    def _frame(self, throttle: bool = False) -> None:
        """Advance the cursor if playing and draw if anything changed; ``throttle`` (the frame
        timer's ticks): while runs compute, draw at most every ``COMPUTING_FRAME_S``."""
        now = time.perf_counter()
        finished = all(r.done for r in self.runs.values())
        if throttle and not finished and now - self._last_draw < COMPUTING_FRAME_S:
            return  # the cursor advances by the whole time at the next frame drawn
        dt, self._last_frame = now - self._last_frame, now
        if self.playing:
            if self.playback.advance(dt, self.recorder.max_step(), self.max_step(), finished):
                self._dirty = True
            if not self.playback.playing:  # reached the end of finished runs
                self.set_playing(False)
        if self._dirty:
            self._dirty = False
            self._last_draw = now
            self.draw()

    def _tick(self) -> None:
        """The frame timer's tick."""
        self._frame(throttle=True)

    def draw(self) -> None:
        """Draw every view at the cursor from the recorder (the only place views get run data)."""
        step = int(self.cursor)
        self.model.cursor = step  # what the user looks at, in the lab model
        now = time.perf_counter()
        plots = not self.playing or now - self._last_plots >= PLOT_FRAME_S
        if plots:
            self._last_plots = now
        else:
            self._dirty = True  # the plots catch up at a next frame
        swarm_xy = None
        for run in self.runs.values():
            track = self.recorder.get(run.id)
            if track is None:
                continue
            if run.swarm and run.visible and track.count:
                swarm_xy = track.positions[min(step, track.count - 1)]
            self._draw_run(run, track, step, plots)
        self.map.set_swarm(swarm_xy)
        if plots:
            self.plots.set_step_range(self.max_step())
            self.plots.set_cursor(step)
        self.transport.show_step(step, self.max_step())
        self._draw_curvature(step, plots)
        if self.view3d is not None and self.views.currentIndex() == 1:
            self._update_3d_runs(step)
        self.frames_drawn += 1

    def _draw_run(self, run, track, step: int, plots: bool = True) -> None:
        """A run's path and (with ``plots``) its curves up to ``step``. The path is skipped when
        it shows those very rows already (the cursor moved less than a step, records came past
        the cursor); the curves also when no rows came (their value range covers every row)."""
        last, count = min(step, track.count - 1), track.count
        rows = (track.serial, track.revision, last)
        path = self.map.paths.get(run.id)
        if not run.swarm and self._drawn_rows.get(run.id) != (*rows, id(path)):
            self._drawn_rows[run.id] = (*rows, id(path))
            self.map.set_path(run.id, track.positions[: last + 1, 0])
        curves = (*rows, count, id(self.plots.curves["loss"].get(run.id)))
        if not plots or last < 0 or self._drawn_curves.get(run.id) == curves:
            return
        self._drawn_curves[run.id] = curves
        steps = np.arange(last + 1)
        if run.swarm:
            loss, grad = track.loss_median[:count], track.grad_norm_median[:count]
        else:
            loss, grad = track.loss[:count, 0], track.grad_norm[:count, 0]
        lr = track.lr[1:count]
        # The plots' value ranges cover every recorded row: they hold still while playing. Only
        # the cursor moved (the same rows recorded): the ranges they have are still right.
        extents = (track.serial, track.revision, count, curves[-1])
        new_rows = self._drawn_extents.get(run.id) != extents
        self._drawn_extents[run.id] = extents
        for metric, at, values, recorded in (
            ("loss", steps, loss[: last + 1], loss),
            ("grad_norm", steps, grad[: last + 1], grad),
            ("lr", steps[1:], lr[:last], lr),
        ):
            self.plots.set_series(run.id, metric, at, values, recorded if new_rows else None)

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

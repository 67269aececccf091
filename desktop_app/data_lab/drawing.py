"""The Data & batches page's drawing: the timeline cursor (a core.lab.Playback), the frame timer,
and ``draw()``: paths, gradient arrows, loss curves and the readout at the cursor.

``draw()`` is the only place views receive run data; the arrows' geometry and the gradient
angle come from ``core.data_lab``. ``_clear_drawn`` empties every derived item when the
content is replaced.

The cloud of minibatch steps at the shown point (``core.data_lab.gradient_cloud``) is computed in
the worker (jobs.py) while the playback is paused, for the point and batch size shown; ``draw``
scales it like the arrows and says the point's noise scale B_simple.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from core.data_lab import (
    GradientCloud,
    RunHistory,
    arrow_references,
    arrow_scale,
    arrow_tips,
    chosen_batch_size,
    cloud_tips,
    compact_number,
    ellipse_points,
    gradient_angle,
    positive,
    step_gradients,
)
from desktop_app.data_lab.layout import RUN_COLORS, SIDES


class DrawingMixin:
    """Playback and drawing (``self`` is the DataLabPage)."""

    # -- playback --------------------------------------------------------------------------------

    def max_step(self) -> int:
        return max((len(h.loss) - 1 for h in self.histories.values()), default=0)

    def set_playing(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.max_step())
        else:
            self.playback.pause()
        self._last_frame = time.perf_counter()
        self.transport.set_playing(playing)
        self._dirty = True

    def seek(self, step: int) -> None:
        self.set_playing(False)
        self.playback.seek(step, self.max_step())
        self._dirty = True
        self._frame()

    def _frame(self) -> None:
        now = time.perf_counter()
        dt, self._last_frame = now - self._last_frame, now
        if self.playing:
            computed = max((h.count - 1 for h in self.histories.values()), default=0)
            finished = all(h.done for h in self.histories.values())
            self.playback.speed = self.transport.speed.value()
            if self.playback.advance(dt, computed, self.max_step(), finished):
                self._dirty = True
            if not self.playback.playing:  # reached the end of finished runs
                self.set_playing(False)
        if self._dirty:
            self._dirty = False
            self.draw()

    # -- drawing ---------------------------------------------------------------------------------

    def _clear_drawn(self) -> None:
        """Every item derived from runs empty: paths, arrows, loss curves, readout."""
        for side in SIDES:
            view = self.maps[side]
            if "run" in view.paths:
                view.set_path("run", np.empty((0, 2)))
            for arrow in self.arrows[side]:
                arrow.hide()
            self.cloud_dots[side].setData([], [])
            self.cloud_ellipses[side].setData([], [])
        for curve in self.loss_curves.values():
            curve.setData([], [])
        self.readout.clear()

    def draw(self) -> None:
        """Every view at the cursor (the only place views get run data)."""
        step = int(self.cursor)
        settings = self.model.settings
        comparison = settings["comparison"]
        epochs = settings["x_axis"] == "epochs"
        generalization = comparison == "generalization"
        self._clear_drawn()
        references = arrow_references(self.histories, step, comparison)
        readouts = {}
        clouds: dict[str, GradientCloud | None] = {}
        for side in SIDES:
            run_side = "left" if generalization else side
            history = self.histories.get(run_side)
            if history is None or history.count == 0:
                continue
            view = self.maps[side]
            view.ensure_run("run", QColor(RUN_COLORS[run_side]))
            start = self.start_of(run_side)
            if start is not None:
                view.set_start("run", *start)
            last = history.last_row(step)
            view.set_path("run", history.positions[: last + 1])
            if run_side == side:  # train vs test: the arrows only on the training surface
                readouts[side] = self._draw_arrows(side, history, last, references[side])
                clouds[side] = self._draw_cloud(side, history.positions[last], references[side])
        for side, history in self.histories.items():
            last = history.last_row(step)
            if last < 0:
                continue
            xs = history.epoch[: last + 1] if epochs else np.arange(last + 1, dtype=float)
            self.loss_curves[side].setData(xs, positive(history.loss[: last + 1]))
            if generalization:
                test = positive(history.test_loss[: last + 1])
                self.loss_curves["test"].setData(xs, test)
        self._draw_axis(step, epochs)
        self._show_readout(step, {s: text for s, text in readouts.items() if text})
        self._show_noise_scale({s: c for s, c in clouds.items() if c is not None})
        self.transport.show_step(step, self.max_step())

    def cloud_batch_size(self, side: str) -> int | None:
        """The examples per minibatch of ``side``'s cloud: the batch in use (the full batch, or a
        batch above N, is N); None before the surface is built."""
        surface = self.surfaces.get(side)
        if surface is None:
            return None
        requested = chosen_batch_size(self.model.settings)
        n = surface.n_examples
        return n if requested is None else min(requested, n)

    def _draw_cloud(self, side: str, point: np.ndarray, reference: float) -> GradientCloud | None:
        """The cloud of minibatch steps from ``point`` at the arrows' scale and its 2σ ellipse,
        when the cloud computed last is for this point and batch size; while paused, a cloud
        for a new point is asked for (jobs.py). Returns the cloud shown (None: none yet)."""
        size = self.cloud_batch_size(side)
        if size is None or not np.all(np.isfinite(point)):
            return None
        wanted = ((float(point[0]), float(point[1])), size)
        cloud = self.clouds.get(side)
        if cloud is None or (cloud.point, cloud.batch_size) != wanted:
            if not self.playing:
                self._request_cloud(side, *wanted)
            return None
        surface = self.surfaces[side]
        scale = arrow_scale(reference, surface.x_range)
        if scale is None or size >= surface.n_examples:  # the full batch: no spread to draw
            return cloud
        tips = cloud_tips(cloud.point, cloud.cloud, reference, surface.x_range)
        self.cloud_dots[side].setData(tips[:, 0], tips[:, 1])
        centre = cloud_tips(cloud.point, cloud.full[None], reference, surface.x_range)[0]
        ring = ellipse_points(centre, cloud.covariance, scale)
        self.cloud_ellipses[side].setData(ring[:, 0], ring[:, 1])
        return cloud

    def _show_noise_scale(self, clouds: dict[str, GradientCloud]) -> None:
        """The noise scale B_simple at the shown point (one number per panel with a run), each
        sentence translated whole; the last one stays while a new point is computed."""
        if not clouds:
            if not self.histories:
                self.noise_label.clear()
            return
        step = int(self.cursor)
        first = next(iter(clouds.values()))
        n = self.surfaces["left"].n_examples if "left" in self.surfaces else first.batch_size
        if first.batch_size >= n:
            batch = QCoreApplication.translate("DataLabPage", "the full batch (no noise)")
        else:
            batch = str(first.batch_size)
        values = {side: compact_number(cloud.noise.b_simple) for side, cloud in clouds.items()}
        if len(values) == 2:
            names = self._curve_names(self.model.settings["comparison"])
            text = QCoreApplication.translate(
                "DataLabPage",
                "noise scale at step {0}: B_simple = {1} ({2}), {3} ({4}); batch in use: {5}. "
                "Batches much smaller than B_simple are noise-dominated.",
            ).format(step, values["left"], names["left"], values["right"], names["right"], batch)
        else:
            text = QCoreApplication.translate(
                "DataLabPage",
                "noise scale at step {0}: B_simple = {1}; batch in use: {2}. Batches much "
                "smaller than B_simple are noise-dominated.",
            ).format(step, next(iter(values.values())), batch)
        self.noise_label.setText(text)

    def _draw_axis(self, step: int, epochs: bool) -> None:
        item = self.loss_plot.getPlotItem()
        item.setLabel(
            "bottom",
            QCoreApplication.translate("DataLabPage", "epoch")
            if epochs
            else QCoreApplication.translate("DataLabPage", "step"),
        )
        history = next(iter(self.histories.values()), None)
        per_epoch = history.updates_per_epoch if history is not None else 1
        scale = 1.0 / per_epoch if epochs else 1.0
        end = max(self.max_step() * scale, 1e-9)
        if self._x_range != (end, epochs):  # a fixed x range: the whole run
            self._x_range = (end, epochs)
            item.setXRange(0, end, padding=0.02)
        self.loss_cursor.setValue(step * scale)

    def _draw_arrows(self, side: str, history: RunHistory, last: int, reference: float) -> str:
        """The full-batch and the minibatch arrow at row ``last``; their readout sentence."""
        full_arrow, batch_arrow = self.arrows[side]
        point = history.positions[last]
        full, used = step_gradients(history, last)
        surface = self.surfaces.get(side)
        x_range = surface.x_range if surface is not None else (0.0, 1.0)
        gradients = [full] if used is None else [full, used]
        tips = arrow_tips(point, gradients, reference, x_range)
        if tips is None:
            return ""
        full_arrow.set(point, tips[0])
        if used is None:
            return QCoreApplication.translate(
                "DataLabPage", "‖full-batch gradient‖ = {0:.3g}"
            ).format(float(np.linalg.norm(full)))
        batch_arrow.set(point, tips[1])
        return QCoreApplication.translate(
            "DataLabPage",
            "‖full-batch gradient‖ = {0:.3g}, ‖minibatch gradient‖ = {1:.3g}, {2:.0f}° apart",
        ).format(
            float(np.linalg.norm(full)), float(np.linalg.norm(used)), gradient_angle(full, used)
        )

    def _show_readout(self, step: int, parts: dict[str, str]) -> None:
        """One line, each sentence translated whole: the step, then each panel's gradients."""
        history = next(iter(self.histories.values()), None)
        if history is None or not parts:
            self.readout.clear()
            return
        last = history.last_row(step)
        if len(parts) == 2:
            names = self._curve_names(self.model.settings["comparison"])
            body = QCoreApplication.translate("DataLabPage", "{0}: {1}   |   {2}: {3}").format(
                names["left"], parts["left"], names["right"], parts["right"]
            )
        else:
            body = next(iter(parts.values()))
        self.readout.setText(
            QCoreApplication.translate("DataLabPage", "step {0} = epoch {1:.2f}  —  {2}").format(
                last, history.epoch[last], body
            )
        )

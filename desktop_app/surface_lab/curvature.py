"""The Surface Lab's curvature: the Hessian panel, the eigenvector and internals arrows, sharpness.

A mixin of :class:`desktop_app.surface_lab.page.SurfaceLabPage`. Hessians are computed in the
worker (per run once it is complete, at a Ctrl-clicked point, along a saddle escape, and by the
critical-point finder); what the panel shows is derived at each frame from the selected run and
the cursor, or from the pinned point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QSplitter, QTabWidget

from core.curvature import CurvatureStore, curvature_at, escape_saddle, find_critical_points
from core.lab.arrows import step_arrows
from desktop_app.surface_lab.eigen_panel import EigenPanel, EigenScroll
from desktop_app.surface_lab.internals import InternalsPlots
from desktop_app.surface_lab.jobs import CRITICAL_KEY, CURVATURE_PREFIX, INSPECT_KEY

CURVATURE_CHUNK = 2048  # trajectory points per Hessian batch in the worker


class CurvatureMixin:
    """Pinning a point, escaping a saddle, finding critical points, and drawing all of it."""

    def _build_curvature_ui(self) -> None:
        """The Hessian panel and the sigma plots, in tabs beside the metric plots."""
        self.curvatures = CurvatureStore()  # per run and step, computed in the worker
        self.inspected: tuple[float, float] | None = None  # the pinned point (Ctrl-click)
        self._inspected_curvature = None
        self._inspect_anchor = None  # (selected run, step) when pinned: changing either unpins
        self._escape = None  # the last SaddleEscape, drawn while its end point is pinned
        self.eigen_panel = EigenPanel()
        self.eigen_panel.escapeRequested.connect(self.escape_the_saddle)
        self.eigen_panel.findRequested.connect(self.locate_critical_points)
        self.eigen_panel.followRequested.connect(self.follow_run)
        self.eigen_panel.pointChosen.connect(self.inspect_point)
        self.eigen_panel.settingsChanged.connect(self._mark_found_points)
        self.internals = InternalsPlots()
        self.internals.cursorMoved.connect(self.seek)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.plots, QCoreApplication.translate("SurfaceLabPage", "Metrics"))
        # Scrolls rather than squeezing its numbers when the window is small.
        self.eigen_scroll = EigenScroll(self.eigen_panel)
        self.bottom_tabs.addTab(
            self.eigen_scroll, QCoreApplication.translate("SurfaceLabPage", "Hessian")
        )
        self.bottom_tabs.addTab(
            self.internals, QCoreApplication.translate("SurfaceLabPage", "σ and η/σ")
        )
        self.bottom_tabs.currentChanged.connect(self._mark_dirty)
        self.bottom_tabs.currentChanged.connect(self._fit_bottom_tab)
        self.map.pointInspected.connect(self.inspect_point)

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True

    def _fit_bottom_tab(self, *_args) -> None:
        """Give the bottom tabs the height the Hessian panel needs (taken from the map) when it
        is opened, instead of hiding half of it behind a scroll bar."""
        splitter = self.bottom_tabs.parentWidget()
        if self.bottom_tabs.currentWidget() is not self.eigen_scroll or not isinstance(
            splitter, QSplitter
        ):
            return
        if splitter.orientation() != Qt.Orientation.Vertical:
            return  # beside the map (presenter mode): the panel has the full height
        need = (
            self.eigen_panel.minimumSizeHint().height()
            + self.bottom_tabs.tabBar().sizeHint().height()
            + 16  # the tab frame's margins
        )
        sizes = splitter.sizes()
        index = splitter.indexOf(self.bottom_tabs)
        missing = need - sizes[index]
        if missing > 0 and index > 0 and sizes[0] > missing + 200:
            sizes[0] -= missing
            sizes[index] += missing
            splitter.setSizes(sizes)

    def inspect_point(self, x: float, y: float) -> None:
        """Pin the Hessian panel to ``(x, y)`` (Ctrl-click on the map); playback pauses. Moving
        the cursor or choosing another run goes back to following the selected run."""
        self.set_playing(False)
        self._unpin()
        self.inspected = (float(x), float(y))
        self._inspect_anchor = (self.selected, self.current_step())
        self.bottom_tabs.setCurrentWidget(self.eigen_scroll)
        surface, point = self.surface, self.inspected
        self._start_inspect(lambda: [("point", curvature_at(surface, [point]))])

    def follow_run(self) -> None:
        """Show the selected run's point at the cursor again."""
        self._unpin()
        self._dirty = True

    def escape_the_saddle(self) -> None:
        """One step from the panel's point along the eigenvector of the negative eigenvalue;
        the panel then shows the new point and how much the loss fell."""
        curvature = self._panel_curvature(self.current_step())[0]
        if curvature is None:
            return
        self.set_playing(False)
        if self.inspected is None:
            self._inspect_anchor = (self.selected, self.current_step())
        surface, point = self.surface, curvature.points[0].copy()
        step = self.eigen_panel.step.value()

        def work():
            escape = escape_saddle(surface, point, step)
            return [("escape", escape, curvature_at(surface, [escape.point]))]

        self._start_inspect(work)

    def locate_critical_points(self) -> None:
        """Run the critical-point finder on the current surface (in the worker)."""
        surface, tolerance = self.surface, self.eigen_panel.tolerance.value()
        generation = self.service.bump(CRITICAL_KEY)

        def make():
            yield find_critical_points(surface, tolerance=tolerance)

        self.eigen_panel.show_finding()
        self.service.submit([(CRITICAL_KEY, generation, make)])

    def _start_inspect(self, work) -> None:
        generation = self.service.bump(INSPECT_KEY)

        def make():
            try:
                yield from work()
            except ValueError as error:  # e.g. no negative eigenvalue: nothing to escape
                yield ("error", str(error))

        self.service.submit([(INSPECT_KEY, generation, make)])

    def _unpin(self) -> None:
        self.service.bump(INSPECT_KEY)
        self.inspected = self._inspected_curvature = self._inspect_anchor = self._escape = None
        self.eigen_panel.clear_escape()

    def _clear_curvature(self) -> None:
        """The content or its surface changed: the pin, the escape, the found points and the
        arrows described the old one; the map marks the current surface's own critical points."""
        self._unpin()
        self.service.bump(CRITICAL_KEY)
        self.eigen_panel.clear_found()
        self.eigen_panel.show_message("")  # the next frame says what it shows now
        self.map.set_critical_points([(p.x, p.y, p.kind) for p in self.surface.critical_points])
        self.map.set_internals(None)
        self.map.set_eigen_arrows(None)
        self.map.set_inspected(None)
        self.map.set_escape()
        self._dirty = True

    def _curvature_after_batch(self, run_id: str, records: list, done: bool) -> None:
        """A run's records arrived: rows from their first step are stale (a restart or a
        "continue from here"); once the run is complete, compute its curvature in the worker."""
        key = CURVATURE_PREFIX + run_id
        if records:
            self.service.bump(key)  # drops a computation for the old trajectory still in flight
            self.curvatures.truncate(run_id, records[0].step)
        if not done:
            return
        track = self.recorder.get(run_id)
        positions = track.positions[: track.count, 0].copy()
        generation = self.service.bump(key)
        first = self.curvatures.begin(run_id, len(positions))  # after "continue": the new steps
        surface = self.surface

        def make():
            for start in range(first, len(positions), CURVATURE_CHUNK):
                yield start, curvature_at(surface, positions[start : start + CURVATURE_CHUNK])

        self.service.submit([(key, generation, make)])

    def _on_curvature_batch(self, batch) -> None:
        for item in batch.items:
            if batch.key == CRITICAL_KEY:
                self.eigen_panel.set_found(item)
                self._mark_found_points()
            elif batch.key == INSPECT_KEY:
                self._inspect_result(item)
            else:
                self.curvatures.put(batch.key.removeprefix(CURVATURE_PREFIX), *item)
        self._dirty = True

    def _inspect_result(self, item: tuple) -> None:
        if item[0] == "error":
            self.eigen_panel.show_escape_error(item[1])
            self.statusMessage.emit(item[1])
            return
        if item[0] == "escape":
            _, self._escape, curvature = item
            self.inspected = self._escape.point
            self.eigen_panel.show_escape(self._escape)
        else:
            curvature = item[1]
        self._inspected_curvature = curvature

    def _mark_found_points(self) -> None:
        found = self.eigen_panel.found
        if found:
            kinds = self.eigen_panel.found_kinds()
            self.map.set_critical_points(
                [(p.x, p.y, kind) for p, kind in zip(found, kinds, strict=True)]
            )

    def _followed(self, step: int):
        """The selected single run, its track and its row at ``step`` (-1: nothing to show)."""
        run = self.runs.get(self.selected or "")
        track = self.recorder.get(run.id) if run is not None else None
        index = -1
        if run is not None and not run.swarm and track is not None:
            index = min(step, track.count - 1)
        return run, track, index

    def _panel_curvature(self, step: int) -> tuple[Any, str]:
        """What the Hessian panel shows at ``step``: ``(curvature, where)``, or ``(None, why
        not)`` while it is being computed or there is nothing to show."""
        if self.inspected is not None:
            if self._inspected_curvature is None:
                return None, QCoreApplication.translate(
                    "SurfaceLabPage", "Computing the Hessian at the clicked point…"
                )
            if self._escape is not None:
                return self._inspected_curvature, QCoreApplication.translate(
                    "SurfaceLabPage", "After the escape:"
                )
            return self._inspected_curvature, QCoreApplication.translate(
                "SurfaceLabPage", "Clicked:"
            )
        run, _track, index = self._followed(step)
        if index < 0:
            return None, QCoreApplication.translate(
                "SurfaceLabPage", "Select a run, or Ctrl-click the map to inspect a point."
            )
        curvature = self.curvatures.row(run.id, index)
        if curvature is None:
            return None, QCoreApplication.translate(
                "SurfaceLabPage", "Computing the Hessian along {0}…"
            ).format(run.label)
        return curvature, QCoreApplication.translate("SurfaceLabPage", "{0}, step {1}:").format(
            run.label, index
        )

    def _draw_curvature(self, step: int, plots: bool = True) -> None:
        """Sharpness (and sigma) curves for every single run; the Hessian panel and the map's
        arrows for the selected run at the cursor, or for the pinned point. Without ``plots``
        (a frame between two plot frames while playing) only the map's arrows: curves and the
        panel's numbers follow at the plots' rate."""
        show_internals = self.bottom_tabs.currentWidget() is self.internals
        for run in self.runs.values() if plots else ():
            track = self.recorder.get(run.id)
            if run.swarm or track is None:
                continue
            last = min(step, track.count - 1)
            sharp = self.curvatures.sharpness(run.id)[: last + 1]
            self.plots.set_series(run.id, "sharpness", np.arange(len(sharp)), sharp)
            if show_internals:
                self.internals.set_run(run.id, run.color, run.visible, track, last)
        self.internals.retain(self.runs)
        if show_internals and plots:
            self.internals.set_step_range(self.max_step())
            self.internals.set_cursor(step)

        if self.inspected is not None and self._inspect_anchor != (self.selected, step):
            self._unpin()
        run, track, index = self._followed(step)
        # The map explains what the bottom tab is about: the Hessian tab gets the eigenvectors,
        # the others the optimizer's arrows (both at the same point would be a tangle).
        hessian_tab = self.bottom_tabs.currentWidget() is self.eigen_scroll
        following = index >= 0 and run.visible and not hessian_tab
        self.map.set_internals(step_arrows(track, index) if following else None)

        curvature, text = self._panel_curvature(step)
        pinned = self.inspected is not None
        if plots and curvature is None:
            self.eigen_panel.show_message(text, pinned=pinned)
        elif plots:
            self.eigen_panel.show_curvature(text, curvature, pinned=pinned)
        if curvature is None or not hessian_tab:
            self.map.set_eigen_arrows(None)
        else:
            self.map.set_eigen_arrows(
                curvature.points[0], curvature.eigenvalues[0], curvature.eigenvectors[0]
            )
        self.map.set_inspected(self.inspected)
        escape = self._escape if self.inspected is not None else None
        self.map.set_escape(*((escape.start, escape.point) if escape else ()))
